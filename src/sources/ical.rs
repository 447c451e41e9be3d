//! On-call shifts from an iCalendar feed, in the shapes the tools export them:
//! PagerDuty (one event per shift, `SUMMARY:On Call - NAME - SCHEDULE`, the person
//! as ATTENDEE), Opsgenie and Grafana OnCall (`[L0] NAME`), and a shared calendar's
//! recurring event (RRULE, EXDATE, RDATE, a moved instance by RECURRENCE-ID, TZID
//! with its VTIMEZONE). The `icalendar` crate parses the text, `rrule` expands the
//! recurrences, chrono-tz resolves the zones; this module only maps one to the next.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::parser::{Component, Property};

use crate::domain::oncall::{local_to_utc, Person, Shift};
use crate::domain::text::sanitize_line;

/// Expansion stops here: a feed is a schedule, not a denial of service.
const MAX_SHIFTS: usize = 200_000;

/// What a feed held between two times, and what sitrep could not use in it.
#[derive(Debug, Default)]
pub struct Parsed {
    pub shifts: Vec<Shift>,
    /// Events left out, with why (one line each, sanitized).
    pub skipped: Vec<String>,
}

/// A time value as the feed wrote it.
#[derive(Debug, Clone, Copy)]
enum When {
    Utc(DateTime<Utc>),
    /// Local time in a zone (TZID, or the team's zone for a floating time).
    Local(NaiveDateTime, Tz),
    /// A date: the day in the zone.
    Day(NaiveDate, Tz),
}

impl When {
    fn instant(self) -> DateTime<Utc> {
        match self {
            When::Utc(t) => t,
            When::Local(n, z) => local_to_utc(&z, n).0,
            When::Day(d, z) => local_to_utc(&z, d.and_time(chrono::NaiveTime::MIN)).0,
        }
    }

    fn zone(self) -> Tz {
        match self {
            When::Utc(_) => Tz::UTC,
            When::Local(_, z) | When::Day(_, z) => z,
        }
    }

    fn naive(self) -> NaiveDateTime {
        match self {
            When::Utc(t) => t.naive_utc(),
            When::Local(n, _) => n,
            When::Day(d, _) => d.and_time(chrono::NaiveTime::MIN),
        }
    }
}

/// A TZID as IANA names it: `Europe/Berlin`, or the end of a prefixed one
/// (`/mozilla.org/20050126_1/Europe/Berlin`).
fn zone_named(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim().trim_matches('"');
    if let Ok(z) = tzid.parse::<Tz>() {
        return Some(z);
    }
    let parts: Vec<&str> = tzid.split('/').collect();
    (1..parts.len()).find_map(|i| parts[i..].join("/").parse::<Tz>().ok())
}

fn param<'a>(p: &'a Property<'_>, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|q| q.key.as_str().eq_ignore_ascii_case(key))
        .and_then(|q| q.val.as_ref())
        .map(|v| v.as_str())
}

fn props<'a, 'b>(
    c: &'a Component<'b>,
    name: &'a str,
) -> impl Iterator<Item = &'a Property<'b>> + 'a {
    c.properties
        .iter()
        .filter(move |p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn prop<'a, 'b>(c: &'a Component<'b>, name: &str) -> Option<&'a Property<'b>> {
    c.properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

/// `YYYYMMDD` and, after a `T`, `HHMMSS`, digit by digit: chrono's format parser
/// costs more than the rest of an event together, and a feed has thousands.
fn basic_date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(4..6)?, n(6..8)?)
}

fn basic_date_time(v: &str) -> Option<NaiveDateTime> {
    let (date, time) = v.split_once(['T', 't'])?;
    let b = time.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| time[r].parse::<u32>().ok();
    basic_date(date)?.and_hms_opt(n(0..2)?, n(2..4)?, n(4..6)?)
}

/// One value of DTSTART, DTEND, EXDATE, RDATE or RECURRENCE-ID.
fn when(value: &str, tzid: Option<&str>, fallback: Tz) -> Result<When, String> {
    let v = value.trim();
    let zone = match tzid {
        Some(id) => zone_named(id).ok_or_else(|| {
            format!(
                "time zone '{}' is not an IANA name sitrep knows",
                sanitize_line(id)
            )
        })?,
        None => fallback,
    };
    if v.len() == 8 {
        return basic_date(v)
            .map(|d| When::Day(d, zone))
            .ok_or_else(|| format!("bad date '{}'", sanitize_line(v)));
    }
    if let Some(utc) = v.strip_suffix('Z').or_else(|| v.strip_suffix('z')) {
        return basic_date_time(utc)
            .map(|n| When::Utc(n.and_utc()))
            .ok_or_else(|| format!("bad time '{}'", sanitize_line(v)));
    }
    basic_date_time(v)
        .map(|n| When::Local(n, zone))
        .ok_or_else(|| format!("bad time '{}'", sanitize_line(v)))
}

fn whens(p: &Property<'_>, fallback: Tz) -> Result<Vec<When>, String> {
    let tzid = param(p, "TZID");
    p.val
        .as_str()
        .split(',')
        .filter(|v| !v.trim().is_empty())
        .map(|v| when(v, tzid, fallback))
        .collect()
}

/// An RFC 5545 duration: `P1W`, `P7D`, `PT12H`, `P1DT2H30M`.
fn duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (negative, raw) = match raw.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let mut rest = raw.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut in_time = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('T') {
            in_time = true;
            rest = r;
            continue;
        }
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let n: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        total += match (in_time, unit) {
            (false, 'W') => Duration::try_weeks(n)?,
            (false, 'D') => Duration::try_days(n)?,
            (true, 'H') => Duration::try_hours(n)?,
            (true, 'M') => Duration::try_minutes(n)?,
            (true, 'S') => Duration::try_seconds(n)?,
            _ => return None,
        };
        rest = &rest[digits + 1..];
    }
    Some(if negative { -total } else { total })
}

/// Who an event puts on call.
fn person(event: &Component<'_>) -> Option<Person> {
    let summary = prop(event, "SUMMARY")
        .map(|p| p.val.clone().unescape_text().as_str().trim().to_string())
        .unwrap_or_default();
    let attendee = prop(event, "ATTENDEE");
    let email = attendee
        .map(|a| a.val.as_str().trim())
        .and_then(|v| {
            v.strip_prefix("mailto:")
                .or_else(|| v.strip_prefix("MAILTO:"))
                .map(str::to_string)
        })
        .filter(|e| e.contains('@'))
        .map(|e| sanitize_line(&e));
    let cn = attendee
        .and_then(|a| param(a, "CN"))
        .map(|c| c.trim().trim_matches('"').to_string())
        .filter(|c| !c.is_empty());
    let from_summary = {
        let s = summary.as_str();
        // PagerDuty: "On Call - NAME - SCHEDULE".
        let pd = s
            .strip_prefix("On Call - ")
            .or_else(|| s.strip_prefix("On call - "))
            .map(|r| r.rsplit_once(" - ").map_or(r, |(name, _)| name));
        // Grafana OnCall: "[L1] NAME".
        let grafana = s
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .filter(|(level, _)| level.starts_with('L') || level.starts_with('l'))
            .map(|(_, name)| name);
        let plain = || {
            let lower = s.to_ascii_lowercase();
            let mut name = s;
            for suffix in [
                " is on call",
                " is on-call",
                " on call",
                " on-call",
                " (on call)",
                " (on-call)",
            ] {
                if lower.ends_with(suffix) {
                    name = &s[..s.len() - suffix.len()];
                    break;
                }
            }
            for prefix in ["on call: ", "on-call: "] {
                if lower.starts_with(prefix) {
                    name = name.get(prefix.len()..).unwrap_or("");
                    break;
                }
            }
            name
        };
        pd.or(grafana).unwrap_or_else(plain).trim().to_string()
    };
    let name = match (from_summary.is_empty(), cn) {
        (false, _) => from_summary,
        (true, Some(cn)) => cn,
        (true, None) => email.clone()?,
    };
    Some(Person {
        name: sanitize_line(&name),
        email,
    })
}

fn rrule_zone(z: Tz) -> rrule::Tz {
    rrule::Tz::Tz(z)
}

/// Parses a feed and keeps the shifts overlapping `[from, to)`; a time without a
/// zone is read in `zone`.
pub fn parse(
    text: &str,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Parsed, String> {
    let unfolded = icalendar::parser::unfold(text);
    // The simple parser is the fast one; the verbose one runs only to say why not.
    let components = icalendar::parser::read_calendar_simple(&unfolded).map_err(|_| {
        let why = icalendar::parser::read_calendar(&unfolded)
            .err()
            .unwrap_or_default();
        let first = why.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        format!(
            "not an iCalendar feed ({})",
            sanitize_line(&first.chars().take(120).collect::<String>())
        )
    })?;
    let calendar = match components
        .iter()
        .position(|c| c.name.as_str() == "VCALENDAR")
    {
        Some(0) => {
            let mut components = components;
            let root = components.swap_remove(0);
            icalendar::parser::Calendar {
                properties: root.properties,
                components: root.components,
            }
        }
        _ => icalendar::parser::Calendar {
            components,
            properties: Vec::new(),
        },
    };
    let events: Vec<&Component<'_>> = calendar
        .components
        .iter()
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT"))
        .collect();
    if events.is_empty()
        && !calendar
            .components
            .iter()
            .any(|c| c.name.as_str().eq_ignore_ascii_case("VTIMEZONE"))
        && calendar.properties.is_empty()
    {
        return Err("not an iCalendar feed (no VCALENDAR)".into());
    }
    // Instances moved or cancelled one by one (RECURRENCE-ID) replace the series'.
    let mut moved: HashMap<String, HashSet<DateTime<Utc>>> = HashMap::new();
    for e in &events {
        if let (Some(uid), Some(rid)) = (prop(e, "UID"), prop(e, "RECURRENCE-ID")) {
            if let Ok(w) = when(rid.val.as_str(), param(rid, "TZID"), zone) {
                moved
                    .entry(uid.val.as_str().to_string())
                    .or_default()
                    .insert(w.instant());
            }
        }
    }
    let mut parsed = Parsed::default();
    for e in events {
        if parsed.shifts.len() >= MAX_SHIFTS {
            parsed
                .skipped
                .push(format!("more than {MAX_SHIFTS} shifts: the rest left out"));
            break;
        }
        let uid = prop(e, "UID").map(|p| p.val.as_str().to_string());
        let label = || {
            uid.as_deref()
                .map(|u| {
                    format!(
                        "event {}",
                        sanitize_line(&u.chars().take(40).collect::<String>())
                    )
                })
                .unwrap_or_else(|| "an event".into())
        };
        if prop(e, "STATUS").is_some_and(|s| s.val.as_str().eq_ignore_ascii_case("CANCELLED")) {
            continue;
        }
        match event_shifts(e, zone, from, to, uid.as_deref().and_then(|u| moved.get(u))) {
            Ok(shifts) => parsed.shifts.extend(shifts),
            Err(why) => parsed.skipped.push(format!("{}: {why}", label())),
        }
    }
    Ok(parsed)
}

fn event_shifts(
    e: &Component<'_>,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    moved: Option<&HashSet<DateTime<Utc>>>,
) -> Result<Vec<Shift>, String> {
    let who = person(e).ok_or("names nobody (no SUMMARY or ATTENDEE)")?;
    let start_prop = prop(e, "DTSTART").ok_or("no DTSTART")?;
    let start = when(start_prop.val.as_str(), param(start_prop, "TZID"), zone)?;
    // The length: DTEND in the same zone is kept as wall-clock time, so a weekly
    // 09:00 handoff stays at 09:00 across a DST change.
    let (nominal, exact) = match (prop(e, "DTEND"), prop(e, "DURATION")) {
        (Some(end), _) => {
            let end = when(end.val.as_str(), param(end, "TZID"), zone)?;
            let same_zone = matches!((start, end), (When::Local(_, a), When::Local(_, b)) | (When::Day(_, a), When::Day(_, b)) if a == b);
            if same_zone {
                (
                    Some(end.naive() - start.naive()),
                    end.instant() - start.instant(),
                )
            } else {
                (None, end.instant() - start.instant())
            }
        }
        (None, Some(d)) => {
            let d = duration(d.val.as_str())
                .ok_or_else(|| format!("bad DURATION '{}'", sanitize_line(d.val.as_str())))?;
            (None, d)
        }
        (None, None) if matches!(start, When::Day(..)) => {
            (Some(Duration::days(1)), Duration::days(1))
        }
        (None, None) => return Err("no DTEND or DURATION".into()),
    };
    if exact <= Duration::zero() {
        return Err("ends before it starts".into());
    }
    let end_of = |s: DateTime<Utc>| -> DateTime<Utc> {
        match nominal {
            Some(n) => {
                let z = start.zone();
                let local = s.with_timezone(&z).naive_local() + n;
                local_to_utc(&z, local).0
            }
            None => s + exact,
        }
    };
    let rules: Vec<&Property<'_>> = props(e, "RRULE").collect();
    let rdates: Vec<When> = props(e, "RDATE")
        .map(|p| whens(p, zone))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let shift = |s: DateTime<Utc>| Shift {
        who: who.clone(),
        start: s,
        end: end_of(s),
    };
    if rules.is_empty() && rdates.is_empty() {
        let s = shift(start.instant());
        return Ok(if s.end > from && s.start < to {
            vec![s]
        } else {
            Vec::new()
        });
    }
    let z = start.zone();
    let dt_start = z
        .from_local_datetime(&start.naive())
        .earliest()
        .unwrap_or_else(|| start.instant().with_timezone(&z))
        .with_timezone(&rrule_zone(z));
    let mut set = rrule::RRuleSet::new(dt_start);
    for r in rules {
        let parsed: rrule::RRule<rrule::Unvalidated> =
            r.val.as_str().parse().map_err(|e: rrule::RRuleError| {
                format!("bad RRULE: {}", sanitize_line(&e.to_string()))
            })?;
        let valid = parsed
            .validate(dt_start)
            .map_err(|e| format!("bad RRULE: {}", sanitize_line(&e.to_string())))?;
        set = set.rrule(valid);
    }
    for w in rdates {
        set = set.rdate(w.instant().with_timezone(&rrule_zone(Tz::UTC)));
    }
    let mut excluded: HashSet<DateTime<Utc>> = moved.cloned().unwrap_or_default();
    for p in props(e, "EXDATE") {
        for w in whens(p, zone)? {
            excluded.insert(w.instant());
        }
    }
    // Occurrences that still overlap `from` started up to one length before it.
    let after = (from - exact - Duration::days(1)).with_timezone(&rrule_zone(Tz::UTC));
    let before = to.with_timezone(&rrule_zone(Tz::UTC));
    let result = set.after(after).before(before).all(u16::MAX);
    Ok(result
        .dates
        .into_iter()
        .map(|d| d.with_timezone(&Utc))
        .filter(|d| !excluded.contains(d))
        .map(shift)
        .filter(|s| s.end > from && s.start < to)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::oncall::Schedule;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn window() -> (DateTime<Utc>, DateTime<Utc>) {
        (t("2026-01-01T00:00:00Z"), t("2027-06-01T00:00:00Z"))
    }

    fn on_call(feed: &str, at: &str) -> Option<String> {
        let (from, to) = window();
        let parsed = parse(feed, Tz::UTC, from, to).unwrap();
        assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        Schedule::from_shifts(parsed.shifts)
            .at(t(at))
            .who
            .map(|p| p.name)
    }

    const PAGERDUTY: &str = include_str!("../../tests/fixtures/oncall/pagerduty.ics");
    const GOOGLE: &str = include_str!("../../tests/fixtures/oncall/google-weekly.ics");
    const GRAFANA: &str = include_str!("../../tests/fixtures/oncall/grafana-oncall.ics");
    const OPSGENIE: &str = include_str!("../../tests/fixtures/oncall/opsgenie.ics");

    #[test]
    fn pagerduty_one_event_per_shift_with_an_override() {
        assert_eq!(
            on_call(PAGERDUTY, "2026-12-08T12:00:00Z").as_deref(),
            Some("Alice Doe")
        );
        // Bob's override inside Alice's week.
        assert_eq!(
            on_call(PAGERDUTY, "2026-12-09T20:00:00Z").as_deref(),
            Some("Bob Roe")
        );
        assert_eq!(
            on_call(PAGERDUTY, "2026-12-10T12:00:00Z").as_deref(),
            Some("Alice Doe")
        );
        let (from, to) = window();
        let p = parse(PAGERDUTY, Tz::UTC, from, to).unwrap();
        assert_eq!(p.shifts[0].who.email.as_deref(), Some("alice@example.com"));
    }

    #[test]
    fn a_google_weekly_rotation_with_rrule_exdate_rdate_and_a_moved_instance() {
        // Weekly Mondays 09:00 Berlin, alice; 2026-10-26 handed to bob (moved instance);
        // 2026-11-09 taken out (EXDATE): a gap that week.
        assert_eq!(
            on_call(GOOGLE, "2026-10-20T12:00:00Z").as_deref(),
            Some("alice")
        );
        // DST ended on 25 Oct: Monday 09:00 CET is 08:00Z; at 07:30Z alice still holds it.
        assert_eq!(
            on_call(GOOGLE, "2026-10-26T07:30:00Z").as_deref(),
            Some("alice")
        );
        assert_eq!(
            on_call(GOOGLE, "2026-10-27T12:00:00Z").as_deref(),
            Some("bob")
        );
        assert_eq!(on_call(GOOGLE, "2026-11-10T12:00:00Z"), None);
        assert_eq!(
            on_call(GOOGLE, "2026-11-17T12:00:00Z").as_deref(),
            Some("alice")
        );
        // RDATE: an extra turn on a Thursday.
        assert_eq!(
            on_call(GOOGLE, "2026-12-31T12:00:00Z").as_deref(),
            Some("alice")
        );
    }

    #[test]
    fn grafana_oncall_and_opsgenie_names() {
        assert_eq!(
            on_call(GRAFANA, "2026-12-08T12:00:00Z").as_deref(),
            Some("carol")
        );
        assert_eq!(
            on_call(OPSGENIE, "2026-12-07T12:00:00Z").as_deref(),
            Some("Dave Poe")
        );
    }

    #[test]
    fn garbage_is_an_error_and_a_bad_event_is_skipped_with_why() {
        let (from, to) = window();
        assert!(parse("<html>nope</html>", Tz::UTC, from, to).is_err());
        assert!(parse("", Tz::UTC, from, to).is_err());
        let feed = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x1\r\nSUMMARY:alice\r\nDTSTART;TZID=Mars/Olympus:20261207T090000\r\nDTEND:20261208T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let p = parse(feed, Tz::UTC, from, to).unwrap();
        assert!(p.shifts.is_empty());
        assert!(p.skipped[0].contains("Mars/Olympus"), "{:?}", p.skipped);
    }

    #[test]
    fn hostile_summaries_name_someone_or_nobody_without_panicking() {
        let (from, to) = window();
        for summary in [
            "on call: on call",
            "On Call - ",
            "[L1]",
            "[",
            " is on call",
            "ON-CALL: é on call",
            "On call - x - y - z",
        ] {
            let feed = format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:h\r\nSUMMARY:{summary}\r\nDTSTART:20261207T000000Z\r\nDTEND:20261208T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            );
            let parsed = parse(&feed, Tz::UTC, from, to).unwrap();
            assert!(parsed.shifts.len() + parsed.skipped.len() == 1, "{summary}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever a feed's properties hold, parsing says what it used and what it
        /// left out; it never panics.
        #[test]
        fn any_event_text_parses_or_is_refused(
            summary in "\\PC{0,40}",
            start in "[0-9TZz:;=A-Za-z/_-]{0,24}",
            rule in "[A-Z0-9=;,-]{0,40}",
            tzid in "[A-Za-z/_+-]{0,20}",
        ) {
            let (from, to) = window();
            let feed = format!(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:p\r\nSUMMARY:{summary}\r\nDTSTART;TZID={tzid}:{start}\r\nDURATION:PT1H\r\nRRULE:{rule}\r\nEXDATE:{start}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            );
            let _ = parse(&feed, Tz::UTC, from, to);
            let feed = format!(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:{summary}\r\nDTSTART:20261207T000000Z\r\nRRULE:FREQ=DAILY;{rule}\r\nDTEND:20261207T{start}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            );
            let _ = parse(&feed, Tz::UTC, from, to);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration("P1W"), Some(Duration::weeks(1)));
        assert_eq!(duration("PT12H"), Some(Duration::hours(12)));
        assert_eq!(duration("P1DT2H30M"), Some(Duration::minutes(26 * 60 + 30)));
        assert_eq!(duration("12H"), None);
    }

    #[test]
    fn basic_times() {
        assert_eq!(
            basic_date_time("20261207T093005"),
            NaiveDate::from_ymd_opt(2026, 12, 7)
                .unwrap()
                .and_hms_opt(9, 30, 5)
        );
        for bad in [
            "20261307T093005",
            "2026120T093005",
            "20261207T0930",
            "2026-12-07T09:30:05",
            "20261207X093005",
            "２０２６1207T093005",
        ] {
            assert_eq!(basic_date_time(bad), None, "{bad}");
        }
        assert_eq!(basic_date("20260229"), None);
    }
}
