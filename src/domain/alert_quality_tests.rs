use chrono::{Duration, TimeZone};

use super::*;

fn t(h: i64, m: i64) -> DateTime<Utc> {
    // 2026-11-16T00:00:00Z, a Monday.
    DateTime::from_timestamp(1_794_787_200, 0).unwrap() + Duration::hours(h) + Duration::minutes(m)
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn week() -> Vec<Window> {
    vec![Window {
        from: t(0, 0),
        to: t(24 * 7, 0),
    }]
}

#[test]
fn hours_run_over_midnight_and_refuse_nonsense() {
    let sleep = Hours::parse("22:00-07:00").unwrap();
    assert!(sleep.contains(NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
    assert!(sleep.contains(NaiveTime::from_hms_opt(6, 59, 0).unwrap()));
    assert!(!sleep.contains(NaiveTime::from_hms_opt(7, 0, 0).unwrap()));
    assert!(Hours::parse("9-18").is_err());
    assert!(Hours::parse("09:00-09:00").is_err());
    assert!(Hours::parse("25:00-07:00").is_err());
}

#[test]
fn working_and_sleep_hours_follow_the_zone_across_a_dst_change() {
    let rules = QualityRules {
        zone: chrono_tz::Europe::Berlin,
        ..QualityRules::default()
    };
    // Friday 2026-03-27 06:30 UTC is 07:30 CET (winter): awake, before work.
    let before = Utc.with_ymd_and_hms(2026, 3, 27, 6, 30, 0).unwrap();
    assert_eq!(rules.when(before), (true, false));
    // Monday 2026-03-30 06:30 UTC is 08:30 CEST (summer): still before work, awake.
    let after = Utc.with_ymd_and_hms(2026, 3, 30, 6, 30, 0).unwrap();
    assert_eq!(rules.when(after), (true, false));
    // Monday 2026-03-30 05:30 UTC is 07:30 CEST; the Friday before, 05:30 UTC
    // was 06:30 CET: asleep.
    assert_eq!(
        rules.when(Utc.with_ymd_and_hms(2026, 3, 27, 5, 30, 0).unwrap()),
        (true, true)
    );
    assert_eq!(
        rules.when(Utc.with_ymd_and_hms(2026, 3, 30, 5, 30, 0).unwrap()),
        (true, false)
    );
    // 07:30 UTC: 08:30 CET on Friday (out of hours), 09:30 CEST on Monday (working).
    assert_eq!(
        rules.when(Utc.with_ymd_and_hms(2026, 3, 27, 7, 30, 0).unwrap()),
        (true, false)
    );
    assert_eq!(
        rules.when(Utc.with_ymd_and_hms(2026, 3, 30, 7, 30, 0).unwrap()),
        (false, false)
    );
    // The Sunday in between is out of hours all day.
    assert!(
        rules
            .when(Utc.with_ymd_and_hms(2026, 3, 29, 12, 0, 0).unwrap())
            .0
    );
}

#[test]
fn firings_are_counted_by_start_and_minutes_clipped_to_the_period() {
    let l = labels(&[
        ("alertname", "Disk"),
        ("service", "db"),
        ("severity", "critical"),
        ("team", "sre"),
    ]);
    let a = labels(&[("runbook_url", "https://runbooks/disk")]);
    let mut q = Quality::new(QualityRules::default(), week(), &[], t(24 * 8, 0));
    // Began before the week: its minutes count, it is no firing of this week.
    q.add(Episode {
        name: "Disk",
        labels: &l,
        annotations: Some(&a),
        start: Some(t(-1, 0)),
        end: Some(t(0, 30)),
    });
    // Monday 03:00 UTC for 2 minutes: short, out of hours, asleep.
    q.add(Episode {
        name: "Disk",
        labels: &l,
        annotations: Some(&a),
        start: Some(t(3, 0)),
        end: Some(t(3, 2)),
    });
    // Monday 10:00 for an hour: working hours.
    q.add(Episode {
        name: "Disk",
        labels: &l,
        annotations: Some(&a),
        start: Some(t(10, 0)),
        end: Some(t(11, 0)),
    });
    let report = q.finish(&[]);
    let r = &report.rules[0];
    assert_eq!(
        r.tally,
        Tally {
            firings: 2,
            minutes: 30 + 2 + 60,
            short: 1,
            out_of_hours: 1,
            sleep_hours: 1,
            linked: 0
        }
    );
    assert!(r.flags.is_empty(), "{:?}", r.flags);
    assert_eq!(r.actionable_rate, Some(0.0));
    assert_eq!(report.periods[0].firings, 2);
}

fn def(
    name: &str,
    for_secs: f64,
    labels_: &[(&str, &str)],
    annotations: &[(&str, &str)],
) -> RawRule {
    RawRule {
        name: name.into(),
        group: "g".into(),
        alerting: true,
        query: "up == 0".into(),
        for_secs,
        labels: labels(labels_),
        annotations: labels(annotations),
    }
}

#[test]
fn every_defect_is_flagged_exactly_once_with_its_step() {
    let good = [("severity", "critical"), ("team", "sre"), ("service", "db")];
    let rb = [("runbook_url", "https://r")];
    let raw = vec![
        def("NoRunbook", 300.0, &good, &[]),
        def(
            "NoOwner",
            300.0,
            &[("severity", "critical"), ("service", "db")],
            &rb,
        ),
        def(
            "NoSeverity",
            300.0,
            &[("team", "sre"), ("service", "db")],
            &rb,
        ),
        def(
            "NoService",
            300.0,
            &[("severity", "critical"), ("team", "sre")],
            &rb,
        ),
        def("TriggerHappy", 0.0, &good, &rb),
        def("Clean", 300.0, &good, &rb),
        // Two rules of one name (a page and a ticket): one entry, each flag once.
        def("Twice", 10.0, &[("severity", "critical")], &[]),
        def("Twice", 10.0, &[("severity", "warning")], &[]),
    ];
    let defs = rule_defs(&raw);
    let q = Quality::new(QualityRules::default(), week(), &[], t(24 * 8, 0));
    let report = q.finish(&defs);
    let flags = |name: &str| {
        report
            .rules_to_fix
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.flags.clone())
            .unwrap_or_default()
    };
    assert_eq!(flags("NoRunbook"), vec![Flag::NoRunbook]);
    assert_eq!(flags("NoOwner"), vec![Flag::NoOwner]);
    assert_eq!(flags("NoSeverity"), vec![Flag::NoSeverity]);
    assert_eq!(flags("NoService"), vec![Flag::NoService]);
    assert_eq!(flags("TriggerHappy"), vec![Flag::TriggerHappy]);
    assert_eq!(flags("Clean"), Vec::<Flag>::new());
    assert_eq!(
        flags("Twice"),
        vec![
            Flag::TriggerHappy,
            Flag::NoRunbook,
            Flag::NoOwner,
            Flag::NoService
        ]
    );
    let twice = report
        .rules_to_fix
        .iter()
        .find(|r| r.name == "Twice")
        .unwrap();
    assert_eq!(twice.steps.len(), twice.flags.len());
    assert!(twice.steps[0].contains("raise `for:`"));
}

#[test]
fn noise_and_flapping_come_from_the_firings() {
    let l = labels(&[("severity", "critical"), ("team", "sre"), ("service", "db")]);
    let a = labels(&[("runbook", "https://r")]);
    let mut q = Quality::new(QualityRules::default(), week(), &[], t(24 * 8, 0));
    for i in 0..4 {
        q.add(Episode {
            name: "Blip",
            labels: &l,
            annotations: Some(&a),
            start: Some(t(i * 10, 0)),
            end: Some(t(i * 10, 1)),
        });
    }
    for i in 0..2 {
        q.add(Episode {
            name: "Slow",
            labels: &l,
            annotations: Some(&a),
            start: Some(t(i * 10, 0)),
            end: Some(t(i * 10 + 1, 0)),
        });
    }
    let report = q.finish(&[]);
    assert_eq!(report.rules[0].name, "Blip");
    assert_eq!(report.rules[0].flags, vec![Flag::Noise, Flag::Flapping]);
    assert_eq!(report.rules[1].name, "Slow");
    assert!(report.rules[1].flags.is_empty());
    assert_eq!(report.periods[0].noisy, 1);
}

#[test]
fn a_firing_an_incident_was_declared_from_is_linked() {
    use crate::domain::alert::LinkedAlert;
    use crate::domain::incident::{Declaration, IncidentId, NewIncident};
    let l = labels(&[("severity", "critical"), ("team", "sre"), ("service", "db")]);
    let linked = LinkedAlert {
        fingerprint: "x".into(),
        name: "Down".into(),
        source: "am".into(),
        service: Some("db".into()),
        region: None,
        summary: None,
        runbook_url: None,
        generator_url: None,
        starts_at: Some(t(5, 1)),
    };
    let d = Declaration {
        title: "db down".into(),
        severity: Some(crate::domain::Severity::P1),
        alerts: vec![linked.clone()],
        ..Declaration::default()
    };
    let incident = NewIncident::declare(d, "alice", t(5, 10))
        .unwrap()
        .into_incident(IncidentId(1));
    let reviewed = vec![ReviewedIncident {
        incident,
        alerts: vec![linked],
        steps: Vec::new(),
    }];
    let mut q = Quality::new(QualityRules::default(), week(), &reviewed, t(24 * 8, 0));
    for h in [5, 50, 90] {
        q.add(Episode {
            name: "Down",
            labels: &l,
            annotations: None,
            start: Some(t(h, 0)),
            end: Some(t(h, 30)),
        });
    }
    let r = &q.finish(&[]).rules[0];
    assert_eq!(r.tally.linked, 1);
    assert!((r.actionable_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
    // Linked once: no noise. No annotations known: no runbook flag either.
    assert!(r.flags.is_empty(), "{:?}", r.flags);
}

#[test]
fn a_top_of_twenty_and_the_rest_counted() {
    let l = labels(&[("severity", "critical"), ("team", "sre"), ("service", "db")]);
    let mut q = Quality::new(QualityRules::default(), week(), &[], t(24 * 8, 0));
    let names: Vec<String> = (0..25).map(|i| format!("A{i:02}")).collect();
    for n in &names {
        q.add(Episode {
            name: n,
            labels: &l,
            annotations: None,
            start: Some(t(1, 0)),
            end: Some(t(2, 0)),
        });
    }
    let report = q.finish(&[]);
    assert_eq!(
        (report.rules.len(), report.rules_fired, report.more),
        (20, 25, 5)
    );
}

/// Sloth's getting-started output (its `examples/_gen/getting-started.yml`): the
/// service comes from the selectors' pins, the owner from the recording rules'
/// labels, severity from `sloth_severity`; the multi-window expression needs no
/// `for:`.
#[test]
fn a_sloth_rule_infers_labels_from_its_pins_and_recording_rules() {
    let recording = |window: &str| RawRule {
        name: format!("slo:sli_error:ratio_rate{window}"),
        group: "rec".into(),
        alerting: false,
        query: format!("sum(rate(errors[{window}])) / sum(rate(total[{window}]))"),
        labels: labels(&[
            ("owner", "myteam"),
            ("sloth_id", "myservice-requests-availability"),
            ("sloth_service", "myservice"),
            ("sloth_window", window),
        ]),
        ..RawRule::default()
    };
    let alert = RawRule {
        name: "MyServiceHighErrorRate".into(),
        group: "alerts".into(),
        alerting: true,
        query: r#"(slo:sli_error:ratio_rate5m{sloth_id="myservice-requests-availability", sloth_service="myservice"} > (14.4 * 0.001)) and ignoring (sloth_window) (slo:sli_error:ratio_rate1h{sloth_id="myservice-requests-availability", sloth_service="myservice"} > (14.4 * 0.001))"#.into(),
        labels: labels(&[("sloth_severity", "page"), ("severity", "pageteam")]),
        annotations: labels(&[("runbook", "https://r")]),
        ..RawRule::default()
    };
    let defs = rule_defs(&[recording("5m"), recording("1h"), alert]);
    assert_eq!(defs.len(), 1);
    let d = &defs[0];
    assert_eq!(
        d.labels.get("sloth_service").map(String::as_str),
        Some("myservice")
    );
    assert_eq!(d.labels.get("owner").map(String::as_str), Some("myteam"));
    assert!(d.multi_window);
    let rules = QualityRules {
        owner_label: "owner".into(),
        ..QualityRules::default()
    };
    let report = Quality::new(rules, week(), &[], t(24 * 8, 0)).finish(&defs);
    assert!(report.rules_to_fix.is_empty(), "{:?}", report.rules_to_fix);
}
