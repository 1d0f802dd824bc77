//! WebSocket bridging for `exec`, `attach`, `portforward` and WebSocket watches: actix-ws towards the
//! client, an HTTP/1.1 awc client towards the API server, frames passed through untouched.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use awc::ws::{Frame, Message};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;

use super::error::ForwardError;
use super::http::upstream_error;
use super::prepare::Prepared;

/// Kubernetes clients that cannot set headers on a WebSocket (browsers) put the token here.
const BEARER_PROTOCOL_PREFIX: &str = "base64url.bearer.authorization.k8s.io.";
/// Exec and port-forward frames can be large (file copies through `kubectl cp`).
const MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;

pub(super) fn is_upgrade(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The client's sub-protocols, minus the bearer-token one, which becomes `Authorization`.
pub(super) fn split_protocols(
    request: &HttpRequest,
) -> Result<(Vec<String>, Option<SecretString>), ForwardError> {
    let mut protocols = Vec::new();
    let mut bearer = None;
    for value in request.headers().get_all(header::SEC_WEBSOCKET_PROTOCOL) {
        let value = value
            .to_str()
            .map_err(|_| ForwardError::BadRequest("bad Sec-WebSocket-Protocol".into()))?;
        for protocol in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match protocol.strip_prefix(BEARER_PROTOCOL_PREFIX) {
                Some(encoded) => {
                    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(encoded.trim_end_matches('='))
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok())
                        .ok_or_else(|| {
                            ForwardError::BadRequest(
                                "the bearer sub-protocol is not base64url".into(),
                            )
                        })?;
                    bearer = Some(SecretString::from(format!("Bearer {token}")));
                }
                None => protocols.push(protocol.to_string()),
            }
        }
    }
    Ok((protocols, bearer))
}

pub(super) async fn bridge(
    request: HttpRequest,
    payload: web::Payload,
    prepared: Prepared<'_>,
    protocols: Vec<String>,
    client: &awc::Client,
) -> Result<HttpResponse, actix_web::Error> {
    let mut upstream = client.ws(&prepared.url).max_frame_size(MAX_FRAME_SIZE);
    if !protocols.is_empty() {
        upstream = upstream.protocols(&protocols);
    }
    for (name, value) in prepared.headers.iter() {
        // awc writes its own handshake headers.
        if !matches!(
            name.as_str(),
            "sec-websocket-key" | "sec-websocket-version" | "sec-websocket-extensions"
        ) {
            upstream = upstream.header(name.clone(), value.clone());
        }
    }
    let (upstream_response, framed) = match upstream.connect().await {
        Ok(connected) => connected,
        Err(awc::error::WsClientError::SendRequest(error)) => {
            return Err(upstream_error(&prepared, error).into());
        }
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => {
            // The API server refused the upgrade (401, 403, 404...): say so with its status.
            return Err(ForwardError::Upgrade {
                cluster: prepared.cluster.name.clone(),
                status,
            }
            .into());
        }
        Err(error) => {
            return Err(ForwardError::Unreachable {
                cluster: prepared.cluster.name.clone(),
                reason: error.to_string(),
            }
            .into());
        }
    };
    let chosen = upstream_response
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let chosen_list: Vec<&str> = chosen.iter().map(String::as_str).collect();
    let (response, mut session, client_stream) =
        actix_ws::handle_with_protocols(&request, payload, &chosen_list)?;
    let mut client_stream = client_stream.max_frame_size(MAX_FRAME_SIZE);
    let (mut upstream_sink, mut upstream_stream) = framed.split();

    actix_web::rt::spawn(async move {
        loop {
            tokio::select! {
                from_client = client_stream.next() => match from_client {
                    Some(Ok(message)) => {
                        let closing = matches!(message, Message::Close(_));
                        if upstream_sink.send(message).await.is_err() || closing {
                            break;
                        }
                    }
                    _ => break,
                },
                from_upstream = upstream_stream.next() => {
                    let sent = match from_upstream {
                        Some(Ok(Frame::Binary(bytes))) => session.binary(bytes).await,
                        Some(Ok(Frame::Text(bytes))) => match String::from_utf8(bytes.to_vec()) {
                            Ok(text) => session.text(text).await,
                            Err(_) => break,
                        },
                        Some(Ok(Frame::Ping(bytes))) => session.ping(&bytes).await,
                        Some(Ok(Frame::Pong(bytes))) => session.pong(&bytes).await,
                        Some(Ok(Frame::Continuation(item))) => session.continuation(item).await,
                        Some(Ok(Frame::Close(reason))) => {
                            let _ = session.close(reason).await;
                            let _ = upstream_sink.close().await;
                            return;
                        }
                        _ => break,
                    };
                    if sent.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = session.close(None).await;
        let _ = upstream_sink.close().await;
    });
    Ok(response)
}
