//! Lamplight: a Kubernetes dashboard server with identity-aware-proxy authentication.
//!
//! A request's path through the crate: [`settings`] (what the operator asked for) → [`auth`] (who is
//! calling) → [`forward`] (to which cluster, with whose credentials) → [`clusters`] (how each API
//! server is reached). [`startup`] wires them into an actix-web server.

pub mod audit;
pub mod auth;
pub mod clusters;
pub mod demo;
pub mod errors;
pub mod forward;
pub mod metrics;
pub mod rbac;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod status;
pub mod telemetry;
