//! The database is an input. A responder's own login on the team database (and, on
//! one host, any process that can write the SQLite file) can write any bytes; what
//! sitrep reads back must never reach another responder's terminal raw nor break
//! their log. Each test writes the hostile rows the way an attacker would (`psql`-like
//! SQL as a `sitrep_responder` login, or the `sqlite3` CLI), then checks what alice
//! sees with `show`, `export`, `comms`, `review`, `list` and the TUI.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::postgres::Postgres;
use common::tmux::Tmux;
use serde_json::Value;

use common::{ok, responder as sitrep};

/// What must never leave sitrep toward a terminal or a document: C0 controls but
/// line feed, DEL, C1 controls, bidi embeddings/overrides/isolates, line and
/// paragraph separators, zero-width and other invisible format characters.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

fn assert_clean(what: &str, text: &str) {
    if let Some((at, c)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        panic!(
            "{what} holds U+{:04X} at byte {at}: …{:?}",
            c as u32,
            &text[from..(at + 8).min(text.len())]
        );
    }
}

/// The hostile values a responder writes, each with escapes a terminal obeys:
/// clear screen + set title + OSC 52 (writes the reader's clipboard), an OSC 8
/// link, BEL, CR, DEL, a C1 CSI, bidi override, line separator.
const TITLE: &str = "x\u{1b}]52;c;SGVsbG8=\u{7}\u{1b}[2J\u{1b}]0;owned\u{7}";
const COMMANDER: &str = "bo\u{202e}b\r";
const SUMMARY: &str =
    "see \u{1b}]8;;http://evil.example\u{1b}\\here\u{1b}]8;;\u{1b}\\ \u{9b}31m\u{7f}";
const ENTRY: &str = "rolled back\u{2028}\u{1b}[31mred\u{200b}";

/// Alice's every reading command: none may print a forbidden character, and each
/// still shows every incident.
fn alice_reads_clean(db: &str, home: &Path, incidents: &[i64]) -> Value {
    for id in incidents {
        for args in [
            vec!["show".to_string(), id.to_string()],
            vec!["export".into(), id.to_string(), "-o".into(), "-".into()],
            vec!["show".into(), id.to_string(), "--json".into()],
        ] {
            let out = ok(sitrep(db, home, "alice").args(&args).output().unwrap());
            assert_clean(&format!("{args:?}"), &out);
        }
    }
    for args in [
        vec!["review", "--since", "30d"],
        vec!["--json", "review", "--since", "30d"],
        vec!["alerts", "quality", "--since", "30d"],
        vec!["list"],
        vec!["followup", "list"],
    ] {
        let out = ok(sitrep(db, home, "alice").args(&args).output().unwrap());
        assert_clean(&format!("{args:?}"), &out);
    }
    let list = ok(sitrep(db, home, "alice")
        .args(["list", "--json"])
        .output()
        .unwrap());
    assert_clean("list --json", &list);
    let list: Value = serde_json::from_str(&list).unwrap();
    let mut ids: Vec<i64> = list["incidents"]
        .as_array()
        .or_else(|| list.as_array())
        .expect("a list of incidents")
        .iter()
        .map(|i| i["incident"]["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, incidents, "every incident is listed: {list}");
    list
}

/// Runs the team schema's migrations up to `version` as the owner, as an older
/// sitrep would have left it.
fn team_schema_at(client: &mut postgres::Client, version: usize) {
    client
        .batch_execute("CREATE TABLE sitrep_schema (version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        .unwrap();
    for (i, sql) in sitrep::store::postgres::schema::MIGRATIONS[..version]
        .iter()
        .enumerate()
    {
        client.batch_execute(sql).unwrap();
        client
            .execute(
                "INSERT INTO sitrep_schema (version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )
            .unwrap();
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A team database from before sitrep checked its rows, holding rows that break what
/// sitrep assumes (written with psql): it migrates, every incident still lists and
/// reads, each bad row is one unreadable entry or value in its place, `doctor` counts
/// them, and a change through sitrep mends the incident in the open.
#[test]
fn bad_rows_from_before_the_checks_are_each_one_unreadable_row_on_postgres() {
    let pg = Postgres::start();
    let url = pg.database("team");
    let mut owner = pg.client("team");
    team_schema_at(&mut owner, 6);
    let now = now_ms();
    owner
        .batch_execute(&format!(
            "INSERT INTO incident (title, severity, status, commander, trigger_ms, declared_ms, declared_by, regions) \
             VALUES ('room down', 'P1', 'investigating', 'alice', {now}, {now}, 'alice', '[\"eu-west\"]'), \
                    ('bad lists', 'P2', 'investigating', 'bob', {now}, 9223372036854775807, 'bob', 'not json'); \
             UPDATE incident SET root_cause = 'sabotage', cohorts = '[1, \"x\"]' WHERE id = 2; \
             INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES \
                 (1, {now}, 'alice', 'status', 'declared'), \
                 (1, {now} + 1, 'mallory', 'bogus', 'cannot be read'), \
                 (1, {now} + 2, 'alice', 'mitigation', 'rolled back room'), \
                 (2, 9223372036854775807, 'bob', 'note', 'far future'); \
             INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) VALUES \
                 (3, {now} + 3, 'alice', 'rolled back room to v41', NULL), \
                 (3, {now} + 4, 'mallory', 'x', 'nonsense'); \
             INSERT INTO followup (incident_id, title, owner, due, created_ms) VALUES \
                 (1, 'add a canary', 'alice', 'soon', {now});"
        ))
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    common::init_team(&url, home.path());
    owner
        .batch_execute(
            "CREATE ROLE alice LOGIN PASSWORD 'alice-pw' IN ROLE sitrep_responder; \
             CREATE ROLE mallory LOGIN PASSWORD 'mallory-pw' IN ROLE sitrep_responder;",
        )
        .unwrap();
    let alice = pg.url_for("alice", "alice-pw", "team");

    alice_reads_clean(&alice, home.path(), &[1, 2]);
    let shown = ok(sitrep(&alice, home.path(), "alice")
        .args(["show", "1"])
        .output()
        .unwrap());
    assert!(
        shown.contains("unreadable entry #2: kind = 'bogus'"),
        "{shown}"
    );
    assert!(shown.contains("rolled back room to v41"), "{shown}");
    assert!(
        shown.contains("unreadable revision #2 of entry #3: kind = 'nonsense'"),
        "{shown}"
    );
    assert!(
        shown.contains("add a canary [unreadable: due = 'soon']"),
        "{shown}"
    );
    let shown = ok(sitrep(&alice, home.path(), "alice")
        .args(["show", "2"])
        .output()
        .unwrap());
    for why in [
        "declared_ms = 9223372036854775807 is not a time",
        "regions is not a JSON list",
        "root_cause = 'sabotage'",
        "unreadable entry #4",
    ] {
        assert!(shown.contains(why), "{why}: {shown}");
    }
    let doctor = sitrep(&alice, home.path(), "alice")
        .arg("doctor")
        .output()
        .unwrap();
    let doctor = String::from_utf8_lossy(&doctor.stdout).to_string();
    for counted in [
        "1 timeline_entry row(s) break timeline_entry_kind_known",
        "1 timeline_entry row(s) break timeline_entry_at_sane",
        "1 incident row(s) break incident_lists_are_names",
        "1 incident row(s) break incident_times_sane",
        "1 entry_revision row(s) break entry_revision_kind_typed",
        "1 incident row(s) break incident_root_cause_known",
        "1 followup row(s) break followup_due_is_a_day",
    ] {
        assert!(doctor.contains(counted), "{counted}: {doctor}");
    }
    // A change through sitrep saves what was shown, and says so in the timeline.
    ok(sitrep(&alice, home.path(), "alice")
        .args(["status", "2", "identified"])
        .output()
        .unwrap());
    let shown = ok(sitrep(&alice, home.path(), "alice")
        .args(["show", "2"])
        .output()
        .unwrap());
    assert!(
        shown.contains("stored values that could not be read were saved as shown"),
        "{shown}"
    );
    assert!(!shown.contains("  unreadable     ⚠"), "mended: {shown}");
}

/// After the migration, what a responder's login can still write is sanitized on
/// the way out, what it cannot is refused by the server, entries are signed with the
/// login and dated by the server, and no grant lets it lock a table.
#[test]
fn a_responder_login_cannot_forge_backdate_break_or_lock_the_team_log() {
    use postgres::error::SqlState;
    let pg = Postgres::start();
    let url = pg.database("team");
    let home = tempfile::tempdir().unwrap();
    common::init_team(&url, home.path());
    pg.client("team")
        .batch_execute(
            "CREATE ROLE alice LOGIN PASSWORD 'alice-pw' IN ROLE sitrep_responder; \
             CREATE ROLE mallory LOGIN PASSWORD 'mallory-pw' IN ROLE sitrep_responder;",
        )
        .unwrap();
    let alice = pg.url_for("alice", "alice-pw", "team");
    for title in ["room down", "chat slow", "auth errors"] {
        ok(sitrep(&alice, home.path(), "alice")
            .args([
                "declare",
                "--title",
                title,
                "--severity",
                "P1",
                "--region",
                "eu-west",
            ])
            .output()
            .unwrap());
    }
    ok(sitrep(&alice, home.path(), "alice")
        .args(["log", "1", "rolled back room"])
        .output()
        .unwrap());
    let mut mallory = postgres::Client::connect(
        &pg.url_for("mallory", "mallory-pw", "team"),
        postgres::NoTls,
    )
    .unwrap();
    // Text is free-form: these are written, and must come out harmless.
    mallory
        .execute(
            "UPDATE incident SET title = $1, commander = $2, summary = $3, public_title = $1, \
             public_impact = $3, regions = $4, comms_lead = $2 WHERE id = 1",
            &[
                &TITLE,
                &COMMANDER,
                &SUMMARY,
                &"[\"eu\\u2028west\\u001b[2J\"]",
            ],
        )
        .unwrap();
    mallory
        .execute(
            "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text, db_role) \
             VALUES (1, 0, $1, 'mitigation', $2, 'alice'), (1, 4102444000000, 'alice', 'comms', $2, 'alice')",
            &[&"ali\u{1b}[8mce", &ENTRY],
        )
        .unwrap();
    mallory
        .execute(
            "INSERT INTO followup (incident_id, title, owner, due, created_ms) VALUES (1, $1, $2, '2027-01-01', $3)",
            &[&ENTRY, &COMMANDER, &now_ms()],
        )
        .unwrap();
    // What sitrep could not read is refused by the database itself.
    for (sql, code) in [
        (
            "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (2, 1800000000000, 'm', 'bogus', 'x')",
            SqlState::CHECK_VIOLATION,
        ),
        ("UPDATE incident SET regions = 'not json' WHERE id = 2", SqlState::CHECK_VIOLATION),
        ("UPDATE incident SET services = '[1]' WHERE id = 2", SqlState::CHECK_VIOLATION),
        ("UPDATE incident SET root_cause = 'sabotage' WHERE id = 2", SqlState::CHECK_VIOLATION),
        (
            "UPDATE incident SET trigger_ms = 9223372036854775807 WHERE id = 2",
            SqlState::CHECK_VIOLATION,
        ),
        ("UPDATE followup SET due = 'soon'", SqlState::CHECK_VIOLATION),
        ("UPDATE incident SET declared_ms = 0", SqlState::INSUFFICIENT_PRIVILEGE),
        ("DELETE FROM linked_alert", SqlState::INSUFFICIENT_PRIVILEGE),
        ("LOCK TABLE incident IN ACCESS EXCLUSIVE MODE", SqlState::INSUFFICIENT_PRIVILEGE),
        ("LOCK TABLE followup IN EXCLUSIVE MODE", SqlState::INSUFFICIENT_PRIVILEGE),
        ("LOCK TABLE comms_delivery IN SHARE MODE", SqlState::INSUFFICIENT_PRIVILEGE),
        ("LOCK TABLE linked_alert IN ACCESS EXCLUSIVE MODE", SqlState::INSUFFICIENT_PRIVILEGE),
        ("LOCK TABLE timeline_entry IN ACCESS EXCLUSIVE MODE", SqlState::INSUFFICIENT_PRIVILEGE),
        ("LOCK TABLE sitrep_schema IN ACCESS EXCLUSIVE MODE", SqlState::INSUFFICIENT_PRIVILEGE),
    ] {
        let err = mallory
            .batch_execute(&format!("BEGIN; {sql}; COMMIT"))
            .expect_err(sql);
        let _ = mallory.batch_execute("ROLLBACK");
        assert_eq!(err.code(), Some(&code), "{sql}: {err:?}");
    }

    let list = alice_reads_clean(&alice, home.path(), &[1, 2, 3]);
    assert!(
        list.to_string().contains("␛]52;c;SGVsbG8=␇"),
        "visible: {list}"
    );
    let comms = ok(sitrep(&alice, home.path(), "alice")
        .args(["comms", "1"])
        .output()
        .unwrap());
    assert_clean("comms 1", &comms);
    assert!(comms.contains("␛]52;c;"), "{comms}");
    // Signed by the login that wrote it and dated by the server, whatever was sent.
    let record: Value = serde_json::from_str(&ok(sitrep(&alice, home.path(), "alice")
        .args(["show", "1", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let forged: Vec<&Value> = record["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["text"].as_str().is_some_and(|t| t.contains("␛[31mred")))
        .collect();
    assert_eq!(forged.len(), 2, "{record}");
    let now = chrono::Utc::now();
    for entry in forged {
        assert_eq!(entry["db_role"], "mallory", "{entry}");
        let at: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(entry["at"].clone()).unwrap();
        assert!(
            (now - at).num_minutes().abs() < 5,
            "dated by the server, not 1970 or 2099: {entry}"
        );
    }
    let shown = ok(sitrep(&alice, home.path(), "alice")
        .args(["show", "1"])
        .output()
        .unwrap());
    assert!(shown.contains("(as db role mallory)"), "{shown}");
    // Alice's own sitrep still works with a row held by mallory's lock: bounded wait.
    ok(sitrep(&alice, home.path(), "alice")
        .args(["log", "2", "still writing"])
        .output()
        .unwrap());
}

/// The TUI on the team database after a responder wrote escapes into every field:
/// the raw bytes sitrep sends to the terminal hold none of them, every incident is
/// listed, and an incident with an unreadable entry opens (not "loading…" forever).
#[test]
fn the_tui_sends_no_hostile_byte_to_the_terminal_and_lists_every_incident() {
    let pg = Postgres::start();
    let url = pg.database("team");
    let home = tempfile::tempdir().unwrap();
    common::init_team(&url, home.path());
    for title in ["room down", "chat slow"] {
        ok(sitrep(&url, home.path(), "alice")
            .args(["declare", "--title", title, "--severity", "P2"])
            .output()
            .unwrap());
    }
    let mut owner = pg.client("team");
    owner
        .execute(
            "UPDATE incident SET title = $1, commander = $2, summary = $3, regions = $4 WHERE id = 1",
            &[&TITLE, &COMMANDER, &SUMMARY, &"[\"eu\\u202ewest\"]"],
        )
        .unwrap();
    owner
        .execute(
            "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, $1, $2, 'note', $3)",
            &[&now_ms(), &"mal\u{9b}lory", &ENTRY],
        )
        .unwrap();
    // A row from before the checks: the constraint is put back as the migration
    // left it (NOT VALID), so the bad row stays.
    owner
        .batch_execute(&format!(
            "ALTER TABLE timeline_entry DROP CONSTRAINT timeline_entry_kind_known; \
             INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, {}, 'm', 'bogus', 'x'); \
             ALTER TABLE timeline_entry ADD CONSTRAINT timeline_entry_kind_known CHECK \
             (kind IN ('mitigation', 'comms', 'note', 'status', 'severity', 'role', 'alert', 'followup')) NOT VALID;",
            now_ms()
        ))
        .unwrap();
    let raw = home.path().join("raw.bytes");
    let tmux = Tmux::start(home.path(), Path::new(&url));
    tmux.tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        &tmux.session,
        &format!("cat >> '{}'", raw.display()),
    ]);
    let screen = tmux.wait_for("chat slow");
    assert!(screen.contains("␛]52;c;"), "{screen}");
    assert!(!screen.contains("No open incidents"), "{screen}");
    // Open each incident (the one with the unreadable row too) and come back: every
    // field is drawn while the pane is piped.
    let mut opened = Vec::new();
    for key in ["Up", "Down"] {
        tmux.keys(&[key, "Enter"]);
        tmux.wait_for("Timeline (");
        // A capture can land mid-draw: take the screen once the frame is done.
        std::thread::sleep(std::time::Duration::from_millis(300));
        opened.push(tmux.screen());
        tmux.keys(&["Escape", "Escape"]);
        tmux.wait_for("chat slow");
    }
    assert!(
        opened
            .iter()
            .any(|s| s.contains("unreadable entry #") && s.contains("␛]52;c;")),
        "the incident with the unreadable entry opened: {opened:#?}"
    );
    assert!(
        opened.iter().all(|s| !s.contains("loading…")),
        "{opened:#?}"
    );
    tmux.keys(&["C-c"]);
    tmux.wait_for("EXIT=");
    let bytes = std::fs::read(&raw).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("␛]52;c;"), "the hostile title was drawn");
    for (what, needle) in [
        ("OSC 52", "\u{1b}]52"),
        ("OSC 0 (title)", "\u{1b}]0;owned"),
        ("OSC 8 (link)", "\u{1b}]8;;http://evil"),
        ("BEL", "\u{7}"),
        ("C1 CSI", "\u{9b}"),
        ("bidi override", "\u{202e}"),
        ("line separator", "\u{2028}"),
        ("zero width space", "\u{200b}"),
        ("DEL", "\u{7f}"),
        ("SGR from a row", "\u{1b}[31mred"),
    ] {
        assert!(!text.contains(needle), "{what} reached the terminal");
    }
}

fn sqlite3(db: &Path, sql: &str) -> Output {
    Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("sqlite3 is not installed: run scripts/test, which installs it")
}

/// On one host the same threat is another process writing the file with `sqlite3`:
/// new bad rows are refused by the file's own checks; rows from before them read as
/// unreadable in place; escapes never come out raw.
#[test]
fn a_process_writing_the_sqlite_file_cannot_break_the_log_or_reach_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("sitrep.db");
    let db_text = db.display().to_string();
    for title in ["room down", "chat slow", "auth errors"] {
        ok(sitrep(&db_text, home.path(), "alice")
            .args(["declare", "--title", title, "--severity", "P1"])
            .output()
            .unwrap());
    }
    ok(sitrep(&db_text, home.path(), "alice")
        .args(["log", "1", "rolled back room"])
        .output()
        .unwrap());
    let now = now_ms();
    // Refused now, by the file's own triggers.
    for sql in [
        format!("INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, {now}, 'm', 'bogus', 'x')"),
        "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, 0, 'm', 'note', 'from 1970')".into(),
        "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, 4102000000000, 'm', 'note', 'from 2099')".into(),
        format!("INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, {now}, 'm', 'note', x'ff00')"),
        "UPDATE incident SET regions = 'not json' WHERE id = 2".into(),
        "UPDATE incident SET root_cause = 'sabotage' WHERE id = 2".into(),
        "UPDATE incident SET declared_ms = 9223372036854775807 WHERE id = 2".into(),
    ] {
        let out = sqlite3(&db, &sql);
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("sitrep:"),
            "{sql}: {out:?}"
        );
    }
    // Escapes in text are text: written, and shown harmless.
    let out = sqlite3(
        &db,
        &format!(
            "UPDATE incident SET title = CAST(x'{}' AS TEXT), commander = 'bo' || char(0x202e) || 'b' WHERE id = 1; \
             INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, {now}, 'm', 'note', 'x' || char(27) || ']52;c;SGVsbG8=' || char(7) || char(0x2028) || char(0x9b));",
            hex(TITLE)
        ),
    );
    assert!(out.status.success(), "{out:?}");
    // The alert history is an input too: escapes in names and labels, labels that
    // are not JSON, a start that is not a number.
    let out = sqlite3(
        &db,
        &format!(
            "INSERT INTO alert_firing (alert_key, source, name, labels, annotations, started_ms, ended_ms) VALUES \
             ('k1', 'am', 'Evil' || char(27) || '[2J', '{{\"alertname\":\"Evil\",\"team\":\"x' || char(27) || ']0;pwned' || char(7) || '\"}}', '{{}}', {now} - 60000, {now}), \
             ('k2', 'am', 'Broken', 'not json', '[1,2]', {now} - 60000, NULL), \
             ('k3', 'am', 'BadTime', '{{}}', '{{}}', 'soon', NULL);"
        ),
    );
    assert!(out.status.success(), "{out:?}");
    alice_reads_clean(&db_text, home.path(), &[1, 2, 3]);
    let quality: Value = serde_json::from_str(&ok(sitrep(&db_text, home.path(), "alice")
        .args(["--json", "alerts", "quality", "--since", "1d"])
        .output()
        .unwrap()))
    .unwrap();
    let names: Vec<&str> = quality["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // The unreadable start is one firing fewer; the rest are read, shown harmless.
    assert_eq!(names.len(), 2, "{quality:#}");
    assert!(names.contains(&"Evil␛[2J"), "{names:?}");
    assert!(names.contains(&"Broken"), "{names:?}");
    // Rows from before the checks (the triggers dropped, as a file of schema 9 had
    // none), then the file migrated again: they stay, and read as unreadable.
    let out = sqlite3(
        &db,
        &format!(
            "DROP TRIGGER timeline_entry_checked; DROP TRIGGER incident_checked_on_update; DROP TRIGGER followup_checked; \
             DROP TRIGGER incident_checked; DROP TRIGGER entry_revision_checked; DROP TRIGGER followup_checked_on_update; \
             DROP TABLE watcher; DROP TABLE watch_lease; DROP INDEX timeline_entry_alerts; \
             DROP TABLE alert_firing; DROP TABLE alert_watch; DROP INDEX comms_delivery_by_incident; \
             PRAGMA user_version = 9; \
             INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, {now}, 'm', 'bogus', 'x'), \
                 (1, {now}, 'm', 'note', x'ff00fe'), (2, 'soon', 'm', 'note', 'bad time'); \
             UPDATE incident SET regions = 'not json', root_cause = 'sabotage', title = 42 WHERE id = 2; \
             UPDATE incident SET declared_ms = 9223372036854775807 WHERE id = 3; \
             INSERT INTO followup (incident_id, title, owner, due, created_ms) VALUES (1, 'canary', 'alice', 'soon', {now});"
        ),
    );
    assert!(out.status.success(), "{out:?}");
    alice_reads_clean(&db_text, home.path(), &[1, 2, 3]);
    let shown = ok(sitrep(&db_text, home.path(), "alice")
        .args(["show", "1"])
        .output()
        .unwrap());
    assert!(shown.contains("kind = 'bogus'"), "{shown}");
    assert!(shown.contains("rolled back room"), "{shown}");
    assert!(shown.contains("␛]52;c;SGVsbG8=␇"), "{shown}");
    let shown = ok(sitrep(&db_text, home.path(), "alice")
        .args(["show", "2"])
        .output()
        .unwrap());
    assert!(shown.contains("at_ms"), "{shown}");
    assert!(shown.contains("regions is not a JSON list"), "{shown}");
    let doctor = sitrep(&db_text, home.path(), "alice")
        .arg("doctor")
        .output()
        .unwrap();
    let doctor = String::from_utf8_lossy(&doctor.stdout).to_string();
    assert!(doctor.contains("3 timeline_entry row(s)"), "{doctor}");
    assert!(doctor.contains("2 incident row(s)"), "{doctor}");
    assert!(doctor.contains("1 followup row(s)"), "{doctor}");
    // The checks are back after the migration.
    let out = sqlite3(
        &db,
        &format!("INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, {now}, 'm', 'bogus', 'x')"),
    );
    assert!(!out.status.success(), "{out:?}");
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[path = "fuzz/checks.rs"]
mod checks;

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]
    /// The fuzz target's invariant over arbitrary row contents, on stable: whatever
    /// bytes another writer puts in any column, every read still works and nothing
    /// read back holds a character the sanitizer stops.
    #[test]
    fn arbitrary_row_contents_read_back_clean_and_never_fail_a_list(
        data in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::prelude::Just(0xffu8),
                proptest::prelude::Just(0x1bu8),
            ],
            0..300,
        )
    ) {
        checks::stored_rows(&data);
    }
}

/// A team database from before schema 7 with the old role model (table-wide UPDATE
/// and DELETE grants), upgraded by the owner's ordinary sitrep, not `db init`: the
/// migration narrows the grants itself, and a responder can still change incidents
/// (unlinking alerts goes through the new function) but no longer lock a table.
#[test]
fn the_upgrade_narrows_an_existing_responder_role_without_another_db_init() {
    let pg = Postgres::start();
    let url = pg.database("team");
    let mut owner = pg.client("team");
    team_schema_at(&mut owner, 6);
    owner
        .batch_execute(
            "CREATE ROLE sitrep_responder NOLOGIN; \
             GRANT USAGE ON SCHEMA public TO sitrep_responder; \
             GRANT SELECT ON sitrep_schema, incident, timeline_entry, entry_revision, followup, linked_alert, comms_delivery TO sitrep_responder; \
             GRANT INSERT ON incident, timeline_entry, entry_revision, followup, linked_alert, comms_delivery TO sitrep_responder; \
             GRANT UPDATE ON incident, followup, comms_delivery TO sitrep_responder; \
             GRANT DELETE ON linked_alert TO sitrep_responder; \
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sitrep_responder; \
             CREATE ROLE alice LOGIN PASSWORD 'alice-pw' IN ROLE sitrep_responder;",
        )
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    ok(sitrep(&url, home.path(), "admin")
        .args(["list"])
        .output()
        .unwrap());
    let alice = pg.url_for("alice", "alice-pw", "team");
    ok(sitrep(&alice, home.path(), "alice")
        .args([
            "declare",
            "--title",
            "room down",
            "--severity",
            "P2",
            "--alert",
            "fp-1",
        ])
        .output()
        .unwrap());
    ok(sitrep(&alice, home.path(), "alice")
        .args(["edit", "1", "--unlink-alert", "fp-1"])
        .output()
        .unwrap());
    ok(sitrep(&alice, home.path(), "alice")
        .args(["resolve", "1"])
        .output()
        .unwrap());
    let record: Value = serde_json::from_str(&ok(sitrep(&alice, home.path(), "alice")
        .args(["show", "1", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(
        record["incident"]["linked_alerts"],
        serde_json::json!([]),
        "{record}"
    );
    assert_eq!(record["incident"]["status"], "resolved");
    let mut as_alice = postgres::Client::connect(&alice, postgres::NoTls).unwrap();
    let err = as_alice
        .batch_execute("BEGIN; LOCK TABLE incident IN ACCESS EXCLUSIVE MODE; COMMIT")
        .expect_err("no lock");
    assert_eq!(
        err.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{err:?}"
    );
}
