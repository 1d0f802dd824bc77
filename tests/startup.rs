//! The real binary: start-up refusals (exit code 2, one line naming the flag) and what it logs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn lamplight() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lamplight"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HEADLAMP_CONFIG_")) {
        command.env_remove(name);
    }
    command.stdin(Stdio::null());
    command
}

/// Runs the binary expecting it to refuse to start; returns its one line of complaint.
fn refusal(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = lamplight()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?} should exit with 2; stderr: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line, no backtrace: {stderr}"
    );
    assert!(stderr.starts_with("lamplight: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Arguments, environment, and the parts the refusal must mention.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn each_bad_setting_stops_startup_naming_the_flag() {
    let cases: &[Case] = &[
        (
            &["-no-such-flag=1"],
            &[],
            &["unknown flag", "-no-such-flag"],
        ),
        (&["-proxy-auth=maybe"], &[], &["-proxy-auth", "\"maybe\""]),
        (&["-port=70000"], &[], &["-port", "70000"]),
        (
            &[],
            &[("HEADLAMP_CONFIG_PORT", "eighty")],
            &["-port", "HEADLAMP_CONFIG_PORT"],
        ),
        (
            &["-proxy-auth-trusted-proxies=10.0.0.300"],
            &[],
            &["-proxy-auth-trusted-proxies", "10.0.0.300"],
        ),
        (
            &["-proxy-auth", "-proxy-auth-trusted-proxies=::/0"],
            &[],
            &["::/0", "-proxy-auth-insecure-trust-any-peer"],
        ),
        (
            &["-proxy-auth-email-header=X-Forwarded-Group"],
            &[],
            &["-proxy-auth-email-header", "-proxy-auth-group-header"],
        ),
        (
            &["-proxy-auth-username-header=bad header"],
            &[],
            &["-proxy-auth-username-header"],
        ),
        (&["-base-url=ui"], &[], &["-base-url", "start with /"]),
        (&["-log-format=xml"], &[], &["-log-format", "text or json"]),
        (&["-listen-addr=somewhere"], &[], &["-listen-addr"]),
        (
            &["-html-static-dir=/no/such/dir"],
            &[],
            &["-html-static-dir", "no such directory"],
        ),
        (
            &["--config", "/no/such/file.toml"],
            &[],
            &["/no/such/file.toml"],
        ),
    ];
    for (args, env, expected) in cases {
        let message = refusal(args, env);
        assert!(
            !message.contains("short-secret-value"),
            "a secret was echoed: {message}"
        );
        for part in *expected {
            assert!(
                message.contains(part),
                "{args:?}: expected {part:?} in {message}"
            );
        }
    }
}

#[test]
fn headlamps_extra_args_are_refused_until_trusted_proxies_are_set() {
    let message = refusal(&["-proxy-auth=true"], &[]);
    assert!(
        message.contains("needs -proxy-auth-trusted-proxies"),
        "{message}"
    );
    let message = refusal(&[], &[("HEADLAMP_CONFIG_PROXY_AUTH", "true")]);
    assert!(message.contains("HEADLAMP_CONFIG_PROXY_AUTH"), "{message}");
}

#[test]
fn help_lists_headlamps_flags() {
    let output = lamplight().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--proxy-auth ",
        "--proxy-auth-trusted-proxies",
        "--base-url",
        "HEADLAMP_CONFIG_",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

/// A running binary whose stdout (the log) is collected line by line.
struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = lamplight()
            .args(["-listen-addr=127.0.0.1", "-port=0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no log line with {needle:?}; saw {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    fn address(&mut self) -> String {
        let line = self.wait_for("listening");
        let start = line.find("127.0.0.1:").expect("the address is logged");
        line[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
            .collect()
    }

    /// Stops the server and returns everything it logged.
    fn stop(mut self) -> Vec<String> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        self.seen
    }
}

fn request(address: &str, from_path: &str, headers: &[(&str, &str)]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut text = format!("GET {from_path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn logs_are_json_lines_with_the_user_and_never_a_secret() {
    let mut server = Running::start(&[
        "-log-format=json",
        "-log-level=trace",
        "-proxy-auth=true",
        "-proxy-auth-trusted-proxies=127.0.0.1",
    ]);
    let address = server.address();
    let secrets = [
        "tok-SECRET-1111",
        "auth-SECRET-2222",
        "cookie-SECRET-3333",
        "query-SECRET-4444",
    ];
    let response = request(
        &address,
        "/me?code=query-SECRET-4444",
        &[
            ("X-Forwarded-User", "alice"),
            ("X-Forwarded-Id-Token", "tok-SECRET-1111"),
            ("Authorization", "Bearer auth-SECRET-2222"),
            ("Cookie", "session=cookie-SECRET-3333"),
        ],
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let refused = request(
        &address,
        "/me",
        &[
            ("X_Forwarded_User", "alice"),
            ("X-Forwarded-Id-Token", "tok-SECRET-1111"),
        ],
    );
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    server.wait_for("looks like");
    let logs = server.stop();

    for line in &logs {
        let parsed: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(parsed["level"].is_string(), "{line}");
        for secret in secrets {
            assert!(
                !line.contains(secret),
                "a secret leaked into the log: {line}"
            );
        }
    }
    let completed = logs
        .iter()
        .find(|line| line.contains("request completed") && line.contains("alice"))
        .unwrap_or_else(|| panic!("no request line naming the user: {logs:#?}"));
    let completed: serde_json::Value = serde_json::from_str(completed).unwrap();
    let span = &completed["span"];
    assert_eq!(span["user.name"], "alice");
    assert_eq!(span["http.route"], "/me");
    assert_eq!(span["http.status_code"], 200);
    assert!(span["latency_ms"].is_number(), "{span}");
    assert_eq!(span["request_id"].as_str().map(str::len), Some(36));
}

#[test]
fn the_insecure_flag_warns_at_every_start() {
    let mut server = Running::start(&["-proxy-auth", "-proxy-auth-insecure-trust-any-peer"]);
    let warning = server.wait_for("proxy-auth-insecure-trust-any-peer");
    assert!(warning.contains("WARN"), "{warning}");
    server.stop();
}
