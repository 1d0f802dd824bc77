//! Timestamps in the formats Kubernetes writes, and kubectl's "age" rendering.

use std::time::Duration;

use jiff::Timestamp;

/// `metav1.Time`: RFC 3339 in UTC with whole seconds (Go's `time.RFC3339` drops the fraction).
pub fn timestamp(at: Timestamp) -> String {
    Timestamp::from_second(at.as_second())
        .unwrap_or(at)
        .to_string()
}

pub fn now() -> String {
    timestamp(Timestamp::now())
}

/// A moment `ago` before now, for seeding objects that look like they have been running.
pub fn ago(ago: Duration) -> String {
    timestamp(before_now(ago))
}

/// Now minus `ago`, saturating at the earliest representable moment.
pub fn before_now(ago: Duration) -> Timestamp {
    Timestamp::now()
        .saturating_sub(ago)
        .unwrap_or(Timestamp::MIN)
}

/// `RFC3339Nano`, which `timestamps=true` log lines start with: jiff, like Go, prints only the
/// fractional digits that are not trailing zeros.
pub fn nano_timestamp(at: Timestamp) -> String {
    at.to_string()
}

pub fn parse(value: &str) -> Option<Timestamp> {
    value.parse().ok()
}

/// The age of a timestamp as kubectl prints it ("5m", "2d3h"), or `<unknown>`.
pub fn age(timestamp: Option<&str>) -> String {
    match timestamp.and_then(parse) {
        Some(at) => human_duration(Timestamp::now().duration_since(at).as_secs()),
        None => "<unknown>".to_string(),
    }
}

/// `k8s.io/apimachinery/pkg/util/duration.HumanDuration`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    let days = hours / 24;
    let years = days / 365;
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        }
    } else if hours < 3 {
        format!("{minutes}m")
    } else if hours < 8 {
        match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        match hours % 24 {
            0 => format!("{days}d"),
            h => format!("{days}d{h}h"),
        }
    } else if years < 2 {
        format!("{days}d")
    } else if years < 8 {
        match days % 365 {
            0 => format!("{years}y"),
            d => format!("{years}y{d}d"),
        }
    } else {
        format!("{years}y")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(3600), "60m");
        assert_eq!(human_duration(4 * 3600 + 120), "4h2m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(40 * 86400), "40d");
    }

    #[test]
    fn whole_second_timestamps() {
        let t = timestamp(Timestamp::UNIX_EPOCH + Duration::from_millis(1500));
        assert_eq!(t, "1970-01-01T00:00:01Z");
        let nano = nano_timestamp(Timestamp::UNIX_EPOCH + Duration::from_millis(1500));
        assert_eq!(nano, "1970-01-01T00:00:01.5Z");
    }
}
