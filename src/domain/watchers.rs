//! Who keeps the log when nobody has a TUI open: each `sitrep watch` process beats
//! a heartbeat into the database it watches, and one of them at a time holds the
//! duties that must not be done twice at once (reminders, ending pages) through a
//! lease that lapses when its holder stops beating. Pure: what a beat means, when
//! a watcher counts as gone, and how that is said.

use chrono::{DateTime, Duration, Utc};

/// How often a watcher beats.
pub const BEAT_EVERY: Duration = Duration::seconds(5);

/// A watcher that has not beaten for this long is gone (killed, its host asleep, its
/// database unreachable from it): its lease lapses and `doctor` says no watcher runs.
pub const GONE_AFTER: Duration = Duration::seconds(20);

/// One watcher's last heartbeat, as read back from the database (sanitized there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watcher {
    /// `host:pid:start`, unique per process.
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub version: String,
    pub started: DateTime<Utc>,
    pub heartbeat: DateTime<Utc>,
    /// It held the duty lease at its last beat.
    pub on_duty: bool,
    /// It stopped cleanly (SIGTERM) at this time.
    pub stopped: Option<DateTime<Utc>>,
}

impl Watcher {
    /// An id for this process: unique across hosts and restarts.
    pub fn id_for(host: &str, pid: u32, started: DateTime<Utc>) -> String {
        format!("{host}:{pid}:{}", started.timestamp_millis())
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.stopped.is_none() && now - self.heartbeat < GONE_AFTER
    }
}

/// Whether the log keeps itself: the watchers beating now, or the last one seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    Running(Vec<Watcher>),
    /// None beating; the newest heartbeat there ever was, if any.
    None(Option<Watcher>),
}

impl WatchState {
    pub fn of(mut watchers: Vec<Watcher>, now: DateTime<Utc>) -> Self {
        watchers.sort_by(|a, b| b.heartbeat.cmp(&a.heartbeat).then(a.id.cmp(&b.id)));
        if watchers.iter().any(|w| w.is_live(now)) {
            Self::Running(watchers.into_iter().filter(|w| w.is_live(now)).collect())
        } else {
            Self::None(watchers.into_iter().next())
        }
    }

    pub fn is_running(&self) -> bool {
        matches!(self, Self::Running(_))
    }

    /// One line for `doctor`.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let ago = |t: DateTime<Utc>| super::parse::format_duration((now - t).max(Duration::zero()));
        match self {
            Self::Running(watchers) => {
                let each: Vec<String> = watchers
                    .iter()
                    .map(|w| {
                        format!(
                            "{} pid {} (sitrep {}, heartbeat {} ago{})",
                            w.host,
                            w.pid,
                            w.version,
                            ago(w.heartbeat),
                            if w.on_duty { ", on duty" } else { "" }
                        )
                    })
                    .collect();
                format!(
                    "{} running on this database: {}",
                    if watchers.len() == 1 {
                        "1 watcher".to_string()
                    } else {
                        format!("{} watchers", watchers.len())
                    },
                    each.join("; ")
                )
            }
            Self::None(None) => {
                "no `sitrep watch` has run on this database: alert changes are logged, comms retried and reminders given only while a TUI is open".into()
            }
            Self::None(Some(w)) => format!(
                "no `sitrep watch` running: the last one ({} pid {}) {}; alert changes are logged, comms retried and reminders given only while a TUI is open",
                w.host,
                w.pid,
                match w.stopped {
                    Some(at) => format!("stopped {} ago", ago(at)),
                    None => format!("last beat {} ago (killed, or cut off from the database)", ago(w.heartbeat)),
                }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
    }

    fn watcher(host: &str, beat: i64) -> Watcher {
        Watcher {
            id: Watcher::id_for(host, 7, t(0)),
            host: host.into(),
            pid: 7,
            version: "0.1.0".into(),
            started: t(0),
            heartbeat: t(beat),
            on_duty: false,
            stopped: None,
        }
    }

    #[test]
    fn a_watcher_is_gone_once_it_stops_beating() {
        let state = WatchState::of(vec![watcher("a", 100), watcher("b", 90)], t(105));
        assert!(
            matches!(&state, WatchState::Running(w) if w.len() == 2),
            "{state:?}"
        );
        assert!(state.describe(t(105)).starts_with("2 watchers running"));
        let state = WatchState::of(vec![watcher("a", 100), watcher("b", 90)], t(115));
        assert!(matches!(&state, WatchState::Running(w) if w.len() == 1 && w[0].host == "a"));
        let state = WatchState::of(vec![watcher("b", 90), watcher("a", 100)], t(200));
        assert!(!state.is_running());
        assert!(
            state.describe(t(200)).starts_with(
                "no `sitrep watch` running: the last one (a pid 7) last beat 1m ago (killed"
            ),
            "{}",
            state.describe(t(200))
        );
        let mut stopped = watcher("a", 100);
        stopped.stopped = Some(t(101));
        let state = WatchState::of(vec![stopped], t(102));
        assert!(!state.is_running());
        assert!(state.describe(t(102)).contains("(a pid 7) stopped 1s ago"));
        assert!(WatchState::of(Vec::new(), t(0))
            .describe(t(0))
            .starts_with("no `sitrep watch` has run"));
    }
}
