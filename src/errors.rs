//! Small helpers for reporting errors to people.

/// An error and all its causes on one line (`outer: inner: root`), for messages that must explain
/// a failure without a backtrace.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
