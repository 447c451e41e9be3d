//! The team database on a real PostgreSQL (Debian's package, started by the tests):
//! many responders on many hosts, live updates in the TUI across a server restart,
//! TLS, authentication, and moving a local log over.

mod common;

use std::path::Path;
use std::process::Command;

use common::postgres::Postgres;
use common::tmux::Tmux;
use serde_json::Value;

use common::{ok, responder as sitrep};

fn json(cmd: &mut Command) -> Value {
    serde_json::from_str(&ok(cmd.arg("--json").output().unwrap())).unwrap()
}

/// The server restarts under an open TUI: the header says so, a line typed meanwhile
/// stays in the input, another host's entry written while it was away appears, and
/// the typed line is written once the server is back.
#[test]
fn a_server_restart_under_the_tui_loses_nothing_typed_and_catches_up() {
    let pg = Postgres::start();
    let url = pg.database("sitrep");
    let home = tempfile::tempdir().unwrap();
    json(sitrep(&url, home.path(), "bob").args([
        "declare",
        "--title",
        "Chat latency",
        "--severity",
        "P2",
    ]));
    let tmux = Tmux::start(home.path(), Path::new(&url));
    tmux.resize(160, 30);
    // The header names the team database the log is on (never the password), last,
    // after what the sources say.
    tmux.wait_for("team sitrep on ");
    tmux.wait_for("Chat latency");
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("#1 P2 investigating");

    pg.stop();
    tmux.wait_for("database: reconnecting since");
    tmux.keys(&["Tab", "Tab"]); // mitigation → comms → note
    tmux.text("noted while the database was down");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("unavailable");
    assert!(
        screen.contains("noted while the database was down"),
        "the text stays:\n{screen}"
    );
    assert!(
        !screen.contains(common::postgres::SUPERUSER_PASSWORD),
        "{screen}"
    );

    pg.start_again();
    // Another responder writes while this TUI is still reconnecting.
    json(sitrep(&url, home.path(), "bob").args([
        "log",
        "1",
        "--kind",
        "note",
        "bob wrote this meanwhile",
    ]));
    tmux.wait_for("bob wrote this meanwhile");
    let screen = tmux.screen();
    assert!(!screen.contains("database: reconnecting"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("saved note entry");
    // And `pg_ctl restart -m fast` as such: the feed reconnects and catches up.
    pg.restart();
    json(sitrep(&url, home.path(), "bob").args([
        "log",
        "1",
        "--kind",
        "note",
        "written after a fast restart",
    ]));
    tmux.wait_for("written after a fast restart");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("EXIT=0");
    let record = json(sitrep(&url, home.path(), "bob").args(["show", "1"]));
    let texts = common::timeline_texts(&record);
    assert_eq!(
        texts
            .iter()
            .filter(|t| **t == "noted while the database was down")
            .count(),
        1,
        "{texts:?}"
    );
    assert!(texts.contains(&"bob wrote this meanwhile"));
}

/// With the server down, every command fails at once with one line naming the
/// database (never its password) and exit 5.
#[test]
fn with_the_server_down_the_cli_exits_5_with_one_line() {
    let pg = Postgres::start();
    let url = pg.database("sitrep");
    let home = tempfile::tempdir().unwrap();
    json(sitrep(&url, home.path(), "bob").args(["declare", "--title", "t", "--severity", "P2"]));
    pg.stop();
    for args in [&["list"][..], &["log", "1", "still down"], &["show", "1"]] {
        let out = sitrep(&url, home.path(), "bob")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("unavailable") && stderr.contains("127.0.0.1"),
            "{stderr}"
        );
        assert!(
            !stderr.contains(common::postgres::SUPERUSER_PASSWORD),
            "{stderr}"
        );
    }
}

/// `db init` as the owner, then two responders with logins of their own.
fn team(pg: &Postgres) -> String {
    let url = pg.database("team");
    let home = tempfile::tempdir().unwrap();
    let out = common::init_team(&url, home.path());
    assert!(out.contains("sitrep_responder"), "{out}");
    for who in ["alice", "bob"] {
        pg.client("team")
            .batch_execute(&format!(
                "CREATE ROLE {who} LOGIN PASSWORD '{who}-pw' IN ROLE sitrep_responder"
            ))
            .unwrap();
    }
    url
}

fn url_as(pg: &Postgres, who: &str) -> String {
    pg.url_for(who, &format!("{who}-pw"), "team")
}

/// Two responders on two "hosts" (own homes, own database logins) append 300 entries
/// each at the same moment: none fails, none is lost, each writer's order is kept,
/// and each entry records the database role that wrote it.
#[test]
fn two_responders_appending_at_once_lose_nothing_and_are_each_recorded() {
    let pg = Postgres::start();
    team(&pg);
    let home = tempfile::tempdir().unwrap();
    json(sitrep(&url_as(&pg, "alice"), home.path(), "alice").args([
        "declare",
        "--title",
        "room down",
        "--severity",
        "P1",
        "--comms-lead",
        "bob",
    ]));
    let writers: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|who| {
            let url = url_as(&pg, who);
            std::thread::spawn(move || {
                let home = tempfile::tempdir().unwrap();
                let mut failed = 0;
                for n in 0..300 {
                    let out = sitrep(&url, home.path(), who)
                        .args(["log", "1", "--kind", "note", &format!("{who} {n}")])
                        .output()
                        .unwrap();
                    if !out.status.success() {
                        failed += 1;
                        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
                    }
                }
                failed
            })
        })
        .collect();
    let failed: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(failed, 0);
    let record = json(sitrep(&url_as(&pg, "bob"), home.path(), "bob").args(["show", "1"]));
    let notes: Vec<(&str, &str)> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "note")
        .map(|e| (e["text"].as_str().unwrap(), e["db_role"].as_str().unwrap()))
        .collect();
    assert_eq!(notes.len(), 600, "nothing lost");
    for who in ["alice", "bob"] {
        let mine: Vec<usize> = notes
            .iter()
            .filter(|(text, _)| text.starts_with(who))
            .map(|(text, role)| {
                assert_eq!(*role, who, "signed by the role that wrote it");
                text.rsplit(' ').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(mine, (0..300).collect::<Vec<_>>(), "{who}'s order kept");
    }
}

/// The display name is what a responder types; the database role is what the server
/// vouches for. When they differ, `show`, the TUI and the postmortem say both.
#[test]
fn an_entry_signed_as_someone_else_shows_the_role_that_wrote_it() {
    let pg = Postgres::start();
    team(&pg);
    let home = tempfile::tempdir().unwrap();
    let bob = url_as(&pg, "bob");
    json(sitrep(&bob, home.path(), "bob").args([
        "declare",
        "--title",
        "room down",
        "--severity",
        "P2",
    ]));
    json(sitrep(&bob, home.path(), "the-ceo").args(["log", "1", "rolled back room"]));
    let shown = ok(sitrep(&bob, home.path(), "bob")
        .args(["show", "1"])
        .output()
        .unwrap());
    assert!(
        shown.contains("the-ceo (as db role bob): rolled back room"),
        "{shown}"
    );
    let draft = ok(sitrep(&bob, home.path(), "bob")
        .args(["export", "1", "-o", "-"])
        .output()
        .unwrap());
    assert!(draft.contains("the-ceo (as db role bob)"), "{draft}");
    // A responder cannot rewrite or delete the log, even with SQL.
    let mut as_bob = postgres::Client::connect(&bob, postgres::NoTls).unwrap();
    for sql in [
        "UPDATE timeline_entry SET text = 'nothing happened'",
        "DELETE FROM timeline_entry",
        "TRUNCATE timeline_entry",
    ] {
        let err = as_bob.batch_execute(sql).expect_err(sql);
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {err:?}"
        );
    }
}

/// Two hosts change the status of one incident at the same moment: both changes are
/// recorded, in the order they committed, and the incident ends consistent.
#[test]
fn two_status_changes_at_the_same_moment_are_both_recorded_in_order() {
    let pg = Postgres::start();
    let url = team(&pg);
    let home = tempfile::tempdir().unwrap();
    for round in 0..5 {
        let id = json(sitrep(&url_as(&pg, "alice"), home.path(), "alice").args([
            "declare",
            "--title",
            &format!("race {round}"),
            "--severity",
            "P2",
        ]))["incident"]["id"]
            .as_i64()
            .unwrap()
            .to_string();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let changes: Vec<_> = [("alice", "identified"), ("bob", "monitoring")]
            .into_iter()
            .map(|(who, to)| {
                let (url, id, barrier) = (url_as(&pg, who), id.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let home = tempfile::tempdir().unwrap();
                    let mut cmd = sitrep(&url, home.path(), who);
                    cmd.args(["status", &id, to]);
                    barrier.wait();
                    cmd.output().unwrap()
                })
            })
            .collect();
        for change in changes {
            ok(change.join().unwrap());
        }
        let record = json(sitrep(&url, home.path(), "alice").args(["show", &id]));
        let statuses: Vec<&str> = record["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "status")
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        assert_eq!(statuses.len(), 3, "declared + two changes: {statuses:?}");
        // In order: each change starts from where the one before it left the incident.
        let step = |text: &str| -> (String, String) {
            let (from, to) = text
                .trim_start_matches("status: ")
                .split_once(" → ")
                .unwrap();
            (from.to_string(), to.to_string())
        };
        let (first, second) = (step(statuses[1]), step(statuses[2]));
        assert_eq!(first.0, "investigating", "{statuses:?}");
        assert_eq!(
            second.0, first.1,
            "the second change saw the first: {statuses:?}"
        );
        assert_eq!(
            record["incident"]["status"],
            second.1.as_str(),
            "{statuses:?}"
        );
    }
}

/// A wrong password: one clear line, exit 5, and the password in no output.
#[test]
fn a_wrong_password_is_one_clear_line_that_never_shows_it() {
    let pg = Postgres::start();
    team(&pg);
    let home = tempfile::tempdir().unwrap();
    let wrong = pg.url_for("alice", "not-the-Pa55word", "team");
    let out = sitrep(&wrong, home.path(), "alice")
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-Pa55word"), "{stderr}");
    // Nor does config path, --json or --help with the URL in the environment.
    for args in [
        &["config", "path"][..],
        &["config", "path", "--json"],
        &["--help"],
    ] {
        let out = sitrep(&wrong, home.path(), "alice")
            .args(args)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("not-the-Pa55word"), "{args:?}: {all}");
    }
    let shown = ok(sitrep(&wrong, home.path(), "alice")
        .args(["config", "path"])
        .output()
        .unwrap());
    assert!(shown.contains("postgres://alice@127.0.0.1"), "{shown}");
    // PGPASSWORD and ~/.pgpass are libpq's ways to keep it out of the URL.
    let bare = format!(
        "postgres://alice@127.0.0.1:{}/team?sslmode=disable",
        pg.port
    );
    ok(sitrep(&bare, home.path(), "alice")
        .env("PGPASSWORD", "alice-pw")
        .arg("list")
        .output()
        .unwrap());
    let pgpass = home.path().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{}:team:alice:alice-pw\n", pg.port),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    ok(sitrep(&bare, home.path(), "alice")
        .arg("list")
        .output()
        .unwrap());
}

/// Two sitreps starting at once against an empty database: one migration, no error.
#[test]
fn two_processes_migrating_an_empty_database_at_once_migrate_it_once() {
    let pg = Postgres::start();
    for round in 0..3 {
        let url = pg.database(&format!("fresh{round}"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(3));
        let starts: Vec<_> = (0..3)
            .map(|n| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let home = tempfile::tempdir().unwrap();
                    let mut cmd = sitrep(&url, home.path(), &format!("user{n}"));
                    cmd.arg("list");
                    barrier.wait();
                    cmd.output().unwrap()
                })
            })
            .collect();
        for start in starts {
            ok(start.join().unwrap());
        }
        let versions: Vec<i32> = pg
            .client(&format!("fresh{round}"))
            .query("SELECT version FROM sitrep_schema ORDER BY version", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let every: Vec<i32> =
            (1..=sitrep::store::postgres::schema::latest_version() as i32).collect();
        assert_eq!(versions, every, "each migration ran once");
    }
}

/// TLS with a throwaway CA: verify-full connects; a CA that did not sign the server's
/// certificate, a host name the certificate does not name, or verify-full without a
/// CA file are each refused with one clear line.
#[test]
fn tls_verify_full_connects_and_a_wrong_ca_is_refused_clearly() {
    let certs = tempfile::tempdir().unwrap();
    common::backend::throwaway_ca(certs.path());
    let other = tempfile::tempdir().unwrap();
    common::backend::throwaway_ca(other.path());
    // The server's copies, owned by it with the key private, as PostgreSQL demands.
    let server_dir = tempfile::tempdir().unwrap();
    for name in ["server.pem", "server.key"] {
        std::fs::copy(certs.path().join(name), server_dir.path().join(name)).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(server_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        server_dir.path().join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let _ = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(server_dir.path())
        .status();
    let cert = server_dir.path().join("server.pem").display().to_string();
    let key = server_dir.path().join("server.key").display().to_string();
    let pg = Postgres::start_with(&[
        ("ssl", "on"),
        ("ssl_cert_file", &cert),
        ("ssl_key_file", &key),
    ]);
    pg.database("secure");
    let home = tempfile::tempdir().unwrap();
    let url = |host: &str, extra: &str| {
        format!(
            "postgres://postgres:{}@{host}:{}/secure?sslmode=verify-full{extra}",
            common::postgres::SUPERUSER_PASSWORD,
            pg.port
        )
    };
    let ca = certs.path().join("ca.pem").display().to_string();
    let good = url("127.0.0.1", &format!("&sslrootcert={ca}"));
    json(sitrep(&good, home.path(), "alice").args([
        "declare",
        "--title",
        "over TLS",
        "--severity",
        "P2",
    ]));
    let wrong_ca = other.path().join("ca.pem").display().to_string();
    for (spec, says) in [
        (
            url("127.0.0.1", &format!("&sslrootcert={wrong_ca}")),
            "not signed by a CA sitrep trusts",
        ),
        (
            url("localhost", &format!("&sslrootcert={ca}")),
            "not valid for this host name",
        ),
        (url("127.0.0.1", ""), "needs the CA certificate"),
    ] {
        let out = sitrep(&spec, home.path(), "alice")
            .arg("list")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{spec}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{spec}: {stderr}");
        assert!(
            !stderr.contains(common::postgres::SUPERUSER_PASSWORD),
            "{stderr}"
        );
    }
    // verify-ca checks the chain only: the host name may differ.
    let chain_only =
        url("localhost", &format!("&sslrootcert={ca}")).replace("verify-full", "verify-ca");
    ok(sitrep(&chain_only, home.path(), "alice")
        .arg("list")
        .output()
        .unwrap());
}

/// A local log of 1,000 incidents (entries, a revision, follow-ups, linked alerts)
/// built through the store.
fn local_log(path: &Path, incidents: usize, title: &str) {
    use chrono::Utc;
    use sitrep::domain::alert::LinkedAlert;
    use sitrep::domain::{
        Declaration, EntryKind, NewEntry, NewFollowUp, NewIncident, Severity, Status,
    };
    let mut store = sitrep::store::Store::open(path, sitrep::store::DEFAULT_BUSY_TIMEOUT).unwrap();
    let today = Utc::now().date_naive();
    for n in 0..incidents {
        let d = Declaration {
            title: format!("{title} {n}"),
            severity: Some(if n % 3 == 0 {
                Severity::P1
            } else {
                Severity::P2
            }),
            regions: vec!["eu-west".into()],
            comms_lead: Some("carol".into()),
            alerts: vec![LinkedAlert {
                fingerprint: format!("fp{n}"),
                name: "RoomDown".into(),
                source: "eu".into(),
                service: Some("room".into()),
                region: Some("eu-west".into()),
                summary: Some("room is down".into()),
                runbook_url: Some("https://runbooks.example/room".into()),
                generator_url: None,
                starts_at: None,
            }],
            ..Declaration::default()
        };
        let id = store
            .declare(NewIncident::declare(d, "alice", Utc::now()).unwrap())
            .unwrap()
            .incident
            .id;
        let entry = store
            .append_entry(
                id,
                &NewEntry::typed(
                    EntryKind::Mitigation,
                    "alice",
                    &format!("drained {n}"),
                    Utc::now(),
                )
                .unwrap(),
            )
            .unwrap();
        if n % 10 == 0 {
            store
                .correct_entry(
                    entry.id,
                    Some(&format!("drained {n} and more")),
                    None,
                    "bob",
                    Utc::now(),
                )
                .unwrap();
            let f = NewFollowUp::new(
                id,
                "add a canary",
                "bob",
                Some(today + chrono::Days::new(7)),
                "alice",
                Utc::now(),
                today,
            )
            .unwrap();
            store.add_follow_up(f).unwrap();
        }
        if n % 2 == 0 {
            store
                .change_status(id, Status::Identified, "alice", Utc::now())
                .unwrap();
        }
    }
}

/// Everything of every incident, with the writer's database role left out (on the
/// team database the copier's role signs what it copied).
fn everything(spec: &str) -> Vec<sitrep::store::IncidentRecord> {
    let target = sitrep::store::Target::parse(std::ffi::OsStr::new(spec)).unwrap();
    let mut store =
        sitrep::store::Store::connect(&target, sitrep::store::DEFAULT_BUSY_TIMEOUT, true).unwrap();
    let mut records = store.export_all().unwrap();
    for r in &mut records {
        for e in &mut r.timeline {
            e.db_role = None;
        }
    }
    records
}

#[test]
fn db_copy_moves_a_local_log_whole_and_a_rerun_copies_nothing() {
    let pg = Postgres::start();
    let url = pg.database("team");
    let home = tempfile::tempdir().unwrap();
    let local = home.path().join("local.db");
    local_log(&local, 1000, "incident");
    let local_spec = local.display().to_string();
    let copy = |from: &str, extra: &[&str]| {
        let mut cmd = sitrep(from, home.path(), "alice");
        cmd.args(["db", "copy", "--to", &url]).args(extra);
        cmd.output().unwrap()
    };
    let report: Value = serde_json::from_str(&ok(copy(&local_spec, &["--json"]))).unwrap();
    let copied = &report["copied"];
    assert_eq!(copied["incidents"], 1000);
    assert_eq!(copied["alerts"], 1000);
    assert_eq!(copied["revisions"], 100);
    assert_eq!(copied["follow_ups"], 100);
    let local_entries: i64 = rusqlite::Connection::open(&local)
        .unwrap()
        .query_row("SELECT count(*) FROM timeline_entry", [], |r| r.get(0))
        .unwrap();
    assert_eq!(copied["entries"], local_entries);
    assert!(!report
        .to_string()
        .contains(common::postgres::SUPERUSER_PASSWORD));
    assert_eq!(
        everything(&url),
        everything(&local_spec),
        "same contents, ids and times"
    );

    let again: Value = serde_json::from_str(&ok(copy(&local_spec, &["--json"]))).unwrap();
    assert_eq!(again["copied"]["incidents"], 0);
    assert_eq!(again["copied"]["incidents_present"], 1000);
    for kind in ["entries", "revisions", "follow_ups", "alerts"] {
        assert_eq!(again["copied"][kind], 0, "{kind} copied twice");
    }
    // New ids keep counting after the copied ones.
    let next = json(sitrep(&url, home.path(), "alice").args([
        "declare",
        "--title",
        "after the copy",
        "--severity",
        "P2",
    ]));
    assert_eq!(next["incident"]["id"], 1001);

    // Another host's log with its own incident #1: refused whole, then renumbered.
    let other = home.path().join("other.db");
    local_log(&other, 3, "elsewhere");
    let other_spec = other.display().to_string();
    let out = copy(&other_spec, &[]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("different incident #1") && stderr.contains("--renumber"),
        "{stderr}"
    );
    assert_eq!(everything(&url).len(), 1001, "nothing copied");
    let renumbered: Value =
        serde_json::from_str(&ok(copy(&other_spec, &["--renumber", "--json"]))).unwrap();
    assert_eq!(renumbered["copied"]["renumbered"], 3);
    let titles: Vec<String> = everything(&url)
        .into_iter()
        .map(|r| r.incident.title)
        .collect();
    assert_eq!(titles.len(), 1004);
    assert!(titles.contains(&"elsewhere 2".to_string()));
}

/// What a responder does besides appending, done with a `sitrep_responder` login
/// (not the owner that ran `db init`): a comms update posted through the outbox, with
/// one failed try (the delivery row is claimed, updated and finished), an amended
/// entry, a follow-up added, edited, done and cancelled. A grant missing from the
/// role model would fail here.
#[test]
fn a_responder_role_posts_through_the_outbox_amends_and_changes_follow_ups() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let pg = Postgres::start();
    team(&pg);
    let tries = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&tries);
    let hook = common::backend::scripted_with(move |_| {
        let status = match counted.fetch_add(1, Ordering::SeqCst) {
            0 => "500 Internal Server Error",
            _ => "200 OK",
        };
        Some(common::backend::reply(status, "ok"))
    });
    let home = tempfile::tempdir().unwrap();
    let url_file = home.path().join("hook-url");
    std::fs::write(&url_file, format!("{hook}/hook\n")).unwrap();
    std::fs::set_permissions(
        &url_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[comms.channels]]\nname = \"#incidents\"\nurl_file = \"{}\"\n",
            url_file.display()
        ),
    )
    .unwrap();
    let alice = url_as(&pg, "alice");
    let run = |args: &[&str]| {
        json(
            sitrep(&alice, home.path(), "alice")
                .env("SITREP_CONFIG", &config)
                .args(args),
        )
    };
    run(&["declare", "--title", "room down", "--severity", "P2"]);
    let posted = run(&[
        "log",
        "1",
        "--kind",
        "comms",
        "--post",
        "We rolled back; errors are falling.",
    ]);
    assert_eq!(posted["posts"][0]["posted"], true, "{posted}");
    assert_eq!(tries.load(Ordering::SeqCst), 2, "one 500, then the 200");
    let entry = posted["entry"]["id"].as_i64().unwrap().to_string();
    run(&["amend", &entry, "We rolled back room; errors are falling."]);
    run(&[
        "followup", "add", "1", "--owner", "bob", "pin", "the", "release",
    ]);
    run(&["followup", "edit", "1", "--owner", "carol"]);
    run(&[
        "followup", "add", "1", "--owner", "bob", "write", "a", "runbook",
    ]);
    run(&["followup", "done", "2"]);
    run(&[
        "followup",
        "cancel",
        "1",
        "--reason",
        "covered by the release freeze",
    ]);
    let record = run(&["show", "1"]);
    let timeline = record["timeline"].as_array().unwrap();
    let posted_entries = timeline
        .iter()
        .filter(|e| e["text"].as_str().unwrap().contains("posted to #incidents"))
        .count();
    assert_eq!(posted_entries, 1, "{timeline:?}");
    assert!(
        timeline
            .iter()
            .all(|e| e["db_role"].as_str() == Some("alice")),
        "every entry signed by the responder's own role: {timeline:?}"
    );
    let follow_ups = record["follow_ups"].as_array().unwrap();
    assert_eq!(follow_ups.len(), 2, "{follow_ups:?}");
}

/// A login the owner never granted `sitrep_responder`: one line that says which grant
/// is missing and who can give it (not a hint about read-only files), exit 5, and
/// nothing written.
#[test]
fn a_login_without_the_responder_role_is_told_which_grant_it_needs() {
    let pg = Postgres::start();
    team(&pg);
    let home = tempfile::tempdir().unwrap();
    json(sitrep(&url_as(&pg, "alice"), home.path(), "alice").args([
        "declare",
        "--title",
        "room down",
        "--severity",
        "P2",
    ]));
    pg.client("team")
        .batch_execute("CREATE ROLE mallory LOGIN PASSWORD 'mallory-pw'")
        .unwrap();
    let mallory = url_as(&pg, "mallory");
    for args in [&["log", "1", "rolled back"][..], &["show", "1"]] {
        let out = sitrep(&mallory, home.path(), "mallory")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("permission denied") && stderr.contains("GRANT sitrep_responder TO"),
            "{stderr}"
        );
        assert!(!stderr.contains("read-only"), "{stderr}");
    }
    let record = json(sitrep(&url_as(&pg, "alice"), home.path(), "alice").args(["show", "1"]));
    let texts = common::timeline_texts(&record);
    assert!(
        !texts.iter().any(|t| t.contains("rolled back")),
        "{texts:?}"
    );
}
