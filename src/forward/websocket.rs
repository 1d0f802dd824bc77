//! WebSocket bridging for `exec`, `attach`, `portforward` and WebSocket watches: actix-ws towards the
//! client; towards the API server an HTTP/1.1 upgrade through the cluster's hyper client (which
//! skips interim `1xx` responses until the `101`), then tokio-tungstenite on the upgraded
//! connection. Messages pass through as they are: data, pings, pongs and the close reason.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use secrecy::SecretString;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as UpstreamCloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Message, Role, WebSocketConfig};

use super::body::RequestBody;
use super::clients::UpstreamClient;
use super::error::ForwardError;
use super::http::{send, upstream_request};
use super::prepare::Prepared;

/// Kubernetes clients that cannot set headers on a WebSocket (browsers) put the token here.
const BEARER_PROTOCOL_PREFIX: &str = "base64url.bearer.authorization.k8s.io.";
/// Exec and port-forward frames can be large (file copies through `kubectl cp`).
const MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;
/// A message reassembled from its fragments (either way), at most.
const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

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
    client: &UpstreamClient,
) -> Result<HttpResponse, actix_web::Error> {
    let key = generate_key();
    let mut upstream = upstream_request(request.method(), &prepared, RequestBody::empty())?;
    let headers = upstream.headers_mut();
    // The handshake is ours to write: prepare left out the client's hop-by-hop and
    // `Sec-WebSocket-*` headers.
    headers.insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("Upgrade"),
    );
    headers.insert(
        hyper::header::UPGRADE,
        hyper::header::HeaderValue::from_static("websocket"),
    );
    headers.insert(
        hyper::header::SEC_WEBSOCKET_VERSION,
        hyper::header::HeaderValue::from_static("13"),
    );
    headers.insert(hyper::header::SEC_WEBSOCKET_KEY, header_value(&key)?);
    if !protocols.is_empty() {
        headers.insert(
            hyper::header::SEC_WEBSOCKET_PROTOCOL,
            header_value(&protocols.join(", "))?,
        );
    }
    let mut upstream_response = send(&prepared, client, upstream).await?;
    if upstream_response.status() != hyper::StatusCode::SWITCHING_PROTOCOLS {
        // The API server refused the upgrade (401, 403, 404...): say so with its status.
        return Err(ForwardError::Upgrade {
            cluster: prepared.cluster.name.clone(),
            status: super::http::to_actix_status(upstream_response.status()),
        }
        .into());
    }
    let upstream_headers = upstream_response.headers();
    let accepted = upstream_headers
        .get(hyper::header::SEC_WEBSOCKET_ACCEPT)
        .is_some_and(|accept| accept.as_bytes() == derive_accept_key(key.as_bytes()).as_bytes());
    let websocket = upstream_headers
        .get(hyper::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !accepted || !websocket {
        return Err(ForwardError::Unreachable {
            cluster: prepared.cluster.name.clone(),
            reason: "the API server switched protocols without a valid WebSocket handshake"
                .to_string(),
        }
        .into());
    }
    let chosen = upstream_headers
        .get(hyper::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let upgraded = hyper::upgrade::on(&mut upstream_response)
        .await
        .map_err(|error| ForwardError::Unreachable {
            cluster: prepared.cluster.name.clone(),
            reason: format!("the WebSocket upgrade failed: {error}"),
        })?;

    let chosen_list: Vec<&str> = chosen.iter().map(String::as_str).collect();
    let (response, mut session, client_stream) =
        actix_ws::handle_with_protocols(&request, payload, &chosen_list)?;
    let mut client_stream = client_stream
        .max_frame_size(MAX_FRAME_SIZE)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_SIZE);
    let mut config = WebSocketConfig::default();
    config.max_frame_size = Some(MAX_FRAME_SIZE);
    config.max_message_size = Some(MAX_MESSAGE_SIZE);
    let upstream =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, Some(config)).await;
    let (mut upstream_sink, mut upstream_stream) = upstream.split();

    actix_web::rt::spawn(async move {
        loop {
            tokio::select! {
                from_client = client_stream.next() => {
                    let Some(Ok(message)) = from_client else { break };
                    let closing = matches!(message, AggregatedMessage::Close(_));
                    if upstream_sink.send(to_upstream(message)).await.is_err() || closing {
                        break;
                    }
                },
                from_upstream = upstream_stream.next() => {
                    let sent = match from_upstream {
                        Some(Ok(Message::Binary(bytes))) => session.binary(bytes).await,
                        Some(Ok(Message::Text(text))) => session.text(text.as_str()).await,
                        Some(Ok(Message::Ping(bytes))) => session.ping(&bytes).await,
                        Some(Ok(Message::Pong(bytes))) => session.pong(&bytes).await,
                        Some(Ok(Message::Close(frame))) => {
                            let _ = session.close(frame.map(to_client_close)).await;
                            let _ = upstream_sink.close().await;
                            return;
                        }
                        // Only ever written, never read.
                        Some(Ok(Message::Frame(_))) => Ok(()),
                        Some(Err(_)) | None => break,
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

fn header_value(text: &str) -> Result<hyper::header::HeaderValue, ForwardError> {
    hyper::header::HeaderValue::from_str(text)
        .map_err(|_| ForwardError::BadRequest("bad Sec-WebSocket-Protocol".into()))
}

fn to_upstream(message: AggregatedMessage) -> Message {
    match message {
        AggregatedMessage::Text(text) => Message::text(String::from(text)),
        AggregatedMessage::Binary(bytes) => Message::Binary(bytes),
        AggregatedMessage::Ping(bytes) => Message::Ping(bytes),
        AggregatedMessage::Pong(bytes) => Message::Pong(bytes),
        AggregatedMessage::Close(reason) => Message::Close(reason.map(|reason| CloseFrame {
            code: UpstreamCloseCode::from(u16::from(reason.code)),
            reason: reason.description.unwrap_or_default().into(),
        })),
    }
}

fn to_client_close(frame: CloseFrame) -> CloseReason {
    CloseReason {
        code: CloseCode::from(u16::from(frame.code)),
        description: Some(frame.reason.as_str().to_string()).filter(|d| !d.is_empty()),
    }
}
