"""Timeline speed: theme share per month split by source over N paragraphs (synthetic rows:
random dates 2022-2024, 6 sources, 0-3 of 14 themes each).

    .venv/bin/python bench/timelines.py [--sizes 100000 1000000]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic(size: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    themes = np.array(["partnership", "multipolarity", "global-governance", "blocs", "ukraine", "middle-east",
                       "terrorism", "sanctions", "taiwan", "trade", "energy", "arms-control", "climate", "elections"])
    counts = rng.integers(0, 4, size)
    picks = rng.integers(0, len(themes), counts.sum())
    splits = np.split(themes[picks], np.cumsum(counts)[:-1])
    start = pd.Timestamp("2022-01-01").value
    span = pd.Timestamp("2025-01-01").value - start
    return pd.DataFrame({
        "paragraph_id": np.arange(size).astype(str), "article_id": (np.arange(size) // 10).astype(str),
        "position": np.arange(size) % 10,
        "published": pd.to_datetime(start + rng.integers(0, span, size, dtype=np.int64)),
        "date_precision": np.where(rng.random(size) < 0.05, "year", "day"),
        "source": rng.choice(["White House", "Kremlin", "UN General Debate", "Global Times", "Xinhua", "MFA"], size),
        "themes": [list(s) for s in splits], "speakers": [[] for _ in range(size)],
    })


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    from diplodash.queries import theme_timeline

    print(f"# bench/timelines.py  {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"{'paragraphs':>11}  {'month x source x theme, best of 3':>34}  {'rows out':>9}")
    for size in args.sizes:
        paragraphs = synthetic(size)
        best, table = float("inf"), None
        for _ in range(3):
            started = time.perf_counter()
            table = theme_timeline(paragraphs, "month", by="source")
            best = min(best, time.perf_counter() - started)
        print(f"{size:>11,}  {best * 1000:>31.0f} ms  {len(table):>9,}")
    print("target: <= 200 ms at 1M paragraphs")


if __name__ == "__main__":
    main()
