//! What tests see of the requests the fake received: off unless asked for, bounded, and without
//! credentials. A fake that kept every request (tokens included) would leak memory under load and
//! keep secrets it has no use for; a test only needs to know *which* credential arrived.

use std::collections::VecDeque;
use std::sync::Mutex;

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Headers whose values are credentials: kept only as [`redact`]ed fingerprints.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];
/// A browser's token inside `Sec-WebSocket-Protocol`.
const BEARER_PROTOCOL_PREFIX: &str = "base64url.bearer.authorization.k8s.io.";

/// A request as it reached the fake server, for tests that check what a proxy forwarded.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, still percent-encoded; empty when there is none.
    pub query: String,
    /// Every header (names lower-cased; repeated headers appear once per value), credentials
    /// replaced by their [`redact`]ed form.
    pub headers: Vec<(String, String)>,
    /// The effective user (after impersonation); `None` when authentication failed.
    pub user: Option<String>,
    /// The claims of a bearer JWT, when one was presented (decoded, not verified): claims are not
    /// a credential, the signature is, and tests check which identity token was forwarded.
    pub bearer_claims: Option<Value>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated header, in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `Authorization` carried exactly this value (`Bearer admin-token`).
    pub fn authorization_is(&self, expected: &str) -> bool {
        self.header("authorization") == Some(redact(expected).as_str())
    }
}

/// A credential as recordings keep it: its scheme and a short SHA-256 fingerprint, e.g.
/// `Bearer sha256:1f2e3d4c5b6a7980`. Equal values give equal fingerprints, so a test can tell
/// which credential arrived without the fake keeping it.
pub fn redact(value: &str) -> String {
    let (scheme, secret) = match value.split_once(' ') {
        Some((scheme, secret)) if !scheme.contains('=') => (Some(scheme), secret),
        _ => (None, value),
    };
    let digest = Sha256::digest(secret.trim().as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match scheme {
        Some(scheme) => format!("{scheme} sha256:{hex}"),
        None => format!("sha256:{hex}"),
    }
}

pub(crate) fn recorded_header(name: &str, value: &str) -> String {
    if CREDENTIAL_HEADERS.contains(&name) {
        return redact(value);
    }
    if name == "sec-websocket-protocol" {
        return value
            .split(',')
            .map(str::trim)
            .map(
                |protocol| match protocol.strip_prefix(BEARER_PROTOCOL_PREFIX) {
                    Some(token) => format!("{BEARER_PROTOCOL_PREFIX}{}", redact(token)),
                    None => protocol.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ");
    }
    value.to_string()
}

/// The unverified payload of a bearer JWT.
pub(crate) fn bearer_claims(authorization: Option<&str>) -> Option<Value> {
    let token = authorization?.strip_prefix("Bearer ")?;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The last `capacity` requests, or nothing when recording is off.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    capacity: Option<usize>,
    requests: Mutex<VecDeque<RecordedRequest>>,
}

impl Recorder {
    pub fn new(capacity: Option<usize>) -> Self {
        Recorder {
            capacity,
            requests: Mutex::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, request: impl FnOnce() -> RecordedRequest) {
        let Some(capacity) = self.capacity else {
            return;
        };
        let request = request();
        let mut requests = self.lock();
        if requests.len() == capacity {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        assert!(
            self.enabled(),
            "this fake API server does not record requests: build it with .record_requests(n)"
        );
        self.lock().iter().cloned().collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_become_fingerprints() {
        let redacted = recorded_header("authorization", "Bearer admin-token");
        assert!(redacted.starts_with("Bearer sha256:"), "{redacted}");
        assert!(!redacted.contains("admin-token"));
        assert_eq!(redacted, redact("Bearer admin-token"));
        assert_ne!(redacted, redact("Bearer other-token"));
        let cookie = recorded_header("cookie", "session=abc; theme=dark");
        assert!(!cookie.contains("abc"), "{cookie}");
        let protocols = recorded_header(
            "sec-websocket-protocol",
            "v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.c2VjcmV0",
        );
        assert!(protocols.starts_with("v5.channel.k8s.io, base64url.bearer"));
        assert!(!protocols.contains("c2VjcmV0"), "{protocols}");
        assert_eq!(
            recorded_header("accept", "application/json"),
            "application/json"
        );
    }

    #[test]
    fn the_recorder_is_bounded_and_off_by_default() {
        let off = Recorder::new(None);
        off.record(|| unreachable!("nothing is built when recording is off"));
        let on = Recorder::new(Some(2));
        for path in ["/a", "/b", "/c"] {
            on.record(|| RecordedRequest {
                method: "GET".into(),
                path: path.into(),
                query: String::new(),
                headers: Vec::new(),
                user: None,
                bearer_claims: None,
            });
        }
        let paths: Vec<_> = on.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/b", "/c"]);
    }
}
