//! A database sitrep cannot use: not a database, unreadable, locked by another writer,
//! in a read-only or missing directory. Each exits 5 with one line that names the file,
//! and leaves the file (or its absence) exactly as it was.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::sandbox::{expect_error, set_mode, Sandbox};

#[test]
fn a_file_that_is_not_a_database_exits_5_and_is_left_untouched() {
    let sb = Sandbox::new();
    let garbage = b"this is not sqlite, it is a shopping list\n".repeat(200);
    fs::write(&sb.db, &garbage).unwrap();
    for args in [
        &["list"][..],
        &["show", "1"],
        &["declare", "--title", "t", "--severity", "P2"],
        &["log", "1", "hello"],
        &["followup", "list"],
    ] {
        let err = sb.fails(args, 5);
        assert!(
            err.contains(&format!("'{}' is not a sitrep database", sb.db.display())),
            "{args:?}: {err}"
        );
    }
    assert_eq!(fs::read(&sb.db).unwrap(), garbage);
    assert!(!sb.path("sitrep.db-wal").exists());
}

#[test]
fn an_unreadable_database_exits_5_for_an_unprivileged_user_and_is_left_untouched() {
    let sb = Sandbox::new();
    sb.declare("Stream starts failing");
    let rows = sb.rows();
    let bytes = fs::read(&sb.db).unwrap();
    set_mode(&sb.db, 0o000);
    for args in [&["show", "1"][..], &["list"], &["log", "1", "hello"]] {
        let out = sb.as_nobody(args);
        let err = expect_error(&out, 5, args);
        assert!(
            err.contains(&format!("cannot open database '{}'", sb.db.display())),
            "{args:?}: {err}"
        );
    }
    set_mode(&sb.db, 0o600);
    assert_eq!(fs::read(&sb.db).unwrap(), bytes);
    assert_eq!(sb.rows(), rows);
}

#[test]
fn a_database_in_a_read_only_directory_exits_5_and_no_file_is_created() {
    let sb = Sandbox::new();
    let dir = sb.path("read-only");
    fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o555);
    let db = dir.join("sitrep.db");
    let db_arg = db.to_str().unwrap();
    for args in [
        &[
            "--db",
            db_arg,
            "declare",
            "--title",
            "t",
            "--severity",
            "P2",
        ][..],
        &["--db", db_arg, "list"],
    ] {
        let out = sb.as_nobody(args);
        let err = expect_error(&out, 5, args);
        assert!(
            err.contains(&format!("cannot write database '{}'", db.display()))
                && err.contains("read-only"),
            "{err}"
        );
    }
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "nothing created");

    // The same command works for 'nobody' where it may write: the failure above was
    // the directory's, not the test's.
    let writable = sb.path("writable");
    fs::create_dir(&writable).unwrap();
    set_mode(&writable, 0o777);
    let db = writable.join("sitrep.db");
    let out = sb.as_nobody(&[
        "--db",
        db.to_str().unwrap(),
        "declare",
        "--title",
        "t",
        "--severity",
        "P2",
    ]);
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_data_directory_that_cannot_be_created_exits_5_naming_the_database() {
    let sb = Sandbox::new();
    let home = sb.path("read-only-home");
    fs::create_dir(&home).unwrap();
    set_mode(&home, 0o555);
    // No database named: sitrep makes its own data directory under $HOME, and cannot.
    let out = sb
        .nobody()
        .env_remove("SITREP_DB")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", &home)
        .args(["declare", "--title", "t", "--severity", "P2"])
        .output()
        .unwrap();
    let err = expect_error(&out, 5, "read-only home");
    let data_dir = home.join(".local/share/sitrep");
    assert!(
        err.contains(&format!(
            "cannot open database '{}'",
            data_dir.join("sitrep.db").display()
        )) && err.contains(&format!("cannot create directory '{}'", data_dir.display())),
        "{err}"
    );
    assert_eq!(fs::read_dir(&home).unwrap().count(), 0, "nothing created");
}

#[test]
fn a_missing_directory_for_a_named_database_exits_5_and_creates_nothing() {
    let sb = Sandbox::new();
    let db = sb.path("no/such/dir/sitrep.db");
    let err = sb.fails(&["--db", db.to_str().unwrap(), "list"], 5);
    assert!(
        err.contains(&format!(
            "directory '{}' does not exist",
            sb.path("no/such/dir").display()
        )),
        "{err}"
    );
    assert!(!sb.path("no").exists());
    let err = sb.fails(&["--db", sb.dir.path().to_str().unwrap(), "list"], 5);
    assert!(err.contains("it is a directory"), "{err}");
}

#[test]
fn a_database_locked_by_another_writer_exits_5_after_the_busy_timeout_and_writes_nothing() {
    let sb = Sandbox::new();
    let id = sb.declare("Stream starts failing");
    let rows = sb.rows();
    let before = sb.timeline(id);

    let holder = Connection::open(&sb.db).unwrap();
    holder
        .execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text)
             VALUES (1, unixepoch() * 1000, 'holder', 'note', 'held by the test');",
        )
        .unwrap();
    let started = Instant::now();
    let out = sb
        .cmd()
        .env("SITREP_BUSY_TIMEOUT", "300ms")
        .args(["log", "1", "blocked", "by", "the", "lock"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    let err = expect_error(&out, 5, "locked");
    assert!(
        err.contains(&format!("database '{}' is locked", sb.db.display()))
            && err.contains("busy_timeout"),
        "{err}"
    );
    assert!(
        waited >= Duration::from_millis(250),
        "gave up after {waited:?}, before the busy timeout"
    );
    assert!(
        waited < Duration::from_secs(4),
        "waited {waited:?}: SITREP_BUSY_TIMEOUT=300ms was not used (default is 5s)"
    );
    // Readers are not blocked by a writer (WAL): show still works meanwhile.
    assert_eq!(sb.timeline(id), before);

    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(sb.rows(), rows, "nothing half-written");

    let logged = sb.json(&["log", "1", "unblocked"]);
    assert_eq!(logged["text"], "unblocked");
    let after = sb.timeline(id);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap()["text"], "unblocked");
}

/// Another program's SQLite file named with `--db`: refused in one line, untouched.
#[test]
fn another_programs_sqlite_file_is_refused_in_one_line_and_left_untouched() {
    let sb = Sandbox::new();
    let cases: [(&str, &str); 3] = [
        ("notes.db", "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO note (body) VALUES ('keep me');"),
        // Even one with tables named like ours, but no sitrep schema version.
        ("lookalike.db", "CREATE TABLE incident (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE timeline_entry (x);"),
        ("app.db", "PRAGMA application_id = 1234; PRAGMA user_version = 2; CREATE TABLE t (x);"),
    ];
    for (name, sql) in cases {
        let path = sb.path(name);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(sql).unwrap();
        }
        let before = fs::read(&path).unwrap();
        let arg = path.to_str().unwrap();
        for args in [
            &["--db", arg, "list"][..],
            &["--db", arg, "declare", "--title", "t", "--severity", "P2"][..],
        ] {
            let err = sb.fails(args, 5);
            assert!(
                err.contains("SQLite database of another program") && err.contains("untouched"),
                "{name}: {err}"
            );
        }
        assert_eq!(fs::read(&path).unwrap(), before, "{name} changed");
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        assert!(!Path::new(&wal).exists(), "{name}: switched to WAL");
    }
}

/// A database in a directory that has become read-only can still be read.
#[test]
fn an_existing_database_in_a_read_only_directory_can_still_be_read() {
    let sb = Sandbox::new();
    let dir = sb.path("shared");
    fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o777);
    let db = dir.join("sitrep.db");
    let arg = db.to_str().unwrap();
    let out = sb.as_nobody(&[
        "--db",
        arg,
        "declare",
        "--title",
        "room down",
        "--severity",
        "P2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    set_mode(&dir, 0o555);
    for args in [&["--db", arg, "list"][..], &["--db", arg, "show", "1"][..]] {
        let out = sb.as_nobody(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("room down"));
    }
    // The WAL and its index are kept beside the file, so a write needs no new file
    // in the directory: it goes in, and reads back.
    assert!(dir.join("sitrep.db-wal").exists() && dir.join("sitrep.db-shm").exists());
    let out = sb.as_nobody(&["--db", arg, "log", "1", "still down"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = sb.as_nobody(&["--db", arg, "show", "1"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("still down"));
    // Files that cannot be written: reads still work, writes fail saying why, and
    // nothing written before is lost.
    for file in ["sitrep.db", "sitrep.db-wal", "sitrep.db-shm"] {
        set_mode(&dir.join(file), 0o444);
    }
    let shown = sb.as_nobody(&["--db", arg, "show", "1"]);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(String::from_utf8_lossy(&shown.stdout).contains("still down"));
    let out = sb.as_nobody(&["--db", arg, "log", "1", "down again"]);
    let err = expect_error(&out, 5, "log");
    assert!(err.contains("read-only"), "{err}");
}

/// `--demo` with a database named (SITREP_DB here): the demo's incidents go to the
/// demo's own database, never into the named one.
#[test]
fn the_demo_never_writes_into_a_named_database() {
    let sb = Sandbox::new();
    let declared = sb.json(&[
        "--demo",
        "declare",
        "--title",
        "simulated",
        "--severity",
        "P2",
    ]);
    assert_eq!(declared["incident"]["id"], 1);
    assert!(!sb.db.exists(), "the named database was created");
    let demo = sb.path("xdg-data/sitrep/sitrep-demo.db");
    let conn = Connection::open(&demo).unwrap();
    let titles: Vec<String> = conn
        .prepare("SELECT title FROM incident")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(titles, vec!["simulated"]);
    assert_eq!(sb.json(&["list"]), serde_json::json!([]));
}

/// A tmpfs of a fixed size, unmounted on drop: a disk that can really be filled.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(dir: std::path::PathBuf, size: &str) -> Self {
        fs::create_dir_all(&dir).unwrap();
        let out = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(&dir)
            .output()
            .expect("mount(8) is needed");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs and must run as root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    /// Writes a filler file until the disk refuses.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.dir.join("filler");
        let mut file = fs::File::create(&path).unwrap();
        let block = vec![0u8; 4096];
        while file
            .write_all(&block)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.dir).status();
    }
}

/// A full disk is called a full disk (it was "disk I/O error"), at open and on a
/// write; nothing acknowledged is lost, and once space is freed writing works again.
#[test]
fn a_full_disk_is_reported_as_full_and_loses_nothing() {
    let sb = Sandbox::new();
    let disk = SmallDisk::mount(sb.path("small"), "512k");
    let db = disk.dir.join("sitrep.db");
    let arg = db.to_str().unwrap();
    let id = sb.json(&[
        "--db",
        arg,
        "declare",
        "--title",
        "room down",
        "--severity",
        "P2",
    ])["incident"]["id"]
        .as_i64()
        .unwrap();
    sb.json(&["--db", arg, "log", &id.to_string(), "first step"]);
    let filler = disk.fill();
    let mut refused = 0;
    for n in 0..50 {
        let out = sb.run(&[
            "--db",
            arg,
            "log",
            &id.to_string(),
            &format!("step {n} {}", "x".repeat(4000)),
        ]);
        if !out.status.success() {
            let err = expect_error(&out, 5, "log on a full disk");
            assert!(err.contains("disk is full"), "{err}");
            refused += 1;
            break;
        }
    }
    assert_eq!(refused, 1, "the disk never filled up");
    let new_db = disk.dir.join("new.db");
    let out = sb.run(&["--db", new_db.to_str().unwrap(), "list"]);
    let err = expect_error(&out, 5, "open on a full disk");
    assert!(err.contains("disk is full"), "{err}");
    fs::remove_file(filler).unwrap();
    sb.json(&["--db", arg, "log", &id.to_string(), "after freeing space"]);
    let shown = sb.json(&["--db", arg, "show", &id.to_string()]);
    let texts = crate::common::timeline_texts(&shown);
    assert!(
        texts.contains(&"first step") && texts.contains(&"after freeing space"),
        "{texts:?}"
    );
}

/// A demo incident's postmortem has the error budget the demo's SLO strip shows,
/// said to be simulated, instead of "to fill in" (issue 24, item 10).
#[test]
fn a_demo_postmortem_has_the_demos_error_budget() {
    let sb = Sandbox::new();
    sb.json(&[
        "--demo",
        "--demo-at",
        "3m",
        "declare",
        "--title",
        "stream starts",
        "--severity",
        "P1",
        "--service",
        "room",
        "--region",
        "eu-west",
        "--trigger-time",
        "10m ago",
        "--comms-lead",
        "carol",
    ]);
    let doc = sb.ok(&["--demo", "--demo-at", "3m", "export", "1", "--output", "-"]);
    assert!(doc.contains("simulated by the DEMO feed at"), "{doc}");
    assert!(doc.contains("stream-start-success"), "{doc}");
    assert!(!doc.contains("Error budget burned: _To fill in"), "{doc}");
}

/// `db copy` takes a team database as its destination; a SQLite file is refused
/// before anything is read or written, saying where to copy instead.
#[test]
fn copying_into_a_sqlite_file_is_refused_with_the_way_forward() {
    let sb = Sandbox::new();
    sb.declare("Chat down");
    let other = sb.path("other.db");
    let err = sb.fails(&["db", "copy", "--to", other.to_str().unwrap()], 4);
    assert!(err.contains("copy to the team database"), "{err}");
    assert!(!other.exists(), "nothing was created");
}
