//! Limits on long-lived connections: WebSocket upgrades (exec, attach, port-forward, WebSocket
//! watches) and watches (including followed logs). Each holds two sockets and a task for as long
//! as it lasts, so one user (or a script gone wrong) must not be able to hold them all.

use std::time::Duration;

use super::SettingsError;
use super::flags::Key;
use super::validate::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    pub max_upgrades_per_user: usize,
    pub max_upgrades: usize,
    pub max_watches_per_user: usize,
    pub max_watches: usize,
    /// Between pings to a WebSocket client; one that answers none for two intervals is dropped.
    pub ping_interval: Duration,
}

pub(super) fn settings(reader: &Reader) -> Result<StreamSettings, SettingsError> {
    let count = |key| reader.parse(key, positive);
    Ok(StreamSettings {
        max_upgrades_per_user: count(Key::MaxUpgradesPerUser)?,
        max_upgrades: count(Key::MaxUpgrades)?,
        max_watches_per_user: count(Key::MaxWatchesPerUser)?,
        max_watches: count(Key::MaxWatches)?,
        ping_interval: Duration::from_secs(count(Key::WebsocketPingInterval)? as u64),
    })
}

fn positive(value: &str) -> Result<usize, String> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| "expected a whole number greater than 0".to_string())
}
