//! What tests see of the requests the fake received: off unless asked for, bounded, and without
//! credentials. A fake that kept every request (tokens included) would leak memory under load and
//! keep secrets it has no use for; a test only needs to know *which* credential arrived.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{SyncSender, sync_channel};

use base64::Engine;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::wsstream::BEARER_PROTOCOL_PREFIX;

/// Headers whose values are credentials: kept only as [`redact`]ed fingerprints.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];
/// Lines the file writer may lag behind the server before requests wait for it.
const FILE_QUEUE: usize = 1024;

/// A request as it reached the fake server, for tests that check what a proxy forwarded.
/// Serialized (for `--record-file`) as one JSON object with these fields; `headers` as a list
/// of `[name, value]` pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    unverified_claims(authorization?.strip_prefix("Bearer ")?)
}

/// The payload of a JWT, not verified; `None` when the token is not a JWT with a JSON object.
pub(crate) fn unverified_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}

/// The last `capacity` requests, or nothing when recording is off; optionally also one JSON
/// line per request appended to a file, written by a thread of its own as requests arrive.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    capacity: Option<usize>,
    requests: Mutex<VecDeque<RecordedRequest>>,
    file: Option<SyncSender<String>>,
}

impl Recorder {
    pub fn new(capacity: Option<usize>) -> Self {
        Recorder {
            capacity,
            requests: Mutex::default(),
            file: None,
        }
    }

    /// Also appends every request to `path` (created if missing).
    pub fn with_file(mut self, path: &Path) -> std::io::Result<Self> {
        let file = File::options().create(true).append(true).open(path)?;
        let (lines, queue) = sync_channel::<String>(FILE_QUEUE);
        std::thread::Builder::new()
            .name("fake-apiserver-record".into())
            .spawn(move || {
                // Line-buffered: a reader never sees half a request.
                let mut out = LineWriter::new(file);
                for line in queue {
                    if let Err(error) = writeln!(out, "{line}") {
                        eprintln!("fake-apiserver: cannot write the record file: {error}");
                        return;
                    }
                }
            })?;
        self.file = Some(lines);
        Ok(self)
    }

    pub fn enabled(&self) -> bool {
        self.capacity.is_some() || self.file.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<RecordedRequest>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, request: impl FnOnce() -> RecordedRequest) {
        if !self.enabled() {
            return;
        }
        let request = request();
        if let Some(file) = &self.file {
            match serde_json::to_string(&request) {
                // Blocks only when the writer is a whole queue behind: back-pressure, not growth.
                Ok(line) => {
                    let _ = file.send(line);
                }
                Err(error) => eprintln!("fake-apiserver: cannot record a request: {error}"),
            }
        }
        let Some(capacity) = self.capacity else {
            return;
        };
        let mut requests = self.lock();
        if requests.len() == capacity {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        assert!(
            self.capacity.is_some(),
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

    #[test]
    fn only_three_part_tokens_with_object_payloads_are_jwts() {
        assert_eq!(
            unverified_claims("e30.eyJzdWIiOiJhIn0.c2ln"),
            Some(serde_json::json!({"sub": "a"}))
        );
        assert_eq!(unverified_claims("admin-token"), None);
        assert_eq!(unverified_claims("a.eyJzdWIiOiJhIn0.b.c"), None);
        assert_eq!(
            unverified_claims("a.MQ.b"),
            None,
            "a payload of 1 is not claims"
        );
    }
}
