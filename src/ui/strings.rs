//! Every user-facing label of the TUI, in one place.

pub const TOO_SMALL: &str = "sitrep: terminal too small — enlarge it (q quits)";
pub const KEYS_ALERTS: &str = " ↑↓/jk select · d declare · Enter details · Space mark · Tab incidents · ? all keys · R resolved · z group by name · q quit";
/// The footer under one alert's details.
pub const KEYS_ALERT: &str =
    " Enter open its incident · s silence it · d declare from it · ↑↓/jk scroll · Esc back";
pub const ALERTS_WAITING: &str = "waiting for the first answer from the alert sources…";
pub const ALERTS_NONE_ANSWERED: &str =
    "no alert source has answered yet: the header says why (sitrep sources for the whole line)";
pub const NO_ALERTS: &str = "No alerts firing.";
pub const KEYS_DASHBOARD: &str =
    " ↑↓/jk select · Enter open · d declare · R open/resolved · / search · ? all keys · q quit";
/// The footer in NAV mode (the composer not focused): its shortcuts come from the
/// command table, see `ui::incident`.
pub const MODE_NAV: &str = " NAV ";
/// The footer in TYPE mode: what is typed is the log.
pub const MODE_TYPE: &str = " TYPE ";
pub const KEYS_COMPOSER: &str =
    " Enter write · Tab kind (or complete a /command) · / command · Esc navigate · Ctrl-C quit";
pub const KEYS_COMPOSER_RUNNING: &str =
    " Ctrl-C stops the running command · Enter write · Tab kind · Esc navigate · / command";
pub const KEYS_NAV_TAIL: &str = " · other keys type · Enter type · q quit";
pub const KEYS_CONFIRM_CHANGE: &str = " Enter confirms · Esc cancels";
/// The incident view's keys besides the commands, for the help.
pub const HELP_INCIDENT_KEYS: &[(&str, &str)] = &[
    (
        "typing (TYPE)",
        "what you type is the log: Enter writes it as the kind shown",
    ),
    (
        "Tab",
        "change the kind: mitigation → comms update → note; completes a /command",
    ),
    (
        "/command",
        "an action, typed on purpose (below); // writes a line starting with /",
    ),
    (
        "Ctrl-U / K / W",
        "delete to the start of the line / to its end / the word before; Ctrl-Z undoes",
    ),
    (
        "Esc",
        "NAV mode: scroll the timeline, single-letter shortcuts; Esc again goes back",
    ),
    ("↑↓ / PgUp PgDn / g G", "scroll the timeline (NAV mode)"),
    ("any other key", "in NAV mode, starts typing again"),
    (
        "Ctrl-C",
        "while a /run command runs: stops it (SIGINT); Esc in NAV mode closes its output once it ended",
    ),
];
pub const KEYS_FORM: &str = " Tab/↑↓ field · ←→ severity · Enter save · Esc cancel";
/// The edit form has no severity (`/sev` changes it).
pub const KEYS_FORM_EDIT: &str = " Tab/↑↓ field · Enter save · Esc cancel";
pub const KEYS_CONFIRM: &str = " y quit · any other key stays";
pub const KEYS_HELP: &str = " ↑↓ PgUp PgDn scroll · any other key closes help";
pub const KEYS_SILENCES: &str =
    " ↑↓ PgUp PgDn scroll · any other key closes · /unsilence [ID] expires";
pub const CONFIRM_QUIT: &str = "An input holds text that is not saved. Quit anyway? (y/N)";
pub const CONFIRM_QUIT_RUNNING: &str =
    "A command started with /run is still running: quitting stops it (SIGTERM) and logs how it ended. Quit? (y/N)";
pub const NO_INCIDENTS: &str = "No open incidents. Press d to declare one, R for resolved ones.";
pub const NO_RESOLVED: &str = "No resolved incidents yet. R shows the open ones.";
pub const NO_MATCH: &str = "No incident matches the search. Esc clears it; / searches again.";
pub const KEYS_SEARCH: &str =
    " type to search title, #id, commander, region · Enter keep · Esc clear";
pub const LOADING: &str = "loading…";
/// After the kind in the composer's title while it writes customer updates.
pub const COMPOSER_TO_CUSTOMERS: &str = " · a customer update";
pub const RECORD_UNREADABLE: &str =
    "This incident cannot be read right now (it is read again on every change): ";
pub const INCIDENTS_UNREADABLE: &str =
    "⚠ The incidents cannot be read, so none are listed (they may be open): ";
pub const P1_NEEDS_COMMS: &str = "⚠ a P1 needs a comms lead: name one (or later: /comms-lead NAME)";
pub const NO_COMMS_LEAD_P1: &str = "⚠ none — P1 needs one (/comms-lead NAME)";

/// Help: every key of each screen.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "everywhere",
        &[
            ("?", "this help"),
            (
                "q / Ctrl-C",
                "quit (asks first when an input holds unsaved text or a /run command runs)",
            ),
            ("Esc", "back out: close, leave the input, go back"),
        ],
    ),
    (
        "dashboard",
        &[
            ("↑↓ / j k", "select an incident"),
            ("g / G", "first / last"),
            ("Enter / → / l", "open the incident"),
            (
                "d",
                "declare an incident (from the marked or selected alerts in the alerts pane)",
            ),
            ("Tab", "switch between alerts and incidents"),
            (
                "R",
                "list resolved incidents instead of open ones (and back)",
            ),
            (
                "/",
                "search the listed incidents: title, #id, commander, region",
            ),
            (
                "Space",
                "mark an alert to declare from (several make one incident; on a group, all of it)",
            ),
            (
                "z",
                "group the alerts by name (Enter opens or closes a group)",
            ),
            (
                "Enter on an alert",
                "show it in full: Enter opens its incident, s silences it there (/silence), d declares from it",
            ),
        ],
    ),
];

/// The header when no alert source is configured (the log works; nothing is watched).
pub const NO_SOURCES: &str = "no alert source configured: alerts are not watched";
