//! Incident severity: P1 (direct user impact) and P2 (early degradation trend).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// How bad an incident is, in the playbook's two levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// Direct user impact: immediate escalation.
    P1,
    /// Early degradation trend: triage within the configured window.
    P2,
}

impl Severity {
    /// The severities as typed (commands complete them).
    pub const NAMES: [&'static str; 2] = ["P1", "P2"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::P1 => "P1",
            Self::P2 => "P2",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "P1" | "1" => Ok(Self::P1),
            "P2" | "2" => Ok(Self::P2),
            _ => Err(DomainError::invalid(format!(
                "unknown severity '{}' (use P1 or P2)",
                super::text::sanitize_line(s)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_parses_case_insensitively_and_rejects_anything_else() {
        assert_eq!("p1".parse::<Severity>(), Ok(Severity::P1));
        assert_eq!(" P2 ".parse::<Severity>(), Ok(Severity::P2));
        assert!("P3".parse::<Severity>().is_err());
        assert!("".parse::<Severity>().is_err());
    }

    #[test]
    fn p1_sorts_before_p2() {
        assert!(Severity::P1 < Severity::P2);
    }
}
