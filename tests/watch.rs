//! `sitrep watch` as a service, with real parts: a real Alertmanager, SQLite files
//! and a real PostgreSQL, TUIs in tmux, webhook receivers that answer or hang, and
//! the processes signalled and killed as an init system (or a bad day) would.
//! Each alert transition is logged once whatever watches it; an outage of the
//! source or of the database loses and doubles nothing; a delivery cut by kill -9
//! is finished by the next watcher once; one watcher's stop hands its duties over.

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::backend::{free_port, http, Server};
use common::postgres::Postgres;
use common::receiver::{Answer, Receiver};
use common::tmux::Tmux;
use common::{ok, responder};
use serde_json::Value;

/// The config every test starts from: one Alertmanager polled every second.
fn config(home: &Path, am: &str, extra: &str) -> PathBuf {
    let path = home.join("config.toml");
    std::fs::write(
        &path,
        format!("[[sources]]\nname = \"am\"\nkind = \"alertmanager\"\nurls = [\"{am}\"]\npoll_interval = \"1s\"\n{extra}"),
    )
    .unwrap();
    path
}

fn sitrep(db: &str, home: &Path) -> Command {
    let mut cmd = responder(db, home, "alice");
    cmd.env("SITREP_CONFIG", home.join("config.toml"));
    cmd
}

fn show(db: &str, home: &Path, id: u32) -> Value {
    serde_json::from_str(&ok(sitrep(db, home)
        .args(["--json", "show", &id.to_string()])
        .output()
        .unwrap()))
    .unwrap()
}

/// Every timeline entry's text, oldest first.
fn texts(db: &str, home: &Path, id: u32) -> Vec<String> {
    show(db, home, id)["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect()
}

fn count(texts: &[String], prefix: &str) -> usize {
    texts.iter().filter(|t| t.starts_with(prefix)).count()
}

/// Waits until `done` holds (30 s at most), then returns what it saw.
fn eventually<T>(what: &str, probe: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    eventually_within(Duration::from_secs(30), what, probe, done)
}

fn eventually_within<T>(
    limit: Duration,
    what: &str,
    mut probe: impl FnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        let seen = probe();
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        thread::sleep(Duration::from_millis(200));
    }
}

const ROOM_DOWN: &str =
    r#"{"alertname": "RoomDown", "severity": "critical", "service": "room", "region": "eu"}"#;

fn fire(am: &Server) {
    am.post_alerts(&format!(r#"[{{"labels": {ROOM_DOWN}}}]"#));
}

fn resolve(am: &Server) {
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    am.post_alerts(&format!(
        r#"[{{"labels": {ROOM_DOWN}, "endsAt": "{past}"}}]"#
    ));
}

fn fingerprint(am: &Server) -> String {
    let (_, body) = http("GET", &format!("{}/api/v2/alerts", am.url), "").unwrap();
    let alerts: Value = serde_json::from_str(&body).unwrap();
    alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["alertname"] == "RoomDown")
        .and_then(|a| a["fingerprint"].as_str())
        .expect("RoomDown is firing")
        .to_string()
}

/// Declares incident 1 linked to RoomDown.
fn declare_linked(db: &str, home: &Path, am: &Server) {
    let fp = fingerprint(am);
    ok(sitrep(db, home)
        .args([
            "declare",
            "--title",
            "room down",
            "--severity",
            "P1",
            "--region",
            "eu",
            "--alert",
            &fp,
        ])
        .output()
        .unwrap());
}

/// A `sitrep watch` process serving /healthz and /metrics on a port of its own.
struct Watch {
    child: Option<Child>,
    port: u16,
    stderr: PathBuf,
}

impl Watch {
    fn start(db: &str, home: &Path, name: &str) -> Self {
        let port = free_port();
        let stderr = home.join(format!("{name}.stderr"));
        let child = sitrep(db, home)
            .args(["watch", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let watch = Self {
            child: Some(child),
            port,
            stderr,
        };
        eventually(
            &format!("{name} to be healthy"),
            || watch.healthz(),
            |(code, _)| *code == 200,
        );
        watch
    }

    fn get(&self, path: &str) -> (u16, String) {
        http("GET", &format!("http://127.0.0.1:{}{path}", self.port), "")
            .unwrap_or((0, String::new()))
    }

    fn healthz(&self) -> (u16, String) {
        self.get("/healthz")
    }

    /// One metric's value (the first line that starts with `name`).
    fn metric(&self, name: &str) -> f64 {
        let (_, text) = self.get("/metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn signal(&mut self, signal: &str) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        ok(Command::new("kill")
            .args([signal, &child.id().to_string()])
            .output()
            .unwrap());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "watch did not stop on {signal}:\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Three TUIs and two watchers on one database, one alert resolving and firing
/// again: each change is one entry. The TUIs' headers say whether a watcher runs.
fn each_change_is_logged_once(db: &str, home: &Path) {
    let am = Server::alertmanager();
    config(home, &am.url, "");
    fire(&am);
    declare_linked(db, home, &am);
    // (Tmux, TempDir): fields drop in order, so each tmux server is killed through
    // its socket before the directory holding the socket is removed.
    let tuis: Vec<(Tmux, tempfile::TempDir)> = (0..3)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let env = format!("SITREP_CONFIG='{}'", home.join("config.toml").display());
            let tmux = Tmux::start_with(dir.path(), Path::new(db), &env);
            tmux.resize(200, 30);
            (tmux, dir)
        })
        .collect();
    for (tui, _) in &tuis {
        tui.wait_for("watch: none");
    }
    let mut watchers = [Watch::start(db, home, "w1"), Watch::start(db, home, "w2")];
    for (tui, _) in &tuis {
        tui.wait_for("watch: ok");
        tui.wait_for("RoomDown");
    }
    // Every process has had an answer with the alert in it.
    thread::sleep(Duration::from_secs(3));
    resolve(&am);
    eventually(
        "the resolution to be logged",
        || texts(db, home, 1),
        |t| count(t, "alert resolved: RoomDown") == 1,
    );
    // Every other process has polled a few times since, and found it logged.
    thread::sleep(Duration::from_secs(4));
    let seen = texts(db, home, 1);
    assert_eq!(count(&seen, "alert resolved: RoomDown"), 1, "{seen:#?}");
    assert_eq!(count(&seen, "alert "), 1, "{seen:#?}");

    fire(&am);
    eventually(
        "the alert to fire again",
        || texts(db, home, 1),
        |t| count(t, "alert firing again: RoomDown") == 1,
    );
    thread::sleep(Duration::from_secs(4));
    let seen = texts(db, home, 1);
    assert_eq!(count(&seen, "alert firing again: RoomDown"), 1, "{seen:#?}");
    assert_eq!(count(&seen, "alert "), 2, "{seen:#?}");
    // The alert history: five processes saw it fire, resolve and fire again, the
    // database holds two firings.
    let quality: Value = serde_json::from_str(&ok(sitrep(db, home)
        .args(["--json", "alerts", "quality", "--since", "1h"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(quality["history"]["used"], "sitrep", "{quality:#}");
    assert_eq!(
        quality["history"]["sources"],
        serde_json::json!(["am"]),
        "{quality:#}"
    );
    let room = quality["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "RoomDown")
        .unwrap_or_else(|| panic!("no RoomDown in {quality:#}"));
    assert_eq!(room["firings"], 2, "{quality:#}");
    assert!(room["linked"].as_i64().unwrap() >= 1, "{quality:#}");
    for w in &mut watchers {
        assert!(w.signal("-TERM").success(), "{}", w.stderr());
        assert!(
            w.stderr().contains("sitrep watch: stopped"),
            "{}",
            w.stderr()
        );
    }
}

#[test]
fn three_tuis_and_two_watchers_on_a_sqlite_file_log_each_change_once() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("live.db").display().to_string();
    each_change_is_logged_once(&db, home.path());
}

#[test]
fn three_tuis_and_two_watchers_on_postgresql_log_each_change_once() {
    let pg = Postgres::start();
    let home = tempfile::tempdir().unwrap();
    each_change_is_logged_once(&pg.database("sitrep"), home.path());
}

/// The source is down a while, then back without the alert (Alertmanager forgets
/// its alerts on restart): "no longer reported", never "resolved"; /healthz says
/// 503 meanwhile.
#[test]
fn a_source_down_then_back_without_the_alert_says_no_longer_reported() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("live.db").display().to_string();
    let mut am = Server::alertmanager();
    config(home.path(), &am.url, "");
    fire(&am);
    declare_linked(&db, home.path(), &am);
    let watch = Watch::start(&db, home.path(), "w");
    thread::sleep(Duration::from_secs(2));
    let restart = thread::spawn(move || {
        am.restart_after(Duration::from_secs(8));
        am
    });
    let (code, why) = eventually(
        "/healthz to say the source is down",
        || watch.healthz(),
        |(c, _)| *c == 503,
    );
    assert_eq!(code, 503);
    assert!(
        why.starts_with("no source answered in the last 3 poll intervals (am: "),
        "{why}"
    );
    assert!(watch.metric("sitrep_source_up{source=\"am\"}") == 0.0);
    let _am = restart.join().unwrap();
    eventually(
        "the watcher to hear the source again",
        || watch.healthz(),
        |(c, _)| *c == 200,
    );
    let seen = eventually(
        "the alert to be logged gone",
        || texts(&db, home.path(), 1),
        |t| {
            count(
                t,
                "alert no longer reported (its source was down): RoomDown",
            ) == 1
        },
    );
    assert_eq!(count(&seen, "alert resolved"), 0, "{seen:#?}");
    assert!(watch.metric("sitrep_poll_failures_total{source=\"am\"}") >= 1.0);
}

/// PostgreSQL stops while the alert resolves: the watcher keeps polling, /healthz
/// says the database is unreachable, and once it is back the change is written
/// once, with the time it was seen.
#[test]
fn a_database_outage_loses_and_doubles_nothing_and_keeps_the_time_seen() {
    let pg = Postgres::start();
    let db = pg.database("sitrep");
    let home = tempfile::tempdir().unwrap();
    let am = Server::alertmanager();
    config(home.path(), &am.url, "");
    fire(&am);
    declare_linked(&db, home.path(), &am);
    let watch = Watch::start(&db, home.path(), "w");
    thread::sleep(Duration::from_secs(2));
    pg.stop();
    let (_, why) = eventually(
        "/healthz to say the database is down",
        || watch.healthz(),
        |(c, _)| *c == 503,
    );
    assert!(why.starts_with("database unreachable"), "{why}");
    let resolved_at = chrono::Utc::now();
    resolve(&am);
    eventually(
        "the change to wait for the database",
        || watch.metric("sitrep_pending_entries"),
        |n| *n == 1.0,
    );
    let polls = watch.metric("sitrep_polls_total{source=\"am\"}");
    thread::sleep(Duration::from_secs(3));
    assert!(
        watch.metric("sitrep_polls_total{source=\"am\"}") > polls,
        "it keeps polling"
    );
    let back_at = chrono::Utc::now();
    pg.start_again();
    eventually(
        "the watcher to be healthy again",
        || watch.healthz(),
        |(c, _)| *c == 200,
    );
    let record = eventually(
        "the change to be written",
        || show(&db, home.path(), 1),
        |r| {
            r["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "alert")
        },
    );
    thread::sleep(Duration::from_secs(3));
    let record = {
        let _ = record;
        show(&db, home.path(), 1)
    };
    let alerts: Vec<&Value> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "alert")
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(alerts[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("alert resolved: RoomDown"));
    let at: chrono::DateTime<chrono::Utc> = alerts[0]["at"].as_str().unwrap().parse().unwrap();
    assert!(
        at >= resolved_at - chrono::Duration::seconds(1) && at < back_at,
        "written with the time seen: {at} (resolved {resolved_at}, database back {back_at})"
    );
    assert_eq!(watch.metric("sitrep_pending_entries"), 0.0);
}

/// The config for a P2 past triage, whose reminder goes to an internal channel
/// posted to `url` (waiting `timeout` for an answer).
fn reminder_config(home: &Path, am: &str, url: &str, timeout: &str) {
    let url_file = home.join("webhook-url");
    std::fs::write(&url_file, format!("{url}\n")).unwrap();
    std::fs::set_permissions(
        &url_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    config(
        home,
        am,
        &format!(
            "[watch]\ncustomer_update_reminders = false\n\n[[comms.channels]]\nname = \"#team\"\naudience = \"internal\"\nurl_file = \"{}\"\ntimeout = \"{timeout}\"\nretry_for = \"10m\"\n\n[[comms.channels]]\nname = \"status page\"\nurl_file = \"{}\"\n",
            url_file.display(),
            url_file.display()
        ),
    );
}

fn declare_p2_past_triage(db: &str, home: &Path) {
    ok(sitrep(db, home)
        .args([
            "declare",
            "--title",
            "chat slow",
            "--severity",
            "P2",
            "--trigger-time",
            "1h ago",
        ])
        .output()
        .unwrap());
}

/// kill -9 while the reminder's post hangs: the next watcher finishes the delivery,
/// exactly once, and gives the reminder no second time. Customers' channel gets
/// nothing: a reminder is for the team.
#[test]
fn a_watcher_killed_mid_delivery_leaves_it_to_the_next_exactly_once() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("live.db").display().to_string();
    let am = Server::alertmanager();
    let receiver = Receiver::start(|n| {
        if n == 0 {
            Answer::Hang
        } else {
            Answer::Status(200)
        }
    });
    reminder_config(home.path(), &am.url, &receiver.url, "3s");
    declare_p2_past_triage(&db, home.path());
    let mut first = Watch::start(&db, home.path(), "w1");
    receiver.wait_for(1);
    let status = first.signal("-KILL");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    let second = Watch::start(&db, home.path(), "w2");
    // Its lease (the channel's timeout and 30 s) runs out; the next try posts it.
    let seen = eventually_within(
        Duration::from_secs(60),
        "the delivery to be finished",
        || texts(&db, home.path(), 1),
        |t| {
            count(t, "reminder: P2 still in triage") == 1
                && t.iter().any(|e| e.contains("posted to #team"))
        },
    );
    thread::sleep(Duration::from_secs(3));
    let seen2 = texts(&db, home.path(), 1);
    assert_eq!(seen, seen2, "nothing more is written");
    assert_eq!(
        count(&seen2, "reminder: P2 still in triage"),
        1,
        "{seen2:#?}"
    );
    assert_eq!(
        seen2
            .iter()
            .filter(|t| t.contains("posted to #team"))
            .count(),
        1,
        "{seen2:#?}"
    );
    assert!(
        !seen2.iter().any(|t| t.contains("status page")),
        "{seen2:#?}"
    );
    assert_eq!(receiver.requests().len(), 2, "one cut, one posted");
    assert!(
        receiver.requests()[1].body.contains("still in triage"),
        "{:?}",
        receiver.requests()
    );
    assert_eq!(
        second.metric("sitrep_deliveries_total{outcome=\"posted\"}"),
        1.0
    );
}

/// Two watchers; SIGTERM to the one on duty: it ends cleanly (exit 0, lease handed
/// over), the other takes the duties and goes on logging.
#[test]
fn sigterm_to_one_watcher_hands_its_duties_to_the_other() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("live.db").display().to_string();
    let am = Server::alertmanager();
    config(home.path(), &am.url, "");
    fire(&am);
    declare_linked(&db, home.path(), &am);
    let mut one = Watch::start(&db, home.path(), "w1");
    let mut two = Watch::start(&db, home.path(), "w2");
    eventually(
        "one of them to be on duty",
        || one.metric("sitrep_watch_on_duty") + two.metric("sitrep_watch_on_duty"),
        |n| *n == 1.0,
    );
    let (on_duty, other) = if one.metric("sitrep_watch_on_duty") == 1.0 {
        (&mut one, &mut two)
    } else {
        (&mut two, &mut one)
    };
    assert!(on_duty.signal("-TERM").success(), "{}", on_duty.stderr());
    let log = on_duty.stderr();
    assert!(
        log.lines().all(|l| l.starts_with('<')),
        "journal priorities on every line:\n{log}"
    );
    assert!(log.contains("<6>sitrep watch: stopped"), "{log}");
    let doctor = ok(sitrep(&db, home.path()).arg("doctor").output().unwrap());
    assert!(
        doctor.contains("1 watcher running on this database"),
        "{doctor}"
    );
    eventually(
        "the other to take the duties",
        || other.metric("sitrep_watch_on_duty"),
        |n| *n == 1.0,
    );
    resolve(&am);
    eventually(
        "the other to log the change",
        || texts(&db, home.path(), 1),
        |t| count(t, "alert resolved: RoomDown") == 1,
    );
    assert_eq!(other.metric("sitrep_alert_entries_total"), 1.0);
    assert!(other.signal("-INT").success());
    let doctor = ok(sitrep(&db, home.path()).arg("doctor").output().unwrap());
    assert!(
        doctor.contains("no `sitrep watch` running: the last one"),
        "{doctor}"
    );
    assert!(doctor.contains("stopped"), "{doctor}");
}

/// The webhook receiver hangs (its timeout is long): alert changes are logged on
/// time all the same.
#[test]
fn a_hanging_webhook_receiver_holds_up_no_alert_change() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("live.db").display().to_string();
    let am = Server::alertmanager();
    let receiver = Receiver::start(|_| Answer::Hang);
    reminder_config(home.path(), &am.url, &receiver.url, "30s");
    fire(&am);
    declare_linked(&db, home.path(), &am);
    declare_p2_past_triage(&db, home.path());
    let watch = Watch::start(&db, home.path(), "w");
    receiver.wait_for(1);
    thread::sleep(Duration::from_secs(1));
    let resolved = Instant::now();
    resolve(&am);
    eventually(
        "the change to be logged",
        || texts(&db, home.path(), 1),
        |t| count(t, "alert resolved: RoomDown") == 1,
    );
    let took = resolved.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "logged {took:?} after, while the post hangs"
    );
    eventually(
        "the post to count as pending",
        || watch.metric("sitrep_outbox_backlog"),
        |n| *n == 1.0,
    );
    assert_eq!(receiver.requests().len(), 1, "still the one post in flight");
}

/// The unit and the image run what this test runs: each one's command line, with
/// its paths pointed at a test directory, starts a healthy watcher.
#[test]
fn the_systemd_unit_and_the_container_image_start_a_healthy_watcher() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib");
    let unit = std::fs::read_to_string(root.join("sitrep-watch.service")).unwrap();
    for must in [
        "DynamicUser=yes",
        "StateDirectory=sitrep",
        "ProtectSystem=strict",
        "Restart=on-failure",
    ] {
        assert!(unit.lines().any(|l| l == must), "{must} in the unit");
    }
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let mut args: Vec<String> = exec.split_whitespace().map(str::to_string).collect();
    assert_eq!(args.remove(0), "/usr/local/bin/sitrep");
    let env: Vec<(String, String)> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let containerfile = std::fs::read_to_string(root.join("Containerfile")).unwrap();
    let array = |prefix: &str| -> Vec<String> {
        let line = containerfile
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("{prefix}"));
        serde_json::from_str(line.trim()).unwrap()
    };
    let mut image = array("ENTRYPOINT ");
    assert_eq!(image.remove(0), "/usr/local/bin/sitrep");
    image.extend(array("CMD "));
    let image_env: Vec<(String, String)> = containerfile
        .lines()
        .filter_map(|l| l.strip_prefix("ENV "))
        .flat_map(|l| {
            l.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();

    let am = Server::alertmanager();
    for (what, args, env) in [("unit", args, env), ("image", image, image_env)] {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let config = config(dir.path(), &am.url, "");
        let port = free_port();
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("/etc/sitrep/config.toml", &config.display().to_string())
                    .replace("127.0.0.1:9464", &format!("127.0.0.1:{port}"))
                    .replace("0.0.0.0:9464", &format!("127.0.0.1:{port}"))
            })
            .collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sitrep"));
        cmd.env_clear().env("PATH", "/usr/bin:/bin");
        for (k, v) in &env {
            let v = v
                .replace("%S", &state.display().to_string())
                .replace("/var/lib/sitrep", &state.display().to_string())
                .replace("/etc/sitrep/config.toml", &config.display().to_string());
            cmd.env(k, v);
        }
        let mut child = cmd
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let healthy = (0..100).any(|_| {
            thread::sleep(Duration::from_millis(200));
            matches!(
                http("GET", &format!("http://127.0.0.1:{port}/healthz"), ""),
                Ok((200, _))
            )
        });
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        assert!(
            healthy,
            "the {what}'s watcher ({args:?}) was not healthy:\n{stderr}"
        );
        assert!(status.success(), "{what}: {status:?}\n{stderr}");
    }
}

/// What a watcher refuses before it starts: the demo, and a port already taken.
#[test]
fn watch_refuses_the_demo_and_a_port_in_use() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("live.db").display().to_string();
    std::fs::write(home.path().join("config.toml"), "").unwrap();
    let out = sitrep(&db, home.path())
        .args(["--demo", "watch"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--demo and --rehearse are for the TUI"),
        "{out:?}"
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = sitrep(&db, home.path())
        .args(["watch", "--listen", &addr])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    let out = sitrep(&db, home.path())
        .args(["watch", "--listen", "localhost:80"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error: {out:?}");
}
