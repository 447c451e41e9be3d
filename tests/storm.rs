//! An alert storm on a real Alertmanager: 60,000 alerts, polled every 2 s, 1% of
//! them replaced between polls. The TUI (the real binary, in tmux) must answer keys
//! within a frame or two and stay under 200 MB resident while it happens.

mod common;

use std::time::{Duration, Instant};

use common::backend::Server;
use common::tmux::Tmux;

const ALERTS: usize = 60_000;
const BATCH: usize = 5_000;

/// Alerts `from..to` as Alertmanager's POST body: fifty per alert name, six services,
/// three regions, a quarter P1. `starts` and `ends` in RFC 3339.
fn alerts_json(from: usize, to: usize, starts: &str, ends: &str) -> String {
    let services = ["room", "cdn-edge", "chat", "gifting", "moderation", "auth"];
    let regions = ["eu-west", "us-east", "ap-south"];
    let alerts: Vec<serde_json::Value> = (from..to)
        .map(|i| {
            serde_json::json!({
                "labels": {
                    "alertname": format!("PodCrashLooping{}", i / 50),
                    "severity": if i % 4 == 0 { "critical" } else { "warning" },
                    "service": services[i % services.len()],
                    "region": regions[i % regions.len()],
                    "pod": format!("pod-{i}"),
                },
                "annotations": {"summary": format!("pod {i} restarting")},
                "startsAt": starts,
                "endsAt": ends,
            })
        })
        .collect();
    serde_json::Value::Array(alerts).to_string()
}

fn peak_rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Whether the alerts pane's title says the alerts are grouped.
fn grouped(screen: &str) -> bool {
    screen.contains(" groups")
}

#[test]
fn keys_answer_within_100_ms_and_memory_stays_under_200_mb_with_60000_alerts() {
    let am = Server::alertmanager();
    let start = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    for from in (0..ALERTS).step_by(BATCH) {
        am.post_alerts(&alerts_json(from, from + BATCH, &start, &later));
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("storm.db");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[sources]]\nname = \"eu\"\nkind = \"alertmanager\"\nurls = [\"{}\"]\npoll_interval = \"2s\"\ntimeout = \"30s\"\n",
            am.url
        ),
    )
    .unwrap();
    let tmux = Tmux::start_with(
        dir.path(),
        &db,
        &format!("SITREP_CONFIG='{}'", config.display()),
    );
    // The first answer can take a while to come (Alertmanager encodes 60,000 alerts).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !tmux.screen().contains(&format!("Alerts ({ALERTS}")) {
        assert!(
            Instant::now() < deadline,
            "the storm never showed:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let pid = tmux.pid();

    // For 30 s: replace 1% of the alerts every 2 s in the background, and toggle the
    // grouping with `z`, timing each press until the screen shows its effect.
    let churn_url = am.url.clone();
    let start = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let churn = std::thread::spawn(move || {
        let am = ChurnTarget { url: churn_url };
        let mut round = 0;
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
            let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
            let (old, new) = (round * 600, ALERTS + round * 600);
            am.post(&alerts_json(old, old + 600, &start, &past));
            am.post(&alerts_json(new, new + 600, &start, &later));
            round += 1;
            std::thread::sleep(Duration::from_secs(2));
        }
        round
    });
    let mut latencies = Vec::new();
    let started = Instant::now();
    let mut expect_grouped = !grouped(&tmux.screen());
    while started.elapsed() < Duration::from_secs(30) {
        let pressed = Instant::now();
        tmux.keys(&["z"]);
        loop {
            let screen = tmux.screen();
            if grouped(&screen) == expect_grouped {
                break;
            }
            assert!(
                pressed.elapsed() < Duration::from_secs(10),
                "the key had no effect within 10 s:\n{screen}"
            );
        }
        latencies.push(pressed.elapsed());
        expect_grouped = !expect_grouped;
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = churn.join().unwrap();
    let peak = peak_rss_kib(pid);
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    eprintln!(
        "storm: {} key presses over 30 s, {rounds} churn rounds: median {p50:?}, p99 {p99:?}, max {:?}; peak RSS {} MiB",
        latencies.len(),
        latencies[latencies.len() - 1],
        peak / 1024
    );
    let screen = tmux.screen();
    assert!(
        screen.contains("eu ok"),
        "the source kept answering:\n{screen}"
    );
    assert!(
        screen.contains("since last poll"),
        "the churn was seen:\n{screen}"
    );
    // The 100 ms target is for the release build (`cargo test --release --test storm`,
    // the README's figure); the debug build CI runs on a shared 2-core VM gets room for
    // its own slowness and the machine's noise, and still fails a loop that blocks
    // (that froze for 14 s). 250 ms was too tight for the debug build: on this VM the
    // same commit measured p99 231–381 ms from run to run (median 26–35 ms), the
    // code before this round's changes 276 ms.
    let bound = if cfg!(debug_assertions) { 500 } else { 100 };
    assert!(
        p99 < Duration::from_millis(bound),
        "p99 key-to-screen {p99:?} (median {p50:?}), bound {bound} ms"
    );
    assert!(peak < 200 * 1024, "peak RSS {} MiB", peak / 1024);
    tmux.keys(&["q"]);
    tmux.wait_for("EXIT=0");
}

/// Posts to Alertmanager from the churn thread.
struct ChurnTarget {
    url: String,
}

impl ChurnTarget {
    fn post(&self, json: &str) {
        let (status, body) =
            common::backend::http("POST", &format!("{}/api/v2/alerts", self.url), json).unwrap();
        assert_eq!(status, 200, "alertmanager refused the alerts: {body}");
    }
}
