#!/usr/bin/env python3
"""DeepAR accuracy and training speed: Weir vs GluonTS's DeepAR (PyTorch, CPU) vs seasonal
naive, same data, same split, same epochs and batches, in one run.

Data: `weir generate series` (hourly related series with trend, daily and weekly seasons,
three kinds as `cat`); the last prediction_length points of each series are the test
window. Both models: context_length 48, prediction_length 24, 2 LSTM layers of 40 cells,
dropout 0.1, Student-t likelihood, Adam lr 1e-3, batch 32, 50 batches per epoch, the
same number of epochs, 100 sample paths, one thread. Scored on the test window as
SageMaker's DeepAR and GluonTS's Evaluator do: RMSE of the mean forecast and
mean_wQuantileLoss over quantiles 0.1 ... 0.9. Seasonal naive repeats the last 24 hours.

Each model trains with seeds 0 .. --seeds - 1 (default 4) and the means are compared:
across seeds mean_wQuantileLoss moves by about 7% for either model.

Usage: python3 benchmarks/run_deepar.py [--series 100] [--epochs 20] [--seeds 4]
Needs: swift build -c release --product weir; pip install "gluonts[torch]"
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIR = os.path.join(ROOT, ".build", "release", "weir")
ONE_THREAD = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]

GLUONTS = r'''
import json, sys, time, warnings, logging
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import numpy as np, pandas as pd, torch
torch.set_num_threads(1)
seed = int(sys.argv[4])
torch.manual_seed(seed)
np.random.seed(seed)
from gluonts.dataset.common import ListDataset
from gluonts.torch.model.deepar import DeepAREstimator
from gluonts.evaluation import make_evaluation_predictions, Evaluator
train_path, test_path, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def load(path):
    rows = [json.loads(line) for line in open(path)]
    return ListDataset([{"start": pd.Period(r["start"], freq="h"), "target": np.array(r["target"], dtype=np.float32),
                         "feat_static_cat": np.array(r["cat"])} for r in rows], freq="h")
train, test = load(train_path), load(test_path)
estimator = DeepAREstimator(freq="h", prediction_length=24, context_length=48, num_layers=2, hidden_size=40, dropout_rate=0.1,
                            lr=1e-3, batch_size=32, num_batches_per_epoch=50, num_feat_static_cat=1, cardinality=[3],
                            embedding_dimension=[10], trainer_kwargs={"max_epochs": epochs, "accelerator": "cpu", "enable_progress_bar": False,
                                                                     "enable_model_summary": False, "logger": False})
start = time.process_time()
predictor = estimator.train(train)
seconds = time.process_time() - start
forecasts, truths = make_evaluation_predictions(test, predictor=predictor, num_samples=100)
agg, _ = Evaluator(quantiles=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], num_workers=None)(truths, forecasts)
print(json.dumps({"rmse": agg["RMSE"], "mean_wql": agg["mean_wQuantileLoss"], "seconds_per_epoch": seconds / epochs}))
'''


def seasonal_naive(test_path, horizon=24, season=24):
    targets, forecasts = [], []
    for line in open(test_path):
        values = json.loads(line)["target"]
        history, truth = values[:-horizon], values[-horizon:]
        forecasts += [history[len(history) - season + (i % season)] for i in range(horizon)]
        targets += truth
    rmse = (sum((f - y) ** 2 for f, y in zip(forecasts, targets)) / len(targets)) ** 0.5
    scale = sum(abs(y) for y in targets)
    wql = [2 * sum(abs((y - f) * ((1 if y <= f else 0) - q)) for f, y in zip(forecasts, targets)) / scale for q in QUANTILES]
    return rmse, sum(wql) / len(wql)


def weir(train, test, epochs, folder, seed):
    start = time.time()
    usage = os.times()
    out = subprocess.run([WEIR, "train", "deepar", "--channel", f"train={train}", "--channel", f"test={test}",
                          "--hp", "time_freq=H", "--hp", "context_length=48", "--hp", "prediction_length=24", "--hp", f"epochs={epochs}",
                          "--hp", "num_cells=40", "--hp", "num_layers=2", "--hp", "dropout_rate=0.1", "--hp", "likelihood=student-T",
                          "--hp", "learning_rate=0.001", "--hp", "mini_batch_size=32", "--hp", "num_batches_per_epoch=50",
                          "--hp", "num_eval_samples=100", "--hp", f"seed={seed}", "--model-dir", os.path.join(folder, "model")],
                         check=True, capture_output=True, text=True, env=ONE_THREAD).stdout
    after = os.times()
    cpu = (after.children_user - usage.children_user) + (after.children_system - usage.children_system)
    metric = lambda name: float(re.search(rf" test {re.escape(name)} <loss>=([0-9.e+-]+)", out).group(1))
    throughput = [float(x) for x in re.findall(r"train throughput=([0-9.]+) records/second", out)]
    # windows per second per epoch -> seconds per epoch = 50 * 32 / rate
    per_epoch = sorted(50 * 32 / rate for rate in throughput if rate > 0)
    return metric("RMSE"), metric("mean_wQuantileLoss"), per_epoch[len(per_epoch) // 2], cpu, time.time() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=4, help="training seeds per model; one seed's result is mostly noise")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="weir-deepar-bench-")
    subprocess.run([WEIR, "generate", "series", "--series", str(args.series), "--out", folder], check=True, capture_output=True)
    train, test = os.path.join(folder, "train.jsonl"), os.path.join(folder, "test.jsonl")
    print(f"data: weir generate series --series {args.series} (hourly, 1,008 points, last 24 held out); {args.epochs} epochs x 50 batches x 32 windows")
    rows = {"weir": [], "gluonts": []}
    for seed in range(args.seeds):
        w_rmse, w_wql, w_epoch, w_cpu, w_wall = weir(train, test, args.epochs, folder, seed)
        rows["weir"].append((w_rmse, w_wql, w_epoch))
        g = json.loads(subprocess.run([sys.executable, "-c", GLUONTS, train, test, str(args.epochs), str(seed)], check=True,
                                      capture_output=True, cwd=folder, text=True, env=ONE_THREAD).stdout.strip().splitlines()[-1])
        rows["gluonts"].append((g["rmse"], g["mean_wql"], g["seconds_per_epoch"]))
        print(f"seed {seed}: weir RMSE {w_rmse:.3f} mean_wQL {w_wql:.4f} {w_epoch:.2f} s/epoch; "
              f"gluonts RMSE {g['rmse']:.3f} mean_wQL {g['mean_wql']:.4f} {g['seconds_per_epoch']:.2f} s/epoch")
    n_rmse, n_wql = seasonal_naive(test)
    mean = lambda values: sum(values) / len(values)
    print(f"{'mean of ' + str(args.seeds) + ' seeds':16}{'RMSE':>10}{'mean_wQL':>10}{'s/epoch':>10}")
    summary = {}
    for name, label in (("weir", "weir"), ("gluonts", "gluonts deepar")):
        summary[name] = [mean([row[i] for row in rows[name]]) for i in range(3)]
        print(f"{label:16}{summary[name][0]:10.3f}{summary[name][1]:10.4f}{summary[name][2]:10.2f}")
    print(f"{'seasonal naive':16}{n_rmse:10.3f}{n_wql:10.4f}")
    w, g = summary["weir"], summary["gluonts"]
    print(f"ratios weir/gluonts: RMSE {w[0] / g[0]:.3f}, mean_wQL {w[1] / g[1]:.3f}, time per epoch {w[2] / g[2]:.2f}")
    # The streaming operator: replay the last 240 observations of every series through a
    # deepar_forecast operator publishing every 24 observations; the whole replay's wall
    # time per forecast bounds the latency of one update (100 sample paths x 24 steps).
    topology = os.path.join(folder, "feed.yaml")
    with open(topology, "w") as f:
        f.write(f"""name: feed
source: {{file: {{path: {os.path.join(folder, 'observations.jsonl')}, format: lines}}}}
decode: {{format: json, timestamp_field: ts}}
operators:
  - deepar_forecast: {{model: {os.path.join(folder, 'model')}, key_field: series, value_field: value, cat_fields: [kind], every: 24}}
  - filter: {{field: forecast_mean, op: exists}}
sinks:
  - file: {{path: {os.path.join(folder, 'forecasts.jsonl')}}}
""")
    start = time.time()
    subprocess.run([WEIR, "replay", topology], check=True, capture_output=True, env=ONE_THREAD)
    wall = time.time() - start
    count = sum(1 for _ in open(os.path.join(folder, "forecasts.jsonl")))
    print(f"forecast feed: {count} forecasts in {wall:.2f} s of replay: {1000 * wall / count:.1f} ms per update at most")


if __name__ == "__main__":
    main()
