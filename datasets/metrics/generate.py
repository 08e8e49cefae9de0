#!/usr/bin/env python3
"""Generates datasets/metrics/hosts.jsonl: a captured stream of host metrics for the
metrics-anomaly topologies (deterministic, standard library only). Run from the
repository root:

    python3 datasets/metrics/generate.py

Four hosts report every 60 s for 1,500 steps, interleaved by time (6,000 JSON lines):
`{"ts": <epoch ms>, "host": "web-N", "cpu": <percent>, "latency_ms": <ms>}`.
cpu follows a daily-like cycle of 96 steps (amplitude 15 around 40, noise 1.5);
latency_ms is 20 + cpu/4 with noise 0.8. Injected anomalies (listed in anomalies.json):
- web-1 at step 900: latency alone jumps +25 ms for one step (cpu normal);
- web-2 at step 1100: cpu drops to 2% for one step (a crash and restart);
- web-3 at steps 1200-1205: cpu +30 and latency +15 for six steps;
- web-0: none (a host that must stay quiet apart from chance alarms).
Step 700 of web-2 has no cpu field (a missing value the operator must fill in).
"""
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 1500
HOSTS = ["web-0", "web-1", "web-2", "web-3"]
START = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def main():
    rng = random.Random(11)
    anomalies = [
        {"host": "web-1", "steps": [900], "fields": ["latency_ms"]},
        {"host": "web-2", "steps": [1100], "fields": ["cpu"]},
        {"host": "web-3", "steps": list(range(1200, 1206)), "fields": ["cpu", "latency_ms"]},
    ]
    with open(os.path.join(HERE, "hosts.jsonl"), "w") as out:
        for step in range(STEPS):
            for number, host in enumerate(HOSTS):
                phase = 2 * math.pi * (step + 7 * number) / 96
                cpu = 40 + 15 * math.sin(phase) + rng.gauss(0, 1.5)
                latency = 20 + cpu / 4 + rng.gauss(0, 0.8)
                if host == "web-1" and step == 900:
                    latency += 25
                if host == "web-2" and step == 1100:
                    cpu = 2.0
                if host == "web-3" and 1200 <= step < 1206:
                    cpu += 30
                    latency += 15
                record = {"ts": START + step * 60_000, "host": host}
                if not (host == "web-2" and step == 700):
                    record["cpu"] = round(cpu, 3)
                record["latency_ms"] = round(latency, 3)
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
    with open(os.path.join(HERE, "anomalies.json"), "w") as out:
        json.dump(anomalies, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
