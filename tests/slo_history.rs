//! SLO figures against a real Prometheus holding a known history, backfilled with
//! `promtool tsdb create-blocks-from openmetrics`: Sloth's recording-rule series
//! written minute by minute, so every expected figure is a hand computation.

mod common;

use chrono::Utc;
use common::backend::Server;
use serde_json::Value;

const DAY: i64 = 86_400;
const SERIES: &str = "slo:sli_error:ratio_rate";

/// One history: lines of OpenMetrics for the series of `slo` in `region`.
struct History {
    lines: Vec<String>,
    now: i64,
}

impl History {
    fn new() -> Self {
        Self {
            lines: Vec::new(),
            now: Utc::now().timestamp(),
        }
    }

    /// `value(t)` (None: no sample) for each minute from `ago_secs` before now to a
    /// minute ago, on the `window` rule of `slo`, with `extra` labels.
    fn series(
        &mut self,
        slo: &str,
        window: &str,
        region: &str,
        extra: &str,
        ago_secs: i64,
        value: impl Fn(i64) -> Option<String>,
    ) {
        let labels =
            format!("{{sloth_service=\"room\",sloth_slo=\"{slo}\",region=\"{region}\"{extra}}}");
        let mut t = self.now - ago_secs;
        while t <= self.now - 60 {
            if let Some(v) = value(t) {
                self.lines.push(format!("{SERIES}{window}{labels} {v} {t}"));
            }
            t += 60;
        }
    }

    /// The same value on every window the live status reads, over the last 10 minutes.
    fn live(&mut self, slo: &str, region: &str, extra: &str, ratio: &str) {
        for window in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
            self.series(slo, window, region, extra, 600, |_| Some(ratio.to_string()));
        }
    }

    fn server(self) -> Server {
        // OpenMetrics wants each metric family's samples together, oldest first.
        let mut lines = self.lines;
        lines.sort_by(|a, b| {
            let key = |l: &str| {
                let (name, rest) = l.split_once(' ').unwrap_or((l, ""));
                let t: i64 = rest.rsplit(' ').next().unwrap_or("0").parse().unwrap_or(0);
                (
                    name.split('{').next().unwrap_or("").to_string(),
                    name.to_string(),
                    t,
                )
            };
            key(a).cmp(&key(b))
        });
        let mut text = String::new();
        let mut family = String::new();
        for line in lines {
            let name = line.split('{').next().unwrap_or("").to_string();
            if name != family {
                text.push_str(&format!("# TYPE {name} gauge\n"));
                family = name;
            }
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str("# EOF\n");
        Server::prometheus_with_history(text)
    }
}

fn config(prometheus: &str, slos: &[(&str, f64, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        format!("[[sources]]\nname = \"prom\"\nkind = \"prometheus\"\nurls = [\"{prometheus}\"]\n");
    for (name, objective, query) in slos {
        text.push_str(&format!(
            "\n[[slos]]\nname = \"{name}\"\nservice = \"room\"\nobjective = {objective}\n"
        ));
        if let Some(q) = query {
            text.push_str(&format!("query = '{q}'\n"));
        }
    }
    std::fs::write(dir.path().join("config.toml"), text).unwrap();
    dir
}

fn sitrep(dir: &tempfile::TempDir, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = common::backend::sitrep_on(&dir.path().join("sitrep.db"))
        .env("SITREP_CONFIG", dir.path().join("config.toml"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn budget<'a>(review: &'a Value, slo: &str, region: &str) -> &'a Value {
    review["error_budget"]
        .as_array()
        .and_then(|a| a.iter().find(|b| b["slo"] == slo && b["region"] == region))
        .unwrap_or_else(|| panic!("no {slo}/{region} in {review}"))
}

/// The review counts the time the data covers, not the time asked about; a
/// 10-minute traffic gap (NaN) is skipped and said, not a week of "no data".
#[test]
fn the_review_burns_over_the_data_held_and_skips_minutes_without_traffic() {
    let mut h = History::new();
    // eu: 1% errors for exactly a week. us: the same with a 10-minute gap of NaN
    // three days ago. ap: a single minute at 8%.
    let week = 7 * DAY;
    h.series("stream-start-success", "5m", "eu", "", week, |_| {
        Some("0.01".into())
    });
    let gap = (h.now - 3 * DAY, h.now - 3 * DAY + 600);
    h.series("stream-start-success", "5m", "us", "", week, |t| {
        Some(
            if t >= gap.0 && t < gap.1 {
                "NaN"
            } else {
                "0.01"
            }
            .into(),
        )
    });
    h.series("stream-start-success", "5m", "ap", "", 60, |_| {
        Some("0.08".into())
    });
    let prometheus = h.server();
    let dir = config(&prometheus.url, &[("stream-start-success", 99.5, None)]);

    let (code, r7, stderr) = sitrep(&dir, &["review", "--since", "7d", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (_, r14, _) = sitrep(&dir, &["review", "--since", "14d", "--json"]);
    // 0.01 × 7d / (0.005 × 30d) = 7/15, whichever period is asked.
    for r in [&r7, &r14] {
        let eu = budget(r, "stream-start-success", "eu");
        let burned = eu["burned"].as_f64().unwrap_or_else(|| panic!("{eu}"));
        assert!((burned - 7.0 / 15.0).abs() < 0.005, "{eu}");
    }
    let eu14 = budget(&r14, "stream-start-success", "eu");
    assert_eq!(eu14["coverage"], "7d00h of 14d00h", "{eu14}");
    let eu7 = budget(&r7, "stream-start-success", "eu");
    assert_eq!(eu7["coverage"], "all of 7d00h", "{eu7}");

    // The gap: ten minutes skipped, the rest counted.
    let us = budget(&r7, "stream-start-success", "us");
    let skipped = us["skipped_minutes"]
        .as_u64()
        .unwrap_or_else(|| panic!("{us}"));
    assert!((9..=11).contains(&skipped), "{us}");
    let expected = 0.01 * ((7 * 1440 - skipped) as f64 * 60.0) / (0.005 * 30.0 * 86400.0);
    let burned = us["burned"].as_f64().unwrap_or_else(|| panic!("{us}"));
    assert!((burned - expected).abs() < 0.005, "{us} vs {expected}");
    assert!(
        us["coverage"]
            .as_str()
            .unwrap()
            .contains("min without traffic skipped"),
        "{us}"
    );

    // A minute of data is a few minutes' burn (the lookback), not a week's 373%.
    let ap = budget(&r7, "stream-start-success", "ap");
    let burned = ap["burned"].as_f64().unwrap_or_else(|| panic!("{ap}"));
    assert!(burned < 0.001, "{ap}");
    assert!(
        ap["coverage"].as_str().unwrap().ends_with("of 7d00h"),
        "{ap}"
    );

    // The Markdown says it too.
    let out = common::backend::sitrep_on(&dir.path().join("sitrep.db"))
        .env("SITREP_CONFIG", dir.path().join("config.toml"))
        .args(["review", "--since", "14d"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("| room | eu | stream-start-success | 46.7% | 7d00h of 14d00h |"),
        "{text}"
    );
}

/// The live status: a ratio above 1 is invalid (not a 200x page); two series for
/// one region are that SLO's problem; a scalar or a range says what the query must
/// return; a burn exactly at a threshold does not cross it, a hair above does.
#[test]
fn slo_figures_say_what_is_wrong_instead_of_computing_it() {
    let mut h = History::new();
    h.live("above-one", "eu", "", "2");
    h.live("per-pod", "eu", ",pod=\"a\"", "0.001");
    h.live("per-pod", "eu", ",pod=\"b\"", "0.5");
    h.live("at-threshold", "eu", "", "0.072");
    h.live("over-threshold", "eu", "", "0.0721");
    let prometheus = h.server();
    let scalar = format!("scalar({SERIES}{{{{window}}}}{{sloth_slo=\"at-threshold\"}})");
    let range = format!("{SERIES}{{{{window}}}}{{sloth_slo=\"at-threshold\"}}[5m]");
    let dir = config(
        &prometheus.url,
        &[
            ("above-one", 99.5, None),
            ("per-pod", 99.5, None),
            ("at-threshold", 99.5, None),
            ("over-threshold", 99.5, None),
            ("scalar", 99.5, Some(&scalar)),
            ("range", 99.5, Some(&range)),
        ],
    );
    let (_, v, stderr) = sitrep(&dir, &["slo", "--json"]);
    let status = |slo: &str| -> &Value {
        v["slos"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["slo"] == slo))
            .unwrap_or_else(|| panic!("no {slo}: {v} {stderr}"))
    };
    let error = |slo: &str| -> String {
        v["errors"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["slo"] == slo))
            .map(|e| e["error"].to_string())
            .unwrap_or_else(|| panic!("no error for {slo}: {v}"))
    };
    let above = status("above-one");
    assert!(above["crossed"].is_null(), "no page from nonsense: {above}");
    assert!(above["burn_1h"].is_null(), "{above}");
    assert!(
        above["problems"]
            .to_string()
            .contains("invalid error ratio 2 over 1h (above 1"),
        "{above}"
    );
    assert!(
        error("per-pod").contains("several series for region eu; sum by (region)"),
        "{v}"
    );
    for slo in ["scalar", "range"] {
        let e = error(slo);
        assert!(e.contains("must return an instant vector"), "{e}");
        assert!(
            !e.contains("invalid type") && !e.contains("missing field"),
            "{e}"
        );
    }
    // 0.072 / 0.005 = 14.4 exactly: not over the 14.4x page, over the 6x one.
    let at = status("at-threshold");
    assert_eq!(at["crossed"]["name"], "page: 6x over 6h and 30m", "{at}");
    let over = status("over-threshold");
    assert_eq!(
        over["crossed"]["name"], "page: 14.4x over 1h and 5m",
        "{over}"
    );
}

/// The postmortem's "Error budget burned": for each SLO of the incident's service,
/// the share of its window's budget burned from the trigger to the resolution, in
/// the incident's regions only; an SLO that fails says why and the export succeeds.
#[test]
fn the_postmortem_fills_in_the_budget_the_incident_burned() {
    let mut h = History::new();
    // The last four hours: eu at 1% errors, us at 2%, ap (not the incident's) at 50%.
    for (region, ratio) in [("eu", "0.01"), ("us", "0.02"), ("ap", "0.5")] {
        h.series("stream-start-success", "5m", region, "", 4 * 3600, |_| {
            Some(ratio.into())
        });
    }
    let prometheus = h.server();
    let broken = format!("sum by (region) ({SERIES}{{{{window}}}}");
    let dir = config(
        &prometheus.url,
        &[
            ("stream-start-success", 99.5, None),
            ("broken", 99.5, Some(&broken)),
        ],
    );
    // An SLO of another service: never read for this incident.
    let config_file = dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config_file).unwrap();
    text.push_str(
        "\n[[slos]]\nname = \"chat-delivery\"\nservice = \"chat\"\nobjective = 99.9\nquery = 'nonsense({{window}}'\n",
    );
    std::fs::write(&config_file, text).unwrap();

    let trigger = (Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let args = [
        "declare",
        "--title",
        "Stream starts failing",
        "--severity",
        "p1",
        "--service",
        "room",
        "--region",
        "eu",
        "--region",
        "us",
        "--trigger-time",
        &trigger,
    ];
    let (code, _, stderr) = sitrep(&dir, &args);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = sitrep(&dir, &["resolve", "1"]);
    assert_eq!(code, Some(0), "{stderr}");

    let out = common::backend::sitrep_on(&dir.path().join("sitrep.db"))
        .env("SITREP_CONFIG", &config_file)
        .args(["export", "1", "-o", "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // By hand, over the 2h window: eu 0.01 × 2h / (0.005 × 30d) = 0.56%;
    // us 0.02 × 2h / (0.005 × 30d) = 1.11%.
    assert!(
        text.contains(
            "| room | eu | stream-start-success | 0.56% of its 30d budget | all of 2h00m |"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "| room | us | stream-start-success | 1.11% of its 30d budget | all of 2h00m |"
        ),
        "{text}"
    );
    assert!(
        !text.contains("| ap |"),
        "only the incident's regions: {text}"
    );
    assert!(
        text.contains("from the trigger to the resolution, read from Prometheus"),
        "{text}"
    );
    let unread = text
        .lines()
        .find(|l| l.contains("Could not read broken:"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(unread.contains("HTTP 400"), "{unread}");
    assert!(stderr.contains("warning: slo 'broken'"), "{stderr}");
    assert!(
        !text.contains("chat-delivery") && !stderr.contains("chat-delivery"),
        "{text}{stderr}"
    );
    assert!(!text.contains("To fill in: the SLOs affected"), "{text}");

    // An incident that names no service: the prompt stays and says why.
    let (code, _, stderr) = sitrep(&dir, &["declare", "--title", "Odd", "--severity", "p2"]);
    assert_eq!(code, Some(0), "{stderr}");
    let out = common::backend::sitrep_on(&dir.path().join("sitrep.db"))
        .env("SITREP_CONFIG", &config_file)
        .args(["export", "2", "-o", "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("To fill in: the SLOs affected")
            && text.contains("sitrep read none: the incident names no service")
            && text.contains("sitrep edit 2 --service NAME"),
        "{text}"
    );

    // The customer draft never shows budget figures.
    let comms = common::backend::sitrep_on(&dir.path().join("sitrep.db"))
        .env("SITREP_CONFIG", &config_file)
        .args(["comms", "1"])
        .output()
        .unwrap();
    let comms = String::from_utf8_lossy(&comms.stdout);
    assert!(!comms.contains("budget") && !comms.contains('%'), "{comms}");
}
