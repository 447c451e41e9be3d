//! Helpers shared by the integration tests.

pub mod backend;
pub mod engine;
pub mod postgres;
pub mod tmux;

/// The texts of a `show --json` document's timeline, oldest first.
#[allow(dead_code)]
pub fn timeline_texts(record: &serde_json::Value) -> Vec<&str> {
    record["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|e| e["text"].as_str().expect("every entry has a text"))
        .collect()
}
