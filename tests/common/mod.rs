//! Helpers shared by the integration tests.

pub mod backend;
pub mod engine;
pub mod postgres;
pub mod tmux;
