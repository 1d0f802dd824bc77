//! Real kubectl, because Lamplight's forwarding must work for the client people actually use, whose
//! habits (discovery caching, server-side apply, SPDY/WebSocket exec, bearer tokens only over HTTPS)
//! no hand-written client reproduces.

use std::process::{Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::app::App;
use crate::kubeconfig::{Cluster, Context, Kubeconfig, KubeconfigFile, User};

/// kubectl with its own kubeconfig and discovery cache (so tests do not share what it caches).
pub struct Kubectl {
    kubeconfig: KubeconfigFile,
    cache: TempDir,
}

/// A long-running kubectl (`get -w`, `logs -f`) whose output is read line by line; killed when
/// dropped.
pub struct KubectlLines {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Kubectl {
    pub fn new(kubeconfig: &KubeconfigFile) -> Self {
        Kubectl {
            kubeconfig: kubeconfig.clone(),
            cache: tempfile::Builder::new()
                .prefix("kubectl-cache-")
                .tempdir()
                .expect("a temporary directory"),
        }
    }

    /// kubectl whose server is Lamplight's path to `cluster`, namespace `default`, with no
    /// credentials of its own (so Lamplight's kubeconfig user acts).
    pub fn through(app: &App, cluster: &str) -> Self {
        Kubectl::through_as(app, cluster, User::none())
    }

    /// Like [`Kubectl::through`], with `user`'s credentials. client-go sends a token only over
    /// HTTPS: the app must serve it for a token to arrive.
    pub fn through_as(app: &App, cluster: &str, user: User) -> Self {
        let mut server = Cluster::new(&app.url(&format!("/clusters/{cluster}")));
        if let Some(ca) = app.tls_ca() {
            server = server.ca_data(ca);
        }
        let kubeconfig = Kubeconfig::new()
            .cluster("lamplight", server)
            .user("kubectl-user", user)
            .context(
                "via-lamplight",
                Context::new("lamplight")
                    .user("kubectl-user")
                    .namespace("default"),
            )
            .current_context("via-lamplight")
            .write();
        Kubectl::new(&kubeconfig)
    }

    /// `kubectl ARGS` with this kubeconfig, ignoring `$KUBECONFIG`, no stdin, a request timeout
    /// shorter than the test's.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("kubectl");
        command
            .arg(format!("--kubeconfig={}", self.kubeconfig.path().display()))
            .arg(format!("--cache-dir={}", self.cache.path().display()))
            .arg("--request-timeout=20s")
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs `kubectl ARGS`, which must succeed; returns its standard output.
    pub async fn run(&self, args: &[&str]) -> String {
        successful(args, self.output(args).await)
    }

    /// Runs `kubectl ARGS` with `input` on standard input (`apply -f -`); it must succeed.
    pub async fn run_with_stdin(&self, args: &[&str], input: &str) -> String {
        let mut command = self.command(args);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn(&mut command);
        let mut stdin = child.stdin.take().expect("a piped stdin");
        stdin
            .write_all(input.as_bytes())
            .await
            .expect("kubectl reads its input");
        drop(stdin);
        let output = within_a_minute(child.wait_with_output()).await;
        successful(args, output)
    }

    /// Runs `kubectl ARGS` whatever the outcome, for tests that expect it to fail.
    pub async fn output(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        within_a_minute(spawn(&mut command).wait_with_output()).await
    }

    /// Starts `kubectl ARGS` and reads its standard output as it comes.
    pub fn spawn_lines(&self, args: &[&str]) -> KubectlLines {
        let mut command = self.command(args);
        command.stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = spawn(&mut command);
        let stdout = child.stdout.take().expect("a piped stdout");
        KubectlLines {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }
}

impl KubectlLines {
    /// Reads lines until one contains `needle`. Panics after 20 s or if kubectl ends first.
    pub async fn wait_for(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.next_line())
                .await
                .unwrap_or_else(|_| panic!("kubectl printed no line with {needle:?}"))
                .expect("read kubectl's output")
                .unwrap_or_else(|| panic!("kubectl ended before printing {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    pub async fn stop(mut self) {
        // It may have ended on its own; either way it is gone afterwards.
        let _ = self.child.kill().await;
    }
}

fn spawn(command: &mut Command) -> Child {
    command.spawn().unwrap_or_else(|e| {
        panic!("cannot run kubectl ({e}): it must be on PATH (tests/run installs it)")
    })
}

async fn within_a_minute(output: impl Future<Output = std::io::Result<Output>>) -> Output {
    tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("kubectl finished within a minute")
        .expect("kubectl ran")
}

fn successful(args: &[&str], output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "kubectl {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
