//! `followup add`, `done`, `edit`, `cancel` and `list`.

use chrono::{DateTime, Local, NaiveDate, Utc};
use clap::{Args, Subcommand};

use super::{CliError, Context};
use crate::domain::parse::parse_due_date;
use crate::domain::{DomainError, FollowUp, FollowUpEdit, FollowUpId, IncidentId, NewFollowUp};
use crate::format;
use crate::store::FollowUpFilter;

#[derive(Debug, Subcommand)]
pub enum FollowupCommand {
    /// Add an action item with one owner to an incident
    Add(AddArgs),
    /// Mark an action item done
    Done(DoneArgs),
    /// Change an action item's title, owner or due date
    Edit(EditArgs),
    /// Drop an action item on purpose, with the reason (it leaves the closure rate)
    Cancel(CancelArgs),
    /// List action items, open ones first by due date
    List(ListArgs),
}

fn due_date(raw: &str) -> Result<NaiveDate, DomainError> {
    parse_due_date(raw, Local::now().date_naive())
}

/// A new due date, or none (`none` removes it).
#[derive(Debug, Clone, Copy)]
struct NewDue(Option<NaiveDate>);

fn due_or_none(raw: &str) -> Result<NewDue, DomainError> {
    if raw.trim().eq_ignore_ascii_case("none") {
        Ok(NewDue(None))
    } else {
        due_date(raw).map(|d| NewDue(Some(d)))
    }
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Follow-up id (see 'sitrep followup list')
    id: FollowUpId,
    /// New title
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// New owner (one person)
    #[arg(long, value_name = "NAME")]
    owner: Option<String>,
    /// New due date: YYYY-MM-DD, +7d / +2w from today, or none
    #[arg(long, value_name = "DATE", value_parser = due_or_none)]
    due: Option<NewDue>,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// Follow-up id (see 'sitrep followup list')
    id: FollowUpId,
    /// Why it is dropped (kept in the timeline)
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Incident id
    id: IncidentId,
    /// Who owns it (one person)
    #[arg(long, value_name = "NAME")]
    owner: String,
    /// Due date: YYYY-MM-DD, or +7d / +2w from today
    #[arg(long, value_name = "DATE", value_parser = due_date)]
    due: Option<NaiveDate>,
    /// What is to be done; several words are joined with spaces
    #[arg(required = true, num_args = 1.., value_name = "TITLE")]
    title: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DoneArgs {
    /// Follow-up id (see 'sitrep followup list')
    id: FollowUpId,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only items not yet done (nor cancelled)
    #[arg(long)]
    open: bool,
    /// Only items owned by NAME
    #[arg(long, value_name = "NAME")]
    owner: Option<String>,
    /// Only items of one incident
    #[arg(long, value_name = "ID")]
    incident: Option<IncidentId>,
}

pub fn run(ctx: &Context, command: FollowupCommand) -> Result<String, CliError> {
    match command {
        FollowupCommand::Add(args) => {
            let new = NewFollowUp::new(
                args.id,
                &args.title.join(" "),
                &args.owner,
                args.due,
                ctx.config.user()?,
                ctx.now,
                Local::now().date_naive(),
            )?;
            let change = ctx.open_store()?.add_follow_up(new)?;
            if ctx.json {
                return ctx.json(&change);
            }
            Ok(format!(
                "incident {}: {}\n",
                change.entry.incident_id, change.entry.text
            ))
        }
        FollowupCommand::Done(args) => {
            let change =
                ctx.open_store()?
                    .complete_follow_up(args.id, ctx.config.user()?, ctx.now)?;
            if ctx.json {
                return ctx.json(&change);
            }
            Ok(format!(
                "incident {}: {}\n",
                change.entry.incident_id, change.entry.text
            ))
        }
        FollowupCommand::Edit(args) => {
            let edit = FollowUpEdit {
                title: args.title,
                owner: args.owner,
                due: args.due.map(|d| d.0),
            };
            let change = ctx.open_store()?.edit_follow_up(
                args.id,
                &edit,
                ctx.config.user()?,
                ctx.now,
                Local::now().date_naive(),
            )?;
            if ctx.json {
                return ctx.json(&change);
            }
            Ok(format!(
                "incident {}: {}\n",
                change.entry.incident_id, change.entry.text
            ))
        }
        FollowupCommand::Cancel(args) => {
            let change = ctx.open_store()?.cancel_follow_up(
                args.id,
                &args.reason,
                ctx.config.user()?,
                ctx.now,
            )?;
            if ctx.json {
                return ctx.json(&change);
            }
            Ok(format!(
                "incident {}: {}\n",
                change.entry.incident_id, change.entry.text
            ))
        }
        FollowupCommand::List(args) => {
            let filter = FollowUpFilter {
                open_only: args.open,
                owner: args.owner,
                incident: args.incident,
            };
            let items = ctx.open_store_for_reading()?.list_follow_ups(&filter)?;
            if ctx.json {
                return ctx.json(&items);
            }
            if items.is_empty() {
                return Ok("no follow-ups match\n".to_string());
            }
            let rows: Vec<Vec<String>> = items.iter().map(|f| row(f, ctx.now)).collect();
            Ok(format::table(&HEADER, &rows))
        }
    }
}

pub const HEADER: [&str; 6] = ["ID", "INCIDENT", "STATE", "DUE", "OWNER", "TITLE"];

/// One table row for a follow-up; an overdue item says so in its state.
pub fn row(f: &FollowUp, now: DateTime<Utc>) -> Vec<String> {
    let state = if f.is_done() {
        "done"
    } else if f.is_cancelled() {
        "cancelled"
    } else if f.is_overdue(now.with_timezone(&Local).date_naive()) {
        "OVERDUE"
    } else {
        "open"
    };
    vec![
        format!("#{}", f.id),
        f.incident_id.to_string(),
        state.to_string(),
        f.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
        f.owner.clone(),
        f.title.clone(),
    ]
}
