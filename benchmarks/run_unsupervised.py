#!/usr/bin/env python3
"""K-Means and PCA: `weir train kmeans|pca` side by side with scikit-learn in the same run,
on the same CSV files, at the same thread count (2: OpenBLAS in Weir, OpenMP/BLAS in
scikit-learn, with OMP_WAIT_POLICY=PASSIVE). Weir's time includes parsing the CSV file;
scikit-learn's does not include loading it (np.loadtxt is far slower than Weir's reader,
so this favours the peer). Wall and CPU seconds are medians of --runs runs.

Quality is measured on the whole data set with NumPy from each side's model: K-Means
inertia (Weir's centres read from its model file) and adjusted Rand index against
scikit-learn's labels on well-separated blobs; PCA explained variance per component
(relative to scikit-learn's full solver) and the largest |cos| gap between components.

With --large it also runs K-Means k=100 on 1,000,000 x 50 blobs (scikit-learn with
n_init=1 there: ten initialisations take minutes) and PCA with 10 components on a
100,000 x 10,000 sparse matrix (libsvm file; Weir randomized without densifying,
scikit-learn's PCA with the arpack solver on the CSR matrix, which centres implicitly).
Weir's peak RSS is printed for each case.

Usage: swift build -c release --product weir && pip install scikit-learn
       python3 benchmarks/run_unsupervised.py [--runs 3] [--rows 200000] [--large] [--only-sparse]
"""
import argparse
import json
import os
import struct
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from peer_timing import children_cpu, median_runs, peer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")


PEAK_RSS = {}


def weir_train(algorithm, path, hyperparameters, model_dir):
    content = "text/libsvm" if path.endswith(".libsvm") else "text/csv;label_size=0"
    rss = os.path.join(model_dir + ".rss")
    command = ["/usr/bin/time", "-f", "%M", "-o", rss, WEIR, "train", algorithm, "--channel", f"train={path}",
               "--content-type", f"train={content}", "--model-dir", model_dir]
    for name, value in hyperparameters.items():
        command += ["--hp", f"{name}={value}"]
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    PEAK_RSS[model_dir] = int(open(rss).read().split()[-1]) / 1024
    return wall, children_cpu() - cpu


def read_kmeans(model_dir):
    data = open(os.path.join(model_dir, "model.kmeans"), "rb").read()
    assert data[:8] == b"WEIRKMN1"
    offset = 12
    (dimension,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    (count,) = struct.unpack_from("<I", data, offset)
    offset += 4
    centres = np.frombuffer(data, dtype="<f4", count=count, offset=offset).astype(np.float64)
    return centres.reshape(-1, dimension)


def read_pca(model_dir):
    data = open(os.path.join(model_dir, "model.pca"), "rb").read()
    assert data[:8] == b"WEIRPCA1"
    offset = 12
    (dimension,) = struct.unpack_from("<Q", data, offset)
    offset += 9
    arrays = []
    for _ in range(2):
        (count,) = struct.unpack_from("<I", data, offset)
        offset += 4
        arrays.append(np.frombuffer(data, dtype="<f8", count=count, offset=offset))
        offset += 8 * count
    return arrays[0].reshape(-1, dimension), arrays[1]


def assign(x, centres):
    distances = (x * x).sum(1)[:, None] - 2 * x @ centres.T + (centres * centres).sum(1)[None, :]
    labels = distances.argmin(1)
    inertia = ((x - centres[labels]) ** 2).sum()
    return labels, inertia


def write_csv(x, path):
    np.savetxt(path, x, delimiter=",", fmt="%.6g")


def kmeans_case(name, x, k, folder, runs, truth=None, trials=10):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    path = os.path.join(folder, f"{name}.csv")
    write_csv(x, path)
    x = np.loadtxt(path, delimiter=",")
    model_dir = os.path.join(folder, f"{name}-kmeans")
    hp = {"feature_dim": x.shape[1], "k": k}
    w_wall, w_cpu, _ = median_runs(runs, lambda: weir_train("kmeans", path, hp, model_dir))
    labels, inertia = assign(x, read_kmeans(model_dir))
    p_wall, p_cpu, (sk,) = median_runs(runs, lambda: peer(lambda: KMeans(n_clusters=k, n_init=trials, random_state=0).fit(x)))
    line = (f"kmeans {name} {x.shape[0]}x{x.shape[1]} k={k}: weir {w_wall:.2f} s wall / {w_cpu:.2f} s CPU, "
            f"sklearn KMeans(n_init={trials}) {p_wall:.2f} s / {p_cpu:.2f} s CPU, wall ratio {p_wall / w_wall:.2f}x; "
            f"weir peak RSS {PEAK_RSS[model_dir]:.0f} MB; inertia weir {inertia:.6g} sklearn {sk.inertia_:.6g} (weir/sklearn {inertia / sk.inertia_:.4f})")
    if truth is not None:
        line += f"; ARI weir vs truth {adjusted_rand_score(truth, labels):.4f}, sklearn vs truth {adjusted_rand_score(truth, sk.labels_):.4f}"
    print(line, flush=True)


def pca_case(name, x, components, folder, runs, modes=("regular", "randomized")):
    from sklearn.decomposition import PCA
    path = os.path.join(folder, f"{name}.csv")
    write_csv(x, path)
    x = np.loadtxt(path, delimiter=",")
    full = PCA(n_components=components, svd_solver="full").fit(x)
    for mode in modes:
        model_dir = os.path.join(folder, f"{name}-pca-{mode}")
        hp = {"feature_dim": x.shape[1], "num_components": components, "mini_batch_size": 5000, "algorithm_mode": mode}
        w_wall, w_cpu, _ = median_runs(runs, lambda: weir_train("pca", path, hp, model_dir))
        vectors, variance = read_pca(model_dir)
        solver = "full" if mode == "regular" else "randomized"
        p_wall, p_cpu, (sk,) = median_runs(runs, lambda: peer(lambda: PCA(n_components=components, svd_solver=solver, random_state=0).fit(x)))
        gap = np.max(np.abs(variance - full.explained_variance_) / full.explained_variance_)
        cosines = np.abs(np.sum(vectors * full.components_, axis=1))
        print(f"pca {name} {x.shape[0]}x{x.shape[1]} {components} components, {mode}: weir {w_wall:.2f} s wall / {w_cpu:.2f} s CPU, "
              f"sklearn PCA({solver}) {p_wall:.2f} s / {p_cpu:.2f} s CPU, wall ratio {p_wall / w_wall:.2f}x; weir peak RSS {PEAK_RSS[model_dir]:.0f} MB; "
              f"max relative gap in explained variance vs sklearn full {gap:.2e}, min |cos| to sklearn full's components {cosines.min():.6f}",
              flush=True)


def sparse_pca_case(folder, runs, rows=100_000, columns=10_000, components=10):
    """Rows of a few topics: each row takes ~12 columns from its topic's block of 500 and
    ~3 anywhere, values 1-5 (a one-hot-like matrix with structure to find)."""
    import scipy.sparse as sp
    from sklearn.decomposition import PCA
    rng = np.random.default_rng(1)
    indptr, indices, values = [0], [], []
    for _ in range(rows):
        topic = rng.integers(0, 20)
        cols = np.unique(np.concatenate([topic * 500 + rng.integers(0, 500, 12), rng.integers(0, columns, 3)]))
        indices.extend(cols.tolist())
        values.extend(rng.integers(1, 6, len(cols)).astype(float).tolist())
        indptr.append(len(indices))
    x = sp.csr_matrix((values, indices, indptr), shape=(rows, columns))
    path = os.path.join(folder, "sparse.libsvm")
    with open(path, "w") as f:
        for r in range(rows):
            start, end = x.indptr[r], x.indptr[r + 1]
            f.write("0 " + " ".join(f"{c + 1}:{v:g}" for c, v in zip(x.indices[start:end], x.data[start:end])) + "\n")
    model_dir = os.path.join(folder, "sparse-pca")
    hp = {"feature_dim": columns, "num_components": components, "mini_batch_size": 5000, "algorithm_mode": "randomized"}
    w_wall, w_cpu, _ = median_runs(runs, lambda: weir_train("pca", path, hp, model_dir))
    vectors, variance = read_pca(model_dir)
    p_wall, p_cpu, (sk,) = median_runs(runs, lambda: peer(lambda: PCA(n_components=components, svd_solver="arpack", random_state=0).fit(x)))
    from sklearn.datasets import load_svmlight_file
    l_wall, l_cpu, _ = median_runs(runs, lambda: peer(lambda: PCA(n_components=components, svd_solver="arpack", random_state=0)
                                                      .fit(load_svmlight_file(path, n_features=columns)[0])))
    gap = np.max(np.abs(variance - sk.explained_variance_) / sk.explained_variance_)
    cosines = np.abs(np.sum(vectors * sk.components_, axis=1))
    print(f"pca sparse {rows}x{columns} ({x.nnz} non-zeros) {components} components, randomized: weir {w_wall:.2f} s wall / {w_cpu:.2f} s CPU, "
          f"sklearn PCA(arpack) on CSR {p_wall:.2f} s / {p_cpu:.2f} s CPU, wall ratio {p_wall / w_wall:.2f}x; "
          f"sklearn load_svmlight_file + fit {l_wall:.2f} s / {l_cpu:.2f} s CPU, wall ratio {l_wall / w_wall:.2f}x; weir peak RSS {PEAK_RSS[model_dir]:.0f} MB; "
          f"max relative gap in explained variance vs sklearn {gap:.2e}, min |cos| {cosines.min():.6f}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--large", action="store_true")
    parser.add_argument("--only-large", action="store_true")
    parser.add_argument("--only-sparse", action="store_true")
    args = parser.parse_args()
    from sklearn.datasets import load_digits, make_blobs, make_classification
    folder = tempfile.mkdtemp(prefix="weir-unsupervised-")
    blobs, truth = make_blobs(n_samples=args.rows, n_features=50, centers=10, cluster_std=1.0, random_state=1)
    classification, _ = make_classification(n_samples=args.rows, n_features=50, n_informative=10, random_state=1)
    digits = load_digits().data
    if args.only_sparse:
        sparse_pca_case(folder, args.runs)
        return
    if args.large or args.only_large:
        big, big_truth = make_blobs(n_samples=1_000_000, n_features=50, centers=100, cluster_std=1.0, random_state=2)
        kmeans_case("blobs-1m", big, 100, folder, args.runs, truth=big_truth, trials=1)
        del big, big_truth
        sparse_pca_case(folder, args.runs)
    if args.only_large:
        return
    kmeans_case("blobs", blobs, 10, folder, args.runs, truth=truth)
    kmeans_case("classification", classification, 10, folder, args.runs)
    kmeans_case("digits", digits, 10, folder, args.runs)
    pca_case("classification", classification, 10, folder, args.runs)
    pca_case("digits", digits, 10, folder, args.runs)


if __name__ == "__main__":
    main()
