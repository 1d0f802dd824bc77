//! The proxy signs the identity: Google IAP, Cloudflare Access, AWS ALB and Pomerium send a JWT in a
//! header of their own, and oauth2-proxy can pass on the IdP's ID token. Unlike a header, a
//! signature cannot be forged by a peer that got into the trusted network; and unlike a bearer
//! token meant for an API, the audience check ties the assertion to this application.

mod jwt;
mod keys;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use super::{Attestation, AttestedIdentity, TrustAnchor};
use crate::auth::error::{AssertionRefusal, Problem};
use crate::auth::proxy::single_header;
use crate::auth::verified::VerifiedTokens;
use crate::metrics::Metrics;
use crate::settings::{AssertionSettings, KeySource, Preset};
use keys::{Algorithm, KeyError, KeyStore};

pub const NAME: &str = "signed-assertion";

/// Google IAP's identity headers say which account type signed in: `accounts.google.com:alice@...`.
pub const GOOGLE_PREFIX: &str = "accounts.google.com:";

const MAX_ASSERTION_LEN: usize = 16 * 1024;

pub struct SignedAssertion {
    settings: AssertionSettings,
    keys: KeyStore,
    verified: VerifiedTokens,
}

impl std::fmt::Debug for SignedAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedAssertion")
            .field("header", &self.settings.header)
            .field("preset", &self.settings.preset)
            .finish()
    }
}

impl SignedAssertion {
    pub fn new(settings: &AssertionSettings, metrics: Arc<Metrics>) -> Result<Self, String> {
        let pinned = match settings.algorithm {
            Some(name) => Some(
                Algorithm::from_name(name).ok_or_else(|| format!("unknown algorithm {name}"))?,
            ),
            None => None,
        };
        let keys = KeyStore::new(settings.keys.clone(), pinned, key_client_tls()?, metrics)
            .map_err(|error| format!("-proxy-auth-jwks-file: {error}"))?;
        Ok(SignedAssertion {
            settings: settings.clone(),
            keys,
            verified: VerifiedTokens::default(),
        })
    }

    fn refused(&self, refusal: AssertionRefusal) -> Problem {
        Problem::Assertion {
            header: self.settings.header.clone(),
            refusal,
        }
    }

    async fn verify(&self, request: &HttpRequest) -> Result<AttestedIdentity, Problem> {
        let token = single_header(request, &self.settings.header, MAX_ASSERTION_LEN)?
            .ok_or_else(|| self.refused(AssertionRefusal::Missing))?;
        if let Some(claims) = self.verified.get(&token) {
            return self.identity(&claims).map_err(|r| self.refused(r));
        }
        let parsed = jwt::parse(&token).map_err(|r| self.refused(r))?;
        let algorithm = self.algorithm(&parsed).map_err(|r| self.refused(r))?;
        let candidates = self
            .keys
            .candidates(parsed.kid())
            .await
            .map_err(|error| match error {
                KeyError::Unknown => self.refused(AssertionRefusal::UnknownKey),
                KeyError::Unavailable => Problem::KeysUnavailable {
                    header: self.settings.header.clone(),
                },
            })?;
        let usable: Vec<_> = candidates
            .iter()
            .filter(|key| key.algorithm == algorithm)
            .collect();
        if usable.is_empty() {
            return Err(self.refused(AssertionRefusal::Algorithm(format!("{algorithm:?}"))));
        }
        let signed = usable
            .iter()
            .any(|key| key.verifies(parsed.signing_input.as_bytes(), &parsed.signature));
        if !signed {
            return Err(self.refused(AssertionRefusal::BadSignature));
        }
        let aws = self.settings.preset == Some(Preset::AwsAlb);
        let expect = jwt::Expectations {
            issuer: self.settings.issuer.as_deref(),
            audience: &self.settings.audience,
            audience_in_signer: aws,
        };
        jwt::check_claims(&parsed, &expect, now()).map_err(|r| self.refused(r))?;
        let identity = self.identity(&parsed.claims).map_err(|r| self.refused(r))?;
        let mut claims = parsed.claims.clone();
        // ALB's expiry lives in the token header: the cache must still see it.
        if aws
            && claims.get("exp").is_none()
            && let (Some(exp), Some(object)) = (parsed.header.get("exp"), claims.as_object_mut())
        {
            object.insert("exp".to_string(), exp.clone());
        }
        self.verified.insert(&token, &claims);
        Ok(identity)
    }

    /// The token's `alg`, if it is one an asymmetric key may verify (and the preset's, if any).
    fn algorithm(&self, parsed: &jwt::Parsed<'_>) -> Result<Algorithm, AssertionRefusal> {
        let name = parsed.alg().unwrap_or("none");
        let refused = || AssertionRefusal::Algorithm(name.chars().take(16).collect());
        // Only asymmetric algorithms are known here: `none` and HMAC (HS256 "signed" with the
        // public key) are refused before any key is looked up.
        let algorithm = Algorithm::from_name(name).ok_or_else(refused)?;
        if self.settings.algorithm.is_some_and(|pinned| pinned != name) {
            return Err(refused());
        }
        Ok(algorithm)
    }

    fn identity(&self, claims: &Value) -> Result<AttestedIdentity, AssertionRefusal> {
        let claim = &self.settings.username_claim;
        let username = jwt::string_claim(claims, claim)
            .ok_or_else(|| AssertionRefusal::NoUsername(claim.clone()))?;
        Ok(AttestedIdentity {
            username,
            subject: jwt::string_claim(claims, "sub"),
            email: self
                .settings
                .email_claim
                .as_deref()
                .and_then(|path| jwt::string_claim(claims, path)),
            groups: self
                .settings
                .groups_claim
                .as_deref()
                .and_then(|path| jwt::list_claim(claims, path)),
        })
    }

    /// Where the keys come from, for the start-up log.
    pub fn key_source(&self) -> String {
        match &self.settings.keys {
            KeySource::JwkSetUrl(url) => url.to_string(),
            KeySource::JwkSetFile(path) => path.display().to_string(),
            KeySource::Discovery(issuer) => format!("discovery at {issuer}"),
            KeySource::PemByKid(base) => format!("{base}<kid>"),
        }
    }
}

impl TrustAnchor for SignedAssertion {
    fn name(&self) -> &'static str {
        NAME
    }

    fn attest<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Attestation, Problem>> {
        Box::pin(async move {
            let identity = self.verify(request).await?;
            Ok(Attestation {
                anchor: NAME,
                identity: Some(identity),
            })
        })
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The public web PKI: the key servers are Google's, Cloudflare's, AWS's or the IdP's.
fn key_client_tls() -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(crate::clusters::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
