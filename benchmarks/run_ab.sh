#!/usr/bin/env bash
# A/B of two Weir release builds on the same machine, runs alternating: the random cut
# forest (weir-rcf-bench, shingle 4), file replay (benchmarks/replay.yaml, 1M records),
# and the three online operators through `weir replay` (ip_insights over a simulated access
# log of 655k lines, deepar_forecast over 96k observations of 200 series, random_cut_forest
# over 200k readings of 50 hosts, one forest each). Prints each
# run and the medians with the B/A ratio.
#   bash benchmarks/run_ab.sh OLD_REPO NEW_REPO [RUNS]
# Both repositories need `swift build -c release`. Data and models are made with A's
# binary (models in the formats both builds read).
set -euo pipefail
a=$(realpath "$1"); b=$(realpath "$2"); runs=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
work=/tmp/weir-ab
mkdir -p "$work" /tmp/weir-bench
weir_a="$a/.build/release/weir"
python3 - <<'PY'
import json, math, random
random.seed(1)
series = [math.sin(i * 2 * math.pi / 50) * 10 + 50 + random.gauss(0, 0.5) for i in range(100_000)]
open("/tmp/weir-bench/rcf_series.txt", "w").write("\n".join(f"{v:.4f}" for v in series) + "\n")
with open("/tmp/weir-bench/rcf_hosts.jsonl", "w") as f:
    for i in range(200_000):
        host, step = i % 50, i // 50
        cpu = 40 + 20 * math.sin(step * 2 * math.pi / 288 + host) + random.gauss(0, 2)
        latency = 120 + cpu + random.gauss(0, 5) + (400 if random.random() < 0.001 else 0)
        f.write(json.dumps({"ts": 1767225600000 + step * 60000, "host": f"h{host:02d}", "cpu": round(cpu, 2),
                            "latency_ms": round(latency, 1)}, separators=(",", ":")) + "\n")
with open("/tmp/weir-bench/replay.jsonl", "w") as f:
    for i in range(1_000_000):
        f.write(json.dumps({"id": i, "host": f"h-{i % 100:03d}", "cpu": round((i * 7919) % 1000 / 10, 1),
                            "mem": (i * 104729) % 65536, "note": "steady"}, separators=(",", ":")) + "\n")
PY
if [ ! -f "$work/ipi-model/ipinsights.model" ]; then
  "$weir_a" generate weblog --users 20000 --out "$work/weblog" >/dev/null
  for i in 1 2 3 4 5; do cat "$work/weblog/access.log"; done > "$work/weblog/access5.log"
  "$weir_a" generate series --series 200 --stream-length 480 --out "$work/series" >/dev/null
  "$weir_a" train ipinsights --channel train="$work/weblog/train.csv" --channel validation="$work/weblog/validation.csv" \
    --hp num_entity_vectors=40000 --hp vector_dim=64 --hp epochs=2 --hp learning_rate=0.01 --hp mini_batch_size=1000 \
    --model-dir "$work/ipi-model" >/dev/null
  "$weir_a" train deepar --channel train="$work/series/train.jsonl" --hp time_freq=H --hp context_length=48 \
    --hp prediction_length=24 --hp epochs=3 --hp num_batches_per_epoch=10 --model-dir "$work/deepar-model" >/dev/null
fi
cat > "$work/weblog.yaml" <<YAML
name: ab-weblog
source: {file: {path: $work/weblog/access5.log, format: lines, pace: full}}
decode: {format: access_log, timestamp_field: time}
operators:
  - filter: {field: user, op: exists}
  - ip_insights: {model: $work/ipi-model, entity_field: user, ip_field: remote_addr}
sinks: [file: {path: $work/weblog.out.jsonl}, file: {path: $work/weblog.alerts.jsonl, variant: alert}]
dead_letter: {file: {path: $work/weblog.dead.jsonl}}
YAML
cat > "$work/rcf.yaml" <<YAML
name: ab-rcf
source: {file: {path: /tmp/weir-bench/rcf_hosts.jsonl, format: lines, pace: full}}
decode: {format: json, timestamp_field: ts}
schema: {key: host, features: [cpu, latency_ms]}
operators:
  - random_cut_forest: {shingle_size: 4, num_trees: 50, sample_size: 256, seed: 3}
sinks: [file: {path: $work/rcf.out.jsonl}]
dead_letter: {file: {path: $work/rcf.dead.jsonl}}
YAML
cat > "$work/forecast.yaml" <<YAML
name: ab-forecast
source: {file: {path: $work/series/observations.jsonl, format: lines, pace: full}}
decode: {format: json, timestamp_field: ts}
operators:
  - deepar_forecast: {model: $work/deepar-model, key_field: series, value_field: value, cat_fields: [kind], every: 24, num_samples: 100}
sinks: [file: {path: $work/forecast.out.jsonl}]
dead_letter: {file: {path: $work/forecast.dead.jsonl}}
YAML
# One timed command: prints "wall cpu" in seconds. File sinks append, so earlier outputs go first.
timed() {
  rm -f "$work"/*.jsonl /tmp/weir-bench/replay.out.jsonl
  /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1, $2 + $3}'
}
results="$work/results.txt"; : > "$results"
for run in $(seq 1 "$runs"); do
  for side in A B; do
    root=$a; [ "$side" = B ] && root=$b
    rate=$("$root/.build/release/weir-rcf-bench" /tmp/weir-bench/rcf_series.txt 4 | python3 -c 'import json,sys; print(json.load(sys.stdin)["points_per_s"])')
    echo "rcf $side $rate" >> "$results"
    (cd "$root" && echo "replay $side $(timed .build/release/weir replay "$here/replay.yaml" --log-level warning)") >> "$results"
    echo "ip_insights $side $(timed "$root/.build/release/weir" replay "$work/weblog.yaml" --log-level warning)" >> "$results"
    echo "deepar_forecast $side $(timed "$root/.build/release/weir" replay "$work/forecast.yaml" --log-level warning)" >> "$results"
    echo "random_cut_forest $side $(timed "$root/.build/release/weir" replay "$work/rcf.yaml" --log-level warning)" >> "$results"
  done
done
# Both builds must write the same outputs.
for topology in weblog forecast rcf; do
  rm -f "$work"/*.jsonl
  "$weir_a" replay "$work/$topology.yaml" --log-level warning >/dev/null
  cat "$work"/*.jsonl | sha256sum > "$work/$topology.a.sum"
  rm -f "$work"/*.jsonl
  "$b/.build/release/weir" replay "$work/$topology.yaml" --log-level warning >/dev/null
  cat "$work"/*.jsonl | sha256sum > "$work/$topology.b.sum"
  cmp -s "$work/$topology.a.sum" "$work/$topology.b.sum" && echo "$topology: same outputs" || echo "$topology: OUTPUTS DIFFER"
done
rm -f "$work"/*.jsonl
cat "$results"
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
for bench in dict.fromkeys(r[0] for r in rows):
    def median(side, column):
        return statistics.median(float(r[column]) for r in rows if r[0] == bench and r[1] == side)
    if bench == "rcf":
        a, b = median("A", 2), median("B", 2)
        print(f"{bench}: points/s median A {a:,.0f}, B {b:,.0f}, B/A {b / a:.3f}")
    else:
        wa, wb, ca, cb = median("A", 2), median("B", 2), median("A", 3), median("B", 3)
        print(f"{bench}: wall median A {wa:.2f} s, B {wb:.2f} s (B/A {wb / wa:.3f}); CPU median A {ca:.2f} s, B {cb:.2f} s (B/A {cb / ca:.3f})")
PY
