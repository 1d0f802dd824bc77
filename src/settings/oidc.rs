//! The OpenID Connect settings, Headlamp's names plus the cookie secret that makes sign-in
//! session-less. Like Headlamp, the client may also come from a kubeconfig context's
//! `auth-provider: oidc`; then only the cookie secret (and any tuning) comes from here.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::validate::Reader;
use super::{OidcSettings, SettingsError};

const MIN_COOKIE_SECRET_LEN: usize = 32;

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn is_url(value: &str) -> bool {
    value.starts_with("https://") || value.starts_with("http://")
}

/// What the flags say: a complete OIDC client, or (without `-oidc-client-id`) a template that a
/// kubeconfig `auth-provider: oidc` can complete, when a cookie secret is set.
pub(super) struct Parsed {
    pub complete: Option<OidcSettings>,
    pub template: Option<OidcSettings>,
}

pub(super) fn settings(reader: &Reader) -> Result<Parsed, SettingsError> {
    let Some(client_id) = reader.optional_text("oidc-client-id") else {
        let template = match optional_cookie_secret(reader)? {
            Some(secret) => Some(build(reader, String::new(), String::new(), secret)?),
            None => None,
        };
        return Ok(Parsed {
            complete: None,
            template,
        });
    };
    let issuer_url = reader.optional_text("oidc-idp-issuer-url").ok_or_else(|| {
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
    let settings = build(reader, client_id, issuer_url, secret)?;
    for (flag, value) in [
        ("oidc-idp-issuer-url", Some(&settings.issuer_url)),
        (
            "oidc-validator-idp-issuer-url",
            Some(&settings.token_issuer),
        ),
        ("oidc-callback-url", settings.callback_url.as_ref()),
    ] {
        if value.is_some_and(|v| !is_url(v)) {
            return Err(reader.invalid(flag, "expected an http(s) URL"));
        }
    }
    Ok(Parsed {
        complete: Some(settings),
        template: None,
    })
}

fn build(
    reader: &Reader,
    client_id: String,
    issuer_url: String,
    cookie_secret: SecretString,
) -> Result<OidcSettings, SettingsError> {
    let mut scopes = vec!["openid".to_string()];
    scopes.extend(
        list(&reader.text("oidc-scopes"))
            .into_iter()
            .filter(|s| s != "openid"),
    );
    let ca_file = reader.optional_text("oidc-ca-file").map(PathBuf::from);
    if ca_file.as_ref().is_some_and(|path| !path.is_file()) {
        return Err(reader.invalid("oidc-ca-file", "no such file"));
    }
    let session_ttl = reader.parse("session-ttl", |value| {
        value
            .parse::<u64>()
            .ok()
            .filter(|secs| *secs > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| "expected a number of seconds greater than 0".to_string())
    })?;
    Ok(OidcSettings {
        audience: reader
            .optional_text("oidc-validator-client-id")
            .unwrap_or_else(|| client_id.clone()),
        token_issuer: reader
            .optional_text("oidc-validator-idp-issuer-url")
            .unwrap_or_else(|| issuer_url.clone()),
        client_id,
        client_secret: reader
            .optional_text("oidc-client-secret")
            .map(SecretString::from),
        issuer_url,
        scopes,
        callback_url: reader.optional_text("oidc-callback-url"),
        use_pkce: reader.bool("oidc-use-pkce")?,
        use_access_token: reader.bool("oidc-use-access-token")?,
        ca_file,
        skip_tls_verify: reader.bool("oidc-skip-tls-verify")?,
        session_ttl,
        username_paths: list(&reader.text("me-username-path")),
        email_paths: list(&reader.text("me-email-path")),
        groups_paths: list(&reader.text("me-groups-path")),
        cookie_secret,
        logout_at_idp: reader.bool("oidc-logout")?,
    })
}

fn optional_cookie_secret(reader: &Reader) -> Result<Option<SecretString>, SettingsError> {
    let (flag, secret) = match (
        reader.optional_text("oidc-cookie-secret"),
        reader.optional_text("oidc-cookie-secret-file"),
    ) {
        (Some(_), Some(_)) => {
            return Err(SettingsError::Conflict(
                "-oidc-cookie-secret and -oidc-cookie-secret-file are both set: use one".into(),
            ));
        }
        (Some(secret), None) => ("oidc-cookie-secret", secret),
        (None, Some(path)) => {
            let secret = std::fs::read_to_string(&path).map_err(|e| {
                reader.invalid("oidc-cookie-secret-file", format!("cannot read it: {e}"))
            })?;
            ("oidc-cookie-secret-file", secret.trim().to_string())
        }
        (None, None) => return Ok(None),
    };
    let secret = SecretString::from(secret);
    if secret.expose_secret().len() < MIN_COOKIE_SECRET_LEN {
        return Err(reader.invalid(
            flag,
            format!("must be at least {MIN_COOKIE_SECRET_LEN} bytes long"),
        ));
    }
    Ok(Some(secret))
}

impl OidcSettings {
    /// Completes a template with a kubeconfig `auth-provider: oidc` config (Headlamp's keys:
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
        let issuer_url =
            get("idp-issuer-url").ok_or("its oidc auth-provider has no idp-issuer-url")?;
        if !is_url(&issuer_url) {
            return Err(format!(
                "its idp-issuer-url {issuer_url:?} is not an http(s) URL"
            ));
        }
        if self.audience.is_empty() {
            self.audience = client_id.clone();
        }
        if self.token_issuer.is_empty() {
            self.token_issuer = issuer_url.clone();
        }
        self.client_id = client_id;
        self.issuer_url = issuer_url;
        if let Some(secret) = get("client-secret") {
            self.client_secret = Some(SecretString::from(secret));
        }
        for scope in list(&get("extra-scopes").unwrap_or_default()) {
            if !self.scopes.contains(&scope) {
                self.scopes.push(scope);
            }
        }
        Ok(self)
    }
}
