//! Logs: one span per request (request id, method, route, peer, status, latency, user), as text or
//! one JSON object per line. Header values, cookies and query strings are never recorded.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpan, RootSpanBuilder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::prelude::*;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::settings::{AuditLevel, LogFormat, LogSettings};

/// Keeps the log writer's thread; dropping it writes out what is still queued.
pub struct LogGuard {
    _writer: tracing_appender::non_blocking::WorkerGuard,
}

/// Logs go to standard output from a thread of their own: a request's worker only queues its line
/// (no write system call, no contention for the stdout lock between workers), and under load the
/// writer sends many lines per write. Lossless: a full queue makes the workers wait rather than
/// drop lines.
pub fn init(settings: &LogSettings) -> LogGuard {
    // Audit lines have a layer of their own (below): the log filter never drops or doubles them.
    let filter = EnvFilter::builder()
        .parse_lossy(&settings.level)
        .add_directive(silenced(crate::audit::TARGET));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        // The queue is allocated up front: the default (128,000 lines) costs 4 MB at rest.
        .buffered_lines_limit(4096)
        .thread_name("lamplight-log")
        .finish(std::io::BufWriter::new(std::io::stdout()));
    let writer = writer.with_max_level(tracing::Level::TRACE);
    let ansi = std::io::stdout().is_terminal();
    let logs = match settings.format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(writer.clone())
            .with_current_span(true)
            .with_filter(filter)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(writer.clone())
            .with_filter(filter)
            .boxed(),
    };
    let audit_level = match settings.audit {
        AuditLevel::Off => LevelFilter::OFF,
        AuditLevel::Info => LevelFilter::INFO,
        AuditLevel::Debug => LevelFilter::DEBUG,
    };
    let audit = tracing_subscriber::fmt::layer()
        .event_format(AuditLine)
        .with_writer(writer)
        .with_filter(Targets::new().with_target(crate::audit::TARGET, audit_level));
    // A second init (tests starting several apps) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(audit)
        .try_init();
    LogGuard { _writer: guard }
}

fn silenced(target: &str) -> tracing_subscriber::filter::Directive {
    // `{target}=off` always parses; the fallback only satisfies the type.
    format!("{target}=off")
        .parse()
        .unwrap_or_else(|_| LevelFilter::OFF.into())
}

/// An audit event's message (already a JSON object) alone on its line.
struct AuditLine;

impl<S, N> FormatEvent<S, N> for AuditLine
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut message = MessageOnly {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut message);
        message.result?;
        writeln!(writer)
    }
}

struct MessageOnly<'a, 'b> {
    writer: &'a mut format::Writer<'b>,
    result: std::fmt::Result,
}

impl tracing::field::Visit for MessageOnly<'_, '_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

/// A route's pattern for the request log, set by a handler that knows it.
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

/// The request span. The default one records the whole target (query strings can hold OAuth codes)
/// and the client IP from `X-Forwarded-For`; this one records the path and the socket peer.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().copied();
        tracing::info_span!(
            "request",
            request_id = %request_id.map(|id| id.to_string()).unwrap_or_default(),
            http.method = %request.method(),
            http.route = tracing::field::Empty,
            http.path = %request.path(),
            peer = %request.peer_addr().map(|addr| addr.ip().to_canonical().to_string()).unwrap_or_default(),
            user.name = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(response) = outcome {
            let request = response.request();
            // The forwarding path names itself: `match_pattern` would match the path against every
            // route's regex again, on the hottest path there is.
            let named = request.extensions().get::<RoutePattern>().map(|r| r.0);
            match named {
                Some(route) => span.record("http.route", route),
                None => span.record(
                    "http.route",
                    request.match_pattern().as_deref().unwrap_or("default"),
                ),
            };
        }
        DefaultRootSpanBuilder::on_request_end(span.clone(), outcome);
        let server_error = match outcome {
            Ok(response) => response.status().is_server_error(),
            Err(error) => error.as_response_error().status_code().is_server_error(),
        };
        if server_error {
            tracing::error!(parent: &span, "request failed");
        } else {
            tracing::info!(parent: &span, "request completed");
        }
    }
}

/// Returns the request id as `X-Request-Id` and records the latency on the request span.
pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = request.extensions().get::<RequestId>().copied();
    let span = request.extensions().get::<RootSpan>().cloned();
    let mut response = next.call(request).await?;
    if let Some(span) = span {
        span.record("latency_ms", started.elapsed().as_secs_f64() * 1000.0);
    }
    if let Some(id) = request_id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
