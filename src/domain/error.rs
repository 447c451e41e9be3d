//! Why the domain refused a change. Messages are lowercase, name the values in
//! 'single quotes' and say the fix when there is one.

use thiserror::Error;

/// A rule of the incident lifecycle or of a field's shape was broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value could not be parsed or is out of range.
    #[error("{0}")]
    Invalid(String),
    /// The change is well-formed but the incident's current state does not allow it.
    #[error("{0}")]
    Rule(String),
}

impl DomainError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub(crate) fn rule(message: impl Into<String>) -> Self {
        Self::Rule(message.into())
    }
}
