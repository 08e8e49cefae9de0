#!/usr/bin/env python3
"""Generates Weir's labelled anomaly streams (deterministic: fixed seeds, standard library
only). Each file is CSV with a header `t,value,label`: t counts from 0, label is 1 inside
an injected anomaly window and 0 elsewhere. Run from the repository root:

    python3 datasets/anomaly/generate.py

Streams (5,000 points each, a daily-like period of 48 points unless said otherwise):
- spikes.csv: seasonal signal + noise; 10 single-point spikes of +/- 6 to 10 noise sigmas.
- level_shift.csv: the mean jumps by +5 sigma at t=2500 and back at t=3500; the first 25
  points after each jump are labelled (after that the new level is "normal").
- periodicity_break.csv: the period changes from 48 to 32 points between t=3000 and 3300.
- variance_change.csv: noise sigma grows x4 between t=2000 and 2300.
- missing_values.csv: seasonal signal with 5% of values missing (empty field, label 0)
  and 5 spikes (label 1).
- nearly_constant.csv: a constant 100.0 with tiny noise (sigma 1e-3); 3 real steps of
  +1.0 lasting 10 points (label 1). A detector must not flag the noise.
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
N = 5000


def seasonal(t, period=48):
    return 10 * math.sin(2 * math.pi * t / period) + 50


def write(name, rows):
    with open(os.path.join(HERE, name), "w") as f:
        f.write("t,value,label\n")
        for t, value, label in rows:
            f.write(f"{t},{'' if value is None else f'{value:.5f}'},{label}\n")


def spikes():
    rng = random.Random(1)
    positions = set(rng.sample(range(500, N), 10))
    rows = []
    for t in range(N):
        value = seasonal(t) + rng.gauss(0, 0.5)
        label = 0
        if t in positions:
            value += rng.choice([-1, 1]) * rng.uniform(6, 10) * 0.5
            label = 1
        rows.append((t, value, label))
    write("spikes.csv", rows)


def level_shift():
    rng = random.Random(2)
    rows = []
    for t in range(N):
        shift = 2.5 if 2500 <= t < 3500 else 0
        label = 1 if 2500 <= t < 2525 or 3500 <= t < 3525 else 0
        rows.append((t, seasonal(t) + shift + rng.gauss(0, 0.5), label))
    write("level_shift.csv", rows)


def periodicity_break():
    rng = random.Random(3)
    rows = []
    for t in range(N):
        period = 32 if 3000 <= t < 3300 else 48
        rows.append((t, seasonal(t, period) + rng.gauss(0, 0.5), 1 if 3000 <= t < 3300 else 0))
    write("periodicity_break.csv", rows)


def variance_change():
    rng = random.Random(4)
    rows = []
    for t in range(N):
        sigma = 2.0 if 2000 <= t < 2300 else 0.5
        rows.append((t, seasonal(t) + rng.gauss(0, sigma), 1 if 2000 <= t < 2300 else 0))
    write("variance_change.csv", rows)


def missing_values():
    rng = random.Random(5)
    spikes_at = set(rng.sample(range(500, N), 5))
    rows = []
    for t in range(N):
        if t not in spikes_at and rng.random() < 0.05:
            rows.append((t, None, 0))
            continue
        value = seasonal(t) + rng.gauss(0, 0.5)
        label = 0
        if t in spikes_at:
            value += 5
            label = 1
        rows.append((t, value, label))
    write("missing_values.csv", rows)


def nearly_constant():
    rng = random.Random(6)
    steps = [1200, 2600, 4100]
    rows = []
    for t in range(N):
        inside = any(s <= t < s + 10 for s in steps)
        rows.append((t, 100.0 + (1.0 if inside else 0) + rng.gauss(0, 1e-3), 1 if inside else 0))
    write("nearly_constant.csv", rows)


if __name__ == "__main__":
    for make in (spikes, level_shift, periodicity_break, variance_change, missing_values, nearly_constant):
        make()
