//! Caps on concurrent WebSocket upgrades and watches, per user and in total. A [`Permit`] is held
//! for as long as the connection or the watch lasts (moved into the bridge task, or into the
//! response body), and gives its place back when dropped, however the stream ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::HttpRequest;
use actix_web::http::header;
use sha2::{Digest, Sha256};

use super::error::ForwardError;
use crate::auth::User;
use crate::metrics::Metrics;
use crate::settings::StreamSettings;
use crate::settings::flags::Key;
use prometheus_client::metrics::gauge::Gauge;

/// What a permit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    Upgrade,
    Watch,
}

impl StreamKind {
    fn describe(self) -> &'static str {
        match self {
            StreamKind::Upgrade => "WebSocket connections",
            StreamKind::Watch => "watches and followed logs",
        }
    }
}

pub struct StreamLimits {
    upgrades: Arc<Pool>,
    watches: Arc<Pool>,
}

impl StreamLimits {
    pub fn new(settings: &StreamSettings, metrics: &Metrics) -> Self {
        StreamLimits {
            upgrades: Pool::new(
                StreamKind::Upgrade,
                settings.max_upgrades_per_user,
                settings.max_upgrades,
                metrics.open_websockets.clone(),
            ),
            watches: Pool::new(
                StreamKind::Watch,
                settings.max_watches_per_user,
                settings.max_watches,
                metrics.open_watches.clone(),
            ),
        }
    }

    /// Places for this request, if it is long-lived: nothing for a plain request; one upgrade
    /// and/or one watch place otherwise (a WebSocket watch takes both). `watch` is
    /// [`is_watch`]'s answer, which the caller needs too.
    pub(super) fn admit(
        &self,
        request: &HttpRequest,
        user: Option<&User>,
        upgrade: bool,
        watch: bool,
    ) -> Result<Vec<Permit>, ForwardError> {
        if !upgrade && !watch {
            return Ok(Vec::new());
        }
        let holder = holder(request, user);
        let mut permits = Vec::with_capacity(2);
        if upgrade {
            permits.push(Pool::take(&self.upgrades, &holder)?);
        }
        if watch {
            permits.push(Pool::take(&self.watches, &holder)?);
        }
        Ok(permits)
    }
}

struct Pool {
    kind: StreamKind,
    per_user: usize,
    total: usize,
    held: Mutex<Held>,
    open: Gauge,
}

#[derive(Default)]
struct Held {
    total: usize,
    by_holder: HashMap<String, usize>,
}

impl Pool {
    fn new(kind: StreamKind, per_user: usize, total: usize, open: Gauge) -> Arc<Pool> {
        Arc::new(Pool {
            kind,
            per_user,
            total,
            held: Mutex::default(),
            open,
        })
    }

    fn take(pool: &Arc<Pool>, holder: &str) -> Result<Permit, ForwardError> {
        // The critical sections only count: a panic cannot leave them half done.
        let mut held = pool.held.lock().unwrap_or_else(PoisonError::into_inner);
        let (per_user_flag, total_flag) = match pool.kind {
            StreamKind::Upgrade => (Key::MaxUpgradesPerUser, Key::MaxUpgrades),
            StreamKind::Watch => (Key::MaxWatchesPerUser, Key::MaxWatches),
        };
        let mine = held.by_holder.get(holder).copied().unwrap_or(0);
        if mine >= pool.per_user {
            return Err(ForwardError::TooManyStreams {
                what: pool.kind.describe(),
                whose: "you have",
                limit: pool.per_user,
                flag: per_user_flag,
            });
        }
        if held.total >= pool.total {
            return Err(ForwardError::TooManyStreams {
                what: pool.kind.describe(),
                whose: "this server has",
                limit: pool.total,
                flag: total_flag,
            });
        }
        held.total += 1;
        *held.by_holder.entry(holder.to_string()).or_default() += 1;
        pool.open.inc();
        Ok(Permit {
            pool: Arc::clone(pool),
            holder: holder.to_string(),
        })
    }
}

/// One place in a pool, given back on drop.
pub struct Permit {
    pool: Arc<Pool>,
    holder: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut held = self
            .pool
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        held.total = held.total.saturating_sub(1);
        self.pool.open.dec();
        if let Some(count) = held.by_holder.get_mut(&self.holder) {
            *count -= 1;
            if *count == 0 {
                held.by_holder.remove(&self.holder);
            }
        }
    }
}

/// Whose places these are: the signed-in user; else the credentials the client sent (as a
/// digest, never the token itself); else the peer's address.
fn holder(request: &HttpRequest, user: Option<&User>) -> String {
    if let Some(user) = user {
        return format!("user:{}", user.username);
    }
    if let Some(authorization) = request.headers().get(header::AUTHORIZATION) {
        let digest = Sha256::digest(authorization.as_bytes());
        return format!("credentials:{}", hex_prefix(&digest));
    }
    match request.peer_addr() {
        Some(peer) => format!("peer:{}", peer.ip().to_canonical()),
        None => "peer:unknown".to_string(),
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// `?watch=true` (or `1`), the deprecated `/watch/` paths, and followed logs.
pub(super) fn is_watch(request: &HttpRequest) -> bool {
    let query = request.uri().query().unwrap_or("");
    let flag_set = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == name && matches!(value.as_ref(), "true" | "1"))
    };
    let path = request.uri().path();
    // `/api/v1/watch/...` and `/apis/{group}/{version}/watch/...`, after `/clusters/{cluster}`.
    let mut segments = path.split('/').skip_while(|s| *s != "clusters").skip(2);
    let watch_path = match segments.next() {
        Some("api") => segments.nth(1) == Some("watch"),
        Some("apis") => segments.nth(2) == Some("watch"),
        _ => false,
    };
    flag_set("watch") || watch_path || (path.ends_with("/log") && flag_set("follow"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn limits(per_user: usize, total: usize) -> StreamLimits {
        StreamLimits::new(
            &StreamSettings {
                max_upgrades_per_user: per_user,
                max_upgrades: total,
                max_watches_per_user: per_user,
                max_watches: total,
                ping_interval: std::time::Duration::from_secs(30),
            },
            &Metrics::default(),
        )
    }

    fn watch_from(peer: &str) -> HttpRequest {
        TestRequest::get()
            .uri("/clusters/c/api/v1/pods?watch=1")
            .peer_addr(peer.parse().unwrap())
            .to_http_request()
    }

    #[test]
    fn watches_logs_and_watch_paths_are_long_lived_lists_are_not() {
        let long_lived = |uri: &str| is_watch(&TestRequest::get().uri(uri).to_http_request());
        assert!(long_lived("/clusters/c/api/v1/pods?watch=true"));
        assert!(long_lived("/clusters/c/api/v1/watch/pods"));
        assert!(long_lived("/clusters/c/apis/apps/v1/watch/deployments"));
        assert!(long_lived(
            "/clusters/c/api/v1/namespaces/d/pods/p/log?follow=true"
        ));
        assert!(!long_lived("/clusters/c/api/v1/pods?watch=false"));
        assert!(!long_lived("/clusters/c/api/v1/namespaces/d/pods/p/log"));
        assert!(!long_lived("/clusters/c/api/v1/configmaps/watch"));
        assert!(!long_lived("/clusters/c/api/v1/pods?follow=true"));
    }

    #[test]
    fn a_holder_is_capped_and_its_places_come_back_when_dropped() {
        let limits = limits(2, 10);
        let request = watch_from("10.0.0.1:1000");
        let first = limits.admit(&request, None, false, true).unwrap();
        let _second = limits.admit(&request, None, false, true).unwrap();
        let refused = limits.admit(&request, None, false, true).err().unwrap();
        assert!(
            refused.to_string().contains("-max-watches-per-user"),
            "{refused}"
        );
        // Someone else still gets in.
        assert!(
            limits
                .admit(&watch_from("10.0.0.2:1"), None, false, true)
                .is_ok()
        );
        drop(first);
        assert!(limits.admit(&request, None, false, true).is_ok());
    }

    #[test]
    fn the_total_caps_everyone_together() {
        let limits = limits(5, 3);
        let held: Vec<_> = (1..=3)
            .map(|n| {
                limits
                    .admit(&watch_from(&format!("10.0.0.{n}:1")), None, false, true)
                    .unwrap()
            })
            .collect();
        let refused = limits
            .admit(&watch_from("10.0.0.9:1"), None, false, true)
            .err()
            .unwrap();
        assert!(refused.to_string().contains("-max-watches "), "{refused}");
        drop(held);
        assert!(
            limits
                .admit(&watch_from("10.0.0.9:1"), None, false, true)
                .is_ok()
        );
    }

    #[test]
    fn a_websocket_watch_takes_a_place_in_both_pools() {
        let limits = limits(1, 10);
        let request = watch_from("10.0.0.1:1");
        let permits = limits.admit(&request, None, true, true).unwrap();
        assert_eq!(permits.len(), 2);
        let refused = limits.admit(&request, None, true, true).err().unwrap();
        assert!(
            refused.to_string().contains("-max-upgrades-per-user"),
            "{refused}"
        );
    }
}
