"""XGBoost quality side by side: `weir train xgboost` and xgboost itself on the same
training files with the same hyperparameters, scored on the same held-out records.

    python3 benchmarks/run_xgboost_quality.py [--rows 50000] [--rounds 100]

Sets: binary and multiclass classification, regression, Poisson counts, learning to rank
(query groups as libsvm qid; rank:ndcg and rank:pairwise scored by NDCG@10), each with 10%
missing values, and a wide sparse binary set given as libsvm (absent indices missing).
Needs `pip install xgboost-cpu scikit-learn` and a release build. Prints each side's test
metric and the difference (the issue's bar: within 0.002, relative 1% for losses).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification, make_friedman1
from sklearn.metrics import log_loss, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
WEIR = os.path.join(HERE, "..", ".build", "release", "weir")


def write_csv(path, X, y):
    with open(path, "w") as out:
        for row, label in zip(X, y):
            out.write(",".join([repr(float(label))] + ["" if np.isnan(v) else f"{v:.9g}" for v in row]) + "\n")


def write_libsvm(path, X, y, qid=None):
    with open(path, "w") as out:
        for i, (row, label) in enumerate(zip(X, y)):
            query = [] if qid is None else [f"qid:{qid[i]}"]
            out.write(" ".join([repr(float(label))] + query + [f"{j}:{v:.9g}" for j, v in enumerate(row) if not np.isnan(v)]) + "\n")


def ranking_set(n, rng):
    """Queries of 5 to 60 documents; relevance 0-4 from a nonlinear score of 20 features."""
    sizes = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(5, 61)))
    sizes[-1] -= sum(sizes) - n
    qid = np.repeat(np.arange(len(sizes)), sizes)
    X = rng.normal(size=(n, 20))
    offset = rng.normal(size=len(sizes))[qid]  # queries differ in how relevant their documents are
    score = X[:, 0] + 0.8 * X[:, 1] * X[:, 2] - 0.5 * X[:, 3] ** 2 + np.sin(2 * X[:, 4]) + offset + rng.normal(size=n) * 0.5
    return X, np.clip(np.floor(score + 1.5), 0, 4), qid


def with_missing(X, rng, share=0.1):
    X = X.astype(np.float32).astype(np.float64)
    X[rng.random(X.shape) < share] = np.nan
    return X


def datasets(rows, rng):
    n = rows + rows // 4
    X, y = make_classification(n_samples=n, n_features=30, n_informative=15, random_state=1)
    yield "binary, 10% missing", with_missing(X, rng), y, {"objective": "binary:logistic"}, "auc", "csv"
    X, y = make_classification(n_samples=n, n_features=30, n_informative=15, n_classes=5, n_clusters_per_class=1, random_state=2)
    yield "5 classes, 10% missing", with_missing(X, rng), y, {"objective": "multi:softprob", "num_class": 5}, "mlogloss", "csv"
    X, y = make_friedman1(n_samples=n, n_features=20, noise=1.0, random_state=3)
    X, y, qid = ranking_set(n, rng)
    yield "ranking rank:ndcg, 10% missing (libsvm qid)", with_missing(X, rng), y, {"objective": "rank:ndcg"}, "ndcg@10", "libsvm", qid
    yield "ranking rank:pairwise, 10% missing (qid)", with_missing(X, rng), y, {"objective": "rank:pairwise"}, "ndcg@10", "libsvm", qid
    yield "regression (Friedman #1), 10% missing", with_missing(X, rng), y, {"objective": "reg:squarederror"}, "rmse", "csv"
    X = rng.normal(size=(n, 20))
    rate = np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] ** 2 + 0.2 * X[:, 2] * X[:, 3])
    yield "Poisson counts, 10% missing", with_missing(X, rng), rng.poisson(rate).astype(float), {"objective": "count:poisson"}, "poisson-nloglik", "csv"
    width = 2000
    X = np.full((n, width), np.nan)
    signal = np.zeros(n)
    weights = rng.normal(size=width)
    for i in range(n):
        columns = rng.choice(width, size=20, replace=False)
        X[i, columns] = 1.0
        signal[i] = weights[columns].sum()
    yield f"sparse one-hot, {width} columns (libsvm)", X, (signal + rng.normal(size=n) > 0).astype(float), {"objective": "binary:logistic"}, "auc", "libsvm"


def ndcg_at(k, y, p, qid):
    """Mean NDCG@k over queries (gain 2^rel - 1; a query without relevant documents scores 1, as xgboost)."""
    total, groups = 0.0, 0
    for q in np.unique(qid):
        rows = np.flatnonzero(qid == q)
        order = rows[np.argsort(-p[rows], kind="stable")][:k]
        ideal = np.sort(y[rows])[::-1][:k]
        discount = 1 / np.log2(np.arange(2, k + 2))
        idcg = float(np.sum((2 ** ideal - 1) * discount[:len(ideal)]))
        dcg = float(np.sum((2 ** y[order] - 1) * discount[:len(order)]))
        total += dcg / idcg if idcg > 0 else 1.0
        groups += 1
    return total / groups


def metric(name, y, p, qid=None):
    if name == "ndcg@10":
        return ndcg_at(10, y, p, qid)
    if name == "auc":
        return roc_auc_score(y, p)
    if name == "mlogloss":
        return log_loss(y, p, labels=list(range(p.shape[1])))
    if name == "rmse":
        return float(np.sqrt(np.mean((y - p) ** 2)))
    if name == "poisson-nloglik":
        from scipy.special import gammaln
        q = np.maximum(p, 1e-16)
        return float(np.mean(gammaln(y + 1) + q - np.log(q) * y))
    raise ValueError(name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    folder = tempfile.mkdtemp(prefix="weir-xgb-quality-")
    print(f"{args.rows} training records (+{args.rows // 4} test), {args.rounds} rounds, depth 6, eta 0.3, hist, "
          f"2 threads; xgboost {xgb.__version__}")
    for name, X, y, params, metric_name, form, *groups in datasets(args.rows, rng):
        qid = groups[0] if groups else None
        train_X, train_y, test_X, test_y = X[:args.rows], y[:args.rows], X[args.rows:], y[args.rows:]
        train_qid, test_qid = (qid[:args.rows], qid[args.rows:]) if qid is not None else (None, None)
        train = os.path.join(folder, f"train.{form}")
        if form == "csv":
            write_csv(train, train_X, train_y)
        else:
            write_libsvm(train, train_X, train_y, train_qid)
        model_dir = os.path.join(folder, "weir")
        command = [WEIR, "train", "xgboost", "--channel", f"train={train}", "--content-type",
                   f"train={'text/csv' if form == 'csv' else 'text/libsvm'}", "--hp", f"num_round={args.rounds}",
                   "--hp", "nthread=2", "--model-dir", model_dir] + [a for k, v in params.items() for a in ("--hp", f"{k}={v}")]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        weir = xgb.Booster()
        with open(os.path.join(model_dir, "xgboost-model"), "rb") as model:
            weir.load_model(bytearray(model.read()))
        # xgboost reads the same file the same way (libsvm through its own parser).
        if qid is not None:
            dtrain = xgb.DMatrix(train_X, label=train_y, qid=train_qid)
        elif form == "csv":
            dtrain = xgb.DMatrix(train_X, label=train_y)
        else:
            dtrain = xgb.DMatrix(train + "?format=libsvm")
        reference = xgb.train(dict(params, tree_method="hist", max_depth=6, eta=0.3, nthread=2), dtrain, args.rounds)
        dtest = xgb.DMatrix(test_X if form == "csv" else np.nan_to_num(test_X, nan=np.nan))
        ours = metric(metric_name, test_y, weir.predict(dtest), test_qid)
        theirs = metric(metric_name, test_y, reference.predict(dtest), test_qid)
        relative = abs(ours - theirs) / abs(theirs)
        print(f"  {name:42s} test {metric_name:16s} weir {ours:.5f}  xgboost {theirs:.5f}  "
              f"difference {ours - theirs:+.5f} ({relative * 100:.2f}%)")


if __name__ == "__main__":
    sys.exit(main())
