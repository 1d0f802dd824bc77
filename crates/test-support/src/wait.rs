//! Waiting for what happens asynchronously (a watch event, a closed upstream), with a deadline, so
//! a test that would hang fails instead and says what it was waiting for.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

const DEADLINE: Duration = Duration::from_secs(10);

/// Reads a streaming body until `lines` complete lines arrived; returns them. Panics after 10 s.
pub async fn read_lines<S, E>(stream: &mut S, lines: usize) -> Vec<String>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Debug,
{
    let mut buffer = Vec::new();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let complete = buffer.iter().filter(|byte| **byte == b'\n').count();
        if complete >= lines {
            let text = String::from_utf8_lossy(&buffer);
            return text.lines().take(lines).map(String::from).collect();
        }
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "only {complete} of {lines} lines arrived: {}",
                    String::from_utf8_lossy(&buffer)
                )
            })
            .expect("the stream ended early")
            .expect("the stream failed");
        buffer.extend_from_slice(&chunk);
    }
}

/// Polls until `check` holds. Panics after 10 s, naming `what`.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
