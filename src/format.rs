//! Text for people, shared by the CLI and the TUI: times in the configured zone,
//! durations, aligned tables, indented multi-line text. JSON does not come through here.

use chrono::{DateTime, Local, Utc};
use unicode_width::UnicodeWidthStr;

use crate::domain::text::visible_line;

use crate::domain::TimeDisplay;

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

/// An entry's text with each UTC time it records (`2026-12-07T03:54:18Z`, as alert
/// entries store them) shown the way the timeline shows times: `03:54:18` in the
/// display zone, with the date when it is not the entry's (`at`) own day.
pub fn shown_times(
    text: &str,
    at: DateTime<Utc>,
    display: TimeDisplay,
) -> std::borrow::Cow<'_, str> {
    const LEN: usize = "2026-12-07T03:54:18Z".len();
    let bytes = text.as_bytes();
    let stamp_at = |i: usize| {
        let b = bytes.get(i..i + LEN)?;
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
        let ok = digits.iter().all(|&d| b[d].is_ascii_digit())
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[19] == b'Z';
        ok.then(|| DateTime::parse_from_rfc3339(&text[i..i + LEN]).ok())
            .flatten()
            .map(|t| t.with_timezone(&Utc))
    };
    if !text.contains('T') || !(0..bytes.len()).any(|i| stamp_at(i).is_some()) {
        return std::borrow::Cow::Borrowed(text);
    }
    let day = |t: DateTime<Utc>| match display {
        TimeDisplay::Utc => t.date_naive(),
        TimeDisplay::Local => t.with_timezone(&Local).date_naive(),
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(t) = stamp_at(i) {
            if day(t) == day(at) {
                out.push_str(&clock(t, display));
            } else {
                out.push_str(&minute(t, display));
            }
            i += LEN;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    std::borrow::Cow::Owned(out)
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

#[cfg(test)]
mod shown_times_tests {
    use super::*;

    #[test]
    fn stored_utc_times_read_like_the_timeline() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T04:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = "alert fired: RoomDown (fingerprint ab, started 2026-12-07T03:54:18Z)";
        assert_eq!(
            shown_times(text, at, TimeDisplay::Utc),
            "alert fired: RoomDown (fingerprint ab, started 03:54:18Z)"
        );
        assert_eq!(
            shown_times("started 2026-12-06T23:10:00Z ✓", at, TimeDisplay::Utc),
            "started 2026-12-06 23:10 ✓"
        );
        assert!(matches!(
            shown_times("no time here: 2026-12-07T03:54", at, TimeDisplay::Utc),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            shown_times("ü2026-13-07T03:54:18Z", at, TimeDisplay::Utc),
            "ü2026-13-07T03:54:18Z"
        );
    }
}
