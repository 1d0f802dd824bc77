//! Starts the real application on port 0 and talks to it over real sockets.

// A failed expectation in a test helper is a failed test: panicking is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod assertion;
mod audit_and_metrics;
mod client_certificate;
mod headlamp_routes;
mod headlamp_ui;
mod metrics;
mod proxy_auth;
mod rebinding;
mod routes;
mod shared_secret;
mod ui_compression;

use test_support::App;

/// The proxy-auth setup of the acceptance test: identity headers trusted from 127.0.0.1
/// only, and a logout URL for the 401 hints.
async fn proxy_app() -> App {
    App::start(&[
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1/32",
        "-proxy-auth-logout-url=/oauth2/sign_out",
    ])
    .await
}
