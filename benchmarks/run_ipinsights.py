#!/usr/bin/env python3
"""IP Insights speed, Weir side by side with the same model in PyTorch, one thread each.

No open implementation of SageMaker's IP Insights exists, so the peer is the same
architecture written in PyTorch (CPU): entity nn.Embedding, the 7 hashed prefix rows of
each address summed by nn.EmbeddingBag, one nn.Linear encoder layer, dot product,
BCE-with-logits against one random-address and one shuffled negative per real pair,
SparseAdam for the tables and Adam for the layer. It reads the very rows Weir hashes
(dumped by `weir-ipinsights-bench rows`), so it does no hashing or parsing at all.

  - scoring: events per CPU second, vector_dim 128, batches (Weir's folded scorer vs
    PyTorch no_grad forward in batches of 4,096); Weir also from text (hash + parse);
  - training: real+negative pairs per CPU second, one epoch, mini_batch_size 10,000 and 1,000.

Usage: python3 benchmarks/run_ipinsights.py [--users 10000]
Needs: swift build -c release --product weir --product weir-ipinsights-bench; pip install torch (CPU).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "weir-ipinsights-bench")
WEIR = os.path.join(ROOT, ".build", "release", "weir")
ONE_THREAD = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

PEER = r'''
import json, sys, time
import numpy as np
import torch
torch.set_num_threads(1)
mode, path, dim = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = np.fromfile(path, dtype=np.int32).reshape(-1, 15)
entities = torch.from_numpy(rows[:, 0].astype(np.int64))
real = torch.from_numpy(rows[:, 1:8].astype(np.int64))
fake = torch.from_numpy(rows[:, 8:15].astype(np.int64))
torch.manual_seed(1)
entity = torch.nn.Embedding(20000, dim, sparse=True)
table = torch.nn.EmbeddingBag(65536, dim, mode="sum", sparse=True)
layer = torch.nn.Linear(dim, dim)
if mode == "score":
    events = int(sys.argv[4])
    done, start = 0, time.process_time()
    with torch.no_grad():
        while done < events:
            for begin in range(0, len(rows), 4096):
                if done >= events: break
                end = min(begin + 4096, len(rows), begin + events - done)
                scores = (entity(entities[begin:end]) * layer(table(real[begin:end]))).sum(1)
                done += end - begin
    print(json.dumps({"events_per_cpu_second": events / (time.process_time() - start)}))
else:
    batch = int(sys.argv[4])
    sparse = torch.optim.SparseAdam(list(entity.parameters()) + list(table.parameters()), lr=0.01)
    dense = torch.optim.Adam(layer.parameters(), lr=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    pairs, start = 0, time.process_time()
    for begin in range(0, len(rows), batch):
        end = min(begin + batch, len(rows))
        n = end - begin
        v = entity(entities[begin:end])
        u_real = layer(table(real[begin:end]))
        u_fake = layer(table(fake[begin:end]))
        partner = torch.randint(0, max(n - 1, 1), (n,))
        partner = partner + (partner >= torch.arange(n)).long()
        partner = partner.clamp(max=n - 1)
        logits = torch.cat([(v * u_real).sum(1), (v * u_fake).sum(1), (v * u_real[partner]).sum(1)])
        labels = torch.cat([torch.ones(n), torch.zeros(2 * n)])
        loss = loss_fn(logits, labels)
        sparse.zero_grad(); dense.zero_grad()
        loss.backward()
        sparse.step(); dense.step()
        pairs += 3 * n
    print(json.dumps({"pairs_per_cpu_second": pairs / (time.process_time() - start), "last_loss": float(loss)}))
'''


def run(command, env=ONE_THREAD):
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--events", type=int, default=2000000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="weir-ipi-bench-")
    subprocess.run([WEIR, "generate", "weblog", "--users", str(args.users), "--out", folder], check=True, capture_output=True)
    train = os.path.join(folder, "train.csv")
    rows = os.path.join(folder, "rows.bin")
    run([BENCH, "rows", train, "128", rows])
    peer = [sys.executable, "-c", PEER]
    print(f"data: weir generate weblog --users {args.users} (train.csv, {sum(1 for _ in open(train))} real pairs); one thread each")
    weir = run([BENCH, "score", train, "128", "1", str(args.events)])
    torch_score = run(peer + ["score", rows, "128", str(args.events)])
    print(f"scoring, vector_dim 128, 1 encoder layer: Weir {weir['batch_events_per_cpu_second']:,.0f} events/CPU-s "
          f"(from text: {weir['text_events_per_cpu_second']:,.0f}); PyTorch {torch_score['events_per_cpu_second']:,.0f}; "
          f"ratio {weir['batch_events_per_cpu_second'] / torch_score['events_per_cpu_second']:.2f}x")
    for batch in (10000, 1000):
        weir = run([BENCH, "train", train, "128", str(batch), "1"])
        torch_train = run(peer + ["train", rows, "128", str(batch)])
        print(f"training, vector_dim 128, mini_batch_size {batch}: Weir {weir['pairs_per_cpu_second']:,.0f} pairs/CPU-s "
              f"(loss {weir['last_loss']:.3f}); PyTorch {torch_train['pairs_per_cpu_second']:,.0f} (loss {torch_train['last_loss']:.3f}); "
              f"ratio {weir['pairs_per_cpu_second'] / torch_train['pairs_per_cpu_second']:.2f}x")


if __name__ == "__main__":
    main()
