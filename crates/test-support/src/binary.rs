//! The real `lamplight` executable, for what only a process shows: exit codes, the one-line
//! refusal of a bad setting, the log on standard output, memory measured apart from the test's.
//!
//! Its path is `env!("CARGO_BIN_EXE_lamplight")`, which Cargo defines only when compiling the
//! lamplight package's own integration tests, so they pass it in.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The binary at a path.
pub struct Binary {
    path: PathBuf,
}

/// A started binary whose standard output (the log) is collected line by line; killed when
/// dropped.
pub struct RunningBinary {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Binary {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Binary { path: path.into() }
    }

    /// The binary with no `HEADLAMP_CONFIG_*` variables (a developer's own settings must not
    /// change a test's outcome) and no standard input.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.path);
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HEADLAMP_CONFIG_")) {
            command.env_remove(name);
        }
        command.stdin(Stdio::null());
        command
    }

    /// Runs the binary expecting it to refuse to start: exit code 2 and one line on standard
    /// error, `lamplight: ...`, no panic. Returns that line.
    pub fn refusal(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let output = self
            .command()
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.path.display()));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
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

    /// Starts the binary on 127.0.0.1, port 0, with `args` after those two flags.
    pub fn start(&self, args: &[&str]) -> RunningBinary {
        let mut child = self
            .command()
            .args(["-listen-addr=127.0.0.1", "-port=0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.path.display()));
        let stdout = child.stdout.take().expect("a piped stdout");
        let (sender, lines) = mpsc::channel();
        // A thread, not a task: the log is read whether or not the test's runtime is polled.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        RunningBinary {
            child,
            lines,
            seen: Vec::new(),
        }
    }
}

impl RunningBinary {
    /// Blocks until a log line contains `needle`; returns it. Panics after 20 s, showing the log.
    pub fn wait_for(&mut self, needle: &str) -> String {
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

    /// The address from the `listening` log line (text or JSON format).
    pub fn address(&mut self) -> SocketAddr {
        let line = self.wait_for("listening");
        let value = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(json) => json["fields"]["address"].as_str().map(str::to_string),
            Err(_) => line.split_once("address=").map(|(_, rest)| {
                rest.chars()
                    .take_while(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '[' | ']'))
                    .collect()
            }),
        };
        value
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no address in the listening line: {line}"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server and returns everything it logged.
    pub fn stop(mut self) -> Vec<String> {
        self.kill();
        let mut seen = std::mem::take(&mut self.seen);
        // The process is gone, so its pipe is closed: the reader thread ends, and so does this.
        seen.extend(self.lines.iter());
        seen
    }

    fn kill(&mut self) {
        // It may have exited already; either way it is reaped here.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        self.kill();
    }
}
