//! Response helpers and content negotiation shared by every endpoint.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;
use tokio::sync::mpsc;

/// Starts a response with the headers a real API server puts on everything it answers.
pub fn response(code: StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(code);
    builder
        .insert_header(("Audit-Id", uuid::Uuid::new_v4().to_string()))
        .insert_header((header::CACHE_CONTROL, "no-cache, private"));
    builder
}

pub fn json_response(code: StatusCode, body: &Value) -> HttpResponse {
    response(code)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        .body(body.to_string())
}

pub fn ok_json(body: &Value) -> HttpResponse {
    json_response(StatusCode::OK, body)
}

/// A response body fed by a channel; dropping it (client gone) closes the channel.
pub fn channel_body<T: Into<Bytes> + 'static>(
    rx: mpsc::Receiver<T>,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static {
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (Ok(item.into()), rx))
    })
}

/// What shape the client asked its answer in, from the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Object,
    /// `as=Table`: carries which `meta.k8s.io` version the client named.
    Table(&'static str),
    /// `as=PartialObjectMetadata` / `as=PartialObjectMetadataList`.
    Metadata(&'static str),
}

impl Representation {
    /// The first acceptable entry wins, like the API server's negotiation. Protobuf entries are
    /// skipped: this server only speaks JSON and clients that ask for protobuf also accept JSON.
    pub fn negotiate(req: &HttpRequest) -> Self {
        let Some(accept) = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
        else {
            return Representation::Object;
        };
        for entry in accept.split(',') {
            let mut parts = entry.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            if media.contains("protobuf") {
                continue;
            }
            let (mut as_kind, mut group, mut version) = ("", "", "");
            for param in parts {
                match param.split_once('=') {
                    Some(("as", v)) => as_kind = v,
                    Some(("g", v)) => group = v,
                    Some(("v", v)) => version = v,
                    _ => {}
                }
            }
            if as_kind.is_empty() {
                return Representation::Object;
            }
            // Aggregated discovery and other typed answers we do not produce: fall through to
            // the next entry, which for real clients is plain application/json.
            let meta_version = match (group, version) {
                ("meta.k8s.io", "v1") => "meta.k8s.io/v1",
                ("meta.k8s.io", "v1beta1") => "meta.k8s.io/v1beta1",
                _ => continue,
            };
            match as_kind {
                "Table" => return Representation::Table(meta_version),
                "PartialObjectMetadata" | "PartialObjectMetadataList" => {
                    return Representation::Metadata(meta_version);
                }
                _ => continue,
            }
        }
        Representation::Object
    }
}

/// Query parameters by name; Kubernetes repeats some (`command` for exec), so keep them all.
#[derive(Debug, Default, Clone)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Self {
        Query(
            url_decode_pairs(raw)
                .into_iter()
                .filter(|(k, _)| !k.is_empty())
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Kubernetes accepts `true`/`1` (and Go's other `ParseBool` spellings) for booleans.
    pub fn flag(&self, key: &str) -> bool {
        matches!(
            self.get(key),
            Some("true" | "1" | "True" | "TRUE" | "t" | "T")
        )
    }
}

fn url_decode_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_selectors() {
        let q = Query::parse("labelSelector=app%3Dweb%2Ctier%21%3Ddb&watch=1&command=a&command=b");
        assert_eq!(q.get("labelSelector"), Some("app=web,tier!=db"));
        assert!(q.flag("watch"));
        assert_eq!(q.all("command"), vec!["a", "b"]);
    }
}
