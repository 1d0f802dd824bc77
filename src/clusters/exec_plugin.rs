//! kubeconfig `exec` credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`), run by
//! Lamplight itself since the kube crate's config loader does not run them.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use jiff::Timestamp;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::credentials::CredentialError;

/// A plugin that has not answered by then is killed: a request must never hang on it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// Refresh a little before expiry so a token does not expire in flight.
const EXPIRY_MARGIN_SECS: i64 = 10;
/// Enough of stderr to explain a failure without flooding the client.
const STDERR_SUMMARY_LEN: usize = 300;

#[derive(Debug)]
pub struct ExecPlugin {
    pub command: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub api_version: String,
    pub timeout: Duration,
    /// One run at a time per cluster; concurrent requests wait for its result.
    cached: tokio::sync::Mutex<Option<Cached>>,
}

#[derive(Debug, Clone)]
struct Cached {
    token: SecretString,
    expires: Option<Timestamp>,
}

#[derive(Deserialize)]
struct ExecCredential {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    status: Option<ExecCredentialStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus {
    token: Option<String>,
    expiration_timestamp: Option<String>,
    client_certificate_data: Option<String>,
}

impl ExecPlugin {
    pub fn new(
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        api_version: String,
    ) -> Self {
        ExecPlugin {
            command,
            args,
            env,
            api_version,
            timeout: DEFAULT_TIMEOUT,
            cached: Default::default(),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub async fn token(&self) -> Result<SecretString, CredentialError> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && current.expires.is_none_or(|expires| {
                Timestamp::now() < expires - jiff::SignedDuration::from_secs(EXPIRY_MARGIN_SECS)
            })
        {
            return Ok(current.token.clone());
        }
        let fresh = self.run().await?;
        *cached = Some(fresh.clone());
        Ok(fresh.token)
    }

    async fn run(&self) -> Result<Cached, CredentialError> {
        let fail = |reason: String| {
            CredentialError::Exec(format!("exec plugin {}: {reason}", self.command))
        };
        let info = json!({
            "apiVersion": self.api_version,
            "kind": "ExecCredential",
            "spec": { "interactive": false },
        });
        let child = tokio::process::Command::new(&self.command)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("KUBERNETES_EXEC_INFO", info.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| fail(format!("cannot start: {e}")))?;
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| fail(format!("no answer within {}s", self.timeout.as_secs())))?
            .map_err(|e| fail(e.to_string()))?;
        if !output.status.success() {
            return Err(fail(format!(
                "{}: {}",
                output.status,
                summary(&output.stderr)
            )));
        }
        let credential: ExecCredential = serde_json::from_slice(&output.stdout)
            .map_err(|e| fail(format!("output is not an ExecCredential: {e}")))?;
        if let Some(version) = &credential.api_version
            && version != &self.api_version
        {
            return Err(fail(format!(
                "answered {version}, expected {}",
                self.api_version
            )));
        }
        let status = credential
            .status
            .ok_or_else(|| fail("the ExecCredential has no status".to_string()))?;
        let Some(token) = status.token.filter(|t| !t.is_empty()) else {
            return Err(fail(if status.client_certificate_data.is_some() {
                "returned a client certificate, which Lamplight does not support from plugins; use a token"
                    .to_string()
            } else {
                "the ExecCredential has no token".to_string()
            }));
        };
        let expires = match status.expiration_timestamp {
            None => None,
            Some(text) => Some(
                text.parse::<Timestamp>()
                    .map_err(|e| fail(format!("bad expirationTimestamp {text:?}: {e}")))?,
            ),
        };
        Ok(Cached {
            token: SecretString::from(token),
            expires,
        })
    }
}

fn summary(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return "(no output on stderr)".to_string();
    }
    match text.char_indices().nth(STDERR_SUMMARY_LEN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// kubeconfig's `env: [{name, value}]`.
pub fn env_pairs(env: Option<&Vec<HashMap<String, String>>>) -> Vec<(String, String)> {
    env.into_iter()
        .flatten()
        .filter_map(|pair| {
            Some((
                pair.get("name")?.clone(),
                pair.get("value").cloned().unwrap_or_default(),
            ))
        })
        .collect()
}
