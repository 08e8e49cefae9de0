#!/usr/bin/env python3
"""k-NN: `weir train knn` + `weir predict` side by side with scikit-learn (exact
neighbours), faiss-cpu (IndexIVFFlat) and hnswlib, on the same 100,000 x 64 training set
and 2,000 queries (Gaussian clusters), at one thread each side. Reports each index's
recall@10 against the exact neighbours, query throughput, and for Weir the agreement of
its exact index with scikit-learn. Weir's query time is `weir predict` over a CSV file of
the queries (verbose JSON out, process start included, the training excluded); the peers'
is their search call on an in-memory array. Wall seconds are medians of --runs runs.

Usage: swift build -c release --product weir && pip install scikit-learn faiss-cpu hnswlib
       python3 benchmarks/run_knn.py [--runs 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")


def timed(runs, body):
    walls, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = body()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), result


def recall(found, exact):
    return np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact)])


def weir_case(folder, train_path, query_path, hp, runs, exact_labels_rows, k):
    model_dir = os.path.join(folder, "knn-" + hp.get("index_type", "flat"))
    command = [WEIR, "train", "knn", "--channel", f"train={train_path}", "--content-type", "train=text/csv", "--model-dir", model_dir]
    for name, value in hp.items():
        command += ["--hp", f"{name}={value}"]
    subprocess.run(command, check=True, capture_output=True)
    out = os.path.join(folder, "answers.json")
    predict = [WEIR, "predict", "--model", model_dir, "--input", query_path, "--content-type", "text/csv",
               "--accept", "application/json; verbose=True", "--output", out]
    wall, _ = timed(runs, lambda: subprocess.run(predict, check=True, capture_output=True))
    answers = json.load(open(out))["predictions"]
    return wall, answers, json.load(open(os.path.join(model_dir, "model.json")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from sklearn.datasets import make_blobs
    from sklearn.neighbors import NearestNeighbors
    import faiss
    import hnswlib
    faiss.omp_set_num_threads(1)
    k, n, d, queries = 10, 100_000, 64, 2_000
    x, labels = make_blobs(n_samples=n + queries, n_features=d, centers=50, cluster_std=4.0, random_state=3)
    x = x.astype(np.float32)
    train, q = x[:n], x[n:]
    folder = tempfile.mkdtemp(prefix="weir-knn-")
    train_path, query_path = os.path.join(folder, "train.csv"), os.path.join(folder, "queries.csv")
    np.savetxt(train_path, np.column_stack([labels[:n], train]), delimiter=",", fmt="%.7g")
    np.savetxt(query_path, q, delimiter=",", fmt="%.7g")
    train = np.loadtxt(train_path, delimiter=",", dtype=np.float32)[:, 1:]
    q = np.loadtxt(query_path, delimiter=",", dtype=np.float32)

    exact_nn = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(train)
    sk_wall, (_, exact) = timed(args.runs, lambda: exact_nn.kneighbors(q))
    print(f"scikit-learn brute force: {queries / sk_wall:,.0f} queries/s", flush=True)

    base = {"feature_dim": d, "k": k, "predictor_type": "classifier", "sample_size": n}
    wall, answers, _ = weir_case(folder, train_path, query_path, base, args.runs, None, k)
    # Weir's labels are the sample's labels; map neighbours by comparing label lists is not
    # enough, so compare distances: the exact index must give scikit-learn's squared distances.
    sk_distances, _ = exact_nn.kneighbors(q)
    weir_distances = np.array([a["distances"] for a in answers])
    gap = np.max(np.abs(weir_distances - sk_distances ** 2) / np.maximum(sk_distances ** 2, 1e-9))
    print(f"weir faiss.Flat: {queries / wall:,.0f} queries/s (weir predict, process start included); "
          f"largest relative gap to scikit-learn's squared distances {gap:.2e}", flush=True)

    for nprobe in (None,):
        hp = dict(base, index_type="faiss.IVFFlat")
        wall, answers, meta = weir_case(folder, train_path, query_path, hp, args.runs, None, k)
        weir_distances = np.array([a["distances"] for a in answers])
        # recall by distance: a found neighbour counts when its distance is within the exact k-th.
        kth = (sk_distances[:, -1] ** 2)[:, None]
        weir_recall = np.mean(np.sum(weir_distances <= kth * (1 + 1e-5), axis=1) / k)
        print(f"weir faiss.IVFFlat (nlists {meta['faiss_index_ivf_nlists']}, nprobe {meta['faiss_index_ivf_nprobe']}): "
              f"{queries / wall:,.0f} queries/s, recall@10 {weir_recall:.3f}", flush=True)

    lists = int(np.sqrt(n))
    quantizer = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, lists)
    ivf.train(train)
    ivf.add(train)
    for nprobe in (1, 4, 8, 16, 39):
        ivf.nprobe = nprobe
        wall, (_, found) = timed(args.runs, lambda: ivf.search(q, k))
        print(f"faiss IVFFlat nlists {lists} nprobe {nprobe}: {queries / wall:,.0f} queries/s, recall@10 {recall(found, exact):.3f}", flush=True)

    index = hnswlib.Index(space="l2", dim=d)
    index.init_index(max_elements=n, ef_construction=200, M=16)
    index.set_num_threads(1)
    index.add_items(train)
    for ef in (10, 20, 50):
        index.set_ef(max(ef, k))
        wall, (found, _) = timed(args.runs, lambda: index.knn_query(q, k=k))
        print(f"hnswlib M 16 ef {ef}: {queries / wall:,.0f} queries/s, recall@10 {recall(found, exact):.3f}", flush=True)


if __name__ == "__main__":
    main()
