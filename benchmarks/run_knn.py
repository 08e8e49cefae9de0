#!/usr/bin/env python3
"""k-NN: `weir train knn` + `weir predict` side by side with scikit-learn (exact
neighbours), faiss-cpu (IndexIVFFlat, IndexIVFPQ) and hnswlib, on the same 100,000 x 64 training set
and 20,000 queries (Gaussian clusters), at one thread each side. Reports each index's
recall@10 against the exact neighbours, query throughput (wall and CPU seconds), index
size and build time, and for Weir the agreement of its exact index with scikit-learn. Weir's query time is `weir predict` over a CSV file of
the queries (verbose JSON out, process start and CSV parsing included, the training
excluded; requests answered 256 at a time); the peers' is one search call on an
in-memory array. "After load" subtracts the wall time of the same request with one
query (process start and model load). Seconds are medians of --runs runs.

Usage: swift build -c release --product weir && pip install scikit-learn faiss-cpu hnswlib
       python3 benchmarks/run_knn.py [--runs 3]
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
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import children_cpu, median_runs, peer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")


def timed(runs, body):
    """Median wall and CPU seconds of `runs` in-process calls, and the last result."""
    wall, cpu, (result,) = median_runs(runs, lambda: peer(body))
    return wall, cpu, result


def recall(found, exact):
    return np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)])


def weir_case(folder, train_path, query_path, hp, runs):
    """Trains once (wall seconds reported), then times `weir predict` over the queries."""
    model_dir = os.path.join(folder, "knn-" + "-".join(f"{k}={v}" for k, v in sorted(hp.items()) if k.startswith(("index", "faiss"))))
    command = [WEIR, "train", "knn", "--channel", f"train={train_path}", "--content-type", "train=text/csv", "--model-dir", model_dir]
    for name, value in hp.items():
        command += ["--hp", f"{name}={value}"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    train_wall = time.perf_counter() - start
    out = os.path.join(folder, "answers.json")

    def run(path):
        predict = [WEIR, "predict", "--model", model_dir, "--input", path, "--content-type", "text/csv",
                   "--accept", "application/json; verbose=True", "--output", out]
        cpu, begin = children_cpu(), time.perf_counter()
        subprocess.run(predict, check=True, capture_output=True)
        return time.perf_counter() - begin, children_cpu() - cpu
    # The fixed cost (process start, model load) from a one-query request file.
    one_wall, one_cpu, _ = median_runs(runs, lambda: run(query_path + ".one"))
    wall, cpu, _ = median_runs(runs, lambda: run(query_path))
    answers = json.load(open(out))["predictions"]
    meta = json.load(open(os.path.join(model_dir, "model.json")))
    size = os.path.getsize(os.path.join(model_dir, "model.knn"))
    return wall, cpu, answers, meta, train_wall, size, one_wall, one_cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from sklearn.datasets import make_blobs
    from sklearn.neighbors import NearestNeighbors
    import faiss
    import hnswlib
    faiss.omp_set_num_threads(1)
    k, n, d, queries, timed_exact = 10, 100_000, 64, 20_000, 2_000
    x, _ = make_blobs(n_samples=n + queries, n_features=d, centers=50, cluster_std=4.0, random_state=3)
    x = x.astype(np.float32)
    folder = tempfile.mkdtemp(prefix="weir-knn-")
    train_path, query_path = os.path.join(folder, "train.csv"), os.path.join(folder, "queries.csv")
    # Each point's label is its row number, so the neighbours' labels in Weir's verbose
    # answers are their ids (exact in Float up to 2^24) and recall compares ids on every side.
    np.savetxt(train_path, np.column_stack([np.arange(n), x[:n]]), delimiter=",", fmt="%.7g")
    np.savetxt(query_path, x[n:], delimiter=",", fmt="%.7g")
    np.savetxt(query_path + ".one", x[n:n + 1], delimiter=",", fmt="%.7g")
    train = np.loadtxt(train_path, delimiter=",", dtype=np.float32)[:, 1:]
    q = np.loadtxt(query_path, delimiter=",", dtype=np.float32)
    print(f"{n:,} x {d} training points, {queries:,} queries, k={k}, one thread each side, medians of {args.runs} runs", flush=True)
    print("| index | queries/s | queries/s after load | CPU s for all queries | recall@10 | index bytes | build s |")
    print("|---|---|---|---|---|---|---|")

    # Exact neighbours of every query by faiss's brute force; scikit-learn timed on the first 2,000.
    exact_index = faiss.IndexFlatL2(d)
    exact_index.add(train)
    exact_distances, exact = exact_index.search(q, k)
    exact_nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(train)
    wall, cpu, (sk_distances, sk_found) = timed(args.runs, lambda: exact_nn.kneighbors(q[:timed_exact]))
    print(f"| scikit-learn NearestNeighbors brute force ({timed_exact:,} queries) | {timed_exact / wall:,.0f} | | {cpu:.3f} | "
          f"{recall(sk_found, exact[:timed_exact]):.3f} | | |", flush=True)
    wall, cpu, _ = timed(args.runs, lambda: exact_index.search(q, k))
    print(f"| faiss IndexFlatL2 (exact) | {queries / wall:,.0f} | | {cpu:.3f} | 1.000 (reference) | | |", flush=True)

    base = {"feature_dim": d, "k": k, "predictor_type": "classifier", "sample_size": n}
    cases = [("faiss.Flat (exact)", {}),
             ("faiss.IVFFlat, defaults", {"index_type": "faiss.IVFFlat"}),
             ("faiss.IVFFlat, nprobe 8", {"index_type": "faiss.IVFFlat", "faiss_index_ivf_nprobe": 8}),
             ("faiss.IVFFlat, nprobe 4", {"index_type": "faiss.IVFFlat", "faiss_index_ivf_nprobe": 4}),
             ("faiss.IVFPQ, defaults", {"index_type": "faiss.IVFPQ"}),
             ("faiss.IVFPQ, nprobe 8", {"index_type": "faiss.IVFPQ", "faiss_index_ivf_nprobe": 8}),
             ("faiss.IVFPQ, pq_m 32, nprobe 8", {"index_type": "faiss.IVFPQ", "faiss_index_pq_m": 32, "faiss_index_ivf_nprobe": 8}),
             ("faiss.IVFPQ, pq_m 16, nprobe 8", {"index_type": "faiss.IVFPQ", "faiss_index_pq_m": 16, "faiss_index_ivf_nprobe": 8})]
    for name, settings in cases:
        wall, cpu, answers, meta, train_wall, size, one_wall, one_cpu = weir_case(folder, train_path, query_path, dict(base, **settings), args.runs)
        found_recall = recall([[int(label) for label in a["labels"]] for a in answers], exact)
        note = ""
        if not settings:
            weir_distances = np.array([a["distances"] for a in answers[:timed_exact]])
            gap = np.max(np.abs(weir_distances - sk_distances ** 2) / np.maximum(sk_distances ** 2, 1e-9))
            note = f"; squared distances equal scikit-learn's to {gap:.1e} relative"
        shape = ", ".join(f"{key} {meta[key]}" for key in ("faiss_index_ivf_nlists", "faiss_index_ivf_nprobe", "faiss_index_pq_m") if key in meta)
        label = f"Weir {name}" + (f" ({shape})" if shape else "")
        print(f"| {label} | {queries / wall:,.0f} | {(queries - 1) / max(wall - one_wall, 1e-9):,.0f} | {cpu:.3f} "
              f"(load {one_cpu:.3f}) | {found_recall:.3f}{note} | {size:,} (model file) | {train_wall:.2f} (weir train) |", flush=True)

    lists = int(np.sqrt(n))
    quantizer = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, lists)
    start = time.perf_counter()
    ivf.train(train)
    ivf.add(train)
    build = time.perf_counter() - start
    size = len(faiss.serialize_index(ivf))
    for nprobe in (1, 4, 8, 16, 39):
        ivf.nprobe = nprobe
        wall, cpu, (_, found) = timed(args.runs, lambda: ivf.search(q, k))
        print(f"| faiss IndexIVFFlat nlist {lists}, nprobe {nprobe} | {queries / wall:,.0f} | | {cpu:.3f} | {recall(found, exact):.3f} | {size:,} | {build:.2f} |", flush=True)
    for m in (64, 32, 16):
        pq = faiss.IndexIVFPQ(faiss.IndexFlatL2(d), d, lists, m, 8)
        # Codebooks learnt on 64 points per codeword, as Weir's are (faiss's default of 256
        # takes minutes at m 64 on one thread).
        pq.pq.cp.max_points_per_centroid = 64
        start = time.perf_counter()
        pq.train(train)
        pq.add(train)
        build = time.perf_counter() - start
        size = len(faiss.serialize_index(pq))
        for nprobe in ((8, 39) if m == 64 else (8,)):
            pq.nprobe = nprobe
            wall, cpu, (_, found) = timed(args.runs, lambda: pq.search(q, k))
            print(f"| faiss IndexIVFPQ nlist {lists}, m {m}, nprobe {nprobe} | {queries / wall:,.0f} | | {cpu:.3f} | {recall(found, exact):.3f} | {size:,} | {build:.2f} |", flush=True)

    index = hnswlib.Index(space="l2", dim=d)
    index.init_index(max_elements=n, ef_construction=200, M=16)
    index.set_num_threads(1)
    start = time.perf_counter()
    index.add_items(train)
    build = time.perf_counter() - start
    for ef in (10, 20, 50):
        index.set_ef(max(ef, k))
        wall, cpu, (found, _) = timed(args.runs, lambda: index.knn_query(q, k=k))
        print(f"| hnswlib M 16, ef {max(ef, k)} | {queries / wall:,.0f} | | {cpu:.3f} | {recall(found, exact):.3f} | | {build:.2f} |", flush=True)


if __name__ == "__main__":
    main()
