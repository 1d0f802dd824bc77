//! The forwarding path against the fake API server: real sockets, real streaming, real kubectl.

// A failed expectation in a test helper is a failed test: panicking is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod demo;
mod forwarding;
mod identity;
mod interim_responses;
mod kubectl;
mod leaks;
mod limits;
mod pages;
mod stream_max_age;
mod streaming;
mod tls;
mod websocket;
