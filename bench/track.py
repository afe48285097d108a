"""Tracking a statement: where "says the same thing" starts, and how long a tracked statement takes.

    .venv/bin/python bench/track.py [--sizes 160000]

1. Calibration on bench/gold/track-pairs.csv: for 70 analyst paraphrases (the `paraphrase` rows of
   search-paraphrases.csv), each of DiploDash's 12 best paragraphs among 13,787 real ones labelled
   same / related / no by an annotator who saw no scores (see its .md). Precision and recall of
   "score >= threshold" for "same", per threshold. Recall counts the "same" paragraphs among those
   12, so paragraphs saying the same thing further down are not counted against it.
2. Time to draw a tracked statement at 160k paragraphs (synthetic: the sample's texts repeated,
   random unit vectors, three sentence vectors per paragraph on average): statement scores for
   every paragraph (only the statement is embedded) and the timeline, for one and two statements,
   next to a search() of the same statement.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PAIRS = ROOT / "bench" / "gold" / "track-pairs.csv"
THRESHOLDS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.95)


def calibration() -> None:
    import numpy as np

    import diplodash
    from search_quality import OUT, SHARED
    from speakers import article_key

    from diplodash.text import digest
    from diplodash.tracking import DEFAULT_THRESHOLD, statement_scores

    if not SHARED.exists():
        print(f"calibration skipped: {SHARED} is missing")
        return
    index = diplodash.load_index(OUT / "index")  # built by bench/search_quality.py
    keys = dict(zip(index.articles.article_id, index.articles.path.map(article_key)))
    rows = {(keys[a], int(p)): i for i, (a, p) in enumerate(zip(index.paragraphs.article_id, index.paragraphs.position))}
    texts = index.paragraphs["text"].tolist()
    with open(PAIRS, encoding="utf-8", newline="") as handle:
        pairs = [p for p in csv.DictReader(handle)]
    scored, labels = [], []
    for pair in pairs:
        row = rows.get((pair["key"], int(pair["position"])))
        if row is None or digest(texts[row], 4) != pair["text_hash"]:
            continue
        scored.append(float(statement_scores(index, pair["statement"])[row]))
        labels.append(pair["label"] == "same")
    scores, same = np.array(scored), np.array(labels)
    print(f"# calibration: {len(scores)} labelled pairs, {same.sum()} 'same', {len({p['statement'] for p in pairs})} statements")
    print(f"{'threshold':>9}  {'precision':>9}  {'recall':>6}  {'F1':>5}  {'kept':>5}")
    for threshold in THRESHOLDS:
        kept = scores >= threshold
        precision = (same & kept).sum() / max(kept.sum(), 1)
        recall = (same & kept).sum() / max(same.sum(), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        mark = "  <- default" if abs(threshold - DEFAULT_THRESHOLD) < 1e-9 else ""
        print(f"{threshold:>9.2f}  {precision:>9.3f}  {recall:>6.3f}  {f1:>5.3f}  {kept.sum():>5}{mark}")


def timing(size: int) -> None:
    import numpy as np

    import diplodash
    from diplodash.embeddings import DEFAULT_MODEL, QueryEmbedder
    from diplodash.search import search
    from diplodash.statements import Statements
    from diplodash.tracking import track_timeline
    from search import synthetic_index
    from diplodash.neighbours import NearestNeighbours

    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((size, 384), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    embedder = QueryEmbedder(DEFAULT_MODEL)
    embedder.encode(["warm up"])
    index = synthetic_index(matrix, embedder, NearestNeighbours(matrix))
    counts = rng.integers(1, 6, size)
    sentences = rng.standard_normal((int(counts.sum()), 384), dtype=np.float32)
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    index.statements = Statements(sentences.astype(np.float16), np.concatenate([[0], np.cumsum(counts)]),
                                  np.zeros((int(counts.sum()), 2), dtype=np.int32))
    statements = ["a multipolar world where the Global South has a greater voice", "sanctions on banks and energy companies"]
    print(f"# timing: {size:,} paragraphs, {int(counts.sum()):,} sentence vectors")
    for tracked in (statements[:1], statements):
        samples = []
        for run in range(3):  # new texts each run: nothing comes from the scores kept for reruns
            started = time.perf_counter()
            track_timeline(index, [f"{s} ({run})" for s in tracked], 0.6, None, "month", "source")
            samples.append(time.perf_counter() - started)
        print(f"{len(tracked)} statement(s), by month and source: {1000 * np.median(samples):.0f} ms (median of 3)")
    started = time.perf_counter()
    search(index, statements[0] + " search")
    print(f"search() of one statement, for scale: {1000 * (time.perf_counter() - started):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[160_000])
    args = parser.parse_args()
    calibration()
    for size in args.sizes:
        timing(size)
    print("target: a tracked statement draws in <= 1 s at 160k paragraphs")


if __name__ == "__main__":
    main()
