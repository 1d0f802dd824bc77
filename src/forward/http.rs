//! Plain HTTP forwarding, streamed both ways (actix/examples `http-proxy` style): neither a 100 MB
//! list nor an endless watch is ever held in memory, and dropping the client drops the upstream.

use actix_web::body::SizedStream;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use awc::error::{ConnectError, SendRequestError};

use super::error::ForwardError;
use super::headers::response_headers;
use super::prepare::Prepared;

pub(super) async fn forward(
    request: &HttpRequest,
    payload: web::Payload,
    prepared: Prepared<'_>,
    client: &awc::Client,
) -> Result<HttpResponse, actix_web::Error> {
    let mut upstream = client
        .request(request.method().clone(), &prepared.url)
        .no_decompress();
    for (name, value) in prepared.headers.iter() {
        upstream = upstream.append_header((name.clone(), value.clone()));
    }
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let has_body =
        length.is_some_and(|l| l > 0) || request.headers().contains_key(header::TRANSFER_ENCODING);
    let sent = match length {
        Some(length) if length > 0 => upstream.send_body(SizedStream::new(length, payload)).await,
        _ if has_body => upstream.send_stream(payload).await,
        _ => upstream.send().await,
    };
    let response = sent.map_err(|error| upstream_error(&prepared, error))?;

    let mut builder = HttpResponse::build(response.status());
    for (name, value) in response_headers(response.headers()).iter() {
        builder.append_header((name.clone(), value.clone()));
    }
    let no_body = request.method() == Method::HEAD
        || response.status() == StatusCode::NO_CONTENT
        || response.status() == StatusCode::NOT_MODIFIED;
    if no_body {
        return Ok(builder.finish());
    }
    let length = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    Ok(match length {
        Some(length) => builder.body(SizedStream::new(length, response)),
        None => builder.streaming(response),
    })
}

pub(super) fn upstream_error(prepared: &Prepared<'_>, error: SendRequestError) -> ForwardError {
    let cluster = prepared.cluster.name.clone();
    match error {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            ForwardError::Timeout {
                cluster,
                reason: error.to_string(),
            }
        }
        SendRequestError::Connect(connect) => ForwardError::Unreachable {
            cluster,
            reason: format!("{}: {}", prepared.connection.base_url, connect),
        },
        other => ForwardError::Unreachable {
            cluster,
            reason: other.to_string(),
        },
    }
}
