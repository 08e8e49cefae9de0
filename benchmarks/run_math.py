#!/usr/bin/env python3
"""Weir's numeric core side by side with numpy and PyTorch, one thread each, same run.

  - sgemm N x N x N (N = 512, 2048): GFLOP/s of Weir's Tensor.matmul (Debian's OpenBLAS)
    against numpy.matmul (the OpenBLAS bundled in numpy's wheel);
  - a DeepAR-sized training step: 2-layer LSTM of 40 cells over 100 steps, batch 32,
    4 input features, Student-t head (mu, softplus sigma, 2 + softplus nu), negative
    log-likelihood, backward, Adam: median step time and peak RSS over STEPS steps
    (RSS after the first 10 steps shows whether memory grows per step).

Usage: python3 benchmarks/run_math.py [--steps 1000]
Needs: swift build -c release --product weir-math-bench; pip install numpy torch
(a CPU build of torch; this machine's pip finds torch 2.13.0+cpu in /opt/wheels).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "weir-math-bench")
ONE_THREAD = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

PEER = r'''
import json, os, resource, statistics, sys, time
kind = sys.argv[1]
if kind == "gemm":
    import numpy as np
    n, repeats = int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        c = a @ b
    elapsed = time.perf_counter() - start
    print(json.dumps({"bench": "gemm", "impl": "numpy", "n": n, "gflops": 2 * n ** 3 * repeats / elapsed / 1e9}))
else:
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(2)
    steps = int(sys.argv[2])
    batch, length, features, cells = 32, 100, 4, 40
    lstm = torch.nn.LSTM(features, cells, num_layers=2)
    heads = torch.nn.ModuleList([torch.nn.Linear(cells, 1) for _ in range(3)])
    params = list(lstm.parameters()) + list(heads.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-3)
    x = torch.randn(length, batch, features)
    y = torch.randn(length * batch, 1)
    times, rss10, loss = [], 0.0, None
    for step in range(steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        out, _ = lstm(x)
        hidden = out.reshape(length * batch, cells)
        mu = heads[0](hidden)
        sigma = torch.nn.functional.softplus(heads[1](hidden)) + 1e-3
        nu = torch.nn.functional.softplus(heads[2](hidden)) + 2
        loss = -torch.distributions.StudentT(nu, mu, sigma).log_prob(y).mean()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
        if step == 9:
            rss10 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    measured = sorted(times[min(10, len(times) // 2):])
    print(json.dumps({"bench": "lstm", "impl": "pytorch " + torch.__version__, "steps": steps,
                      "median_step_ms": measured[len(measured) // 2] * 1000,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_after_10_steps_mib": rss10, "loss": float(loss)}))
'''


def run(command):
    output = subprocess.run(command, env=ONE_THREAD, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    if not os.path.exists(BENCH):
        sys.exit("build it first: swift build -c release --product weir-math-bench")
    for n, repeats in ((512, 200), (2048, 5)):
        weir = run([BENCH, "gemm", str(n), str(repeats)])
        peer = run([sys.executable, "-c", PEER, "gemm", str(n), str(repeats)])
        print(f"sgemm {n}: weir {weir['gflops']:.1f} GFLOP/s, numpy {peer['gflops']:.1f} GFLOP/s, "
              f"ratio {weir['gflops'] / peer['gflops']:.3f}")
    weir = run([BENCH, "lstm", str(args.steps)])
    peer = run([sys.executable, "-c", PEER, "lstm", str(args.steps)])
    for result in (weir, peer):
        print(f"lstm step {result['impl']}: median {result['median_step_ms']:.2f} ms, peak RSS {result['peak_rss_mib']:.1f} MiB "
              f"(after 10 steps {result['rss_after_10_steps_mib']:.1f} MiB), final loss {result['loss']:.4f}")
    print(f"lstm step ratio weir/pytorch: {weir['median_step_ms'] / peer['median_step_ms']:.2f}x")


if __name__ == "__main__":
    main()
