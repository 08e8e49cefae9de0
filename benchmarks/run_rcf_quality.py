#!/usr/bin/env python3
"""Detection quality on the labelled streams in datasets/anomaly: Weir's thresholded
forest (defaults, shingle 4, 50 trees x 256) side by side with rrcf (40 trees x 256,
shingle 4, CoDisp as in rrcf's streaming example) in the same run.

For each stream, after a 300-point warm-up:
- ROC AUC of the raw scores (Weir's score, rrcf's CoDisp) against two labellings: by
  shingle (a score is anomalous when any point of its shingle is: rrcf's natural unit)
  and by point (a score belongs to the input that completed the shingle: Weir's unit,
  whose scoring shingles have reported anomalies replaced by expected values);
- F1 of alarms by point: Weir's alarms are inputs with grade > 0, placed at the start
  the detector reports (its anomaly_start); rrcf has no threshold of its own, so it gets
  the best F1 over all thresholds on its CoDisp (an oracle, in its favour);
- windows caught: injected windows with an alarm from their start to 4 inputs after
  their end, and alarm runs touching no window (false alarms).

Usage: swift build -c release --product weir-rcf-bench && pip install rrcf "setuptools<81"
       python3 benchmarks/run_rcf_quality.py
"""
import os
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "weir-rcf-bench")
DATA = os.path.join(ROOT, "datasets", "anomaly")
NAMES = ["spikes", "level_shift", "variance_change", "missing_values", "nearly_constant", "periodicity_break"]
WARMUP, SHINGLE, DELAY = 300, 4, 4


def load(name):
    values, labels = [], []
    with open(os.path.join(DATA, name + ".csv")) as f:
        next(f)
        for line in f:
            _, value, label = line.strip().split(",")
            values.append(float(value) if value else float("nan"))
            labels.append(label == "1")
    return np.array(values), np.array(labels)


def auc(scores, labels):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def f1(alarms, labels):
    tp = np.sum(alarms & labels)
    fp = np.sum(alarms & ~labels)
    fn = np.sum(~alarms & labels)
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def windows_of(labels):
    windows, start = [], None
    for i, flag in enumerate(labels):
        if flag and start is None:
            start = i
        if not flag and start is not None:
            windows.append((start, i))
            start = None
    if start is not None:
        windows.append((start, len(labels)))
    return windows


def caught_and_false(alarm_points, labels):
    windows = [w for w in windows_of(labels) if w[0] >= WARMUP]
    caught = sum(1 for a, b in windows if any(a <= p <= b + DELAY for p in alarm_points))
    false, previous = 0, False
    for p in sorted(alarm_points):
        inside = any(a - 1 <= p <= b + DELAY for a, b in windows)
        if not inside and not previous:
            false += 1
        previous = not inside
    return caught, len(windows), false


def shingle_labels(labels):
    return np.array([labels[max(0, i - SHINGLE + 1): i + 1].any() for i in range(len(labels))])


def weir(name, labels):
    lines = subprocess.run([BENCH, "--grades", os.path.join(DATA, name + ".csv")], check=True,
                           capture_output=True, text=True).stdout.split("\n")
    rows = [line.split() for line in lines if line]
    scores = np.array([float(r[0]) for r in rows])
    grades = np.array([float(r[1]) for r in rows])
    starts = np.array([int(r[2]) for r in rows])
    alarm_points = [int(starts[i]) for i in range(WARMUP, len(rows)) if grades[i] > 0]
    alarms = np.zeros(len(rows), dtype=bool)
    alarms[alarm_points] = True
    keep = slice(WARMUP, None)
    return ((auc(scores[keep], shingle_labels(labels)[keep]), auc(scores[keep], labels[keep])),
            f1(alarms[keep], labels[keep]), caught_and_false(alarm_points, labels))


def rrcf_scores(values, trees=40, samples=256):
    import rrcf
    # rrcf cannot take missing values: carry the last value forward (Weir fills them itself).
    filled = values.copy()
    for i in range(len(filled)):
        if np.isnan(filled[i]):
            filled[i] = filled[i - 1] if i else 0.0
    forest = [rrcf.RCTree() for _ in range(trees)]
    points = rrcf.shingle(filled, size=SHINGLE)
    scores = np.zeros(len(values))
    for index, point in enumerate(points):
        total = 0.0
        for tree in forest:
            if len(tree.leaves) > samples:
                tree.forget_point(index - samples)
            tree.insert_point(point, index=index)
            total += tree.codisp(index)
        scores[index + SHINGLE - 1] = total / trees
    return scores


def peer(name, values, labels):
    scores = rrcf_scores(values)
    keep = slice(WARMUP, None)
    best, best_threshold = 0.0, None
    for threshold in np.unique(np.quantile(scores[keep], np.linspace(0.5, 0.9999, 400))):
        value = f1(scores[keep] > threshold, labels[keep])
        if value > best:
            best, best_threshold = value, threshold
    alarm_points = [i for i in range(WARMUP, len(scores)) if best_threshold is not None and scores[i] > best_threshold]
    return ((auc(scores[keep], shingle_labels(labels)[keep]), auc(scores[keep], labels[keep])), best,
            caught_and_false(alarm_points, labels))


def main():
    print("AUC by shingle / by point labels; F1 of alarms by point; windows caught and false alarm runs")
    print(f"{'stream':18} {'weir AUC':>11} {'rrcf AUC':>11} {'weir F1':>8} {'rrcf F1*':>9}  weir caught/false  rrcf* caught/false")
    for name in NAMES:
        values, labels = load(name)
        w_auc, w_f1, (w_caught, windows, w_false) = weir(name, labels)
        p_auc, p_f1, (p_caught, _, p_false) = peer(name, values, labels)
        print(f"{name:18} {w_auc[0]:5.3f}/{w_auc[1]:5.3f} {p_auc[0]:5.3f}/{p_auc[1]:5.3f} {w_f1:8.3f} {p_f1:9.3f}  {w_caught:>3}/{windows} {w_false:>4}"
              f"          {p_caught:>3}/{windows} {p_false:>4}")
    print("* rrcf's F1 and alarms use the best threshold on its CoDisp, chosen with the labels (an oracle).")


if __name__ == "__main__":
    main()
