//! The incident view's command table: every action a responder can take from the
//! composer, as one list; each entry holds its parser (`parse::parse_*`) and the
//! examples a test parses. Parsing, Tab completion, the hint under the
//! composer, the help overlay and the single-letter shortcuts of NAV mode all come
//! from it, so a new action is one entry here. Pure: no I/O, no clock (the time comes
//! in).
//!
//! What is typed is the log; an action is a line that starts with `/`, typed on
//! purpose. `//` starts a line that is text beginning with `/`.

use chrono::{DateTime, Utc};

use super::{Effect, Write};
use crate::domain::alert::Alert;
use crate::domain::{EntryKind, Incident};

mod parse;
pub use parse::{expire_offer, parse};

/// One command of the table.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub name: &'static str,
    /// How its arguments are written, for the hint and the help.
    pub args: &'static str,
    pub help: &'static str,
    /// The NAV-mode key that starts typing this command.
    pub key: Option<char>,
    /// Fixed choices for the first argument, for completion.
    pub choices: &'static [&'static str],
    /// Lines as the help would show them: each must parse (a test reads them).
    pub examples: &'static [&'static str],
    /// Reads the arguments, checked against the incident: the command's one parser.
    pub parse: fn(&parse::Call<'_>) -> Result<Action, String>,
}

/// Every command, in the order the help lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "status",
        args: "investigating|identified|monitoring|resolved",
        help: "change the status (asks first)",
        key: Some('s'),
        choices: &crate::domain::Status::NAMES,
        examples: &["/status identified", "/status resolved"],
        parse: parse::parse_status,
    },
    Command {
        name: "sev",
        args: "P1|P2",
        help: "change the severity (asks first)",
        key: Some('p'),
        choices: &crate::domain::Severity::NAMES,
        examples: &["/sev P2"],
        parse: parse::parse_sev,
    },
    Command {
        name: "commander",
        args: "NAME",
        help: "hand over the commander role (asks first)",
        key: Some('a'),
        choices: &[],
        examples: &["/commander bob"],
        parse: parse::parse_commander,
    },
    Command {
        name: "comms-lead",
        args: "NAME",
        help: "name the comms lead (asks first)",
        key: Some('L'),
        choices: &[],
        examples: &["/comms-lead carol"],
        parse: parse::parse_commander,
    },
    Command {
        name: "resolve",
        args: "[summary]",
        help: "resolve the incident (asks first)",
        key: Some('r'),
        choices: &[],
        examples: &["/resolve", "/resolve rolled back room to v41"],
        parse: parse::parse_resolve,
    },
    Command {
        name: "followup",
        args: "@owner [+7d|YYYY-MM-DD] what is to be done",
        help: "add a follow-up with one owner",
        key: Some('f'),
        choices: &[],
        examples: &["/followup @bob +7d add a canary stage", "/followup @bob write the runbook"],
        parse: parse::parse_followup,
    },
    Command {
        name: "done",
        args: "FOLLOW-UP-ID",
        help: "mark a follow-up done",
        key: Some('x'),
        choices: &[],
        examples: &["/done 1"],
        parse: parse::parse_done,
    },
    Command {
        name: "followup-edit",
        args: "FOLLOW-UP-ID [@owner] [+7d|YYYY-MM-DD|none] [new title]",
        help: "change a follow-up's owner, due date or title",
        key: None,
        choices: &[],
        examples: &["/followup-edit 1 @carol +3d"],
        parse: parse::parse_followup_edit,
    },
    Command {
        name: "followup-cancel",
        args: "FOLLOW-UP-ID why it is dropped",
        help: "cancel a follow-up, with the reason (asks first)",
        key: None,
        choices: &[],
        examples: &["/followup-cancel 1 covered by the platform team"],
        parse: parse::parse_followup_cancel,
    },
    Command {
        name: "amend",
        args: "ENTRY-ID new text",
        help: "correct an entry (the old text is kept); in NAV mode m amends the selected one",
        key: Some('m'),
        choices: &[],
        examples: &["/amend 2 rolled back room to v40", "/amend 2 --kind comms"],
        parse: parse::parse_amend,
    },
    Command {
        name: "link",
        args: "[FINGERPRINT…]",
        help: "link alerts to this incident: those marked on the dashboard (Space), or by fingerprint (asks first)",
        key: None,
        choices: &[],
        examples: &["/link 3f2a9c"],
        parse: parse::parse_link,
    },
    Command {
        name: "silence",
        args: "DURATION why (e.g. 2h rollback under way)",
        help: "silence this incident's firing alerts (or those marked on the dashboard) in their Alertmanager; shows the matchers and asks first",
        key: Some('S'),
        choices: &[],
        examples: &["/silence 2h rollback under way"],
        parse: parse::parse_silence,
    },
    Command {
        name: "unsilence",
        args: "[SILENCE-ID…]",
        help: "expire this incident's silences made through sitrep: all those not expired yet, or those named (asks first)",
        key: None,
        choices: &[],
        examples: &["/unsilence", "/unsilence 7c1e"],
        parse: parse::parse_unsilence,
    },
    Command {
        name: "silences",
        args: "",
        help: "list this incident's silences in every Alertmanager: state, end, matchers",
        key: None,
        choices: &[],
        examples: &["/silences"],
        parse: parse::parse_silences,
    },
    Command {
        name: "page",
        args: "TEAM [why]",
        help: "page a team (a [[teams]] name) through Alertmanager with its labels; says who is on call and asks first",
        key: None,
        choices: &[],
        examples: &["/page room stream starts failing in eu-west"],
        parse: parse::parse_page,
    },
    Command {
        name: "run",
        args: "CMD [ARGS…]",
        help: "run a command (no shell) with its output in a pane, logged as mitigation before it starts and when it ends; Ctrl-C stops it (asks first)",
        key: Some('!'),
        choices: &[],
        examples: &["/run kubectl rollout undo deploy/room"],
        parse: parse::parse_run,
    },
    Command {
        name: "edit",
        args: "",
        help: "edit the template: title, regions, cohorts, trigger time, summary",
        key: Some('E'),
        choices: &[],
        examples: &["/edit"],
        parse: parse::parse_edit,
    },
    Command {
        name: "drill",
        args: "",
        help: "mark or unmark the incident as a drill (asks first)",
        key: Some('D'),
        choices: &[],
        examples: &["/drill"],
        parse: parse::parse_drill,
    },
    Command {
        name: "export",
        args: "",
        help: "write the postmortem draft to the exports folder",
        key: Some('e'),
        choices: &[],
        examples: &["/export"],
        parse: parse::parse_export,
    },
    Command {
        name: "comms",
        args: "[post]",
        help: "write the customer update draft to the exports folder; /comms post shows it, then logs it and posts it to the comms channels (asks first)",
        key: Some('c'),
        choices: &["post"],
        examples: &["/comms", "/comms post"],
        parse: parse::parse_comms,
    },
    Command {
        name: "help",
        args: "",
        help: "every key and command",
        key: None,
        choices: &[],
        examples: &["/help"],
        parse: parse::parse_help,
    },
];

/// What a submitted line asks for. Lives only between parsing a line and acting on
/// it, so the size of its largest variant does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Write an entry with this text (the line, or `//…` unescaped).
    Entry(String),
    /// A change; `confirm` says in words what will change when it must be confirmed.
    Write {
        write: Write,
        confirm: Option<String>,
    },
    OpenEditForm,
    Export,
    CommsDraft,
    /// Render the customer update draft and ask before logging and posting it.
    CommsPost,
    /// Ask the alert sources for the incident's silences, to be listed.
    ListSilences,
    Help,
    /// Something done outside the database (a silence, a command), after `confirm`.
    Act {
        effect: Effect,
        confirm: String,
    },
}

/// What a command needs to know about the incident it acts on.
pub struct Context<'a> {
    pub incident: &'a Incident,
    pub user: &'a str,
    pub now: DateTime<Utc>,
    /// The alerts marked on the dashboard: fingerprint and name.
    pub marked: &'a [(String, String)],
    /// The incident's timeline (what was done for it, e.g. silences made).
    pub timeline: &'a [crate::domain::TimelineEntry],
    /// The alerts `/silence` acts on: those marked on the dashboard, else the live
    /// alerts this incident links (any state: firing ones are picked here).
    pub alerts: &'a [&'a Alert],
    /// Whether the alerts were marked (rather than linked).
    pub alerts_marked: bool,
    /// The alerts come from the demo feed (nothing to silence there).
    pub demo: bool,
    /// How times are shown (the end of a silence in its question).
    pub time_display: crate::domain::TimeDisplay,
    /// A `/run` command is still running.
    pub running: bool,
    /// The incident's linked alerts still firing now, as `Name in region`: a resolve
    /// names them before it is confirmed.
    pub linked_firing: Vec<String>,
    /// A P1 pages through Alertmanager here (escalation on, not the demo): reopening
    /// one says so before it is confirmed.
    pub pages: bool,
    /// The teams and who is on call (`/page`); none when no team is configured.
    pub oncall: Option<&'a crate::domain::oncall::Rosters>,
}

/// The command named exactly `name`.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The command whose NAV-mode shortcut is `key`.
pub fn by_key(key: char) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.key == Some(key))
}

/// Tab in the composer: the line completed as far as it is unambiguous (a command
/// name, then a fixed choice of its first argument), or `None` when nothing would
/// change.
pub fn complete(line: &str) -> Option<String> {
    let rest = line.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    match rest.split_once(' ') {
        None => {
            let names: Vec<&str> = COMMANDS
                .iter()
                .map(|c| c.name)
                .filter(|n| n.starts_with(rest))
                .collect();
            let done = common_prefix(&names)?;
            let suffix = if names.len() == 1 { " " } else { "" };
            let completed = format!("/{done}{suffix}");
            (completed != line).then_some(completed)
        }
        Some((name, arg)) => {
            let command = find(name)?;
            let choices: Vec<&str> = command
                .choices
                .iter()
                .copied()
                .filter(|c| {
                    c.to_ascii_lowercase()
                        .starts_with(&arg.to_ascii_lowercase())
                })
                .collect();
            let done = common_prefix(&choices)?;
            let completed = format!("/{name} {done}");
            (completed.len() > line.len()).then_some(completed)
        }
    }
}

fn common_prefix(words: &[&str]) -> Option<String> {
    let first = words.first()?;
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .find(|((_, a), b)| a != b)
                .map_or(first.len().min(w.len()), |((at, _), _)| at),
        );
    }
    Some(first[..end].to_string())
}

/// The kinds a line may name at its start, as the hint shows them.
const KIND_PREFIXES: [(&str, EntryKind); 3] = [
    ("mitigation:", EntryKind::Mitigation),
    ("comms:", EntryKind::Comms),
    ("note:", EntryKind::Note),
];

/// A line that starts with `mitigation:`, `comms:` or `note:` (any case) is written
/// as that kind, without the prefix; the kind shown does not change.
pub fn kind_prefix(line: &str) -> Option<(EntryKind, &str)> {
    KIND_PREFIXES.iter().find_map(|(prefix, kind)| {
        let head = line.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| (*kind, line[prefix.len()..].trim_start()))
    })
}

/// The one line under the composer: what Enter will do with what is typed, an entry of
/// `kind` unless a prefix or a command says otherwise. `posts_to`: the channels a comms
/// update is posted to, when it is.
pub fn hint(line: &str, kind: EntryKind, posts_to: Option<&str>) -> String {
    let enter = |kind: EntryKind| match (kind, posts_to) {
        (EntryKind::Comms, Some(to)) => {
            format!("Enter logs a comms update and posts it to {to} (asks first)")
        }
        _ => format!("Enter writes a {kind} entry"),
    };
    if let Some((chosen, _)) = kind_prefix(line) {
        return format!(
            "{} (the prefix chose it; the text follows it)",
            enter(chosen)
        );
    }
    let Some(rest) = line.strip_prefix('/') else {
        return format!(
            "{} · Tab changes the kind (or start with comms: / note: / mitigation:) · / command · Esc navigates",
            enter(kind)
        );
    };
    if rest.starts_with('/') {
        return format!("{} starting with /", enter(kind));
    }
    let name = rest.split(' ').next().unwrap_or("");
    if let Some(command) = find(name) {
        let args = if command.args.is_empty() {
            String::new()
        } else {
            format!(" {}", command.args)
        };
        return format!("/{}{args} — {}", command.name, command.help);
    }
    let matches: Vec<String> = COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(name))
        .map(|c| format!("/{}", c.name))
        .collect();
    if matches.is_empty() {
        format!("no command '/{name}': /help lists them; // writes a line starting with /")
    } else {
        format!("{} · Tab completes", matches.join("  "))
    }
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
