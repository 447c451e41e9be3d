#!/usr/bin/env python3
"""`sitrep oncall` of a team whose feed holds two years of shifts (10,000 events,
PagerDuty's shape), read from the kept copy, whole process, release build.

The feed is served once on loopback to fill the kept copy; then `sitrep oncall`
runs 30 times with the copy fresh (no fetch), and as same-run baselines 30 runs of
`sitrep --version` (process start) and of `sitrep oncall` on a team with a 4-person
rotation written in the config (no feed to parse). Medians and the ratio.

Run: benches/oncall-live.py (builds the release binary; needs python3).
"""
import datetime
import http.server
import os
import statistics
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "sitrep"], cwd=ROOT, check=True)
BIN = os.environ.get("SITREP_BENCH_BIN") or os.path.join(ROOT, "target", "release", "sitrep")
EVENTS, RUNS = 10_000, 30
work = tempfile.mkdtemp(prefix="sitrep-oncall-live-")

now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
start = now - datetime.timedelta(days=365)
step = datetime.timedelta(days=730) / EVENTS
lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PagerDuty Inc.//PagerDuty Schedule//EN"]
fmt = "%Y%m%dT%H%M%SZ"
for i in range(EVENTS):
    a, b = start + step * i, start + step * (i + 1)
    who = ["Alice Doe", "Bob Roe", "Carol Loe", "Dave Poe"][i % 4]
    lines += ["BEGIN:VEVENT", f"UID:shift-{i}", f"DTSTART;VALUE=DATE-TIME:{a.strftime(fmt)}",
              f"DTEND;VALUE=DATE-TIME:{b.strftime(fmt)}", f"SUMMARY:On Call - {who} - Room Primary",
              f"ATTENDEE:mailto:{who.split()[0].lower()}@example.com", "END:VEVENT"]
lines.append("END:VCALENDAR")
feed = ("\r\n".join(lines) + "\r\n").encode()


class Feed(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(feed)))
        self.end_headers()
        self.wfile.write(feed)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/feed/TOKEN.ics"

config = os.path.join(work, "config.toml")
with open(config, "w") as f:
    f.write('[review]\nzone = "UTC"\n\n[[teams]]\nname = "room"\nservices = ["room"]\n'
            'ical_url_env = "ROOM_FEED"\n\n[[teams]]\nname = "rota"\nservices = ["rota"]\n'
            f'members = ["a", "b", "c", "d"]\nstart = "{start.strftime("%Y-%m-%d %H:%M")}"\nshift = "7d"\n')
env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
env.update(SITREP_CONFIG=config, SITREP_DB=os.path.join(work, "s.db"), SITREP_USER="bench",
           HOME=work, XDG_STATE_HOME=os.path.join(work, "state"), ROOM_FEED=url)
out = subprocess.run([BIN, "oncall", "room", "--refresh"], env=env, check=True, capture_output=True, text=True)
assert "using the copy" not in out.stdout and "Doe" in out.stdout, out.stdout
print(f"feed: {len(feed) / 1e6:.1f} MB, {EVENTS} events; {out.stdout.strip().splitlines()[0]}", flush=True)


def timed(args):
    walls = []
    for _ in range(RUNS):
        t = time.monotonic()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.monotonic() - t)
    return statistics.median(walls) * 1000, max(walls) * 1000


cached = timed([BIN, "oncall", "room"])
version = timed([BIN, "--version"])
rota = timed([BIN, "oncall", "rota"])
server.shutdown()
print(f"sitrep oncall room (10,000-event feed, kept copy): median {cached[0]:.1f} ms, max {cached[1]:.1f} ms")
print(f"sitrep --version:                                  median {version[0]:.1f} ms")
print(f"sitrep oncall rota (rotation in the config):       median {rota[0]:.1f} ms")
print(f"ratio to --version: {cached[0] / version[0]:.1f}x; to the rotation: {cached[0] / rota[0]:.1f}x")
