//! Plain HTTP forwarding, streamed both ways: neither a 100 MB list nor an endless watch is ever
//! held in memory, and dropping the client drops the upstream request.

use actix_web::body::SizedStream;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use http_body_util::BodyExt;

use super::body::RequestBody;
use super::clients::{RESPONSE_HEAD_TIMEOUT, UpstreamClient};
use super::error::ForwardError;
use super::headers::response_headers;
use super::prepare::Prepared;

pub(super) async fn forward(
    request: &HttpRequest,
    payload: web::Payload,
    prepared: Prepared<'_>,
    client: &UpstreamClient,
    held: impl Sized + 'static,
    max_age: Option<std::time::Duration>,
) -> Result<HttpResponse, actix_web::Error> {
    let length = content_length(
        request
            .headers()
            .get(header::CONTENT_LENGTH)
            .map(|v| v.as_bytes()),
    );
    // HTTP/1.1 framing: a request without `Content-Length` or `Transfer-Encoding` has no body.
    let has_body =
        length.is_some_and(|l| l > 0) || request.headers().contains_key(header::TRANSFER_ENCODING);
    let body = if has_body {
        RequestBody::streamed(payload, length)
    } else {
        RequestBody::empty()
    };
    let upstream = upstream_request(request.method(), &prepared, body)?;
    let response = send(&prepared, client, upstream).await?;

    Ok(relay(request.method(), response, held, max_age))
}

/// The API server's response as it is (status, the headers a client may see, the body streamed).
/// `held` (a watch's permits, its place on a connection) lives until the body ends or the client
/// leaves: a watch counts for as long as it streams. A stream with a `max_age` ends cleanly then,
/// as a watch the API server closes does (clients open the next one).
pub(super) fn relay(
    method: &Method,
    response: hyper::Response<hyper::body::Incoming>,
    held: impl Sized + 'static,
    max_age: Option<std::time::Duration>,
) -> HttpResponse {
    let status = to_actix_status(response.status());
    let mut builder = HttpResponse::build(status);
    for (name, value) in response_headers(&to_actix_headers(response.headers())).iter() {
        builder.append_header((name.clone(), value.clone()));
    }
    let no_body = *method == Method::HEAD
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    if no_body {
        return builder.finish();
    }
    let length = content_length(
        response
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .map(|v| v.as_bytes()),
    );
    // Dropping this stream (the client left) drops the upstream response: hyper then resets the
    // HTTP/2 stream or closes the HTTP/1.1 connection.
    let body = response.into_body().into_data_stream().map(move |chunk| {
        let _held = &held;
        chunk
    });
    // A body of known length is not a stream: cutting it would break its framing.
    let max_age = max_age.filter(|_| length.is_none());
    let deadline = async move {
        match max_age {
            Some(age) => tokio::time::sleep(age).await,
            None => std::future::pending().await,
        }
    };
    let body = body.take_until(deadline);
    match length {
        Some(length) => builder.body(SizedStream::new(length, body)),
        None => builder.streaming(body),
    }
}

/// Sends `upstream` and waits for the final response head, at most [`RESPONSE_HEAD_TIMEOUT`].
pub(super) async fn send(
    prepared: &Prepared<'_>,
    client: &UpstreamClient,
    upstream: hyper::Request<RequestBody>,
) -> Result<hyper::Response<hyper::body::Incoming>, ForwardError> {
    match tokio::time::timeout(RESPONSE_HEAD_TIMEOUT, client.request(upstream)).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(error)) => Err(upstream_error(prepared, &error)),
        Err(_) => Err(ForwardError::Timeout {
            cluster: prepared.cluster.name.clone(),
            reason: format!("no response within {} s", RESPONSE_HEAD_TIMEOUT.as_secs()),
        }),
    }
}

/// The request hyper sends: the prepared URL and headers (actix and hyper use different majors of
/// the `http` crate, hence the conversions), nothing added.
pub(super) fn upstream_request(
    method: &Method,
    prepared: &Prepared<'_>,
    body: RequestBody,
) -> Result<hyper::Request<RequestBody>, ForwardError> {
    let method = hyper::Method::from_bytes(method.as_str().as_bytes())
        .map_err(|_| ForwardError::BadRequest("unsupported method".to_string()))?;
    let mut upstream = hyper::Request::builder()
        .method(method)
        .uri(prepared.url.as_str())
        .body(body)
        .map_err(|error| ForwardError::BadRequest(format!("cannot forward this URL: {error}")))?;
    let headers = upstream.headers_mut();
    headers.reserve(prepared.headers.len());
    for (name, value) in prepared.headers.iter() {
        // Both majors validate names and values alike: nothing valid is left out.
        let (Ok(name), Ok(mut converted)) = (
            hyper::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            hyper::header::HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            continue;
        };
        // `Authorization` stays out of HTTP/2 header compression tables.
        converted.set_sensitive(value.is_sensitive());
        headers.append(name, converted);
    }
    Ok(upstream)
}

fn content_length(value: Option<&[u8]>) -> Option<u64> {
    std::str::from_utf8(value?).ok()?.parse().ok()
}

pub(super) fn to_actix_status(status: hyper::StatusCode) -> StatusCode {
    StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
}

pub(super) fn to_actix_headers(upstream: &hyper::HeaderMap) -> header::HeaderMap {
    let mut headers = header::HeaderMap::with_capacity(upstream.len());
    for (name, value) in upstream {
        let name = header::HeaderName::from_bytes(name.as_str().as_bytes());
        let value = header::HeaderValue::from_bytes(value.as_bytes());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    headers
}

/// Why the request did not get a response: a connection that could not be made (502, or 504 when
/// it timed out), or one that broke (502), with every cause in the chain for the log and kubectl.
pub(super) fn upstream_error(
    prepared: &Prepared<'_>,
    error: &hyper_util::client::legacy::Error,
) -> ForwardError {
    let cluster = prepared.cluster.name.clone();
    let mut reason = error.to_string();
    let mut timed_out = false;
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        timed_out |= cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        source = cause.source();
    }
    if timed_out {
        ForwardError::Timeout { cluster, reason }
    } else if error.is_connect() {
        ForwardError::Unreachable {
            cluster,
            reason: format!("{}: {reason}", prepared.connection.base_url),
        }
    } else {
        ForwardError::Unreachable { cluster, reason }
    }
}
