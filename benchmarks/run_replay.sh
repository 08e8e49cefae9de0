#!/usr/bin/env bash
# File replay benchmark: 1,000,000 JSON-lines records (~100 bytes) through decode ->
# project -> JSON-lines file sink, Weir release build, side by side with the same work
# in Python's json module (the usual hand-written peer). Prints records/s and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p /tmp/weir-bench
count=${1:-1000000}
python3 - "$count" <<'PY'
import json, sys
count = int(sys.argv[1])
with open("/tmp/weir-bench/replay.jsonl", "w") as f:
    for i in range(count):
        f.write(json.dumps({"id": i, "host": f"h-{i % 100:03d}", "cpu": round((i * 7919) % 1000 / 10, 1),
                            "mem": (i * 104729) % 65536, "note": "steady"}, separators=(",", ":")) + "\n")
PY
rm -f /tmp/weir-bench/replay.out.jsonl /tmp/weir-bench/replay.py.jsonl
# Both contenders start with no pending writeback of the input competing for the CPUs.
sync
start=$(date +%s.%N)
.build/release/weir replay benchmarks/replay.yaml --log-level warning
end=$(date +%s.%N)
weir=$(python3 -c "print($count / ($end - $start))")
lines=$(wc -l < /tmp/weir-bench/replay.out.jsonl)
sync
python3 - "$count" "$weir" "$lines" <<'PY'
import json, sys, time
count, weir, lines = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
assert lines == count, f"weir wrote {lines} of {count}"
start = time.time()
with open("/tmp/weir-bench/replay.jsonl") as src, open("/tmp/weir-bench/replay.py.jsonl", "w") as out:
    for line in src:
        r = json.loads(line)
        out.write(json.dumps({"id": r["id"], "host": r["host"], "cpu_pct": r["cpu"], "mem": r["mem"]},
                             separators=(",", ":")) + "\n")
python = count / (time.time() - start)
print(f"replay {count} records: weir {weir:,.0f} rec/s, python json loop {python:,.0f} rec/s, ratio {weir / python:.2f}x")
PY
