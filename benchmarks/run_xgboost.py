"""XGBoost side by side: Weir's `weir train xgboost` against xgboost itself on the same
CSV files, the same hyperparameters and the same thread count, end to end (reading the
CSV, building the histogram index, boosting, the train logloss printed each round as the
SageMaker container prints it), then test AUC from each side's model. xgboost also runs
from arrays already parsed, with and without the per-round metric (Weir always prints it).

    python3 benchmarks/run_xgboost.py [--rows 200000] [--features 50] [--rounds 100]
                                      [--threads 1 2] [--runs 3]

Then the prediction rate of the model Weir trained on the test records, held in memory:
Weir's packed ensemble (`weir-xgboost-bench`) beside xgboost's `inplace_predict`, all
records at once and one at a time, on one thread.

Needs `pip install xgboost-cpu scikit-learn` and a release build
(`swift build -c release --product weir --product weir-xgboost-bench`). xgboost runs with OMP_WAIT_POLICY=PASSIVE
(without it OpenMP spins on this shared machine). Prints medians of --runs runs: wall
seconds, CPU seconds (user + system) and peak resident memory, with Weir's ratios.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WEIR = os.path.join(HERE, "..", ".build", "release", "weir")
PREDICT_BENCH = os.path.join(HERE, "..", ".build", "release", "weir-xgboost-bench")

XGBOOST_SCRIPT = r"""
import json, os, resource, sys, time
import numpy as np, xgboost as xgb
train, test, threads, rounds, model = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
evaluate = sys.argv[6] == "eval"
if train.endswith(".npy"):
    data = np.load(train)
    d = xgb.DMatrix(data[:, 1:], label=data[:, 0], nthread=threads)
else:
    d = xgb.DMatrix(train + "?format=csv&label_column=0", nthread=threads)
params = dict(objective="binary:logistic", tree_method="hist", max_depth=6, eta=0.3, max_bin=256, nthread=threads,
              eval_metric="logloss")
booster = xgb.train(params, d, rounds, evals=[(d, "train")] if evaluate else [], verbose_eval=False)
booster.save_model(model)
"""


def child_usage():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command, env=None):
    """Runs a command in a fresh process; returns wall seconds, CPU seconds and peak RSS (MB)."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, time, json\n"
               "start = time.perf_counter()\n"
               "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
               "wall = time.perf_counter() - start\n"
               "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(json.dumps([code, wall, u.ru_utime + u.ru_stime, u.ru_maxrss / 1024]))\n"] + command
    out = subprocess.run(wrapper, capture_output=True, text=True, env=env, check=True).stdout
    code, wall, cpu, rss = json.loads(out.strip().splitlines()[-1])
    if code != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, cpu, rss


def auc_of(model_path, test_csv):
    import numpy as np
    import xgboost as xgb
    from sklearn.metrics import roc_auc_score
    data = np.loadtxt(test_csv, delimiter=",", dtype=np.float32)
    booster = xgb.Booster()
    with open(model_path, "rb") as model:  # Weir's file is named as SageMaker names it: no extension
        booster.load_model(bytearray(model.read()))
    return roc_auc_score(data[:, 0], booster.predict(xgb.DMatrix(data[:, 1:])))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import numpy as np
    import xgboost as xgb
    from sklearn.datasets import make_classification

    folder = tempfile.mkdtemp(prefix="weir-xgb-")
    train, test = os.path.join(folder, "train.csv"), os.path.join(folder, "test.csv")
    test_rows = args.rows // 4
    X, y = make_classification(n_samples=args.rows + test_rows, n_features=args.features,
                               n_informative=args.features // 2, random_state=7)
    np.savetxt(train, np.column_stack([y[:args.rows], X[:args.rows]]), delimiter=",", fmt="%.7g")
    np.savetxt(test, np.column_stack([y[args.rows:], X[args.rows:]]), delimiter=",", fmt="%.7g")
    # The same records, parsed once, for xgboost's in-memory timing (no CSV parsing).
    in_memory = os.path.join(folder, "train.npy")
    np.save(in_memory, np.loadtxt(train, delimiter=",", dtype=np.float32))
    print(f"make_classification {args.rows} x {args.features} (+{test_rows} test), depth 6, eta 0.3, "
          f"{args.rounds} rounds, max_bin 256; xgboost {xgb.__version__}; medians of {args.runs} runs")
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    script = os.path.join(folder, "xgb_train.py")
    with open(script, "w") as out:
        out.write(XGBOOST_SCRIPT)
    for threads in args.threads:
        runs = {"weir": [], "xgboost": [], "memory": [], "quiet": []}
        weir_model = os.path.join(folder, f"weir-{threads}")
        xgb_model = os.path.join(folder, f"xgb-{threads}.json")
        for _ in range(args.runs):
            runs["xgboost"].append(timed([sys.executable, script, train, test, str(threads), str(args.rounds), xgb_model, "eval"], env))
            runs["memory"].append(timed([sys.executable, script, in_memory, test, str(threads), str(args.rounds), xgb_model + ".npy.json", "eval"], env))
            runs["quiet"].append(timed([sys.executable, script, in_memory, test, str(threads), str(args.rounds), xgb_model + ".q.json", "quiet"], env))
            runs["weir"].append(timed([WEIR, "train", "xgboost", "--channel", f"train={train}", "--content-type", "train=text/csv",
                                       "--hp", f"num_round={args.rounds}", "--hp", "objective=binary:logistic",
                                       "--hp", f"nthread={threads}", "--hp", "eval_metric=logloss", "--model-dir", weir_model]))
        w, x, m, q = ([statistics.median(v) for v in zip(*runs[name])] for name in ("weir", "xgboost", "memory", "quiet"))
        weir_auc = auc_of(os.path.join(weir_model, "xgboost-model"), test)
        xgb_auc = auc_of(xgb_model, test)
        print(f"threads={threads}")
        print(f"  weir, from the CSV file:           wall {w[0]:6.2f} s  CPU {w[1]:6.2f} s  peak {w[2]:5.0f} MB  test AUC {weir_auc:.4f}")
        print(f"  xgboost, from the CSV file:        wall {x[0]:6.2f} s  CPU {x[1]:6.2f} s  peak {x[2]:5.0f} MB  test AUC {xgb_auc:.4f}"
              f"   (weir/xgboost wall {w[0] / x[0]:.2f}x, CPU {w[1] / x[1]:.2f}x, memory {w[2] / x[2]:.2f}x)")
        print(f"  xgboost, from parsed NumPy arrays: wall {m[0]:6.2f} s  CPU {m[1]:6.2f} s  peak {m[2]:5.0f} MB"
              f"   (weir from CSV / this: wall {w[0] / m[0]:.2f}x, CPU {w[1] / m[1]:.2f}x)")
        print(f"  xgboost, NumPy, no metric per round: wall {q[0]:6.2f} s  CPU {q[1]:6.2f} s  peak {q[2]:5.0f} MB"
              f"   (weir from CSV, with its metric line / this: wall {w[0] / q[0]:.2f}x, CPU {w[1] / q[1]:.2f}x)")
    if os.path.exists(PREDICT_BENCH):
        prediction_rates(os.path.join(folder, f"weir-{args.threads[-1]}", "xgboost-model"), test)


def prediction_rates(model_path, test_csv):
    import numpy as np
    import xgboost as xgb
    print("prediction, 1 thread, the test records in memory (medians of 5):")
    print("  " + subprocess.run([PREDICT_BENCH, model_path, test_csv, "--threads", "1"], capture_output=True, text=True,
                                check=True).stdout.strip().replace("\n", "\n  "))
    data = np.loadtxt(test_csv, delimiter=",", dtype=np.float32)[:, 1:]
    booster = xgb.Booster()
    with open(model_path, "rb") as model:
        booster.load_model(bytearray(model.read()))
    booster.set_param({"nthread": 1})
    rates = []
    for _ in range(5):
        wall, cpu = time.perf_counter(), time.process_time()
        booster.inplace_predict(data)
        rates.append((len(data) / (time.perf_counter() - wall), len(data) / (time.process_time() - cpu)))
    wall_rate, cpu_rate = sorted(rates)[2]
    print(f"  xgboost inplace_predict batch: {wall_rate:.0f} records/s wall, {cpu_rate:.0f} records per CPU-second")
    single = data[:5000]
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(len(single)):
        booster.inplace_predict(single[index:index + 1])
    print(f"  xgboost inplace_predict one at a time (from Python): {len(single) / (time.perf_counter() - wall):.0f} records/s wall, "
          f"{len(single) / (time.process_time() - cpu):.0f} records per CPU-second")


if __name__ == "__main__":
    main()
