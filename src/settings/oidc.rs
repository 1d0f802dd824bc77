//! The OpenID Connect settings, Headlamp's names plus the cookie secret that makes sign-in session-less.

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

pub(super) fn settings(reader: &Reader) -> Result<Option<OidcSettings>, SettingsError> {
    let Some(client_id) = reader.optional_text("oidc-client-id") else {
        return Ok(None);
    };
    let issuer_url = reader.optional_text("oidc-idp-issuer-url").ok_or_else(|| {
        SettingsError::Conflict(
            "-oidc-client-id is set but -oidc-idp-issuer-url is not: both are needed".into(),
        )
    })?;
    let url = |flag: &'static str, value: &str| -> Result<(), SettingsError> {
        if value.starts_with("https://") || value.starts_with("http://") {
            Ok(())
        } else {
            Err(reader.invalid(flag, "expected an http(s) URL"))
        }
    };
    url("oidc-idp-issuer-url", &issuer_url)?;
    let callback_url = reader.optional_text("oidc-callback-url");
    if let Some(callback) = &callback_url {
        url("oidc-callback-url", callback)?;
    }
    let token_issuer = reader
        .optional_text("oidc-validator-idp-issuer-url")
        .unwrap_or_else(|| issuer_url.clone());
    url("oidc-validator-idp-issuer-url", &token_issuer)?;

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

    let cookie_secret = cookie_secret(reader)?;
    let client_secret = reader
        .optional_text("oidc-client-secret")
        .map(SecretString::from);
    Ok(Some(OidcSettings {
        audience: reader
            .optional_text("oidc-validator-client-id")
            .unwrap_or_else(|| client_id.clone()),
        client_id,
        client_secret,
        issuer_url,
        scopes,
        callback_url,
        use_pkce: reader.bool("oidc-use-pkce")?,
        use_access_token: reader.bool("oidc-use-access-token")?,
        token_issuer,
        ca_file,
        skip_tls_verify: reader.bool("oidc-skip-tls-verify")?,
        session_ttl,
        username_paths: list(&reader.text("me-username-path")),
        email_paths: list(&reader.text("me-email-path")),
        groups_paths: list(&reader.text("me-groups-path")),
        cookie_secret,
        logout_at_idp: reader.bool("oidc-logout")?,
    }))
}

fn cookie_secret(reader: &Reader) -> Result<SecretString, SettingsError> {
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
        (None, None) => {
            return Err(SettingsError::Conflict(
                "OIDC sign-in needs -oidc-cookie-secret (or -oidc-cookie-secret-file, HEADLAMP_CONFIG_OIDC_COOKIE_SECRET): \
                 at least 32 random bytes, the same on every replica, e.g. from `openssl rand -base64 48`"
                    .into(),
            ));
        }
    };
    let secret = SecretString::from(secret);
    if secret.expose_secret().len() < MIN_COOKIE_SECRET_LEN {
        return Err(reader.invalid(
            flag,
            format!("must be at least {MIN_COOKIE_SECRET_LEN} bytes long"),
        ));
    }
    Ok(secret)
}
