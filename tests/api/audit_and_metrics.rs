//! What an operator sees of each decision: the real binary's audit lines (pure JSON on standard
//! output) and its Prometheus counters, for a signed-in user's write and for each attack.

use serde_json::{Value, json};
use test_support::signed_assertions::{KeyServer, SigningKey, now};
use test_support::{Binary, RawHttp, RunningBinary, UNTRUSTED};

const HEADER: &str = "X-Test-Assertion";
const AUDIENCE: &str = "lamplight-test";

fn claims(user: &str) -> Value {
    json!({"aud": AUDIENCE, "sub": format!("id-{user}"), "email": format!("{user}@example.com"),
           "iat": now(), "exp": now() + 300})
}

/// A name, the headers it sends, the status it must get and the reason it must be logged with.
type Attack<'a> = (&'a str, Vec<(&'a str, &'a [u8])>, u16, &'a str);

fn audit_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|value| value["kind"] == "audit")
        .collect()
}

/// Waits for the audit line with this reason (the log is written by a thread of its own).
fn wait_for_audit(server: &mut RunningBinary, reason: &str) -> Value {
    let line = server.wait_for(&format!("\"reason\":\"{reason}\""));
    serde_json::from_str(&line).unwrap_or_else(|_| panic!("not one JSON object: {line}"))
}

fn counter(metrics: &str, series: &str) -> u64 {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

#[actix_web::test]
async fn each_refusal_and_each_write_leaves_an_audit_line_and_a_metric() {
    let key = SigningKey::es256("k1");
    let stranger = SigningKey::es256("k1");
    let keys = KeyServer::start(&[&key]);
    let binary = Binary::new(env!("CARGO_BIN_EXE_lamplight"));
    let mut server = binary.start(&[
        "--demo",
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        &format!("-proxy-auth-jwt-header={HEADER}"),
        &format!("-proxy-auth-jwks-url={}", keys.jwks_url()),
        &format!("-proxy-auth-jwt-audience={AUDIENCE}"),
        "-proxy-auth-jwt-username-claim=email",
        "-metrics-enabled",
        // The text log format: audit lines must stay JSON whatever the log looks like.
        "-log-format=text",
    ]);
    let address = server.address();
    let http = RawHttp::new(address);

    let alice = key.sign(&claims("alice"));
    let expired = key.sign(&json!({"aud": AUDIENCE, "email": "a@example.com", "exp": now() - 600}));
    let wrong_audience =
        key.sign(&json!({"aud": "other", "email": "a@example.com", "exp": now() + 60}));
    let forged = stranger.sign(&claims("admin"));
    let attacks: [Attack; 5] = [
        (
            "expired",
            vec![(HEADER, expired.as_bytes())],
            401,
            "assertion_expired",
        ),
        (
            "wrong audience",
            vec![(HEADER, wrong_audience.as_bytes())],
            403,
            "assertion_wrong_audience",
        ),
        (
            "wrong key",
            vec![(HEADER, forged.as_bytes())],
            403,
            "assertion_bad_signature",
        ),
        (
            "no assertion",
            vec![("X-Forwarded-User", b"admin")],
            403,
            "assertion_missing",
        ),
        (
            "disagreeing header",
            vec![(HEADER, alice.as_bytes()), ("X-Forwarded-User", b"admin")],
            403,
            "identity_mismatch",
        ),
    ];
    for (name, headers, status, reason) in &attacks {
        let response = http.get("/clusters/demo/api/v1/namespaces", headers).await;
        assert_eq!(response.status, *status, "{name}: {}", response.body);
        let line = wait_for_audit(&mut server, reason);
        assert_eq!(line["decision"], "refused", "{line}");
        assert_eq!(line["status"], *status, "{line}");
        assert_eq!(line["auth"], "proxy", "{line}");
        assert_eq!(line["path"], "/clusters/demo/api/v1/namespaces", "{line}");
        assert!(
            !line.to_string().contains("eyJ"),
            "{name}: a token in the audit line: {line}"
        );
    }
    let outsider = RawHttp::new(address)
        .from(UNTRUSTED)
        .get("/me", &[(HEADER, alice.as_bytes())])
        .await;
    assert_eq!(outsider.status, 403, "{}", outsider.body);
    wait_for_audit(&mut server, "untrusted_peer");

    // A write is audited with who, what and how it went; a read is not at the default level.
    let read = http
        .get(
            "/clusters/demo/api/v1/namespaces/default/pods",
            &[(HEADER, alice.as_bytes())],
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let delete = format!(
        "DELETE /clusters/demo/api/v1/namespaces/default/configmaps/not-there HTTP/1.1\r\n\
         Host: localhost\r\n{HEADER}: {alice}\r\nConnection: close\r\n\r\n"
    );
    let response = http.send(delete.as_bytes()).await;
    assert_eq!(response.status, 404, "{}", response.body);
    let line = server.wait_for("\"verb\":\"delete\"");
    let write: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(write["decision"], "forwarded");
    assert_eq!(write["user"], "alice@example.com");
    assert_eq!(write["anchors"], json!(["peer-cidr", "signed-assertion"]));
    assert_eq!(write["cluster"], "demo");
    assert_eq!(write["namespace"], "default");
    assert_eq!(write["resource"], "configmaps");
    assert_eq!(write["name"], "not-there");
    assert_eq!(write["status"], 404);
    assert!(write["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(
        write["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );

    let metrics = http.get("/metrics", &[]).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        metrics.header("content-type")
    );
    let text = metrics.body;
    for (_, _, _, reason) in &attacks {
        let series = format!(
            "lamplight_auth_decisions_total{{method=\"proxy\",decision=\"refused\",reason=\"{reason}\"}}"
        );
        assert_eq!(counter(&text, &series), 1, "{series} in\n{text}");
    }
    let allowed = "lamplight_auth_decisions_total{method=\"proxy\",decision=\"allowed\",reason=\"peer-cidr+signed-assertion\"}";
    assert_eq!(counter(&text, allowed), 2, "{text}");
    assert_eq!(
        counter(&text, "lamplight_key_set_fetches_total{result=\"ok\"}"),
        1,
        "{text}"
    );
    assert_eq!(keys.fetches(), 1);
    assert!(
        counter(
            &text,
            "lamplight_http_requests_total{route=\"/clusters/{cluster}/{path}\",status=\"404\"}"
        ) >= 1,
        "{text}"
    );

    let all = server.stop();
    let audit = audit_lines(&all);
    assert!(
        !audit.iter().any(|line| line["verb"] == "list"),
        "reads are audited only at -audit-level=debug: {audit:#?}"
    );
    // Every audit line is one JSON object and nothing else.
    for line in all
        .iter()
        .filter(|line| line.contains("\"kind\":\"audit\""))
    {
        assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
    }
}
