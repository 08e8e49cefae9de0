#!/usr/bin/env python3
"""Scoring rate of each supervised model in a stream: `weir replay` of 200,000 JSON-lines
records (16 numeric fields) through one scoring operator into a JSON-lines file, in
records per CPU-second of the whole process (decode, score, encode, write), beside the
same replay without the operator (the pipeline's own cost) and a Python consumer loop
doing the same work with the peer model (json.loads, one predict call per record,
json.dumps), as a hand-written scorer would. Models are trained by `weir train` on 20,000
labelled records of the same distribution; the peers by scikit-learn / faiss on the same
rows. Medians of --runs runs; one thread each side (OpenBLAS, faiss).

Usage: swift build -c release --product weir && pip install scikit-learn faiss-cpu
       python3 benchmarks/run_scoring_rate.py [--runs 3] [--records 200000]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import children_cpu, median_runs, self_cpu  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")
FEATURES = [f"f{i}" for i in range(16)]


def data(count, seed):
    """Rows of 16 features and a 0/1 label with a linear part and one pairwise interaction."""
    random = np.random.default_rng(seed)
    x = random.normal(size=(count, 16)).astype(np.float32)
    margin = x[:, :4].sum(axis=1) * 0.7 + 1.5 * x[:, 4] * x[:, 5]
    y = (random.uniform(size=count) < 1 / (1 + np.exp(-margin))).astype(np.float32)
    return x, y


def train(folder, algorithm, csv, hp):
    model_dir = os.path.join(folder, "model-" + algorithm + "-" + str(abs(hash(json.dumps(hp, sort_keys=True))) % 10_000))
    command = [WEIR, "train", algorithm, "--channel", f"train={csv}", "--content-type", "train=text/csv", "--model-dir", model_dir]
    for name, value in hp.items():
        command += ["--hp", f"{name}={value}"]
    subprocess.run(command, check=True, capture_output=True)
    return model_dir


def replay(folder, stream, operator, count, runs):
    """Median wall and CPU seconds of `weir replay` with one operator (or none)."""
    out = os.path.join(folder, "scored.jsonl")
    topology = os.path.join(folder, "score.yaml")
    operators = f"operators:\n  - {json.dumps(operator)}\n" if operator else "operators: []\n"
    with open(topology, "w") as f:
        f.write(f"name: score-bench\nsource: {{file: {{path: {stream}, format: lines, pace: full}}}}\n"
                f"decode: {{format: json}}\n{operators}"
                f"sinks: [file: {{path: {out}}}]\ndead_letter: {{file: {{path: {os.path.join(folder, 'dead.jsonl')}}}}}\n")

    def run():
        if os.path.exists(out):
            os.remove(out)
        cpu, start = children_cpu(), time.perf_counter()
        subprocess.run([WEIR, "replay", topology, "--log-level", "warning"], check=True, capture_output=True)
        return time.perf_counter() - start, children_cpu() - cpu
    wall, cpu, _ = median_runs(runs, run)
    with open(out) as f:
        written = sum(1 for _ in f)
    assert written == count, f"{operator}: wrote {written} of {count}"
    return wall, cpu


def python_loop(stream, score, runs):
    """Median wall and CPU seconds of a Python consumer loop scoring record by record."""
    def run():
        cpu, start = self_cpu(), time.perf_counter()
        with open(stream) as source, open(os.devnull, "w") as sink:
            for line in source:
                record = json.loads(line)
                x = np.array([[record[name] for name in FEATURES]], dtype=np.float32)
                record.update(score(x))
                sink.write(json.dumps(record) + "\n")
        return time.perf_counter() - start, self_cpu() - cpu
    wall, cpu, _ = median_runs(runs, run)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--peer-records", type=int, default=20_000, help="records the Python loops score (they are slow)")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    import faiss
    faiss.omp_set_num_threads(1)
    folder = tempfile.mkdtemp(prefix="weir-score-")
    x, y = data(20_000, 1)
    csv = os.path.join(folder, "train.csv")
    np.savetxt(csv, np.column_stack([y, x]), delimiter=",", fmt="%.6g")
    sx, _ = data(args.records, 2)
    stream = os.path.join(folder, "stream.jsonl")
    with open(stream, "w") as f:
        for i, row in enumerate(sx):
            f.write(json.dumps({"id": i, **{name: round(float(v), 5) for name, v in zip(FEATURES, row)}}) + "\n")
    peer_stream = os.path.join(folder, "peer-stream.jsonl")
    with open(stream) as source, open(peer_stream, "w") as sink:
        for _, line in zip(range(args.peer_records), source):
            sink.write(line)

    knn = {"feature_dim": 16, "k": 10, "predictor_type": "classifier", "sample_size": 20_000}
    cases = [
        ("none (decode, encode, write)", None),
        ("linear-learner, binary (predict)", {"predict": {"model": train(folder, "linear-learner", csv, {
            "feature_dim": 16, "predictor_type": "binary_classifier"}), "features": FEATURES}}),
        ("factorization-machines, binary, 8 factors (predict)", {"predict": {"model": train(folder, "factorization-machines", csv, {
            "feature_dim": 16, "predictor_type": "binary_classifier", "num_factors": 8}), "features": FEATURES}}),
        ("knn faiss.Flat, 20,000 points (knn)", {"knn": {"model": train(folder, "knn", csv, knn), "features": FEATURES}}),
        ("knn faiss.IVFFlat defaults (knn)", {"knn": {"model": train(folder, "knn", csv, dict(knn, index_type="faiss.IVFFlat")),
                                                      "features": FEATURES}}),
        ("knn faiss.IVFPQ defaults (knn)", {"knn": {"model": train(folder, "knn", csv, dict(knn, index_type="faiss.IVFPQ")),
                                                    "features": FEATURES}}),
    ]
    print(f"{args.records:,} records through `weir replay`, medians of {args.runs} runs")
    print("| operator | records/s (wall) | records per CPU-second | CPU microseconds per record beyond the pipeline |")
    print("|---|---|---|---|")
    baseline = None
    for name, operator in cases:
        wall, cpu = replay(folder, stream, operator, args.records, args.runs)
        extra = "" if baseline is None else f"{(cpu - baseline) / args.records * 1e6:.2f}"
        baseline = cpu if baseline is None else baseline
        print(f"| {name} | {args.records / wall:,.0f} | {args.records / cpu:,.0f} | {extra} |", flush=True)

    logistic = LogisticRegression(max_iter=1_000).fit(x, y)
    flat = faiss.IndexFlatL2(16)
    flat.add(x)
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatL2(16), 16, 141)
    ivf.train(x)
    ivf.add(x)
    ivf.nprobe = 17
    labels = y

    def neighbours(index):
        def score(row):
            _, found = index.search(row, 10)
            votes = labels[found[0]]
            return {"predicted_label": float(votes.mean() >= 0.5)}
        return score
    peers = [("Python loop, no model", lambda row: {}),
             ("Python loop, scikit-learn LogisticRegression.predict_proba", lambda row: {"score": float(logistic.predict_proba(row)[0, 1])}),
             ("Python loop, faiss IndexFlatL2 search", neighbours(flat)),
             ("Python loop, faiss IndexIVFFlat nlist 141, nprobe 17", neighbours(ivf))]
    for name, score in peers:
        wall, cpu = python_loop(peer_stream, score, args.runs)
        print(f"| {name} ({args.peer_records:,} records) | {args.peer_records / wall:,.0f} | {args.peer_records / cpu:,.0f} | |", flush=True)


if __name__ == "__main__":
    main()
