#!/usr/bin/env python3
"""Times `sitrep db copy` (a SQLite log into the team database) against plain SQL.

For each size (1,000, 10,000 and 100,000 incidents; each incident with 6 timeline
entries, one revision, one follow-up and one linked alert) a SQLite log is written
with Python's sqlite3 into the schema sitrep made, then:

  measured  `sitrep db copy --to postgres://…` into an empty team database
  baseline  the same rows as plain INSERT statements, one per row, in one
            transaction, through `psql -1 -f` into another empty team database

Whole-process wall time, one run per size (the 100k copy takes seconds, not
milliseconds), same PostgreSQL, same run. Also `sitrep show 1` on each log (median
of 20 runs), which must stay flat as the database grows.

Run: benches/copy-live.py [SIZES…] (builds the release binary; needs python3 and
Debian's postgresql package; as root the server runs as the 'postgres' user).
"""
import os
import sqlite3
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "common"))
from live import Postgres, release_binary, run  # noqa: E402

BIN = release_binary()
SIZES = [int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]
work = tempfile.mkdtemp(prefix="sitrep-copy-live-")
T0 = 1_760_000_000_000  # 2025-10-09, milliseconds



def rows(n):
    """The same rows for the log and the baseline, table by table."""
    incidents, entries, revisions, followups, alerts = [], [], [], [], []
    entry_id = 0
    for i in range(1, n + 1):
        at = T0 + i * 60_000
        incidents.append((i, f"room {i} failing to start", "P2", "resolved", "alice", "carol",
                          at, at, "alice", at + 600_000, at + 1_200_000, '["eu-west-1"]',
                          '["free"]', "rolled back", "release", True, True, False, None, None, '["room"]'))
        for k, (kind, text) in enumerate([
            ("status", "declared P2 investigating"),
            ("note", f"room {i} pods crash looping after v41"),
            ("mitigation", "rolled back room to v40"),
            ("comms", "We rolled back; errors are falling"),
            ("status", "monitoring"),
            ("status", "resolved"),
        ]):
            entry_id += 1
            entries.append((entry_id, i, at + k * 60_000, "alice", kind, text))
            if k == 1:
                revisions.append((entry_id, at + k * 60_000 + 1000, "alice",
                                  f"room {i} pods crash looping after v41 rolled out", "note"))
        followups.append((i, i, f"alert on room {i} restarts", "bob", "2025-11-01", at, None, None, None))
        alerts.append((i, f"fp{i:08x}", "RoomDown", "am", "room", "eu-west-1",
                       "room is down", "https://runbooks/room", None, at))
    return incidents, entries, revisions, followups, alerts


INSERTS = {
    "incident": "INSERT INTO incident (id, title, severity, status, commander, comms_lead, trigger_ms, "
                "declared_ms, declared_by, mitigated_ms, resolved_ms, regions, cohorts, summary, root_cause, "
                "release_related, rollback_performed, drill, public_title, public_impact, services) VALUES",
    "timeline_entry": "INSERT INTO timeline_entry (id, incident_id, at_ms, author, kind, text) VALUES",
    "entry_revision": "INSERT INTO entry_revision (entry_id, at_ms, author, text, kind) VALUES",
    "followup": "INSERT INTO followup (id, incident_id, title, owner, due, created_ms, done_ms, "
                "cancelled_ms, cancel_reason) VALUES",
    "linked_alert": "INSERT INTO linked_alert (incident_id, fingerprint, name, source, service, region, "
                    "summary, runbook_url, generator_url, starts_ms) VALUES",
}


def write_log(path, tables, env):
    run([BIN, "--db", path, "list"], env=env)  # creates and migrates the schema
    db = sqlite3.connect(path)
    with db:
        for (table, insert), data in zip(INSERTS.items(), tables):
            marks = ", ".join("?" * len(data[0]))
            db.executemany(f"{insert} ({marks})", data)
    db.close()


def sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def write_sql(path, tables):
    with open(path, "w") as f:
        f.write("SET sitrep.keep_times = 'on';\n")
        for (table, insert), data in zip(INSERTS.items(), tables):
            for row in data:
                f.write(f"{insert} ({', '.join(sql_literal(v) for v in row)});\n")


pg = Postgres(work)
psql = pg.psql
config = f"{work}/config.toml"
open(config, "w").close()
env = dict(os.environ, SITREP_USER="bench", SITREP_CONFIG=config, HOME=work,
           XDG_DATA_HOME=f"{work}/data-home", XDG_STATE_HOME=f"{work}/state")
results = []
try:
    for n in SIZES:
        tables = rows(n)
        log = f"{work}/log-{n}.db"
        write_log(log, tables, env)
        sql = f"{work}/rows-{n}.sql"
        write_sql(sql, tables)
        os.chmod(sql, 0o644)
        for db in (f"copy{n}", f"plain{n}"):
            psql("-c", f"CREATE DATABASE {db}")
            run([BIN, "db", "init", "--db", pg.url(db)], env=env)
        started = time.perf_counter()
        out = run([BIN, "--db", log, "db", "copy", "--to", pg.url(f"copy{n}")], env=env)
        copy_s = time.perf_counter() - started
        started = time.perf_counter()
        psql("-1", "-d", f"plain{n}", "-f", sql)
        plain_s = time.perf_counter() - started
        counted = psql("-t", "-A", "-d", f"copy{n}", "-c",
                       "SELECT (SELECT count(*) FROM incident) || ' ' || (SELECT count(*) FROM timeline_entry)").stdout.split()
        if counted != [str(n), str(n * 6)]:
            sys.exit(f"copy of {n} incidents wrote {counted}: {out.stdout}")
        shows = []
        for _ in range(20):
            started = time.perf_counter()
            run([BIN, "--db", log, "show", "1"], env=env)
            shows.append(time.perf_counter() - started)
        results.append((n, copy_s, plain_s, statistics.median(shows)))
        print(f"{n:>7} incidents ({n * 6} entries): db copy {copy_s:.2f} s, plain INSERTs {plain_s:.2f} s "
              f"→ {copy_s / plain_s:.2f}×; show 1: {statistics.median(shows) * 1000:.1f} ms", flush=True)
    first = results[0]
    for n, copy_s, _, show in results[1:]:
        print(f"{n} vs {first[0]}: {n / first[0]:.0f}× the rows, copy {copy_s / first[1]:.1f}× the time, "
              f"show {show / first[3]:.2f}× the time")
finally:
    pg.stop()
