#!/usr/bin/env python3
"""Linear Learner: `weir train linear-learner` side by side with scikit-learn in the same
run, on the same splits of scikit-learn's generators (200,000 training records x 50
features by default):

- binary (make_classification): LogisticRegression(lbfgs) total time, SGDClassifier
  (log loss, 15 epochs, no early stop) time per epoch; test AUC and accuracy.
- multiclass (make_classification, 5 classes): multinomial LogisticRegression(lbfgs);
  test accuracy.
- regression (make_regression, noise 10): Ridge; test RMSE.

Weir reads the CSV itself (its time includes parsing); scikit-learn's times are shown for
the fit alone and for pandas.read_csv + fit of the same file. Every process gets the same
two cores (OPENBLAS/OMP threads 1 for BLAS on both sides; Weir's CSV reader uses both).
Wall and CPU seconds are medians of --runs runs. Quality is measured on a held-out test
split from each model's own parameters (Weir's model file is read here).

Usage: swift build -c release --product weir && pip install scikit-learn pandas
       python3 benchmarks/run_linear_learner.py [--runs 3] [--rows 200000]
"""
import argparse
import os
import statistics
import struct
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from peer_timing import children_cpu, median_runs, peer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")


def weir_train(path, hyperparameters, model_dir):
    command = [WEIR, "train", "linear-learner", "--channel", f"train={path}", "--content-type", "train=text/csv",
               "--model-dir", model_dir]
    for name, value in hyperparameters.items():
        command += ["--hp", f"{name}={value}"]
    cpu, start = children_cpu(), time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    # Seconds per epoch from the per-epoch throughput lines (records / (records/second)).
    rates = [float(line.split("throughput=")[1].split()[0]) for line in output.splitlines() if line.startswith("#throughput_metric")]
    EPOCHS[model_dir] = statistics.median(ROWS[0] / rate for rate in rates) if rates else float("nan")
    return wall, cpu, read_model(os.path.join(model_dir, "model.linear"))


EPOCHS = {}
ROWS = [0]


def read_model(path):
    """The weights (features x outputs), biases and threshold of a WEIRLIN1 file."""
    data = open(path, "rb").read()
    assert data[:8] == b"WEIRLIN1"
    offset = 8 + 4 + 2
    features, outputs = struct.unpack_from("<QQ", data, offset)
    offset += 16
    (threshold,) = struct.unpack_from("<d", data, offset)
    offset += 8
    (count,) = struct.unpack_from("<I", data, offset)
    offset += 4
    weights = np.frombuffer(data, dtype="<f4", count=count, offset=offset).astype(np.float64).reshape(features, outputs)
    offset += 4 * count
    (count,) = struct.unpack_from("<I", data, offset)
    offset += 4
    bias = np.frombuffer(data, dtype="<f8", count=count, offset=offset)
    return weights, bias, threshold


def write_csv(x, y, path):
    np.savetxt(path, np.column_stack([y, x]), delimiter=",", fmt="%.7g")


def read_csv_fit(path, make):
    frame = pd.read_csv(path, header=None).to_numpy()
    return make().fit(frame[:, 1:], frame[:, 0])


def binary_case(rows, folder, runs):
    x, y = make_classification(n_samples=rows + 50_000, n_features=50, n_informative=10, random_state=0)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=50_000, random_state=0)
    path = os.path.join(folder, "binary.csv")
    write_csv(x_train, y_train, path)
    print(f"binary: {rows} x 50 (make_classification, 10 informative), test 50,000")
    for label, extra in [("weir num_models=auto (8)", {}), ("weir num_models=1", {"num_models": "1"})]:
        hp = {"predictor_type": "binary_classifier", "feature_dim": 50, **extra}
        wall, cpu, ((w, b, threshold),) = median_runs(runs, lambda: weir_train(path, hp, os.path.join(folder, "ll-binary")))
        probability = 1 / (1 + np.exp(-(x_test @ w[:, 0] + b[0])))
        print(f"  {label}: {wall:.2f} s wall / {cpu:.2f} s CPU (15 epochs, early stopping on; "
              f"{EPOCHS[os.path.join(folder, 'll-binary')]:.3f} s per epoch); "
              f"test AUC {roc_auc_score(y_test, probability):.4f}, accuracy {accuracy_score(y_test, probability >= threshold):.4f}")
    make = lambda: LogisticRegression(max_iter=1000)  # noqa: E731
    wall, cpu, (model,) = median_runs(runs, lambda: peer(lambda: make().fit(x_train, y_train)))
    l_wall, l_cpu, _ = median_runs(runs, lambda: peer(lambda: read_csv_fit(path, make)))
    probability = model.predict_proba(x_test)[:, 1]
    print(f"  sklearn LogisticRegression(lbfgs): fit {wall:.2f} s / {cpu:.2f} s CPU, read_csv + fit {l_wall:.2f} s / {l_cpu:.2f} s CPU; "
          f"test AUC {roc_auc_score(y_test, probability):.4f}, accuracy {accuracy_score(y_test, probability >= 0.5):.4f}")
    make = lambda: SGDClassifier(loss="log_loss", max_iter=15, tol=None, random_state=0)  # noqa: E731
    wall, cpu, (model,) = median_runs(runs, lambda: peer(lambda: make().fit(x_train, y_train)))
    scores = model.decision_function(x_test)
    print(f"  sklearn SGDClassifier(log_loss, 15 epochs): fit {wall:.2f} s / {cpu:.2f} s CPU ({wall / 15:.3f} s per epoch); "
          f"test AUC {roc_auc_score(y_test, scores):.4f}, accuracy {accuracy_score(y_test, scores >= 0):.4f}")


def multiclass_case(rows, folder, runs):
    x, y = make_classification(n_samples=rows + 50_000, n_features=50, n_informative=10, n_classes=5, random_state=1)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=50_000, random_state=0)
    path = os.path.join(folder, "multiclass.csv")
    write_csv(x_train, y_train, path)
    print(f"multiclass: {rows} x 50, 5 classes, test 50,000")
    hp = {"predictor_type": "multiclass_classifier", "num_classes": 5, "feature_dim": 50}
    wall, cpu, ((w, b, _),) = median_runs(runs, lambda: weir_train(path, hp, os.path.join(folder, "ll-multi")))
    print(f"  weir: {wall:.2f} s wall / {cpu:.2f} s CPU; test accuracy {accuracy_score(y_test, (x_test @ w + b).argmax(1)):.4f}")
    make = lambda: LogisticRegression(max_iter=1000)  # noqa: E731
    wall, cpu, (model,) = median_runs(runs, lambda: peer(lambda: make().fit(x_train, y_train)))
    l_wall, l_cpu, _ = median_runs(runs, lambda: peer(lambda: read_csv_fit(path, make)))
    print(f"  sklearn LogisticRegression(lbfgs, multinomial): fit {wall:.2f} s / {cpu:.2f} s CPU, read_csv + fit {l_wall:.2f} s / {l_cpu:.2f} s CPU; "
          f"test accuracy {accuracy_score(y_test, model.predict(x_test)):.4f}")


def regression_case(rows, folder, runs):
    x, y = make_regression(n_samples=rows + 50_000, n_features=50, n_informative=20, noise=10, random_state=2)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=50_000, random_state=0)
    path = os.path.join(folder, "regression.csv")
    write_csv(x_train, y_train, path)
    print(f"regression: {rows} x 50 (make_regression, noise 10), test 50,000")
    hp = {"predictor_type": "regressor", "feature_dim": 50}
    wall, cpu, ((w, b, _),) = median_runs(runs, lambda: weir_train(path, hp, os.path.join(folder, "ll-regression")))
    rmse = float(np.sqrt(np.mean((x_test @ w[:, 0] + b[0] - y_test) ** 2)))
    print(f"  weir: {wall:.2f} s wall / {cpu:.2f} s CPU; test RMSE {rmse:.4f}")
    wall, cpu, (model,) = median_runs(runs, lambda: peer(lambda: Ridge().fit(x_train, y_train)))
    l_wall, l_cpu, _ = median_runs(runs, lambda: peer(lambda: read_csv_fit(path, Ridge)))
    peer_rmse = float(np.sqrt(np.mean((model.predict(x_test) - y_test) ** 2)))
    print(f"  sklearn Ridge: fit {wall:.2f} s / {cpu:.2f} s CPU, read_csv + fit {l_wall:.2f} s / {l_cpu:.2f} s CPU; test RMSE {peer_rmse:.4f} (weir/sklearn {rmse / peer_rmse:.4f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    ROWS[0] = args.rows
    with tempfile.TemporaryDirectory() as folder:
        binary_case(args.rows, folder, args.runs)
        multiclass_case(args.rows, folder, args.runs)
        regression_case(args.rows, folder, args.runs)


if __name__ == "__main__":
    main()
