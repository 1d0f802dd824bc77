//! `pods/portforward` over WebSocket, as the kubelet serves it (`v4.channel.k8s.io`,
//! `v4.base64.channel.k8s.io`, or no protocol): per requested port a data channel (2n) and an
//! error channel (2n+1), each opened by a message with the port as two little-endian bytes.
//!
//! There are no containers to connect to: a port that a container of the pod declares
//! (`containerPort`, TCP) is answered by a tiny HTTP/1.1 responder, whose every answer is
//! `200 OK` naming the pod, the port and the request; any other port is refused on its error
//! channel with the kubelet's message, as a pod with nothing listening there would be.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use bytes::{Bytes, BytesMut};
use serde_json::Value;

use crate::http::Query;
use crate::logs;
use crate::resources::ResourceType;
use crate::state::Shared;
use crate::status::ApiError;
use crate::wsstream::{self, Codec};

const PROTOCOLS: &[(&str, Codec)] = &[
    ("v4.channel.k8s.io", Codec::Binary),
    ("v4.base64.channel.k8s.io", Codec::Base64),
    ("", Codec::Binary),
];

/// Requests bigger than this without a blank line are not HTTP; the responder gives up on them.
const MAX_REQUEST_HEAD: usize = 64 * 1024;

pub fn pod_portforward(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<HttpResponse, ApiError> {
    let pod = logs::pod(shared, pods, namespace, name)?;
    if !wsstream::is_websocket(req) {
        // The SPDY upgrade (kubectl port-forward's transport, also inside its WebSocket tunnel)
        // is not implemented.
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    let ports = requested_ports(query)?;
    let (name_sent, codec) = wsstream::negotiate(req, PROTOCOLS)?;
    let protocols: Vec<&str> = name_sent.into_iter().collect();
    let (response, session, messages) =
        actix_ws::handle_with_protocols(req, payload, &protocols)
            .map_err(|e| ApiError::bad_request(format!("websocket upgrade failed: {e}")))?;
    let forwards = ports
        .into_iter()
        .map(|port| Forward::new(&pod, port))
        .collect();
    actix_web::rt::spawn(run(session, messages, codec, forwards));
    Ok(response)
}

/// The `ports` parameter (repeated, or comma-separated as the kubelet also reads it).
fn requested_ports(query: &Query) -> Result<Vec<u16>, ApiError> {
    let values = query.all("ports");
    if values.is_empty() {
        return Err(ApiError::bad_request(
            "query parameter \"port\" is required",
        ));
    }
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|p| match p.trim().parse::<u16>() {
            Ok(0) => Err(ApiError::bad_request(format!("port {p:?} must be > 0"))),
            Ok(port) => Ok(port),
            Err(e) => Err(ApiError::bad_request(format!(
                "unable to parse {p:?} as a port: {e}"
            ))),
        })
        .collect()
}

/// One forwarded port: what answers on it.
struct Forward {
    port: u16,
    target: Target,
}

enum Target {
    Http(HttpResponder),
    /// Nothing listens there; the message the error channel carries.
    Refused(String),
}

impl Forward {
    fn new(pod: &Value, port: u16) -> Self {
        let metadata = &pod["metadata"];
        let namespace = metadata["namespace"].as_str().unwrap_or_default();
        let name = metadata["name"].as_str().unwrap_or_default();
        let target = if declares(pod, port) {
            Target::Http(HttpResponder {
                banner: format!("pod {namespace}/{name} port {port}"),
                buffer: BytesMut::new(),
            })
        } else {
            Target::Refused(format!(
                "error forwarding port {port} to pod {name}, uid {}: failed to connect to localhost:{port} inside namespace {name}: dial tcp4 127.0.0.1:{port}: connect: connection refused",
                metadata["uid"].as_str().unwrap_or_default()
            ))
        };
        Forward { port, target }
    }
}

/// Whether a container of the pod lists `port` as a TCP `containerPort`.
fn declares(pod: &Value, port: u16) -> bool {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|field| pod["spec"][field].as_array())
        .flatten()
        .filter_map(|c| c["ports"].as_array())
        .flatten()
        .any(|p| {
            p["containerPort"].as_u64() == Some(u64::from(port))
                && p["protocol"].as_str().is_none_or(|proto| proto == "TCP")
        })
}

async fn run(
    mut session: Session,
    mut messages: actix_ws::MessageStream,
    codec: Codec,
    mut forwards: Vec<Forward>,
) {
    for (index, forward) in forwards.iter().enumerate() {
        let port = forward.port.to_le_bytes();
        if !send(&mut session, codec, 2 * index, &port).await
            || !send(&mut session, codec, 2 * index + 1, &port).await
        {
            return;
        }
    }
    let mut open = 0;
    for (index, forward) in forwards.iter().enumerate() {
        match &forward.target {
            Target::Refused(message) => {
                if !send(&mut session, codec, 2 * index + 1, message.as_bytes()).await {
                    return;
                }
            }
            Target::Http(_) => open += 1,
        }
    }
    // The kubelet closes the connection once no forwarded port is left.
    if open == 0 {
        let _ = session.close(Some(normal())).await;
        return;
    }
    while let Some(message) = messages.recv().await {
        let message = match message {
            Ok(Message::Ping(bytes)) => {
                if session.pong(&bytes).await.is_err() {
                    return;
                }
                continue;
            }
            Ok(Message::Close(_)) | Err(_) => return,
            Ok(message) => message,
        };
        let Some((channel, data)) = codec.decode(&message) else {
            continue;
        };
        let channel = usize::from(channel);
        // Data goes to even channels; what clients send on error channels is ignored.
        if channel % 2 == 1 {
            continue;
        }
        let Some(Forward {
            target: Target::Http(responder),
            ..
        }) = forwards.get_mut(channel / 2)
        else {
            continue;
        };
        for answer in responder.feed(&data) {
            if !send(&mut session, codec, channel, &answer).await {
                return;
            }
        }
    }
}

/// Whether the message went out (the client is still there).
async fn send(session: &mut Session, codec: Codec, channel: usize, data: &[u8]) -> bool {
    let channel = u8::try_from(channel).unwrap_or(u8::MAX);
    codec
        .channel_frame(channel, data)
        .send(session)
        .await
        .is_ok()
}

fn normal() -> CloseReason {
    CloseReason {
        code: CloseCode::Normal,
        description: None,
    }
}

/// Answers each HTTP/1.1 request of the byte stream with `200 OK`.
struct HttpResponder {
    banner: String,
    buffer: BytesMut,
}

impl HttpResponder {
    /// Takes the bytes the client sent; returns the answers to the requests they complete.
    fn feed(&mut self, data: &[u8]) -> Vec<Bytes> {
        self.buffer.extend_from_slice(data);
        let mut answers = Vec::new();
        while let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
            let body_length = content_length(&head);
            let total = end + 4 + body_length;
            if self.buffer.len() < total {
                break;
            }
            let _ = self.buffer.split_to(total);
            let request_line = head.lines().next().unwrap_or_default();
            let body = format!("{} answered {request_line}\n", self.banner);
            answers.push(Bytes::from(format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )));
        }
        if self.buffer.len() > MAX_REQUEST_HEAD {
            self.buffer.clear();
        }
        answers
    }
}

fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_responder_answers_each_request_once_complete() {
        let mut responder = HttpResponder {
            banner: "pod default/web port 8080".into(),
            buffer: BytesMut::new(),
        };
        assert!(responder.feed(b"GET / HTTP/1.1\r\nHost: x\r\n").is_empty());
        let answers = responder.feed(b"\r\nPOST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nab");
        assert_eq!(answers.len(), 1, "the POST waits for its body");
        let text = String::from_utf8_lossy(&answers[0]).into_owned();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.ends_with("pod default/web port 8080 answered GET / HTTP/1.1\n"),
            "{text}"
        );
        let answers = responder.feed(b"c");
        assert_eq!(answers.len(), 1);
        assert!(String::from_utf8_lossy(&answers[0]).contains("POST /a"));
    }
}
