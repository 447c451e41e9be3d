//! Comms updates posted to chat and status channels, against a local HTTP receiver
//! this test runs: the body of a Slack-compatible and of a generic webhook, a 500 then
//! a 200 (tried again, logged once), a receiver that never answers (given up, logged
//! as failed), a sitrep killed between tries (the next one posts it, exactly once),
//! and the secret URL in no output, no database and no log. Also the TUI: posting
//! from the composer after a confirmation, typing echoed at once while the receiver
//! hangs, and the failure said loudly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::thread;
use std::time::{Duration, Instant};

use common::backend::sitrep_on;
use common::receiver::{Answer, Receiver, SECRET};
use common::tmux::Tmux;
use serde_json::Value;
use tempfile::TempDir;

/// A sitrep world whose config posts to `channels` (TOML tables, `URL_FILE` standing
/// for the file that holds the receiver's URL).
fn world(url: &str, channels: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("webhook-url");
    std::fs::write(&url_file, format!("{url}\n")).unwrap();
    std::fs::set_permissions(
        &url_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        channels.replace("URL_FILE", &url_file.display().to_string()),
    )
    .unwrap();
    dir
}

fn slack(extra: &str) -> String {
    format!("[[comms.channels]]\nname = \"#incidents\"\nurl_file = \"URL_FILE\"\n{extra}\n")
}

fn sitrep(dir: &Path, args: &[&str]) -> Output {
    sitrep_on(&dir.join("sitrep.db"))
        .env("SITREP_CONFIG", dir.join("config.toml"))
        .env("SITREP_USER", "carol")
        .env("XDG_STATE_HOME", dir.join("state"))
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn declare(dir: &Path) {
    let out = sitrep(
        dir,
        &[
            "declare",
            "--title",
            "room 5xx in eu-west",
            "--severity",
            "P2",
            "--region",
            "eu-west",
            "--public-title",
            "Video rooms failing to start",
            "--public-impact",
            "Some meetings in Europe cannot start",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
}

fn timeline(dir: &Path) -> Vec<(String, String)> {
    let out = sitrep(dir, &["show", "1", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `sitrep log 1 --kind comms --post TEXT`, killed (SIGKILL) once the receiver has
/// its first try.
fn killed_after_first_try(dir: &Path, receiver: &Receiver, text: &str) {
    let mut child = sitrep_on(&dir.join("sitrep.db"))
        .env("SITREP_CONFIG", dir.join("config.toml"))
        .env("SITREP_USER", "carol")
        .args(["log", "1", "--kind", "comms", "--post", text])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    receiver.wait_for(1);
    thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    let _ = child.wait();
}

/// The TUI on the world's database and config (its channels).
fn tui_in(dir: &Path) -> Tmux {
    let config = format!("SITREP_CONFIG='{}'", dir.join("config.toml").display());
    Tmux::start_with(dir, &dir.join("sitrep.db"), &config)
}

fn count(timeline: &[(String, String)], needle: &str) -> usize {
    timeline.iter().filter(|(_, t)| t.contains(needle)).count()
}

/// Every file under `dir` (database, logs), for the secret.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.is_file() && !path.ends_with("webhook-url") {
                out.push(path);
            }
        }
    }
    out
}

fn assert_secret_nowhere(dir: &Path, outputs: &[&Output]) {
    for out in outputs {
        assert!(!text(out).contains("XXSECRETXX"), "{}", text(out));
    }
    for file in files(dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("XXSECRETXX"),
            "the secret is in {}",
            file.display()
        );
    }
}

#[test]
fn a_slack_compatible_channel_gets_the_update_as_written_and_the_timeline_says_so() {
    let receiver = Receiver::start(|_| Answer::Status(200));
    let dir = world(&receiver.url, &slack(""));
    declare(dir.path());
    let update = "Rolled back \"room\" to v41; errors are falling.";
    let out = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", update],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("posted to #incidents"),
        "{}",
        text(&out)
    );
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, format!("/services/{SECRET}"));
    let body: Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body, serde_json::json!({ "text": update }));
    let timeline = timeline(dir.path());
    let logged = timeline
        .iter()
        .position(|(kind, t)| kind == "comms" && t == update)
        .expect("the update is logged as a comms entry");
    let posted = timeline
        .iter()
        .position(|(_, t)| t.contains("posted to #incidents"))
        .expect("the post is recorded");
    assert!(logged < posted, "logged first, then posted: {timeline:?}");
    // The draft is what customers read next: the latest comms update, never the
    // "posted to" record.
    let draft = sitrep(dir.path(), &["comms", "1"]);
    assert!(text(&draft).contains(update), "{}", text(&draft));
    let json = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", "--json", "second"],
    );
    assert!(json.status.success(), "{}", text(&json));
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["entry"]["text"], "second");
    assert_eq!(doc["posts"][0]["channel"], "#incidents");
    assert_eq!(doc["posts"][0]["posted"], true);
    assert_secret_nowhere(dir.path(), &[&out, &draft, &json]);
}

/// Slack's markup in a comms update (mentions that ping a whole channel or a group,
/// a user mention, a disguised link) reaches the receiver as plain text: `&`, `<`
/// and `>` escaped as Slack asks, so nothing is pinged or linked.
#[test]
fn every_mention_and_link_form_reaches_a_slack_channel_as_plain_text() {
    let receiver = Receiver::start(|_| Answer::Status(200));
    let dir = world(&receiver.url, &slack(""));
    declare(dir.path());
    let forms = [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U024BE7LH>",
        "<!subteam^SAZ94GDB8>",
        "<#C024BE7LR|general>",
        "<https://evil.example|click here>",
        "<mailto:a@evil.example|support>",
    ];
    let update = format!("Rolled back & watching {}", forms.join(" "));
    let out = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", &update],
    );
    assert!(out.status.success(), "{}", text(&out));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let body: Value = serde_json::from_str(&requests[0].body).unwrap();
    let sent = body["text"].as_str().unwrap();
    assert!(
        !sent.contains('<') && !sent.contains('>'),
        "markup survived: {sent}"
    );
    assert!(
        sent.starts_with("Rolled back &amp; watching &lt;!channel&gt; "),
        "{sent}"
    );
    assert!(
        sent.contains("&lt;https://evil.example|click here&gt;"),
        "{sent}"
    );
    // The timeline keeps the update as it was typed.
    assert!(
        timeline(dir.path()).iter().any(|(_, t)| *t == update),
        "{:?}",
        timeline(dir.path())
    );
}

#[test]
fn a_generic_webhook_gets_a_body_from_its_template_that_is_always_json() {
    let receiver = Receiver::start(|_| Answer::Status(204));
    let dir = world(
        &receiver.url,
        "[comms.regions]\n\"eu-west\" = \"Europe\"\n[[comms.channels]]\nname = \"status page\"\nkind = \"webhook\"\nurl_file = \"URL_FILE\"\n",
    );
    declare(dir.path());
    let update = "Line one \"quoted\"\nline two {{ not a template }} \\ backslash";
    let out = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", update],
    );
    assert!(out.status.success(), "{}", text(&out));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body["source"], "sitrep");
    assert_eq!(body["incident"], 1);
    assert_eq!(body["title"], "Video rooms failing to start");
    assert_eq!(body["impact"], "Some meetings in Europe cannot start");
    assert_eq!(body["status"], "investigating");
    assert_eq!(body["severity"], "P2");
    assert_eq!(body["regions"], serde_json::json!(["Europe"]));
    assert_eq!(body["message"], update);
    assert_eq!(body["author"], "carol");
    assert!(
        !requests[0].body.contains("room 5xx"),
        "never the internal title"
    );

    // A template of the team's own that does not make JSON: nothing is sent, the
    // timeline says why, and the command fails.
    // (The templates folder is beside the config file.)
    let templates = dir.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("webhook.json"), "not json {{ text }}\n").unwrap();
    let broken = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", "second update"],
    );
    assert_eq!(broken.status.code(), Some(6), "{}", text(&broken));
    assert!(
        text(&broken).contains("did not give JSON"),
        "{}",
        text(&broken)
    );
    assert_eq!(receiver.requests().len(), 1, "nothing sent");
    let timeline = timeline(dir.path());
    assert_eq!(
        count(&timeline, "second update"),
        1,
        "the update is still logged"
    );
    assert_eq!(
        count(&timeline, "to status page failed: template"),
        1,
        "{timeline:?}"
    );
}

#[test]
fn a_500_then_a_200_is_tried_again_and_logged_once() {
    let receiver = Receiver::start(|n| Answer::Status(if n == 0 { 500 } else { 200 }));
    let dir = world(&receiver.url, &slack("retry_for = \"30s\""));
    declare(dir.path());
    let out = sitrep(
        dir.path(),
        &[
            "log",
            "1",
            "--kind",
            "comms",
            "--post",
            "We are investigating",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("post to #incidents failed: HTTP 500"),
        "the failed try is said: {}",
        text(&out)
    );
    assert_eq!(receiver.requests().len(), 2, "tried twice");
    let timeline = timeline(dir.path());
    assert_eq!(count(&timeline, "posted to #incidents"), 1, "{timeline:?}");
    assert_eq!(count(&timeline, "failed"), 0, "{timeline:?}");
    assert_eq!(count(&timeline, "We are investigating"), 1, "{timeline:?}");
}

#[test]
fn a_receiver_that_never_answers_is_given_up_on_and_the_timeline_says_so() {
    let receiver = Receiver::start(|_| Answer::Hang);
    let dir = world(
        &receiver.url,
        &slack("timeout = \"1s\"\nretry_for = \"3s\""),
    );
    declare(dir.path());
    let out = sitrep(
        dir.path(),
        &[
            "log",
            "1",
            "--kind",
            "comms",
            "--post",
            "Still investigating",
        ],
    );
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        text(&out).contains("not posted to #incidents; post it there yourself"),
        "{}",
        text(&out)
    );
    let tries = receiver.requests().len();
    assert!((2..=4).contains(&tries), "tried {tries} times in 3 s");
    let timeline = timeline(dir.path());
    let failed: Vec<_> = timeline
        .iter()
        .filter(|(_, t)| t.contains("to #incidents failed: no answer within 1s"))
        .collect();
    assert_eq!(failed.len(), 1, "{timeline:?}");
    assert!(
        failed[0].1.contains(&format!("({tries} tries)")),
        "{failed:?}"
    );
    assert_eq!(count(&timeline, "Still investigating"), 1);
    assert_secret_nowhere(dir.path(), &[&out]);
}

#[test]
fn a_sitrep_killed_between_tries_leaves_the_update_to_the_next_one_which_posts_it_once() {
    let receiver = Receiver::start(|_| Answer::Status(500));
    let dir = world(&receiver.url, &slack("retry_for = \"60s\""));
    declare(dir.path());
    killed_after_first_try(dir.path(), &receiver, "first update");
    receiver.then(|_| Answer::Status(200));
    thread::sleep(Duration::from_millis(1200));
    let out = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", "second update"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let bodies: Vec<String> = receiver.requests().into_iter().map(|r| r.body).collect();
    let first = bodies.iter().filter(|b| b.contains("first update")).count();
    assert_eq!(
        first, 2,
        "one refused try before the kill, one post after: {bodies:?}"
    );
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b.contains("second update"))
            .count(),
        1
    );
    let timeline = timeline(dir.path());
    assert_eq!(count(&timeline, "posted to #incidents"), 2, "{timeline:?}");
    assert_eq!(count(&timeline, "failed"), 0, "{timeline:?}");
    // Nothing is left to post: another run sends nothing more.
    let again = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", "third"],
    );
    assert!(again.status.success());
    assert_eq!(receiver.requests().len(), bodies.len() + 1);
}

#[test]
fn posting_is_refused_before_anything_is_logged_when_it_cannot_be_done() {
    let receiver = Receiver::start(|_| Answer::Status(200));
    let dir = world(&receiver.url, "");
    declare(dir.path());
    let before = timeline(dir.path()).len();
    let none = sitrep(dir.path(), &["log", "1", "--kind", "comms", "--post", "x"]);
    assert_eq!(none.status.code(), Some(4), "refused: {}", text(&none));
    assert!(
        text(&none).contains("no [[comms.channels]]"),
        "{}",
        text(&none)
    );
    std::fs::write(
        dir.path().join("config.toml"),
        slack("").replace(
            "URL_FILE",
            &dir.path().join("webhook-url").display().to_string(),
        ),
    )
    .unwrap();
    let note = sitrep(dir.path(), &["log", "1", "--post", "a note"]);
    assert_eq!(note.status.code(), Some(2), "{}", text(&note));
    assert!(text(&note).contains("--kind comms"), "{}", text(&note));
    let unknown = sitrep(dir.path(), &["log", "7", "--kind", "comms", "--post", "x"]);
    assert_eq!(
        unknown.status.code(),
        Some(3),
        "not found: {}",
        text(&unknown)
    );
    assert_eq!(timeline(dir.path()).len(), before);
    assert!(receiver.requests().is_empty());
    // A drill's updates, and the demo's, reach no channel.
    let drill = sitrep(
        dir.path(),
        &[
            "declare",
            "--title",
            "game day",
            "--severity",
            "P2",
            "--drill",
        ],
    );
    assert!(drill.status.success(), "{}", text(&drill));
    let refused = sitrep(
        dir.path(),
        &["log", "2", "--kind", "comms", "--post", "drill update"],
    );
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    assert!(text(&refused).contains("is a drill"), "{}", text(&refused));
    let demo = sitrep(
        dir.path(),
        &["--demo", "log", "1", "--kind", "comms", "--post", "demo"],
    );
    assert_eq!(demo.status.code(), Some(4), "{}", text(&demo));
    assert!(receiver.requests().is_empty());
    assert_eq!(count(&timeline(dir.path()), "drill update"), 0);

    // The URL in the config text itself is refused; a missing variable fails the post
    // (logged, not sent) and says which variable.
    std::fs::write(
        dir.path().join("config.toml"),
        "[[comms.channels]]\nname = \"#incidents\"\nurl = \"http://127.0.0.1:9/XXSECRETXX\"\n",
    )
    .unwrap();
    let inline = sitrep(dir.path(), &["log", "1", "--kind", "comms", "--post", "x"]);
    assert_eq!(inline.status.code(), Some(2), "{}", text(&inline));
    std::fs::write(
        dir.path().join("config.toml"),
        "[[comms.channels]]\nname = \"#incidents\"\nurl_env = \"SITREP_TEST_NO_SUCH_VAR\"\n",
    )
    .unwrap();
    let unset = sitrep(dir.path(), &["log", "1", "--kind", "comms", "--post", "y"]);
    assert_eq!(unset.status.code(), Some(6), "{}", text(&unset));
    assert!(
        text(&unset).contains("SITREP_TEST_NO_SUCH_VAR' is not set"),
        "{}",
        text(&unset)
    );
    let timeline = timeline(dir.path());
    assert_eq!(
        count(&timeline, "(1 try)"),
        1,
        "not tried again: {timeline:?}"
    );
}

#[test]
fn the_comms_draft_is_posted_after_it_is_shown_and_only_with_its_public_words() {
    let receiver = Receiver::start(|_| Answer::Status(200));
    let dir = world(&receiver.url, &slack(""));
    let bare = sitrep(
        dir.path(),
        &["declare", "--title", "internal title", "--severity", "P2"],
    );
    assert!(bare.status.success());
    let refused = sitrep(dir.path(), &["comms", "1", "--post", "--yes"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("--public-title"),
        "{}",
        text(&refused)
    );
    assert!(receiver.requests().is_empty());
    let edit = sitrep(
        dir.path(),
        &[
            "edit",
            "1",
            "--public-title",
            "Video rooms failing",
            "--public-impact",
            "Some meetings cannot start",
        ],
    );
    assert!(edit.status.success(), "{}", text(&edit));
    let unasked = sitrep(dir.path(), &["comms", "1", "--post"]);
    assert_eq!(
        unasked.status.code(),
        Some(4),
        "no terminal to ask on: {}",
        text(&unasked)
    );
    assert!(text(&unasked).contains("--yes"));
    assert!(receiver.requests().is_empty());
    let out = sitrep(dir.path(), &["comms", "1", "--post", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        shown.contains("Investigating: Video rooms failing"),
        "{shown}"
    );
    let body: Value = serde_json::from_str(&receiver.requests()[0].body).unwrap();
    let posted = body["text"].as_str().unwrap();
    assert!(
        posted.starts_with("Investigating: Video rooms failing"),
        "{posted}"
    );
    assert!(!posted.contains("internal title"), "{posted}");
    let timeline = timeline(dir.path());
    assert_eq!(count(&timeline, "posted to #incidents"), 1);
    // A region with no public name would go out as a placeholder: refused, shown.
    let edit = sitrep(dir.path(), &["edit", "1", "--add-region", "eu-west"]);
    assert!(edit.status.success(), "{}", text(&edit));
    let refused = sitrep(dir.path(), &["comms", "1", "--post", "--yes"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("placeholders ([REGIONS NOT NAMED])"),
        "{}",
        text(&refused)
    );
    assert_eq!(receiver.requests().len(), 1, "nothing more was sent");
    assert_eq!(
        count(&self::timeline(dir.path()), "posted to #incidents"),
        1
    );
}

#[test]
fn the_tui_posts_after_a_confirmation_and_stays_responsive_while_the_receiver_hangs() {
    let receiver = Receiver::start(|_| Answer::Hang);
    let dir = world(
        &receiver.url,
        &slack("timeout = \"2s\"\nretry_for = \"4s\""),
    );
    declare(dir.path());
    let db = dir.path().join("sitrep.db");
    let tui = Tmux::start_with(
        dir.path(),
        &db,
        &format!(
            "SITREP_CONFIG='{}' XDG_STATE_HOME='{}/state'",
            dir.path().join("config.toml").display(),
            dir.path().display()
        ),
    );
    tui.wait_for("room 5xx in eu-west");
    tui.keys(&["Enter"]);
    tui.wait_for("mitigation ▸");
    tui.keys(&["Tab"]);
    let screen = tui.wait_for("posts to #incidents");
    assert!(screen.contains("comms → posts to #incidents"), "{screen}");
    // Baseline: how long typing takes to show with nothing being posted.
    let started = Instant::now();
    tui.text("We rolled back room to v41");
    tui.wait_for("room to v41");
    let baseline = started.elapsed();
    tui.keys(&["Enter"]);
    tui.wait_for("post it to #incidents?");
    // Esc goes back to the text: nothing written, nothing sent.
    tui.keys(&["Escape"]);
    thread::sleep(Duration::from_millis(300));
    assert!(tui.screen().contains("We rolled back room to v41"));
    assert_eq!(count(&timeline(dir.path()), "We rolled back"), 0);
    tui.keys(&["Enter"]);
    tui.wait_for("post it to #incidents?");
    tui.keys(&["Enter"]);
    receiver.wait_for(1);
    // The receiver hangs: typing still shows at once.
    let started = Instant::now();
    tui.text("still typing");
    tui.wait_for("still typing");
    let echo = started.elapsed();
    eprintln!("echo: {baseline:?} before posting, {echo:?} while the receiver hangs");
    assert!(
        echo < Duration::from_secs(1),
        "echo took {echo:?} while the post hung"
    );
    let screen = tui.wait_for("NOT POSTED");
    assert!(
        screen.contains("to #incidents failed: no answer within 2s"),
        "{screen}"
    );
    let timeline = timeline(dir.path());
    assert_eq!(count(&timeline, "We rolled back room to v41"), 1);
    assert_eq!(count(&timeline, "to #incidents failed"), 1, "{timeline:?}");
    assert_secret_nowhere(dir.path(), &[]);
}

#[test]
fn the_tui_finishes_an_update_another_sitrep_left_in_the_outbox() {
    let receiver = Receiver::start(|_| Answer::Status(500));
    let dir = world(&receiver.url, &slack("retry_for = \"60s\""));
    declare(dir.path());
    killed_after_first_try(dir.path(), &receiver, "left behind");
    receiver.then(|_| Answer::Status(200));
    let tui = tui_in(dir.path());
    tui.wait_for("room 5xx in eu-west");
    let screen = tui.wait_for("posted to #incidents");
    assert!(screen.contains("comms update #"), "{screen}");
    thread::sleep(Duration::from_millis(1500));
    let bodies: Vec<String> = receiver.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(bodies.len(), 2, "one refused, one posted: {bodies:?}");
    assert_eq!(count(&timeline(dir.path()), "posted to #incidents"), 1);
}

#[test]
fn slash_comms_post_in_the_tui_shows_the_draft_then_logs_and_posts_it_once() {
    let receiver = Receiver::start(|_| Answer::Status(200));
    let dir = world(&receiver.url, &slack(""));
    declare(dir.path());
    let tui = tui_in(dir.path());
    tui.wait_for("room 5xx in eu-west");
    tui.keys(&["Enter"]);
    tui.wait_for("mitigation ▸");
    // Its region has no public name in the config: the draft holds a placeholder,
    // and is not offered for posting.
    tui.text("/comms post");
    tui.keys(&["Enter"]);
    let screen = tui.wait_for("comms draft not posted");
    assert!(screen.contains("[REGIONS NOT NAMED]"), "{screen}");
    let out = sitrep(dir.path(), &["edit", "1", "--remove-region", "eu-west"]);
    assert!(out.status.success(), "{}", text(&out));
    tui.wait_for("regions (none)");
    tui.text("/comms post");
    tui.keys(&["Enter"]);
    // The whole draft, public words only, in the question.
    let screen = tui.wait_for("post it to #incidents?");
    assert!(
        screen.contains("Investigating: Video rooms failing to start"),
        "{screen}"
    );
    assert!(
        screen.contains("Some meetings in Europe cannot start"),
        "{screen}"
    );
    // Esc: nothing logged, nothing sent.
    tui.keys(&["Escape"]);
    tui.wait_for("cancelled: nothing changed");
    assert!(receiver.requests().is_empty());
    assert_eq!(count(&timeline(dir.path()), "Video rooms failing"), 0);
    tui.text("/comms post");
    tui.keys(&["Enter"]);
    tui.wait_for("post it to #incidents?");
    tui.keys(&["Enter"]);
    tui.wait_for("posted to #incidents");
    receiver.wait_for(1);
    let body: Value = serde_json::from_str(&receiver.requests()[0].body).unwrap();
    let posted = body["text"].as_str().unwrap_or_default();
    assert!(
        posted.starts_with("Investigating: Video rooms failing to start"),
        "{posted}"
    );
    assert!(
        !posted.contains("room 5xx"),
        "the internal title stays inside: {posted}"
    );
    assert!(!posted.contains("NOT NAMED"), "{posted}");
    let timeline = timeline(dir.path());
    let logged: Vec<_> = timeline
        .iter()
        .filter(|(kind, text)| kind == "comms" && text.starts_with("Investigating: Video rooms"))
        .collect();
    assert_eq!(logged.len(), 1, "{timeline:?}");
    assert_eq!(count(&timeline, "posted to #incidents"), 1, "{timeline:?}");
    assert_eq!(receiver.requests().len(), 1);
}

/// A channel says who reads it (issue 24, item 12): an internal one gets which
/// incident the update is about (number, severity, status, title, commander),
/// Slack-formatted and escaped; a public one only the text, as before; a generic
/// webhook template sees the internal fields only on an internal channel.
#[test]
fn an_internal_channel_gets_the_incident_a_public_one_only_the_text() {
    let receiver = Receiver::start(|_| Answer::Status(200));
    let channels = format!(
        "{}[[comms.channels]]\nname = \"customers\"\naudience = \"public\"\nurl_file = \"URL_FILE\"\n",
        slack("audience = \"internal\"")
    );
    let dir = world(&receiver.url, &channels);
    declare(dir.path());
    let update = "Rolled back <!channel> & watching\nerrors falling";
    let out = sitrep(
        dir.path(),
        &["log", "1", "--kind", "comms", "--post", update],
    );
    assert!(out.status.success(), "{}", text(&out));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let bodies: Vec<String> = requests
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["text"].as_str().unwrap().to_string()
        })
        .collect();
    let internal = bodies
        .iter()
        .find(|b| b.starts_with("*#1 P2 investigating*"))
        .unwrap_or_else(|| panic!("{bodies:?}"));
    assert_eq!(
        internal,
        "*#1 P2 investigating* · room 5xx in eu-west · commander carol\n> Rolled back &lt;!channel&gt; &amp; watching\n> errors falling"
    );
    let public = bodies
        .iter()
        .find(|b| !b.starts_with('*'))
        .unwrap_or_else(|| panic!("{bodies:?}"));
    assert_eq!(
        public,
        "Rolled back &lt;!channel&gt; &amp; watching\nerrors falling"
    );
    assert!(
        !public.contains("room 5xx") && !public.contains("carol"),
        "{public}"
    );

    // A bad audience is a config error that names the key.
    let bad = world(&receiver.url, &slack("audience = \"everyone\""));
    let out = sitrep(bad.path(), &["list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("expected `internal` or `public`"),
        "{}",
        text(&out)
    );
}
