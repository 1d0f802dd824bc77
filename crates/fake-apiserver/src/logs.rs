//! `pods/log`: stored lines, `tailLines`/`sinceSeconds`/`timestamps`/`limitBytes`/`previous`,
//! `follow=true` streams that tick, over HTTP or WebSocket (`binary.k8s.io`,
//! `base64.binary.k8s.io`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message};
use bytes::Bytes;
use jiff::Timestamp;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::clock;
use crate::http::{Query, channel_body, response};
use crate::resources::ResourceType;
use crate::state::Shared;
use crate::status::ApiError;
use crate::store::{EventType, StoreEvent};
use crate::wsstream::{self, READER_CHUNK, READER_PROTOCOLS};

/// The kubelet rotates container logs; the fake keeps this many lines of each pod, so a pod
/// that logs for hours costs a bounded amount of memory.
pub const MAX_LINES_PER_POD: usize = 5000;

#[derive(Debug, Clone)]
struct LogLine {
    at: Timestamp,
    text: String,
}

/// An appended line, as followers of that pod are told.
#[derive(Debug, Clone)]
struct Appended {
    namespace: String,
    pod: String,
    line: LogLine,
}

/// What the containers "printed"; one stream per pod, whichever container is asked for.
pub struct LogBook {
    lines: Mutex<HashMap<(String, String), VecDeque<LogLine>>>,
    appended: broadcast::Sender<Arc<Appended>>,
}

impl Default for LogBook {
    fn default() -> Self {
        LogBook {
            lines: Mutex::default(),
            appended: broadcast::channel(1024).0,
        }
    }
}

impl LogBook {
    fn lock(&self) -> MutexGuard<'_, HashMap<(String, String), VecDeque<LogLine>>> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn append(&self, namespace: &str, pod: &str, text: &str) {
        let line = LogLine {
            at: Timestamp::now(),
            text: text.trim_end_matches('\n').to_string(),
        };
        let mut lines = self.lock();
        let pod_lines = lines
            .entry((namespace.to_string(), pod.to_string()))
            .or_default();
        if pod_lines.len() == MAX_LINES_PER_POD {
            pod_lines.pop_front();
        }
        pod_lines.push_back(line.clone());
        // Sent under the lock so a follower's backlog and live lines never overlap.
        let _ = self.appended.send(Arc::new(Appended {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            line,
        }));
    }

    /// A deleted pod's log goes with it.
    pub fn forget(&self, namespace: &str, pod: &str) {
        self.lock()
            .remove(&(namespace.to_string(), pod.to_string()));
    }

    /// How many lines are kept for a pod.
    #[cfg(test)]
    fn len(&self, namespace: &str, pod: &str) -> usize {
        self.lock()
            .get(&(namespace.to_string(), pod.to_string()))
            .map_or(0, VecDeque::len)
    }

    fn snapshot(
        &self,
        namespace: &str,
        pod: &str,
    ) -> (Vec<LogLine>, broadcast::Receiver<Arc<Appended>>) {
        let lines = self.lock();
        let backlog = lines
            .get(&(namespace.to_string(), pod.to_string()))
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default();
        (backlog, self.appended.subscribe())
    }
}

/// Drops the log of every pod the store deletes, for as long as the server lives.
pub fn forget_deleted_pods(shared: &Arc<Shared>) {
    let mut events = shared.store.events();
    let shared = Arc::downgrade(shared);
    actix_web::rt::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event)
                    if event.kind == EventType::Deleted && event.resource.plural == "pods" =>
                {
                    let Some(shared) = shared.upgrade() else {
                        return;
                    };
                    let metadata = &event.object["metadata"];
                    shared.logs.forget(
                        metadata["namespace"].as_str().unwrap_or_default(),
                        metadata["name"].as_str().unwrap_or_default(),
                    );
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

struct LogOptions {
    timestamps: bool,
    tail: Option<usize>,
    since: Option<Timestamp>,
    limit_bytes: Option<usize>,
    follow: bool,
}

fn render(line: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!("{} {}\n", clock::nano_timestamp(line.at), line.text)
    } else {
        format!("{}\n", line.text)
    }
}

/// The pod a `log`, `exec` or `portforward` request names.
pub fn pod(
    shared: &Arc<Shared>,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
) -> Result<Value, ApiError> {
    shared
        .store
        .get(pods, namespace, name)
        .ok_or_else(|| ApiError::not_found("pods", "", name))
}

/// The pod a `log` or `exec` request names and the container it is about, refused unless the
/// `container` parameter (if given) names one of the pod's.
pub fn pod_with_container(
    shared: &Arc<Shared>,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<(Value, String), ApiError> {
    let pod = pod(shared, pods, namespace, name)?;
    let container = validate_container(&pod, query.get("container"))?;
    Ok((pod, container))
}

/// Checks the `container` parameter the way the kubelet does.
pub fn validate_container(pod: &Value, container: Option<&str>) -> Result<String, ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let names: Vec<&str> = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .filter_map(|field| pod["spec"][field].as_array())
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    match container {
        Some(c) if names.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!(
            "container {c} is not valid for pod {pod_name}"
        ))),
        None => {
            let main: Vec<&str> = pod["spec"]["containers"]
                .as_array()
                .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
                .unwrap_or_default();
            match main.as_slice() {
                [only] => Ok(only.to_string()),
                _ => Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                    main.join(" ")
                ))),
            }
        }
    }
}

/// A container's restarts, from whichever status list holds it.
fn restart_count(pod: &Value, container: &str) -> i64 {
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|field| pod["status"][field].as_array())
    .flatten()
    .find(|status| status["name"] == container)
    .and_then(|status| status["restartCount"].as_i64())
    .unwrap_or(0)
}

fn parse_options(query: &Query) -> Result<LogOptions, ApiError> {
    let number = |key: &str| -> Result<Option<i64>, ApiError> {
        query
            .get(key)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid {key}: {v:?}")))
            })
            .transpose()
    };
    let positive = |key: &str| -> Result<Option<i64>, ApiError> {
        match number(key)? {
            Some(n) if n < 1 => Err(ApiError::invalid(
                "PodLogOptions",
                "",
                "",
                format!("{key}: Invalid value: {n}: must be greater than 0"),
            )),
            other => Ok(other),
        }
    };
    Ok(LogOptions {
        timestamps: query.flag("timestamps"),
        tail: number("tailLines")?.map(|n| usize::try_from(n).unwrap_or(0)),
        since: positive("sinceSeconds")?
            .map(|s| clock::before_now(Duration::from_secs(s.unsigned_abs()))),
        limit_bytes: positive("limitBytes")?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        follow: query.flag("follow"),
    })
}

pub fn pod_logs(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<HttpResponse, ApiError> {
    let (pod, container) = pod_with_container(shared, pods, namespace, name, query)?;
    let mut options = parse_options(query)?;
    if query.flag("previous") {
        if restart_count(&pod, &container) == 0 {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            )));
        }
        // A terminated container prints nothing more.
        options.follow = false;
    }
    let (mut backlog, appended) = shared.logs.snapshot(namespace, name);
    if let Some(since) = options.since {
        backlog.retain(|l| l.at >= since);
    }
    if let Some(tail) = options.tail {
        backlog.drain(..backlog.len().saturating_sub(tail));
    }
    let mut budget = Budget(options.limit_bytes);
    let text: String = backlog
        .iter()
        .map(|l| render(l, options.timestamps))
        .collect();
    let text = budget.take(Bytes::from(text));
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let follower = Follower {
        namespace: namespace.to_string(),
        pod: name.to_string(),
        timestamps: options.timestamps,
        interval: shared.options.log_interval,
        appended,
        store_events: shared.store.events(),
        budget,
        tx,
    };
    actix_web::rt::spawn(follower.run(text, options.follow));
    if wsstream::is_websocket(req) {
        return over_websocket(req, payload, rx);
    }
    Ok(response(StatusCode::OK)
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .streaming(channel_body(rx)))
}

/// `wsstream.Reader`: an empty message first, then each read (at most 2 KiB) in a message of
/// its own, binary or base64 text as negotiated; the socket closes when the log ends.
fn over_websocket(
    req: &HttpRequest,
    payload: web::Payload,
    mut chunks: mpsc::Receiver<Bytes>,
) -> Result<HttpResponse, ApiError> {
    let (protocol, codec) = wsstream::negotiate(req, READER_PROTOCOLS)?;
    let protocols: Vec<&str> = protocol.into_iter().collect();
    let (response, mut session, mut messages) =
        actix_ws::handle_with_protocols(req, payload, &protocols)
            .map_err(|e| ApiError::bad_request(format!("websocket upgrade failed: {e}")))?;
    actix_web::rt::spawn(async move {
        if codec.reader_frame(&[]).send(&mut session).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                chunk = chunks.recv() => match chunk {
                    Some(chunk) => {
                        for piece in chunk.chunks(READER_CHUNK) {
                            if codec.reader_frame(piece).send(&mut session).await.is_err() {
                                return;
                            }
                        }
                    }
                    None => {
                        let reason = CloseReason { code: CloseCode::Normal, description: None };
                        let _ = session.close(Some(reason)).await;
                        return;
                    }
                },
                // The client is not expected to send anything but pings and its close.
                message = messages.recv() => match message {
                    Some(Ok(Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() { return }
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
            }
        }
    });
    Ok(response)
}

/// `limitBytes`: what is left to send, if limited.
struct Budget(Option<usize>);

impl Budget {
    /// The part of `chunk` the budget allows.
    fn take(&mut self, chunk: Bytes) -> Bytes {
        match &mut self.0 {
            None => chunk,
            Some(left) => {
                let n = chunk.len().min(*left);
                *left -= n;
                chunk.slice(..n)
            }
        }
    }

    fn spent(&self) -> bool {
        self.0 == Some(0)
    }
}

struct Follower {
    namespace: String,
    pod: String,
    timestamps: bool,
    interval: Duration,
    appended: broadcast::Receiver<Arc<Appended>>,
    store_events: broadcast::Receiver<Arc<StoreEvent>>,
    budget: Budget,
    tx: mpsc::Sender<Bytes>,
}

impl Follower {
    fn is_this_pod_deleted(&self, event: &StoreEvent) -> bool {
        event.kind == EventType::Deleted
            && event.resource.plural == "pods"
            && event.object["metadata"]["namespace"] == self.namespace.as_str()
            && event.object["metadata"]["name"] == self.pod.as_str()
    }

    /// Sends the backlog, then (when following) new lines until the client goes away (the
    /// receiver is dropped), the pod is deleted or `limitBytes` is spent. Dropping the sender
    /// ends the response.
    async fn run(mut self, backlog: Bytes, follow: bool) {
        if !backlog.is_empty() && self.tx.send(backlog).await.is_err() {
            return;
        }
        if !follow || self.budget.spent() {
            return;
        }
        let mut ticker = tokio::time::interval(self.interval);
        ticker.tick().await;
        let mut tick = 0u64;
        loop {
            let line = tokio::select! {
                _ = self.tx.closed() => return,
                _ = ticker.tick() => {
                    tick += 1;
                    LogLine {
                        at: Timestamp::now(),
                        text: format!("10.244.0.1 - - \"GET / HTTP/1.1\" 200 615 \"-\" \"curl/8.5.0\" tick={tick}"),
                    }
                }
                appended = self.appended.recv() => match appended {
                    Ok(a) if a.namespace == self.namespace && a.pod == self.pod => a.line.clone(),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                event = self.store_events.recv() => match event {
                    Ok(e) if self.is_this_pod_deleted(&e) => return,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            let chunk = self
                .budget
                .take(Bytes::from(render(&line, self.timestamps)));
            if self.tx.send(chunk).await.is_err() || self.budget.spent() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_book_keeps_a_bounded_tail_and_forgets_deleted_pods() {
        let book = LogBook::default();
        for i in 0..MAX_LINES_PER_POD + 10 {
            book.append("default", "chatty", &format!("line {i}"));
        }
        assert_eq!(book.len("default", "chatty"), MAX_LINES_PER_POD);
        let (lines, _) = book.snapshot("default", "chatty");
        assert_eq!(lines[0].text, "line 10", "the oldest lines go first");
        book.forget("default", "chatty");
        assert_eq!(book.len("default", "chatty"), 0);
    }

    #[test]
    fn limit_bytes_cuts_the_stream() {
        let mut budget = Budget(Some(5));
        assert_eq!(budget.take(Bytes::from_static(b"abc")), "abc");
        assert_eq!(budget.take(Bytes::from_static(b"defgh")), "de");
        assert!(budget.spent());
        assert_eq!(Budget(None).take(Bytes::from_static(b"all")), "all");
    }
}
