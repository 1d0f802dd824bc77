//! A compact JWS taken apart without trusting any of it, and the time and audience rules applied to
//! its claims once the signature has verified.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::auth::error::AssertionRefusal;

/// Clock skew tolerated between the proxy and Lamplight.
pub const LEEWAY_SECS: i64 = 30;

pub struct Parsed<'a> {
    pub header: Value,
    pub claims: Value,
    /// `header.payload`, exactly as received: what the signature covers.
    pub signing_input: &'a str,
    pub signature: Vec<u8>,
}

impl Parsed<'_> {
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }
}

/// AWS ALB pads its base64url segments with `=`, which JWT libraries reject; the signature covers
/// the segments as sent, so only the decoding is lenient.
fn decode_segment(segment: &str) -> Result<Vec<u8>, AssertionRefusal> {
    URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| AssertionRefusal::Malformed)
}

pub fn parse(token: &str) -> Result<Parsed<'_>, AssertionRefusal> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AssertionRefusal::Malformed);
    };
    if signature.is_empty() {
        // `alg: none` tokens end with an empty signature.
        return Err(AssertionRefusal::Algorithm("none".to_string()));
    }
    let json = |segment: &str| -> Result<Value, AssertionRefusal> {
        let value: Value = serde_json::from_slice(&decode_segment(segment)?)
            .map_err(|_| AssertionRefusal::Malformed)?;
        value
            .is_object()
            .then_some(value)
            .ok_or(AssertionRefusal::Malformed)
    };
    let header_json = json(header)?;
    let claims = json(payload)?;
    Ok(Parsed {
        header: header_json,
        claims,
        signing_input: &token[..header.len() + 1 + payload.len()],
        signature: decode_segment(signature)?,
    })
}

/// What the claims must say besides the signature.
pub struct Expectations<'a> {
    pub issuer: Option<&'a str>,
    pub audience: &'a str,
    /// AWS ALB: the audience is the load balancer's ARN in the token header's `signer`.
    pub audience_in_signer: bool,
}

fn number(value: Option<&Value>) -> Option<i64> {
    value.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

/// Time, issuer and audience checks, with `now` in Unix seconds.
pub fn check_claims(
    parsed: &Parsed<'_>,
    expect: &Expectations<'_>,
    now: i64,
) -> Result<(), AssertionRefusal> {
    let claim = |name: &str| {
        parsed.claims.get(name).or_else(|| {
            parsed
                .header
                .get(name)
                .filter(|_| expect.audience_in_signer)
        })
    };
    let expiry = number(claim("exp")).ok_or(AssertionRefusal::NoExpiry)?;
    if expiry + LEEWAY_SECS <= now {
        return Err(AssertionRefusal::Expired);
    }
    if number(claim("nbf")).is_some_and(|nbf| nbf - LEEWAY_SECS > now) {
        return Err(AssertionRefusal::NotYetValid);
    }
    if number(claim("iat")).is_some_and(|iat| iat - LEEWAY_SECS > now) {
        return Err(AssertionRefusal::IssuedInFuture);
    }
    if let Some(issuer) = expect.issuer
        && claim("iss").and_then(Value::as_str) != Some(issuer)
    {
        return Err(AssertionRefusal::WrongIssuer);
    }
    if expect.audience_in_signer {
        if parsed.header.get("signer").and_then(Value::as_str) != Some(expect.audience) {
            return Err(AssertionRefusal::WrongSigner);
        }
        return Ok(());
    }
    let audience_matches = match parsed.claims.get("aud") {
        Some(Value::String(aud)) => aud == expect.audience,
        Some(Value::Array(auds)) => auds.iter().any(|aud| aud.as_str() == Some(expect.audience)),
        _ => false,
    };
    audience_matches
        .then_some(())
        .ok_or(AssertionRefusal::WrongAudience)
}

/// A claim by dotted path (`realm_access.roles`).
pub fn lookup<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(claims, |value, key| value.get(key))
}

pub fn string_claim(claims: &Value, path: &str) -> Option<String> {
    match lookup(claims, path)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        _ => None,
    }
}

/// A list claim, or a comma-separated string; `None` when the claim is absent.
pub fn list_claim(claims: &Value, path: &str) -> Option<Vec<String>> {
    let mut items: Vec<String> = Vec::new();
    let mut push = |item: &str| {
        let item = item.trim();
        if !item.is_empty() && !items.iter().any(|seen| seen == item) {
            items.push(item.to_string());
        }
    };
    match lookup(claims, path)? {
        Value::Array(values) => values.iter().filter_map(Value::as_str).for_each(&mut push),
        Value::String(text) => text.split(',').for_each(&mut push),
        _ => return None,
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(header: &Value, claims: &Value, pad: bool) -> String {
        let encode = |value: &Value| {
            let text = URL_SAFE_NO_PAD.encode(value.to_string());
            if pad {
                let padding = (4 - text.len() % 4) % 4;
                format!("{text}{}", "=".repeat(padding))
            } else {
                text
            }
        };
        format!("{}.{}.c2ln", encode(header), encode(claims))
    }

    #[test]
    fn padded_segments_parse_and_the_signing_input_is_kept_as_sent() {
        let text = token(
            &json!({"alg": "ES256", "kid": "k"}),
            &json!({"sub": "a"}),
            true,
        );
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.kid(), Some("k"));
        assert_eq!(parsed.claims["sub"], "a");
        assert!(text.starts_with(parsed.signing_input));
        assert!(parsed.signing_input.contains('='));
    }

    #[test]
    fn unsigned_and_malformed_tokens_are_refused() {
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"admin"}"#)
        );
        assert!(matches!(
            parse(&unsigned),
            Err(AssertionRefusal::Algorithm(_))
        ));
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!", "e30.W10.c2ln"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_issuer_and_audience_rules() {
        let now = 1_000_000;
        let expect = Expectations {
            issuer: Some("https://issuer"),
            audience: "app",
            audience_in_signer: false,
        };
        let check = |claims: Value| {
            let text = token(&json!({"alg": "ES256"}), &claims, false);
            check_claims(&parse(&text).unwrap(), &expect, now)
        };
        let good = json!({"iss": "https://issuer", "aud": "app", "exp": now + 60, "iat": now});
        assert_eq!(check(good.clone()), Ok(()));
        let with = |key: &str, value: Value| {
            let mut claims = good.clone();
            claims[key] = value;
            check(claims)
        };
        assert_eq!(with("exp", json!(now - 31)), Err(AssertionRefusal::Expired));
        assert_eq!(with("exp", json!(now - 29)), Ok(()), "within the skew");
        assert_eq!(
            with("nbf", json!(now + 31)),
            Err(AssertionRefusal::NotYetValid)
        );
        assert_eq!(
            with("iat", json!(now + 600)),
            Err(AssertionRefusal::IssuedInFuture)
        );
        assert_eq!(
            with("iss", json!("https://other")),
            Err(AssertionRefusal::WrongIssuer)
        );
        assert_eq!(
            with("aud", json!("other")),
            Err(AssertionRefusal::WrongAudience)
        );
        assert_eq!(with("aud", json!(["other", "app"])), Ok(()));
        let mut no_expiry = good;
        no_expiry.as_object_mut().unwrap().remove("exp");
        assert_eq!(check(no_expiry), Err(AssertionRefusal::NoExpiry));
    }

    #[test]
    fn the_load_balancer_is_checked_in_the_header() {
        let expect = Expectations {
            issuer: None,
            audience: "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/a/b",
            audience_in_signer: true,
        };
        let header = |signer: &str| json!({"alg": "ES256", "signer": signer, "exp": 2_000});
        let ours = token(&header(expect.audience), &json!({"sub": "a"}), true);
        assert_eq!(check_claims(&parse(&ours).unwrap(), &expect, 1_000), Ok(()));
        let theirs = token(&header("arn:aws:other"), &json!({"sub": "a"}), true);
        assert_eq!(
            check_claims(&parse(&theirs).unwrap(), &expect, 1_000),
            Err(AssertionRefusal::WrongSigner)
        );
    }
}
