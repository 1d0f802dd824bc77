//! `?watch=true`: newline-delimited JSON events over chunked HTTP, or one per WebSocket frame.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::http::{Query, Representation, response};
use crate::resources::ResourceType;
use crate::selectors::Selector;
use crate::state::Shared;
use crate::status::ApiError;
use crate::store::{EventType, StoreEvent, WatchStart};
use crate::table::{IncludeObject, TablePrinter, partial_metadata};
use crate::wsstream;

/// Everything a watch request asked for.
pub struct WatchRequest {
    pub resource: &'static ResourceType,
    pub namespace: Option<String>,
    pub selector: Selector,
    pub start: WatchStart,
    pub bookmarks: bool,
    /// `sendInitialEvents=true`: a bookmark marks the end of the initial ADDED events.
    pub initial_events_bookmark: bool,
    pub timeout: Option<Duration>,
    pub representation: Representation,
    pub include: IncludeObject,
}

impl WatchRequest {
    pub fn parse(
        resource: &'static ResourceType,
        namespace: Option<String>,
        name: Option<&str>,
        query: &Query,
        representation: Representation,
    ) -> Result<Self, ApiError> {
        let mut field_selector = query.get("fieldSelector").unwrap_or_default().to_string();
        // The deprecated watch of one object by URL is a watch with a name selector.
        if let Some(name) = name {
            if !field_selector.is_empty() {
                field_selector.push(',');
            }
            field_selector.push_str(&format!("metadata.name={name}"));
        }
        let selector = Selector::parse(query.get("labelSelector"), Some(&field_selector))?;
        let send_initial = query.flag("sendInitialEvents");
        let start =
            match query.get("resourceVersion") {
                _ if send_initial => WatchStart::Snapshot,
                None | Some("" | "0") => WatchStart::Snapshot,
                Some(rv) => WatchStart::After(rv.parse().map_err(|_| {
                    ApiError::bad_request(format!("invalid resource version: {rv:?}"))
                })?),
            };
        let timeout = query
            .get("timeoutSeconds")
            .map(|t| {
                t.parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds: {t:?}")))
            })
            .transpose()?;
        Ok(WatchRequest {
            resource,
            namespace,
            selector,
            start,
            bookmarks: query.flag("allowWatchBookmarks"),
            initial_events_bookmark: send_initial,
            timeout,
            representation,
            include: IncludeObject::from_query(query.get("includeObject")),
        })
    }
}

/// Turns store events into the JSON lines one watch sends.
struct Encoder {
    resource: &'static ResourceType,
    namespace: Option<String>,
    selector: Selector,
    representation: Representation,
    printer: Option<TablePrinter>,
    sent_columns: bool,
}

impl Encoder {
    fn new(request: &WatchRequest) -> Self {
        let printer = match request.representation {
            Representation::Table(version) => Some(TablePrinter::new(
                request.resource,
                version,
                request.include,
            )),
            _ => None,
        };
        Encoder {
            resource: request.resource,
            namespace: request.namespace.clone(),
            selector: request.selector.clone(),
            representation: request.representation,
            printer,
            sent_columns: false,
        }
    }

    /// Label and field selectors see an object enter or leave their set as ADDED/DELETED,
    /// like the API server's watch cache reports it.
    fn visible<'e>(&self, event: &'e StoreEvent) -> Option<(&'static str, &'e Value)> {
        if !std::ptr::eq(event.resource, self.resource) {
            return None;
        }
        if let Some(ns) = &self.namespace
            && event.object["metadata"]["namespace"].as_str() != Some(ns)
        {
            return None;
        }
        let now = self.selector.matches(&event.object);
        let kind = match event.kind {
            EventType::Added | EventType::Deleted => now.then_some(event.kind)?,
            EventType::Modified => {
                let before = event
                    .previous
                    .as_ref()
                    .is_some_and(|p| self.selector.matches(p));
                match (before, now) {
                    (true, true) => EventType::Modified,
                    (false, true) => EventType::Added,
                    (true, false) => EventType::Deleted,
                    (false, false) => return None,
                }
            }
        };
        Some((kind.as_str(), &event.object))
    }

    fn encode_object(&mut self, object: &Value) -> Value {
        match (&self.printer, self.representation) {
            (Some(printer), _) => {
                let with_columns = !self.sent_columns;
                self.sent_columns = true;
                let metadata = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
                printer.table(std::slice::from_ref(object), metadata, with_columns)
            }
            (None, Representation::Metadata(version)) => partial_metadata(object, version),
            _ => object.clone(),
        }
    }

    fn event(&mut self, event: &StoreEvent) -> Option<String> {
        let (kind, object) = self.visible(event)?;
        let object = self.encode_object(object);
        Some(json!({"type": kind, "object": object}).to_string())
    }

    fn bookmark(&self, rv: u64, initial_events_end: bool) -> String {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = match (&self.printer, self.representation) {
            (Some(printer), _) => json!({
                "kind": "Table", "apiVersion": printer.meta_version(),
                "metadata": metadata, "columnDefinitions": [], "rows": [],
            }),
            (None, Representation::Metadata(version)) => json!({
                "kind": "PartialObjectMetadata", "apiVersion": version, "metadata": metadata,
            }),
            _ => json!({
                "kind": self.resource.kind, "apiVersion": self.resource.api_version(),
                "metadata": metadata,
            }),
        };
        json!({"type": "BOOKMARK", "object": object}).to_string()
    }
}

fn error_event(error: &ApiError) -> String {
    json!({"type": "ERROR", "object": error.to_status()}).to_string()
}

/// Starts the producer of one watch; it stops when the receiver is dropped (the client left),
/// at `timeoutSeconds`, or after an ERROR event.
fn start(shared: &Arc<Shared>, request: WatchRequest) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(256);
    let subscription = shared.store.subscribe(request.resource, request.start);
    let guard = shared.watch_opened();
    let bookmark_interval = shared.options.bookmark_interval;
    actix_web::rt::spawn(async move {
        let _guard = guard;
        let mut subscription = match subscription {
            Ok(s) => s,
            Err(error) => {
                let _ = tx.send(error_event(&error)).await;
                return;
            }
        };
        let mut encoder = Encoder::new(&request);
        let mut last_rv = subscription.current_rv;
        for event in std::mem::take(&mut subscription.backlog) {
            if let Some(line) = encoder.event(&event)
                && tx.send(line).await.is_err()
            {
                return;
            }
        }
        if request.initial_events_bookmark
            && tx.send(encoder.bookmark(last_rv, true)).await.is_err()
        {
            return;
        }
        let deadline = request.timeout.map(|t| Instant::now() + t);
        let mut bookmarks =
            tokio::time::interval_at(Instant::now() + bookmark_interval, bookmark_interval);
        loop {
            let line = tokio::select! {
                _ = tx.closed() => return,
                _ = sleep_until(deadline) => return,
                _ = bookmarks.tick(), if request.bookmarks => encoder.bookmark(last_rv, false),
                event = subscription.live.recv() => match event {
                    Ok(event) => {
                        last_rv = event.rv;
                        match encoder.event(&event) {
                            Some(line) => line,
                            None => continue,
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(error_event(&ApiError::expired("the watch fell too far behind; start a new one"))).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            if tx.send(line).await.is_err() {
                return;
            }
        }
    });
    rx
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

pub fn watch_http(shared: &Arc<Shared>, request: WatchRequest) -> HttpResponse {
    let lines = start(shared, request);
    // One chunk per event, so each is flushed on its own.
    let body = futures_util::stream::unfold(lines, |mut lines| async move {
        let line = lines.recv().await?;
        Some((Ok::<_, actix_web::Error>(Bytes::from(line + "\n")), lines))
    });
    response(StatusCode::OK)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .streaming(body)
}

pub fn watch_websocket(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    request: WatchRequest,
) -> Result<HttpResponse, ApiError> {
    // The API server answers with `golang.org/x/net/websocket`'s handler, which echoes the one
    // protocol the client offered (`base64.binary.k8s.io` from browsers, once the bearer token
    // is taken out) and refuses a choice of several; the events stay JSON text either way.
    let offered = wsstream::offered(req);
    if offered.len() > 1 {
        return Err(ApiError::bad_request(format!(
            "a watch takes at most one WebSocket sub-protocol, got {offered:?}"
        )));
    }
    let protocols: Vec<&str> = offered.iter().map(String::as_str).collect();
    let (response, mut session, mut messages) =
        actix_ws::handle_with_protocols(req, payload, &protocols)
            .map_err(|e| ApiError::bad_request(format!("websocket upgrade failed: {e}")))?;
    let mut lines = start(shared, request);
    actix_web::rt::spawn(async move {
        loop {
            tokio::select! {
                line = lines.recv() => match line {
                    Some(line) => if session.text(line).await.is_err() { return },
                    None => {
                        let _ = session.close(None).await;
                        return;
                    }
                },
                message = messages.recv() => match message {
                    Some(Ok(actix_ws::Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { return }
                    }
                    Some(Ok(actix_ws::Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
            }
        }
    });
    Ok(response)
}
