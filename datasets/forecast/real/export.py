#!/usr/bin/env python3
"""Exports two real series that statsmodels ships for offline use to DeepAR's JSON lines.

  co2-weekly: atmospheric CO2 at Mauna Loa, ppm, weekly from 1958-03-29 (statsmodels.datasets.co2;
    public domain, NOAA/Scripps); missing weeks written as "NaN". Held out: the last 52 weeks.
  elnino-monthly: sea surface temperature of the El Nino 3.4 region, degrees C, monthly
    1950-2010 (statsmodels.datasets.elnino; public domain, NOAA). Held out: the last 12 months.

Each gets NAME.train.jsonl (without the held-out points) and NAME.test.jsonl (whole).
Usage: pip install statsmodels; python3 datasets/forecast/real/export.py
"""
import json
import math
import os

import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, start, values, hold_out):
    def row(part):
        return json.dumps({"start": start, "target": ["NaN" if math.isnan(v) else round(v, 3) for v in part]}) + "\n"
    with open(os.path.join(HERE, f"{name}.train.jsonl"), "w") as f:
        f.write(row(values[:-hold_out]))
    with open(os.path.join(HERE, f"{name}.test.jsonl"), "w") as f:
        f.write(row(values))
    print(f"{name}: {len(values)} points from {start}, {sum(math.isnan(v) for v in values)} missing, last {hold_out} held out")


co2 = sm.datasets.co2.load_pandas().data["co2"]
write("co2-weekly", str(co2.index[0].date()), [float(v) for v in co2.values], 52)
elnino = sm.datasets.elnino.load_pandas().data
monthly = [float(v) for _, year in elnino.iterrows() for v in year.values[1:]]
write("elnino-monthly", f"{int(elnino['YEAR'].iloc[0])}-01-01", monthly, 12)
