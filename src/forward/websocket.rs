//! WebSocket bridging for `exec`, `attach`, `portforward` and WebSocket watches: actix-ws towards the
//! client; towards the API server an HTTP/1.1 upgrade through the cluster's hyper client (which
//! skips interim `1xx` responses until the `101`), then tokio-tungstenite on the upgraded
//! connection. Messages pass through as they are: data, pings, pongs and the close reason.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::time::Duration;

use actix_ws::{
    AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, MessageStream, Session,
};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use secrecy::SecretString;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as UpstreamCloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Message, Role, WebSocketConfig};

use super::body::RequestBody;
use super::clients::UpstreamClient;
use super::error::ForwardError;
use super::http::{relay, send, upstream_request};
use super::limits::Permit;
use super::prepare::Prepared;

/// Kubernetes clients that cannot set headers on a WebSocket (browsers) put the token here.
const BEARER_PROTOCOL_PREFIX: &str = "base64url.bearer.authorization.k8s.io.";
/// Exec and port-forward frames can be large (file copies through `kubectl cp`).
const MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;
/// A message reassembled from its fragments (either way), at most.
const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;
/// Tells the answers to Lamplight's own pings from the client's answers to the API server's.
const PING_PAYLOAD: &[u8] = b"lamplight";

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

/// The client's side of a WebSocket, its handshake checked but not yet answered: the answer is
/// the API server's.
pub(super) struct ClientSide {
    response: HttpResponse,
    session: Session,
    stream: MessageStream,
}

/// Checks the client's handshake (method, `Upgrade`, `Connection`, version, key) before anything
/// goes upstream: a malformed upgrade never opens an exec session.
pub(super) fn accept(
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<ClientSide, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(request, payload)?;
    Ok(ClientSide {
        response,
        session,
        stream,
    })
}

/// Everything the bridge holds for as long as the connection lasts.
pub(super) struct Bridge {
    pub client_side: ClientSide,
    /// Offered upstream, as the client offered them (minus the bearer token).
    pub protocols: Vec<String>,
    pub permits: Vec<Permit>,
    pub ping_interval: Duration,
    /// `-proxy-auth-stream-max-age`, when the session was opened on proxy identity.
    pub max_age: Option<Duration>,
}

pub(super) async fn bridge(
    request: &HttpRequest,
    prepared: Prepared<'_>,
    bridge: Bridge,
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
    if !bridge.protocols.is_empty() {
        headers.insert(
            hyper::header::SEC_WEBSOCKET_PROTOCOL,
            header_value(&bridge.protocols.join(", "))?,
        );
    }
    let mut upstream_response = send(&prepared, client, upstream).await?;
    let status = upstream_response.status();
    if status != hyper::StatusCode::SWITCHING_PROTOCOLS {
        if status.is_client_error() || status.is_server_error() {
            // The API server's refusal in its own words: `pods "x" not found`, RBAC's reason...
            return Ok(relay(request.method(), upstream_response, (), None));
        }
        // A 200 would tell the client its upgrade worked.
        return Err(ForwardError::NotUpgraded {
            cluster: prepared.cluster.name.clone(),
            status: status.as_u16(),
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
    let chosen = upstream_headers
        .get(hyper::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let offered = chosen
        .as_ref()
        .is_none_or(|chosen| bridge.protocols.contains(chosen));
    if !accepted || !websocket || !offered {
        return Err(ForwardError::Unreachable {
            cluster: prepared.cluster.name.clone(),
            reason: "the API server switched protocols without a valid WebSocket handshake"
                .to_string(),
        }
        .into());
    }
    let upgraded = hyper::upgrade::on(&mut upstream_response)
        .await
        .map_err(|error| ForwardError::Unreachable {
            cluster: prepared.cluster.name.clone(),
            reason: format!("the WebSocket upgrade failed: {error}"),
        })?;

    let Bridge {
        client_side,
        permits,
        ping_interval,
        max_age,
        ..
    } = bridge;
    let ClientSide {
        mut response,
        session,
        stream,
    } = client_side;
    if let Some(chosen) = chosen {
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            header::HeaderValue::from_str(&chosen)
                .map_err(|_| ForwardError::BadRequest("bad Sec-WebSocket-Protocol".into()))?,
        );
    }
    let stream = stream
        .max_frame_size(MAX_FRAME_SIZE)
        .aggregate_continuations()
        .max_continuation_size(MAX_MESSAGE_SIZE);
    let mut config = WebSocketConfig::default();
    config.max_frame_size = Some(MAX_FRAME_SIZE);
    config.max_message_size = Some(MAX_MESSAGE_SIZE);
    let upstream =
        WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, Some(config)).await;
    actix_web::rt::spawn(async move {
        pump(session, stream, upstream, ping_interval, max_age).await;
        // Only now is the place in the upgrade (and watch) pools given back.
        drop(permits);
    });
    Ok(response)
}

/// Moves messages both ways until either side closes, and pings the client: one that answers
/// nothing for two intervals is gone (a laptop closed mid-exec), and its exec ends with it.
async fn pump<U>(
    mut session: Session,
    mut client: AggregatedMessageStream,
    upstream: WebSocketStream<U>,
    ping_interval: Duration,
    max_age: Option<Duration>,
) where
    U: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut upstream_sink, mut upstream_stream) = upstream.split();
    let expiry = async move {
        match max_age {
            Some(age) => tokio::time::sleep(age).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expiry);
    let mut pings = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            () = &mut expiry => {
                let reason = CloseReason {
                    code: CloseCode::Policy,
                    description: Some(
                        "-proxy-auth-stream-max-age reached: open a new session".to_string(),
                    ),
                };
                let _ = session.close(Some(reason)).await;
                let _ = upstream_sink.close().await;
                return;
            },
            _ = pings.tick() => {
                if last_heard.elapsed() >= ping_interval * 2 {
                    let reason = CloseReason {
                        code: CloseCode::Away,
                        description: Some("no answer to pings".to_string()),
                    };
                    let _ = session.close(Some(reason)).await;
                    let _ = upstream_sink.close().await;
                    return;
                }
                if session.ping(PING_PAYLOAD).await.is_err() {
                    break;
                }
            },
            from_client = client.next() => {
                let Some(Ok(message)) = from_client else { break };
                last_heard = Instant::now();
                // The answers to our own pings are ours, not the API server's.
                if matches!(&message, AggregatedMessage::Pong(bytes) if &bytes[..] == PING_PAYLOAD) {
                    continue;
                }
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
