//! Reading a submitted line of the composer: text, `//text`, or a command of the
//! table with its arguments, checked against the incident it acts on. Pure: the
//! time and what is on screen come in through [`Context`].

use chrono::Local;

use super::{find, Action, Context};
use crate::app::{Effect, RunRequest, SilenceRequest, SilenceTarget, UnsilenceRequest, Write};
use crate::domain::alert::{Alert, AlertState};
use crate::domain::parse::parse_due_date;
use crate::domain::{
    EntryId, EntryKind, FollowUpEdit, FollowUpId, IncidentEdit, IncidentId, NewFollowUp, Severity,
    Status,
};

/// Reads a submitted line: text, `//text`, or a command with its arguments. An error
/// says what is wrong and how to write it; nothing is written then.
pub fn parse(line: &str, ctx: &Context<'_>) -> Result<Action, String> {
    let Some(rest) = line.strip_prefix('/') else {
        return Ok(Action::Entry(line.to_string()));
    };
    if rest.starts_with('/') {
        return Ok(Action::Entry(rest.to_string()));
    }
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (rest, ""),
    };
    let Some(command) = find(name) else {
        return Err(format!(
            "unknown command '/{}': see /help (start the line with // to write it as text)",
            crate::domain::text::sanitize_line(name)
        ));
    };
    (command.parse)(&Call { command, args, ctx })
}

/// A command as typed, for its parser: the table entry, what follows its name, and
/// what the parser checks against.
pub struct Call<'a> {
    pub command: &'static super::Command,
    pub args: &'a str,
    pub ctx: &'a Context<'a>,
}

impl Call<'_> {
    /// How the command is written, for an error.
    fn usage(&self) -> String {
        format!("write /{} {}", self.command.name, self.command.args)
    }

    /// `action`, for a command that takes no arguments.
    fn no_args(&self, action: Action) -> Result<Action, String> {
        if self.args.is_empty() {
            Ok(action)
        } else {
            Err(format!("/{} takes no arguments", self.command.name))
        }
    }
}

pub(super) fn parse_status(c: &Call<'_>) -> Result<Action, String> {
    let i = c.ctx.incident;
    let ctx = c.ctx;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let to: Status = args.parse().map_err(|_| c.usage())?;
    if to == i.status {
        return Err(format!("#{id} is already {to}"));
    }
    let pages = if ctx.pages && i.severity == Severity::P1 && !i.status.is_open() && to.is_open() {
        " Reopening a P1 pages again through Alertmanager."
    } else {
        ""
    };
    let firing = if to == Status::Resolved {
        still_firing(&ctx.linked_firing)
    } else {
        String::new()
    };
    Ok(Action::Write {
        confirm: Some(format!(
            "Change the status of #{id} from {} to {to}?{firing}{pages}",
            i.status
        )),
        write: Write::Status { id, to, author, at },
    })
}

pub(super) fn parse_sev(c: &Call<'_>) -> Result<Action, String> {
    let i = c.ctx.incident;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let to: Severity = args.parse().map_err(|_| c.usage())?;
    if to == i.severity {
        return Err(format!("#{id} is already {to}"));
    }
    Ok(Action::Write {
        confirm: Some(format!(
            "Change the severity of #{id} from {} to {to}?",
            i.severity
        )),
        write: Write::Severity { id, to, author, at },
    })
}

pub(super) fn parse_commander(c: &Call<'_>) -> Result<Action, String> {
    let i = c.ctx.incident;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let command = c.command;
    let name = person(args).ok_or_else(|| c.usage())?;
    let commander = command.name == "commander";
    let (role, now) = if commander {
        ("commander", Some(i.commander.as_str()))
    } else {
        ("comms lead", i.comms_lead.as_deref())
    };
    if now == Some(name.as_str()) {
        return Err(format!("{name} is already the {role} of #{id}"));
    }
    let confirm = match now {
        Some(from) => format!("Hand the {role} role of #{id} from {from} to {name}?"),
        None => format!("Make {name} the {role} of #{id}?"),
    };
    let (commander, comms_lead) = if commander {
        (Some(name), None)
    } else {
        (None, Some(name))
    };
    Ok(Action::Write {
        confirm: Some(confirm),
        write: Write::Assign {
            id,
            commander,
            comms_lead,
            author,
            at,
        },
    })
}

pub(super) fn parse_resolve(c: &Call<'_>) -> Result<Action, String> {
    let i = c.ctx.incident;
    let ctx = c.ctx;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let summary = Some(args.to_string()).filter(|s| !s.is_empty());
    let shown = summary
        .as_deref()
        .map_or_else(|| "no summary".to_string(), |s| format!("summary '{s}'"));
    let left = crate::domain::silence::unexpired(ctx.timeline.iter().map(|e| e.text.as_str()));
    let silences = match left.as_slice() {
        [] => String::new(),
        left => format!(
            " Its silences stay active until they end ({}); you are asked next whether to expire them.",
            left.iter()
                .map(|(s, _, until)| format!("{s} until {until}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let firing = still_firing(&ctx.linked_firing);
    Ok(Action::Write {
        confirm: Some(format!(
            "Resolve #{id} {} — {shown}?{firing}{silences}",
            i.title
        )),
        write: Write::Resolve {
            id,
            summary,
            author,
            at,
        },
    })
}

pub(super) fn parse_followup(c: &Call<'_>) -> Result<Action, String> {
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let (owner, rest) = args
        .split_once(char::is_whitespace)
        .ok_or_else(|| c.usage())?;
    let owner = owner
        .strip_prefix('@')
        .filter(|o| !o.is_empty())
        .ok_or_else(|| c.usage())?;
    let today = at.with_timezone(&Local).date_naive();
    let rest = rest.trim_start();
    let (due, title) = match rest.split_once(char::is_whitespace) {
        Some((first, title)) if looks_like_due(first) => (
            Some(parse_due_date(first, today).map_err(|e| e.to_string())?),
            title,
        ),
        _ => (None, rest),
    };
    NewFollowUp::new(id, title, owner, due, &author, at, today)
        .map(|new| Action::Write {
            write: Write::AddFollowUp(new),
            confirm: None,
        })
        .map_err(|e| e.to_string())
}

pub(super) fn parse_done(c: &Call<'_>) -> Result<Action, String> {
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let follow_up: FollowUpId = args.parse().map_err(|_| c.usage())?;
    Ok(Action::Write {
        write: Write::CompleteFollowUp {
            id: follow_up,
            author,
            at,
        },
        confirm: None,
    })
}

pub(super) fn parse_followup_edit(c: &Call<'_>) -> Result<Action, String> {
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let (follow_up, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let follow_up: FollowUpId = follow_up.parse().map_err(|_| c.usage())?;
    let mut rest = rest.trim();
    let mut edit = FollowUpEdit::default();
    if let Some(after) = rest.strip_prefix('@') {
        let (owner, more) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        edit.owner = Some(owner.to_string()).filter(|o| !o.is_empty());
        if edit.owner.is_none() {
            return Err(c.usage());
        }
        rest = more.trim_start();
    }
    let today = at.with_timezone(&Local).date_naive();
    let (first, more) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if first.eq_ignore_ascii_case("none") {
        edit.due = Some(None);
        rest = more.trim_start();
    } else if looks_like_due(first) {
        edit.due = Some(Some(
            parse_due_date(first, today).map_err(|e| e.to_string())?,
        ));
        rest = more.trim_start();
    }
    edit.title = Some(rest.to_string()).filter(|t| !t.is_empty());
    if edit == FollowUpEdit::default() {
        return Err(c.usage());
    }
    Ok(Action::Write {
        write: Write::EditFollowUp {
            id: follow_up,
            edit,
            author,
            at,
            today,
        },
        confirm: None,
    })
}

pub(super) fn parse_followup_cancel(c: &Call<'_>) -> Result<Action, String> {
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let (follow_up, reason) = args
        .split_once(char::is_whitespace)
        .ok_or_else(|| c.usage())?;
    let follow_up: FollowUpId = follow_up.parse().map_err(|_| c.usage())?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(c.usage());
    }
    Ok(Action::Write {
        confirm: Some(format!(
            "Cancel follow-up #{follow_up} — reason '{reason}'? It leaves the closure rate."
        )),
        write: Write::CancelFollowUp {
            id: follow_up,
            reason: reason.to_string(),
            author,
            at,
        },
    })
}

pub(super) fn parse_amend(c: &Call<'_>) -> Result<Action, String> {
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let (entry, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let entry: EntryId = entry
        .trim_start_matches('#')
        .parse()
        .map_err(|_| c.usage())?;
    let rest = rest.trim();
    let (kind, text) = match rest.strip_prefix("--kind") {
        Some(after) => {
            let after = after.trim_start();
            let (kind, text) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
            let kind: EntryKind = kind.parse().map_err(|_| c.usage())?;
            (Some(kind), text.trim())
        }
        None => (None, rest),
    };
    if kind.is_none() && text.is_empty() {
        return Err(c.usage());
    }
    Ok(Action::Write {
        write: Write::Amend {
            entry,
            text: (!text.is_empty()).then(|| text.to_string()),
            kind,
            author,
            at,
        },
        confirm: None,
    })
}

pub(super) fn parse_link(c: &Call<'_>) -> Result<Action, String> {
    let i = c.ctx.incident;
    let ctx = c.ctx;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let chosen: Vec<(String, String)> = if args.is_empty() {
        ctx.marked.to_vec()
    } else {
        args.split_whitespace()
            .map(|fp| {
                let name = ctx
                    .marked
                    .iter()
                    .find(|(f, _)| f == fp)
                    .map_or_else(String::new, |(_, n)| n.clone());
                (fp.to_string(), name)
            })
            .collect()
    };
    if chosen.is_empty() {
        return Err(
            "mark alerts on the dashboard with Space first, or write /link FINGERPRINT (sitrep alerts --wide shows them)"
                .into(),
        );
    }
    let new: Vec<(String, String)> = chosen
        .into_iter()
        .filter(|(fp, _)| !i.linked_alerts.contains(fp))
        .collect();
    if new.is_empty() {
        return Err(format!("#{id} already links every alert named"));
    }
    let shown: Vec<String> = new
        .iter()
        .map(|(fp, name)| {
            if name.is_empty() {
                fp.clone()
            } else {
                format!("{name} ({fp})")
            }
        })
        .collect();
    Ok(Action::Write {
        confirm: Some(format!("Link {} to #{id}?", shown.join(", "))),
        write: Write::Edit {
            id,
            edit: IncidentEdit {
                link_alerts: new.into_iter().map(|(fp, _)| fp).collect(),
                ..IncidentEdit::default()
            },
            author,
            at,
        },
    })
}

pub(super) fn parse_drill(c: &Call<'_>) -> Result<Action, String> {
    let i = c.ctx.incident;
    let author = c.ctx.user.to_string();
    let at = c.ctx.now;
    let id = c.ctx.incident.id;
    let drill = !i.drill;
    c.no_args(Action::Write {
        confirm: Some(if drill {
            format!("Mark #{id} as a drill (left out of the review's figures)?")
        } else {
            format!("Mark #{id} as a real incident, not a drill?")
        }),
        write: Write::Edit {
            id,
            edit: IncidentEdit {
                drill: Some(drill),
                ..IncidentEdit::default()
            },
            author,
            at,
        },
    })
}

pub(super) fn parse_silence(c: &Call<'_>) -> Result<Action, String> {
    let ctx = c.ctx;
    let args = c.args;
    silence(args, ctx, &|| c.usage())
}

pub(super) fn parse_unsilence(c: &Call<'_>) -> Result<Action, String> {
    let ctx = c.ctx;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let id = c.ctx.incident.id;
    let live = crate::domain::silence::unexpired(ctx.timeline.iter().map(|e| e.text.as_str()));
    if live.is_empty() {
        return Err(format!(
            "#{id} has no silence made through sitrep that is not expired"
        ));
    }
    let chosen: Vec<(String, String, String)> = if args.is_empty() {
        live
    } else {
        args.split_whitespace()
            .map(|named| {
                live.iter().find(|(s, _, _)| s == named).cloned().ok_or_else(|| {
                    format!(
                        "silence '{}' is not one of #{id}'s (sitrep silence {id} --list shows them)",
                        crate::domain::text::sanitize_line(named)
                    )
                })
            })
            .collect::<Result<_, _>>()?
    };
    let (effect, shown) = unsilence(id, author, chosen);
    Ok(Action::Act {
        confirm: format!("Expire {shown} for #{id}? The alerts they mute can notify again."),
        effect,
    })
}

pub(super) fn parse_page(c: &Call<'_>) -> Result<Action, String> {
    use crate::domain::oncall::{short_when, Standing};
    let ctx = c.ctx;
    let i = ctx.incident;
    let (team, why) = match c.args.split_once(char::is_whitespace) {
        Some((team, why)) => (team, Some(why.trim()).filter(|w| !w.is_empty())),
        None => (c.args, None),
    };
    if team.is_empty() {
        return Err(c.usage());
    }
    if ctx.demo {
        return Err("the demo feed has no Alertmanager: nobody paged".into());
    }
    let Some(rosters) = ctx.oncall else {
        return Err(
            "no teams are configured: add a [[teams]] table to the config to page one".into(),
        );
    };
    let Some(t) = rosters.teams.find(team) else {
        let names: Vec<&str> = rosters
            .teams
            .all()
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        return Err(format!(
            "no team '{}' (teams: {})",
            crate::domain::text::sanitize_line(team),
            names.join(", ")
        ));
    };
    if i.drill {
        return Err(format!("#{} is a drill: a drill pages nobody", i.id));
    }
    if !i.status.is_open() {
        return Err(format!(
            "#{} is resolved: there is nothing to page for",
            i.id
        ));
    }
    let spec = rosters.teams.get(t).ok_or("no such team")?;
    let who = match rosters.standing(t, ctx.now) {
        Standing::On { who, until } => format!(
            "{who} is on call{}",
            until
                .map(|u| format!(" until {}", short_when(u, &spec.zone, ctx.now)))
                .unwrap_or_default()
        ),
        Standing::Nobody { .. } => "NOBODY is on call by its schedule".into(),
    };
    Ok(Action::Act {
        confirm: format!(
            "Page team {} for #{}? {who}; Alertmanager routes the page by the team's labels.",
            spec.name, i.id
        ),
        effect: Effect::PageTeam(Box::new(crate::app::PageRequest {
            incident: i.id,
            team: spec.name.clone(),
            why: why.map(str::to_string),
            author: ctx.user.to_string(),
        })),
    })
}

pub(super) fn parse_run(c: &Call<'_>) -> Result<Action, String> {
    let ctx = c.ctx;
    let args = c.args;
    let author = c.ctx.user.to_string();
    let id = c.ctx.incident.id;
    if ctx.running {
        return Err("a command is still running: Ctrl-C stops it, then /run again".into());
    }
    let argv = crate::domain::run::split_words(args).map_err(|e| e.to_string())?;
    if argv.is_empty() {
        return Err(c.usage());
    }
    let shown = crate::domain::run::command_line(&argv);
    Ok(Action::Act {
        confirm: format!(
            "Run `{shown}` for #{id}? It is logged as mitigation before it starts and when it ends; its output shows in a pane; Ctrl-C stops it. No shell: write sh -c '…' for pipes or $VARS."
        ),
        effect: Effect::Run(Box::new(RunRequest {
            incident: id,
            kind: EntryKind::Mitigation,
            argv,
            author,
        })),
    })
}

pub(super) fn parse_silences(c: &Call<'_>) -> Result<Action, String> {
    let ctx = c.ctx;
    if ctx.demo {
        return Err("the demo feed has no Alertmanager: no silences".into());
    }
    c.no_args(Action::ListSilences)
}

pub(super) fn parse_edit(c: &Call<'_>) -> Result<Action, String> {
    c.no_args(Action::OpenEditForm)
}

pub(super) fn parse_export(c: &Call<'_>) -> Result<Action, String> {
    c.no_args(Action::Export)
}

pub(super) fn parse_comms(c: &Call<'_>) -> Result<Action, String> {
    let ctx = c.ctx;
    let args = c.args;
    match args {
        "" => Ok(Action::CommsDraft),
        "post" => comms_post(ctx),
        _ => Err(c.usage()),
    }
}

pub(super) fn parse_help(c: &Call<'_>) -> Result<Action, String> {
    c.no_args(Action::Help)
}

/// Expiring `chosen` silences (id, source, end as written) of incident `id`: the act,
/// and the silences in words for its question.
fn unsilence(
    id: IncidentId,
    author: String,
    chosen: Vec<(String, String, String)>,
) -> (Effect, String) {
    let shown = chosen
        .iter()
        .map(|(s, source, until)| format!("{s} on {source} (until {until})"))
        .collect::<Vec<_>>()
        .join(", ");
    let effect = Effect::Unsilence(Box::new(UnsilenceRequest {
        incident: id,
        author,
        silences: chosen
            .into_iter()
            .map(|(s, source, _)| (s, source))
            .collect(),
    }));
    (effect, shown)
}

/// Just after incident `id` was resolved: if the timeline says silences made for it
/// are still in force, the question offering to expire them all, and that act.
pub fn expire_offer(
    id: IncidentId,
    author: &str,
    timeline: &[crate::domain::TimelineEntry],
) -> Option<(String, Effect)> {
    let live = crate::domain::silence::unexpired(timeline.iter().map(|e| e.text.as_str()));
    if live.is_empty() {
        return None;
    }
    let (effect, shown) = unsilence(id, author.to_string(), live);
    Some((
        format!(
            "#{id} is resolved, and its silences are still in force: {shown}. Expire them now, so the alerts they mute can notify again? (Esc keeps them; /unsilence later)"
        ),
        effect,
    ))
}

/// `/comms post`: refused, with the fix, where the draft must not go out: the demo, a
/// drill, or a draft that would still carry placeholders for its public words.
fn comms_post(ctx: &Context<'_>) -> Result<Action, String> {
    let i = ctx.incident;
    if ctx.demo {
        return Err(
            "the demo posts nowhere: its incidents are not real; /comms writes the draft to a file"
                .into(),
        );
    }
    if i.drill {
        return Err(format!(
            "#{} is a drill: its comms updates are not posted; /comms writes the draft to a file",
            i.id
        ));
    }
    let missing: Vec<&str> = [
        ("public title", i.public_title.is_none()),
        ("public impact", i.public_impact.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "set the {} first (/edit): the draft would go out with placeholders; nothing was posted",
            missing.join(" and ")
        ));
    }
    Ok(Action::CommsPost)
}

/// `/silence DURATION why`: one silence per alert, each matching all of that alert's
/// labels (so it mutes that alert and no other), on the source it fires in.
fn silence(args: &str, ctx: &Context<'_>, usage: &dyn Fn() -> String) -> Result<Action, String> {
    let id = ctx.incident.id;
    let (length, why) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let length = crate::domain::parse::parse_duration(length).map_err(|_| usage())?;
    if length < chrono::Duration::minutes(1) || length > chrono::Duration::days(30) {
        return Err("a silence lasts between 1m and 30d".into());
    }
    let why = crate::domain::text::sanitize_line(why.trim());
    if why.is_empty() {
        return Err(format!("say why after the duration: {}", usage()));
    }
    if ctx.demo {
        return Err(
            "the demo feed has no Alertmanager: nothing to silence (configure a source to use /silence)"
                .into(),
        );
    }
    let firing: Vec<&Alert> = ctx
        .alerts
        .iter()
        .copied()
        .filter(|a| a.state == AlertState::Firing)
        .collect();
    if firing.is_empty() {
        return Err(match (ctx.alerts_marked, ctx.alerts.is_empty()) {
            (true, _) => "the alerts chosen on the dashboard are not firing (silenced, inhibited or resolved): nothing to silence".into(),
            (false, true) => format!(
                "#{id} links no alert the dashboard sees: mark alerts there with Space first (or use sitrep silence {id} --matcher …)"
            ),
            (false, false) => format!(
                "no alert linked to #{id} is firing (they are silenced, inhibited or resolved): nothing to silence"
            ),
        });
    }
    let ends = ctx.now + length;
    let alerts: Vec<SilenceTarget> = firing
        .iter()
        .map(|a| SilenceTarget {
            source: a.source.clone(),
            name: a.name.clone(),
            matchers: crate::domain::silence::matchers_for(
                &a.labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
        })
        .collect();
    let listed = alerts
        .iter()
        .map(|t| {
            format!(
                "{} on {}: {}",
                t.name,
                t.source,
                crate::domain::silence::shown(&t.matchers)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let count = match alerts.len() {
        1 => "1 alert".to_string(),
        n => format!("{n} alerts (one silence each)"),
    };
    Ok(Action::Act {
        confirm: format!(
            "Silence {count} until {} for #{id} — '{why}'? {listed}",
            crate::format::time(ends, ctx.time_display)
        ),
        effect: Effect::Silence(Box::new(SilenceRequest {
            incident: id,
            author: ctx.user.to_string(),
            why,
            ends,
            alerts,
        })),
    })
}

/// A role holder: one person's name on one line, not empty.
fn person(raw: &str) -> Option<String> {
    let name = crate::domain::text::sanitize_line(raw);
    (!name.is_empty() && !raw.contains(['\n', '\r'])).then_some(name)
}

fn looks_like_due(word: &str) -> bool {
    word.starts_with('+') || (word.len() == 10 && word.as_bytes().get(4) == Some(&b'-'))
}

/// For a resolve question: the linked alerts that still fire, named.
fn still_firing(alerts: &[String]) -> String {
    match alerts {
        [] => String::new(),
        [one] => format!(" ⚠ {one} is still firing."),
        many => format!(" ⚠ still firing: {}.", many.join(", ")),
    }
}
