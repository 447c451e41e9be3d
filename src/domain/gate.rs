//! The error-budget policy: whether releases ship or hold for an SLO in a region,
//! with each reason named by its rule. Rules: `budget` (budget left below
//! `hold_below`), `page-burn` (a page-level multiwindow burn active), `ticket-burn`
//! (a ticket-level one active; off by default) and `open-p1` (an open P1 on the SLO's
//! service). Each holds while its condition does: the release comes when the budget
//! is back at the threshold, the burn alert clears, or the P1 is resolved or
//! downgraded. Pure: the caller reads the figures.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::slo::SloStatus;

/// A rule of the policy, by the name every verdict gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    Budget,
    PageBurn,
    TicketBurn,
    OpenP1,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Budget => "budget",
            Rule::PageBurn => "page-burn",
            Rule::TicketBurn => "ticket-burn",
            Rule::OpenP1 => "open-p1",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The policy for one SLO.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Budget left (0 to 1) below which releases hold; `budget` applies when set.
    pub hold_below: Option<f64>,
    /// The other rules in force.
    pub hold_on: Vec<Rule>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            hold_below: Some(0.10),
            hold_on: vec![Rule::PageBurn, Rule::OpenP1],
        }
    }
}

/// The policy in force: a default, and one per SLO name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policies {
    pub default: Policy,
    pub by_slo: BTreeMap<String, Policy>,
}

impl Policies {
    pub fn for_slo(&self, slo: &str) -> &Policy {
        self.by_slo.get(slo).unwrap_or(&self.default)
    }
}

/// Why releases hold for one SLO in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub rule: Rule,
    /// The figure, in words: `budget 4.0% < 10%`, `page: 14.4x over 1h and 5m`,
    /// `#12 is an open P1`.
    pub figure: String,
}

/// One SLO×region's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub slo: String,
    pub service: String,
    pub region: String,
    /// "ship", "hold", or "unknown" (a figure a rule needs could not be read).
    pub verdict: &'static str,
    pub reasons: Vec<Reason>,
    /// Figures a rule needs and could not have (no data, an invalid ratio).
    pub unknown: Vec<String>,
    pub budget_remaining: Option<f64>,
    pub burn_1h: Option<f64>,
}

impl Verdict {
    pub fn holds(&self) -> bool {
        self.verdict == "hold"
    }

    /// `ship`, `HOLD: budget 4.0% < 10%`, `UNKNOWN: no data over 30d`.
    pub fn short(&self) -> String {
        match self.verdict {
            "hold" => format!(
                "HOLD: {}",
                self.reasons
                    .iter()
                    .map(|r| r.figure.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            "unknown" => format!("UNKNOWN: {}", self.unknown.join("; ")),
            _ => "ship".into(),
        }
    }
}

/// How long the policy held releases for one SLO in one region over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldTime {
    pub slo: String,
    pub region: String,
    pub held_minutes: i64,
    /// Minutes where every figure the policy needs was known.
    pub known_minutes: i64,
}

/// Shown as a percentage with the precision the threshold needs.
pub fn percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.1}%")
    }
}

/// Floating error: 1 - 0.0045/0.005 is 0.10000000000000009, which is "at" 10%.
const EPSILON: f64 = 1e-9;

/// The verdict for `status` under `policy`; `open_p1s` are the ids of open, real P1
/// incidents on the SLO's service.
pub fn verdict(status: &SloStatus, policy: &Policy, open_p1s: &[i64]) -> Verdict {
    let mut reasons = Vec::new();
    let mut unknown = Vec::new();
    if let Some(threshold) = policy.hold_below {
        match status.budget_remaining {
            Some(left) if left < threshold - EPSILON => reasons.push(Reason {
                rule: Rule::Budget,
                figure: format!("budget {} < {}", percent(left), percent(threshold)),
            }),
            Some(_) => {}
            None => unknown.push(format!(
                "budget left unknown ({})",
                if status.problems.is_empty() {
                    "no figure".to_string()
                } else {
                    status.problems.join("; ")
                }
            )),
        }
    }
    let burns_known = status.burn_1h.is_some() || status.crossed.is_some();
    for rule in &policy.hold_on {
        match rule {
            Rule::PageBurn | Rule::TicketBurn => {
                let page = *rule == Rule::PageBurn;
                match status.crossed {
                    Some(t) if t.page == page => reasons.push(Reason {
                        rule: *rule,
                        figure: t.name.to_string(),
                    }),
                    Some(_) => {}
                    None if !burns_known => unknown.push(format!(
                        "burn rates unknown ({})",
                        status.problems.join("; ")
                    )),
                    None => {}
                }
            }
            Rule::OpenP1 => {
                for id in open_p1s {
                    reasons.push(Reason {
                        rule: Rule::OpenP1,
                        figure: format!("#{id} is an open P1 on {}", status.service),
                    });
                }
            }
            Rule::Budget => {}
        }
    }
    unknown.dedup();
    let verdict = if !reasons.is_empty() {
        "hold"
    } else if !unknown.is_empty() {
        "unknown"
    } else {
        "ship"
    };
    Verdict {
        slo: status.slo.clone(),
        service: status.service.clone(),
        region: status.region.clone(),
        verdict,
        reasons,
        unknown,
        budget_remaining: status.budget_remaining,
        burn_1h: status.burn_1h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::slo::{status, Objective, Ratio};

    fn slo_at(ratio_5m_1h: f64, ratio_window: f64) -> SloStatus {
        let o = Objective {
            name: "stream-start".into(),
            service: "room".into(),
            objective: 99.5,
            window: "30d".into(),
        };
        status(&o, "eu", |w| match w {
            "30d" => Ratio::Value(ratio_window),
            "5m" | "1h" => Ratio::Value(ratio_5m_1h),
            _ => Ratio::Value(0.0),
        })
    }

    #[test]
    fn the_budget_rule_holds_below_the_threshold_and_ships_at_it() {
        let policy = Policy::default();
        // 0.0045 of a 0.005 budget: exactly 10% left.
        let at = verdict(&slo_at(0.0, 0.0045), &policy, &[]);
        assert_eq!(at.verdict, "ship", "{at:?}");
        let below = verdict(&slo_at(0.0, 0.00451), &policy, &[]);
        assert_eq!(below.verdict, "hold");
        assert_eq!(below.reasons[0].rule, Rule::Budget);
        assert_eq!(below.short(), "HOLD: budget 9.8% < 10%");
    }

    #[test]
    fn a_page_burn_and_an_open_p1_hold_and_a_ticket_burn_only_when_asked() {
        // 16x over 1h and 5m.
        let page = verdict(&slo_at(0.08, 0.001), &Policy::default(), &[]);
        assert_eq!(page.verdict, "hold");
        assert_eq!(page.reasons[0].rule, Rule::PageBurn);
        assert!(
            page.short().contains("14.4x over 1h and 5m"),
            "{}",
            page.short()
        );
        let p1 = verdict(&slo_at(0.0, 0.001), &Policy::default(), &[12]);
        assert_eq!(p1.short(), "HOLD: #12 is an open P1 on room");
        let off = Policy {
            hold_below: None,
            hold_on: vec![],
        };
        assert_eq!(verdict(&slo_at(0.08, 0.001), &off, &[12]).verdict, "ship");
    }

    #[test]
    fn no_data_is_unknown_not_ship() {
        let o = Objective {
            name: "s".into(),
            service: "room".into(),
            objective: 99.5,
            window: "30d".into(),
        };
        let none = status(&o, "ap", |_| Ratio::NoData);
        let v = verdict(&none, &Policy::default(), &[]);
        assert_eq!(v.verdict, "unknown", "{v:?}");
        assert!(
            v.short()
                .starts_with("UNKNOWN: budget left unknown (no data over"),
            "{}",
            v.short()
        );
        let above = status(&o, "zz", |_| Ratio::from_sample(1.5));
        let v = verdict(&above, &Policy::default(), &[]);
        assert_eq!(v.verdict, "unknown");
        assert!(v.short().contains("above 1"), "{}", v.short());
    }
}
