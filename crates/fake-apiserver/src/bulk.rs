//! The `bulk` namespace: configmaps made up while the list is written, never held at once.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Value, json};

use crate::http::{Representation, response};
use crate::paging;
use crate::resources::ResourceType;
use crate::selectors::Selector;
use crate::state::{BulkConfig, Options};
use crate::table::{IncludeObject, TablePrinter, partial_metadata};

pub const NAMESPACE: &str = "bulk";
const CHUNK: usize = 64 * 1024;

fn name(index: usize) -> String {
    format!("bulk-{index:06}")
}

fn index_of(name: &str, config: &BulkConfig) -> Option<usize> {
    let index: usize = name.strip_prefix("bulk-")?.parse().ok()?;
    (index < config.count && self::name(index) == name).then_some(index)
}

/// Item `index`, the same every time it is generated.
pub fn item(index: usize, config: &BulkConfig, options: &Options) -> Value {
    const PATTERN: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let payload: String = (0..config.bytes_each)
        .map(|i| PATTERN[(i + index) % PATTERN.len()] as char)
        .collect();
    json!({
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "name": name(index),
            "namespace": NAMESPACE,
            "uid": format!("00000000-0000-4000-8000-{index:012}"),
            "resourceVersion": options.seeded_rv.to_string(),
            "creationTimestamp": options.started,
            "labels": {"app": "bulk", "shard": (index % 10).to_string()},
        },
        "data": {"index": index.to_string(), "payload": payload},
    })
}

pub fn get(name: &str, options: &Options) -> Option<Value> {
    let config = options.bulk?;
    index_of(name, &config).map(|index| item(index, &config, options))
}

/// What one list request asked for.
pub struct BulkList {
    pub selector: Selector,
    pub limit: Option<usize>,
    pub continue_after: Option<String>,
    pub representation: Representation,
    pub include: IncludeObject,
}

enum Shape {
    List,
    Table(TablePrinter),
    Metadata(&'static str),
}

struct Writer {
    config: BulkConfig,
    options: Options,
    list: BulkList,
    shape: Shape,
    next: usize,
    written: usize,
    finished: bool,
}

impl Writer {
    /// `metadata` goes last: only at the end is it known whether a `continue` token is due.
    fn header(&self) -> String {
        match &self.shape {
            Shape::List => r#"{"kind":"ConfigMapList","apiVersion":"v1","items":["#.to_string(),
            Shape::Table(printer) => format!(
                r#"{{"kind":"Table","apiVersion":"{}","columnDefinitions":{},"rows":["#,
                printer.meta_version(),
                printer.column_definitions()
            ),
            Shape::Metadata(version) => format!(
                r#"{{"kind":"PartialObjectMetadataList","apiVersion":"{version}","items":["#
            ),
        }
    }

    fn footer(&self) -> String {
        let mut metadata = json!({"resourceVersion": self.options.seeded_rv.to_string()});
        if self.next < self.config.count {
            metadata["continue"] = json!(paging::encode(NAMESPACE, &name(self.next - 1)));
            metadata["remainingItemCount"] = json!(self.config.count - self.next);
        }
        format!("],\"metadata\":{metadata}}}")
    }

    fn encode(&self, object: &Value) -> Value {
        match &self.shape {
            Shape::List => {
                let mut object = object.clone();
                if let Some(map) = object.as_object_mut() {
                    map.remove("kind");
                    map.remove("apiVersion");
                }
                object
            }
            Shape::Table(printer) => printer.row(object),
            Shape::Metadata(version) => partial_metadata(object, version),
        }
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        if self.finished {
            return None;
        }
        let mut chunk = BytesMut::with_capacity(CHUNK + self.config.bytes_each);
        let limit = self.list.limit.unwrap_or(usize::MAX);
        while chunk.len() < CHUNK {
            if self.next >= self.config.count || self.written >= limit {
                chunk.put_slice(self.footer().as_bytes());
                self.finished = true;
                break;
            }
            let object = item(self.next, &self.config, &self.options);
            self.next += 1;
            if !self.list.selector.matches(&object) {
                continue;
            }
            if self.written > 0 {
                chunk.put_u8(b',');
            }
            self.written += 1;
            chunk.put_slice(self.encode(&object).to_string().as_bytes());
        }
        Some(chunk.freeze())
    }
}

/// Callers check that bulk configmaps are configured; without them the list is empty.
pub fn list(resource: &ResourceType, options: &Options, list: BulkList) -> HttpResponse {
    let config = options.bulk.unwrap_or(BulkConfig {
        count: 0,
        bytes_each: 0,
    });
    let shape = match list.representation {
        Representation::Object => Shape::List,
        Representation::Table(version) => {
            Shape::Table(TablePrinter::new(resource, version, list.include))
        }
        Representation::Metadata(version) => Shape::Metadata(version),
    };
    let next = list
        .continue_after
        .as_deref()
        .and_then(|after| index_of(after, &config))
        .map_or(0, |i| i + 1);
    let writer = Writer {
        config,
        options: options.clone(),
        list,
        shape,
        next,
        written: 0,
        finished: false,
    };
    let header = Bytes::from(writer.header());
    let body =
        futures_util::stream::unfold((Some(header), writer), |(header, mut writer)| async move {
            let chunk = match header {
                Some(header) => header,
                None => writer.next_chunk()?,
            };
            Some((Ok::<_, actix_web::Error>(chunk), (None, writer)))
        });
    response(StatusCode::OK)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .streaming(body)
}
