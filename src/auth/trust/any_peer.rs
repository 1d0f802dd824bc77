use actix_web::HttpRequest;

use super::TrustAnchor;

/// `-proxy-auth-insecure-trust-any-peer`: the operator promises the network admits only the proxy.
#[derive(Debug)]
pub struct AnyPeer;

impl TrustAnchor for AnyPeer {
    fn name(&self) -> &'static str {
        "insecure-any-peer"
    }

    fn vouches_for(&self, _request: &HttpRequest) -> bool {
        true
    }
}
