"""What the live benches share: the release binary, loopback ports, and real servers
(PostgreSQL, Alertmanager) started for one run and stopped after it."""
import glob
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def release_binary():
    """Builds the release binary (or takes SITREP_BENCH_BIN) and returns its path."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "sitrep"], cwd=ROOT, check=True)
    return os.environ.get("SITREP_BENCH_BIN") or os.path.join(ROOT, "target", "release", "sitrep")


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"{cmd}: {out.stdout}{out.stderr}")
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A PostgreSQL of our own in `work` (as the 'postgres' user when run as root),
    TCP on loopback with a SCRAM password, and a socket for the superuser."""

    PASSWORD = "bench-pw"

    def __init__(self, work):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            sys.exit("PostgreSQL not found: apt-get install postgresql")
        self.bin = bins[-1]
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.data, self.sockdir, pw = f"{work}/data", f"{work}/sock", f"{work}/pw"
        os.chmod(work, 0o755)
        os.mkdir(self.sockdir)
        open(pw, "w").write(self.PASSWORD)
        if os.getuid() == 0:
            run(["chown", "-R", "postgres:postgres", work])
        run(self.as_owner + [f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "--auth-local=trust",
                             "--auth-host=scram-sha-256", f"--pwfile={pw}", "-E", "UTF8", "--locale=C"])
        self.port = free_port()
        run(self.as_owner + [f"{self.bin}/pg_ctl", "-D", self.data, "-l", f"{work}/log", "-w", "-o",
                             f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1", "start"])

    def psql(self, *args):
        """psql as the superuser over the socket."""
        return run(self.as_owner + ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.sockdir,
                                    "-p", str(self.port), "-U", "postgres", *args])

    def url(self, db):
        return f"postgres://postgres:{self.PASSWORD}@127.0.0.1:{self.port}/{db}?sslmode=disable"

    def stop(self):
        subprocess.run(self.as_owner + [f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "stop"],
                       capture_output=True)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()


def alertmanager(work):
    """A real Alertmanager on a loopback port, ready; returns (process, base URL)."""
    port = free_port()
    open(f"{work}/am.yml", "w").write("route:\n  receiver: none\nreceivers:\n  - name: none\n")
    am = subprocess.Popen(["prometheus-alertmanager", f"--config.file={work}/am.yml",
                           f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                           f"--storage.path={work}/am"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/-/ready", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return am, url


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid, field="VmHWM"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")
