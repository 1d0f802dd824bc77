//! The trust boundary: which peers are the authenticating proxy, and the anchors that must all vouch
//! for a request before its identity headers are believed.
//!
//! Every question about headers a proxy sets (identity, `X-Forwarded-Proto`, `X-Forwarded-Host`)
//! goes through [`TrustedProxies`], built once from the settings. Anchors are asynchronous and return
//! an [`Attestation`], which may carry an identity of its own (a client certificate's subject, a
//! signed assertion's claims): new anchors are modules implementing [`TrustAnchor`].

mod peer_address;
mod proxies;
pub mod shared_secret;

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;

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
    pub groups: Vec<String>,
}

pub trait TrustAnchor: Send + Sync + std::fmt::Debug {
    /// Short, log-safe name for this anchor.
    fn name(&self) -> &'static str;
    /// `Some` when this anchor vouches for the request.
    fn attest<'a>(&'a self, request: &'a HttpRequest) -> LocalBoxFuture<'a, Option<Attestation>>;
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

    /// Each anchor's attestation, or the name of the first anchor that does not vouch (with none
    /// configured, nothing vouches for a request: `"none"`).
    pub async fn attest(&self, request: &HttpRequest) -> Result<Vec<Attestation>, &'static str> {
        if self.anchors.is_empty() {
            return Err("none");
        }
        let mut attestations = Vec::with_capacity(self.anchors.len());
        for anchor in &self.anchors {
            attestations.push(anchor.attest(request).await.ok_or(anchor.name())?);
        }
        Ok(attestations)
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

        fn attest<'a>(&'a self, _: &'a HttpRequest) -> LocalBoxFuture<'a, Option<Attestation>> {
            let attestation = self.0.map(|user| Attestation {
                anchor: "fixed",
                identity: Some(AttestedIdentity {
                    username: user.to_string(),
                    subject: None,
                    email: None,
                    groups: Vec::new(),
                }),
            });
            Box::pin(async move { attestation })
        }
    }

    #[actix_web::test]
    async fn every_anchor_must_vouch() {
        let request = TestRequest::default().to_http_request();
        assert_eq!(TrustAnchors::default().attest(&request).await, Err("none"));
        let one_refuses =
            TrustAnchors::new(vec![Box::new(Fixed(Some("a"))), Box::new(Fixed(None))]);
        assert_eq!(one_refuses.attest(&request).await, Err("fixed"));
        let both = TrustAnchors::new(vec![Box::new(Fixed(Some("a"))), Box::new(Fixed(Some("b")))]);
        let attested = both.attest(&request).await.unwrap();
        assert_eq!(attested.len(), 2);
        assert_eq!(attested[1].identity.as_ref().unwrap().username, "b");
    }
}
