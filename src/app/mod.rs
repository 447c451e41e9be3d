//! The TUI's state and the pure function that changes it.
//!
//! `update(state, msg) -> Vec<Effect>` is the only place state changes. Messages are
//! keys and results (`EntrySaved`, `IncidentsLoaded`); effects are data (`Write`,
//! `LoadRecord`) that the runtime carries out. Nothing here touches a terminal, a
//! database, a clock or a thread, so every flow is tested without a screen.

pub mod alerts;
pub mod commands;
pub mod composer;
mod form;
mod update;

use chrono::{DateTime, Duration, Utc};
use ratatui_textarea::TextArea;

use crate::domain::TimeDisplay;
use crate::domain::{Change, FollowUpChange, IncidentRecord};
use crate::domain::{
    EntryKind, FollowUpId, Incident, IncidentEdit, IncidentId, NewEntry, NewFollowUp, NewIncident,
    Severity, Status,
};
pub use composer::Origin;
pub use form::{FieldId, FieldInput, Form, FormPurpose};
pub use update::update;

/// Something that happened: a key, a result of an effect, a tick of the clock.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press (the runtime drops releases and repeats it does not want).
    Key(ratatui_textarea::Input),
    /// Text pasted into the terminal.
    Paste(String),
    /// The clock moved; carries the current time.
    Tick(DateTime<Utc>),
    IncidentsLoaded(Vec<Incident>),
    RecordLoaded(IncidentRecord),
    /// The incidents could not be read (why): the dashboard says so in place of the
    /// list, never "no open incidents", until a read succeeds.
    IncidentsUnreadable(String),
    /// This incident could not be read (why): its view says so until a read succeeds.
    RecordUnreadable(IncidentId, String),
    /// The write of this request is on disk.
    Saved(RequestId, Saved),
    /// A write (its request) or a load (no request) failed; the message is shown, and
    /// only the input waiting on that request is released: nothing typed is dropped.
    StoreFailed {
        request: Option<RequestId>,
        error: String,
    },
    /// Another process committed to the database.
    StoreChanged,
    /// Whether a `sitrep watch` beats on this database now.
    Watched(bool),
    /// The team database cannot be reached (since when, and why); writes fail until
    /// it is back, and typed text stays where it is.
    DatabaseLost {
        since: DateTime<Utc>,
        why: String,
    },
    /// The team database answers again: what changed meanwhile is re-read.
    DatabaseBack,
    /// A source answered or failed: the alert set built from it off the loop.
    Alerts(Box<crate::domain::alert_set::Built>),
    /// Fresh SLO figures, and the SLOs that could not be read with why.
    SlosUpdated {
        statuses: Vec<crate::domain::slo::SloStatus>,
        errors: Vec<(String, String)>,
        /// The recent burn history (for the sparklines) and the SLOs whose history
        /// failed; none when the source sends none (the demo).
        history: Option<crate::domain::slo::BurnHistories>,
    },
    /// A draft (what: "postmortem draft", "comms draft") was written to this file, or
    /// could not be.
    Exported {
        what: &'static str,
        result: Result<std::path::PathBuf, String>,
    },
    /// The customer update draft of `/comms post`, rendered, or why it could not be.
    DraftToPostReady {
        id: IncidentId,
        result: Result<String, String>,
    },
    /// Escalation after a P1 was declared, raised, downgraded or resolved: what it
    /// did, or (`Err`) why nobody was paged.
    Escalated(Result<String, String>),
    /// Every team's schedule as read now (`[[teams]]`; re-read every minute).
    OnCall(Box<crate::domain::oncall::Rosters>),
    /// A comms update reached a channel, or was given up on (loud).
    Posted(Result<String, String>),
    /// Silences asked for with `/silence`: what was made, or (`Err`) what was not and
    /// why.
    Silenced(Result<String, String>),
    /// Silences asked to end with `/unsilence`: what was expired, or what was not.
    Unsilenced(Result<String, String>),
    /// The silences of incident `id` (`/silences`), or why they could not be read.
    SilencesListed {
        id: IncidentId,
        result: Result<Vec<crate::domain::silence::Listed>, String>,
    },
    /// Lines a command started with `/run` wrote (stdout and stderr as they came),
    /// after `skipped` earlier lines that would have scrolled out of the pane at once.
    RunOutput {
        lines: Vec<String>,
        skipped: u64,
    },
    /// The command of `/run` ended (the first line of its log entry), or (`Err`) it
    /// was not run or its ending could not be logged.
    RunEnded(Result<String, String>),
    /// SIGTERM, SIGHUP or the terminal went away: quit now.
    Terminate,
}

/// A write that completed.
#[derive(Debug, Clone)]
pub enum Saved {
    Declared(Change),
    Appended(crate::domain::TimelineEntry),
    Changed(Change),
    FollowUp(FollowUpChange),
    /// An alert entry was logged, or skipped because another sitrep logged it first.
    AlertLogged,
    /// An entry was corrected.
    Amended(crate::domain::TimelineEntry),
}

/// Names one write, so that its reply (saved or failed) releases only what waits on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadIncidents,
    LoadRecord(IncidentId),
    Write {
        request: RequestId,
        write: Box<Write>,
    },
    /// Write the postmortem draft of an incident to a new file.
    Export(IncidentId),
    /// Write the customer update draft of an incident to a new file.
    CommsDraft(IncidentId),
    /// Render the customer update draft of an incident, to be shown before it is
    /// logged and posted (`DraftToPostReady`).
    DraftToPost(IncidentId),
    /// Make silences in the alert sources and record each in the incident's log.
    Silence(Box<SilenceRequest>),
    /// Expire silences made for an incident and record each.
    Unsilence(Box<UnsilenceRequest>),
    /// Read an incident's silences from the alert sources (`SilencesListed`): those
    /// its timeline, as stored, records making.
    ListSilences(IncidentId),
    /// Run a command for an incident: logged before it starts and after it ends, its
    /// output sent back as `RunOutput`.
    Run(Box<RunRequest>),
    /// Page one team for an incident through Alertmanager (`/page TEAM why`); what
    /// happened comes back as `Escalated`.
    PageTeam(Box<PageRequest>),
    /// Ctrl-C for the command of `/run`: SIGINT to its process group.
    InterruptRun,
    Quit,
}

impl Effect {
    /// Whether the effect acts outside the database (a source, a process) rather than
    /// being carried out by the store worker.
    pub fn is_action(&self) -> bool {
        matches!(
            self,
            Self::Silence(_)
                | Self::Unsilence(_)
                | Self::ListSilences(_)
                | Self::Run(_)
                | Self::PageTeam(_)
                | Self::InterruptRun
        )
    }
}

/// Silences to make for an incident, one per alert, each with the alert's labels as
/// its matchers (shown in the question before they are made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceRequest {
    pub incident: IncidentId,
    pub author: String,
    /// Why, as typed (the silence's comment starts with the incident id).
    pub why: String,
    pub ends: DateTime<Utc>,
    pub alerts: Vec<SilenceTarget>,
}

/// One alert to silence: where it fires, its name, and its matchers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceTarget {
    pub source: String,
    pub name: String,
    pub matchers: Vec<crate::domain::silence::Matcher>,
}

/// Silences of an incident to expire: id and the source it lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsilenceRequest {
    pub incident: IncidentId,
    pub author: String,
    pub silences: Vec<(String, String)>,
}

/// A team to page for an incident, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub incident: IncidentId,
    pub team: String,
    pub why: Option<String>,
    pub author: String,
}

/// A command to run for an incident (no shell: the words as split).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    pub incident: IncidentId,
    pub kind: EntryKind,
    pub argv: Vec<String>,
    pub author: String,
}

/// A change to store; each carries its author and time, decided by `update`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Declare(NewIncident),
    Append(IncidentId, NewEntry),
    /// A comms update to log and post to the configured channels (the outbox).
    Post(IncidentId, NewEntry),
    Status {
        id: IncidentId,
        to: Status,
        author: String,
        at: DateTime<Utc>,
    },
    Severity {
        id: IncidentId,
        to: Severity,
        author: String,
        at: DateTime<Utc>,
    },
    Assign {
        id: IncidentId,
        commander: Option<String>,
        comms_lead: Option<String>,
        author: String,
        at: DateTime<Utc>,
    },
    Edit {
        id: IncidentId,
        edit: IncidentEdit,
        author: String,
        at: DateTime<Utc>,
    },
    Resolve {
        id: IncidentId,
        summary: Option<String>,
        author: String,
        at: DateTime<Utc>,
    },
    AddFollowUp(NewFollowUp),
    /// An alert change for an incident's log, written once even if several sitrep
    /// processes see the same change.
    AlertEntry(IncidentId, NewEntry),
    CompleteFollowUp {
        id: FollowUpId,
        author: String,
        at: DateTime<Utc>,
    },
    EditFollowUp {
        id: FollowUpId,
        edit: crate::domain::FollowUpEdit,
        author: String,
        at: DateTime<Utc>,
        /// Today where the user is: a new due date before it is refused.
        today: chrono::NaiveDate,
    },
    CancelFollowUp {
        id: FollowUpId,
        reason: String,
        author: String,
        at: DateTime<Utc>,
    },
    /// A correction of a typed entry's text and/or kind; the old one stays as a
    /// revision.
    Amend {
        entry: crate::domain::EntryId,
        text: Option<String>,
        kind: Option<EntryKind>,
        author: String,
        at: DateTime<Utc>,
    },
}

/// Which dashboard pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Alerts,
    Incidents,
}

/// Which screen is under any overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dashboard,
    Incident(IncidentId),
}

/// What is on top and gets the keys first.
#[derive(Debug, Clone)]
pub enum Layer {
    None,
    /// The help, scrolled down this many lines.
    Help(usize),
    ConfirmQuit,
    /// A loud change waiting for Enter (or Esc).
    Confirm(Box<Confirm>),
    /// Typing a search of the dashboard's incidents (`/`).
    Search(Box<TextArea<'static>>),
    Form(Box<Form>),
    /// One alert in full (Enter on the alerts pane), scrolled down this many lines.
    Alert(std::sync::Arc<crate::domain::alert::Alert>, usize),
    /// An incident's silences (`/silences`), scrolled down this many lines.
    Silences(Box<SilenceList>),
}

/// The silences `/silences` read for an incident, as the list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceList {
    pub incident: IncidentId,
    pub silences: Vec<crate::domain::silence::Listed>,
    pub scroll: usize,
}

/// A change that must be confirmed, with the question that says what will change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    pub then: Then,
    pub origin: Origin,
}

/// What a confirmed question does: a change to the database, or an act outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Then {
    Write(Write),
    Act(Effect),
}

/// The command of `/run` and what it has written, shown in a pane of the incident
/// view until it is closed (Esc after it ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPane {
    pub incident: IncidentId,
    /// The command line as it is logged.
    pub command: String,
    /// The last [`RunPane::KEPT`] lines of output, made safe.
    pub lines: std::collections::VecDeque<String>,
    /// Lines that scrolled out of the pane.
    pub dropped: u64,
    /// How it ended (the entry's first line), or why it was not run; `None` while it
    /// runs.
    pub ended: Option<Result<String, String>>,
}

impl RunPane {
    pub const KEPT: usize = 500;

    pub fn running(&self) -> bool {
        self.ended.is_none()
    }
}

/// The one-line entry composer of the incident view. Focused, it is TYPE mode: what is
/// typed is the log. Not focused, the incident view is in NAV mode.
#[derive(Debug, Clone)]
pub struct Composer {
    pub kind: EntryKind,
    pub text: TextArea<'static>,
    pub focused: bool,
    /// Why the last Enter did nothing (an unknown command, a bad argument); the text
    /// stays.
    pub error: Option<String>,
    /// A write of this text is under way; it stays until the store answers this request.
    pub pending: Option<RequestId>,
    /// The incident the line is typed for.
    pub incident: Option<IncidentId>,
    /// Unsent lines of other incidents, put aside when another incident was opened
    /// and brought back when theirs is: a draft is never written to the wrong one.
    drafts: std::collections::HashMap<IncidentId, Draft>,
}

/// A line put aside: its text and kind, and the write of it under way, if any.
#[derive(Debug, Clone)]
struct Draft {
    text: String,
    kind: EntryKind,
    pending: Option<RequestId>,
}

impl Composer {
    fn new() -> Self {
        Self {
            kind: EntryKind::Mitigation,
            text: single_line(""),
            focused: false,
            error: None,
            pending: None,
            incident: None,
            drafts: std::collections::HashMap::new(),
        }
    }

    /// The composer now types for incident `id`: the line of the incident it typed for
    /// is put aside (with its kind and any write of it under way), and `id`'s own
    /// unsent line comes back.
    pub fn switch_to(&mut self, id: IncidentId) {
        if self.incident == Some(id) {
            return;
        }
        if let Some(previous) = self.incident {
            if self.has_text() {
                let draft = Draft {
                    text: self.content(),
                    kind: self.kind,
                    pending: self.pending,
                };
                self.drafts.insert(previous, draft);
            }
        }
        self.incident = Some(id);
        self.error = None;
        match self.drafts.remove(&id) {
            Some(draft) => {
                self.text = single_line(&draft.text);
                self.text.move_cursor(ratatui_textarea::CursorMove::End);
                self.kind = draft.kind;
                self.pending = draft.pending;
            }
            None => {
                self.text = single_line("");
                self.pending = None;
            }
        }
    }

    /// The store answered `request` for a line put aside: saved, it is gone (`true`);
    /// failed, it stays, to be written again when its incident is opened.
    pub fn settle_draft(&mut self, request: RequestId, saved: bool) {
        let Some(id) = self
            .drafts
            .iter()
            .find_map(|(id, d)| (d.pending == Some(request)).then_some(*id))
        else {
            return;
        };
        if saved {
            self.drafts.remove(&id);
        } else if let Some(draft) = self.drafts.get_mut(&id) {
            draft.pending = None;
        }
    }

    /// Starts typing a command for a shortcut (`/silence 1h `), unless the line holds
    /// unsent text: that is never replaced, and `false` says so.
    pub fn start_command(&mut self, line: &str) -> bool {
        if self.has_text() {
            return false;
        }
        self.text = single_line(line);
        true
    }

    /// Unsent lines put aside for other incidents.
    pub fn drafts_elsewhere(&self) -> usize {
        self.drafts.values().filter(|d| d.pending.is_none()).count()
    }

    pub fn content(&self) -> String {
        self.text.lines().join("\n")
    }

    pub fn has_text(&self) -> bool {
        !self.content().trim().is_empty()
    }
}

/// A line of status for the user: what just happened or what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub error: bool,
    pub text: String,
}

/// Everything the TUI shows.
#[derive(Debug, Clone)]
pub struct State {
    pub now: DateTime<Utc>,
    pub user: String,
    pub time_display: TimeDisplay,
    pub triage_window: Duration,
    /// Every incident, newest first (the dashboard shows the open or the resolved
    /// ones, filtered by `filter`; see [`State::listed`]).
    pub incidents: Vec<Incident>,
    /// Index into [`State::listed`].
    pub selected: usize,
    /// The dashboard lists resolved incidents instead of open ones.
    pub show_resolved: bool,
    /// Text the listed incidents must contain (title, id, commander, region).
    pub filter: String,
    pub view: View,
    /// The incident shown in the incident view, once loaded.
    pub record: Option<IncidentRecord>,
    /// Why the last read of the incidents failed; cleared by the next that succeeds.
    pub incidents_unreadable: Option<String>,
    /// Why the last read of an incident failed; cleared by the next that succeeds.
    pub record_unreadable: Option<(IncidentId, String)>,
    /// Timeline entries scrolled up from the newest (0 = follow the newest).
    pub timeline_scroll: usize,
    pub composer: Composer,
    pub layer: Layer,
    pub banner: Option<Banner>,
    pub quit: bool,
    /// Live alerts and source health.
    pub board: alerts::AlertBoard,
    pub pane: Pane,
    /// SLO figures by SLO and region, most urgent first.
    pub slos: Vec<crate::domain::slo::SloStatus>,
    /// SLOs that could not be read, with why.
    pub slo_errors: Vec<(String, String)>,
    /// The last hours of each SLO×region's 1h burn (the sparklines).
    pub slo_history: Vec<crate::domain::slo::BurnHistory>,
    /// SLOs whose history could not be read since when: their sparkline is the last
    /// one read, marked stale.
    pub slo_history_stale: std::collections::BTreeMap<String, DateTime<Utc>>,
    /// The error-budget policy (`[policy]`): each SLO row's verdict.
    pub policy: crate::domain::gate::Policies,
    /// A rehearsal: every incident declared here is a drill.
    pub drill: bool,
    /// Which database this log is on, as the header names it (`team sitrep on
    /// db1`, `local sitrep.db`); None in the demo, which says DEMO.
    pub database: Option<String>,
    /// Whether a `sitrep watch` keeps this log when no TUI is open (None: not known
    /// yet, or the demo).
    pub watched: Option<bool>,
    /// The team database is unreachable: since when, and why.
    pub database_down: Option<(DateTime<Utc>, String)>,
    /// How often customers are promised an update (config `comms.update_every`).
    pub comms_every: Duration,
    /// Where comms updates are posted (config `[[comms.channels]]`; none in the demo).
    pub post_channels: Vec<String>,
    /// A P1 pages through Alertmanager from here (escalation is on): questions that
    /// would page say so.
    pub pages: bool,
    /// The teams and their schedules (`[[teams]]`); none when no team is configured
    /// (then no owner column).
    pub oncall: Option<crate::domain::oncall::Rosters>,
    /// The command started with `/run`, running or ended and not closed yet.
    pub run: Option<RunPane>,
    /// The id the next write gets.
    next_request: u64,
    /// A write that resolves this incident is under way: once it is saved, expiring
    /// the incident's silences is offered.
    resolving: Option<(RequestId, IncidentId)>,
}

impl State {
    /// The policy's verdict on one SLO row: open P1s on its service are those the
    /// dashboard lists.
    pub fn verdict(&self, s: &crate::domain::slo::SloStatus) -> crate::domain::gate::Verdict {
        let ids: Vec<i64> = self
            .incidents
            .iter()
            .filter(|i| {
                i.severity == crate::domain::Severity::P1
                    && i.status.is_open()
                    && !i.drill
                    && i.services.contains(&s.service)
            })
            .map(|i| i.id.0)
            .collect();
        crate::domain::gate::verdict(s, self.policy.for_slo(&s.slo), &ids)
    }

    /// The recent burn of one SLO in one region, and since when it is stale.
    pub fn burn_history(
        &self,
        slo: &str,
        region: &str,
    ) -> Option<(&crate::domain::slo::BurnHistory, Option<DateTime<Utc>>)> {
        self.slo_history
            .iter()
            .find(|h| h.slo == slo && h.region == region)
            .map(|h| (h, self.slo_history_stale.get(slo).copied()))
    }

    pub fn new(
        user: String,
        time_display: TimeDisplay,
        triage_window: Duration,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            now,
            user,
            time_display,
            triage_window,
            incidents: Vec::new(),
            selected: 0,
            show_resolved: false,
            filter: String::new(),
            view: View::Dashboard,
            record: None,
            incidents_unreadable: None,
            record_unreadable: None,
            timeline_scroll: 0,
            composer: Composer::new(),
            layer: Layer::None,
            banner: None,
            quit: false,
            board: alerts::AlertBoard::default(),
            pane: Pane::Incidents,
            slos: Vec::new(),
            slo_errors: Vec::new(),
            drill: false,
            database: None,
            watched: None,
            oncall: None,
            slo_history: Vec::new(),
            slo_history_stale: Default::default(),
            policy: Default::default(),
            database_down: None,
            comms_every: Duration::minutes(30),
            post_channels: Vec::new(),
            pages: false,
            run: None,
            next_request: 1,
            resolving: None,
        }
    }

    /// An effect that writes `write`, with a fresh request id.
    pub fn write(&mut self, write: Write) -> (RequestId, Effect) {
        let request = RequestId(self.next_request);
        self.next_request += 1;
        if let Write::Resolve { id, .. }
        | Write::Status {
            id,
            to: Status::Resolved,
            ..
        } = &write
        {
            self.resolving = Some((request, *id));
        }
        (
            request,
            Effect::Write {
                request,
                write: Box::new(write),
            },
        )
    }

    /// Watches these sources; alerts take the dashboard's focus.
    pub fn with_sources(mut self, sources: Vec<alerts::SourceView>) -> Self {
        if !sources.is_empty() {
            self.pane = Pane::Alerts;
        }
        self.board = alerts::AlertBoard::new(sources);
        self
    }

    /// The effects to run at start-up.
    pub fn start(&self) -> Vec<Effect> {
        vec![Effect::LoadIncidents]
    }

    /// The incident of the incident view, if it is loaded and current.
    pub fn current_record(&self) -> Option<&IncidentRecord> {
        match self.view {
            View::Incident(id) => self.record.as_ref().filter(|r| r.incident.id == id),
            View::Dashboard => None,
        }
    }

    /// The text typed and not saved yet (composer, prompt or form), for printing when
    /// the TUI must end on a failure: nothing typed is lost silently.
    pub fn unsaved_text(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.composer.has_text() {
            out.push(self.composer.content());
        }
        match &self.layer {
            Layer::Form(f) if f.has_text() => out.extend(f.texts()),
            _ => {}
        }
        out
    }

    /// The incidents the dashboard lists: open ones (or resolved ones, toggled with
    /// R), newest first, those matching the search only.
    pub fn listed(&self) -> Vec<&Incident> {
        let needle = self.filter.to_lowercase();
        self.incidents
            .iter()
            .filter(|i| i.status.is_open() != self.show_resolved)
            .filter(|i| {
                needle.is_empty()
                    || i.title.to_lowercase().contains(&needle)
                    || format!("#{}", i.id) == needle
                    || i.id.to_string() == needle
                    || i.commander.to_lowercase().contains(&needle)
                    || i.regions.iter().any(|r| r.to_lowercase().contains(&needle))
            })
            .collect()
    }

    /// Whether incident `id` is on screen with nothing over it: where an answer that
    /// arrives later may open its question or list.
    pub fn showing_only(&self, id: IncidentId) -> bool {
        self.view == View::Incident(id) && matches!(self.layer, Layer::None)
    }

    /// The resolve `request` is answered: which incident it resolved, once.
    pub fn take_resolving(&mut self, request: RequestId) -> Option<IncidentId> {
        match self.resolving {
            Some((r, id)) if r == request => {
                self.resolving = None;
                Some(id)
            }
            _ => None,
        }
    }

    /// Whether any input holds text that is not saved yet (an unsent line put aside
    /// for another incident included).
    pub fn has_unsaved_text(&self) -> bool {
        let layer_text = match &self.layer {
            Layer::Form(f) => f.has_text(),
            _ => false,
        };
        layer_text || self.composer.has_text() || self.composer.drafts_elsewhere() > 0
    }
}

/// A key typed into a line of text. Ctrl-U deletes to the start of the line, as in a
/// shell (the text area's own Ctrl-U is undo, which surprised people clearing a
/// line), and Ctrl-Z undoes; every other key is the text area's.
pub fn edit_line(area: &mut TextArea<'static>, input: ratatui_textarea::Input) {
    match input.key {
        ratatui_textarea::Key::Char('u') if input.ctrl && !input.alt => {
            area.delete_line_by_head();
        }
        ratatui_textarea::Key::Char('z') if input.ctrl && !input.alt => {
            area.undo();
        }
        _ => {
            area.input(input);
        }
    }
}

/// A single-line text area with the app's look left to the view.
pub fn single_line(text: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![text.to_string()]);
    area.set_cursor_line_style(ratatui::style::Style::default());
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

#[cfg(test)]
mod tests;
