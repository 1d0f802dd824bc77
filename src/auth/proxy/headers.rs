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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Any byte string an HTTP parser would accept as a header value.
        fn value() -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec(prop_oneof![0x20u8..0x7f, Just(b'\t'), 0x80u8..=0xff], 0..64)
        }

        proptest! {
            /// Whatever arrives, `single` answers with a value free of control characters and
            /// surrounding space, or refuses; it never panics.
            #[test]
            fn a_single_value_is_clean_or_refused(raw in value()) {
                let name = HeaderName::from_static("x-forwarded-user");
                let Ok(header) = HeaderValue::from_bytes(&raw) else { return Ok(()) };
                let mut headers = HeaderMap::new();
                headers.insert(name.clone(), header);
                if let Ok(Some(text)) = single(&headers, &name, MAX_VALUE_LEN) {
                    prop_assert!(!text.chars().any(char::is_control), "{:?}", text);
                    prop_assert_eq!(text.trim(), text.as_str());
                    prop_assert!(!text.is_empty());
                }
            }

            /// Two lines of a single-valued header are always refused, whatever they hold.
            #[test]
            fn two_lines_are_always_refused(a in "[ -~]{0,20}", b in "[ -~]{0,20}") {
                let name = HeaderName::from_static("x-forwarded-email");
                let mut headers = HeaderMap::new();
                headers.append(name.clone(), HeaderValue::from_str(&a).unwrap());
                headers.append(name.clone(), HeaderValue::from_str(&b).unwrap());
                let refused = matches!(single(&headers, &name, MAX_VALUE_LEN), Err(Problem::Duplicate { .. }));
                prop_assert!(refused);
            }

            /// Groups come out trimmed, non-empty, free of the separator and without repeats.
            #[test]
            fn groups_are_clean(lines in proptest::collection::vec("[ -~]{0,30}", 0..4), separator in prop::sample::select(vec![",", ";", "|", " "])) {
                let name = HeaderName::from_static("x-forwarded-group");
                let mut headers = HeaderMap::new();
                for line in &lines {
                    headers.append(name.clone(), HeaderValue::from_str(line).unwrap());
                }
                let groups = list(&headers, &name, separator).unwrap();
                for (i, group) in groups.iter().enumerate() {
                    prop_assert!(!group.is_empty());
                    prop_assert_eq!(group.trim(), group.as_str());
                    prop_assert!(!group.contains(separator));
                    prop_assert!(!groups[..i].contains(group));
                }
            }

            /// Any spelling of an identity header's name with `_` or `.` for `-` is a look-alike.
            #[test]
            fn every_underscore_or_dot_spelling_is_a_look_alike(choices in proptest::collection::vec(0usize..3, 2)) {
                let user = HeaderName::from_static("x-forwarded-user");
                let separators = ['-', '_', '.'];
                let name = format!("x{}forwarded{}user", separators[choices[0]], separators[choices[1]]);
                let headers = map(&[(name.as_str(), b"a")]);
                let found = find_look_alike(&headers, &[&user]);
                if name == "x-forwarded-user" {
                    prop_assert!(found.is_none());
                } else {
                    prop_assert!(matches!(found, Some(Problem::LookAlike { .. })), "{}", name);
                }
            }
        }
    }
}
