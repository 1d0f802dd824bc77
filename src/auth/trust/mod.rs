//! The trust boundary: which peers are the authenticating proxy, and the anchors that must all vouch
//! for a request before its identity headers are believed.
//!
//! Every question about headers a proxy sets (identity, `X-Forwarded-Proto`, `X-Forwarded-Host`)
//! goes through [`TrustedProxies`], built once from the settings. Anchors are asynchronous and return
//! an [`Attestation`], which may carry an identity of its own (a client certificate's subject, a
//! signed assertion's claims): new anchors are modules implementing [`TrustAnchor`].

pub mod assertion;
pub mod client_certificate;
mod peer_address;
mod proxies;
pub mod shared_secret;

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;

use super::error::Problem;

pub use assertion::SignedAssertion;
pub use client_certificate::{ClientCertificate, PeerCertificate};
pub use peer_address::PeerAddress;
pub use proxies::TrustedProxies;
pub use shared_secret::SharedSecret;

/// What an anchor established about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// Short, log-safe name of the anchor, e.g. `peer-address`.
    pub anchor: &'static str,
    /// The identity the anchor itself vouches for, when it knows one.
    pub identity: Option<AttestedIdentity>,
}

/// An identity asserted by an anchor rather than by plain headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedIdentity {
    pub username: String,
    /// A stable subject (a certificate's or a token's), when there is one.
    pub subject: Option<String>,
    pub email: Option<String>,
    /// `None` when the anchor says nothing about groups (no groups claim).
    pub groups: Option<Vec<String>>,
}

pub trait TrustAnchor: Send + Sync + std::fmt::Debug {
    /// Short, log-safe name for this anchor.
    fn name(&self) -> &'static str;
    /// What this anchor vouches for, or why it does not.
    fn attest<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Attestation, Problem>>;
}

/// The configured anchors; every one of them must vouch.
#[derive(Debug, Default)]
pub struct TrustAnchors {
    anchors: Vec<Box<dyn TrustAnchor>>,
}

impl TrustAnchors {
    pub fn new(anchors: Vec<Box<dyn TrustAnchor>>) -> Self {
        TrustAnchors { anchors }
    }

    /// Each anchor's attestation, or why the first that does not vouch refused (with none
    /// configured, nothing vouches for a request).
    pub async fn attest(&self, request: &HttpRequest) -> Result<Vec<Attestation>, Problem> {
        if self.anchors.is_empty() {
            return Err(Problem::NotConfigured);
        }
        let mut attestations = Vec::with_capacity(self.anchors.len());
        for anchor in &self.anchors {
            attestations.push(anchor.attest(request).await?);
        }
        Ok(attestations)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.anchors.iter().map(|anchor| anchor.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[derive(Debug)]
    struct Fixed(Option<&'static str>);

    impl TrustAnchor for Fixed {
        fn name(&self) -> &'static str {
            "fixed"
        }

        fn attest<'a>(
            &'a self,
            _: &'a HttpRequest,
        ) -> LocalBoxFuture<'a, Result<Attestation, Problem>> {
            let attestation = self.0.ok_or(Problem::NotSignedIn).map(|user| Attestation {
                anchor: "fixed",
                identity: Some(AttestedIdentity {
                    username: user.to_string(),
                    subject: None,
                    email: None,
                    groups: None,
                }),
            });
            Box::pin(async move { attestation })
        }
    }

    #[actix_web::test]
    async fn every_anchor_must_vouch() {
        let request = TestRequest::default().to_http_request();
        assert!(matches!(
            TrustAnchors::default().attest(&request).await,
            Err(Problem::NotConfigured)
        ));
        let one_refuses =
            TrustAnchors::new(vec![Box::new(Fixed(Some("a"))), Box::new(Fixed(None))]);
        assert!(matches!(
            one_refuses.attest(&request).await,
            Err(Problem::NotSignedIn)
        ));
        let both = TrustAnchors::new(vec![Box::new(Fixed(Some("a"))), Box::new(Fixed(Some("b")))]);
        let attested = both.attest(&request).await.unwrap();
        assert_eq!(attested.len(), 2);
        assert_eq!(attested[1].identity.as_ref().unwrap().username, "b");
    }
}
