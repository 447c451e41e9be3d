//! The `[policy]` table: the error-budget policy `sitrep gate`, `sitrep slo` and the
//! TUI apply. A bad value (an unknown rule, a threshold over 100%) is refused while
//! the file is read, so the error names its line; an SLO name that is not an
//! `[[slos]]` entry is refused with its line too.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::domain::gate::{Policies, Policy, Rule};

/// A share written as a percentage, `"10%"`, or `"off"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Share(Option<f64>);

impl<'de> Deserialize<'de> for Share {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let value = raw.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(Share(None));
        }
        let bad = || {
            serde::de::Error::custom(format!(
                "'{}' is not a share of the budget: write a percentage from 0% to 100%, e.g. \"10%\", or \"off\"",
                crate::domain::text::sanitize_line(&raw)
            ))
        };
        let number: f64 = value
            .strip_suffix('%')
            .ok_or_else(bad)?
            .trim()
            .parse()
            .map_err(|_| bad())?;
        if !(0.0..=100.0).contains(&number) {
            return Err(bad());
        }
        Ok(Share(Some(number / 100.0)))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PolicyEntry {
    /// Releases hold when the budget left is below this (default 10%).
    hold_below: Option<Share>,
    /// The other rules in force (default page-burn and open-p1).
    hold_on: Option<Vec<Rule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PolicyFile {
    hold_below: Option<Share>,
    hold_on: Option<Vec<Rule>>,
    /// Per SLO (an `[[slos]]` name): what differs from the default.
    #[serde(default)]
    slo: BTreeMap<toml::Spanned<String>, PolicyEntry>,
}

fn apply(base: &Policy, hold_below: Option<Share>, hold_on: Option<Vec<Rule>>) -> Policy {
    let mut hold_on = hold_on.unwrap_or_else(|| base.hold_on.clone());
    // `budget` in the list means the budget rule at its threshold: it is kept apart.
    hold_on.retain(|r| *r != Rule::Budget);
    hold_on.sort();
    hold_on.dedup();
    Policy {
        hold_below: hold_below.map_or(base.hold_below, |s| s.0),
        hold_on,
    }
}

/// The policies, or the SLO name (and where it is in the file) that names no SLO.
pub(super) fn policies(file: PolicyFile, slos: &[String]) -> Result<Policies, (usize, String)> {
    let default = apply(&Policy::default(), file.hold_below, file.hold_on);
    let mut by_slo = BTreeMap::new();
    for (name, entry) in file.slo {
        if !slos.contains(name.get_ref()) {
            return Err((
                name.span().start,
                format!(
                    "policy slo '{}' is not an [[slos]] name (SLOs: {})",
                    crate::domain::text::sanitize_line(name.get_ref()),
                    if slos.is_empty() {
                        "none configured".to_string()
                    } else {
                        slos.join(", ")
                    }
                ),
            ));
        }
        by_slo.insert(
            name.into_inner(),
            apply(&default, entry.hold_below, entry.hold_on),
        );
    }
    Ok(Policies { default, by_slo })
}
