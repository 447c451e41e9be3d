#!/usr/bin/env python3
"""Times a whole `sitrep log` process on the team database against the bare floor.

PostgreSQL 15 of our own on loopback (TCP, SCRAM password, `synchronous_commit=on`),
a schema made by `sitrep db init` and one incident; then, in one run:

  measured   `sitrep log 1 …`: start, connect, check the server, append, exit
             (hyperfine, 200 runs)
  baseline   `pgbench -C`: a fresh connection and the same INSERT per transaction,
             in one process (wall time / transactions, 500 transactions)
  baseline   `psql -c INSERT …`: a whole process that connects and inserts (hyperfine)
  reference  `sitrep --version`: the binary's start alone

Run: benches/pg-append-live.py (builds the release binary; needs python3, hyperfine
and Debian's postgresql package; as root the server runs as the 'postgres' user).
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "common"))
from live import Postgres, release_binary, run  # noqa: E402

BIN = release_binary()
work = tempfile.mkdtemp(prefix="sitrep-pg-append-")
pg = Postgres(work)
try:
    pg.psql("-c", "CREATE DATABASE bench")
    url = pg.url("bench")
    config = f"{work}/config.toml"
    open(config, "w").close()
    env = dict(os.environ, SITREP_DB=url, SITREP_USER="bench", SITREP_CONFIG=config, HOME=work,
               XDG_DATA_HOME=f"{work}/data-home", XDG_STATE_HOME=f"{work}/state",
               PGPASSWORD="bench-pw")
    run([BIN, "db", "init"], env=env)
    run([BIN, "declare", "--title", "bench incident", "--severity", "P2"], env=env)
    insert = ("INSERT INTO timeline_entry (incident_id, at_ms, author, kind, text) VALUES "
              "(1, (extract(epoch from clock_timestamp()) * 1000)::bigint, 'bench', 'note', "
              "'rolled back room to v41') RETURNING id, db_role, at_ms;")
    open(f"{work}/insert.sql", "w").write(insert + "\n")
    psql = f"psql -X -q -h 127.0.0.1 -p {pg.port} -U postgres -d bench -c \"{insert}\""
    run(["hyperfine", "--warmup", "10", "--runs", "200", "-N", "--export-json", f"{work}/h.json",
         "-n", "sitrep --version", f"{BIN} --version",
         "-n", "sitrep log", f"{BIN} log 1 --kind note rolled back room to v41",
         "-n", "psql -c INSERT", psql], env=env)
    results = {r["command"]: r["median"] for r in json.load(open(f"{work}/h.json"))["results"]}
    n = 500
    started = time.perf_counter()
    run([f"{pg.bin}/pgbench", "-C", "-n", "-t", str(n), "-f", f"{work}/insert.sql",
         "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "bench"], env=env)
    pgbench = (time.perf_counter() - started) / n
    log, version, psql_t = results["sitrep log"], results["sitrep --version"], results["psql -c INSERT"]
    print(f"medians: sitrep log {log * 1000:.2f} ms, sitrep --version {version * 1000:.2f} ms, "
          f"psql -c INSERT {psql_t * 1000:.2f} ms; pgbench -C (connection + INSERT, {n} in one process) "
          f"{pgbench * 1000:.2f} ms per transaction")
    print(f"sitrep log / pgbench -C {log / pgbench:.2f}x; / psql -c {log / psql_t:.2f}x; "
          f"sitrep log less its start (--version) / pgbench -C {(log - version) / pgbench:.2f}x")
finally:
    pg.stop()
