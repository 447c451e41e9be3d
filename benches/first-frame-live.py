#!/usr/bin/env python3
"""From launch to the board listing every alert, against the bare floor, in tmux.

A real Alertmanager holds N alerts (3,000 unless given); in a fresh tmux pane, 10
rounds each, alternating:

  measured  `sitrep` (release, the source in its config) until the pane shows
            "Alerts (N"
  baseline  `curl -s URL > /dev/null; echo fetched` until the pane shows "fetched":
            starting a process in tmux and reading the same answer

The pane is polled every 2 ms. Medians and their ratio.

Run: benches/first-frame-live.py [N] (builds the release binary; needs tmux, curl,
python3 and Debian's prometheus-alertmanager).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "common"))
from live import alertmanager, post, release_binary, rfc3339  # noqa: E402

BIN = release_binary()
N = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
ROUNDS = 10
work = tempfile.mkdtemp(prefix="sitrep-first-frame-")
am, AM = alertmanager(work)
sockets = iter(f"{work}/tmux-{n}.sock" for n in range(1000))


def time_to(command, needle):
    sock = next(sockets)

    def tmux(*args):
        return subprocess.run(["tmux", "-S", sock, *args], capture_output=True, text=True)

    started = time.perf_counter()
    tmux("new-session", "-d", "-s", "b", "-x", "200", "-y", "60", command)
    while needle not in tmux("capture-pane", "-p", "-t", "b").stdout:
        if time.perf_counter() - started > 60:
            sys.exit(f"'{needle}' never showed:\n" + tmux("capture-pane", "-p", "-t", "b").stdout)
        time.sleep(0.002)
    took = time.perf_counter() - started
    tmux("kill-server")
    return took


try:
    now = datetime.now(timezone.utc)
    starts, ends = rfc3339(now - timedelta(minutes=5)), rfc3339(now + timedelta(hours=2))
    services = ["room", "cdn-edge", "chat", "gifting", "moderation", "auth"]
    for start in range(0, N, 1000):
        post(f"{AM}/api/v2/alerts", [{
            "labels": {"alertname": f"PodCrashLooping{i // 50}", "severity": "warning",
                       "service": services[i % 6], "pod": f"pod-{i}"},
            "annotations": {"summary": f"pod {i} restarting",
                            "runbook_url": "https://runbooks.example.com/pods"},
            "startsAt": starts, "endsAt": ends} for i in range(start, min(N, start + 1000))])
    open(f"{work}/config.toml", "w").write(
        f'[[sources]]\nname = "am"\nkind = "alertmanager"\nurls = ["{AM}"]\n\n[escalation]\nenabled = false\n')
    env = (f"env SITREP_CONFIG={work}/config.toml SITREP_DB={work}/live.db SITREP_USER=bench "
           f"HOME={work} XDG_DATA_HOME={work}/data XDG_STATE_HOME={work}/state")
    url = f"{AM}/api/v2/alerts?active=true&silenced=true&inhibited=true"
    sitrep, curl = [], []
    for _ in range(ROUNDS):
        sitrep.append(time_to(f"{env} {BIN}", f"Alerts ({N}"))
        curl.append(time_to(f"sh -c 'curl -s \"{url}\" > /dev/null; echo fetched; sleep 60'", "fetched"))
    s, c = statistics.median(sitrep), statistics.median(curl)
    print(f"{N} alerts, {ROUNDS} rounds: sitrep to the full board median {s * 1000:.0f} ms "
          f"(min {min(sitrep) * 1000:.0f}, max {max(sitrep) * 1000:.0f}); curl; echo in tmux median "
          f"{c * 1000:.0f} ms (min {min(curl) * 1000:.0f}) → {s / c:.2f}×")
finally:
    am.terminate()
    am.wait()
