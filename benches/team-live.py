#!/usr/bin/env python3
"""Times how long one host's commit takes to show on another host's TUI, in tmux.

A TUI runs on a database and shows incident #1; another sitrep process (a second
"host": its own home) writes a note with `sitrep log`, which returns after COMMIT.
From that return, the pane is polled every 2 ms until the note shows. 20 rounds on
the team database (PostgreSQL on loopback: LISTEN/NOTIFY), and as a same-run baseline
20 on one SQLite file (PRAGMA data_version, checked every 300 ms).

Run: benches/team-live.py (builds the release binary; needs tmux, python3 and
Debian's postgresql package; as root the server runs as the 'postgres' user).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "common"))
from live import Postgres, release_binary, run  # noqa: E402

BIN = release_binary()
ROUNDS = 20
work = tempfile.mkdtemp(prefix="sitrep-team-live-")
# A PostgreSQL of our own.
server = Postgres(work)
try:
    server.psql("-c", "CREATE DATABASE bench")
    team = server.url("bench")
    config = f"{work}/config.toml"
    open(config, "w").close()
    sockets = iter(f"{work}/tmux-{n}.sock" for n in range(100))

    def measure(db, label):
        sock = next(sockets)
        env = dict(os.environ, SITREP_DB=db, SITREP_USER="bench", SITREP_CONFIG=config,
                   HOME=work, XDG_DATA_HOME=f"{work}/data-home")

        def tmux(*args):
            return subprocess.run(["tmux", "-S", sock, *args], capture_output=True, text=True, env=env)

        def screen():
            return tmux("capture-pane", "-p", "-t", "b").stdout

        def wait(needle, limit=10):
            started = time.perf_counter()
            while needle not in screen():
                if time.perf_counter() - started > limit:
                    sys.exit(f"{label}: '{needle}' never appeared:\n{screen()}")
                time.sleep(0.002)

        run([BIN, "declare", "--title", "live update bench", "--severity", "P2"], env=env)
        tmux("new-session", "-d", "-s", "b", "-x", "160", "-y", "48",
             f"env SITREP_DB='{db}' SITREP_USER=bench SITREP_CONFIG={config} {BIN}")
        wait("live update bench")
        tmux("send-keys", "-t", "b", "Enter")
        wait("#1 P2 investigating")
        other = dict(env, HOME=f"{work}/other-host", SITREP_USER="other")
        delays = []
        for n in range(ROUNDS):
            text = f"note {label} {n} from the other host"
            run([BIN, "log", "1", "--kind", "note", text], env=other)
            committed = time.perf_counter()
            wait(text)
            delays.append(time.perf_counter() - committed)
            time.sleep(0.05)
        tmux("kill-server")
        return delays

    pg = measure(team, "postgres")
    lite = measure(f"{work}/local.db", "sqlite")
    for label, d in (("team database (LISTEN/NOTIFY)", pg), ("baseline: SQLite (data_version every 300 ms)", lite)):
        d = sorted(d)
        print(f"commit to the other TUI, {label}: median {statistics.median(d)*1000:.0f} ms, "
              f"p90 {d[int(len(d)*0.9)-1]*1000:.0f} ms, max {d[-1]*1000:.0f} ms over {len(d)} commits")
    print(f"ratio of medians (team / SQLite): {statistics.median(pg)/statistics.median(lite):.2f}")
finally:
    server.stop()
