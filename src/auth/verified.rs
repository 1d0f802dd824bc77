//! Tokens already verified (OIDC ID tokens, proxies' signed assertions). A browser sends the same
//! token with every request, and verifying its signature costs hundreds of microseconds each time;
//! a token that verified a moment ago, byte for byte the same, verifies again. Entries are keyed by
//! the token's SHA-256 (the token itself is not kept), last until the token expires or a minute has
//! passed (so keys the issuer withdraws stop working soon), and there are at most [`MAX_ENTRIES`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sha2::{Digest, Sha256};

const MAX_ENTRIES: usize = 10_000;
const AT_MOST: Duration = Duration::from_secs(60);

#[derive(Default)]
pub(crate) struct VerifiedTokens {
    entries: Mutex<HashMap<[u8; 32], Verified>>,
}

struct Verified {
    claims: Value,
    until: Instant,
}

fn key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl VerifiedTokens {
    /// The claims of `token` if it verified less than a minute ago and has not expired since.
    pub(crate) fn get(&self, token: &str) -> Option<Value> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let verified = entries.get(&key(token))?;
        (Instant::now() < verified.until).then(|| verified.claims.clone())
    }

    /// Remembers a token that just verified, until its `exp` or for a minute, whichever is first.
    pub(crate) fn insert(&self, token: &str, claims: &Value) {
        let Some(expires) = claims.get("exp").and_then(Value::as_u64) else {
            return;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let Some(left) = expires.checked_sub(now).filter(|left| *left > 0) else {
            return;
        };
        let until = Instant::now() + AT_MOST.min(Duration::from_secs(left));
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            let now = Instant::now();
            entries.retain(|_, verified| verified.until > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key(token),
            Verified {
                claims: claims.clone(),
                until,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn in_secs(secs: u64) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + secs
    }

    #[test]
    fn a_verified_token_is_remembered_and_only_that_token() {
        let verified = VerifiedTokens::default();
        let claims = json!({"sub": "alice", "exp": in_secs(3600)});
        verified.insert("token-a", &claims);
        assert_eq!(verified.get("token-a"), Some(claims));
        assert_eq!(verified.get("token-b"), None);
        assert_eq!(verified.get("token-a "), None);
    }

    #[test]
    fn tokens_without_a_future_expiry_are_not_remembered() {
        let verified = VerifiedTokens::default();
        verified.insert("no-exp", &json!({"sub": "alice"}));
        verified.insert("expired", &json!({"sub": "alice", "exp": 1}));
        assert_eq!(verified.get("no-exp"), None);
        assert_eq!(verified.get("expired"), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let verified = VerifiedTokens::default();
        let claims = json!({"exp": in_secs(3600)});
        for n in 0..=MAX_ENTRIES {
            verified.insert(&format!("token-{n}"), &claims);
        }
        let held = verified.entries.lock().unwrap().len();
        assert!(held <= MAX_ENTRIES, "{held}");
        assert!(verified.get(&format!("token-{MAX_ENTRIES}")).is_some());
    }
}
