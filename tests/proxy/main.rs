//! The forwarding path against the fake API server: real sockets, real streaming, real kubectl.

mod demo;
mod forwarding;
mod helpers;
mod identity;
mod kubectl;
mod leaks;
mod streaming;
mod tls;
mod websocket;
