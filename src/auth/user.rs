use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use secrecy::SecretString;
use tracing_actix_web::RootSpan;

use super::{AuthError, Authenticator};

/// How the caller's identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Headers from an authenticating proxy, vouched for by the named trust anchor.
    Proxy { anchor: &'static str },
}

impl AuthMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMethod::Proxy { .. } => "proxy",
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
        }
    }

    /// The raw token to present to the Kubernetes API server, if the identity came with one.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }
}

impl FromRequest for User {
    type Error = AuthError;
    type Future = Ready<Result<User, AuthError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let result = match request.app_data::<web::Data<Authenticator>>() {
            Some(authenticator) => authenticator.authenticate(request),
            None => Err(Authenticator::none().error(super::error::Problem::NotConfigured)),
        };
        if let Ok(user) = &result
            && let Some(span) = request.extensions().get::<RootSpan>()
        {
            span.record("user.name", user.username.as_str());
        }
        ready(result)
    }
}
