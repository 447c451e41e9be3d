//! Text for people, shared by the CLI and the TUI: times in the configured zone,
//! durations, aligned tables, indented multi-line text. JSON does not come through here.

use chrono::{DateTime, Local, Utc};
use unicode_width::UnicodeWidthStr;

use crate::domain::text::visible_line;

use crate::config::TimeDisplay;

/// `2026-11-24 03:04:05Z` or `2026-11-24 04:04:05+01:00`.
pub fn time(t: DateTime<Utc>, display: TimeDisplay) -> String {
    match display {
        TimeDisplay::Utc => t.format("%Y-%m-%d %H:%M:%SZ").to_string(),
        TimeDisplay::Local => t
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S%:z")
            .to_string(),
    }
}

/// A time as typed (`15m ago`, `03:05`, `2026-11-24 03:05`, RFC 3339), read in the
/// configured zone: see [`crate::domain::parse::parse_when`].
pub fn parse_when(
    raw: &str,
    now: DateTime<Utc>,
    display: TimeDisplay,
) -> Result<DateTime<Utc>, crate::domain::DomainError> {
    match display {
        TimeDisplay::Utc => crate::domain::parse::parse_when(raw, now, &Utc),
        TimeDisplay::Local => crate::domain::parse::parse_when(raw, now, &Local),
    }
}

/// `2026-11-24 03:05` in the configured zone: what a form shows and reads back.
pub fn minute(t: DateTime<Utc>, display: TimeDisplay) -> String {
    match display {
        TimeDisplay::Utc => t.format("%Y-%m-%d %H:%M").to_string(),
        TimeDisplay::Local => t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// `03:04:05` in the configured zone, for the timeline on screen.
pub fn clock(t: DateTime<Utc>, display: TimeDisplay) -> String {
    match display {
        TimeDisplay::Utc => t.format("%H:%M:%SZ").to_string(),
        TimeDisplay::Local => t.with_timezone(&Local).format("%H:%M:%S").to_string(),
    }
}

/// Like [`time`] with milliseconds, for timeline entries.
pub fn time_ms(t: DateTime<Utc>, display: TimeDisplay) -> String {
    match display {
        TimeDisplay::Utc => t.format("%Y-%m-%d %H:%M:%S%.3fZ").to_string(),
        TimeDisplay::Local => t
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S%.3f%:z")
            .to_string(),
    }
}

/// A table with a header row; every column but the last is padded to its widest
/// cell by display width, so wide characters line up. A cell is always one line: a
/// line break in it shows as `␤`, never as a row of its own.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| visible_line(c)).collect())
        .collect();
    let rows = rows.as_slice();
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(columns) {
            if i + 1 == columns {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Indents every line after the first by `indent` spaces.
pub fn hanging(text: &str, indent: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(indent)))
}

/// `a, b, c`, or `(none)` for an empty list.
pub fn list(values: &[String]) -> String {
    if values.is_empty() {
        "(none)".to_string()
    } else {
        values.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_wide_characters_by_display_width() {
        let out = table(
            &["ID", "WHO", "TITLE"],
            &[
                vec!["1".into(), "直播".into(), "a".into()],
                vec!["22".into(), "bob".into(), "b".into()],
            ],
        );
        assert_eq!(out, "ID  WHO   TITLE\n1   直播  a\n22  bob   b\n");
    }

    #[test]
    fn a_line_break_in_a_cell_is_a_visible_mark_not_a_row() {
        let out = table(
            &["SEV", "REGION"],
            &[vec!["P2".into(), "eu\nP1  firing  Fake".into()]],
        );
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("eu␤P1  firing  Fake"), "{out}");
    }

    #[test]
    fn utc_times_are_marked_z() {
        let t = DateTime::from_timestamp_millis(1_795_000_000_123).unwrap();
        assert_eq!(time_ms(t, TimeDisplay::Utc), "2026-11-18 11:06:40.123Z");
    }
}
