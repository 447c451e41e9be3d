//! Who owns an alert, and who holds that team's pager: teams (the services they own,
//! matchers for alerts without a service), schedules flattened from shifts (a feed's
//! events or an inline rotation; a shorter shift inside a longer one is an override
//! and wins), and what a time means in the team's zone. Pure: the feeds are read in
//! `sources::oncall`, parsed in `sources::ical`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use super::silence::{CompiledMatchers, Matcher};
use super::text::sanitize_line;
use super::DomainError;

/// A team as the config names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub name: String,
    /// Services it owns (an alert's service label, an incident's services).
    pub services: Vec<String>,
    /// For alerts with no service it owns: all must hold (Alertmanager's matchers).
    pub matchers: Vec<Matcher>,
    /// Labels set on the pages for this team, so Alertmanager routes them.
    pub labels: BTreeMap<String, String>,
    /// The zone its times are read and shown in.
    pub zone: Tz,
}

/// Every team, with their matchers compiled once (the dashboard asks per row).
#[derive(Debug, Clone, Default)]
pub struct Teams {
    teams: Vec<Team>,
    matchers: Vec<CompiledMatchers>,
}

impl PartialEq for Teams {
    fn eq(&self, other: &Self) -> bool {
        self.teams == other.teams
    }
}

impl Teams {
    pub fn new(teams: Vec<Team>) -> Self {
        let matchers = teams
            .iter()
            .map(|t| CompiledMatchers::new(t.matchers.clone()))
            .collect();
        Self { teams, matchers }
    }

    pub fn is_empty(&self) -> bool {
        self.teams.is_empty()
    }

    pub fn all(&self) -> &[Team] {
        &self.teams
    }

    pub fn get(&self, index: usize) -> Option<&Team> {
        self.teams.get(index)
    }

    /// The team called `name` (case does not matter).
    pub fn find(&self, name: &str) -> Option<usize> {
        let name = name.trim();
        self.teams
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// The team owning an alert with this service and labels: the first that lists
    /// the service, else the first whose matchers (it has some) all hold.
    pub fn owner<'v>(
        &self,
        service: Option<&str>,
        get: impl Fn(&str) -> Option<&'v str>,
    ) -> Option<usize> {
        if let Some(service) = service.map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(i) = self.owning_service(service) {
                return Some(i);
            }
        }
        self.matchers
            .iter()
            .position(|m| !m.is_empty() && m.matches(&get))
    }

    fn owning_service(&self, service: &str) -> Option<usize> {
        self.teams
            .iter()
            .position(|t| t.services.iter().any(|s| s == service))
    }

    /// The teams owning any of an incident's services, in config order.
    pub fn owners_of_services(&self, services: &[String]) -> Vec<usize> {
        let mut owners: Vec<usize> = services
            .iter()
            .filter_map(|s| self.owning_service(s.trim()))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        owners
    }

    /// The pages' labels for these teams: each team's labels, values of one name
    /// joined with `,` when teams differ (`team="billing,room"`, for a regex route).
    pub fn page_labels(&self, teams: &[usize]) -> BTreeMap<String, String> {
        let mut merged: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for team in teams.iter().filter_map(|&i| self.teams.get(i)) {
            for (k, v) in &team.labels {
                let values = merged.entry(k.clone()).or_default();
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
        }
        merged
            .into_iter()
            .map(|(k, mut v)| {
                v.sort();
                (k, v.join(","))
            })
            .collect()
    }
}

/// Someone on a schedule, as the feed names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Person {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Person {
    pub fn named(name: &str) -> Self {
        Self {
            name: sanitize_line(name.trim()),
            email: None,
        }
    }

    /// Whether this is the sitrep user `user`: the name, the email, or the email's
    /// part before `@`, case not mattering.
    pub fn is(&self, user: &str) -> bool {
        let user = user.trim();
        if user.is_empty() {
            return false;
        }
        self.name.eq_ignore_ascii_case(user)
            || self.email.as_deref().is_some_and(|e| {
                e.eq_ignore_ascii_case(user)
                    || e.split('@')
                        .next()
                        .is_some_and(|local| local.eq_ignore_ascii_case(user))
            })
    }
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// One person on call from `start` to `end` (a feed's event, a rotation's turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub who: Person,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A stretch with one person on call, or nobody (`who` none: a gap).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub who: Option<Person>,
}

/// Who is on call when, without overlaps: from the first shift's start to the last
/// one's end, gaps included.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    segments: Vec<Segment>,
}

/// Who is on call at one time, with since and until when (none: the schedule has
/// nothing before or after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnCall {
    pub who: Option<Person>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Schedule {
    /// Flattens shifts: where several cover a time, the shortest wins (an override
    /// is shorter than the turn it covers), then the later start, then the later
    /// one in the feed.
    pub fn from_shifts(shifts: Vec<Shift>) -> Self {
        let shifts: Vec<Shift> = shifts.into_iter().filter(|s| s.end > s.start).collect();
        let mut events: Vec<(DateTime<Utc>, bool, usize)> = Vec::with_capacity(shifts.len() * 2);
        for (i, s) in shifts.iter().enumerate() {
            events.push((s.start, true, i));
            events.push((s.end, false, i));
        }
        // Ends before starts at one instant: a handoff is not an overlap.
        events.sort_unstable_by_key(|&(t, starts, i)| (t, starts, i));
        let key = |i: usize| {
            let s = &shifts[i];
            (
                (s.end - s.start).num_milliseconds(),
                Reverse(s.start),
                Reverse(i),
            )
        };
        let mut active = BTreeSet::new();
        let mut segments: Vec<Segment> = Vec::new();
        let mut at = 0;
        while at < events.len() {
            let t = events[at].0;
            while at < events.len() && events[at].0 == t {
                let (_, starts, i) = events[at];
                if starts {
                    active.insert(key(i));
                } else {
                    active.remove(&key(i));
                }
                at += 1;
            }
            let Some(&(next, _, _)) = events.get(at) else {
                break;
            };
            let who = active
                .first()
                .map(|&(_, _, Reverse(i))| shifts[i].who.clone());
            match segments.last_mut() {
                Some(last) if last.who == who && last.end == t => last.end = next,
                _ => segments.push(Segment {
                    start: t,
                    end: next,
                    who,
                }),
            }
        }
        while segments.last().is_some_and(|s| s.who.is_none()) {
            segments.pop();
        }
        Self { segments }
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Where the schedule's data ends.
    pub fn ends(&self) -> Option<DateTime<Utc>> {
        self.segments.last().map(|s| s.end)
    }

    fn index_at(&self, t: DateTime<Utc>) -> Result<usize, usize> {
        let i = self.segments.partition_point(|s| s.end <= t);
        match self.segments.get(i) {
            Some(s) if s.start <= t => Ok(i),
            _ => Err(i),
        }
    }

    /// Who is on call at `t`.
    pub fn at(&self, t: DateTime<Utc>) -> OnCall {
        match self.index_at(t) {
            Ok(i) => {
                let s = &self.segments[i];
                OnCall {
                    who: s.who.clone(),
                    since: Some(s.start),
                    until: Some(s.end),
                }
            }
            Err(i) => OnCall {
                who: None,
                since: i.checked_sub(1).map(|p| self.segments[p].end),
                until: self.segments.get(i).map(|s| s.start),
            },
        }
    }

    /// The `n` stretches after the one at `t` (gaps included: they are news).
    pub fn next(&self, t: DateTime<Utc>, n: usize) -> Vec<Segment> {
        let from = match self.index_at(t) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.segments.iter().skip(from).take(n).cloned().collect()
    }

    /// The stretches overlapping `[from, to)`, cut to it.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Segment> {
        let first = self.segments.partition_point(|s| s.end <= from);
        self.segments[first..]
            .iter()
            .take_while(|s| s.start < to)
            .map(|s| Segment {
                start: s.start.max(from),
                end: s.end.min(to),
                who: s.who.clone(),
            })
            .collect()
    }

    /// Who was on call at each of `times` (sorted or not), one lookup each.
    pub fn who_at(&self, t: DateTime<Utc>) -> Option<&Person> {
        self.index_at(t)
            .ok()
            .and_then(|i| self.segments[i].who.as_ref())
    }
}

/// A simple rotation kept in the config: `members` take turns of `shift`, the
/// first from `start` (or from the first `handoff` at or after it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub members: Vec<Person>,
    /// In `zone`.
    pub start: NaiveDateTime,
    pub shift: Duration,
    pub zone: Tz,
    pub handoff: Option<(Weekday, NaiveTime)>,
}

impl Rotation {
    /// The first turn's start, in the zone's local time.
    fn anchor(&self) -> NaiveDateTime {
        let Some((day, time)) = self.handoff else {
            return self.start;
        };
        (0..8)
            .filter_map(|d| {
                let date = self.start.date().checked_add_days(chrono::Days::new(d))?;
                let at = date.and_time(time);
                (date.weekday() == day && at >= self.start).then_some(at)
            })
            .next()
            .unwrap_or(self.start)
    }

    /// Turn `k`'s start: whole-day turns keep the handoff's wall-clock time across
    /// DST changes (a week is 167 or 169 hours then); others are exact.
    fn turn_start(&self, anchor: NaiveDateTime, k: i64) -> Option<DateTime<Utc>> {
        let days = self.shift.num_seconds() % 86_400 == 0;
        if days {
            let naive = anchor.checked_add_signed(Duration::days(self.shift.num_days() * k))?;
            Some(local_to_utc(&self.zone, naive).0)
        } else {
            let first = local_to_utc(&self.zone, anchor).0;
            first.checked_add_signed(Duration::seconds(self.shift.num_seconds().checked_mul(k)?))
        }
    }

    /// The turns overlapping `[from, to)`.
    pub fn shifts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Shift> {
        if self.members.is_empty() || self.shift <= Duration::zero() {
            return Vec::new();
        }
        let anchor = self.anchor();
        let first = local_to_utc(&self.zone, anchor).0;
        let step = self.shift.num_seconds().max(1);
        // One turn early: a day's DST difference never skips the turn holding `from`.
        let mut k = ((from - first).num_seconds() / step - 1).max(0);
        let mut out = Vec::new();
        while let (Some(start), Some(end)) =
            (self.turn_start(anchor, k), self.turn_start(anchor, k + 1))
        {
            if start >= to || out.len() > 100_000 {
                break;
            }
            if end > from {
                let who = self.members[(k as usize) % self.members.len()].clone();
                out.push(Shift { who, start, end });
            }
            k += 1;
        }
        out
    }
}

/// A local time in `zone` as an instant, and what was done when the clock skips it
/// (the next hour's time) or shows it twice (the first).
pub fn local_to_utc(zone: &Tz, naive: NaiveDateTime) -> (DateTime<Utc>, Option<Local>) {
    use chrono::LocalResult;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => (t.with_timezone(&Utc), None),
        LocalResult::Ambiguous(first, _) => (first.with_timezone(&Utc), Some(Local::Repeated)),
        LocalResult::None => {
            // Clocks went forward: the same wall-clock time one hour on exists.
            let later = naive + Duration::hours(1);
            let t = zone
                .from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| naive.and_utc());
            (t, Some(Local::Skipped))
        }
    }
}

/// A local time the zone's clocks skip or repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Local {
    Skipped,
    Repeated,
}

/// `--at` as people type it, in `zone`: `now`, `in 2h` / `+2h`, `2h ago` / `-2h`,
/// `YYYY-MM-DD HH:MM[:SS]` or RFC 3339. A local time the clocks skip or show twice
/// is taken as said in the note.
pub fn parse_at(
    raw: &str,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Result<(DateTime<Utc>, Option<String>), DomainError> {
    let value = raw.trim();
    let bad = || {
        DomainError::invalid(format!(
            "bad time '{}' (use e.g. 'now', 'in 2h', '3h ago', '2026-12-24 03:00' or RFC 3339)",
            sanitize_line(raw)
        ))
    };
    let duration = |d: &str| super::parse::parse_duration(d.trim()).map_err(|_| bad());
    if value.eq_ignore_ascii_case("now") {
        return Ok((now, None));
    }
    if let Some(d) = value
        .strip_prefix("in ")
        .or_else(|| value.strip_prefix('+'))
    {
        return Ok((now.checked_add_signed(duration(d)?).ok_or_else(bad)?, None));
    }
    if let Some(d) = value
        .strip_prefix('-')
        .or_else(|| value.strip_suffix("ago").map(str::trim_end))
    {
        return Ok((now.checked_sub_signed(duration(d)?).ok_or_else(bad)?, None));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok((t.with_timezone(&Utc), None));
    }
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
        .map_err(|_| bad())?;
    let (t, local) = local_to_utc(zone, naive);
    let shown = t.with_timezone(zone).format("%H:%M %Z");
    let note = local.map(|l| match l {
        Local::Skipped => format!(
            "{} does not exist in {zone} (the clocks go forward): using {shown}",
            naive.format("%Y-%m-%d %H:%M")
        ),
        Local::Repeated => format!(
            "{} happens twice in {zone} (the clocks go back): using the first, {shown}",
            naive.format("%Y-%m-%d %H:%M")
        ),
    });
    Ok((t, note))
}

/// `Mon 09:00` within the coming week, `Dec 14 09:00` further, in `zone`.
pub fn short_when(t: DateTime<Utc>, zone: &Tz, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(zone);
    if t >= now - Duration::days(1) && t < now + Duration::days(6) {
        local.format("%a %H:%M").to_string()
    } else {
        local.format("%b %-d %H:%M").to_string()
    }
}

/// Parses `Mon 09:00`.
pub fn parse_handoff(raw: &str) -> Result<(Weekday, NaiveTime), String> {
    let bad = || {
        format!(
            "'{}' is not a handoff; write a weekday and a time, e.g. \"Mon 09:00\"",
            sanitize_line(raw)
        )
    };
    let mut parts = raw.split_whitespace();
    let (Some(day), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let day: Weekday = day.parse().map_err(|_| bad())?;
    let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| bad())?;
    Ok((day, time))
}

/// A team's schedule as read now: the shifts from the feed or the rotation, when
/// the copy in use was read, and why the feed could not be read this time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Roster {
    pub schedule: Schedule,
    /// When the copy in use was fetched; none for a rotation or a local file.
    pub copy_from: Option<DateTime<Utc>>,
    /// Why the feed could not be read now (a copy may still be in use).
    pub error: Option<String>,
}

impl Roster {
    /// One line on where the schedule stands when it is not plainly fine.
    pub fn problem(&self, now: DateTime<Utc>) -> Option<String> {
        let why = self.error.as_deref()?;
        Some(match self.copy_from {
            Some(at) => format!(
                "feed unreadable ({why}); using the copy from {} ago",
                super::parse::format_duration(now - at)
            ),
            None => format!("no schedule: {why}"),
        })
    }
}

/// Every team's roster, in the order of [`Teams`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rosters {
    pub teams: Teams,
    pub rosters: Vec<Roster>,
}

/// What the dashboard and `oncall` say of one team at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    On {
        who: Person,
        until: Option<DateTime<Utc>>,
    },
    /// Nobody is on call: a gap in the schedule, or none at all.
    Nobody { until: Option<DateTime<Utc>> },
}

impl Rosters {
    pub fn roster(&self, team: usize) -> Option<&Roster> {
        self.rosters.get(team)
    }

    pub fn standing(&self, team: usize, now: DateTime<Utc>) -> Standing {
        let at = self
            .rosters
            .get(team)
            .map(|r| r.schedule.at(now))
            .unwrap_or(OnCall {
                who: None,
                since: None,
                until: None,
            });
        match at.who {
            Some(who) => Standing::On {
                who,
                until: at.until,
            },
            None => Standing::Nobody { until: at.until },
        }
    }

    /// The teams `user` is on call for now, with until when.
    pub fn on_call_for(
        &self,
        user: &str,
        now: DateTime<Utc>,
    ) -> Vec<(usize, Option<DateTime<Utc>>)> {
        (0..self.rosters.len())
            .filter_map(|i| match self.standing(i, now) {
                Standing::On { who, until } if who.is(user) => Some((i, until)),
                _ => None,
            })
            .collect()
    }

    /// `room: alice` / `room: NOBODY on call` for the owner column and views.
    pub fn owner_text(&self, team: usize, now: DateTime<Utc>) -> (String, bool) {
        let name = self.teams.get(team).map_or("?", |t| t.name.as_str());
        if self
            .rosters
            .get(team)
            .is_none_or(|r| r.schedule.is_empty() && r.error.is_none())
        {
            return (name.to_string(), false);
        }
        match self.standing(team, now) {
            Standing::On { who, .. } => (format!("{name}: {who}"), false),
            Standing::Nobody { .. } => (format!("{name}: NOBODY on call"), true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn shift(who: &str, a: &str, b: &str) -> Shift {
        Shift {
            who: Person::named(who),
            start: t(a),
            end: t(b),
        }
    }

    #[test]
    fn an_override_inside_a_turn_wins_and_the_turn_resumes() {
        let s = Schedule::from_shifts(vec![
            shift("alice", "2026-12-07T09:00:00Z", "2026-12-14T09:00:00Z"),
            shift("bob", "2026-12-09T18:00:00Z", "2026-12-10T06:00:00Z"),
            shift("carol", "2026-12-14T09:00:00Z", "2026-12-21T09:00:00Z"),
        ]);
        let names: Vec<String> = s
            .segments()
            .iter()
            .map(|g| g.who.as_ref().map_or("-".into(), |p| p.name.clone()))
            .collect();
        assert_eq!(names, ["alice", "bob", "alice", "carol"]);
        let at = s.at(t("2026-12-09T20:00:00Z"));
        assert_eq!(at.who.unwrap().name, "bob");
        assert_eq!(at.until, Some(t("2026-12-10T06:00:00Z")));
        // The turn resumes until the handoff.
        assert_eq!(
            s.at(t("2026-12-11T00:00:00Z")).until,
            Some(t("2026-12-14T09:00:00Z"))
        );
        let next = s.next(t("2026-12-11T00:00:00Z"), 3);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].who.as_ref().unwrap().name, "carol");
    }

    #[test]
    fn a_gap_is_a_segment_with_nobody_and_beyond_the_data_is_nobody_without_end() {
        let s = Schedule::from_shifts(vec![
            shift("alice", "2026-12-07T09:00:00Z", "2026-12-08T09:00:00Z"),
            shift("bob", "2026-12-09T09:00:00Z", "2026-12-10T09:00:00Z"),
        ]);
        let gap = s.at(t("2026-12-08T12:00:00Z"));
        assert_eq!(gap.who, None);
        assert_eq!(gap.until, Some(t("2026-12-09T09:00:00Z")));
        let after = s.at(t("2026-12-11T00:00:00Z"));
        assert_eq!((after.who, after.until), (None, None));
        assert_eq!(after.since, Some(t("2026-12-10T09:00:00Z")));
        let before = s.at(t("2026-12-01T00:00:00Z"));
        assert_eq!(before.until, Some(t("2026-12-07T09:00:00Z")));
    }

    #[test]
    fn a_weekly_rotation_keeps_its_handoff_time_across_dst_in_berlin() {
        let r = Rotation {
            members: vec![Person::named("alice"), Person::named("bob")],
            start: NaiveDateTime::parse_from_str("2026-10-19 00:00", "%Y-%m-%d %H:%M").unwrap(),
            shift: Duration::days(7),
            zone: chrono_tz::Europe::Berlin,
            handoff: Some((Weekday::Mon, NaiveTime::from_hms_opt(9, 0, 0).unwrap())),
        };
        let shifts = r.shifts(t("2026-10-19T00:00:00Z"), t("2026-11-03T00:00:00Z"));
        // Mon 19 Oct 09:00 CEST = 07:00Z; Mon 26 Oct 09:00 CET = 08:00Z (DST ended 25 Oct).
        assert_eq!(shifts[0].start, t("2026-10-19T07:00:00Z"));
        assert_eq!(shifts[0].end, t("2026-10-26T08:00:00Z"));
        assert_eq!((shifts[0].end - shifts[0].start).num_hours(), 169);
        assert_eq!(shifts[1].who.name, "bob");
        let s = Schedule::from_shifts(shifts);
        let at = s.at(t("2026-10-25T12:00:00Z"));
        assert_eq!(at.who.unwrap().name, "alice");
        assert_eq!(
            short_when(
                at.until.unwrap(),
                &chrono_tz::Europe::Berlin,
                t("2026-10-25T12:00:00Z")
            ),
            "Mon 09:00"
        );
    }

    #[test]
    fn a_daily_rotation_across_new_yorks_spring_change_keeps_9am_and_is_23_hours() {
        let r = Rotation {
            members: vec![Person::named("ann"), Person::named("ben")],
            start: NaiveDateTime::parse_from_str("2026-03-06 09:00", "%Y-%m-%d %H:%M").unwrap(),
            shift: Duration::days(1),
            zone: chrono_tz::America::New_York,
            handoff: None,
        };
        let s =
            Schedule::from_shifts(r.shifts(t("2026-03-06T00:00:00Z"), t("2026-03-10T00:00:00Z")));
        // Sat 7 Mar 09:00 EST (14:00Z) to Sun 8 Mar 09:00 EDT (13:00Z): 23 hours.
        let at = s.at(t("2026-03-08T10:00:00Z"));
        assert_eq!(at.who.unwrap().name, "ben");
        assert_eq!(at.since, Some(t("2026-03-07T14:00:00Z")));
        assert_eq!(at.until, Some(t("2026-03-08T13:00:00Z")));
        assert_eq!(s.at(t("2026-03-08T13:30:00Z")).who.unwrap().name, "ann");
    }

    #[test]
    fn at_inside_the_missing_and_the_repeated_hour_is_said() {
        let now = t("2026-12-07T00:00:00Z");
        let ny = chrono_tz::America::New_York;
        let (at, note) = parse_at("2026-03-08 02:30", now, &ny).unwrap();
        assert_eq!(at, t("2026-03-08T07:30:00Z"), "03:30 EDT");
        assert!(note.unwrap().contains("does not exist"));
        let (at, note) = parse_at("2026-11-01 01:30", now, &ny).unwrap();
        assert_eq!(at, t("2026-11-01T05:30:00Z"), "the first 01:30, EDT");
        assert!(note.unwrap().contains("happens twice"));
        let berlin = chrono_tz::Europe::Berlin;
        let (at, note) = parse_at("2026-03-29 02:30", now, &berlin).unwrap();
        assert_eq!(at, t("2026-03-29T01:30:00Z"));
        assert!(note.is_some());
        assert!(parse_at("tomorrow-ish", now, &berlin).is_err());
        assert_eq!(
            parse_at("in 2h", now, &berlin).unwrap().0,
            t("2026-12-07T02:00:00Z")
        );
    }

    #[test]
    fn people_are_matched_by_name_email_or_its_local_part() {
        let p = Person {
            name: "Alice Doe".into(),
            email: Some("alice@example.com".into()),
        };
        assert!(p.is("alice"));
        assert!(p.is("ALICE@example.com"));
        assert!(p.is("alice doe"));
        assert!(!p.is("bob"));
        assert!(!p.is(""));
    }

    #[test]
    fn ownership_by_service_then_matchers() {
        let team = |name: &str, services: &[&str], matchers: &[&str]| Team {
            name: name.into(),
            services: services.iter().map(|s| s.to_string()).collect(),
            matchers: matchers
                .iter()
                .map(|m| Matcher::parse(m).unwrap())
                .collect(),
            labels: BTreeMap::from([("team".to_string(), name.to_string())]),
            zone: Tz::UTC,
        };
        let teams = Teams::new(vec![
            team("room", &["room"], &["team=\"room\""]),
            team("billing", &["billing", "invoices"], &[]),
        ]);
        let none = |_: &str| None;
        assert_eq!(teams.owner(Some("invoices"), none), Some(1));
        assert_eq!(teams.owner(Some("search"), none), None);
        assert_eq!(
            teams.owner(None, |k| (k == "team").then_some("room")),
            Some(0)
        );
        assert_eq!(
            teams.page_labels(&[0, 1]).get("team").map(String::as_str),
            Some("billing,room")
        );
        assert_eq!(
            teams.owners_of_services(&["invoices".into(), "room".into()]),
            [0, 1]
        );
    }
}
