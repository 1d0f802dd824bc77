//! openidconnect's HTTP calls (discovery, JWKS, token exchange, refresh) made with awc.

use std::sync::Arc;
use std::time::Duration;

use awc::{Client, Connector};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// An awc client for the IdP, built per call: these calls are rare and awc clients are not `Send`.
fn client(tls: &Arc<rustls::ClientConfig>) -> Client {
    Client::builder()
        .connector(
            Connector::new()
                .rustls_0_23(tls.clone())
                .timeout(Duration::from_secs(10)),
        )
        .disable_redirects()
        .timeout(Duration::from_secs(20))
        .finish()
}

pub async fn send(
    tls: Arc<rustls::ClientConfig>,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let method = awc::http::Method::from_bytes(parts.method.as_str().as_bytes())
        .map_err(|e| HttpError(e.to_string()))?;
    let mut outgoing = client(&tls).request(method, parts.uri.to_string());
    for (name, value) in parts.headers.iter() {
        outgoing = outgoing.append_header((name.as_str(), value.as_bytes()));
    }
    let mut response = outgoing
        .send_body(body)
        .await
        .map_err(|e| HttpError(format!("{}: {e}", parts.uri)))?;
    let bytes = response
        .body()
        .limit(4 * 1024 * 1024)
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let mut builder = http::Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers().iter() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder
        .body(bytes.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}
