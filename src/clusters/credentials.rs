//! How Lamplight itself authenticates to a cluster when it does not forward the user's own token.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use super::exec_plugin::ExecPlugin;

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read token file {path}: {reason}")]
    TokenFile { path: String, reason: String },
    #[error("{0}")]
    Exec(String),
}

#[derive(Debug)]
pub enum Credentials {
    None,
    Token(SecretString),
    /// Re-read whenever the file changes: projected service-account tokens rotate.
    TokenFile(TokenFile),
    Basic {
        username: String,
        password: SecretString,
    },
    Exec(ExecPlugin),
}

impl Credentials {
    /// The `Authorization` header value to send, if any.
    pub async fn authorization(&self) -> Result<Option<SecretString>, CredentialError> {
        Ok(match self {
            Credentials::None => None,
            Credentials::Token(token) => Some(bearer(token.expose_secret())),
            Credentials::TokenFile(file) => Some(bearer(file.read().await?.expose_secret())),
            Credentials::Basic { username, password } => {
                let pair = format!("{username}:{}", password.expose_secret());
                Some(SecretString::from(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )))
            }
            Credentials::Exec(plugin) => Some(bearer(plugin.token().await?.expose_secret())),
        })
    }

    /// Headlamp's `auth_type` hint is about the user's sign-in, not ours; this names our own.
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::Token(_) | Credentials::TokenFile(_) => "token",
            Credentials::Basic { .. } => "basic",
            Credentials::Exec(_) => "exec",
        }
    }
}

fn bearer(token: &str) -> SecretString {
    SecretString::from(format!("Bearer {}", token.trim()))
}

/// A token file, re-read when its modification time changes. Both the `stat` and the read run on
/// tokio's blocking pool: a slow volume must not stall a worker that serves other users.
#[derive(Debug)]
pub struct TokenFile {
    path: PathBuf,
    cached: Mutex<Option<(SystemTime, SecretString)>>,
}

impl TokenFile {
    pub fn new(path: PathBuf) -> Self {
        TokenFile {
            path,
            cached: Mutex::new(None),
        }
    }

    pub async fn read(&self) -> Result<SecretString, CredentialError> {
        let error = |reason: String| CredentialError::TokenFile {
            path: self.path.display().to_string(),
            reason,
        };
        let modified = tokio::fs::metadata(&self.path)
            .await
            .and_then(|meta| meta.modified())
            .map_err(|e| error(e.to_string()))?;
        if let Some((when, token)) = self.cached().as_ref()
            && *when == modified
        {
            return Ok(token.clone());
        }
        let token = tokio::fs::read_to_string(&self.path)
            .await
            .map_err(|e| error(e.to_string()))?;
        let token = token.trim().to_string();
        if token.is_empty() {
            return Err(error("the file is empty".to_string()));
        }
        let token = SecretString::from(token);
        *self.cached() = Some((modified, token.clone()));
        Ok(token)
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, Option<(SystemTime, SecretString)>> {
        self.cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
