"""The watchlist's "says the same thing" threshold: for the 90 analyst paraphrases of
bench/gold/search-paraphrases.csv (each written for one paragraph among 13,787 real ones), the
share whose own paragraph scores at or above each threshold (recall), and how many paragraphs a
statement collects there on average (what a watchlist entry would list).

    .venv/bin/python bench/watchlist.py

This measures recall only; bench/track.py measures precision and recall on labelled pairs, and
chose the threshold (0.84) the watchlist and tracking use.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.84, 0.9)


def main() -> None:
    import numpy as np

    import diplodash
    from diplodash.watchlist import CANDIDATES, MATCH_THRESHOLD
    from search_quality import OUT, SHARED, load_queries

    if not SHARED.exists():
        sys.exit(f"skipped: {SHARED} is missing")
    index = diplodash.load_index(OUT / "index")  # built by bench/search_quality.py
    queries = load_queries(index)
    own, collected = [], []
    for query in queries:
        hits = index.search(query["query"], k=CANDIDATES)
        ids = hits["paragraph_id"].tolist()
        target = index.paragraphs["paragraph_id"].iloc[query["row"]]
        own.append(float(hits["score"].iloc[ids.index(target)]) if target in ids else -1.0)
        collected.append(hits["score"].to_numpy())
    own = np.array(own)
    print(f"# bench/watchlist.py  {len(queries)} paraphrase statements over {len(index.paragraphs):,} paragraphs")
    print(f"{'threshold':>9}  {'own paragraph kept':>18}  {'paragraphs listed per statement (mean / median)':>48}")
    for threshold in THRESHOLDS:
        listed = [int((scores >= threshold).sum()) for scores in collected]
        mark = "  <- MATCH_THRESHOLD" if abs(threshold - MATCH_THRESHOLD) < 1e-9 else ""
        print(f"{threshold:>9.2f}  {(own >= threshold).mean():>18.3f}  {np.mean(listed):>24.1f} / {np.median(listed):<21.0f}{mark}")


if __name__ == "__main__":
    main()
