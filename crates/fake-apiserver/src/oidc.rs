//! Bearer JWTs verified the way kube-apiserver's OIDC authenticator (`--oidc-*` flags) does:
//! the issuer's discovery document and keys are fetched (and fetched again when a token names a
//! key the cache does not have), then signature, algorithm, issuer, audience and expiry are
//! checked, and the user and groups come from the configured claims with kube-apiserver's
//! prefixes.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::FakeApiError;
use crate::auth::Identity;
use crate::recording::unverified_claims;
use crate::status::ApiError;

const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// kube-apiserver's `--oidc-issuer-url`, `--oidc-client-id`, `--oidc-username-claim`,
/// `--oidc-username-prefix`, `--oidc-groups-claim`, `--oidc-groups-prefix`,
/// `--oidc-signing-algs` and `--oidc-ca-file`, with the same defaults.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer_url: String,
    pub client_id: String,
    /// Default `sub`.
    pub username_claim: String,
    /// `None`: kube-apiserver's default, `{issuer}#` unless the claim is `email`; `-` for none.
    pub username_prefix: Option<String>,
    /// Default: no groups from the token.
    pub groups_claim: Option<String>,
    pub groups_prefix: String,
    /// Default `RS256`.
    pub signing_algs: Vec<String>,
    /// PEM CA bundle for an HTTPS issuer; the Web PKI roots otherwise.
    pub ca_pem: Option<String>,
}

impl OidcSettings {
    pub fn new(issuer_url: &str, client_id: &str) -> Self {
        OidcSettings {
            issuer_url: issuer_url.to_string(),
            client_id: client_id.to_string(),
            username_claim: "sub".to_string(),
            username_prefix: None,
            groups_claim: None,
            groups_prefix: String::new(),
            signing_algs: vec!["RS256".to_string()],
            ca_pem: None,
        }
    }
}

/// The issuer's keys, as last fetched.
#[derive(Default)]
struct KeyCache {
    keys: Vec<Jwk>,
}

pub struct OidcAuthenticator {
    settings: OidcSettings,
    algorithms: Vec<Algorithm>,
    username_prefix: String,
    tls: Arc<rustls::ClientConfig>,
    keys: Mutex<KeyCache>,
}

impl std::fmt::Debug for OidcAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcAuthenticator")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<Value>,
}

/// Why a token for this issuer was refused (kept for the fake's log; the client gets a 401).
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("cannot fetch the issuer's keys: {0}")]
    Keys(String),
    #[error("no key of the issuer verifies the token")]
    NoKey,
    #[error("{0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("the token's algorithm {0:?} is not accepted")]
    Algorithm(Algorithm),
    #[error("{0}")]
    Claims(String),
}

impl OidcAuthenticator {
    pub fn new(settings: OidcSettings) -> Result<Self, FakeApiError> {
        let config_error = |message: String| FakeApiError::Config(format!("OIDC: {message}"));
        let issuer = settings.issuer_url.as_str();
        if !(issuer.starts_with("https://") || issuer.starts_with("http://"))
            || issuer.len() <= "https://".len()
        {
            return Err(config_error(format!(
                "the issuer URL must be an http(s) URL, got {issuer:?}"
            )));
        }
        if settings.client_id.is_empty() {
            return Err(config_error("the client ID is empty".into()));
        }
        let algorithms = settings
            .signing_algs
            .iter()
            .map(|name| {
                name.parse::<Algorithm>()
                    .ok()
                    .filter(|alg| {
                        !matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
                    })
                    .ok_or_else(|| config_error(format!("unsupported signing algorithm {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let username_prefix = match settings.username_prefix.as_deref() {
            Some("-") => String::new(),
            Some(prefix) => prefix.to_string(),
            None if settings.username_claim == "email" => String::new(),
            None => format!("{issuer}#"),
        };
        let tls = client_tls(settings.ca_pem.as_deref()).map_err(config_error)?;
        Ok(OidcAuthenticator {
            settings,
            algorithms,
            username_prefix,
            tls: Arc::new(tls),
            keys: Mutex::default(),
        })
    }

    /// `None` when the token is not a JWT of this issuer (another authenticator may know it);
    /// otherwise the verified user, or 401.
    pub async fn authenticate(&self, token: &str) -> Option<Result<Identity, ApiError>> {
        let claims = unverified_claims(token)?;
        if claims["iss"].as_str() != Some(self.settings.issuer_url.as_str()) {
            return None;
        }
        Some(self.verify(token).await.map_err(|refused| {
            eprintln!("fake-apiserver: OIDC token refused: {refused}");
            ApiError::unauthorized()
        }))
    }

    async fn verify(&self, token: &str) -> Result<Identity, Refused> {
        let header = jsonwebtoken::decode_header(token)?;
        if !self.algorithms.contains(&header.alg) {
            return Err(Refused::Algorithm(header.alg));
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = self.algorithms.clone();
        validation.set_issuer(&[&self.settings.issuer_url]);
        validation.set_audience(&[&self.settings.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 0;
        let claims = self
            .with_key(header.kid.as_deref(), header.alg, |key| {
                jsonwebtoken::decode::<Value>(token, key, &validation).map(|data| data.claims)
            })
            .await?;
        self.identity(&claims)
    }

    /// Runs `check` with the issuer's keys that may have signed the token, fetching them first
    /// if there are none yet, or again if the token names a key the cache does not hold (as
    /// go-oidc's remote key set does; the lock makes concurrent requests wait for one fetch).
    async fn with_key<T>(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        check: impl Fn(&DecodingKey) -> jsonwebtoken::errors::Result<T>,
    ) -> Result<T, Refused> {
        let mut cache = self.keys.lock().await;
        let known = |cache: &KeyCache| match kid {
            Some(kid) => cache
                .keys
                .iter()
                .any(|k| k.common.key_id.as_deref() == Some(kid)),
            None => !cache.keys.is_empty(),
        };
        if !known(&cache) {
            cache.keys = self.fetch_keys().await.map_err(Refused::Keys)?;
        }
        let candidates = cache.keys.iter().filter(|k| match kid {
            Some(kid) => k.common.key_id.as_deref() == Some(kid),
            None => k
                .common
                .key_algorithm
                .is_none_or(|a| a.to_string().parse::<Algorithm>().ok() == Some(alg)),
        });
        let mut last_error = Refused::NoKey;
        for jwk in candidates {
            let Ok(key) = DecodingKey::from_jwk(jwk) else {
                continue;
            };
            match check(&key) {
                Ok(value) => return Ok(value),
                Err(error) => last_error = error.into(),
            }
        }
        Err(last_error)
    }

    async fn fetch_keys(&self) -> Result<Vec<Jwk>, String> {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().rustls_0_23(self.tls.clone()))
            .timeout(FETCH_TIMEOUT)
            .finish();
        let issuer = self.settings.issuer_url.trim_end_matches('/');
        let discovery_url = format!("{issuer}/.well-known/openid-configuration");
        let discovery: Discovery = fetch_json(&client, &discovery_url).await?;
        if discovery.issuer != self.settings.issuer_url {
            return Err(format!(
                "the discovery document names issuer {:?}, not {:?}",
                discovery.issuer, self.settings.issuer_url
            ));
        }
        let set: KeySet = fetch_json(&client, &discovery.jwks_uri).await?;
        // Keys of kinds this verifier cannot use (encryption keys, unknown types) are skipped.
        Ok(set
            .keys
            .into_iter()
            .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
            .collect())
    }

    fn identity(&self, claims: &Value) -> Result<Identity, Refused> {
        let claim = self.settings.username_claim.as_str();
        let username = claims[claim]
            .as_str()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| Refused::Claims(format!("claim {claim:?} is not a non-empty string")))?;
        if claim == "email" && claims.get("email_verified").is_some_and(|v| v != true) {
            return Err(Refused::Claims("email not verified".into()));
        }
        let groups: Vec<String> = match &self.settings.groups_claim {
            None => Vec::new(),
            Some(claim) => match &claims[claim.as_str()] {
                Value::Null => Vec::new(),
                Value::String(group) => vec![group.clone()],
                Value::Array(groups) => groups
                    .iter()
                    .map(|g| {
                        g.as_str().map(str::to_string).ok_or_else(|| {
                            Refused::Claims(format!("claim {claim:?} holds a non-string"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(Refused::Claims(format!(
                        "claim {claim:?} is neither a string nor a list of strings"
                    )));
                }
            },
        };
        let groups: Vec<String> = groups
            .into_iter()
            .map(|g| format!("{}{g}", self.settings.groups_prefix))
            .collect();
        Ok(Identity::new(
            &format!("{}{username}", self.username_prefix),
            &groups,
        ))
    }
}

async fn fetch_json<T: serde::de::DeserializeOwned>(
    client: &awc::Client,
    url: &str,
) -> Result<T, String> {
    let mut response = client
        .get(url)
        .insert_header(("Accept", "application/json"))
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("GET {url}: {}", response.status()));
    }
    let body = response
        .body()
        .limit(1024 * 1024)
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("GET {url}: {e}"))
}

/// Trusts `ca_pem` when given, the Web PKI otherwise.
fn client_tls(ca_pem: Option<&str>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| format!("CA: {e}"))?;
                roots.add(cert).map_err(|e| format!("CA: {e}"))?;
            }
            if roots.is_empty() {
                return Err("the CA file holds no certificate".into());
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn authenticator(settings: OidcSettings) -> OidcAuthenticator {
        OidcAuthenticator::new(settings).unwrap()
    }

    #[test]
    fn usernames_get_kube_apiserver_prefixes() {
        let claims =
            json!({"sub": "alice", "email": "alice@example.com", "groups": ["dev", "ops"]});
        let plain = authenticator(OidcSettings::new("https://idp.example", "lamplight"));
        let identity = plain.identity(&claims).unwrap();
        assert_eq!(identity.user, "https://idp.example#alice");
        assert_eq!(
            identity.groups,
            ["system:authenticated"],
            "no groups claim by default"
        );

        let mut settings = OidcSettings::new("https://idp.example", "lamplight");
        settings.username_claim = "email".into();
        settings.groups_claim = Some("groups".into());
        settings.groups_prefix = "oidc:".into();
        let identity = authenticator(settings.clone()).identity(&claims).unwrap();
        assert_eq!(identity.user, "alice@example.com", "email is not prefixed");
        assert_eq!(
            identity.groups,
            ["oidc:dev", "oidc:ops", "system:authenticated"]
        );
        let unverified = json!({"email": "alice@example.com", "email_verified": false});
        assert!(authenticator(settings).identity(&unverified).is_err());

        let mut settings = OidcSettings::new("https://idp.example", "lamplight");
        settings.username_prefix = Some("-".into());
        assert_eq!(
            authenticator(settings).identity(&claims).unwrap().user,
            "alice"
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(OidcAuthenticator::new(OidcSettings::new("idp.example", "x")).is_err());
        let mut settings = OidcSettings::new("https://idp.example", "x");
        settings.signing_algs = vec!["HS256".into()];
        assert!(
            OidcAuthenticator::new(settings).is_err(),
            "shared secrets are not keys"
        );
    }
}
