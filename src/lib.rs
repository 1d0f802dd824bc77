//! Lamplight: a Kubernetes dashboard server with identity-aware-proxy authentication.

pub mod auth;
pub mod clusters;
pub mod demo;
pub mod errors;
pub mod fake_api;
pub mod proxy;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod status;
pub mod telemetry;
