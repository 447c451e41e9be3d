#!/usr/bin/env python3
"""Times the real TUI in tmux, in one run, against a baseline:

* startup to the first full frame with a 10,000-incident database: from launching
  `sitrep` in a tmux pane to the pane showing "Open incidents (10000)", polled every
  2 ms; the baseline is the same launch and poll of a shell `echo` of that text, so
  tmux's own cost can be subtracted;
* idle CPU over 10 s with the demo feed playing (utime + stime from /proc).

Run: benches/tui-live.py (builds the release binary; needs tmux and python3).
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
BIN = os.path.join(ROOT, "target", "release", "sitrep")
work = tempfile.mkdtemp(prefix="sitrep-tui-bench-")
db = os.path.join(work, "big.db")
sockets = iter(os.path.join(work, f"tmux-{n}.sock") for n in range(1000))
sock = next(sockets)
env = dict(os.environ, SITREP_DB=db, SITREP_USER="bench", SITREP_CONFIG=os.path.join(work, "c.toml"))
open(env["SITREP_CONFIG"], "w").close()

# The schema comes from sitrep itself; the 10,000 incidents go in with one transaction.
subprocess.run([BIN, "list"], env=env, check=True, capture_output=True)
conn = sqlite3.connect(db)
with conn:
    conn.executemany(
        "INSERT INTO incident (title, severity, status, commander, trigger_ms, declared_ms, declared_by, regions)"
        " VALUES (?, ?, 'investigating', 'alice', ?, ?, 'alice', '[\"eu-west\"]')",
        [(f"incident {i}: stream start success below objective", "P1" if i % 3 == 0 else "P2",
          1795000000000 + i * 1000, 1795000060000 + i * 1000) for i in range(10_000)],
    )
conn.close()


def tmux(*args):
    return subprocess.run(["tmux", "-S", sock, *args], capture_output=True, text=True, env=env)


def time_to_text(command, needle):
    # A server of its own each time: a killed server exits asynchronously.
    global sock
    tmux("kill-server")
    sock = next(sockets)
    started = time.perf_counter()
    made = tmux("new-session", "-d", "-s", "b", "-x", "160", "-y", "48", command)
    if made.returncode != 0:
        sys.exit(f"tmux: {made.stderr}")
    while True:
        if needle in tmux("capture-pane", "-p", "-t", "b").stdout:
            return time.perf_counter() - started
        if time.perf_counter() - started > 10:
            sys.exit(f"'{needle}' never appeared for: {command}")
        time.sleep(0.002)


needle = "Open incidents (10000)"
base, tui = [], []
for _ in range(10):
    base.append(time_to_text(f"sh -c 'echo \"{needle}\"; sleep 30'", needle))
    tui.append(time_to_text(f"env SITREP_DB={db} SITREP_USER=bench SITREP_CONFIG={env['SITREP_CONFIG']} {BIN}", needle))
tmux("kill-server")
b, t = statistics.median(base), statistics.median(tui)
print(f"startup to first full frame, 10,000 incidents: median {t*1000:.0f} ms "
      f"(baseline tmux+echo {b*1000:.0f} ms; sitrep's own share {max(t-b, 0)*1000:.0f} ms)")

# Idle CPU with the demo feed (no source configured, its own database).
sock = next(sockets)
demo_db = os.path.join(work, "demo.db")
tmux("new-session", "-d", "-s", "idle", "-x", "160", "-y", "48",
     f"env SITREP_DEMO=1 SITREP_DB={demo_db} SITREP_USER=bench SITREP_CONFIG={env['SITREP_CONFIG']} {BIN}")
time.sleep(2)
pane = tmux("list-panes", "-t", "idle", "-F", "#{pane_pid}").stdout.strip()


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


# The pane runs sitrep directly (env execs it), so the pane's pid is sitrep's.
before, t0 = cpu_ticks(pane), time.perf_counter()
time.sleep(10)
after, t1 = cpu_ticks(pane), time.perf_counter()
tmux("kill-server")
hz = os.sysconf("SC_CLK_TCK")
print(f"idle CPU with the demo feed over {t1 - t0:.1f} s: {100 * (after - before) / hz / (t1 - t0):.2f}% of one core")
