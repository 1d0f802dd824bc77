//! `pods/log`: stored lines, `tailLines`/`timestamps`, and `follow=true` streams that tick.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use bytes::Bytes;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::{broadcast, mpsc};

use crate::clock;
use crate::http::{Query, channel_body, response};
use crate::resources::ResourceType;
use crate::state::Shared;
use crate::status::ApiError;
use crate::store::{EventType, StoreEvent};

#[derive(Debug, Clone)]
struct LogLine {
    at: OffsetDateTime,
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
    lines: Mutex<HashMap<(String, String), Vec<LogLine>>>,
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
    pub fn append(&self, namespace: &str, pod: &str, text: &str) {
        let line = LogLine {
            at: OffsetDateTime::now_utc(),
            text: text.trim_end_matches('\n').to_string(),
        };
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines
            .entry((namespace.to_string(), pod.to_string()))
            .or_default()
            .push(line.clone());
        // Sent under the lock so a follower's backlog and live lines never overlap.
        let _ = self.appended.send(Arc::new(Appended {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            line,
        }));
    }

    fn snapshot(
        &self,
        namespace: &str,
        pod: &str,
    ) -> (Vec<LogLine>, broadcast::Receiver<Arc<Appended>>) {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let backlog = lines
            .get(&(namespace.to_string(), pod.to_string()))
            .cloned()
            .unwrap_or_default();
        (backlog, self.appended.subscribe())
    }
}

struct LogOptions {
    timestamps: bool,
    tail: Option<usize>,
    since: Option<OffsetDateTime>,
    follow: bool,
}

fn render(line: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!("{} {}\n", clock::nano_timestamp(line.at), line.text)
    } else {
        format!("{}\n", line.text)
    }
}

/// The pod a `log` or `exec` request names, refused unless its `container` (if given) exists.
pub fn pod_with_container(
    shared: &Arc<Shared>,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<Value, ApiError> {
    let pod = shared
        .store
        .get(pods, namespace, name)
        .ok_or_else(|| ApiError::not_found("pods", "", name))?;
    validate_container(&pod, query.get("container"))?;
    Ok(pod)
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

pub fn pod_logs(
    shared: &Arc<Shared>,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<HttpResponse, ApiError> {
    pod_with_container(shared, pods, namespace, name, query)?;
    let parse_number = |key: &str| -> Result<Option<i64>, ApiError> {
        query
            .get(key)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid {key}: {v:?}")))
            })
            .transpose()
    };
    let options = LogOptions {
        timestamps: query.flag("timestamps"),
        tail: parse_number("tailLines")?.map(|n| n.max(0) as usize),
        since: parse_number("sinceSeconds")?
            .map(|s| OffsetDateTime::now_utc() - Duration::from_secs(s.max(0) as u64)),
        follow: query.flag("follow"),
    };
    let (mut backlog, appended) = shared.logs.snapshot(namespace, name);
    if let Some(since) = options.since {
        backlog.retain(|l| l.at >= since);
    }
    if let Some(tail) = options.tail {
        backlog.drain(..backlog.len().saturating_sub(tail));
    }
    let text: String = backlog
        .iter()
        .map(|l| render(l, options.timestamps))
        .collect();
    let builder = || {
        let mut b = response(StatusCode::OK);
        b.insert_header((header::CONTENT_TYPE, "text/plain"));
        b
    };
    if !options.follow {
        return Ok(builder().body(text));
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let follower = Follower {
        namespace: namespace.to_string(),
        pod: name.to_string(),
        timestamps: options.timestamps,
        interval: shared.options.log_interval,
        appended,
        store_events: shared.store.events(),
        tx,
    };
    actix_web::rt::spawn(follower.run(Bytes::from(text)));
    Ok(builder().streaming(channel_body(rx)))
}

struct Follower {
    namespace: String,
    pod: String,
    timestamps: bool,
    interval: Duration,
    appended: broadcast::Receiver<Arc<Appended>>,
    store_events: broadcast::Receiver<Arc<StoreEvent>>,
    tx: mpsc::Sender<Bytes>,
}

impl Follower {
    fn is_this_pod_deleted(&self, event: &StoreEvent) -> bool {
        event.kind == EventType::Deleted
            && event.resource.plural == "pods"
            && event.object["metadata"]["namespace"] == self.namespace.as_str()
            && event.object["metadata"]["name"] == self.pod.as_str()
    }

    /// Ends when the client goes away (the body, and so the receiver, is dropped) or the pod
    /// is deleted.
    async fn run(mut self, backlog: Bytes) {
        if !backlog.is_empty() && self.tx.send(backlog).await.is_err() {
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
                        at: OffsetDateTime::now_utc(),
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
            if self
                .tx
                .send(Bytes::from(render(&line, self.timestamps)))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}
