//! What every fuzz target asserts, shared by the libFuzzer targets in `fuzz/` (nightly)
//! and the regression test that replays saved inputs on stable
//! (`tests/fuzz_regressions.rs`). Each function takes arbitrary bytes and panics only
//! when sitrep broke a promise.

#![allow(dead_code)]

use std::collections::BTreeMap;

use sitrep::domain::alert::{Alert, LabelMapping};

/// The HTTP layer's default cap: nothing larger reaches a parser.
pub const MAX_INPUT: usize = 32 * 1024 * 1024;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()
}

/// Every character the sanitizer promises never to let through.
pub fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061c}'
                | '\u{06dd}'
                | '\u{070f}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0001}'
                | '\u{e0020}'..='\u{e007f}'
        )
}

pub fn assert_clean_line(what: &str, s: &str) {
    if let Some(c) = s.chars().find(|c| forbidden(*c)) {
        panic!("{what} holds U+{:04X}: {s:?}", c as u32);
    }
}

fn assert_clean_text(what: &str, s: &str) {
    for line in s.split('\n') {
        assert_clean_line(what, line);
    }
}

fn assert_alert(a: &Alert) {
    for (what, v) in [
        ("name", Some(&a.name)),
        ("source", Some(&a.source)),
        ("fingerprint", Some(&a.fingerprint)),
        ("service", a.service.as_ref()),
        ("region", a.region.as_ref()),
        ("slo", a.slo.as_ref()),
        ("summary", a.summary.as_ref()),
        ("runbook_url", a.runbook_url.as_ref()),
        ("generator_url", a.generator_url.as_ref()),
    ] {
        if let Some(v) = v {
            assert_clean_line(what, v);
        }
    }
    if let Some(d) = &a.description {
        assert_clean_text("description", d);
    }
    for (k, v) in a.labels.iter().chain(a.annotations.iter()) {
        assert_clean_line("label name", k);
        assert_clean_text("label value", v);
    }
}

pub fn alertmanager(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    if let Ok(parsed) =
        sitrep::sources::alertmanager::parse(data, "am", &LabelMapping::default(), now())
    {
        parsed.alerts.iter().for_each(|a| assert_alert(a));
    }
}

pub fn prometheus(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    if let Ok(parsed) = sitrep::sources::prometheus::parse(
        data,
        "prom",
        "http://prom:9090",
        &LabelMapping::default(),
    ) {
        parsed.alerts.iter().for_each(|a| assert_alert(a));
    }
}

pub fn slo_answer(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    match sitrep::sources::slo::parse_vector(data, "region") {
        Ok(by_region) => by_region
            .keys()
            .for_each(|r| assert_clean_line("region", r)),
        Err(e) => assert_clean_line("error", &e.to_string()),
    }
}

/// The sanitizer: nothing forbidden out, idempotent, and never longer than a
/// placeholder per character.
pub fn sanitizer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let line = sitrep::domain::text::sanitize_line(&text);
    assert_clean_line("sanitize_line", &line);
    assert_eq!(
        sitrep::domain::text::sanitize_line(&line),
        line,
        "idempotent"
    );
    assert!(sitrep::domain::text::is_clean_line(&line));
    let multi = sitrep::domain::text::sanitize_text(&text);
    assert_clean_text("sanitize_text", &multi);
    assert_eq!(
        sitrep::domain::text::sanitize_text(&multi),
        multi,
        "idempotent"
    );
}

/// Markdown: any value, escaped, keeps a fixed skeleton (heading, list item, table
/// row, paragraph) and brings no HTML and no link that is not http(s).
pub fn markdown(data: &[u8]) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    use sitrep::report::markdown::{cell, inline, link, paragraphs};
    let text = String::from_utf8_lossy(data);
    let text = sitrep::domain::text::sanitize_text(&text);
    let one = sitrep::domain::text::sanitize_line(&text);
    let doc = format!(
        "# {}\n\n- {}\n\n| a | b |\n| --- | --- |\n| {} | {} |\n\n{}\n\n{}\n",
        inline(&one),
        inline(&one),
        cell(&one),
        link(&one, &one),
        paragraphs(&text),
        "end"
    );
    let mut skeleton = Vec::new();
    for event in Parser::new_ext(&doc, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML {h:?} in {doc:?}"),
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => {
                assert!(
                    dest_url.starts_with("http://") || dest_url.starts_with("https://"),
                    "link to {dest_url:?} in {doc:?}"
                );
                skeleton.push("link".to_string());
            }
            Event::Start(Tag::Heading { .. }) => skeleton.push("h".into()),
            Event::Start(Tag::Item) => skeleton.push("li".into()),
            Event::Start(Tag::Table(_)) => skeleton.push("table".into()),
            Event::Start(Tag::TableRow) => skeleton.push("tr".into()),
            Event::Start(Tag::TableHead) => skeleton.push("thead".into()),
            Event::Start(Tag::List(_)) => skeleton.push("ul".into()),
            Event::Start(Tag::BlockQuote(_)) => skeleton.push("quote".into()),
            Event::Start(Tag::CodeBlock(_)) => skeleton.push("code".into()),
            Event::End(TagEnd::Table) => skeleton.push("/table".into()),
            _ => {}
        }
    }
    let without_links: Vec<&str> = skeleton
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "link")
        .collect();
    assert_eq!(
        without_links,
        vec!["h", "ul", "li", "table", "thead", "tr", "/table"],
        "skeleton changed: {doc:?}"
    );
}

/// The config loader: an error or settings, never a panic.
pub fn config(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let file = dir.path().join("config.toml");
    if std::fs::write(&file, data).is_err() {
        return;
    }
    let Ok(paths) = sitrep::config::Paths::resolve(Some(file), Some(dir.path().join("x.db")))
    else {
        return;
    };
    let _ = sitrep::config::Config::load(&paths, &sitrep::config::Overrides::default());
}

/// Dates, durations, ids and matchers as typed in the CLI and the composer.
pub fn parsers(data: &[u8]) {
    use sitrep::domain::parse::{parse_due_date, parse_duration, parse_when};
    let text = String::from_utf8_lossy(data);
    let today = now().date_naive();
    let _ = parse_due_date(&text, today);
    let _ = parse_duration(&text);
    if let Ok(t) = parse_when(&text, now(), &chrono::Utc) {
        assert!(
            t <= now(),
            "a trigger time in the future was accepted: {text:?}"
        );
    }
    let _ = text.parse::<sitrep::domain::IncidentId>();
    let _ = text.parse::<sitrep::domain::EntryKind>();
    if let Ok(m) = sitrep::domain::silence::Matcher::parse(&text) {
        assert_clean_line("matcher", &m.to_string());
        let labels: BTreeMap<String, String> = BTreeMap::new();
        let _ = m.matches(&labels);
    }
    let _ = sitrep::domain::run::command_line(&[text.to_string()]);
}

/// A database file of arbitrary bytes: opened (it may be a valid one) or refused
/// with an error, never a panic; a refused file is left byte for byte as it was.
pub fn database(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let file = dir.path().join("fuzzed.db");
    if std::fs::write(&file, data).is_err() {
        return;
    }
    let timeout = std::time::Duration::from_millis(50);
    if sitrep::store::Store::open(&file, timeout).is_err() {
        let after = std::fs::read(&file).unwrap_or_default();
        assert!(after == data, "a refused database file was changed");
    }
    let _ = sitrep::store::Store::open_for_reading(&file, timeout);
}

/// Rows written around sitrep into a sitrep database, as another process with
/// `sqlite3` (or a responder with `psql`) could: `data` is cut at 0xff bytes into
/// column values (a first byte of 0 makes an integer of the rest, 1 a blob, 2 NULL,
/// anything else text, invalid UTF-8 kept as bytes), and the file's own checks are
/// dropped first, as in a file written before them. Whatever they hold: the list,
/// each incident, the review and the follow-ups still read (one bad row is one
/// unreadable row), and no string read back holds a character the sanitizer stops.
pub fn stored_rows(data: &[u8]) {
    use rusqlite::types::Value as Sql;
    let Ok(dir) = tempfile::tempdir() else { return };
    let file = dir.path().join("rows.db");
    let timeout = std::time::Duration::from_millis(200);
    if sitrep::store::Store::open(&file, timeout).is_err() {
        return;
    }
    let Ok(conn) = rusqlite::Connection::open(&file) else {
        return;
    };
    let _ = conn.execute_batch(
        "DROP TRIGGER timeline_entry_checked; DROP TRIGGER entry_revision_checked; \
         DROP TRIGGER incident_checked; DROP TRIGGER incident_checked_on_update; \
         DROP TRIGGER followup_checked; DROP TRIGGER followup_checked_on_update;",
    );
    let fields: Vec<&[u8]> = data.split(|b| *b == 0xff).collect();
    let mut next = 0;
    let mut value = || -> Sql {
        let field = fields
            .get(next % fields.len().max(1))
            .copied()
            .unwrap_or(&[]);
        next += 1;
        match field.split_first() {
            Some((0, rest)) => {
                let mut n = [0u8; 8];
                for (i, b) in rest.iter().take(8).enumerate() {
                    n[i] = *b;
                }
                Sql::Integer(i64::from_le_bytes(n))
            }
            Some((1, rest)) => Sql::Blob(rest.to_vec()),
            Some((2, _)) => Sql::Null,
            _ => match std::str::from_utf8(field) {
                Ok(text) => Sql::Text(text.to_string()),
                // Bytes that are not UTF-8, stored as text the way sqlite3 can.
                Err(_) => Sql::Blob(field.to_vec()),
            },
        }
    };
    let mut insert = |sql: &str, columns: usize, fixed: &[Sql]| {
        let mut values: Vec<Sql> = fixed.to_vec();
        values.extend((fixed.len()..columns).map(|_| value()));
        let _ = conn.execute(sql, rusqlite::params_from_iter(values));
    };
    insert(
        "INSERT INTO incident (id, title, severity, status, commander, comms_lead, trigger_ms, \
         declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, summary, root_cause, \
         release_related, rollback_performed, drill, public_title, public_impact, services) \
         VALUES (1, ?2, 'P1', 'investigating', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
         ?17, coalesce(?18, 0), ?19, ?20, coalesce(?21, '[]'))",
        21,
        &[Sql::Integer(1)],
    );
    for _ in 0..3 {
        insert(
            "INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES (1, ?2, ?3, ?4, ?5)",
            5,
            &[Sql::Integer(1)],
        );
    }
    insert(
        "INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) VALUES (1, ?2, ?3, ?4, ?5)",
        5,
        &[Sql::Integer(1)],
    );
    insert(
        "INSERT INTO followup (incident_id, title, owner, due, created_ms, done_ms, cancelled_ms, cancel_reason) \
         VALUES (1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        8,
        &[Sql::Integer(1)],
    );
    insert(
        "INSERT INTO linked_alert (incident_id, fingerprint, name, source, service, region, summary, \
         runbook_url, generator_url, starts_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        10,
        &[],
    );
    drop(conn);
    let Ok(mut store) = sitrep::store::Store::open(&file, timeout) else {
        panic!("a file with bad rows could not be opened again");
    };
    let incidents = store
        .list_incidents(false)
        .unwrap_or_else(|e| panic!("one bad row failed the list: {e}"));
    let mut seen = serde_json::to_value(&incidents).unwrap_or_default();
    for incident in &incidents {
        let record = store
            .load_incident(incident.id)
            .unwrap_or_else(|e| panic!("one bad row failed incident {}: {e}", incident.id));
        seen = serde_json::json!([seen, serde_json::to_value(&record).unwrap_or_default()]);
    }
    let review = store
        .review_data()
        .unwrap_or_else(|e| panic!("one bad row failed the review: {e}"));
    let follow_ups = store
        .list_follow_ups(&sitrep::store::FollowUpFilter::default())
        .unwrap_or_else(|e| panic!("one bad row failed the follow-ups: {e}"));
    seen = serde_json::json!([
        seen,
        serde_json::to_value(&review.1).unwrap_or_default(),
        serde_json::to_value(&follow_ups).unwrap_or_default()
    ]);
    assert_strings_clean(&seen);
}

/// Every string in `value` (keys too) is clean text.
fn assert_strings_clean(value: &serde_json::Value) {
    match value {
        serde_json::Value::String(s) => assert_clean_text("a stored value read back", s),
        serde_json::Value::Array(items) => items.iter().for_each(assert_strings_clean),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                assert_clean_line("a key", k);
                assert_strings_clean(v);
            }
        }
        _ => {}
    }
}

/// One check: arbitrary bytes in, a panic only for a broken promise.
pub type Check = fn(&[u8]);

/// Every target by name, for the regression test and `scripts/fuzz`.
pub const TARGETS: &[(&str, Check)] = &[
    ("alertmanager", alertmanager),
    ("prometheus", prometheus),
    ("slo_answer", slo_answer),
    ("sanitizer", sanitizer),
    ("markdown", markdown),
    ("config", config),
    ("parsers", parsers),
    ("database", database),
    ("stored_rows", stored_rows),
];
