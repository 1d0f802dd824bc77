//! `pods/exec` and `pods/attach` over WebSocket with the `*.channel.k8s.io` sub-protocols.
//!
//! Every message starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 error/status,
//! 4 resize; v5 adds 255 = "close channel N" (N in the second byte). The `base64` variants
//! carry the channel as a digit and the bytes as base64 text (see [`crate::wsstream`]).

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use serde_json::{Value, json};

use crate::fake_shell::{self, Step};
use crate::http::Query;
use crate::logs::pod_with_container;
use crate::resources::ResourceType;
use crate::state::Shared;
use crate::status::ApiError;
use crate::wsstream::{self, Codec};

/// What a negotiated protocol means: its version and how its messages are encoded.
#[derive(Debug, Clone, Copy)]
struct Protocol {
    version: u8,
    codec: Codec,
}

const fn protocol(version: u8, codec: Codec) -> Protocol {
    Protocol { version, codec }
}

/// The kubelet's protocols (`""` is `channel.k8s.io`), plus v2/v3, which only SPDY names but
/// older clients offer here too; the client's order decides among these.
const PROTOCOLS: &[(&str, Protocol)] = &[
    ("v5.channel.k8s.io", protocol(5, Codec::Binary)),
    ("v4.channel.k8s.io", protocol(4, Codec::Binary)),
    ("v4.base64.channel.k8s.io", protocol(4, Codec::Base64)),
    ("v3.channel.k8s.io", protocol(3, Codec::Binary)),
    ("v2.channel.k8s.io", protocol(2, Codec::Binary)),
    ("channel.k8s.io", protocol(1, Codec::Binary)),
    ("base64.channel.k8s.io", protocol(1, Codec::Base64)),
    ("", protocol(1, Codec::Binary)),
];

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const STATUS: u8 = 3;
const CLOSE: u8 = 255;

pub fn pod_exec(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<HttpResponse, ApiError> {
    pod_with_container(shared, pods, namespace, name, query)?;
    let argv: Vec<String> = query
        .all("command")
        .into_iter()
        .map(str::to_string)
        .collect();
    if argv.is_empty() {
        return Err(ApiError::bad_request("you must specify at least 1 command"));
    }
    start(req, payload, name, query, argv)
}

/// `pods/attach`: joins the container's own process. The fake's containers started with a TTY run
/// a line-echoing program, so what the client types comes back on stdout until it closes stdin.
pub fn pod_attach(
    shared: &Arc<Shared>,
    req: &HttpRequest,
    payload: web::Payload,
    pods: &'static ResourceType,
    namespace: &str,
    name: &str,
    query: &Query,
) -> Result<HttpResponse, ApiError> {
    pod_with_container(shared, pods, namespace, name, query)?;
    start(req, payload, name, query, Vec::new())
}

/// Upgrades to a channel protocol and runs `argv` (none: an attach) in the background.
fn start(
    req: &HttpRequest,
    payload: web::Payload,
    pod: &str,
    query: &Query,
    argv: Vec<String>,
) -> Result<HttpResponse, ApiError> {
    if !wsstream::is_websocket(req) {
        // The SPDY upgrade older clients fall back to is not implemented.
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    let (name_sent, protocol) = wsstream::negotiate(req, PROTOCOLS)?;
    let protocols: Vec<&str> = name_sent.into_iter().collect();
    let (response, session, messages) =
        actix_ws::handle_with_protocols(req, payload, &protocols)
            .map_err(|e| ApiError::bad_request(format!("websocket upgrade failed: {e}")))?;
    let exec = Exec {
        session,
        messages,
        protocol,
        stdin: query.flag("stdin"),
        stdout: query.flag("stdout"),
        stderr: query.flag("stderr"),
        tty: query.flag("tty"),
        argv,
        pod: pod.to_string(),
    };
    actix_web::rt::spawn(exec.run());
    Ok(response)
}

struct Exec {
    session: Session,
    messages: MessageStream,
    protocol: Protocol,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
    argv: Vec<String>,
    pod: String,
}

/// Why the exchange stopped early.
struct ClientGone;

impl Exec {
    async fn run(mut self) {
        // No command: an attach, to the echoing program.
        let attached = self.argv.is_empty();
        let code = if self.stdin && (attached || fake_shell::is_interactive(&self.argv)) {
            self.echo_stdin().await
        } else {
            self.run_command().await
        };
        let Ok(code) = code else { return };
        if self.send_status(code).await.is_err() {
            return;
        }
        let _ = self
            .session
            .close(Some(CloseReason {
                code: CloseCode::Normal,
                description: None,
            }))
            .await;
    }

    async fn send(&mut self, channel: u8, data: &[u8]) -> Result<(), ClientGone> {
        let frame = self.protocol.codec.channel_frame(channel, data);
        frame.send(&mut self.session).await.map_err(|_| ClientGone)
    }

    /// Answers pings; returns the stdin bytes of a data message (binary or text, as Go's
    /// `websocket.Message.Receive` reads both), or `None` for other messages.
    async fn next_stdin(&mut self) -> Result<Option<StdinEvent>, ClientGone> {
        match self.messages.recv().await {
            Some(Ok(message @ (Message::Binary(_) | Message::Text(_)))) => {
                Ok(match self.protocol.codec.decode(&message) {
                    Some((STDIN, data)) => Some(StdinEvent::Data(data)),
                    Some((CLOSE, data))
                        if self.protocol.version >= 5 && data.first() == Some(&STDIN) =>
                    {
                        Some(StdinEvent::Closed)
                    }
                    _ => None,
                })
            }
            Some(Ok(Message::Ping(bytes))) => {
                self.session.pong(&bytes).await.map_err(|_| ClientGone)?;
                Ok(None)
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Err(ClientGone),
            Some(Ok(_)) => Ok(None),
        }
    }

    /// Interactive commands echo stdin to stdout until the client closes stdin.
    async fn echo_stdin(&mut self) -> Result<i32, ClientGone> {
        loop {
            match self.next_stdin().await? {
                Some(StdinEvent::Data(data)) if self.stdout => self.send(STDOUT, &data).await?,
                Some(StdinEvent::Closed) => return Ok(0),
                Some(StdinEvent::Data(_)) | None => {}
            }
        }
    }

    async fn run_command(&mut self) -> Result<i32, ClientGone> {
        let outcome = fake_shell::run(&self.argv, &self.pod);
        for step in outcome.steps {
            match step {
                Step::Stdout(text) if self.stdout => self.send(STDOUT, text.as_bytes()).await?,
                // A TTY merges stderr into its one output stream.
                Step::Stderr(text) if self.tty && self.stdout => {
                    self.send(STDOUT, text.as_bytes()).await?
                }
                Step::Stderr(text) if self.stderr => self.send(STDERR, text.as_bytes()).await?,
                Step::Sleep(duration) => self.sleep(duration).await?,
                _ => {}
            }
        }
        Ok(outcome.code)
    }

    /// Waits while still answering pings and noticing a client that leaves.
    async fn sleep(&mut self, duration: Duration) -> Result<(), ClientGone> {
        let deadline = tokio::time::Instant::now() + duration;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return Ok(()),
                event = self.next_stdin() => { event?; }
            }
        }
    }

    /// v4+ report a `Status` on the error channel; older versions only report failures, as text.
    async fn send_status(&mut self, code: i32) -> Result<(), ClientGone> {
        let message = format!(
            "command terminated with non-zero exit code: error executing command {:?}, exit code {code}",
            self.argv
        );
        if self.protocol.version >= 4 {
            let status = exit_status(code, &message);
            self.send(STATUS, status.to_string().as_bytes()).await
        } else if code != 0 {
            self.send(STATUS, message.as_bytes()).await
        } else {
            Ok(())
        }
    }
}

enum StdinEvent {
    Data(bytes::Bytes),
    Closed,
}

fn exit_status(code: i32, message: &str) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}
