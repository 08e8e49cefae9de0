#!/usr/bin/env python3
"""Factorization Machines: `weir train factorization-machines` side by side with myFM (a
C++ Bayesian factorization machine: libFM's Gibbs-sampling MCMC, the peer FM users run)
on synthetic ratings with the shape of a recommender set: one-hot user and item columns
(sparse, two non-zeros per record), ratings from biases plus a rank-8 interaction plus
noise. Both sides fit rank 8 on the same 400,000 training records and predict the same
100,000 test records; reports test RMSE (against the noise floor and a global-mean
baseline), training wall and CPU seconds, peak RSS of Weir's process. Weir reads the
training file (libsvm) itself; myFM gets a scipy sparse matrix already in memory. One
thread each side. Medians of --runs runs.

Usage: swift build -c release --product weir && pip install myfm scipy
       python3 benchmarks/run_factorization_machines.py [--runs 3]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # myFM's progress bars

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import children_cpu, median_runs, peer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")


def ratings(users, items, count, rank, noise, seed):
    random = np.random.default_rng(seed)
    user_bias, item_bias = random.normal(0, 0.5, users), random.normal(0, 0.5, items)
    p, q = random.normal(0, 0.6, (users, rank)), random.normal(0, 0.6, (items, rank))
    u, i = random.integers(0, users, count), random.integers(0, items, count)
    truth = 3.5 + user_bias[u] + item_bias[i] + np.sum(p[u] * q[i], axis=1)
    return u, i, truth + random.normal(0, noise, count), truth


def write_libsvm(path, users, u, i, y):
    # libsvm indices are 1-based: column c is index c + 1.
    with open(path, "w") as f:
        for label, user, item in zip(y, u, i):
            f.write(f"{label:.5f} {user + 1}:1 {users + item + 1}:1\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import myfm
    from scipy import sparse
    users, items, rank, noise = 5_000, 2_000, 8, 0.5
    u, i, y, truth = ratings(users, items, 500_000, rank, noise, 7)
    train, test = slice(0, 400_000), slice(400_000, None)
    folder = tempfile.mkdtemp(prefix="weir-fm-")
    train_path, test_path = os.path.join(folder, "train.libsvm"), os.path.join(folder, "test.libsvm")
    write_libsvm(train_path, users, u[train], i[train], y[train])
    write_libsvm(test_path, users, u[test], i[test], y[test])
    width = users + items

    def matrix(part):
        rows = np.repeat(np.arange(len(u[part])), 2)
        columns = np.column_stack([u[part], users + i[part]]).ravel()
        return sparse.csr_matrix((np.ones(len(columns)), (rows, columns)), shape=(len(u[part]), width))
    x_train, x_test = matrix(train), matrix(test)
    rmse = lambda predicted: float(np.sqrt(np.mean((predicted - y[test]) ** 2)))  # noqa: E731
    print(f"{users:,} users x {items:,} items one-hot ({width:,} columns), 400,000 train / 100,000 test ratings, rank {rank}, "
          f"noise sd {noise}; medians of {args.runs} runs")
    print(f"noise floor (RMSE of the true mean rating): {float(np.sqrt(np.mean((truth[test] - y[test]) ** 2))):.4f}; "
          f"global mean: {rmse(np.full(100_000, y[train].mean())):.4f}")
    print("| model | train wall s | train CPU s | test RMSE | peak RSS |")
    print("|---|---|---|---|---|")

    # SageMaker's default learning rates (factors 1e-4, linear 1e-3) are made for far larger
    # sets; the third case sets them for this one, as a user tuning the job would.
    tuned = {"factors_lr": 0.005, "linear_lr": 0.01, "factors_init_sigma": 0.1}
    for epochs, settings in ((10, {}), (30, {}), (30, tuned)):
        model_dir = os.path.join(folder, f"fm-{epochs}-{len(settings)}")
        command = [WEIR, "train", "factorization-machines", "--channel", f"train={train_path}", "--content-type", "train=text/libsvm",
                   "--model-dir", model_dir, "--hp", f"feature_dim={width}", "--hp", f"num_factors={rank}",
                   "--hp", "predictor_type=regressor", "--hp", f"epochs={epochs}"]
        for name, value in settings.items():
            command += ["--hp", f"{name}={value}"]

        def run():
            cpu, start = children_cpu(), time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            return time.perf_counter() - start, children_cpu() - cpu
        wall, cpu, _ = median_runs(args.runs, run)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        out = os.path.join(folder, "answers.jsonl")
        subprocess.run([WEIR, "predict", "--model", model_dir, "--input", test_path, "--content-type", "text/libsvm",
                        "--accept", "application/jsonlines", "--output", out], check=True, capture_output=True)
        predicted = np.array([json.loads(line)["score"] for line in open(out)])
        described = ", ".join(f"{name} {value}" for name, value in settings.items()) or "other settings SageMaker's defaults"
        print(f"| Weir factorization-machines, epochs {epochs} ({described}) | {wall:.2f} | {cpu:.2f} | "
              f"{rmse(predicted):.4f} | {peak:,.0f} MB (largest Weir process so far) |", flush=True)

    for iterations in (50, 200):
        def fit():
            model = myfm.MyFMRegressor(rank=rank, random_seed=1)
            model.fit(x_train, y[train], n_iter=iterations, n_kept_samples=iterations * 3 // 4)
            return model
        wall, cpu, (model,) = median_runs(args.runs, lambda: peer(fit))
        print(f"| myFM MyFMRegressor (Gibbs sampling), {iterations} iterations | {wall:.2f} | {cpu:.2f} | {rmse(model.predict(x_test)):.4f} | |",
              flush=True)


if __name__ == "__main__":
    main()
