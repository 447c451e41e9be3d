//! Parsing the values people type: timestamps, dates, durations and yes/no flags.
//! Errors quote the input (sanitized) and show an example of what works.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::text::sanitize_line;
use super::DomainError;

/// Parses an RFC 3339 timestamp such as `2026-11-24T03:00:00Z` or
/// `2026-11-24T04:00:00+01:00`, keeping millisecond precision.
pub fn parse_timestamp(raw: &str) -> Result<DateTime<Utc>, DomainError> {
    let parsed = DateTime::parse_from_rfc3339(raw.trim()).map_err(|e| {
        DomainError::invalid(format!(
            "bad time '{}': {e} (use RFC 3339, e.g. '2026-11-24T03:00:00Z')",
            sanitize_line(raw)
        ))
    })?;
    Ok(truncate_to_millis(parsed.with_timezone(&Utc)))
}

/// A time as people type it during an incident, read in `zone` relative to `now`:
/// RFC 3339 (`2026-11-24T03:00:00Z`); `now`; `-15m`, `15m ago`, `1h30m ago`; `HH:MM`
/// (today, or yesterday when that is still to come: 23:50 typed at 00:10); or
/// `YYYY-MM-DD HH:MM[:SS]`. A time in the future is refused.
pub fn parse_when<Tz: TimeZone>(
    raw: &str,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Result<DateTime<Utc>, DomainError> {
    let value = raw.trim();
    let bad = || {
        DomainError::invalid(format!(
            "bad time '{}' (use e.g. '15m ago', '-15m', '03:05', '2026-11-24 03:05' or RFC 3339 '2026-11-24T03:05:00Z')",
            sanitize_line(raw)
        ))
    };
    let at = if value.eq_ignore_ascii_case("now") {
        now
    } else if let Some(ago) = value
        .strip_prefix('-')
        .or_else(|| value.strip_suffix("ago").map(str::trim_end))
    {
        let d = parse_duration(ago.trim()).map_err(|_| bad())?;
        now.checked_sub_signed(d).ok_or_else(bad)?
    } else if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        t.with_timezone(&Utc)
    } else if let Ok(clock) = chrono::NaiveTime::parse_from_str(value, "%H:%M")
        .or_else(|_| chrono::NaiveTime::parse_from_str(value, "%H:%M:%S"))
    {
        let today = now.with_timezone(zone).date_naive();
        let local = |day: NaiveDate| {
            zone.from_local_datetime(&day.and_time(clock))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        match local(today).ok_or_else(bad)? {
            t if t > now => today.pred_opt().and_then(local).ok_or_else(bad)?,
            t => t,
        }
    } else {
        let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S"))
            .map_err(|_| bad())?;
        zone.from_local_datetime(&naive)
            .earliest()
            .ok_or_else(bad)?
            .with_timezone(&Utc)
    };
    if at > now + Duration::seconds(60) {
        return Err(DomainError::invalid(format!(
            "time '{}' is in the future",
            sanitize_line(raw)
        )));
    }
    Ok(truncate_to_millis(at))
}

/// Drops sub-millisecond precision: the log keeps milliseconds, so values compare
/// equal before and after a round trip through the store.
pub fn truncate_to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Parses a due date: `YYYY-MM-DD`, or `+Nd` / `+Nw` counted from `today`.
pub fn parse_due_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let value = raw.trim();
    let bad = || {
        DomainError::invalid(format!(
            "bad date '{}' (use YYYY-MM-DD, e.g. '2026-12-01', or '+7d' / '+2w')",
            sanitize_line(raw)
        ))
    };
    if let Some(relative) = value.strip_prefix('+') {
        // The unit is the last character, which may be any character a person typed.
        let split = relative.char_indices().last().map_or(0, |(at, _)| at);
        let (number, unit) = relative.split_at(split);
        let count: i64 = number.parse().map_err(|_| bad())?;
        let days = match unit {
            "d" => count,
            "w" => count.checked_mul(7).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        if !(0..=3650).contains(&days) {
            return Err(bad());
        }
        return today
            .checked_add_signed(Duration::days(days))
            .ok_or_else(bad);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())
}

/// Parses a duration such as `30m`, `2h`, `1h30m`, `45s`, `1d` or `300ms`.
pub fn parse_duration(raw: &str) -> Result<Duration, DomainError> {
    let value = raw.trim();
    let bad = || {
        DomainError::invalid(format!(
            "bad duration '{}' (use e.g. '30m', '2h', '1h30m', '500ms')",
            sanitize_line(raw)
        ))
    };
    if value.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::zero();
    let mut rest = value;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let count: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let letters = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..letters] {
            "ms" => Duration::try_milliseconds(count),
            "s" => Duration::try_seconds(count),
            "m" => Duration::try_minutes(count),
            "h" => Duration::try_hours(count),
            "d" => Duration::try_days(count),
            _ => None,
        }
        .ok_or_else(bad)?;
        rest = &rest[letters..];
        total = total.checked_add(&part).ok_or_else(bad)?;
    }
    Ok(total)
}

/// Formats a duration compactly for people: `45s`, `12m`, `3h05m`, `2d04h`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.num_seconds();
    let sign = if secs < 0 { "-" } else { "" };
    let secs = secs.unsigned_abs();
    let (days, hours, minutes, seconds) =
        (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if days > 0 {
        format!("{sign}{days}d{hours:02}h")
    } else if hours > 0 {
        format!("{sign}{hours}h{minutes:02}m")
    } else if minutes > 0 {
        format!("{sign}{minutes}m")
    } else {
        format!("{sign}{seconds}s")
    }
}

/// Parses a yes/no value: `true`/`false`, `yes`/`no`, `1`/`0`.
pub fn parse_bool(raw: &str) -> Result<bool, DomainError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(DomainError::invalid(format!(
            "bad yes/no value '{}' (use true or false)",
            sanitize_line(raw)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_offsets_are_converted_to_utc_with_millisecond_precision() {
        let t = parse_timestamp("2026-11-24T04:00:00.123456+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T03:00:00.123+00:00");
    }

    #[test]
    fn bad_timestamps_say_what_works() {
        let err = parse_timestamp("yesterday").unwrap_err().to_string();
        assert!(
            err.contains("'yesterday'") && err.contains("RFC 3339"),
            "{err}"
        );
    }

    #[test]
    fn due_dates_are_absolute_or_relative_to_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            parse_due_date("2026-12-01", today).unwrap().to_string(),
            "2026-12-01"
        );
        assert_eq!(
            parse_due_date("+7d", today).unwrap().to_string(),
            "2026-12-01"
        );
        assert_eq!(
            parse_due_date("+2w", today).unwrap().to_string(),
            "2026-12-08"
        );
        for bad in [
            "2026-13-01",
            "tomorrow",
            "+",
            "+d",
            "+7y",
            "+99999999999999999999d",
            "+9999d",
        ] {
            assert!(parse_due_date(bad, today).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_add_up_their_parts() {
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_duration("45s").unwrap(), Duration::seconds(45));
        assert_eq!(
            parse_duration("300ms").unwrap(),
            Duration::milliseconds(300)
        );
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::seconds(90));
        for bad in ["", "30", "m", "1x", "1mss", "9999999999999999999d", "5 m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    /// Every parser gets text it does not expect, non-ASCII above all: an error, never
    /// a panic on a character boundary.
    #[test]
    fn non_ascii_input_is_an_error_and_never_a_panic() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let odd = [
            "+1é",
            "+2週",
            "+é",
            "+週",
            "é",
            "週",
            "+",
            "+１d",
            "１d",
            "1é",
            "1週",
            "5ｍ",
            "１０m",
            "2026-11-24T03:00:00Ｚ",
            "２０２６-01-01",
            "\u{202e}+7d",
            "+7d\u{200b}",
            "+7\u{0301}d",
            "1h\u{0}",
            "ｙｅｓ",
            "да",
            "🔥",
            "+🔥",
            "1🔥",
        ];
        for raw in odd {
            assert!(parse_due_date(raw, today).is_err(), "due {raw:?}");
            assert!(parse_duration(raw).is_err(), "duration {raw:?}");
            assert!(parse_timestamp(raw).is_err(), "timestamp {raw:?}");
            assert!(parse_bool(raw).is_err(), "bool {raw:?}");
        }
        // Bounds: durations that do not fit, and dates past the calendar.
        assert!(parse_duration("999999999999999999d").is_err());
        assert!(parse_due_date("+3650d", NaiveDate::MAX).is_err());
    }

    #[test]
    fn durations_format_compactly() {
        assert_eq!(format_duration(Duration::seconds(45)), "45s");
        assert_eq!(format_duration(Duration::minutes(12)), "12m");
        assert_eq!(format_duration(Duration::minutes(185)), "3h05m");
        assert_eq!(format_duration(Duration::hours(52)), "2d04h");
        assert_eq!(format_duration(Duration::minutes(-5)), "-5m");
    }

    #[test]
    fn booleans_accept_the_usual_spellings() {
        assert_eq!(parse_bool("Yes"), Ok(true));
        assert_eq!(parse_bool("false"), Ok(false));
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn times_are_read_as_people_type_them_in_the_display_zone() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T00:10:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |raw: &str| parse_when(raw, now, &Utc).map(|t| t.to_rfc3339());
        assert_eq!(at("15m ago").unwrap(), "2026-11-23T23:55:00+00:00");
        assert_eq!(at("-15m").unwrap(), "2026-11-23T23:55:00+00:00");
        assert_eq!(at("1h30m ago").unwrap(), "2026-11-23T22:40:00+00:00");
        assert_eq!(at("now").unwrap(), "2026-11-24T00:10:00+00:00");
        assert_eq!(at("00:05").unwrap(), "2026-11-24T00:05:00+00:00");
        assert_eq!(
            at("23:50").unwrap(),
            "2026-11-23T23:50:00+00:00",
            "yesterday"
        );
        assert_eq!(at("2026-11-23 21:00").unwrap(), "2026-11-23T21:00:00+00:00");
        assert_eq!(
            at("2026-11-23T21:00:00+01:00").unwrap(),
            "2026-11-23T20:00:00+00:00"
        );
        // In the display zone: 01:05 at +01:00 is 00:05Z.
        let plus_one = chrono::FixedOffset::east_opt(3600).unwrap();
        let t = parse_when("01:05", now, &plus_one).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T00:05:00+00:00");
        let t = parse_when("2026-11-24 01:00", now, &plus_one).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T00:00:00+00:00");
        for bad in [
            "",
            "soon",
            "25:00",
            "15x ago",
            "-",
            "2026-13-01 00:00",
            "+15m",
            "in 5m",
        ] {
            assert!(at(bad).is_err(), "{bad}");
        }
        let e = at("2026-11-25 00:00").unwrap_err().to_string();
        assert!(e.contains("in the future"), "{e}");
    }
}
