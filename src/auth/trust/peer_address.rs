use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;

use super::{Attestation, TrustAnchor, TrustedProxies};
use crate::auth::error::Problem;

/// Vouches for requests whose TCP peer is a trusted proxy. It knows where a request came from, not
/// who the user is, so its attestation carries no identity.
#[derive(Debug)]
pub struct PeerAddress(pub TrustedProxies);

impl TrustAnchor for PeerAddress {
    fn name(&self) -> &'static str {
        if self.0.trusts_any_peer() {
            "insecure-any-peer"
        } else {
            "peer-cidr"
        }
    }

    fn attest<'a>(
        &'a self,
        request: &'a HttpRequest,
    ) -> LocalBoxFuture<'a, Result<Attestation, Problem>> {
        let outcome = if self.0.contains_peer(request) {
            Ok(Attestation {
                anchor: self.name(),
                identity: None,
            })
        } else {
            Err(Problem::UntrustedPeer {
                peer: request.peer_addr().map(|addr| addr.ip().to_canonical()),
                header: None,
            })
        };
        Box::pin(async move { outcome })
    }
}
