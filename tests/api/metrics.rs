//! `-metrics-enabled`: `/metrics` in the OpenMetrics text format, on the main port or, with
//! `-metrics-port`, on a port of its own and nowhere else.

use std::time::Duration;

use test_support::{App, Binary, client, free_port};

const OPENMETRICS: &str = "application/openmetrics-text";
const HEALTHZ_200: &str = r#"lamplight_http_requests_total{route="/healthz",status="200"}"#;

/// `GET url`: status, content type and body.
async fn fetch(url: &str) -> (u16, String, String) {
    let mut response = client()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let body = response.body().limit(16 << 20).await.unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        response.status().as_u16(),
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// The exposition at `url`, checked to be OpenMetrics text.
async fn scrape(url: &str) -> String {
    let (status, content_type, body) = fetch(url).await;
    assert_eq!(status, 200, "{url}: {body}");
    assert!(
        content_type.starts_with(OPENMETRICS),
        "{url}: content type {content_type:?}"
    );
    assert!(
        body.ends_with("# EOF\n"),
        "{url}: no OpenMetrics EOF: {body}"
    );
    body
}

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

fn assert_not_metrics(status: u16, content_type: &str, body: &str) {
    assert!(
        !content_type.starts_with(OPENMETRICS),
        "metrics served here ({status}, {content_type}): {body}"
    );
    assert!(
        !body.contains("lamplight_http_requests_total"),
        "metrics served here ({status}): {body}"
    );
}

#[actix_web::test]
async fn metrics_on_the_main_port_count_requests_by_route() {
    let app = App::start(&["-metrics-enabled"]).await;
    assert_eq!(app.raw().get("/healthz", &[]).await.status, 200);
    let before = sample(&scrape(&app.url("/metrics")).await, HEALTHZ_200);
    assert!(before >= 1.0, "{before}");
    for _ in 0..3 {
        assert_eq!(app.raw().get("/healthz", &[]).await.status, 200);
    }
    let text = scrape(&app.url("/metrics")).await;
    assert_eq!(sample(&text, HEALTHZ_200), before + 3.0, "{text}");
    // Routes are labelled by their pattern: one series for every pod, not one per path.
    assert!(
        text.contains("# TYPE lamplight_http_requests counter"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("lamplight_http_requests_total{")
                && line.contains(r#"route="/metrics""#)),
        "the previous scrape is counted too: {text}"
    );
}

#[actix_web::test]
async fn without_the_flag_there_are_no_metrics() {
    let app = App::start(&[]).await;
    let (status, content_type, body) = fetch(&app.url("/metrics")).await;
    assert_not_metrics(status, &content_type, &body);
}

#[actix_web::test]
async fn a_metrics_port_serves_them_there_and_not_on_the_main_port() {
    let port = free_port();
    let app = App::start(&["-metrics-enabled", &format!("-metrics-port={port}")]).await;
    for _ in 0..2 {
        assert_eq!(app.raw().get("/healthz", &[]).await.status, 200);
    }
    let metrics_url = format!("http://127.0.0.1:{port}/metrics");
    // The metrics listener starts with the server; give it a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while client().get(&metrics_url).send().await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing listens on the metrics port {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = scrape(&metrics_url).await;
    // The requests the main port answered are what the metrics port reports.
    assert!(sample(&text, HEALTHZ_200) >= 2.0, "{text}");

    let (status, content_type, body) = fetch(&app.url("/metrics")).await;
    assert_not_metrics(status, &content_type, &body);
    // Nothing else is served on the metrics port.
    let (status, _, body) = fetch(&format!("http://127.0.0.1:{port}/healthz")).await;
    assert_eq!(status, 404, "{body}");
}

#[test]
fn metrics_settings_that_cannot_work_stop_startup_naming_the_flag() {
    let lamplight = Binary::new(env!("CARGO_BIN_EXE_lamplight"));
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["-metrics-port=9464"],
            &["-metrics-port", "-metrics-enabled"],
        ),
        (
            &["-metrics-enabled=false", "-metrics-port=9464"],
            &["-metrics-port", "-metrics-enabled"],
        ),
        (
            &["-metrics-enabled", "-metrics-port=70000"],
            &["-metrics-port", "70000"],
        ),
        (
            &["-metrics-enabled", "-port=9464", "-metrics-port=9464"],
            &["-metrics-port", "main port"],
        ),
    ];
    for (args, expected) in cases {
        let message = lamplight.refusal(args, &[]);
        for part in *expected {
            assert!(
                message.contains(part),
                "{args:?}: expected {part:?} in {message}"
            );
        }
    }
}
