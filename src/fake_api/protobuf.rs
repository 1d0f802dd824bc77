//! Reads the few protobuf request bodies kubectl sends where JSON would not do.
//!
//! kubectl posts access reviews (`auth can-i`) as protobuf; everything else it sends as JSON,
//! and every answer of this server is JSON, which kubectl accepts.

use serde_json::{Map, Value, json};

const MAGIC: &[u8] = b"k8s\0";

/// Length-delimited fields of one message, by field number, in order.
fn fields(mut data: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let key = varint(&mut data)?;
        match key & 7 {
            0 => {
                varint(&mut data)?;
            }
            1 => data = data.get(8..)?,
            2 => {
                let len = usize::try_from(varint(&mut data)?).ok()?;
                let value = data.get(..len)?;
                out.push((key >> 3, value));
                data = &data[len..];
            }
            5 => data = data.get(4..)?,
            _ => return None,
        }
    }
    Some(out)
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

fn field(data: &[u8], number: u64) -> Option<&[u8]> {
    fields(data)?
        .into_iter()
        .find(|(n, _)| *n == number)
        .map(|(_, v)| v)
}

/// The object inside the `runtime.Unknown` envelope of a Kubernetes protobuf body.
fn unwrap_envelope(body: &[u8]) -> Option<&[u8]> {
    field(body.strip_prefix(MAGIC)?, 2)
}

/// `spec.resourceAttributes` of a protobuf `SelfSubjectAccessReview`, as JSON.
pub fn access_review_attributes(body: &[u8]) -> Option<Value> {
    let review = unwrap_envelope(body)?;
    let spec = field(review, 2)?;
    let Some(attributes) = field(spec, 1) else {
        return Some(json!({}));
    };
    const NAMES: [&str; 7] = [
        "namespace",
        "verb",
        "group",
        "version",
        "resource",
        "subresource",
        "name",
    ];
    let mut map = Map::new();
    for (number, value) in fields(attributes)? {
        if let Some(name) = usize::try_from(number)
            .ok()
            .and_then(|n| NAMES.get(n.checked_sub(1)?))
        {
            map.insert(name.to_string(), json!(String::from_utf8_lossy(value)));
        }
    }
    Some(json!({"resourceAttributes": map}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(fields: &[(u8, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (number, value) in fields {
            out.push(number << 3 | 2);
            out.push(value.len() as u8);
            out.extend_from_slice(value);
        }
        out
    }

    #[test]
    fn reads_resource_attributes() {
        let attributes = message(&[(1, b"default"), (2, b"get"), (5, b"secrets")]);
        let spec = message(&[(1, &attributes)]);
        let review = message(&[(1, b""), (2, &spec)]);
        let unknown = message(&[(1, b""), (2, &review)]);
        let body = [MAGIC, &unknown].concat();
        assert_eq!(
            access_review_attributes(&body).unwrap(),
            json!({"resourceAttributes": {"namespace": "default", "verb": "get", "resource": "secrets"}})
        );
    }
}
