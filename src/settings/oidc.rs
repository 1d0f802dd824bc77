//! The OpenID Connect settings, Headlamp's names plus the cookie secret that makes sign-in
//! session-less. Like Headlamp, the client may also come from a kubeconfig context's
//! `auth-provider: oidc`; then only the cookie secret (and any tuning) comes from here.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::flags::Key;
use super::validate::{Reader, parse_http_url};
use super::{OidcSettings, OidcTemplate, SettingsError};

const MIN_COOKIE_SECRET_LEN: usize = 32;

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// What the flags say: a complete OIDC client, or (without `-oidc-client-id`) a template that a
/// kubeconfig `auth-provider: oidc` can complete, when a cookie secret is set.
pub(super) struct Parsed {
    pub complete: Option<OidcSettings>,
    pub template: Option<OidcTemplate>,
}

pub(super) fn settings(reader: &Reader) -> Result<Parsed, SettingsError> {
    let Some(client_id) = reader.optional_text(Key::OidcClientId) else {
        let template = match optional_cookie_secret(reader)? {
            Some(secret) => Some(template(reader, secret)?),
            None => None,
        };
        return Ok(Parsed {
            complete: None,
            template,
        });
    };
    let issuer_url = reader.optional_url(Key::OidcIdpIssuerUrl)?.ok_or_else(|| {
        SettingsError::Conflict(
            "-oidc-client-id is set but -oidc-idp-issuer-url is not: both are needed".into(),
        )
    })?;
    let secret = optional_cookie_secret(reader)?.ok_or_else(|| {
        SettingsError::Conflict(
            "OIDC sign-in needs -oidc-cookie-secret (or -oidc-cookie-secret-file, HEADLAMP_CONFIG_OIDC_COOKIE_SECRET): \
             at least 32 random bytes, the same on every replica, e.g. from `openssl rand -base64 48`"
                .into(),
        )
    })?;
    Ok(Parsed {
        complete: Some(template(reader, secret)?.complete(client_id, issuer_url)),
        template: None,
    })
}

fn template(reader: &Reader, cookie_secret: SecretString) -> Result<OidcTemplate, SettingsError> {
    let mut scopes = vec!["openid".to_string()];
    scopes.extend(
        list(&reader.text(Key::OidcScopes))
            .into_iter()
            .filter(|s| s != "openid"),
    );
    let ca_file = reader.optional_text(Key::OidcCaFile).map(PathBuf::from);
    if ca_file.as_ref().is_some_and(|path| !path.is_file()) {
        return Err(reader.invalid(Key::OidcCaFile, "no such file"));
    }
    let session_ttl = reader.parse(Key::SessionTtl, |value| {
        value
            .parse::<u64>()
            .ok()
            .filter(|secs| *secs > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| "expected a number of seconds greater than 0".to_string())
    })?;
    Ok(OidcTemplate {
        client_secret: reader
            .optional_text(Key::OidcClientSecret)
            .map(SecretString::from),
        validator_client_id: reader.optional_text(Key::OidcValidatorClientId),
        validator_issuer: reader.optional_url(Key::OidcValidatorIdpIssuerUrl)?,
        scopes,
        callback_url: reader.optional_url(Key::OidcCallbackUrl)?,
        use_pkce: reader.bool(Key::OidcUsePkce)?,
        use_access_token: reader.bool(Key::OidcUseAccessToken)?,
        ca_file,
        skip_tls_verify: reader.bool(Key::OidcSkipTlsVerify)?,
        session_ttl,
        username_paths: list(&reader.text(Key::MeUsernamePath)),
        email_paths: list(&reader.text(Key::MeEmailPath)),
        groups_paths: list(&reader.text(Key::MeGroupsPath)),
        cookie_secret,
        logout_at_idp: reader.bool(Key::OidcLogout)?,
    })
}

fn optional_cookie_secret(reader: &Reader) -> Result<Option<SecretString>, SettingsError> {
    let (key, secret) = match (
        reader.optional_text(Key::OidcCookieSecret),
        reader.optional_text(Key::OidcCookieSecretFile),
    ) {
        (Some(_), Some(_)) => {
            return Err(SettingsError::Conflict(
                "-oidc-cookie-secret and -oidc-cookie-secret-file are both set: use one".into(),
            ));
        }
        (Some(secret), None) => (Key::OidcCookieSecret, secret),
        (None, Some(path)) => {
            let secret = std::fs::read_to_string(&path).map_err(|e| {
                reader.invalid(Key::OidcCookieSecretFile, format!("cannot read it: {e}"))
            })?;
            (Key::OidcCookieSecretFile, secret.trim().to_string())
        }
        (None, None) => return Ok(None),
    };
    let secret = SecretString::from(secret);
    if secret.expose_secret().len() < MIN_COOKIE_SECRET_LEN {
        return Err(reader.invalid(
            key,
            format!("must be at least {MIN_COOKIE_SECRET_LEN} bytes long"),
        ));
    }
    Ok(Some(secret))
}

impl OidcTemplate {
    /// The settings for this client; the validator flags, when set, override what ID tokens must
    /// carry.
    pub fn complete(self, client_id: String, issuer_url: String) -> OidcSettings {
        OidcSettings {
            audience: self
                .validator_client_id
                .unwrap_or_else(|| client_id.clone()),
            token_issuer: self.validator_issuer.unwrap_or_else(|| issuer_url.clone()),
            client_id,
            issuer_url,
            client_secret: self.client_secret,
            scopes: self.scopes,
            callback_url: self.callback_url,
            use_pkce: self.use_pkce,
            use_access_token: self.use_access_token,
            ca_file: self.ca_file,
            skip_tls_verify: self.skip_tls_verify,
            session_ttl: self.session_ttl,
            username_paths: self.username_paths,
            email_paths: self.email_paths,
            groups_paths: self.groups_paths,
            cookie_secret: self.cookie_secret,
            logout_at_idp: self.logout_at_idp,
        }
    }

    /// Completes the template with a kubeconfig `auth-provider: oidc` config (Headlamp's keys:
    /// `client-id`, `client-secret`, `idp-issuer-url`, `extra-scopes`).
    pub fn completed_by_auth_provider(
        mut self,
        config: &HashMap<String, String>,
    ) -> Result<OidcSettings, String> {
        let get = |key: &str| {
            config
                .get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let client_id = get("client-id").ok_or("its oidc auth-provider has no client-id")?;
        let issuer = get("idp-issuer-url").ok_or("its oidc auth-provider has no idp-issuer-url")?;
        parse_http_url(&issuer)
            .map_err(|reason| format!("its idp-issuer-url {issuer:?}: {reason}"))?;
        if let Some(secret) = get("client-secret") {
            self.client_secret = Some(SecretString::from(secret));
        }
        for scope in list(&get("extra-scopes").unwrap_or_default()) {
            if !self.scopes.contains(&scope) {
                self.scopes.push(scope);
            }
        }
        Ok(self.complete(client_id, issuer))
    }
}
