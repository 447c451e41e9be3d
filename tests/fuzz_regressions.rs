//! Every saved fuzz input (the seed corpus in `fuzz/corpus/<target>/` and the
//! findings in `fuzz/regressions/<target>/`) through the same checks the libFuzzer
//! targets run, on stable: a finding, once fixed, stays fixed without nightly.

#[path = "fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(dir: &Path) -> usize {
    let mut count = 0;
    for (target, check) in checks::TARGETS {
        let Ok(entries) = std::fs::read_dir(dir.join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).unwrap();
            let name = entry.path().display().to_string();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{target}: {name} breaks it again");
            count += 1;
        }
    }
    count
}

#[test]
fn the_seed_corpus_and_every_saved_finding_pass_their_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = replay(&root.join("corpus"));
    assert!(seeds >= 20, "the seed corpus is there ({seeds} inputs)");
    replay(&root.join("regressions"));
}

/// The sanitizer's promise for the characters a hand review found missing before
/// the fuzz invariant named them: tag characters (invisible ASCII), the soft hyphen,
/// Arabic and other format controls.
#[test]
fn every_invisible_format_character_is_made_visible() {
    for c in [
        '\u{00ad}',
        '\u{0600}',
        '\u{06dd}',
        '\u{070f}',
        '\u{08e2}',
        '\u{110bd}',
        '\u{13430}',
        '\u{1bca0}',
        '\u{1d173}',
        '\u{e0001}',
        '\u{e0041}',
        '\u{e007f}',
    ] {
        let s = format!("a{c}b");
        checks::sanitizer(s.as_bytes());
        let shown = sitrep::domain::text::sanitize_line(&s);
        assert!(shown.contains(&format!("<U+{:04X}>", c as u32)), "{shown}");
    }
}
