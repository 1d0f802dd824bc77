use actix_web::HttpRequest;
use ipnet::IpNet;

use super::TrustAnchor;

/// Trusts requests whose TCP peer is inside one of the configured networks.
///
/// Uses the socket's own peer address, never `X-Forwarded-For` (which any client can write), and
/// compares its canonical form so an IPv4 peer on a dual-stack socket (`::ffff:10.0.0.1`) matches
/// `10.0.0.0/8`.
#[derive(Debug)]
pub struct PeerCidr {
    networks: Vec<IpNet>,
}

impl PeerCidr {
    pub fn new(networks: Vec<IpNet>) -> Self {
        PeerCidr { networks }
    }
}

impl TrustAnchor for PeerCidr {
    fn name(&self) -> &'static str {
        "peer-cidr"
    }

    fn vouches_for(&self, request: &HttpRequest) -> bool {
        let Some(peer) = request.peer_addr() else {
            return false;
        };
        let peer = peer.ip().to_canonical();
        self.networks.iter().any(|network| network.contains(&peer))
    }
}
