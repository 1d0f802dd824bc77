//! WebSocket sub-protocols the way `k8s.io/apimachinery/pkg/util/httpstream/wsstream` and the
//! API server's WebSocket handlers speak them.
//!
//! - Channel protocols (`exec`, `portforward`): every message starts with its channel. The
//!   binary codec sends the channel byte then raw bytes; the base64 codec (`base64.channel.k8s.io`,
//!   `v4.base64.channel.k8s.io`) sends a text message of the channel as an ASCII digit then the
//!   base64 of the bytes. Go's `websocket.Message.Receive` reads text and binary frames alike,
//!   so clients may send either kind.
//! - Reader protocols (streamed `log`): `binary.k8s.io` (or none) sends the raw bytes,
//!   `base64.binary.k8s.io` a text message with their base64, each read of at most 2 KiB in its
//!   own message, after one empty message.
//! - Watches echo the one protocol the client offered and send each event as a JSON text message,
//!   whatever that protocol's name says: the watch handler does not look at it.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_ws::{Closed, Message, Session};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;

use crate::status::ApiError;

/// A browser's bearer token, which the authenticator takes out of the offered protocols.
pub const BEARER_PROTOCOL_PREFIX: &str = "base64url.bearer.authorization.k8s.io.";

/// Go's `io.Copy` buffer in `wsstream.Reader`: the most one message of a streamed body carries.
pub const READER_CHUNK: usize = 2048;

pub fn is_websocket(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Every sub-protocol the client offered, in its order, except the bearer token.
pub fn offered(req: &HttpRequest) -> Vec<String> {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with(BEARER_PROTOCOL_PREFIX))
        .map(str::to_string)
        .collect()
}

/// wsstream's handshake: the first offered protocol that is supported wins; a client that
/// offers none gets the `""` entry, if there is one. `None` names no protocol in the answer.
pub fn negotiate<T: Copy>(
    req: &HttpRequest,
    supported: &[(&'static str, T)],
) -> Result<(Option<&'static str>, T), ApiError> {
    let offered = offered(req);
    let wanted: Vec<&str> = if offered.is_empty() {
        vec![""]
    } else {
        offered.iter().map(String::as_str).collect()
    };
    wanted
        .iter()
        .find_map(|want| supported.iter().find(|(name, _)| name == want))
        .map(|(name, value)| ((!name.is_empty()).then_some(*name), *value))
        .ok_or_else(|| {
            let names: Vec<&str> = supported.iter().map(|(name, _)| *name).collect();
            ApiError::bad_request(format!(
                "unable to upgrade connection: requested protocol(s) are not supported: {offered:?}; supports {names:?}"
            ))
        })
}

/// One outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Bytes),
}

impl Frame {
    pub async fn send(self, session: &mut Session) -> Result<(), Closed> {
        match self {
            Frame::Text(text) => session.text(text).await,
            Frame::Binary(data) => session.binary(data).await,
        }
    }
}

/// How the messages of a channel or reader protocol carry their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Binary,
    Base64,
}

impl Codec {
    /// One message of `data` on `channel`.
    pub fn channel_frame(self, channel: u8, data: &[u8]) -> Frame {
        match self {
            Codec::Binary => {
                let mut frame = Vec::with_capacity(data.len() + 1);
                frame.push(channel);
                frame.extend_from_slice(data);
                Frame::Binary(Bytes::from(frame))
            }
            Codec::Base64 => {
                let digit = char::from(b'0'.wrapping_add(channel));
                Frame::Text(format!("{digit}{}", BASE64.encode(data)))
            }
        }
    }

    /// The channel and bytes of a client message; `None` for messages that carry no data
    /// (control frames, empty or undecodable messages, which the server skips too).
    pub fn decode(self, message: &Message) -> Option<(u8, Bytes)> {
        let raw: Bytes = match message {
            Message::Binary(data) => data.clone(),
            Message::Text(text) => text.as_bytes().clone(),
            _ => return None,
        };
        let (&first, rest) = raw.split_first()?;
        match self {
            Codec::Binary => Some((first, raw.slice(1..))),
            Codec::Base64 => {
                let channel = first.checked_sub(b'0')?;
                let data = BASE64.decode(rest).ok()?;
                Some((channel, Bytes::from(data)))
            }
        }
    }

    /// One message of a reader protocol (no channel).
    pub fn reader_frame(self, data: &[u8]) -> Frame {
        match self {
            Codec::Binary => Frame::Binary(Bytes::copy_from_slice(data)),
            Codec::Base64 => Frame::Text(BASE64.encode(data)),
        }
    }
}

/// `pods/log` over WebSocket: `wsstream.NewDefaultReaderProtocols`.
pub const READER_PROTOCOLS: &[(&str, Codec)] = &[
    ("", Codec::Binary),
    ("binary.k8s.io", Codec::Binary),
    ("base64.binary.k8s.io", Codec::Base64),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_channel_frames_round_trip() {
        assert_eq!(
            Codec::Base64.channel_frame(1, b"hi\n"),
            Frame::Text("1aGkK".into())
        );
        assert_eq!(
            Codec::Base64.decode(&Message::Text("0Zm9vCg==".into())),
            Some((0, Bytes::from_static(b"foo\n")))
        );
        assert_eq!(
            Codec::Binary.decode(&Message::Text("\u{0}typed".into())),
            Some((0, Bytes::from_static(b"typed"))),
            "text frames carry stdin too"
        );
    }
}
