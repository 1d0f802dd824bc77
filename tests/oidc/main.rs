//! Lamplight's OIDC sign-in against a real OpenID provider (the npm `oidc-provider`, started by
//! `test_support::OidcProvider`).

// A failed expectation in a test helper is a failed test: panicking is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod attacks;
mod browser;
mod flow;
mod hardening;
mod headlamp;
mod sealing;
