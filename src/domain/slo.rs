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
/// empty result), or nonsense (infinite or negative).
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
        } else if v.is_infinite() || v < 0.0 {
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
                problems.push(format!("invalid error ratio {v} over {window}"));
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

/// How much of an SLO's budget one period burned in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetBurn {
    pub slo: String,
    pub service: String,
    pub region: String,
    /// Share of the whole SLO window's budget this period used (0.25 = a quarter).
    pub burned: Option<f64>,
    pub problem: Option<String>,
}

/// The share of `objective`'s window budget used by `ratio` sustained for
/// `period_secs`: ratio × period / (budget × window).
pub fn budget_burned(
    objective: &Objective,
    region: &str,
    ratio: Ratio,
    period_secs: f64,
    window_secs: f64,
) -> BudgetBurn {
    let (burned, problem) = match ratio {
        Ratio::Value(v) if objective.budget() > 0.0 && window_secs > 0.0 => (
            Some(v * period_secs / (objective.budget() * window_secs)),
            None,
        ),
        Ratio::Value(_) => (None, Some("no budget to burn".to_string())),
        Ratio::NoData => (None, Some("no data in the period".to_string())),
        Ratio::Invalid(v) => (None, Some(format!("invalid error ratio {v}"))),
    };
    BudgetBurn {
        slo: objective.name.clone(),
        service: objective.service.clone(),
        region: region.to_string(),
        burned,
        problem,
    }
}

/// `burn >= threshold`, forgiving the float error of dividing two rates (a burn of
/// exactly 1x computes as 0.9999999999999991).
fn reaches(burn: f64, threshold: f64) -> bool {
    burn >= threshold * (1.0 - 1e-9)
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

    #[test]
    fn a_burn_at_a_threshold_crosses_it_despite_float_error() {
        let s = status(&slo(), "eu", constant(0.005 * 0.999_999_999_999_9));
        assert_eq!(s.crossed.map(|t| t.burn), Some(1.0));
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

    #[test]
    fn a_week_at_twice_the_budget_rate_burns_seven_fifteenths_of_a_30_day_budget() {
        let b = budget_burned(
            &slo(),
            "eu",
            Ratio::Value(0.01),
            7.0 * 86400.0,
            30.0 * 86400.0,
        );
        assert!((b.burned.unwrap() - 7.0 / 15.0).abs() < 1e-9);
        let none = budget_burned(&slo(), "eu", Ratio::NoData, 1.0, 1.0);
        assert_eq!(none.burned, None);
        assert!(none.problem.is_some());
    }

    #[test]
    fn objectives_must_be_percentages() {
        assert!(check_objective(99.9).is_ok());
        for bad in [0.0, 100.0, 150.0, -1.0, f64::NAN] {
            assert!(check_objective(bad).is_err(), "{bad}");
        }
    }
}
