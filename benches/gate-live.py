#!/usr/bin/env python3
"""`sitrep gate` whole process against a loopback Prometheus, against the floor: one
`curl` process fetching the same eight instant queries (the SLO's seven windows and
its 30d window) over one connection. Release build, 30 runs each, medians.

The Prometheus holds Sloth-named recording rules with constant error ratios for six
regions (tests/gate.rs's), so the answers are the size a real SLO's are.

Run: benches/gate-live.py (builds the release binary; needs python3, curl and
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
RUNS = 30
work = tempfile.mkdtemp(prefix="sitrep-gate-live-")
WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"]
REGIONS = {"eu": "0.0009", "us": "0.00451", "at": "0.0045", "ap": "0.08", "zz": "0.001", "nt": "0.002"}

with open(os.path.join(work, "rules.yml"), "w") as f:
    f.write("groups:\n  - name: sloth\n    rules:\n")
    for w in WINDOWS:
        expr = " or ".join(f'label_replace(vector({v}), \\"region\\", \\"{r}\\", \\"\\", \\"\\")' for r, v in REGIONS.items())
        f.write(f'      - {{record: "slo:sli_error:ratio_rate{w}", expr: "{expr}", '
                'labels: {sloth_service: room, sloth_slo: stream-start}}\n')
with open(os.path.join(work, "prometheus.yml"), "w") as f:
    f.write(f"global:\n  evaluation_interval: 1s\nrule_files:\n  - {work}/rules.yml\n")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
prom = subprocess.Popen(["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/data",
                         f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
url = f"http://127.0.0.1:{port}"
try:
    query = 'slo:sli_error:ratio_rate{w}{sloth_service="room",sloth_slo="stream-start"}'
    urls = [f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": query.replace("{w}", w)}) for w in WINDOWS]
    for _ in range(300):
        try:
            body = json.loads(urllib.request.urlopen(urls[-1], timeout=1).read())
            if body["data"]["result"]:
                break
        except Exception:
            pass
        time.sleep(0.2)
    config = os.path.join(work, "config.toml")
    with open(config, "w") as f:
        f.write(f'[[sources]]\nname = "prom"\nkind = "prometheus"\nurls = ["{url}"]\n\n'
                '[[slos]]\nname = "stream-start"\nservice = "room"\nobjective = 99.5\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
    env.update(SITREP_CONFIG=config, SITREP_DB=os.path.join(work, "s.db"), SITREP_USER="bench", HOME=work)

    def timed(args, ok=(0, 1, 6)):
        walls = []
        for _ in range(RUNS):
            t = time.monotonic()
            r = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.monotonic() - t)
            assert r.returncode in ok, (args, r.returncode)
        return statistics.median(walls) * 1000

    gate = timed([BIN, "gate", "--slo", "stream-start"])
    curl = timed(["curl", "-sf", "-o", "/dev/null", *sum((["-o", "/dev/null", u] for u in urls[1:]), [urls[0]])], ok=(0,))
    version = timed([BIN, "--version"], ok=(0,))
    print(f"sitrep gate (8 queries, 6 regions): median {gate:.1f} ms")
    print(f"curl of the same 8 queries, one process: median {curl:.1f} ms")
    print(f"sitrep --version: median {version:.1f} ms")
    print(f"ratio gate / curl: {gate / curl:.2f}x")
finally:
    prom.terminate()
    prom.wait()
