#!/usr/bin/env python3
"""`sitrep watch` against a real Alertmanager holding 60,000 alerts, polled every 2 s.

Measures, on the release binary:
- the watcher's CPU over 60 s (utime + stime from /proc, % of one core) and its
  peak RSS (VmHWM), with Alertmanager's own CPU over the same 60 s as the same-run
  baseline (it is answering the same polls);
- from an alert resolving in Alertmanager (its POST returned) to the entry in the
  incident's timeline (the SQLite file polled every 5 ms): 10 rounds of resolve and
  fire again, median and max of each.

Run: benches/watch-live.py (builds the release binary; needs python3 and Debian's
prometheus-alertmanager).
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "common"))
from live import alertmanager, cpu_seconds, post, release_binary, rfc3339, rss_mib  # noqa: E402

BIN = release_binary()
ALERTS, BATCH, ROUNDS, WINDOW = 60_000, 5_000, 10, 60
work = tempfile.mkdtemp(prefix="sitrep-watch-live-")
am, AM = alertmanager(work)
watch = None
try:
    now = datetime.now(timezone.utc)
    starts, ends = rfc3339(now - timedelta(minutes=5)), rfc3339(now + timedelta(hours=2))
    services = ["room", "cdn-edge", "chat", "gifting", "moderation", "auth"]
    regions = ["eu-west", "us-east", "ap-south"]
    for start in range(0, ALERTS, BATCH):
        post(f"{AM}/api/v2/alerts", [{
            "labels": {"alertname": f"PodCrashLooping{i // 50}",
                       "severity": "critical" if i % 4 == 0 else "warning",
                       "service": services[i % 6], "region": regions[i % 3], "pod": f"pod-{i}"},
            "annotations": {"summary": f"pod {i} restarting"},
            "startsAt": starts, "endsAt": ends} for i in range(start, start + BATCH)])
    linked = {"alertname": "BenchLinked", "severity": "critical", "service": "bench", "region": "eu-west"}
    post(f"{AM}/api/v2/alerts", [{"labels": linked, "startsAt": starts, "endsAt": ends}])
    alerts = json.load(urllib.request.urlopen(f"{AM}/api/v2/alerts?filter=alertname%3D%22BenchLinked%22"))
    fingerprint = alerts[0]["fingerprint"]

    db = f"{work}/live.db"
    open(f"{work}/config.toml", "w").write(
        f'[[sources]]\nname = "am"\nkind = "alertmanager"\nurls = ["{AM}"]\npoll_interval = "2s"\n'
        f'max_response_bytes = 268435456\n\n[escalation]\nenabled = false\n')
    env = dict(os.environ, SITREP_CONFIG=f"{work}/config.toml", SITREP_DB=db, SITREP_USER="bench",
               HOME=work, XDG_DATA_HOME=f"{work}/data", XDG_STATE_HOME=f"{work}/state")
    out = subprocess.run([BIN, "declare", "--title", "bench", "--severity", "P1", "--alert", fingerprint],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"declare failed: {out.stderr}")
    watch = subprocess.Popen([BIN, "watch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(10)  # the first answers parsed, the set built

    w0, a0, t0 = cpu_seconds(watch.pid), cpu_seconds(am.pid), time.monotonic()
    if os.environ.get("SITREP_BENCH_PERF"):  # where the watcher's CPU goes: perf report -i …
        subprocess.run(["perf", "record", "-g", "-o", os.environ["SITREP_BENCH_PERF"], "-p",
                        str(watch.pid), "--", "sleep", str(WINDOW)], capture_output=True)
    else:
        time.sleep(WINDOW)
    w1, a1, t1 = cpu_seconds(watch.pid), cpu_seconds(am.pid), time.monotonic()
    watch_cpu = 100 * (w1 - w0) / (t1 - t0)
    am_cpu = 100 * (a1 - a0) / (t1 - t0)

    conn = sqlite3.connect(db)

    def count(prefix):
        return conn.execute("SELECT count(*) FROM timeline_entry WHERE kind = 'alert' AND text LIKE ?",
                            (prefix + "%",)).fetchone()[0]

    def wait_for(prefix, before):
        while count(prefix) == before:
            time.sleep(0.005)

    resolved, fired = [], []
    for _ in range(ROUNDS):
        before = count("alert resolved")
        post(f"{AM}/api/v2/alerts", [{"labels": linked, "endsAt": rfc3339(datetime.now(timezone.utc) - timedelta(seconds=1))}])
        t = time.monotonic()
        wait_for("alert resolved", before)
        resolved.append(time.monotonic() - t)
        time.sleep(1)
        before = count("alert firing again")
        post(f"{AM}/api/v2/alerts", [{"labels": linked, "startsAt": starts, "endsAt": ends}])
        t = time.monotonic()
        wait_for("alert firing again", before)
        fired.append(time.monotonic() - t)
        time.sleep(1)
    rss = rss_mib(watch.pid)
    watch.terminate()
    watch.wait()
    watch = None

    # Same-run baseline: the least any 2 s poller of the whole list can do. curl reads
    # the answer every 2 s (fixed rate, as the watcher) and grep says whether the
    # linked alert is in it; a change counts as seen when that poll has finished.
    import threading
    url = f"{AM}/api/v2/alerts?active=true&silenced=true&inhibited=true"
    present, gets, stop = [None, 0.0], [], threading.Event()

    def poller():
        while not stop.is_set():
            began = time.monotonic()
            out = subprocess.run(f"curl -s '{url}' | grep -c BenchLinked", shell=True,
                                 capture_output=True, text=True)
            gets.append(time.monotonic() - began)
            firing = out.stdout.strip() not in ("", "0")
            if firing != present[0]:
                present[0], present[1] = firing, time.monotonic()
            stop.wait(max(0.1, 2 - (time.monotonic() - began)))

    thread = threading.Thread(target=poller)
    thread.start()
    while present[0] is None:
        time.sleep(0.01)
    base_resolved, base_fired = [], []
    for _ in range(ROUNDS):
        for firing, body, out in [(False, [{"labels": linked, "endsAt": rfc3339(datetime.now(timezone.utc) - timedelta(seconds=1))}], base_resolved),
                                  (True, [{"labels": linked, "startsAt": starts, "endsAt": ends}], base_fired)]:
            post(f"{AM}/api/v2/alerts", body)
            t = time.monotonic()
            while present[0] != firing:
                time.sleep(0.005)
            out.append(present[1] - t)
            time.sleep(1)
    stop.set()
    thread.join()
    ms = lambda xs: f"median {1000 * statistics.median(xs):.0f} ms, max {1000 * max(xs):.0f} ms"
    print(f"alerts in Alertmanager: {ALERTS + 1}, poll every 2 s, {WINDOW} s window")
    print(f"watcher CPU: {watch_cpu:.1f}% of one core (Alertmanager answering the same polls: {am_cpu:.1f}%)")
    print(f"watcher peak RSS: {rss:.0f} MiB")
    print(f"alert resolved -> timeline entry ({ROUNDS} rounds): {ms(resolved)}")
    print(f"alert firing again -> timeline entry ({ROUNDS} rounds): {ms(fired)}")
    print(f"baseline, curl | grep every 2 s, change seen ({ROUNDS} rounds each): resolved {ms(base_resolved)}; firing {ms(base_fired)}")
    print(f"baseline: one GET of the whole list takes {ms(gets)}")
    both, base = resolved + fired, base_resolved + base_fired
    print(f"watcher / baseline, medians: {statistics.median(both) / statistics.median(base):.2f}x")
finally:
    if watch:
        watch.terminate()
        watch.wait()
    am.terminate()
    am.wait()
