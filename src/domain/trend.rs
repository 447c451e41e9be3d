//! Whether it is getting better: every headline figure of the review for this
//! period and the three before it (each as long as this one), with the direction
//! and whether that direction is good; and each top incident class with how often
//! it occurred in those periods ("3rd week in a row").

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::followup::FollowUp;
use super::review::{review, Review, ReviewedIncident};

/// This period and the three before it.
pub const PERIODS: usize = 4;

/// The periods the trend compares, newest first: `[from, to)` and the three of the
/// same length before it.
pub fn periods(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let len = to - from;
    (0..PERIODS as i32)
        .filter_map(|i| {
            let shift = len.checked_mul(i)?;
            Some((
                from.checked_sub_signed(shift)?,
                to.checked_sub_signed(shift)?,
            ))
        })
        .collect()
}

/// Figures of one period that do not come from the incident log.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    /// Alert firings that started in it; none without any alert history.
    pub firings: Option<usize>,
    /// Alert rules flagged noise in it.
    pub noisy: Option<usize>,
    /// The largest share of an SLO's budget burned in it; none without SLOs.
    pub budget_burned: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub incidents: usize,
    pub p1: usize,
    pub p2: usize,
    /// Minutes of user impact: trigger to resolution (or now) × severity weight.
    pub impact: i64,
    pub median_declare_minutes: Option<f64>,
    pub median_mitigate_minutes: Option<f64>,
    pub median_resolve_minutes: Option<f64>,
    pub firings: Option<usize>,
    pub noisy_alerts: Option<usize>,
    pub follow_up_closure: Option<f64>,
    pub budget_burned: Option<f64>,
}

/// One headline figure across the periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub figure: &'static str,
    /// Newest first, as shown ("—" when not known).
    pub values: Vec<String>,
    /// "up", "down", "same", or "n/a" (this period or the one before unknown).
    pub direction: &'static str,
    /// Whether the direction is good; none when it is "same" or "n/a".
    pub better: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassTrend {
    pub service: String,
    pub root_cause: String,
    /// Incidents of the class in each period, newest first.
    pub counts: Vec<usize>,
    /// Periods in a row, up to this one, with at least one.
    pub streak: usize,
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub periods: Vec<PeriodFigures>,
    pub lines: Vec<Line>,
    pub classes: Vec<ClassTrend>,
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn unit(len: Duration) -> &'static str {
    match len.num_days() {
        7 => "week",
        1 => "day",
        14 => "fortnight",
        28..=31 => "month",
        _ => "period",
    }
}

fn direction(
    now: Option<f64>,
    before: Option<f64>,
    lower_is_better: bool,
) -> (&'static str, Option<bool>) {
    match (now, before) {
        (Some(a), Some(b)) if (a - b).abs() < 1e-9 => ("same", None),
        (Some(a), Some(b)) if a > b => ("up", Some(!lower_is_better)),
        (Some(_), Some(_)) => ("down", Some(lower_is_better)),
        _ => ("n/a", None),
    }
}

/// The trend over `periods` (newest first, as [`periods`] gives them), the first
/// being `current`, with what each period measured outside the log.
pub fn trend(
    current: &Review,
    incidents: &[ReviewedIncident],
    follow_ups: &[FollowUp],
    periods: &[(DateTime<Utc>, DateTime<Utc>)],
    measured: &[Measured],
    now: DateTime<Utc>,
) -> Trend {
    let reviews: Vec<Review> = periods
        .iter()
        .enumerate()
        .map(|(i, (from, to))| {
            if i == 0 {
                current.clone()
            } else {
                review(incidents, follow_ups, *from, *to, now, Duration::days(30))
            }
        })
        .collect();
    let figures: Vec<PeriodFigures> = reviews
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let m = measured.get(i).copied().unwrap_or_default();
            PeriodFigures {
                from: r.from,
                to: r.to,
                incidents: r.incidents,
                p1: r.p1,
                p2: r.p2,
                impact: r.impact,
                median_declare_minutes: r.response.median_declare_minutes,
                median_mitigate_minutes: r.response.median_mitigate_minutes,
                median_resolve_minutes: r.response.median_resolve_minutes,
                firings: m.firings,
                noisy_alerts: m.noisy,
                follow_up_closure: r.follow_ups.closure_rate,
                budget_burned: m.budget_burned,
            }
        })
        .collect();
    type Get = fn(&PeriodFigures) -> Option<f64>;
    type Show = fn(f64) -> String;
    let rows: [(&'static str, Get, bool, Show); 11] = [
        (
            "incidents",
            |p| Some(p.incidents as f64),
            true,
            |v| format!("{v:.0}"),
        ),
        (
            "P1 incidents",
            |p| Some(p.p1 as f64),
            true,
            |v| format!("{v:.0}"),
        ),
        (
            "P2 incidents",
            |p| Some(p.p2 as f64),
            true,
            |v| format!("{v:.0}"),
        ),
        (
            "user-impact minutes",
            |p| Some(p.impact as f64),
            true,
            |v| format!("{v:.0}"),
        ),
        (
            "median time to declare",
            |p| p.median_declare_minutes,
            true,
            |v| format!("{v}m"),
        ),
        (
            "median time to mitigate",
            |p| p.median_mitigate_minutes,
            true,
            |v| format!("{v}m"),
        ),
        (
            "median time to resolve",
            |p| p.median_resolve_minutes,
            true,
            |v| format!("{v}m"),
        ),
        (
            "alert firings",
            |p| p.firings.map(|n| n as f64),
            true,
            |v| format!("{v:.0}"),
        ),
        (
            "noisy alerts",
            |p| p.noisy_alerts.map(|n| n as f64),
            true,
            |v| format!("{v:.0}"),
        ),
        (
            "follow-up closure",
            |p| p.follow_up_closure,
            false,
            |v| format!("{:.0}%", v * 100.0),
        ),
        (
            "budget burned (worst SLO)",
            |p| p.budget_burned,
            true,
            |v| format!("{:.1}%", v * 100.0),
        ),
    ];
    let lines = rows
        .iter()
        .map(|(figure, get, lower, show)| {
            let values: Vec<Option<f64>> = figures.iter().map(get).collect();
            let (direction, better) = direction(
                values.first().copied().flatten(),
                values.get(1).copied().flatten(),
                *lower,
            );
            Line {
                figure,
                values: values
                    .iter()
                    .map(|v| v.map_or_else(|| "—".to_string(), show))
                    .collect(),
                direction,
                better,
            }
        })
        .collect();
    let len = periods.first().map_or(Duration::days(7), |(a, b)| *b - *a);
    let mut classes: Vec<ClassTrend> = Vec::new();
    for class in current
        .top_by_recurrence
        .iter()
        .chain(&current.top_by_impact)
    {
        if classes
            .iter()
            .any(|c| c.service == class.service && c.root_cause == class.root_cause)
        {
            continue;
        }
        let counts: Vec<usize> = reviews
            .iter()
            .map(|r| {
                r.classes
                    .iter()
                    .find(|c| c.service == class.service && c.root_cause == class.root_cause)
                    .map_or(0, |c| c.incidents)
            })
            .collect();
        let streak = counts.iter().take_while(|n| **n > 0).count();
        let before = counts.iter().skip(1).filter(|n| **n > 0).count();
        let unit = unit(len);
        let words = if streak >= 2 {
            format!("{} {unit} in a row", ordinal(streak))
        } else if before == 0 {
            format!("first in the last {} {unit}s", counts.len())
        } else {
            format!(
                "also in {before} of the {} {unit}s before",
                counts.len().saturating_sub(1)
            )
        };
        classes.push(ClassTrend {
            service: class.service.clone(),
            root_cause: class.root_cause.clone(),
            counts,
            streak,
            words,
        });
    }
    Trend {
        periods: figures,
        lines,
        classes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_and_directions_read_right() {
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(3), "3rd");
        assert_eq!(ordinal(4), "4th");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(direction(Some(3.0), Some(1.0), true), ("up", Some(false)));
        assert_eq!(
            direction(Some(0.5), Some(0.9), false),
            ("down", Some(false))
        );
        assert_eq!(direction(Some(1.0), Some(1.0), true), ("same", None));
        assert_eq!(direction(None, Some(1.0), true), ("n/a", None));
    }

    #[test]
    fn the_periods_are_as_long_as_this_one_newest_first() {
        let to = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let from = to - Duration::days(7);
        let p = periods(from, to);
        assert_eq!(p.len(), 4);
        assert_eq!(p[0], (from, to));
        assert_eq!(p[3], (from - Duration::days(21), to - Duration::days(21)));
    }
}
