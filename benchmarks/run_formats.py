#!/usr/bin/env python3
"""Parse throughput of Weir's data readers beside the Python tools SageMaker users use,
on the same files in the same run:

  - dense float CSV (ROWS x 50 features + label): Weir's CSV reader vs pandas.read_csv;
  - RecordIO-protobuf written by SageMaker's SDK (write_numpy_to_dense_tensor, float32,
    with labels): Weir's RecordIO reader vs the SDK's read_records;
  - with --gzip, the same CSV compressed by gzip -6: Weir's reader (inflating as it reads)
    vs pandas.read_csv(compression="gzip"), beside `gzip -dc > /dev/null` alone (the
    floor any reader of the file pays), medians of --runs runs, wall and CPU seconds.

Prints MB/s and rows/s for each and the ratios. Usage:
  swift build -c release --product weir-formats-bench
  pip install pandas "sagemaker<3"
  python3 benchmarks/run_formats.py [--rows 1000000] [--gzip --runs 3]
"""
import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "weir-formats-bench")


def weir(kind, path):
    output = subprocess.run([BENCH, kind, path], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--folder", default="/tmp/weir-bench")
    parser.add_argument("--gzip", action="store_true", help="only the gzip comparison")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import numpy as np
    import pandas as pd

    os.makedirs(args.folder, exist_ok=True)
    rng = np.random.default_rng(0)
    data = rng.standard_normal((args.rows, 51)).astype(np.float32)
    csv_path = os.path.join(args.folder, f"dense_{args.rows}x50.csv")
    rec_path = os.path.join(args.folder, f"dense_{args.rows}x50.rec")
    if not os.path.exists(csv_path):
        np.savetxt(csv_path, data, delimiter=",", fmt="%.7g")
    if args.gzip:
        gzip_comparison(csv_path, args.rows, args.runs)
        return
    from sagemaker.amazon.common import read_records, write_numpy_to_dense_tensor
    if not os.path.exists(rec_path):
        with open(rec_path, "wb") as f:
            write_numpy_to_dense_tensor(f, data[:, 1:], data[:, 0])
    subprocess.run(["sync"], check=True)

    csv_mb = os.path.getsize(csv_path) / 1e6
    w = weir("csv", csv_path)
    start = time.perf_counter()
    frame = pd.read_csv(csv_path, header=None, dtype=np.float64)
    pandas_seconds = time.perf_counter() - start
    assert frame.shape == (args.rows, 51) and w["rows"] == args.rows
    print(f"csv {csv_mb:.0f} MB, {args.rows} rows x 51: weir {w['mb_per_s']:.0f} MB/s ({w['rows_per_s']:,.0f} rows/s), "
          f"pandas {csv_mb / pandas_seconds:.0f} MB/s ({args.rows / pandas_seconds:,.0f} rows/s), "
          f"ratio {pandas_seconds / w['seconds']:.2f}x")

    rec_mb = os.path.getsize(rec_path) / 1e6
    w = weir("recordio", rec_path)
    start = time.perf_counter()
    with open(rec_path, "rb") as f:
        records = read_records(f)
    sdk_seconds = time.perf_counter() - start
    assert len(records) == args.rows and w["rows"] == args.rows
    print(f"recordio {rec_mb:.0f} MB, {args.rows} records: weir {w['mb_per_s']:.0f} MB/s ({w['rows_per_s']:,.0f} records/s), "
          f"sdk read_records {rec_mb / sdk_seconds:.0f} MB/s ({args.rows / sdk_seconds:,.0f} records/s), "
          f"ratio {sdk_seconds / w['seconds']:.2f}x")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def gzip_comparison(csv_path, rows, runs):
    import numpy as np
    import pandas as pd

    gz_path = csv_path + ".gz"
    if not os.path.exists(gz_path):
        subprocess.run(["gzip", "-6", "-k", "-f", csv_path], check=True)
    subprocess.run(["sync"], check=True)
    plain_mb = os.path.getsize(csv_path) / 1e6
    print(f"csv.gz: {os.path.getsize(gz_path) / 1e6:.0f} MB holding {plain_mb:.0f} MB, {rows} rows x 51; "
          f"MB/s below count the inflated bytes; {runs} runs, medians")
    sides = {"weir": [], "pandas": [], "gzip -dc": []}
    for _ in range(runs):
        cpu = children_cpu()
        start = time.perf_counter()
        w = weir("csv", gz_path)
        sides["weir"].append((time.perf_counter() - start, children_cpu() - cpu))
        assert w["rows"] == rows
        cpu = time.process_time()
        start = time.perf_counter()
        frame = pd.read_csv(gz_path, header=None, dtype=np.float64, compression="gzip")
        sides["pandas"].append((time.perf_counter() - start, time.process_time() - cpu))
        assert frame.shape == (rows, 51)
        del frame
        cpu = children_cpu()
        start = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            subprocess.run(["gzip", "-dc", gz_path], check=True, stdout=sink)
        sides["gzip -dc"].append((time.perf_counter() - start, children_cpu() - cpu))
    medians = {name: (statistics.median(w for w, _ in runs_), statistics.median(c for _, c in runs_)) for name, runs_ in sides.items()}
    for name, (wall, cpu) in medians.items():
        print(f"  {name:9s} wall {wall:6.2f} s ({plain_mb / wall:5.0f} MB/s), cpu {cpu:6.2f} s")
    print(f"  ratio pandas/weir wall {medians['pandas'][0] / medians['weir'][0]:.2f}x, "
          f"weir wall over gzip -dc alone {medians['weir'][0] / medians['gzip -dc'][0]:.2f}x")


if __name__ == "__main__":
    main()
