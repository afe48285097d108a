"""Timeline speed: theme share per month split by source over N paragraphs (synthetic rows:
random dates 2022-2024, 6 sources, 0-3 of 14 themes each), with the theme lists held the way
the index loads them (Arrow lists).

Peer (--bertopic, needs requirements-bench.txt): BERTopic's `topics_over_time` per month on the
same paragraphs and assignments (its model holds one topic per document, so each paragraph gets
its first theme; documents are short stand-ins, fitted through BERTopic's manual topic modelling
with empty embedding, reduction and clustering steps). It gives counts per month for all sources
together; split by source would need `topics_per_class` on top.

    .venv/bin/python bench/timelines.py [--sizes 100000 1000000] [--bertopic]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))



def arrow_lists(values: pd.Series) -> pd.Series:
    """String lists as pandas' Arrow list dtype, the way the index loads `themes`."""
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(list(values), type=pa.list_(pa.string()))),
                     index=values.index)


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
        "themes": arrow_lists(pd.Series([list(s) for s in splits])), "speakers": [[] for _ in range(size)],
    })


def bertopic_over_time(paragraphs: pd.DataFrame) -> float:
    """Seconds for BERTopic's topics_over_time per month on the same rows (fit not counted)."""
    from bertopic import BERTopic
    from bertopic.backend import BaseEmbedder
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction

    first = paragraphs["themes"].map(lambda t: t[0] if len(t) else "none")
    topics, _ = pd.factorize(first)
    docs = (first + " " + paragraphs["source"].str.lower()).tolist()
    model = BERTopic(embedding_model=BaseEmbedder(), umap_model=BaseDimensionalityReduction(), hdbscan_model=BaseCluster())
    model.fit(docs, embeddings=np.zeros((len(docs), 1)), y=topics)
    months = paragraphs["published"].dt.to_period("M").dt.start_time.tolist()
    started = time.perf_counter()
    model.topics_over_time(docs, months)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--bertopic", action="store_true", help="also time BERTopic topics_over_time")
    args = parser.parse_args()
    from diplodash.queries import theme_timeline

    print(f"# bench/timelines.py  {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"{'paragraphs':>11}  {'DiploDash, month x source x theme (best of 3)':>46}  {'rows out':>9}"
          + (f"  {'BERTopic topics_over_time, month':>33}" if args.bertopic else ""))
    for size in args.sizes:
        paragraphs = synthetic(size)
        best, table = float("inf"), None
        for _ in range(3):
            started = time.perf_counter()
            table = theme_timeline(paragraphs, "month", by="source")
            best = min(best, time.perf_counter() - started)
        peer = f"  {bertopic_over_time(paragraphs) * 1000:>30.0f} ms" if args.bertopic else ""
        print(f"{size:>11,}  {best * 1000:>43.0f} ms  {len(table):>9,}{peer}")
    print("target: <= 200 ms at 1M paragraphs")


if __name__ == "__main__":
    main()
