//! Every user-facing label of the TUI, in one place.

pub const TOO_SMALL: &str = "sitrep: terminal too small — enlarge it (q quits)";
pub const KEYS_ALERTS: &str = " ↑↓/jk select · Space mark · d declare from alerts · Enter its incident · Tab incidents · ? all keys · q quit";
pub const ALERTS_WAITING: &str = "waiting for the first answer from the alert sources…";
pub const NO_ALERTS: &str = "No alerts firing.";
pub const KEYS_DASHBOARD: &str = " ↑↓/jk select · Enter open · d declare · ? all keys · q quit";
pub const KEYS_INCIDENT: &str =
    " m/c/n write · s status · r resolve · E edit · e export · ? all keys · Esc back";
pub const KEYS_COMPOSER: &str = " Enter save · Tab kind · Esc leave (draft kept)";
pub const KEYS_FORM: &str = " Tab/↑↓ field · ←→ severity · Enter save · Esc cancel";
pub const KEYS_PROMPT: &str = " Enter confirm · Esc cancel";
pub const KEYS_STATUS: &str =
    " 1 investigating · 2 identified · 3 monitoring · 4 resolved · Esc cancel";
pub const KEYS_CONFIRM: &str = " y quit and lose the unsaved text · any other key stays";
pub const KEYS_HELP: &str = " any key closes help";
pub const CONFIRM_QUIT: &str = "An input holds text that is not saved. Quit anyway? (y/N)";
pub const NO_INCIDENTS: &str = "No open incidents. Press d to declare one.";
pub const LOADING: &str = "loading…";
pub const P1_NEEDS_COMMS: &str =
    "⚠ a P1 needs a comms lead: name one (or hand it over later with L)";
pub const NO_COMMS_LEAD_P1: &str = "⚠ none — P1 needs one (L)";

/// Help: every key of each screen.
pub const HELP: &[(&str, &[(&str, &str)])] = &[
    (
        "everywhere",
        &[
            ("?", "this help"),
            (
                "q / Ctrl-C",
                "quit (asks first when an input holds unsaved text)",
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
                "Space",
                "mark an alert to declare from (several make one incident)",
            ),
        ],
    ),
    (
        "incident",
        &[
            ("m / c / n", "write a mitigation / comms update / note"),
            ("Enter / i", "write in the input (Tab changes the kind)"),
            ("s", "change status"),
            ("p", "switch severity P1 ↔ P2"),
            ("a / L", "hand over commander / comms lead"),
            ("f / x", "add a follow-up / mark one done"),
            ("E", "edit title, regions, cohorts, trigger time, summary"),
            ("r", "resolve"),
            (
                "e",
                "export the postmortem draft (Markdown, current directory)",
            ),
            (
                "↑↓ / j k, PgUp PgDn",
                "scroll the timeline; g / G oldest / newest",
            ),
            ("Esc / ← / h", "back to the dashboard"),
        ],
    ),
];

/// The header when no alert source is configured (the log works; nothing is watched).
pub const NO_SOURCES: &str = "no alert source configured: alerts are not watched";
