//! Trust anchors: the ways a request can prove it came through the authenticating proxy.
//!
//! Identity headers are believed only when some anchor vouches for the request. Today the anchors are
//! the peer's socket address (and, when explicitly chosen, any peer); client certificates or signed
//! assertions from the proxy would be further modules implementing [`TrustAnchor`].

mod any_peer;
mod peer_cidr;

use actix_web::HttpRequest;

pub use any_peer::AnyPeer;
pub use peer_cidr::PeerCidr;

pub trait TrustAnchor: Send + Sync + std::fmt::Debug {
    /// Short, log-safe name for this anchor, e.g. `peer-cidr`.
    fn name(&self) -> &'static str;
    /// Whether this request is attributable to a trusted proxy.
    fn vouches_for(&self, request: &HttpRequest) -> bool;
}

#[derive(Debug, Default)]
pub struct TrustAnchors {
    anchors: Vec<Box<dyn TrustAnchor>>,
}

impl TrustAnchors {
    pub fn new(anchors: Vec<Box<dyn TrustAnchor>>) -> Self {
        TrustAnchors { anchors }
    }

    /// The first anchor that vouches for the request, if any.
    pub fn verify(&self, request: &HttpRequest) -> Option<&dyn TrustAnchor> {
        self.anchors
            .iter()
            .map(Box::as_ref)
            .find(|anchor| anchor.vouches_for(request))
    }
}
