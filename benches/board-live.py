#!/usr/bin/env python3
"""The TUI's board on a real Alertmanager holding 60,000 realistic alerts.

Each alert has a summary, a description and a runbook_url (the answer is about
49 MB); the TUI runs in tmux with no settings but the source's URL: the default
size cap and the default 15 s poll. Measures, on the release binary:

- how long from start to the board listing all 60,000 alerts;
- the TUI's CPU over 60 s with nothing changing (utime + stime from /proc, % of one
  core) and its peak RSS (VmHWM) after those 60 s;
- same-run baseline: `curl` reading the same answer every 15 s for the same 60 s
  (its CPU, summed over the four processes), the least any poller of the whole list
  can spend; and Alertmanager's own CPU answering the TUI.

Run: benches/board-live.py (builds the release binary; needs tmux, curl, python3 and
Debian's prometheus-alertmanager).
"""
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "common"))
from live import alertmanager, cpu_seconds, post, release_binary, rfc3339, rss_mib  # noqa: E402

BIN = release_binary()
ALERTS, BATCH, WINDOW, POLL = 60_000, 5_000, 60, 15
work = tempfile.mkdtemp(prefix="sitrep-board-live-")
am, AM = alertmanager(work)
sock = f"{work}/tmux.sock"


def tmux(*args):
    return subprocess.run(["tmux", "-S", sock, *args], capture_output=True, text=True)


try:
    now = datetime.now(timezone.utc)
    starts, ends = rfc3339(now - timedelta(minutes=5)), rfc3339(now + timedelta(hours=2))
    services = ["room", "cdn-edge", "chat", "gifting", "moderation", "auth"]
    regions = ["eu-west", "us-east", "ap-south"]
    for start in range(0, ALERTS, BATCH):
        post(f"{AM}/api/v2/alerts", [{
            "labels": {"alertname": f"PodCrashLooping{i // 50}",
                       "severity": "critical" if i % 4 == 0 else "warning",
                       "service": services[i % 6], "region": regions[i % 3], "pod": f"pod-{i}",
                       "namespace": f"{services[i % 6]}-prod", "job": "kube-state-metrics"},
            "annotations": {
                "summary": f"Pod {services[i % 6]}-prod/pod-{i} is crash looping",
                "description": f"Pod {services[i % 6]}-prod/pod-{i} (container app) is in waiting state "
                               f"(reason: CrashLoopBackOff) and has restarted {i % 17 + 3} times in the "
                               f"last 15 minutes. Check the container logs and the last rollout.",
                "runbook_url": f"https://runbooks.example.com/alerts/podcrashlooping#{services[i % 6]}"},
            "generatorURL": f"http://prometheus:9090/graph?g0.expr=kube_pod_container_status_restarts_total%7Bpod%3D%22pod-{i}%22%7D",
            "startsAt": starts, "endsAt": ends} for i in range(start, start + BATCH)])
    url = f"{AM}/api/v2/alerts?active=true&silenced=true&inhibited=true"
    first = urllib.request.urlopen(url, timeout=60).read()
    second = urllib.request.urlopen(url, timeout=60).read()
    print(f"answer: {len(first) / 1e6:.1f} MB, two GETs byte-identical: {first == second}", flush=True)

    # SITREP_BENCH_POLL=1h: the same board with no poll in the window (what the TUI
    # costs besides polling).
    poll = os.environ.get("SITREP_BENCH_POLL")
    extra = f'poll_interval = "{poll}"\n' if poll else ""
    open(f"{work}/config.toml", "w").write(
        f'[[sources]]\nname = "am"\nkind = "alertmanager"\nurls = ["{AM}"]\n{extra}\n[escalation]\nenabled = false\n')
    env = (f"env SITREP_CONFIG={work}/config.toml SITREP_DB={work}/live.db SITREP_USER=bench "
           f"HOME={work} XDG_DATA_HOME={work}/data XDG_STATE_HOME={work}/state")
    started = time.monotonic()
    tmux("new-session", "-d", "-s", "b", "-x", "200", "-y", "60", f"{env} {BIN}")
    pid = int(tmux("display-message", "-p", "-t", "b", "#{pane_pid}").stdout.strip())
    while f"Alerts ({ALERTS}" not in tmux("capture-pane", "-p", "-t", "b").stdout:
        if time.monotonic() - started > 120:
            sys.exit("the board never listed the alerts:\n" + tmux("capture-pane", "-p", "-t", "b").stdout)
        time.sleep(0.05)
    shown = time.monotonic() - started
    at_first = rss_mib(pid)
    # The sitrep process is the pane's process (env execs it).
    time.sleep(POLL)  # one poll of the unchanged answer before measuring
    t0, s0, a0 = time.monotonic(), cpu_seconds(pid), cpu_seconds(am.pid)
    if os.environ.get("SITREP_BENCH_PERF"):  # where the TUI's CPU goes: perf report -i …
        subprocess.run(["perf", "record", "-g", "-o", os.environ["SITREP_BENCH_PERF"], "-p",
                        str(pid), "--", "sleep", str(WINDOW)], capture_output=True)
    else:
        time.sleep(WINDOW)
    t1, s1, a1 = time.monotonic(), cpu_seconds(pid), cpu_seconds(am.pid)
    rss, now_rss = rss_mib(pid), rss_mib(pid, "VmRSS")
    tui_cpu, am_cpu = 100 * (s1 - s0) / (t1 - t0), 100 * (a1 - a0) / (t1 - t0)
    tmux("kill-server")

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    b0 = time.monotonic()
    for _ in range(WINDOW // POLL):
        began = time.monotonic()
        subprocess.run(["curl", "-s", "-o", "/dev/null", url], check=True)
        time.sleep(max(0, POLL - (time.monotonic() - began)))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    curl_cpu = 100 * ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / (time.monotonic() - b0)
    print(f"alerts in Alertmanager: {ALERTS}, default cap and poll ({POLL} s)")
    print(f"board lists all {ALERTS} alerts after {shown:.1f} s")
    print(f"TUI CPU, {WINDOW} s with nothing changing: {tui_cpu:.2f}% of one core "
          f"(Alertmanager answering it: {am_cpu:.1f}%)")
    print(f"TUI peak RSS: {rss:.0f} MiB (when the board first listed them: {at_first:.0f} MiB; "
          f"resident at the end: {now_rss:.0f} MiB)")
    print(f"baseline: curl of the same answer every {POLL} s: {curl_cpu:.2f}% of one core "
          f"→ TUI / curl {tui_cpu / curl_cpu:.2f}×")
finally:
    tmux("kill-server")
    am.terminate()
    am.wait()
