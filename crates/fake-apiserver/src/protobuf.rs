//! Reads the Kubernetes protobuf request bodies kubectl sends where JSON would not do.
//!
//! kubectl's typed clients post protobuf: `create configmap|secret|namespace|deployment|
//! service`, `run`, `expose`, `auth can-i`. The bodies are decoded into the JSON the same
//! objects would have had, using the field tables in [`schemas`]; every answer of this server
//! stays JSON, which kubectl accepts whatever it asked for.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value, json};

use crate::clock;
use crate::status::ApiError;

pub mod schemas;

use schemas::{Field, Kind};

/// Kubernetes protobuf bodies start with this, then a `runtime.Unknown` envelope.
const MAGIC: &[u8] = b"k8s\0";

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn varint(data: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = data.split_first()?;
        *data = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Every field of one message, in wire order.
fn fields(mut data: &[u8]) -> Option<Vec<(u64, Wire<'_>)>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let key = varint(&mut data)?;
        let wire = match key & 7 {
            0 => Wire::Varint(varint(&mut data)?),
            1 => {
                data = data.get(8..)?;
                Wire::Fixed
            }
            2 => {
                let len = usize::try_from(varint(&mut data)?).ok()?;
                let value = data.get(..len)?;
                data = &data[len..];
                Wire::Bytes(value)
            }
            5 => {
                data = data.get(4..)?;
                Wire::Fixed
            }
            _ => return None,
        };
        out.push((key >> 3, wire));
    }
    Some(out)
}

fn bytes_field(data: &[u8], number: u64) -> Option<&[u8]> {
    fields(data)?.into_iter().find_map(|(n, wire)| match wire {
        Wire::Bytes(bytes) if n == number => Some(bytes),
        _ => None,
    })
}

/// The object inside the `runtime.Unknown` envelope.
fn unwrap_envelope(body: &[u8]) -> Option<&[u8]> {
    bytes_field(body.strip_prefix(MAGIC)?, 2)
}

fn text(bytes: &[u8]) -> Value {
    json!(String::from_utf8_lossy(bytes))
}

/// gogo-protobuf writes non-pointer fields even when empty; JSON would have omitted them.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(b) => !b,
        Value::Null => true,
        _ => false,
    }
}

fn scalar(kind: &Kind, wire: &Wire) -> Option<Value> {
    Some(match (kind, wire) {
        (Kind::String, Wire::Bytes(b)) => text(b),
        (Kind::Bytes, Wire::Bytes(b)) => json!(BASE64.encode(b)),
        // Negative int32/int64 arrive sign-extended to 64 bits.
        (Kind::Int, Wire::Varint(v)) => json!(*v as i64),
        (Kind::Bool, Wire::Varint(v)) => json!(*v != 0),
        (Kind::Message(schema), Wire::Bytes(b)) => decode(b, schema)?,
        (Kind::Time, Wire::Bytes(b)) => time(b)?,
        (Kind::IntOrString, Wire::Bytes(b)) => int_or_string(b)?,
        (Kind::Quantity, Wire::Bytes(b)) => bytes_field(b, 1).map(text).unwrap_or(json!("0")),
        _ => return None,
    })
}

/// `metav1.Time`; the zero time, which Go always writes, means "unset".
fn time(data: &[u8]) -> Option<Value> {
    let seconds = fields(data)?.into_iter().find_map(|(n, wire)| match wire {
        Wire::Varint(v) if n == 1 => Some(v as i64),
        _ => None,
    });
    match seconds {
        None | Some(0) => Some(Value::Null),
        Some(seconds) => {
            let at = jiff::Timestamp::from_second(seconds).ok()?;
            Some(json!(clock::timestamp(at)))
        }
    }
}

fn int_or_string(data: &[u8]) -> Option<Value> {
    let mut is_string = false;
    let (mut int, mut string) = (0i64, Value::Null);
    for (number, wire) in fields(data)? {
        match (number, wire) {
            (1, Wire::Varint(v)) => is_string = v == 1,
            (2, Wire::Varint(v)) => int = v as i64,
            (3, Wire::Bytes(b)) => string = text(b),
            _ => {}
        }
    }
    Some(if is_string { string } else { json!(int) })
}

/// A map entry message: key = 1, value = 2.
fn map_entry(data: &[u8], value_kind: &Kind) -> Option<(String, Value)> {
    let mut key = String::new();
    let mut value = Value::Null;
    for (number, wire) in fields(data)? {
        match (number, &wire) {
            (1, Wire::Bytes(b)) => key = String::from_utf8_lossy(b).into_owned(),
            (2, _) => value = scalar(value_kind, &wire)?,
            _ => {}
        }
    }
    if value.is_null() {
        value = match value_kind {
            Kind::Bytes | Kind::String => json!(""),
            _ => Value::Null,
        };
    }
    Some((key, value))
}

/// Decodes one message into JSON with the field names of its schema; unknown fields are
/// skipped, so objects lose only what the tables do not list.
pub fn decode(data: &[u8], schema: &[Field]) -> Option<Value> {
    let mut object = Map::new();
    for (number, wire) in fields(data)? {
        let Some(field) = schema.iter().find(|f| f.number == number) else {
            continue;
        };
        if let Kind::Map(value_kind) = &field.kind {
            let Wire::Bytes(entry) = wire else {
                return None;
            };
            let (key, value) = map_entry(entry, value_kind)?;
            object
                .entry(field.name)
                .or_insert_with(|| json!({}))
                .as_object_mut()?
                .insert(key, value);
            continue;
        }
        let value = scalar(&field.kind, &wire)?;
        if field.repeated {
            object
                .entry(field.name)
                .or_insert_with(|| json!([]))
                .as_array_mut()?
                .push(value);
        } else if !is_zero(&value) {
            object.insert(field.name.to_string(), value);
        }
    }
    Some(Value::Object(object))
}

/// A protobuf create/update body for `kind`, as the JSON object it stands for.
pub fn decode_object(kind: &str, body: &[u8]) -> Result<Value, ApiError> {
    let schema = schemas::for_kind(kind).ok_or_else(|| {
        ApiError::unsupported_media_type(&format!(
            "application/vnd.kubernetes.protobuf (this server decodes protobuf {} only; send JSON)",
            schemas::KINDS.join(", ")
        ))
    })?;
    unwrap_envelope(body)
        .and_then(|object| decode(object, schema))
        .ok_or_else(|| ApiError::bad_request(format!("cannot decode the protobuf {kind}")))
}

/// `spec` (field 2) of a protobuf review, decoded with the review's spec schema.
pub fn review_spec(body: &[u8], spec: &[Field]) -> Option<Value> {
    let review = unwrap_envelope(body)?;
    decode(bytes_field(review, 2).unwrap_or_default(), spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(number: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![number << 3 | 2, value.len() as u8];
        out.extend_from_slice(value);
        out
    }

    fn envelope(object: &[u8]) -> Vec<u8> {
        [MAGIC, &field(1, b""), &field(2, object)].concat()
    }

    #[test]
    fn reads_access_review_attributes() {
        let attributes = [field(1, b"default"), field(2, b"get"), field(5, b"secrets")].concat();
        let review = [field(1, b""), field(2, &field(1, &attributes))].concat();
        assert_eq!(
            review_spec(&envelope(&review), schemas::ACCESS_REVIEW_SPEC).unwrap(),
            json!({"resourceAttributes": {"namespace": "default", "verb": "get", "resource": "secrets"}})
        );
    }

    #[test]
    fn reads_a_configmap_like_kubectl_writes_it() {
        let time = field(8, b"");
        let metadata = [
            field(1, b"made"),
            field(2, b""),
            time,
            field(11, &[field(1, b"app"), field(2, b"demo")].concat()),
        ]
        .concat();
        let configmap = [
            field(1, &metadata),
            field(2, &[field(1, b"a"), field(2, b"b")].concat()),
        ]
        .concat();
        assert_eq!(
            decode_object("ConfigMap", &envelope(&configmap)).unwrap(),
            json!({"metadata": {"name": "made", "labels": {"app": "demo"}}, "data": {"a": "b"}})
        );
        assert!(decode_object("Widget", &envelope(&configmap)).is_err());
    }
}
