//! Headlamp's `me-*-path` settings: claim names tried in order, dots for nesting
//! (`realm_access.roles`).

use base64::Engine;
use serde_json::Value;

/// The payload of a JWT whose signature has already been verified.
pub fn payload(token: &str) -> Option<Value> {
    let encoded = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn lookup<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(claims, |value, key| value.get(key))
}

pub fn first_string(claims: &Value, paths: &[String]) -> Option<String> {
    paths.iter().find_map(|path| match lookup(claims, path)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    })
}

pub fn first_list(claims: &Value, paths: &[String]) -> Vec<String> {
    paths
        .iter()
        .find_map(|path| match lookup(claims, path)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
            ),
            Value::String(text) => Some(
                text.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn paths_are_tried_in_order_with_nesting() {
        let claims =
            json!({"upn": "alice@corp", "realm_access": {"roles": ["admin", "dev"]}, "name": ""});
        assert_eq!(
            first_string(&claims, &paths(&["preferred_username", "upn"])).as_deref(),
            Some("alice@corp")
        );
        assert_eq!(first_string(&claims, &paths(&["name"])), None);
        assert_eq!(
            first_list(&claims, &paths(&["groups", "realm_access.roles"])),
            ["admin", "dev"]
        );
        assert!(first_list(&claims, &paths(&["groups"])).is_empty());
    }
}
