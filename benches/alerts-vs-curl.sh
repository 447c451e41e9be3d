#!/usr/bin/env bash
# Side by side, in one run, on the same real Alertmanager holding N alerts (default
# 3,000): `sitrep alerts --json` against a bare `curl` of /api/v2/alerts (the floor:
# the server's own time) and Alertmanager's `amtool alert query -o json`.
# Prints hyperfine's medians and the ratios. Installs what it needs (Debian).
# Usage: benches/alerts-vs-curl.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

cargo build --release --quiet
bin="$PWD/target/release/sitrep"
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
printf 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n' >"$work/am.yml"
prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/data" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address= 2>"$work/am.log" &
am=$!
trap 'kill $am 2>/dev/null; rm -rf "$work"' EXIT

alerts="${1:-3000}"
python3 - "$url" "$alerts" <<'PY'
import json, sys, time, urllib.request
url, total = sys.argv[1], int(sys.argv[2])
for _ in range(300):
    try:
        if urllib.request.urlopen(url + "/-/ready").status == 200:
            break
    except Exception:
        time.sleep(0.1)
services = ["room", "cdn-edge", "chat", "gifting", "moderation", "auth"]
regions = ["eu-west", "us-east", "ap-south"]
for start in range(0, total, 500):
    batch = [{
        "labels": {"alertname": "StreamStartErrorBudgetBurn", "service": services[i % 6],
                   "region": regions[i % 3], "slo": "stream-start-success",
                   "severity": "critical" if i % 4 == 0 else "warning", "instance": f"room-{i}:9100"},
        "annotations": {"summary": f"stream start success burning budget {i}",
                        "runbook_url": "https://runbooks.example/room/stream-start"},
        "generatorURL": "http://prometheus:9090/graph",
    } for i in range(start, min(start + 500, total))]
    request = urllib.request.Request(url + "/api/v2/alerts", json.dumps(batch).encode(),
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request)
count = len(json.load(urllib.request.urlopen(url + "/api/v2/alerts")))
print(f"alertmanager at {url} holds {count} alerts")
PY

export SITREP_CONFIG="$work/none.toml"
: >"$SITREP_CONFIG"
hyperfine --warmup 3 --runs 40 -N --export-json "$work/hyperfine.json" \
  -n "curl /api/v2/alerts" "curl -sS --fail -o /dev/null $url/api/v2/alerts" \
  -n "sitrep alerts --json" "$bin --alertmanager $url alerts --json" \
  -n "amtool alert query -o json" "amtool --alertmanager.url=$url alert query -o json"

python3 - "$work/hyperfine.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
curl, sitrep, amtool = (r["median"] for r in results)
print(f"median curl {curl*1000:.1f} ms, sitrep {sitrep*1000:.1f} ms, amtool {amtool*1000:.1f} ms")
print(f"sitrep/curl {sitrep/curl:.2f}, sitrep/amtool {sitrep/amtool:.2f}")
PY
