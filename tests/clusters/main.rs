//! Loading clusters from kubeconfig and in-cluster settings, and the credentials they carry.

// A failed expectation in a test helper is a failed test: panicking is how a test reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod credentials;
mod kubeconfig;
