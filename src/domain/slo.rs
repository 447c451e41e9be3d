//! Service level objectives: burn rates, error budget left, and which multiwindow
//! burn-rate alert (Google SRE workbook, chapter 5) a measurement crosses. Pure
//! arithmetic over error ratios the caller fetched.
//!
//! burn rate = error ratio / (1 - objective). A burn rate of 1 spends the budget
//! exactly over the SLO window; 14.4 spends 2% of a 30-day budget in one hour.

use serde::{Deserialize, Serialize};

/// The windows a status needs, as PromQL range strings.
pub const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// A multiwindow threshold: alert when the burn rate is at least `burn` over both the
/// long and the short window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    pub name: &'static str,
    pub page: bool,
    pub burn: f64,
    pub long: &'static str,
    pub short: &'static str,
}

/// The workbook's four, most urgent first.
pub const THRESHOLDS: [Threshold; 4] = [
    Threshold {
        name: "page: 14.4x over 1h and 5m",
        page: true,
        burn: 14.4,
        long: "1h",
        short: "5m",
    },
    Threshold {
        name: "page: 6x over 6h and 30m",
        page: true,
        burn: 6.0,
        long: "6h",
        short: "30m",
    },
    Threshold {
        name: "ticket: 3x over 1d and 2h",
        page: false,
        burn: 3.0,
        long: "1d",
        short: "2h",
    },
    Threshold {
        name: "ticket: 1x over 3d and 6h",
        page: false,
        burn: 1.0,
        long: "3d",
        short: "6h",
    },
];

/// One SLO's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub name: String,
    pub service: String,
    /// Target success, in percent (99.5 means an error budget of 0.5%).
    pub objective: f64,
    /// The SLO window, as a PromQL range (e.g. `30d`).
    pub window: String,
}

impl Objective {
    /// The error budget as a ratio (0.005 for 99.5%).
    pub fn budget(&self) -> f64 {
        1.0 - self.objective / 100.0
    }
}

/// An error ratio as measured: a number, no data (no traffic: Prometheus' NaN or an
/// empty result), or nonsense (infinite, negative, or above 1: more errors than
/// requests, usually a query that divides the wrong way).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Ratio {
    Value(f64),
    NoData,
    Invalid(f64),
}

impl Ratio {
    pub fn from_sample(v: f64) -> Self {
        if v.is_nan() {
            Ratio::NoData
        } else if v.is_infinite() || !(0.0..=1.0).contains(&v) {
            Ratio::Invalid(v)
        } else {
            Ratio::Value(v)
        }
    }
}

/// One SLO in one region, derived from its error ratios.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloStatus {
    pub slo: String,
    pub service: String,
    pub region: String,
    pub objective: f64,
    pub burn_1h: Option<f64>,
    pub burn_6h: Option<f64>,
    /// Share of the window's budget left: 1.0 untouched, 0 spent, below 0 overspent.
    pub budget_remaining: Option<f64>,
    /// The most urgent threshold crossed, if any.
    pub crossed: Option<Threshold>,
    /// Why a figure is missing: no data, or an invalid value, per window.
    pub problems: Vec<String>,
}

/// Computes the status of `objective` in `region` from error ratios by window
/// (`ratio(window)` for each of `WINDOWS` and the SLO window).
pub fn status(objective: &Objective, region: &str, ratio: impl Fn(&str) -> Ratio) -> SloStatus {
    let budget = objective.budget();
    let mut problems = Vec::new();
    let mut burn = |window: &str| -> Option<f64> {
        match ratio(window) {
            Ratio::Value(v) if budget > 0.0 => Some(v / budget),
            Ratio::Value(_) => None,
            Ratio::NoData => {
                problems.push(format!("no data over {window}"));
                None
            }
            Ratio::Invalid(v) => {
                problems.push(format!(
                    "invalid error ratio {v} over {window}{}",
                    why_invalid(v)
                ));
                None
            }
        }
    };
    let burns: Vec<(&str, Option<f64>)> = WINDOWS.iter().map(|w| (*w, burn(w))).collect();
    let over_window = burn(&objective.window);
    let of = |w: &str| {
        burns
            .iter()
            .find(|(name, _)| *name == w)
            .and_then(|(_, b)| *b)
    };
    let crossed = THRESHOLDS
        .iter()
        .find(|t| {
            of(t.long).is_some_and(|b| reaches(b, t.burn))
                && of(t.short).is_some_and(|b| reaches(b, t.burn))
        })
        .copied();
    problems.dedup();
    SloStatus {
        slo: objective.name.clone(),
        service: objective.service.clone(),
        region: region.to_string(),
        objective: objective.objective,
        burn_1h: of("1h"),
        burn_6h: of("6h"),
        budget_remaining: over_window.map(|b| 1.0 - b),
        crossed,
        problems,
    }
}

/// Why a ratio is invalid, in words after the number.
fn why_invalid(v: f64) -> &'static str {
    if v > 1.0 && v.is_finite() {
        " (above 1: more errors than requests; is the query divided the right way?)"
    } else {
        ""
    }
}

/// Histories read, and the SLOs whose history could not be read (with why).
pub type BurnHistories = (Vec<BurnHistory>, Vec<(String, String)>);

/// One SLO×region's burn rate over time: `points[i]` is the burn over `window`
/// at `start + i × step` (none where Prometheus has no value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnHistory {
    pub slo: String,
    pub region: String,
    pub window: String,
    pub start: chrono::DateTime<chrono::Utc>,
    pub step_secs: i64,
    pub points: Vec<Option<f64>>,
}

impl BurnHistory {
    /// The highest burn in the history.
    pub fn peak(&self) -> Option<f64> {
        self.points.iter().flatten().copied().reduce(f64::max)
    }
}

/// How much of an SLO's budget one period burned in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetBurn {
    pub slo: String,
    pub service: String,
    pub region: String,
    /// The SLO window whose budget `burned` is a share of (e.g. `30d`).
    pub window: String,
    /// Share of the whole SLO window's budget this period used (0.25 = a quarter).
    pub burned: Option<f64>,
    pub problem: Option<String>,
    /// How much of the period the data covers, in seconds, when known.
    pub covered_secs: Option<f64>,
    pub period_secs: f64,
    /// Minutes with no traffic (a NaN ratio) left out of the average.
    pub skipped_minutes: u64,
    /// What the figure stands on, in words: "all of 7d00h", "3d00h of 14d00h".
    pub coverage: String,
}

/// What Prometheus holds about one SLO in one region over a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodData {
    /// The mean error ratio over the minutes with traffic.
    pub ratio: Ratio,
    /// Minutes the data covers (with or without traffic); `None` when unknown (a
    /// custom `period_query` gives only a ratio).
    pub covered_minutes: Option<u64>,
    /// Minutes without traffic (NaN), skipped in the mean.
    pub nan_minutes: u64,
}

/// The share of `objective`'s window budget used in a period: the mean ratio over
/// the minutes with traffic × those minutes / (budget × window). Only the time the
/// data covers counts: a week of data asked about over two weeks is a week's burn,
/// said as such, not doubled.
pub fn budget_burned(
    objective: &Objective,
    region: &str,
    data: PeriodData,
    period_secs: f64,
    window_secs: f64,
) -> BudgetBurn {
    let covered_secs = data
        .covered_minutes
        .map(|m| (m as f64 * 60.0).min(period_secs));
    let counted_secs = match data.covered_minutes {
        Some(m) => (m.saturating_sub(data.nan_minutes) as f64 * 60.0).min(period_secs),
        None => period_secs,
    };
    let (burned, problem) = match data.ratio {
        Ratio::Value(v) if objective.budget() > 0.0 && window_secs > 0.0 => (
            Some(v * counted_secs / (objective.budget() * window_secs)),
            None,
        ),
        Ratio::Value(_) => (None, Some("no budget to burn".to_string())),
        Ratio::NoData if data.nan_minutes > 0 => (
            None,
            Some(format!(
                "no traffic in the period ({} minutes without requests)",
                data.nan_minutes
            )),
        ),
        Ratio::NoData => (None, Some("no data in the period".to_string())),
        Ratio::Invalid(v) => (
            None,
            Some(format!("invalid error ratio {v}{}", why_invalid(v))),
        ),
    };
    let span = |secs: f64| super::parse::format_duration(chrono::Duration::seconds(secs as i64));
    let mut coverage = match covered_secs {
        // Sampled each minute: a minute short of the period is all of it.
        Some(c) if c + 60.0 >= period_secs => format!("all of {}", span(period_secs)),
        Some(c) => format!("{} of {}", span(c), span(period_secs)),
        None => "unknown (custom period_query)".to_string(),
    };
    if data.nan_minutes > 0 {
        coverage.push_str(&format!(
            "; {} min without traffic skipped",
            data.nan_minutes
        ));
    }
    BudgetBurn {
        slo: objective.name.clone(),
        service: objective.service.clone(),
        region: region.to_string(),
        window: objective.window.clone(),
        burned,
        problem,
        covered_secs,
        period_secs,
        skipped_minutes: data.nan_minutes,
        coverage,
    }
}

/// What the postmortem says of the error budget an incident burned, from its trigger
/// to its resolution (or now).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentBudget {
    /// Each SLO read and region of the incident, with its burn.
    pub burns: Vec<BudgetBurn>,
    /// SLOs (or one region of one) that could not be read: `(slo, reason)`.
    pub unread: Vec<(String, String)>,
    /// Why nothing was read, when no configured SLO is about the incident.
    pub note: Option<String>,
    /// The burn over the incident, per SLO and region, for the postmortem's chart.
    #[serde(default)]
    pub charts: Vec<BurnChart>,
}

/// A burn history made ready for a Mermaid `xychart-beta` and the table beside it:
/// times as `HH:MM` (UTC), burns rounded, a missing value 0 in the chart and `—` in
/// the table; the title safe inside the chart's quotes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurnChart {
    pub title: String,
    pub times: Vec<String>,
    pub burns: Vec<Option<f64>>,
    /// The chart's values: `burns` with none as 0, written out (`0, 2.5, 16`).
    pub line: String,
    /// The table's: `16x`, or `—` where there is no value.
    pub shown: Vec<String>,
    pub peak: Option<f64>,
}

impl BurnChart {
    pub fn of(h: &BurnHistory) -> Self {
        // Quotes, backticks and brackets end a Mermaid string or block.
        let safe = |s: &str| {
            super::text::sanitize_line(s)
                .chars()
                .map(|c| {
                    if matches!(c, '"' | '`' | '[' | ']' | '\\') {
                        '\''
                    } else {
                        c
                    }
                })
                .collect::<String>()
        };
        let round = |v: f64| (v * 100.0).round() / 100.0;
        let burns: Vec<Option<f64>> = h.points.iter().map(|p| p.map(round)).collect();
        Self {
            title: format!(
                "{} in {}: {} burn rate (x budget)",
                safe(&h.slo),
                safe(&h.region),
                safe(&h.window)
            ),
            times: (0..h.points.len())
                .map(|i| {
                    (h.start + chrono::Duration::seconds(h.step_secs * i as i64))
                        .format("%H:%M")
                        .to_string()
                })
                .collect(),
            line: burns
                .iter()
                .map(|b| b.unwrap_or(0.0).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            shown: burns
                .iter()
                .map(|b| b.map_or_else(|| "—".to_string(), |v| format!("{v}x")))
                .collect(),
            peak: h.peak().map(round),
            burns,
        }
    }
}

impl IncidentBudget {
    /// No configured SLO is for `services` (empty: the incident names none).
    pub fn no_matching_slo(id: i64, services: &[String]) -> Self {
        let note = if services.is_empty() {
            format!("the incident names no service, so no SLO could be matched (sitrep edit {id} --service NAME)")
        } else {
            format!("no configured SLO is for {}", services.join(", "))
        };
        Self {
            burns: Vec::new(),
            unread: Vec::new(),
            note: Some(note),
            charts: Vec::new(),
        }
    }

    /// The figures for an incident in `regions` (all the SLO's regions when it names
    /// none) from what the SLOs read answered (`burns`) and the SLOs that failed
    /// (`errors`). A region of the incident that an SLO which answered has no series
    /// for is said, not left out silently.
    pub fn of_incident(
        regions: &[String],
        burns: Vec<BudgetBurn>,
        errors: Vec<(String, String)>,
    ) -> Self {
        let mut unread = errors;
        let mut answered: Vec<&str> = Vec::new();
        for b in &burns {
            if !answered.contains(&b.slo.as_str()) {
                answered.push(&b.slo);
            }
        }
        for slo in &answered {
            for region in regions {
                if !burns.iter().any(|b| b.slo == *slo && b.region == *region) {
                    unread.push((slo.to_string(), format!("no series for region {region}")));
                }
            }
        }
        let burns = burns
            .iter()
            .filter(|b| regions.is_empty() || regions.contains(&b.region))
            .cloned()
            .collect();
        Self {
            burns,
            unread,
            note: None,
            charts: Vec::new(),
        }
    }
}

/// `burn > threshold`, as the workbook's and Sloth's alerts compare, forgiving the
/// float error of dividing two rates: a burn of exactly the threshold (which may
/// compute as 14.400000000000002) does not cross it.
fn reaches(burn: f64, threshold: f64) -> bool {
    burn > threshold * (1.0 + 1e-9)
}

/// Validates an objective: a percentage strictly between 0 and 100.
pub fn check_objective(value: f64) -> Result<(), String> {
    if value.is_finite() && value > 0.0 && value < 100.0 {
        Ok(())
    } else {
        Err(format!(
            "objective {value} must be a percentage between 0 and 100, e.g. 99.5"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo() -> Objective {
        Objective {
            name: "stream-start-success".into(),
            service: "room".into(),
            objective: 99.5,
            window: "30d".into(),
        }
    }

    fn constant(v: f64) -> impl Fn(&str) -> Ratio {
        move |_| Ratio::from_sample(v)
    }

    #[test]
    fn burn_rate_is_the_error_ratio_over_the_budget() {
        let s = status(&slo(), "eu", constant(0.01));
        assert!((s.burn_1h.unwrap() - 2.0).abs() < 1e-9);
        assert!(
            (s.budget_remaining.unwrap() - -1.0).abs() < 1e-9,
            "overspent by a whole budget"
        );
        assert_eq!(s.crossed.map(|t| t.burn), Some(1.0));
    }

    #[test]
    fn the_most_urgent_threshold_crossed_in_both_windows_wins() {
        assert_eq!(
            status(&slo(), "eu", constant(0.1)).crossed.map(|t| t.burn),
            Some(14.4)
        );
        assert_eq!(status(&slo(), "eu", constant(0.0001)).crossed, None);
        // A spike: 20x over 5m and 30m but only 2x over 1h and 6h — no page.
        let spike =
            |w: &str| Ratio::from_sample(if matches!(w, "5m" | "30m") { 0.1 } else { 0.01 });
        assert_eq!(
            status(&slo(), "eu", spike).crossed.map(|t| t.burn),
            Some(1.0)
        );
    }

    /// The workbook and Sloth alert on `burn > threshold`: exactly at it (float
    /// noise either way included) is not over it; a hair above is.
    #[test]
    fn a_burn_exactly_at_a_threshold_does_not_cross_it() {
        let crossed = |ratio: f64| {
            status(&slo(), "eu", constant(ratio))
                .crossed
                .map(|t| t.burn)
        };
        assert_eq!(crossed(0.005), None, "1x exactly");
        assert_eq!(crossed(0.005 * 0.999_999_999_999_9), None);
        assert_eq!(
            crossed(0.005 * 1.000_000_000_000_1),
            None,
            "float noise above"
        );
        assert_eq!(crossed(0.005 * 1.000_01), Some(1.0));
        assert_eq!(
            crossed(0.072),
            Some(6.0),
            "14.4x exactly does not page at 14.4x"
        );
        assert_eq!(crossed(0.072 * 1.000_01), Some(14.4));
    }

    #[test]
    fn an_error_ratio_above_one_is_invalid_and_pages_nobody() {
        let s = status(&slo(), "eu", constant(1.0));
        assert_eq!(
            s.crossed.map(|t| t.burn),
            Some(14.4),
            "all requests failing"
        );
        let s = status(&slo(), "eu", constant(1.0001));
        assert_eq!(
            (s.burn_1h, s.budget_remaining, s.crossed),
            (None, None, None)
        );
        assert!(
            s.problems
                .iter()
                .any(|p| p.starts_with("invalid error ratio 1.0001 over 1h (above 1")),
            "{:?}",
            s.problems
        );
    }

    #[test]
    fn nan_and_infinity_are_reported_not_computed() {
        let s = status(&slo(), "eu", constant(f64::NAN));
        assert_eq!(
            (s.burn_1h, s.budget_remaining, s.crossed),
            (None, None, None)
        );
        assert!(s.problems.iter().any(|p| p == "no data over 1h"));
        let s = status(&slo(), "eu", constant(f64::INFINITY));
        assert!(s
            .problems
            .iter()
            .any(|p| p.starts_with("invalid error ratio inf")));
    }

    fn data(ratio: Ratio, covered_minutes: Option<u64>, nan_minutes: u64) -> PeriodData {
        PeriodData {
            ratio,
            covered_minutes,
            nan_minutes,
        }
    }

    const DAY: f64 = 86400.0;
    const WEEK_MINUTES: u64 = 7 * 24 * 60;

    #[test]
    fn a_week_at_twice_the_budget_rate_burns_seven_fifteenths_of_a_30_day_budget() {
        let week = data(Ratio::Value(0.01), Some(WEEK_MINUTES), 0);
        let b = budget_burned(&slo(), "eu", week, 7.0 * DAY, 30.0 * DAY);
        assert!((b.burned.unwrap() - 7.0 / 15.0).abs() < 1e-9);
        assert_eq!(b.covered_secs, Some(7.0 * DAY));
        let none = budget_burned(&slo(), "eu", data(Ratio::NoData, Some(0), 0), 1.0, 1.0);
        assert_eq!(none.burned, None);
        assert_eq!(none.problem.as_deref(), Some("no data in the period"));
    }

    /// A week of data asked about over two weeks is a week's burn, and says so.
    #[test]
    fn the_burn_counts_only_the_time_the_data_covers() {
        let week = data(Ratio::Value(0.01), Some(WEEK_MINUTES), 0);
        let b = budget_burned(&slo(), "eu", week, 14.0 * DAY, 30.0 * DAY);
        assert!((b.burned.unwrap() - 7.0 / 15.0).abs() < 1e-9, "not doubled");
        assert_eq!(
            (b.covered_secs, b.period_secs),
            (Some(7.0 * DAY), 14.0 * DAY)
        );
        assert_eq!(b.coverage, "7d00h of 14d00h");
        // A minute of data: a minute's burn, not a week's.
        let minute = data(Ratio::Value(0.01), Some(1), 0);
        let b = budget_burned(&slo(), "eu", minute, 7.0 * DAY, 30.0 * DAY);
        assert!((b.burned.unwrap() - 0.01 * 60.0 / (0.005 * 30.0 * DAY)).abs() < 1e-12);
        // Minutes without traffic burn nothing and are counted apart.
        let gap = data(Ratio::Value(0.01), Some(WEEK_MINUTES), 10);
        let b = budget_burned(&slo(), "eu", gap, 7.0 * DAY, 30.0 * DAY);
        let expected = 0.01 * ((WEEK_MINUTES - 10) as f64 * 60.0) / (0.005 * 30.0 * DAY);
        assert!((b.burned.unwrap() - expected).abs() < 1e-12);
        assert_eq!(b.skipped_minutes, 10);
        assert_eq!(b.coverage, "all of 7d00h; 10 min without traffic skipped");
        // All minutes without traffic: no burn, and why.
        let idle = data(Ratio::NoData, Some(WEEK_MINUTES), WEEK_MINUTES);
        let b = budget_burned(&slo(), "eu", idle, 7.0 * DAY, 30.0 * DAY);
        assert_eq!(b.burned, None);
        assert!(b.problem.unwrap().starts_with("no traffic in the period"));
        // Unknown coverage (a custom period query): the whole period, as asked.
        let custom = data(Ratio::Value(0.01), None, 0);
        let b = budget_burned(&slo(), "eu", custom, 7.0 * DAY, 30.0 * DAY);
        assert!((b.burned.unwrap() - 7.0 / 15.0).abs() < 1e-9);
        assert_eq!(b.covered_secs, None);
        // An invalid ratio says why.
        let bad = data(Ratio::from_sample(3.73), Some(1), 0);
        let b = budget_burned(&slo(), "eu", bad, 7.0 * DAY, 30.0 * DAY);
        assert!(b.problem.unwrap().contains("above 1"));
    }

    #[test]
    fn objectives_must_be_percentages() {
        assert!(check_objective(99.9).is_ok());
        for bad in [0.0, 100.0, 150.0, -1.0, f64::NAN] {
            assert!(check_objective(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_incident_budget_keeps_its_regions_and_says_which_have_no_series() {
        let burn = |region: &str| {
            budget_burned(
                &slo(),
                region,
                data(Ratio::Value(0.01), Some(120), 0),
                7200.0,
                30.0 * DAY,
            )
        };
        let regions = vec!["eu".to_string(), "sa".to_string()];
        let b = IncidentBudget::of_incident(
            &regions,
            vec![burn("eu"), burn("us")],
            vec![("broken".into(), "HTTP 400".into())],
        );
        assert_eq!(
            b.burns
                .iter()
                .map(|b| b.region.as_str())
                .collect::<Vec<_>>(),
            vec!["eu"]
        );
        assert_eq!(
            b.unread,
            vec![
                ("broken".to_string(), "HTTP 400".to_string()),
                (
                    "stream-start-success".to_string(),
                    "no series for region sa".to_string()
                ),
            ]
        );
        assert!((b.burns[0].burned.unwrap() - 0.01 * 7200.0 / (0.005 * 30.0 * DAY)).abs() < 1e-12);
        // No regions named: every region the SLO has.
        let all = IncidentBudget::of_incident(&[], vec![burn("eu"), burn("us")], Vec::new());
        assert_eq!(all.burns.len(), 2);
        assert!(all.unread.is_empty() && all.note.is_none());
    }

    #[test]
    fn no_matching_slo_says_why_and_how_to_fix_it() {
        let none = IncidentBudget::no_matching_slo(7, &[]);
        assert!(none.note.unwrap().contains("sitrep edit 7 --service NAME"));
        let other = IncidentBudget::no_matching_slo(7, &["gifts".into()]);
        assert_eq!(other.note.unwrap(), "no configured SLO is for gifts");
    }
}
