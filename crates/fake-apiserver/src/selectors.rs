//! `labelSelector` and `fieldSelector` query parameters.

use serde_json::Value;

use crate::status::ApiError;

#[derive(Debug, Clone, PartialEq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

#[derive(Debug, Clone, PartialEq)]
enum FieldRequirement {
    Equals(String, String),
    NotEquals(String, String),
}

/// Both selectors of a request; an object must satisfy every requirement.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    labels: Vec<LabelRequirement>,
    fields: Vec<FieldRequirement>,
}

impl Selector {
    pub fn parse(label: Option<&str>, field: Option<&str>) -> Result<Self, ApiError> {
        Ok(Selector {
            labels: parse_labels(label.unwrap_or_default())?,
            fields: parse_fields(field.unwrap_or_default())?,
        })
    }

    /// A `metav1.LabelSelector` (`matchLabels`, `matchExpressions`), as a PodDisruptionBudget
    /// holds one; an empty one selects everything.
    pub fn from_label_selector(selector: &Value) -> Self {
        let mut labels: Vec<LabelRequirement> = selector["matchLabels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                LabelRequirement::Equals(k.clone(), v.as_str().unwrap_or_default().into())
            })
            .collect();
        for expression in selector["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let key = expression["key"].as_str().unwrap_or_default().to_string();
            let values: Vec<String> = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            labels.push(match expression["operator"].as_str() {
                Some("In") => LabelRequirement::In(key, values),
                Some("NotIn") => LabelRequirement::NotIn(key, values),
                Some("DoesNotExist") => LabelRequirement::DoesNotExist(key),
                _ => LabelRequirement::Exists(key),
            });
        }
        Selector {
            labels,
            fields: Vec::new(),
        }
    }

    pub fn matches(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        let labels_match = self.labels.iter().all(|req| match req {
            LabelRequirement::Equals(k, v) => label(k) == Some(v.as_str()),
            LabelRequirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            LabelRequirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::NotIn(k, vs) => !label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            LabelRequirement::Exists(k) => label(k).is_some(),
            LabelRequirement::DoesNotExist(k) => label(k).is_none(),
        });
        labels_match
            && self.fields.iter().all(|req| match req {
                FieldRequirement::Equals(path, v) => field_value(object, path) == *v,
                FieldRequirement::NotEquals(path, v) => field_value(object, path) != *v,
            })
    }
}

/// Fields are compared as the strings the real server's field sets hold; absent ones are "".
fn field_value(object: &Value, path: &str) -> String {
    let value = path
        .split('.')
        .try_fold(object, |value, key| value.get(key));
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Splits on commas that are not inside an `in (a,b)` value list.
fn split_terms(input: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&input[start..]);
    terms
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_labels(input: &str) -> Result<Vec<LabelRequirement>, ApiError> {
    split_terms(input)
        .into_iter()
        .map(|term| {
            let invalid = || ApiError::bad_request(format!("unable to parse requirement: {term}"));
            if let Some(key) = term.strip_prefix('!') {
                return Ok(LabelRequirement::DoesNotExist(key.trim().to_string()));
            }
            for (word, set_op) in [(" notin ", false), (" in ", true)] {
                if let Some((key, values)) = term.split_once(word) {
                    let values = values
                        .trim()
                        .strip_prefix('(')
                        .and_then(|v| v.strip_suffix(')'))
                        .ok_or_else(invalid)?
                        .split(',')
                        .map(|v| v.trim().to_string())
                        .collect();
                    let key = key.trim().to_string();
                    return Ok(if set_op {
                        LabelRequirement::In(key, values)
                    } else {
                        LabelRequirement::NotIn(key, values)
                    });
                }
            }
            Ok(match split_operator(term) {
                Some((k, true, v)) => LabelRequirement::Equals(k, v),
                Some((k, false, v)) => LabelRequirement::NotEquals(k, v),
                None if is_label_key(term) => LabelRequirement::Exists(term.to_string()),
                None => return Err(invalid()),
            })
        })
        .collect()
}

fn parse_fields(input: &str) -> Result<Vec<FieldRequirement>, ApiError> {
    split_terms(input)
        .into_iter()
        .map(|term| match split_operator(term) {
            Some((k, true, v)) => Ok(FieldRequirement::Equals(k, v)),
            Some((k, false, v)) => Ok(FieldRequirement::NotEquals(k, v)),
            None => Err(ApiError::bad_request(format!(
                "invalid selector: '{term}'; can't understand '{term}'"
            ))),
        })
        .collect()
}

/// `k!=v`, `k==v` or `k=v` as (key, is-equality, value).
fn split_operator(term: &str) -> Option<(String, bool, String)> {
    let pair = |(k, v): (&str, &str)| (k.trim().to_string(), v.trim().to_string());
    if let Some(kv) = term.split_once("!=") {
        let (k, v) = pair(kv);
        return Some((k, false, v));
    }
    term.split_once("==")
        .or_else(|| term.split_once('='))
        .map(|kv| {
            let (k, v) = pair(kv);
            (k, true, v)
        })
}

fn is_label_key(term: &str) -> bool {
    term.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object() -> Value {
        json!({"metadata": {"name": "web-1", "namespace": "default",
            "labels": {"app": "web", "tier": "front"}}, "spec": {"nodeName": "node-1"}})
    }

    fn matches(label: &str, field: &str) -> bool {
        Selector::parse(Some(label), Some(field))
            .unwrap()
            .matches(&object())
    }

    #[test]
    fn label_operators() {
        assert!(matches("app=web,tier!=db", ""));
        assert!(!matches("app=web,tier!=front", ""));
        assert!(matches("app in (web, api),!missing", ""));
        assert!(!matches("app notin (web)", ""));
        assert!(matches("tier", ""));
        assert!(!matches("app==api", ""));
    }

    #[test]
    fn field_paths() {
        assert!(matches(
            "",
            "metadata.name=web-1,metadata.namespace=default"
        ));
        assert!(matches("", "spec.nodeName==node-1"));
        assert!(!matches("", "metadata.name!=web-1"));
        assert!(Selector::parse(None, Some("nonsense")).is_err());
    }
}
