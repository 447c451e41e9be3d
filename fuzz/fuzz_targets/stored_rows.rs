#![no_main]
//! See `tests/fuzz/checks.rs` for what this target asserts.

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz/checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::stored_rows(data));
