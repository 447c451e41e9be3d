//! Secrets (tokens, passwords) as a type of their own, so that printing a struct that
//! holds one, in a log line or a failed test, never prints the secret. Depends on
//! nothing of ours.

/// A token or password: its `Debug` prints nothing of it, so a struct that holds one
/// can be logged or printed in a test failure without leaking it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}
