#!/usr/bin/env python3
"""Random cut forest: score + update per point, 50 trees x 256 samples, shingle 4 and 8,
on the same 100,000-point series (a noisy sine), Weir side by side with rrcf (PyPI) in
the same run. rrcf runs on the first --rrcf-points points (it is about three orders of
magnitude slower); rates are per point either way.

Usage: swift build -c release --product weir-rcf-bench && pip install rrcf "setuptools<81"
       (rrcf imports pkg_resources, which newer setuptools dropped)
       python3 benchmarks/run_rcf.py [--rrcf-points 2000]
"""
import argparse
import json
import math
import os
import random
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "weir-rcf-bench")


def rrcf_rate(series, shingle, points, trees=50, samples=256):
    import numpy as np
    import rrcf
    forest = [rrcf.RCTree() for _ in range(trees)]
    windows = rrcf.shingle(series[: points + shingle - 1], size=shingle)
    start = time.perf_counter()
    for index, point in enumerate(windows):
        for tree in forest:
            if len(tree.leaves) > samples:
                tree.forget_point(index - samples)
            tree.insert_point(np.asarray(point), index=index)
            tree.codisp(index)
    return points / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rrcf-points", type=int, default=2000)
    args = parser.parse_args()
    random.seed(1)
    series = [math.sin(i * 2 * math.pi / 50) * 10 + 50 + random.gauss(0, 0.5) for i in range(100_000)]
    path = "/tmp/weir-bench/rcf_series.txt"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(f"{v:.4f}" for v in series) + "\n")
    for shingle in (4, 8):
        weir = json.loads(subprocess.run([BENCH, path, str(shingle)], check=True, capture_output=True, text=True).stdout)
        peer = rrcf_rate(series, shingle, args.rrcf_points)
        print(f"shingle {shingle}: weir {weir['points_per_s']:,.0f} points/s (forest {weir['forest_bytes'] / 1e6:.2f} MB, "
              f"mean score {weir['mean_score']:.3f}), rrcf {peer:,.1f} points/s, ratio {weir['points_per_s'] / peer:,.0f}x")


if __name__ == "__main__":
    main()
