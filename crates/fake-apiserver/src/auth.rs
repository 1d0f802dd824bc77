//! Authentication (bearer tokens, client certificates), impersonation and a tiny RBAC.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::http::percent_decode;
use crate::oidc::OidcAuthenticator;
use crate::recording::unverified_claims;
use crate::status::ApiError;
use crate::wsstream;

const AUTHENTICATED: &str = "system:authenticated";
const READ_VERBS: &[&str] = &["get", "list", "watch"];

/// Who a request acts as: the authenticated user, or whom they impersonate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub groups: Vec<String>,
    pub uid: Option<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

impl Identity {
    pub fn new(user: &str, groups: &[String]) -> Self {
        let mut groups = groups.to_vec();
        if !groups.iter().any(|g| g == AUTHENTICATED) {
            groups.push(AUTHENTICATED.to_string());
        }
        Identity {
            user: user.to_string(),
            groups,
            uid: None,
            extra: BTreeMap::new(),
        }
    }

    /// `authentication.k8s.io/v1` `UserInfo`.
    pub fn user_info(&self) -> Value {
        let mut info = json!({"username": self.user, "groups": self.groups});
        if let Some(uid) = &self.uid {
            info["uid"] = json!(uid);
        }
        if !self.extra.is_empty() {
            info["extra"] = json!(self.extra);
        }
        info
    }
}

/// The identity a verified client certificate carries (CN = user, O = groups); put into the
/// connection's data by the TLS acceptor.
#[derive(Debug, Clone)]
pub struct CertificateIdentity {
    pub user: String,
    pub groups: Vec<String>,
}

/// Browsers cannot set headers on WebSockets, so the API server also takes the bearer token
/// as a sub-protocol: `base64url.bearer.authorization.k8s.io.<base64url(token)>`. Like the API
/// server's protocol authenticator, this refuses two tokens, a bad encoding, and a token that is
/// the only protocol offered (one must be left to answer with).
fn websocket_protocol_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    if !wsstream::is_websocket(req) {
        return Ok(None);
    }
    let protocols: Vec<&str> = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut tokens = protocols
        .iter()
        .filter_map(|p| p.strip_prefix(wsstream::BEARER_PROTOCOL_PREFIX));
    let Some(encoded) = tokens.next() else {
        return Ok(None);
    };
    let others = protocols
        .iter()
        .filter(|p| !p.starts_with(wsstream::BEARER_PROTOCOL_PREFIX))
        .count();
    if tokens.next().is_some() || others == 0 {
        return Err(ApiError::unauthorized());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| ApiError::unauthorized())?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| ApiError::unauthorized())
}

/// What a request does to what, for RBAC decisions and their messages.
pub struct Access<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    /// `pods`, or `pods/log` for a subresource.
    pub resource: &'a str,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

#[derive(Debug, Default, Clone)]
pub struct AuthConfig {
    tokens: HashMap<String, (String, Vec<String>)>,
    forbidden: Vec<(String, String)>,
    /// Users who may only read (`get`, `list`, `watch`), like a `view` ClusterRole binding.
    read_only: HashSet<String>,
    impersonators: HashSet<String>,
    /// Demo mode only: take any JWT's subject as the user, unverified (so OIDC sign-in works
    /// against the demo cluster without configuring an authenticator).
    trust_unverified_jwts: bool,
    /// JWTs verified against an OpenID issuer, like kube-apiserver's `--oidc-*` flags.
    oidc: Option<Arc<OidcAuthenticator>>,
}

impl AuthConfig {
    pub fn add_user(&mut self, token: &str, user: &str, groups: &[&str]) {
        let groups = groups.iter().map(|g| g.to_string()).collect();
        self.tokens
            .insert(token.to_string(), (user.to_string(), groups));
    }

    pub fn forbid(&mut self, user: &str, resource: &str) {
        self.forbidden
            .push((user.to_string(), resource.to_string()));
    }

    pub fn read_only(&mut self, user: &str) {
        self.read_only.insert(user.to_string());
    }

    pub fn trust_unverified_jwts(&mut self) {
        self.trust_unverified_jwts = true;
    }

    pub fn set_oidc(&mut self, oidc: OidcAuthenticator) {
        self.oidc = Some(Arc::new(oidc));
    }

    fn unverified_jwt_identity(&self, token: &str) -> Option<Identity> {
        if !self.trust_unverified_jwts {
            return None;
        }
        let claims = unverified_claims(token)?;
        let user = claims
            .get("preferred_username")
            .or_else(|| claims.get("sub"))?
            .as_str()?;
        let groups: Vec<String> = claims
            .get("groups")
            .and_then(|g| g.as_array())
            .map(|g| {
                g.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        Some(Identity::new(user, &groups))
    }

    pub fn add_impersonator(&mut self, user: &str) {
        self.impersonators.insert(user.to_string());
    }

    /// A verified client certificate wins over a token, as in the API server's authenticator
    /// chain; then static tokens, then OIDC; anything else is 401.
    pub async fn authenticate(&self, req: &HttpRequest) -> Result<Identity, ApiError> {
        if let Some(cert) = req.conn_data::<CertificateIdentity>() {
            return Ok(Identity::new(&cert.user, &cert.groups));
        }
        let header_token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_string());
        let token = match header_token {
            Some(token) => token,
            None => websocket_protocol_token(req)?.ok_or_else(ApiError::unauthorized)?,
        };
        if let Some((user, groups)) = self.tokens.get(&token) {
            return Ok(Identity::new(user, groups));
        }
        if let Some(oidc) = &self.oidc
            && let Some(verified) = oidc.authenticate(&token).await
        {
            return verified;
        }
        self.unverified_jwt_identity(&token)
            .ok_or_else(ApiError::unauthorized)
    }

    /// Applies `Impersonate-*` headers, which only configured impersonators may send.
    pub fn impersonate(&self, caller: Identity, req: &HttpRequest) -> Result<Identity, ApiError> {
        let headers = req.headers();
        let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let user = value("impersonate-user");
        let groups: Vec<String> = headers
            .get_all("impersonate-group")
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let uid = value("impersonate-uid");
        let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, v) in headers {
            if let (Some(key), Ok(v)) =
                (name.as_str().strip_prefix("impersonate-extra-"), v.to_str())
            {
                extra
                    .entry(percent_decode(key))
                    .or_default()
                    .push(v.to_string());
            }
        }
        if user.is_none() && groups.is_empty() && uid.is_none() && extra.is_empty() {
            return Ok(caller);
        }
        let Some(user) = user else {
            return Err(ApiError::internal(format!(
                "requested {groups:?} without impersonating a user"
            )));
        };
        if !self.impersonators.contains(&caller.user) {
            return Err(ApiError::forbidden(format!(
                "users \"{user}\" is forbidden: User \"{}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
                caller.user
            ))
            .with_details(json!({"name": user, "kind": "users"})));
        }
        let mut identity = Identity::new(user, &groups);
        identity.uid = uid.map(str::to_string);
        identity.extra = extra;
        Ok(identity)
    }

    pub fn allows(&self, identity: &Identity, resource: &str) -> bool {
        let base = resource.split('/').next().unwrap_or(resource);
        !self.forbidden.iter().any(|(user, forbidden)| {
            user == &identity.user
                && (forbidden == resource || forbidden == base || forbidden == "*")
        })
    }

    /// [`allows`](Self::allows), and a read-only user only reads.
    pub fn allows_verb(&self, identity: &Identity, verb: &str, resource: &str) -> bool {
        self.allows(identity, resource)
            && (!self.read_only.contains(&identity.user) || READ_VERBS.contains(&verb))
    }

    /// The verbs `identity` has on a resource offering `verbs` (for `SelfSubjectRulesReview`).
    pub fn verbs_of<'v>(&self, identity: &Identity, verbs: &[&'v str]) -> Vec<&'v str> {
        let read_only = self.read_only.contains(&identity.user);
        verbs
            .iter()
            .filter(|v| !read_only || READ_VERBS.contains(v))
            .copied()
            .collect()
    }

    pub fn authorize(&self, identity: &Identity, access: &Access) -> Result<(), ApiError> {
        if self.allows_verb(identity, access.verb, access.resource) {
            return Ok(());
        }
        let qualified = if access.group.is_empty() {
            access.resource.to_string()
        } else {
            format!("{}.{}", access.resource, access.group)
        };
        let subject = match access.name {
            Some(name) => format!("{qualified} \"{name}\""),
            None => qualified,
        };
        let scope = match access.namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let mut details = json!({"kind": access.resource});
        if let Some(name) = access.name {
            details["name"] = json!(name);
        }
        if !access.group.is_empty() {
            details["group"] = json!(access.group);
        }
        Err(ApiError::forbidden(format!(
            "{subject} is forbidden: User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
            identity.user, access.verb, access.resource, access.group
        ))
        .with_details(details))
    }
}
