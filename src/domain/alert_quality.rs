//! Which alerts are worth their page: per alert rule (alert name + service), how
//! often it fired, for how long, how often out of hours and in sleep hours, how
//! often an incident was declared from it, and what is wrong with it (noise,
//! flapping, no runbook, no owner, no severity, trigger-happy, no service), each
//! with its plain next step.
//!
//! Firings come in one at a time ([`Quality::add`]) from Prometheus' `ALERTS` or from
//! sitrep's own history, so ten thousand series cost a tally per rule, not a list of
//! every firing. Pure: the caller reads the rules, the firings and the incidents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use super::alert::LabelMapping;
use super::review::ReviewedIncident;

/// A firing shorter than this counts towards flapping.
pub const SHORT_FIRING: Duration = Duration::minutes(5);
/// Fired this often and never linked to an incident: noise.
pub const NOISE_FIRINGS: usize = 3;
/// A `for:` shorter than this is trigger-happy (unless the rule is multi-window).
pub const MIN_FOR_SECS: f64 = 60.0;
/// How many rules the section lists; the rest are counted.
pub const TOP_RULES: usize = 20;
/// A linked alert's start this close to a firing counts as that firing.
const LINK_SLACK: Duration = Duration::minutes(2);

/// A daily stretch of local time, `09:00-18:00`; one that ends before it starts
/// (`22:00-07:00`) runs over midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Hours {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("'{raw}' is not a time range like 09:00-18:00");
        let (a, b) = raw.trim().split_once('-').ok_or_else(bad)?;
        let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
        let (start, end) = (time(a)?, time(b)?);
        if start == end {
            return Err(format!("'{raw}' is empty: start and end are the same"));
        }
        Ok(Self { start, end })
    }

    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

impl std::fmt::Display for Hours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

/// What the review counts as working hours and sleep hours, and which label names
/// an alert's owner.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityRules {
    /// Working hours on weekdays; every weekend hour is out of hours.
    pub working: Hours,
    pub sleep: Hours,
    pub zone: Tz,
    pub owner_label: String,
    pub labels: LabelMapping,
    /// `[[teams]]`: when any is configured, an alert is owned when a team owns it
    /// (the dashboard's owner column says the same); else by its `owner_label`.
    pub teams: std::sync::Arc<super::oncall::Teams>,
}

impl Default for QualityRules {
    fn default() -> Self {
        Self {
            working: Hours {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
                end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
            },
            sleep: Hours {
                start: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or(NaiveTime::MIN),
                end: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN),
            },
            zone: Tz::UTC,
            owner_label: "team".into(),
            labels: LabelMapping::default(),
            teams: Default::default(),
        }
    }
}

impl QualityRules {
    /// Whether `at` falls out of working hours (a weekend, or outside the hours on
    /// a weekday) and in sleep hours, in the team's zone (DST included).
    pub fn when(&self, at: DateTime<Utc>) -> (bool, bool) {
        let local = self.zone.from_utc_datetime(&at.naive_utc());
        let time = local.time();
        let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        (
            weekend || !self.working.contains(time),
            self.sleep.contains(time),
        )
    }
}

/// Something wrong with an alert rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Fired at least [`NOISE_FIRINGS`] times, never linked to an incident.
    Noise,
    /// Most firings shorter than [`SHORT_FIRING`].
    Flapping,
    /// `for:` under a minute on a single-window rule.
    TriggerHappy,
    NoRunbook,
    NoOwner,
    NoSeverity,
    NoService,
}

impl Flag {
    pub const ALL: [Flag; 7] = [
        Flag::Noise,
        Flag::Flapping,
        Flag::TriggerHappy,
        Flag::NoRunbook,
        Flag::NoOwner,
        Flag::NoSeverity,
        Flag::NoService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Noise => "noise",
            Flag::Flapping => "flapping",
            Flag::TriggerHappy => "trigger-happy",
            Flag::NoRunbook => "no runbook",
            Flag::NoOwner => "no owner",
            Flag::NoSeverity => "no severity",
            Flag::NoService => "no service context",
        }
    }

    /// The plain next step.
    pub fn next_step(self, rules: &QualityRules) -> String {
        let owner_label = &rules.owner_label;
        match self {
            Flag::Noise => "never led to an incident: delete it, or route as P2 (a ticket)".into(),
            Flag::Flapping => "raise `for:` (or add hysteresis) so a blip does not page".into(),
            Flag::TriggerHappy => "raise `for:` to at least 1m".into(),
            Flag::NoRunbook => "add a runbook (a `runbook_url` annotation)".into(),
            Flag::NoOwner if !rules.teams.is_empty() => {
                "no team owns it: add its service to a team's `services` in [[teams]] (or a matcher)"
                    .into()
            }
            Flag::NoOwner => format!("add an owner (a `{owner_label}` label)"),
            Flag::NoSeverity => {
                "add a severity label sitrep maps (page/critical = P1, ticket/warning = P2)".into()
            }
            Flag::NoService => "add a `service` label, so incidents and reviews can name it".into(),
        }
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An alerting rule as Prometheus serves it, with the labels its alerts will carry
/// (its own, those its expression pins, those of the recording rules it reads).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    pub name: String,
    pub group: String,
    pub for_secs: f64,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// ANDs two or more windows (a multi-window burn-rate alert): needs no `for:`.
    pub multi_window: bool,
}

/// A rule as the rules API lists it, before inference.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawRule {
    pub name: String,
    pub group: String,
    pub alerting: bool,
    pub query: String,
    pub for_secs: f64,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

struct Selector {
    metric: String,
    equal: BTreeMap<String, String>,
}

fn selectors(expr: &str) -> Vec<Selector> {
    static SELECTOR: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    static MATCHER: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let (Some(selector), Some(matcher)) = (
        SELECTOR
            .get_or_init(|| regex::Regex::new(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}").ok())
            .as_ref(),
        MATCHER
            .get_or_init(|| {
                regex::Regex::new(
                    r#"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)""#,
                )
                .ok()
            })
            .as_ref(),
    ) else {
        return Vec::new();
    };
    selector
        .captures_iter(expr)
        .map(|c| Selector {
            metric: c[1].to_string(),
            equal: matcher
                .captures_iter(&c[2])
                .filter(|m| &m[2] == "=")
                .map(|m| (m[1].to_string(), m[3].to_string()))
                .collect(),
        })
        .collect()
}

/// The windows an expression reads: range selectors and subqueries (`[5m]`), and
/// windows named in recording rules (`…ratio_rate5m`, `…:burnrate1h`).
fn windows(expr: &str) -> BTreeSet<String> {
    static RANGE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    static NAMED: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let mut out = BTreeSet::new();
    if let Some(range) = RANGE
        .get_or_init(|| regex::Regex::new(r"\[\s*(\d+[smhdwy])\s*[:\]]").ok())
        .as_ref()
    {
        out.extend(range.captures_iter(expr).map(|c| c[1].to_string()));
    }
    if let Some(named) = NAMED
        .get_or_init(|| regex::Regex::new(r"(?:rate|burnrate)(\d+[smhdwy])\b").ok())
        .as_ref()
    {
        out.extend(named.captures_iter(expr).map(|c| c[1].to_string()));
    }
    out
}

fn ands(expr: &str) -> bool {
    expr.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w.eq_ignore_ascii_case("and"))
}

/// The alerting rules among `raw`, each with the labels its alerts will carry:
/// its own, those its expression pins with `label="value"` (agreed by every
/// selector that pins them), and those every recording rule it reads agrees on.
pub fn rule_defs(raw: &[RawRule]) -> Vec<RuleDef> {
    let recording: HashMap<&str, Vec<&RawRule>> =
        raw.iter()
            .filter(|r| !r.alerting)
            .fold(HashMap::new(), |mut m, r| {
                m.entry(r.name.as_str()).or_default().push(r);
                m
            });
    raw.iter()
        .filter(|r| r.alerting)
        .map(|rule| {
            let mut labels: BTreeMap<String, String> = BTreeMap::new();
            let mut window_set = windows(&rule.query);
            let add = |found: &BTreeMap<String, String>, labels: &mut BTreeMap<String, String>| {
                for (k, v) in found {
                    labels.entry(k.clone()).or_insert_with(|| v.clone());
                }
            };
            for s in selectors(&rule.query) {
                add(&s.equal, &mut labels);
                // The recording rules of that name whose labels agree with the pins.
                let agreeing: Vec<&&RawRule> = recording
                    .get(s.metric.as_str())
                    .map(|rs| {
                        rs.iter()
                            .filter(|r| {
                                s.equal
                                    .iter()
                                    .all(|(k, v)| r.labels.get(k).is_none_or(|rv| rv == v))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(first) = agreeing.first() {
                    let common: BTreeMap<String, String> = first
                        .labels
                        .iter()
                        .filter(|(k, v)| agreeing.iter().all(|r| r.labels.get(*k) == Some(v)))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    add(&common, &mut labels);
                    for r in &agreeing {
                        window_set.extend(windows(&r.query));
                    }
                }
            }
            // The rule's own labels win over anything inferred.
            for (k, v) in &rule.labels {
                labels.insert(k.clone(), v.clone());
            }
            RuleDef {
                name: rule.name.clone(),
                group: rule.group.clone(),
                for_secs: rule.for_secs,
                labels,
                annotations: rule.annotations.clone(),
                multi_window: ands(&rule.query) && window_set.len() >= 2,
            }
        })
        .collect()
}

/// One firing: its alert's labels and (when known) annotations, and when it fired.
/// `start: None`: it was already firing when the history begins; `end: None`: still
/// firing when it ends.
#[derive(Debug, Clone, Copy)]
pub struct Episode<'a> {
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub annotations: Option<&'a BTreeMap<String, String>>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// What one rule did in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Firings that started in the period.
    pub firings: usize,
    /// Minutes firing in the period (whenever the firing started).
    pub minutes: i64,
    /// Of the firings, how many were shorter than 5 minutes.
    pub short: usize,
    pub out_of_hours: usize,
    pub sleep_hours: usize,
    /// Of the firings, how many an incident was declared from (or linked).
    pub linked: usize,
}

#[derive(Debug, Default)]
struct Seen {
    owner: bool,
    /// The `[[teams]]` team owning it (the first seen).
    team: Option<usize>,
    severity: bool,
    service: bool,
    /// Some(true): a runbook annotation seen; None: annotations never known.
    runbook: Option<bool>,
}

impl Seen {
    fn labels(&mut self, labels: &BTreeMap<String, String>, rules: &QualityRules) {
        self.owner |= if rules.teams.is_empty() {
            labels
                .get(&rules.owner_label)
                .is_some_and(|v| !v.trim().is_empty())
        } else {
            let service = rules.labels.service(labels);
            let team = rules.teams.owner(service.map(String::as_str), |k| {
                labels.get(k).map(String::as_str)
            });
            self.team = self.team.or(team);
            team.is_some()
        };
        self.severity |= rules.labels.severity(labels).is_some();
        self.service |= rules
            .labels
            .service_labels
            .iter()
            .any(|l| labels.get(l).is_some_and(|v| !v.is_empty()));
    }

    fn annotations(&mut self, annotations: &BTreeMap<String, String>) {
        let has = ["runbook_url", "runbook"]
            .iter()
            .any(|k| annotations.get(*k).is_some_and(|v| !v.trim().is_empty()));
        self.runbook = Some(self.runbook.unwrap_or(false) || has);
    }
}

#[derive(Debug)]
struct Acc {
    name: String,
    service: Option<String>,
    periods: Vec<Tally>,
    seen: Seen,
}

/// Where an incident's linked alerts fired, by alert name and service.
#[derive(Debug, Default)]
struct Links {
    by_rule: HashMap<(String, Option<String>), Vec<DateTime<Utc>>>,
}

impl Links {
    fn of(incidents: &[ReviewedIncident]) -> Self {
        let mut by_rule: HashMap<(String, Option<String>), Vec<DateTime<Utc>>> = HashMap::new();
        for r in incidents.iter().filter(|r| !r.incident.drill) {
            for a in &r.alerts {
                let at = a.starts_at.unwrap_or(r.incident.trigger_time);
                by_rule
                    .entry((a.name.clone(), a.service.clone()))
                    .or_default()
                    .push(at);
            }
        }
        Self { by_rule }
    }

    fn linked(
        &self,
        name: &str,
        service: &Option<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> bool {
        let hit = |key: &(String, Option<String>)| {
            self.by_rule.get(key).is_some_and(|times| {
                times
                    .iter()
                    .any(|t| *t >= from - LINK_SLACK && *t <= to + LINK_SLACK)
            })
        };
        hit(&(name.to_string(), service.clone()))
            || (service.is_some() && hit(&(name.to_string(), None)))
    }
}

/// A period of the review: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Tallies firings by rule over several periods (the first is the one reported in
/// full; the others feed the trend).
pub struct Quality {
    rules: QualityRules,
    windows: Vec<Window>,
    now: DateTime<Utc>,
    links: Links,
    accs: HashMap<(String, Option<String>), Acc>,
    starts: Vec<FiringStart>,
}

/// One firing that started in the reviewed period: when, whose (the `[[teams]]`
/// team owning it), and whether it pages (P1) — for the on-call load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiringStart {
    pub at: DateTime<Utc>,
    pub team: Option<usize>,
    pub pages: bool,
}

impl Quality {
    pub fn new(
        rules: QualityRules,
        windows: Vec<Window>,
        incidents: &[ReviewedIncident],
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            rules,
            windows,
            now,
            links: Links::of(incidents),
            accs: HashMap::new(),
            starts: Vec::new(),
        }
    }

    pub fn add(&mut self, e: Episode<'_>) {
        let service = self
            .rules
            .labels
            .service_labels
            .iter()
            .find_map(|l| e.labels.get(l))
            .filter(|s| !s.is_empty())
            .cloned();
        let key = (e.name.to_string(), service.clone());
        let windows = self.windows.len();
        let acc = self.accs.entry(key).or_insert_with(|| Acc {
            name: e.name.to_string(),
            service: service.clone(),
            periods: vec![Tally::default(); windows],
            seen: Seen::default(),
        });
        acc.seen.labels(e.labels, &self.rules);
        if let Some(a) = e.annotations {
            acc.seen.annotations(a);
        }
        if let (Some(began), Some(w)) = (e.start, self.windows.first()) {
            if began >= w.from && began < w.to {
                let team = self
                    .rules
                    .teams
                    .owner(service.as_deref(), |k| e.labels.get(k).map(String::as_str));
                self.starts.push(FiringStart {
                    at: began,
                    team,
                    pages: self.rules.labels.severity(e.labels) == Some(super::Severity::P1),
                });
            }
        }
        for (i, w) in self.windows.iter().enumerate() {
            let cap = w.to.min(self.now);
            let start = e.start.unwrap_or(DateTime::<Utc>::MIN_UTC).max(w.from);
            let end = e.end.unwrap_or(cap).min(cap);
            let tally = &mut acc.periods[i];
            if end > start {
                tally.minutes += (end - start).num_minutes();
            }
            let Some(began) = e.start.filter(|s| *s >= w.from && *s < w.to) else {
                continue;
            };
            tally.firings += 1;
            let until = e.end.unwrap_or(cap);
            if e.end.is_some() && until - began < SHORT_FIRING {
                tally.short += 1;
            }
            let (out, sleep) = self.rules.when(began);
            tally.out_of_hours += usize::from(out);
            tally.sleep_hours += usize::from(sleep);
            if self.links.linked(e.name, &service, began, until) {
                tally.linked += 1;
            }
        }
    }

    /// The report for the first period, the per-period totals for the trend, and
    /// the rules that never fired but need fixing.
    pub fn finish(self, defs: &[RuleDef]) -> QualityReport {
        let mut by_name: HashMap<&str, Vec<&RuleDef>> = HashMap::new();
        for d in defs {
            by_name.entry(d.name.as_str()).or_default().push(d);
        }
        let windows = self.windows.len();
        let mut per_period = vec![PeriodTotals::default(); windows];
        let mut fired_names: BTreeSet<String> = BTreeSet::new();
        let mut reports = Vec::new();
        for acc in self.accs.values() {
            let service_of = |d: &RuleDef| {
                self.rules
                    .labels
                    .service_labels
                    .iter()
                    .find_map(|l| d.labels.get(l))
                    .cloned()
            };
            let mine: Vec<&RuleDef> = by_name
                .get(acc.name.as_str())
                .map(|ds| {
                    ds.iter()
                        .copied()
                        .filter(|d| service_of(d).is_none() || service_of(d) == acc.service)
                        .collect()
                })
                .unwrap_or_default();
            let static_flags = static_flags(&acc.seen, &mine, &self.rules);
            for (i, tally) in acc.periods.iter().enumerate() {
                let flags = dynamic_flags(tally);
                let totals = &mut per_period[i];
                totals.firings += tally.firings;
                totals.minutes += tally.minutes;
                totals.noisy += usize::from(flags.contains(&Flag::Noise));
            }
            let now = acc.periods.first().copied().unwrap_or_default();
            if now.firings == 0 && now.minutes == 0 {
                continue;
            }
            fired_names.insert(acc.name.clone());
            let mut flags = dynamic_flags(&now);
            flags.extend(static_flags);
            flags.sort();
            flags.dedup();
            reports.push(RuleReport {
                name: acc.name.clone(),
                service: acc.service.clone(),
                team: acc
                    .seen
                    .team
                    .and_then(|t| self.rules.teams.get(t))
                    .map(|t| t.name.clone()),
                tally: now,
                actionable_rate: (now.firings > 0).then(|| now.linked as f64 / now.firings as f64),
                steps: flags.iter().map(|f| f.next_step(&self.rules)).collect(),
                flags,
            });
        }
        reports.sort_by(|a, b| {
            let noisy = |r: &RuleReport| r.flags.contains(&Flag::Noise);
            noisy(b)
                .cmp(&noisy(a))
                .then(b.tally.firings.cmp(&a.tally.firings))
                .then(b.tally.minutes.cmp(&a.tally.minutes))
                .then(a.name.cmp(&b.name))
                .then(a.service.cmp(&b.service))
        });
        let fired = reports.len();
        let more = fired.saturating_sub(TOP_RULES);
        let every_rule = reports.clone();
        reports.truncate(TOP_RULES);
        let mut to_fix = Vec::new();
        let mut names: Vec<&str> = by_name.keys().copied().collect();
        names.sort();
        for name in names {
            if fired_names.contains(name) {
                continue;
            }
            let ds = &by_name[name];
            let mut flags = static_flags(&Seen::default(), ds, &self.rules);
            flags.sort();
            flags.dedup();
            if !flags.is_empty() {
                to_fix.push(RuleToFix {
                    name: name.to_string(),
                    group: ds.first().map(|d| d.group.clone()).unwrap_or_default(),
                    steps: flags.iter().map(|f| f.next_step(&self.rules)).collect(),
                    flags,
                });
            }
        }
        QualityReport {
            rules: reports,
            rules_fired: fired,
            more,
            rules_to_fix: to_fix,
            rules_known: defs.len(),
            periods: per_period,
            working_hours: self.rules.working.to_string(),
            sleep_hours: self.rules.sleep.to_string(),
            zone: self.rules.zone.name().to_string(),
            owner_label: self.rules.owner_label.clone(),
            every_rule,
            starts: self.starts,
        }
    }
}

fn seen_of<'s>(seen: &'s mut Seen, defs: &[&RuleDef], rules: &QualityRules) -> &'s Seen {
    for d in defs {
        seen.labels(&d.labels, rules);
        seen.annotations(&d.annotations);
    }
    seen
}

/// Flags from what a rule is (its labels, annotations, `for:`), whether or not it
/// fired: from its firings' labels and its rule definitions together.
fn static_flags(seen: &Seen, defs: &[&RuleDef], rules: &QualityRules) -> Vec<Flag> {
    let mut seen_all = Seen {
        owner: seen.owner,
        team: seen.team,
        severity: seen.severity,
        service: seen.service,
        runbook: seen.runbook,
    };
    seen_of(&mut seen_all, defs, rules);
    let mut flags = Vec::new();
    if seen_all.runbook == Some(false) {
        flags.push(Flag::NoRunbook);
    }
    if !seen_all.owner {
        flags.push(Flag::NoOwner);
    }
    if !seen_all.severity {
        flags.push(Flag::NoSeverity);
    }
    if !seen_all.service {
        flags.push(Flag::NoService);
    }
    if !defs.is_empty()
        && defs
            .iter()
            .any(|d| d.for_secs < MIN_FOR_SECS && !d.multi_window)
    {
        flags.push(Flag::TriggerHappy);
    }
    flags
}

fn dynamic_flags(t: &Tally) -> Vec<Flag> {
    let mut flags = Vec::new();
    if t.firings >= NOISE_FIRINGS && t.linked == 0 {
        flags.push(Flag::Noise);
    }
    if t.firings > 0 && t.short * 2 > t.firings {
        flags.push(Flag::Flapping);
    }
    flags
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    pub name: String,
    pub service: Option<String>,
    /// The `[[teams]]` team owning it, when teams are configured and one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(flatten)]
    pub tally: Tally,
    /// linked / firings; none when it did not start firing in the period.
    pub actionable_rate: Option<f64>,
    pub flags: Vec<Flag>,
    /// One next step per flag, in the same order.
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleToFix {
    pub name: String,
    pub group: String,
    pub flags: Vec<Flag>,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeriodTotals {
    pub firings: usize,
    pub minutes: i64,
    /// Rules flagged noise in that period.
    pub noisy: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    /// The rules that fired in the period, noisy ones first, then by firings; at
    /// most [`TOP_RULES`].
    pub rules: Vec<RuleReport>,
    /// How many rules fired in the period in all.
    pub rules_fired: usize,
    /// How many fired and are not listed.
    pub more: usize,
    /// Rules that did not fire in the period and have something to fix.
    pub rules_to_fix: Vec<RuleToFix>,
    /// How many alerting rules Prometheus serves (0 without a rules API).
    pub rules_known: usize,
    /// Totals for this period and each earlier one, newest first.
    pub periods: Vec<PeriodTotals>,
    pub working_hours: String,
    pub sleep_hours: String,
    pub zone: String,
    pub owner_label: String,
    /// Every rule that fired, not cut to the top ones (for `handoff`).
    #[serde(skip)]
    pub every_rule: Vec<RuleReport>,
    /// Every firing that started in the period (for the on-call load).
    #[serde(skip)]
    pub starts: Vec<FiringStart>,
}

/// Which history the alert figures come from and how much of the period it covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryUsed {
    /// "prometheus" (its `ALERTS` series), "sitrep" (what sitrep recorded), or
    /// "none" (no source configured and nothing recorded).
    pub used: &'static str,
    /// The sources read (Prometheus sources, or those sitrep watched).
    pub sources: Vec<String>,
    pub covered_minutes: i64,
    pub period_minutes: i64,
    /// covered / period, 0 to 1.
    pub coverage: f64,
    /// What went wrong with the better history, and anything else to know.
    pub notes: Vec<String>,
}

/// The review's alert section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertReview {
    pub history: HistoryUsed,
    #[serde(flatten)]
    pub report: QualityReport,
}

#[cfg(test)]
#[path = "alert_quality_tests.rs"]
mod tests;
