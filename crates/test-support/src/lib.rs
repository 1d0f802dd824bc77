//! Lamplight's test harness: the one place integration tests start things.
//!
//! Tests say *what* they set up (an app with these flags, a fake cluster whose kubeconfig user is
//! `dev`, a CA that signs a client certificate for `alice`) and this crate knows *how*: port 0,
//! temporary directories that live as long as what reads them, kubeconfig files kubectl accepts,
//! child processes killed when dropped. Everything panics with a message on failure: it runs in
//! tests, where a panic is the report.
//!
//! - [`App`]: Lamplight in-process on 127.0.0.1, port 0.
//! - [`Stack`]: the fake API server with the tests' users, and Lamplight in front of it.
//! - [`Kubeconfig`]: kubeconfig files (clusters, users, contexts, broken ones too).
//! - [`Ca`], [`ServingTls`]: the test PKI.
//! - [`RawHttp`]: exact bytes from a chosen local address, for header-smuggling attacks.
//! - [`Kubectl`]: real kubectl against Lamplight.
//! - [`OidcProvider`]: the npm `oidc-provider` as a child process.
//! - [`signed_assertions`]: JWTs as identity-aware proxies sign them, and a key server.
//! - [`Binary`]: the real `lamplight` executable, for what only a process shows (exit codes, logs).

mod app;
mod binary;
mod kubeconfig;
mod kubectl;
mod oidc_provider;
mod pki;
mod raw_http;
pub mod signed_assertions;
mod stack;
mod wait;
pub mod watch_upstream;

pub use app::{App, AppBuilder, client, free_port};
pub use binary::{Binary, RunningBinary};
pub use kubeconfig::{
    CLUSTER, Cluster, Context, Exec, Kubeconfig, KubeconfigFile, User, executable,
};
pub use kubectl::{Kubectl, KubectlLines};
pub use oidc_provider::{OidcClient, OidcProvider, Registration};
pub use pki::{Ca, Issued, ServingTls};
pub use raw_http::{RawConnection, RawHttp, RawResponse, TRUSTED, UNTRUSTED};
pub use stack::{ADMIN_TOKEN, ALICE_TOKEN, DEV_TOKEN, Stack, StackBuilder, fake_apiserver};
pub use wait::{eventually, read_lines};
pub use watch_upstream::WatchUpstream;
