#!/usr/bin/env python3
"""`sitrep review` of 4 periods over 1,000 incidents and 500 alert rules with a week of
1-minute `ALERTS` history, end to end against a loopback Prometheus.

The history: 500 alert series (one per rule, all in the rules API), each firing 10
minutes of every hour for the 7 days before now, sampled every minute (84,000 firings,
840,000 samples), backfilled with `promtool tsdb create-blocks-from openmetrics`. The
database: 1,000 incidents declared through the CLI, each linked to one rule's alert.

Measures, on the release binary, 5 runs each (median, max): wall time and peak RSS
(`/usr/bin/time` style, from `os.wait4`) of `sitrep review --json` (the trend reads
the four weeks, so Prometheus answers 28 days of edges); as same-run baselines, the
same review with the Prometheus source removed (the database part alone) and `curl`
fetching one week of the edges query (Prometheus' own time for that answer).

Run: benches/review-live.py (builds the release binary; needs python3, curl and
Debian's prometheus package).
"""
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "sitrep"], cwd=ROOT, check=True)
BIN = os.environ.get("SITREP_BENCH_BIN") or os.path.join(ROOT, "target", "release", "sitrep")
RULES, INCIDENTS, RUNS = 500, 1_000, 5
work = tempfile.mkdtemp(prefix="sitrep-review-live-")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measured(args, env):
    """Wall seconds and peak RSS (MiB) of one run."""
    # Output goes to files: a pipe nobody reads fills at 64 KiB and stalls the run.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        if status != 0:
            raise SystemExit(f"{args} failed: {err.read().decode()}")
        return wall, usage.ru_maxrss / 1024, out.read()


now = int(time.time()) // 60 * 60
week = 7 * 86_400
print("writing the history…", flush=True)
om = os.path.join(work, "history.om")
with open(om, "w") as f:
    f.write("# TYPE ALERTS gauge\n")
    for r in range(RULES):
        labels = (f'alertstate="firing",alertname="Rule{r:03}",service="svc{r % 50}",'
                  f'severity="critical",team="t{r % 10}"')
        t = now - week
        while t < now - 60:
            if (t // 60) % 60 < 10:
                f.write(f"ALERTS{{{labels}}} 1 {t}\n")
            t += 60
    f.write("# EOF\n")
rules = os.path.join(work, "rules.yml")
with open(rules, "w") as f:
    f.write("groups:\n- name: bench\n  interval: 1m\n  rules:\n")
    for r in range(RULES):
        f.write(f"  - alert: Rule{r:03}\n    expr: sitrep_bench_never > 0\n    for: 5m\n"
                f"    labels: {{severity: critical, team: t{r % 10}, service: svc{r % 50}}}\n"
                f"    annotations: {{runbook_url: 'https://r/{r}'}}\n")
data = os.path.join(work, "data")
t0 = time.monotonic()
subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", om, data], check=True,
               stdout=subprocess.DEVNULL)
print(f"backfilled in {time.monotonic() - t0:.0f} s", flush=True)
cfg = os.path.join(work, "prometheus.yml")
with open(cfg, "w") as f:
    f.write(f"global:\n  evaluation_interval: 1m\nrule_files:\n  - {rules}\n")
port = free_port()
prom = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                         "--storage.tsdb.retention.time=90d", f"--web.listen-address=127.0.0.1:{port}"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
url = f"http://127.0.0.1:{port}"
try:
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=1).read()
            break
        except Exception:
            time.sleep(0.2)

    db = os.path.join(work, "sitrep.db")
    with_prom = os.path.join(work, "with.toml")
    without = os.path.join(work, "without.toml")
    with open(with_prom, "w") as f:
        f.write(f'[[sources]]\nname = "prom"\nkind = "prometheus"\nurls = ["{url}"]\n\n[review]\nzone = "UTC"\n')
    with open(without, "w") as f:
        f.write('[review]\nzone = "UTC"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
    env.update(SITREP_DB=db, SITREP_USER="bench", HOME=work, XDG_CONFIG_HOME=os.path.join(work, "cfg"))
    print("declaring 1,000 incidents…", flush=True)
    for i in range(INCIDENTS):
        subprocess.run([BIN, "declare", "--title", f"incident {i}", "--severity", "P1" if i % 3 else "P2",
                        "--service", f"svc{i % 50}", "--trigger-time", f"{1 + i % 600}m ago"],
                       env={**env, "SITREP_CONFIG": without}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def runs(config):
        e = {**env, "SITREP_CONFIG": config}
        got = []
        for _ in range(RUNS):
            got.append(measured([BIN, "--json", "review", "--since", "7d"], e))
            print(f"review ({os.path.basename(config)}): {got[-1][0]:.1f} s", flush=True)
        return [g[0] for g in got], [g[1] for g in got], got[-1][2]

    walls, rss, out = runs(with_prom)
    review = json.loads(out)
    assert review["alerts"]["history"]["used"] == "prometheus", review["alerts"]["history"]
    base_walls, base_rss, _ = runs(without)
    edges = ('label_replace(count_over_time(ALERTS{alertstate="firing"}[59999ms]) unless '
             'count_over_time(ALERTS{alertstate="firing"}[59999ms] offset 60s), "e", "s", "alertname", ".*")')
    curl = []
    for _ in range(RUNS):
        q = urllib.parse.urlencode({"query": edges, "start": now - week, "end": now - 60, "step": "60s"})
        t = time.monotonic()
        subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{url}/api/v1/query_range?{q}"], check=True)
        curl.append(time.monotonic() - t)
    print(json.dumps({
        "firings_counted": review["alerts"]["periods"][0]["firings"],
        "rules_fired": review["alerts"]["rules_fired"],
        "review_s": {"median": round(statistics.median(walls), 2), "max": round(max(walls), 2)},
        "review_peak_rss_mib": {"median": round(statistics.median(rss)), "max": round(max(rss))},
        "without_prometheus_s": {"median": round(statistics.median(base_walls), 2)},
        "without_prometheus_rss_mib": round(statistics.median(base_rss)),
        "curl_one_week_of_starts_s": {"median": round(statistics.median(curl), 2)},
        "ratio_review_to_curl": round(statistics.median(walls) / statistics.median(curl), 1),
    }, indent=2))
finally:
    prom.terminate()
    prom.wait()
