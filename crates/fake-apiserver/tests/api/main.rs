//! The fake API server, checked with awc and with the real kubectl (and its binary, run as a
//! program). Split by what is tested; `support` holds what the tests share.
//!
//! kubectl only sends credentials over HTTPS, so every kubectl test serves TLS with a CA made
//! in `support`; the awc tests mostly use plain HTTP.

// A failed expectation is a test's report: helpers here panic with a message by design.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod apply;
mod auth;
mod binary;
mod crud;
mod discovery;
mod exec;
mod headlamp;
mod kubectl;
mod lists;
mod logs;
mod oidc;
mod portforward;
mod tables;
mod watch;
