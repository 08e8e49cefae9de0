#!/usr/bin/env python3
"""Writes datasets/sensors.jsonl: a small captured stream of sensor readings for demos
and tests. Eight sensors report temperature and humidity every 10 s with a daily cycle
and Gaussian noise; a few readings are missing a value, and a handful of poison lines
(invalid JSON, a wrong field type) show the dead-letter path. Deterministic (seed 7).

Usage: python3 datasets/generate_sensors.py [COUNT] > datasets/sensors.jsonl
"""
import json
import math
import random
import sys

def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(7)
    start = 1_714_564_800  # 2024-05-01T12:00:00Z
    sensors = [f"s-{i}" for i in range(8)]
    base = {s: 18 + 6 * rng.random() for s in sensors}
    for i in range(count):
        sensor = sensors[i % len(sensors)]
        ts = start + 10 * (i // len(sensors))
        day = math.sin(2 * math.pi * (ts % 86400) / 86400)
        reading = {
            "ts": ts,
            "sensor": sensor,
            "temperature": round(base[sensor] + 3 * day + rng.gauss(0, 0.3), 2),
            "humidity": round(45 - 10 * day + rng.gauss(0, 1.0), 1),
        }
        if i % 97 == 13:
            del reading["humidity"]  # a missing value: becomes NaN in the feature vector
        if i % 499 == 250:
            print('{"ts": %d, "sensor": "%s", "temperature": ' % (ts, sensor))  # truncated JSON
            continue
        if i % 613 == 300:
            reading["temperature"] = "hot"  # wrong type
        print(json.dumps(reading, separators=(",", ":")))

if __name__ == "__main__":
    main()
