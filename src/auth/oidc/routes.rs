//! `/oidc` (start), `/oidc-callback` (finish) and `/oidc-logout` (a confirmation page on GET, the
//! sign-out itself on a same-origin POST).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{HttpRequest, HttpResponse, web};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;

use super::session::{LoginState, Purpose, Session};
use super::{Oidc, SignInError, SignInFailure, http_client, page, site};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oidc", web::get().to(start))
        .route("/oidc-callback", web::get().to(callback))
        .route("/oidc-logout", web::get().to(confirm_logout))
        .route("/oidc-logout", web::post().to(logout));
}

#[derive(Deserialize)]
struct StartQuery {
    cluster: Option<String>,
    #[serde(rename = "returnTo")]
    return_to: Option<String>,
}

/// Only paths on this server: never `//host`, `/\\host` or a full URL (no open redirect).
fn safe_return_path(candidate: Option<&str>, base_url: &str) -> String {
    let fallback = format!("{base_url}/");
    match candidate {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control() || c == '\\') =>
        {
            path.to_string()
        }
        _ => fallback,
    }
}

/// Where the callback sends the browser: the UI's own `returnTo`; else, when Headlamp's UI
/// started the sign-in for a cluster (its popup opens `/oidc?cluster=X`), Headlamp's
/// `{base}/auth?cluster=X`, the page that tells the main window the sign-in is done.
fn return_path(query: &StartQuery, base_url: &str) -> String {
    match (&query.return_to, &query.cluster) {
        (None, Some(cluster)) if !cluster.is_empty() => format!(
            "{base_url}/auth?cluster={}",
            percent_encoding::utf8_percent_encode(cluster, percent_encoding::NON_ALPHANUMERIC)
        ),
        (return_to, _) => safe_return_path(return_to.as_deref(), base_url),
    }
}

fn redirect(location: &str) -> actix_web::HttpResponseBuilder {
    let mut builder = HttpResponse::Found();
    builder
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header(CacheControl(vec![CacheDirective::NoStore]));
    builder
}

async fn start(
    request: HttpRequest,
    query: web::Query<StartQuery>,
    oidc: web::Data<Arc<Oidc>>,
) -> Result<HttpResponse, SignInFailure> {
    let failure = |error| SignInFailure {
        error,
        base_url: oidc.base_url.clone(),
        clear: None,
    };
    let provider = oidc
        .provider()
        .map_err(|pending| failure(SignInError::Unavailable(pending)))?;
    let settings = &oidc.settings;
    let redirect_url = oidc.redirect_url(&request).map_err(failure)?;
    let callback_url = redirect_url.to_string();
    let client = provider.client(settings).set_redirect_uri(redirect_url);
    let mut authorize = client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in settings.scopes.iter().filter(|s| *s != "openid") {
        authorize = authorize.add_scope(Scope::new(scope.clone()));
    }
    let verifier = if settings.use_pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        authorize = authorize.set_pkce_challenge(challenge);
        Some(verifier.secret().clone())
    } else {
        None
    };
    let (url, state, nonce) = authorize.url();
    let login = LoginState {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier,
        cluster: query.cluster.clone(),
        return_to: return_path(&query, &oidc.base_url),
        callback_url,
    };
    let sealed = oidc
        .sealer
        .seal(Purpose::LoginState, &login)
        .map_err(|e| failure(e.into()))?;
    Ok(redirect(url.as_str())
        .cookie(oidc.cookie_scope(&request).login_cookie(sealed))
        .finish())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The IdP's error code. Its `error_description` (free text anyone can write into a link to
    /// this callback) is not even read.
    error: Option<String>,
}

async fn callback(
    request: HttpRequest,
    query: web::Query<CallbackQuery>,
    oidc: web::Data<Arc<Oidc>>,
) -> Result<HttpResponse, SignInFailure> {
    let scope = oidc.cookie_scope(&request);
    let failure = |error| SignInFailure {
        error,
        base_url: oidc.base_url.clone(),
        clear: Some(scope.clear_login_cookie()),
    };
    let session = finish_sign_in(&request, &query, &oidc)
        .await
        .map_err(failure)?;
    let sealed = oidc
        .sealer
        .seal(Purpose::Session, &session.session)
        .map_err(|e| failure(e.into()))?;
    let mut builder = redirect(&safe_return_path(Some(&session.return_to), &oidc.base_url));
    builder.cookie(scope.clear_login_cookie());
    for cookie in scope.session_cookies(&sealed, oidc.settings.session_ttl.as_secs() as i64) {
        builder.cookie(cookie);
    }
    Ok(builder.finish())
}

struct SignedIn {
    session: Session,
    return_to: String,
}

/// The callback's checks and the code exchange, in order: the IdP's own error, this browser's
/// login state, the state parameter, the code, then the ID token's signature and nonce.
async fn finish_sign_in(
    request: &HttpRequest,
    query: &CallbackQuery,
    oidc: &Oidc,
) -> Result<SignedIn, SignInError> {
    if let Some(error) = &query.error {
        return Err(SignInError::refused(error));
    }
    let login = oidc
        .sealer
        .read_login(request)?
        .ok_or(SignInError::Expired)?;
    let state_matches = query
        .state
        .as_deref()
        .is_some_and(|state| constant_time_eq(state.as_bytes(), login.state.as_bytes()));
    if !state_matches {
        return Err(SignInError::StateMismatch);
    }
    let code = query.code.as_ref().ok_or(SignInError::NoCode)?;
    let provider = oidc.provider().map_err(SignInError::Unavailable)?;
    let redirect_url =
        RedirectUrl::new(login.callback_url.clone()).map_err(SignInError::CallbackUrl)?;
    let client = provider
        .client(&oidc.settings)
        .set_redirect_uri(redirect_url);
    let tls = oidc.tls.clone();
    let http = move |request| http_client::send(tls.clone(), request);
    let mut exchange = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .map_err(|e| SignInError::Exchange(Box::new(e)))?;
    if let Some(verifier) = &login.pkce_verifier {
        exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(verifier.clone()));
    }
    let response = exchange
        .request_async(&http)
        .await
        .map_err(|e| SignInError::Exchange(Box::new(e)))?;
    let id_token = response
        .id_token()
        .map(|t| t.to_string())
        .ok_or(SignInError::NoIdToken)?;
    oidc.verify(&id_token, Some(&Nonce::new(login.nonce.clone())))
        .await
        .map_err(|e| SignInError::InvalidIdToken(e.to_string()))?;
    Ok(SignedIn {
        session: Session {
            id_token,
            access_token: Some(response.access_token().secret().clone()),
            refresh_token: response.refresh_token().map(|t| t.secret().clone()),
            started: jiff::Timestamp::now().as_second(),
        },
        return_to: login.return_to,
    })
}

/// `GET /oidc-logout`: a page asking to confirm, whose form posts to `/oidc-logout`. A link or an
/// image on another site can make a browser GET this, so GET signs nobody out.
async fn confirm_logout(oidc: web::Data<Arc<Oidc>>) -> HttpResponse {
    page::builder(StatusCode::OK).body(page::html(
        "Sign out?",
        "",
        &page::logout_form(&oidc.base_url),
    ))
}

/// `POST /oidc-logout`, from a page of this site only (see [`site::same_origin`]): clears the
/// session cookies and, with `-oidc-logout`, ends the session at the IdP's `end_session_endpoint`.
///
/// The IdP is reached by a page that refreshes to it rather than by a redirect: the form that
/// posted here is under `form-action 'self'`, which Chrome applies to the redirects that follow a
/// form submission too.
async fn logout(request: HttpRequest, oidc: web::Data<Arc<Oidc>>) -> HttpResponse {
    if !site::same_origin(&request, &oidc.own_origins(&request)) {
        tracing::warn!(
            "refused a sign-out that did not come from a page of this site (Origin, Sec-Fetch-Site or Referer)"
        );
        let body = format!(
            "<p>This sign-out did not come from a page of this dashboard, so you are still signed in. \
             To sign out, confirm here:</p>{}",
            page::logout_form(&oidc.base_url)
        );
        return page::builder(StatusCode::FORBIDDEN).body(page::html(
            "Sign-out refused",
            "",
            &body,
        ));
    }
    let scope = oidc.cookie_scope(&request);
    // A duplicated cookie hides which session is ours: no hint to the IdP then, but sign out here.
    let session = oidc.sealer.read_session(&request, &scope).ok().flatten();
    let home = oidc.home_url(&request);
    let idp_logout = oidc
        .settings
        .logout_at_idp
        .then(|| oidc.provider().ok())
        .flatten();
    let end_session = idp_logout
        .as_ref()
        .and_then(|p| p.end_session_endpoint())
        .and_then(|endpoint| url::Url::parse(endpoint).ok())
        .map(|mut url| {
            {
                let mut query = url.query_pairs_mut();
                if let Some(session) = &session {
                    query.append_pair("id_token_hint", &session.id_token);
                }
                if let Some(home) = &home {
                    query.append_pair("post_logout_redirect_uri", home);
                }
                query.append_pair("client_id", &oidc.settings.client_id);
            }
            url.to_string()
        });
    let mut builder = match &end_session {
        Some(_) => page::builder(StatusCode::OK),
        None => {
            let mut builder = HttpResponse::SeeOther();
            builder
                .insert_header((header::LOCATION, format!("{}/", oidc.base_url)))
                .insert_header(CacheControl(vec![CacheDirective::NoStore]));
            builder
        }
    };
    for cookie in scope.clear_session() {
        builder.cookie(cookie);
    }
    match end_session {
        Some(url) => {
            let url = page::escape(&url);
            builder.body(page::html(
                "Signed out",
                &format!("<meta http-equiv=\"refresh\" content=\"0; url={url}\">"),
                &format!(
                    "<p>You are signed out of the dashboard. <a href=\"{url}\">Continue to sign out at the identity provider</a>.</p>"
                ),
            ))
        }
        None => builder.finish(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn headlamps_sign_in_returns_to_its_auth_page() {
        use super::{StartQuery, return_path};
        let query = |cluster: Option<&str>, return_to: Option<&str>| StartQuery {
            cluster: cluster.map(String::from),
            return_to: return_to.map(String::from),
        };
        assert_eq!(
            return_path(&query(Some("a b/c"), None), "/ui"),
            "/ui/auth?cluster=a%20b%2Fc"
        );
        assert_eq!(
            return_path(&query(Some("main"), Some("/c/main")), ""),
            "/c/main"
        );
        assert_eq!(return_path(&query(None, None), ""), "/");
    }

    #[test]
    fn return_paths_stay_on_this_server() {
        assert_eq!(safe_return_path(Some("/c/main/pods"), ""), "/c/main/pods");
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\\b",
            "/a\nb",
        ] {
            assert_eq!(safe_return_path(Some(evil), "/ui"), "/ui/", "{evil}");
        }
        assert_eq!(safe_return_path(None, ""), "/");
    }
}
