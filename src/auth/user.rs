use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use secrecy::SecretString;
use tracing_actix_web::RootSpan;

use super::{AuthError, Authenticator};

/// How the caller's identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Headers (or a signed assertion) from an authenticating proxy, vouched for by the trust
    /// anchors in [`User::anchors`].
    Proxy,
    /// Lamplight's own OpenID Connect sign-in (a sealed session cookie or a bearer ID token).
    Oidc,
}

impl AuthMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMethod::Proxy => "proxy",
            AuthMethod::Oidc => "oidc",
        }
    }
}

/// Who is calling. The only way a handler learns it is by taking a `User` argument; it is built
/// from the request alone, so any replica can serve any request.
///
/// Deliberately not `Serialize`, and its `Debug` redacts the token.
#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    token: Option<SecretString>,
    pub method: AuthMethod,
    /// A stable identifier for the user (a signed assertion's `sub`), sent as `Impersonate-Uid`.
    pub subject: Option<String>,
    /// The trust anchors that vouched for this identity (proxy mode).
    pub anchors: Vec<&'static str>,
}

impl User {
    pub fn new(
        username: String,
        email: Option<String>,
        groups: Vec<String>,
        token: Option<SecretString>,
        method: AuthMethod,
    ) -> Self {
        User {
            username,
            email,
            groups,
            token,
            method,
            subject: None,
            anchors: Vec::new(),
        }
    }

    pub fn with_provenance(mut self, subject: Option<String>, anchors: Vec<&'static str>) -> Self {
        self.subject = subject;
        self.anchors = anchors;
        self
    }

    /// The raw token to present to the Kubernetes API server, if the identity came with one.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }
}

impl FromRequest for User {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<User, AuthError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { authenticator(&request).authenticate(&request).await })
    }
}

/// Whoever is calling the forwarding path, if anyone: with proxy-auth a user is required (its errors
/// stand); with OIDC, an API client presenting its own non-OIDC credentials goes on without a user
/// (the API server judges them); with no sign-in there is no user. See [`Authenticator::identify`].
#[derive(Debug, Clone)]
pub struct Caller(pub Option<User>);

impl FromRequest for Caller {
    type Error = AuthError;
    type Future = LocalBoxFuture<'static, Result<Caller, AuthError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { authenticator(&request).identify(&request).await.map(Caller) })
    }
}

/// The app's authenticator; an app without one signs nobody in.
fn authenticator(request: &HttpRequest) -> web::Data<Authenticator> {
    request
        .app_data::<web::Data<Authenticator>>()
        .cloned()
        .unwrap_or_else(|| web::Data::new(Authenticator::none()))
}

/// Names the user on the request's log span once identity is established.
pub(super) fn record_on_span(request: &HttpRequest, user: &User) {
    if let Some(span) = request.extensions().get::<RootSpan>() {
        span.record("user.name", user.username.as_str());
    }
}
