//! Identity from an authenticating proxy (oauth2-proxy, Traefik ForwardAuth, Google IAP...).

mod headers;

pub(crate) use headers::folded as folded_header_name;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use secrecy::SecretString;

use super::error::Problem;
use super::trust::{
    AttestedIdentity, PeerAddress, SharedSecret, TrustAnchor, TrustAnchors, TrustedProxies,
    shared_secret,
};
use super::user::{AuthMethod, User};
use crate::settings::ProxyAuthSettings;

#[derive(Debug)]
pub struct ProxyAuth {
    username_header: HeaderName,
    group_header: HeaderName,
    email_header: HeaderName,
    token_header: HeaderName,
    group_separator: String,
    /// Where the proxy's shared secret comes, to name it in a refusal.
    secret_header: HeaderName,
    anchors: TrustAnchors,
}

impl ProxyAuth {
    pub fn new(settings: &ProxyAuthSettings, trusted: &TrustedProxies) -> Self {
        let mut anchors: Vec<Box<dyn TrustAnchor>> = Vec::new();
        // With a shared secret alone, any peer that knows it is the proxy: no address is required.
        if trusted.trusts_any_peer()
            || settings.shared_secret.is_none()
            || !settings.trusted_proxies.is_empty()
        {
            anchors.push(Box::new(PeerAddress(trusted.clone())));
        }
        if let Some(secrets) = &settings.shared_secret {
            anchors.push(Box::new(SharedSecret::new(
                settings.secret_header.clone(),
                &secrets.0,
            )));
        }
        ProxyAuth {
            username_header: settings.username_header.clone(),
            group_header: settings.group_header.clone(),
            email_header: settings.email_header.clone(),
            token_header: settings.token_header.clone(),
            group_separator: settings.group_separator.clone(),
            secret_header: settings.secret_header.clone(),
            anchors: TrustAnchors::new(anchors),
        }
    }

    /// Every header name this mode treats as identity (`ProxyAuthSettings::identity_headers`,
    /// which the forwarding path strips).
    pub fn identity_headers(&self) -> [&HeaderName; 4] {
        [
            &self.username_header,
            &self.group_header,
            &self.email_header,
            &self.token_header,
        ]
    }

    pub async fn authenticate(&self, request: &HttpRequest) -> Result<User, Problem> {
        let request_headers = request.headers();
        let identities = self.identity_headers();

        let attestations = match self.anchors.attest(request).await {
            Ok(attestations) => attestations,
            Err(shared_secret::NAME) => {
                let header = headers::first_identity_header(request_headers, &identities);
                if let Some(name) = &header {
                    tracing::warn!(header = %name, "refused identity header without the proxy's shared secret");
                }
                return Err(Problem::MissingProxySecret {
                    header: self.secret_header.clone(),
                });
            }
            Err(_) => {
                let peer = request.peer_addr().map(|addr| addr.ip().to_canonical());
                let header = headers::first_identity_header(request_headers, &identities);
                match &header {
                    Some(name) => tracing::warn!(
                        peer = %peer.map(|ip| ip.to_string()).unwrap_or_default(),
                        header = %name,
                        "refused identity header from an untrusted peer"
                    ),
                    None => tracing::debug!("request from an untrusted peer in proxy-auth mode"),
                }
                return Err(Problem::UntrustedPeer { peer, header });
            }
        };

        if let Some(problem) = headers::find_look_alike(request_headers, &identities) {
            tracing::warn!(%problem, "refused a look-alike identity header");
            return Err(problem);
        }

        let username = headers::single(
            request_headers,
            &self.username_header,
            headers::MAX_VALUE_LEN,
        )?;
        let email = headers::single(request_headers, &self.email_header, headers::MAX_VALUE_LEN)?;
        let token = headers::single(request_headers, &self.token_header, headers::MAX_TOKEN_LEN)?
            .map(headers::without_bearer_prefix)
            .filter(|token| !token.is_empty());
        let groups = headers::list(request_headers, &self.group_header, &self.group_separator)?;
        let anchor = attestations.first().map_or("none", |a| a.anchor);
        let attested: Vec<&AttestedIdentity> = attestations
            .iter()
            .filter_map(|a| a.identity.as_ref())
            .collect();
        let username = match (username, attested.first()) {
            (None, None) => {
                return Err(Problem::MissingUsername {
                    header: self.username_header.clone(),
                });
            }
            (Some(username), None) => username,
            (username, Some(identity)) => {
                // Signed or certified identity wins only if everything else agrees with it.
                let disagrees = username.as_ref().is_some_and(|u| *u != identity.username)
                    || attested
                        .iter()
                        .any(|other| other.username != identity.username);
                if disagrees {
                    return Err(Problem::IdentityMismatch {
                        header: self.username_header.clone(),
                    });
                }
                identity.username.clone()
            }
        };

        Ok(User::new(
            username,
            email,
            groups,
            token.map(SecretString::from),
            AuthMethod::Proxy { anchor },
        ))
    }
}
