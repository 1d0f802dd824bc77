//! Identity from an authenticating proxy (oauth2-proxy, Traefik ForwardAuth, Google IAP...).

mod headers;

pub(crate) use headers::folded as folded_header_name;

use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use secrecy::SecretString;

use super::error::Problem;
use super::trust::{
    AttestedIdentity, ClientCertificate, PeerAddress, SharedSecret, SignedAssertion, TrustAnchor,
    TrustAnchors, TrustedProxies, assertion,
};
use super::user::{AuthMethod, User};
use crate::metrics::Metrics;
use crate::settings::{Preset, ProxyAuthSettings};

/// A header that must appear at most once, checked as identity headers are.
pub(crate) fn single_header(
    request: &HttpRequest,
    name: &HeaderName,
    limit: usize,
) -> Result<Option<String>, Problem> {
    headers::single(request.headers(), name, limit)
}

#[derive(Debug)]
pub struct ProxyAuth {
    username_header: HeaderName,
    group_header: HeaderName,
    email_header: HeaderName,
    token_header: HeaderName,
    group_separator: String,
    /// Google IAP prefixes its email header with the account type.
    email_prefix: Option<&'static str>,
    anchors: TrustAnchors,
}

impl ProxyAuth {
    pub fn new(
        settings: &ProxyAuthSettings,
        trusted: &TrustedProxies,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let mut anchors: Vec<Box<dyn TrustAnchor>> = Vec::new();
        let other_anchor = settings.shared_secret.is_some()
            || settings.client_certificate.is_some()
            || settings.assertion.is_some();
        // With another anchor alone, any peer that satisfies it is the proxy: no address is required.
        if trusted.trusts_any_peer() || !other_anchor || !settings.trusted_proxies.is_empty() {
            anchors.push(Box::new(PeerAddress(trusted.clone())));
        }
        if let Some(certificate) = &settings.client_certificate {
            anchors.push(Box::new(ClientCertificate::new(
                certificate.allowed_names.clone(),
            )));
        }
        if let Some(secrets) = &settings.shared_secret {
            anchors.push(Box::new(SharedSecret::new(
                settings.secret_header.clone(),
                &secrets.0,
            )));
        }
        if let Some(assertion) = &settings.assertion {
            let anchor = SignedAssertion::new(assertion, metrics)?;
            tracing::info!(header = %assertion.header, keys = %anchor.key_source(), "proxy identity must be signed");
            anchors.push(Box::new(anchor));
        }
        Ok(ProxyAuth {
            username_header: settings.username_header.clone(),
            group_header: settings.group_header.clone(),
            email_header: settings.email_header.clone(),
            token_header: settings.token_header.clone(),
            group_separator: settings.group_separator.clone(),
            email_prefix: settings
                .assertion
                .as_ref()
                .filter(|a| a.preset == Some(Preset::GoogleIap))
                .map(|_| assertion::GOOGLE_PREFIX),
            anchors: TrustAnchors::new(anchors),
        })
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
            Err(problem) => {
                let header = headers::first_identity_header(request_headers, &identities);
                let problem = match problem {
                    Problem::UntrustedPeer { peer, .. } => Problem::UntrustedPeer {
                        peer,
                        header: header.clone(),
                    },
                    other => other,
                };
                match &header {
                    Some(name) => {
                        tracing::warn!(header = %name, %problem, "refused identity header")
                    }
                    None => tracing::debug!(%problem, "no identity in proxy-auth mode"),
                }
                return Err(problem);
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
        let email = headers::single(request_headers, &self.email_header, headers::MAX_VALUE_LEN)?
            .map(|email| match self.email_prefix {
                Some(prefix) => email.strip_prefix(prefix).unwrap_or(&email).to_string(),
                None => email,
            });
        let token = headers::single(request_headers, &self.token_header, headers::MAX_TOKEN_LEN)?
            .map(headers::without_bearer_prefix)
            .filter(|token| !token.is_empty());
        let groups = headers::list(request_headers, &self.group_header, &self.group_separator)?;
        let anchors: Vec<&'static str> = attestations.iter().map(|a| a.anchor).collect();
        let attested: Vec<&AttestedIdentity> = attestations
            .iter()
            .filter_map(|a| a.identity.as_ref())
            .collect();

        let (username, email, groups, subject) = match attested.first() {
            None => {
                let username = username.ok_or_else(|| Problem::MissingUsername {
                    header: self.username_header.clone(),
                })?;
                (username, email, groups, None)
            }
            Some(identity) => {
                self.agree(identity, &attested, username, email.as_deref(), &groups)?;
                (
                    identity.username.clone(),
                    identity.email.clone(),
                    identity.groups.clone().unwrap_or_default(),
                    identity.subject.clone(),
                )
            }
        };

        Ok(User::new(
            username,
            email,
            groups,
            token.map(SecretString::from),
            AuthMethod::Proxy,
        )
        .with_provenance(subject, anchors))
    }

    /// A signed (or certified) identity wins, but plain headers that came with it must say the same:
    /// a header can neither rename the user nor add a group the assertion does not carry.
    fn agree(
        &self,
        identity: &AttestedIdentity,
        attested: &[&AttestedIdentity],
        username: Option<String>,
        email: Option<&str>,
        groups: &[String],
    ) -> Result<(), Problem> {
        let mismatch = |header: &HeaderName| {
            tracing::warn!(%header, "identity header disagrees with the signed identity");
            Err(Problem::IdentityMismatch {
                header: header.clone(),
            })
        };
        if username.is_some_and(|u| u != identity.username)
            || attested
                .iter()
                .any(|other| other.username != identity.username)
        {
            return mismatch(&self.username_header);
        }
        if let (Some(header), Some(signed)) = (email, identity.email.as_deref())
            && !header.eq_ignore_ascii_case(signed)
        {
            return mismatch(&self.email_header);
        }
        if !groups.is_empty() {
            let signed = identity.groups.as_deref().unwrap_or_default();
            let same = groups.len() == signed.len() && groups.iter().all(|g| signed.contains(g));
            if !same {
                return mismatch(&self.group_header);
            }
        }
        Ok(())
    }
}
