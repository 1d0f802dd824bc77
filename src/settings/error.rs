use std::path::PathBuf;

use super::Source;

/// A reason the server will not start. Each renders as one line that names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown flag -{flag} (see --help for the list)")]
    UnknownFlag { flag: String },
    #[error("{0}")]
    CommandLine(String),
    #[error("cannot read config file {}: {reason}", path.display())]
    ConfigFile { path: PathBuf, reason: String },
    #[error("invalid value {value:?} for -{flag} (from {origin}): {reason}")]
    Invalid {
        flag: &'static str,
        value: String,
        origin: Source,
        reason: String,
    },
    #[error("{0}")]
    Conflict(String),
}
