#!/usr/bin/env bash
# K-Means and PCA trained in Pipe mode from a FIFO fed GIGABYTES of CSV (a 100 MB chunk
# of 200,000 x 50 make_classification rows repeated), printing wall time and Weir's peak
# RSS: memory follows the mini-batch, the centres and the sample, not the data.
# Usage: swift build -c release --product weir && pip install scikit-learn
#        bash benchmarks/run_pipe_memory.sh [GIGABYTES, default 10]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="$root/.build/release/weir"
gigabytes=${1:-10}
work=$(mktemp -d /tmp/weir-pipe-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work/chunk.csv" <<'PY'
import sys, numpy as np
from sklearn.datasets import make_classification
x, _ = make_classification(n_samples=200_000, n_features=50, n_informative=10, random_state=1)
np.savetxt(sys.argv[1], x, delimiter=",", fmt="%.6g")
PY
chunk_bytes=$(stat -c %s "$work/chunk.csv")
repeats=$(( gigabytes * 1000000000 / chunk_bytes ))
for algorithm in kmeans pca; do
  mkdir -p "$work/$algorithm"
  mkfifo "$work/$algorithm/train_0"
  ( for _ in $(seq "$repeats"); do cat "$work/chunk.csv"; done > "$work/$algorithm/train_0" ) &
  if [ "$algorithm" = kmeans ]; then hp=(--hp feature_dim=50 --hp k=10); else hp=(--hp feature_dim=50 --hp num_components=10 --hp mini_batch_size=5000); fi
  /usr/bin/time -f "$algorithm: $repeats x $chunk_bytes bytes in Pipe mode: %e s wall, %U s user, peak RSS %M KB" \
    "$weir" train "$algorithm" --channel "train=$work/$algorithm/train" --input-mode train=Pipe \
    --content-type "train=text/csv;label_size=0" --model-dir "$work/$algorithm-model" "${hp[@]}" > "$work/$algorithm.log"
  wait
  grep -h '"records"' "$work/$algorithm-model/model.json" | head -c 200; echo
done
