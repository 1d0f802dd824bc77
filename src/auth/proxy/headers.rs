//! Reading identity headers defensively: exactly one line where one is expected, bounded size, no
//! control characters, and no look-alike names that some proxies fail to strip.

use actix_web::http::header::{HeaderMap, HeaderName};

use crate::auth::error::Problem;

pub const MAX_VALUE_LEN: usize = 8 * 1024;
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// Header names compare equal here if they differ only by `_`/`.` versus `-` (and case, which the
/// `http` crate already folds). Several proxies strip `X-Forwarded-User` but pass `X_Forwarded_User`,
/// which some servers then read as the same header.
pub fn folded(name: &str) -> String {
    name.replace(['_', '.'], "-")
}

/// The first header present whose name folds to an identity header without being it.
pub fn find_look_alike(headers: &HeaderMap, identities: &[&HeaderName]) -> Option<Problem> {
    let identities: Vec<(String, &HeaderName)> = identities
        .iter()
        .map(|name| (folded(name.as_str()), *name))
        .collect();
    headers.keys().find_map(|name| {
        let folded_name = folded(name.as_str());
        identities
            .iter()
            .find(|(folded_identity, identity)| {
                *folded_identity == folded_name && *identity != name
            })
            .map(|(_, identity)| Problem::LookAlike {
                header: name.to_string(),
                identity: (*identity).clone(),
            })
    })
}

/// Names of any identity headers (or look-alikes) the request carries.
pub fn first_identity_header(headers: &HeaderMap, identities: &[&HeaderName]) -> Option<String> {
    let folded_identities: Vec<String> = identities
        .iter()
        .map(|name| folded(name.as_str()))
        .collect();
    headers
        .keys()
        .find(|name| folded_identities.contains(&folded(name.as_str())))
        .map(|name| name.to_string())
}

fn checked(name: &HeaderName, raw: &[u8], limit: usize) -> Result<String, Problem> {
    if raw.len() > limit {
        return Err(Problem::TooLong {
            header: name.clone(),
            limit,
        });
    }
    let text = std::str::from_utf8(raw).map_err(|_| Problem::NotUtf8 {
        header: name.clone(),
    })?;
    if text.chars().any(char::is_control) {
        return Err(Problem::ControlCharacters {
            header: name.clone(),
        });
    }
    Ok(text.trim().to_string())
}

/// A header that must appear at most once. Empty (after trimming) counts as absent.
pub fn single(
    headers: &HeaderMap,
    name: &HeaderName,
    limit: usize,
) -> Result<Option<String>, Problem> {
    let mut values = headers.get_all(name);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Problem::Duplicate {
            header: name.clone(),
        });
    }
    let value = checked(name, first.as_bytes(), limit)?;
    Ok(Some(value).filter(|value| !value.is_empty()))
}

/// Every line of a list header, split on `separator`, trimmed, without empties or repeats.
pub fn list(
    headers: &HeaderMap,
    name: &HeaderName,
    separator: &str,
) -> Result<Vec<String>, Problem> {
    let mut items: Vec<String> = Vec::new();
    for value in headers.get_all(name) {
        let line = checked(name, value.as_bytes(), MAX_VALUE_LEN)?;
        for item in line
            .split(separator)
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            if !items.iter().any(|seen| seen == item) {
                items.push(item.to_string());
            }
        }
    }
    Ok(items)
}

/// Proxies differ on whether they add the scheme; the API server needs the raw token.
pub fn without_bearer_prefix(token: String) -> String {
    match token.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => {
            token[7..].trim_start().to_string()
        }
        _ => token,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn map(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::try_from(*name).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            );
        }
        headers
    }

    #[test]
    fn groups_are_split_trimmed_and_deduplicated_across_lines() {
        let name = HeaderName::from_static("x-forwarded-group");
        let headers = map(&[
            ("x-forwarded-group", b" dev, ops ,,dev"),
            ("x-forwarded-group", b"ops,qa"),
        ]);
        assert_eq!(list(&headers, &name, ",").unwrap(), ["dev", "ops", "qa"]);
    }

    #[test]
    fn bearer_prefix_is_removed_in_any_case() {
        assert_eq!(without_bearer_prefix("Bearer abc".into()), "abc");
        assert_eq!(without_bearer_prefix("bearer  abc".into()), "abc");
        assert_eq!(without_bearer_prefix("Bearerabc".into()), "Bearerabc");
        assert_eq!(without_bearer_prefix("abc".into()), "abc");
    }

    #[test]
    fn look_alikes_are_found_but_the_real_header_is_not() {
        let user = HeaderName::from_static("x-forwarded-user");
        assert!(find_look_alike(&map(&[("x-forwarded-user", b"a")]), &[&user]).is_none());
        for name in ["x_forwarded_user", "x.forwarded.user", "x-forwarded_user"] {
            let found = find_look_alike(&map(&[(name, b"a")]), &[&user]);
            assert!(
                matches!(found, Some(Problem::LookAlike { .. })),
                "{name} not caught"
            );
        }
    }

    #[test]
    fn multibyte_values_are_accepted_and_c1_controls_refused() {
        let name = HeaderName::from_static("x-forwarded-user");
        let ok = map(&[("x-forwarded-user", "José".as_bytes())]);
        assert_eq!(
            single(&ok, &name, MAX_VALUE_LEN).unwrap().as_deref(),
            Some("José")
        );
        let bad = map(&[("x-forwarded-user", "a\u{85}b".as_bytes())]);
        assert!(matches!(
            single(&bad, &name, MAX_VALUE_LEN),
            Err(Problem::ControlCharacters { .. })
        ));
    }
}
