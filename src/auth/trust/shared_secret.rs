//! A secret only the authenticating proxy knows, sent in a header of its own: a peer inside the
//! trusted range that does not know it cannot assert identities. The proxy sets the header on every
//! request (oauth2-proxy's `--pass-header`-style injection, Traefik's `customRequestHeaders`, an
//! Envoy route's `request_headers_to_add`); Lamplight compares it in constant time and never
//! forwards it. Two secrets are accepted at once, so the proxy can be moved to a new one first.

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Attestation, TrustAnchor};
use crate::auth::error::Problem;

pub const NAME: &str = "shared-secret";

pub struct SharedSecret {
    header: HeaderName,
    /// SHA-256 of each accepted secret: comparing digests takes the same time whatever the lengths.
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("header", &self.header)
            .field("secrets", &self.digests.len())
            .finish()
    }
}

impl SharedSecret {
    pub fn new(header: HeaderName, secrets: &[Vec<u8>]) -> Self {
        SharedSecret {
            header,
            digests: secrets.iter().map(|s| Sha256::digest(s).into()).collect(),
        }
    }

    fn vouches(&self, request: &HttpRequest) -> bool {
        let mut values = request.headers().get_all(&self.header);
        let (Some(value), None) = (values.next(), values.next()) else {
            return false;
        };
        let sent: [u8; 32] = Sha256::digest(value.as_bytes()).into();
        // Every secret is compared, so the time does not tell which one matched.
        self.digests
            .iter()
            .fold(subtle::Choice::from(0), |matched, digest| {
                matched | digest.ct_eq(&sent)
            })
            .into()
    }
}

impl TrustAnchor for SharedSecret {
    fn name(&self) -> &'static str {
        NAME
    }

    fn attest<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Attestation, Problem>> {
        let outcome = if self.vouches(request) {
            Ok(Attestation {
                anchor: NAME,
                identity: None,
            })
        } else {
            Err(Problem::MissingProxySecret {
                header: self.header.clone(),
            })
        };
        Box::pin(async move { outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn anchor() -> SharedSecret {
        SharedSecret::new(
            HeaderName::from_static("x-proxy-secret"),
            &[
                b"current-secret-0123456789".to_vec(),
                b"next-secret-0123456789".to_vec(),
            ],
        )
    }

    fn with(values: &[&str]) -> HttpRequest {
        let mut request = TestRequest::default();
        for value in values {
            request = request.append_header(("x-proxy-secret", *value));
        }
        request.to_http_request()
    }

    #[test]
    fn either_secret_vouches_and_nothing_else_does() {
        let anchor = anchor();
        assert!(anchor.vouches(&with(&["current-secret-0123456789"])));
        assert!(anchor.vouches(&with(&["next-secret-0123456789"])));
        assert!(!anchor.vouches(&with(&[])));
        assert!(!anchor.vouches(&with(&[""])));
        assert!(!anchor.vouches(&with(&["current-secret-012345678"])));
        assert!(!anchor.vouches(&with(&["current-secret-0123456789 "])));
        // Two values are refused, even if one is right: which one would the proxy have set?
        assert!(!anchor.vouches(&with(&["current-secret-0123456789", "x"])));
    }
}
