//! The public keys that sign a proxy's assertions: fetched when first needed, refetched when a token
//! names a key not seen yet (at most once a minute, so a stream of made-up `kid`s cannot turn
//! Lamplight into a traffic generator), and each pinned to one asymmetric algorithm.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;
use url::Url;

use crate::metrics::{FetchLabels, Metrics};
use crate::settings::KeySource;

/// Between fetches prompted by unknown `kid`s.
const REFETCH_AFTER: Duration = Duration::from_secs(60);
/// After a failed fetch: sooner, so a key server that was briefly down does not lock users out.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);
/// Keys older than this are fetched again, so withdrawn keys stop verifying.
const MAX_AGE: Duration = Duration::from_secs(3600);
const MAX_BODY: usize = 1024 * 1024;

/// The asymmetric JWS algorithms (RFC 7518), the only ones an assertion may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    ES256,
    ES384,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    EdDSA,
}

impl Algorithm {
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Some(match name {
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            "EdDSA" => Algorithm::EdDSA,
            _ => return None,
        })
    }

    fn is_rsa(self) -> bool {
        matches!(
            self,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
        )
    }
}

/// A public key, in the form ring verifies with (ring: the same audited code rustls uses, and about
/// five times faster on P-256 than a portable implementation).
enum PublicKey {
    /// An uncompressed EC point, or an Ed25519 key.
    Raw(Vec<u8>),
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
}

pub struct VerifyingKey {
    key: PublicKey,
    pub algorithm: Algorithm,
}

impl VerifyingKey {
    /// Whether `signature` is this key's, over `message`, with its one algorithm.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let rsa: Option<&'static signature::RsaParameters> = match self.algorithm {
            Algorithm::RS256 => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
            Algorithm::RS384 => Some(&signature::RSA_PKCS1_2048_8192_SHA384),
            Algorithm::RS512 => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
            Algorithm::PS256 => Some(&signature::RSA_PSS_2048_8192_SHA256),
            Algorithm::PS384 => Some(&signature::RSA_PSS_2048_8192_SHA384),
            Algorithm::PS512 => Some(&signature::RSA_PSS_2048_8192_SHA512),
            _ => None,
        };
        match (&self.key, rsa) {
            (PublicKey::Rsa { n, e }, Some(parameters)) => RsaPublicKeyComponents { n, e }
                .verify(parameters, message, signature)
                .is_ok(),
            (PublicKey::Raw(bytes), None) => {
                let algorithm: &'static dyn signature::VerificationAlgorithm = match self.algorithm
                {
                    Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
                    _ => &signature::ED25519,
                };
                UnparsedPublicKey::new(algorithm, bytes)
                    .verify(message, signature)
                    .is_ok()
            }
            _ => false,
        }
    }
}

fn b64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

fn ec_point(x: &str, y: &str, size: usize) -> Option<PublicKey> {
    let (x, y) = (b64(x)?, b64(y)?);
    if x.len() != size || y.len() != size {
        return None;
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    Some(PublicKey::Raw(point))
}

/// AWS ALB's keys: a PEM `SubjectPublicKeyInfo` holding a P-256 point.
fn pem_p256(pem: &[u8]) -> Result<PublicKey, String> {
    use rustls::pki_types::SubjectPublicKeyInfoDer;
    use rustls::pki_types::pem::PemObject;
    use x509_cert::der::Decode;
    let der = SubjectPublicKeyInfoDer::from_pem_slice(pem).map_err(|e| e.to_string())?;
    let info = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(der.as_ref())
        .map_err(|e| e.to_string())?;
    let point = info.subject_public_key.raw_bytes();
    if point.len() != 65 || point[0] != 0x04 {
        return Err("not an uncompressed P-256 point".to_string());
    }
    Ok(PublicKey::Raw(point.to_vec()))
}

/// Why no key could be found for a token.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    Unknown,
    Unavailable,
}

#[derive(Default)]
struct Attempts {
    last_failure: Option<Instant>,
    /// The last fetch once keys were loaded (the first load does not count).
    last_refetch: Option<Instant>,
}

#[derive(Default)]
struct Keys {
    by_kid: HashMap<String, Arc<VerifyingKey>>,
    without_kid: Vec<Arc<VerifyingKey>>,
    loaded_at: Option<Instant>,
}

pub struct KeyStore {
    source: KeySource,
    /// A preset's single documented algorithm: keys for any other are ignored.
    pinned: Option<Algorithm>,
    keys: RwLock<Keys>,
    attempts: Mutex<Attempts>,
    /// One fetch at a time; the others wait for its result.
    fetching: tokio::sync::Mutex<()>,
    /// The `jwks_uri` discovery found.
    discovered: Mutex<Option<Url>>,
    tls: Arc<rustls::ClientConfig>,
    metrics: Arc<Metrics>,
}

impl KeyStore {
    pub fn new(
        source: KeySource,
        pinned: Option<Algorithm>,
        tls: Arc<rustls::ClientConfig>,
        metrics: Arc<Metrics>,
    ) -> Result<KeyStore, String> {
        let store = KeyStore {
            source,
            pinned,
            keys: RwLock::default(),
            attempts: Mutex::default(),
            fetching: tokio::sync::Mutex::new(()),
            discovered: Mutex::new(None),
            tls,
            metrics,
        };
        if let KeySource::JwkSetFile(path) = &store.source {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let set: Value = serde_json::from_str(&text)
                .map_err(|error| format!("{}: not a JWK set ({error})", path.display()))?;
            let keys = store.key_set(&set);
            if keys.by_kid.is_empty() && keys.without_kid.is_empty() {
                return Err(format!(
                    "{}: no usable public signing key in the set",
                    path.display()
                ));
            }
            *store.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
        }
        Ok(store)
    }

    /// The keys that may have signed a token with this `kid` (all keys, for a token without one).
    pub async fn candidates(&self, kid: Option<&str>) -> Result<Vec<Arc<VerifyingKey>>, KeyError> {
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        if matches!(self.source, KeySource::JwkSetFile(_)) {
            return Err(KeyError::Unknown);
        }
        let _turn = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        if !self.may_fetch() {
            return Err(if self.loaded() {
                KeyError::Unknown
            } else {
                KeyError::Unavailable
            });
        }
        let was_loaded = self.loaded();
        let fetched = self.fetch(kid).await;
        {
            let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
            if fetched.is_err() {
                attempts.last_failure = Some(Instant::now());
            }
            if was_loaded {
                attempts.last_refetch = Some(Instant::now());
            }
        }
        self.metrics
            .key_set_fetches
            .get_or_create(&FetchLabels {
                result: if fetched.is_ok() { "ok" } else { "error" },
            })
            .inc();
        match fetched {
            Ok(keys) => {
                let mut current = self.keys.write().unwrap_or_else(PoisonError::into_inner);
                match &self.source {
                    // One key per fetch: the set grows.
                    KeySource::PemByKid(_) => {
                        current.by_kid.extend(keys.by_kid);
                        current.loaded_at = keys.loaded_at;
                    }
                    _ => *current = keys,
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot fetch the keys that sign the proxy's assertions");
                if !self.loaded() {
                    return Err(KeyError::Unavailable);
                }
            }
        }
        self.cached(kid).ok_or(KeyError::Unknown)
    }

    fn loaded(&self) -> bool {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .loaded_at
            .is_some()
    }

    fn cached(&self, kid: Option<&str>) -> Option<Vec<Arc<VerifyingKey>>> {
        let (found, loaded_at) = {
            let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
            let found: Vec<Arc<VerifyingKey>> = match kid {
                Some(kid) => keys.by_kid.get(kid).cloned().into_iter().collect(),
                None => keys
                    .without_kid
                    .iter()
                    .chain(keys.by_kid.values())
                    .cloned()
                    .collect(),
            };
            (found, keys.loaded_at)
        };
        let stale = match (&self.source, loaded_at) {
            (KeySource::JwkSetFile(_), _) => false,
            (_, Some(at)) => at.elapsed() > MAX_AGE,
            (_, None) => true,
        };
        if found.is_empty() || (stale && self.may_fetch()) {
            return None;
        }
        Some(found)
    }

    fn may_fetch(&self) -> bool {
        let attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        if attempts
            .last_failure
            .is_some_and(|at| at.elapsed() < RETRY_AFTER_FAILURE)
        {
            return false;
        }
        let loaded = self.loaded();
        !loaded
            || attempts
                .last_refetch
                .is_none_or(|at| at.elapsed() >= REFETCH_AFTER)
    }

    async fn fetch(&self, kid: Option<&str>) -> Result<Keys, String> {
        match &self.source {
            KeySource::JwkSetFile(path) => Err(format!("{} is read only at start", path.display())),
            KeySource::JwkSetUrl(url) => Ok(self.key_set(&self.get_json(url).await?)),
            KeySource::Discovery(issuer) => {
                let known = self
                    .discovered
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let jwks = match known {
                    Some(url) => url,
                    None => {
                        let url = self.discover(issuer).await?;
                        *self
                            .discovered
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner) = Some(url.clone());
                        url
                    }
                };
                Ok(self.key_set(&self.get_json(&jwks).await?))
            }
            KeySource::PemByKid(base) => {
                let kid = kid.ok_or("the token names no kid")?;
                // The kid goes into a URL path: only the characters AWS's key ids are made of.
                if kid.is_empty()
                    || kid.len() > 128
                    || !kid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err("the kid is not a key id".to_string());
                }
                let url = base.join(kid).map_err(|e| e.to_string())?;
                let pem = self.get(&url).await?;
                let key = pem_p256(&pem)
                    .map_err(|error| format!("{url}: not a P-256 public key ({error})"))?;
                let mut keys = Keys {
                    loaded_at: Some(Instant::now()),
                    ..Keys::default()
                };
                keys.by_kid.insert(
                    kid.to_string(),
                    Arc::new(VerifyingKey {
                        key,
                        algorithm: Algorithm::ES256,
                    }),
                );
                Ok(keys)
            }
        }
    }

    async fn discover(&self, issuer: &Url) -> Result<Url, String> {
        let base = issuer.as_str().trim_end_matches('/');
        let document_url = Url::parse(&format!("{base}/.well-known/openid-configuration"))
            .map_err(|e| e.to_string())?;
        let document = self.get_json(&document_url).await?;
        let jwks = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{document_url}: no jwks_uri"))?;
        let url = Url::parse(jwks).map_err(|e| format!("{document_url}: jwks_uri: {e}"))?;
        if url.scheme() != "https" && url.scheme() != issuer.scheme() {
            return Err(format!("{document_url}: jwks_uri is not https"));
        }
        Ok(url)
    }

    async fn get_json(&self, url: &Url) -> Result<Value, String> {
        serde_json::from_slice(&self.get(url).await?).map_err(|e| format!("{url}: {e}"))
    }

    async fn get(&self, url: &Url) -> Result<Vec<u8>, String> {
        let client = awc::Client::builder()
            .connector(
                awc::Connector::new()
                    .rustls_0_23(self.tls.clone())
                    .timeout(Duration::from_secs(5)),
            )
            .disable_redirects()
            .timeout(Duration::from_secs(10))
            .finish();
        let mut response = client
            .get(url.as_str())
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url}: {}", response.status()));
        }
        let body = response
            .body()
            .limit(MAX_BODY)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(body.to_vec())
    }

    fn key_set(&self, set: &Value) -> Keys {
        let mut keys = Keys {
            loaded_at: Some(Instant::now()),
            ..Keys::default()
        };
        let entries = set.get("keys").and_then(Value::as_array);
        for jwk in entries.into_iter().flatten() {
            let Some(key) = verifying_key(jwk) else {
                continue;
            };
            if self.pinned.is_some_and(|pinned| pinned != key.algorithm) {
                continue;
            }
            match jwk.get("kid").and_then(Value::as_str) {
                Some(kid) => {
                    keys.by_kid.insert(kid.to_string(), Arc::new(key));
                }
                None => keys.without_kid.push(Arc::new(key)),
            }
        }
        keys
    }
}

/// A JWK's public key and the one algorithm it may verify: its `alg` when given, else the usual one
/// for its type. Symmetric keys and keys for encryption are never used.
fn verifying_key(jwk: &Value) -> Option<VerifyingKey> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if field("use").is_some_and(|usage| usage != "sig") {
        return None;
    }
    let declared = field("alg");
    let (key, default) = match (field("kty")?, field("crv")) {
        ("RSA", _) => (
            PublicKey::Rsa {
                n: b64(field("n")?)?,
                e: b64(field("e")?)?,
            },
            Algorithm::RS256,
        ),
        ("EC", Some("P-256")) => (ec_point(field("x")?, field("y")?, 32)?, Algorithm::ES256),
        ("EC", Some("P-384")) => (ec_point(field("x")?, field("y")?, 48)?, Algorithm::ES384),
        ("OKP", Some("Ed25519")) => (PublicKey::Raw(b64(field("x")?)?), Algorithm::EdDSA),
        _ => return None,
    };
    let algorithm = match declared {
        None => default,
        Some(name) => {
            let algorithm = Algorithm::from_name(name)?;
            let family_matches = if default.is_rsa() {
                algorithm.is_rsa()
            } else {
                algorithm == default
            };
            if !family_matches {
                return None;
            }
            algorithm
        }
    };
    Some(VerifyingKey { key, algorithm })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn symmetric_and_encryption_keys_are_never_used_and_algorithms_are_pinned() {
        let oct = json!({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"});
        assert!(verifying_key(&oct).is_none());
        let ec = json!({
            "kty": "EC", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        });
        assert_eq!(verifying_key(&ec).unwrap().algorithm, Algorithm::ES256);
        let mut wrong_family = ec.clone();
        wrong_family["alg"] = json!("RS256");
        assert!(verifying_key(&wrong_family).is_none());
        let mut hmac_claimed = ec.clone();
        hmac_claimed["alg"] = json!("HS256");
        assert!(verifying_key(&hmac_claimed).is_none());
        let mut encryption = ec;
        encryption["use"] = json!("enc");
        assert!(verifying_key(&encryption).is_none());
    }
}
