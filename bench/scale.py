"""An index past one machine's comfort: 1M (or more) paragraphs, measured as the dashboard uses it.

    .venv/bin/python bench/scale.py [--sizes 1000000] [--json PATH] [--queries 200]

The vectors are real MiniLM vectors spread with noise to size: each of the real paragraphs of
bench/out/search-quality/index (13,787, written by bench/search_quality.py; the sample's 563 when
it is missing) is copied with Gaussian noise (sigma NOISE per dimension) and normalised, so that
neighbourhoods are as crowded as a big corpus's. The queries are other real vectors, noised the
same way. The paragraph table is the sample's rows repeated (bench/watch.py's base_index).

Per size: writing the index (the inverted file is built there, from neighbours.APPROXIMATE_FROM
vectors), loading it, resident memory, a filter change (filter mask + theme timeline per month and
source, the Themes page's query), and the vector scan (`Index.neighbours`, what `Index.search`
ranks from) against the exact float32 scan in the same run: p50 / p95 and recall@10, with no
filter, one source (1 of 6) and one year; then `Index.search` end to end (query embedding, BM25,
sentence rescoring, the result frame). --json writes the figures as one JSON object per size.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
REAL = ROOT / "bench" / "out" / "search-quality" / "index"
NOISE = 0.02  # per dimension: a copy keeps a cosine of about 0.93 with its original


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spread(base: np.ndarray, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    for start in range(0, size, 200_000):
        end = min(size, start + 200_000)
        block = base[np.arange(start, end) % len(base)] + NOISE * rng.standard_normal((end - start, base.shape[1]), dtype=np.float32)
        out[start:end] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def scan_figures(index, queries: np.ndarray, allowed: np.ndarray | None, label: str) -> dict:
    from diplodash.search import top_k

    from diplodash.search import STATEMENT_CANDIDATES, candidates

    approximate, exact, recall, reranked = [], [], [], []
    mask = allowed if allowed is not None else np.ones(len(index.paragraphs), dtype=bool)
    for query in queries:
        started = time.perf_counter()
        found = index.neighbours.rows(query, 10, allowed)
        approximate.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        expected = top_k(index.embeddings, query, 10, allowed)[0]
        exact.append(1000 * (time.perf_counter() - started))
        recall.append(len(set(found) & set(expected)) / max(len(expected), 1))
        # What a search ranks from: the scan's best STATEMENT_CANDIDATES, scored again on float32.
        first = candidates(index, query, STATEMENT_CANDIDATES, mask, None)[0][:10]
        reranked.append(len(set(first) & set(expected)) / max(len(expected), 1))
    p50, p95 = percentiles(approximate)
    e50, _ = percentiles(exact)
    print(f"  scan, {label:<22} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  recall@10 {np.mean(recall):.3f}, "
          f"after rescoring {STATEMENT_CANDIDATES} {np.mean(reranked):.3f}   (exact numpy p50 {e50:6.1f} ms)")
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "recall_at_10": round(float(np.mean(recall)), 4),
            "recall_at_10_rescored": round(float(np.mean(reranked)), 4), "exact_p50_ms": round(e50, 2)}


def measure(size: int, queries: int, base: np.ndarray, source: str, keep: Path | None = None) -> dict:
    import diplodash
    from diplodash.embeddings import DEFAULT_MODEL
    from diplodash.queries import Filters, filter_mask, theme_timeline
    from watch import base_index

    figures: dict = {"paragraphs": size, "vectors": source, "noise_sigma": NOISE}
    with tempfile.TemporaryDirectory(dir=ROOT / "bench" / "out") as folder:
        target = keep / f"index-{size}" if keep else Path(folder) / "index"
        figures["write_s"] = None
        if not (target / "manifest.json").exists():
            vectors = spread(base, size, seed=1)
            started = time.perf_counter()
            base_index(target, size, DEFAULT_MODEL, vectors=vectors)
            figures["write_s"] = round(time.perf_counter() - started, 1)
            del vectors
        print(f"# {size:,} paragraphs ({source}, noise {NOISE}): written in {figures['write_s']} s "
              f"(inverted file included: {(target / 'vectors.ivf').exists()})")
        before = rss_mb()
        started = time.perf_counter()
        index = diplodash.load_index(target)
        index.neighbours  # noqa: B018 (the scan is made on first search; count it in the load)
        figures["load_s"] = round(time.perf_counter() - started, 2)
        figures["rss_mb"] = round(rss_mb() - before)
        print(f"  load {figures['load_s']} s, +{figures['rss_mb']:,} MB resident ({index.neighbours.engine})")
        paragraphs = index.paragraphs
        one_source = Filters(sources=(sorted(paragraphs["source"].unique())[0],))
        samples = []
        for filters in (Filters(), one_source, Filters(start=pd.Timestamp("2023-01-01"), end=pd.Timestamp("2023-12-31"))):
            started = time.perf_counter()
            theme_timeline(paragraphs[filter_mask(paragraphs, filters)], "month", by="source")
            samples.append(1000 * (time.perf_counter() - started))
        figures["filter_ms"] = round(float(np.median(samples)), 1)
        print(f"  filter change (mask + theme timeline by month and source): median {figures['filter_ms']} ms")
        rng = np.random.default_rng(2)
        picked = base[rng.integers(len(base), size=queries)] + NOISE * rng.standard_normal((queries, base.shape[1]), dtype=np.float32)
        picked /= np.linalg.norm(picked, axis=1, keepdims=True)
        source_rows = (paragraphs["source"] == one_source.sources[0]).to_numpy() & index.searchable
        year = paragraphs["published"].dt.year.eq(2023).to_numpy() & index.searchable
        figures["scan"] = {"all": scan_figures(index, picked, index.searchable, "no filter"),
                           "source": scan_figures(index, picked, source_rows, f"1 source ({source_rows.mean():.0%})"),
                           "year": scan_figures(index, picked, year, f"one year ({year.mean():.0%})")}
        texts = paragraphs["text"].sample(min(queries, 60), random_state=0).str.slice(0, 120).tolist()
        index.search(texts[0])  # the model loads on the first query
        times = []
        for text in texts[1:]:
            started = time.perf_counter()
            index.search(text + " ")
            times.append(1000 * (time.perf_counter() - started))
        p50, p95 = percentiles(times)
        figures.update(search_p50_ms=round(p50, 1), search_p95_ms=round(p95, 1),
                       recall_at_10=figures["scan"]["all"]["recall_at_10_rescored"], peak_rss_mb=round(peak_mb()))
        print(f"  Index.search end to end ({len(times)} queries, {index.embedder.runtime}): p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms; process peak {figures['peak_rss_mb']:,} MB")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="write the indexes here and reuse them on the next run")
    args = parser.parse_args()
    (ROOT / "bench" / "out").mkdir(exist_ok=True)
    if (REAL / "embeddings.npy").exists():
        base, source = np.load(REAL / "embeddings.npy"), f"{len(np.load(REAL / 'embeddings.npy', mmap_mode='r')):,} real vectors"
    else:
        base, source = np.load(ROOT / "data" / "index" / "embeddings.npy"), "the sample's 563 real vectors"
    results = [measure(size, args.queries, base.astype(np.float32), source, args.keep) for size in args.sizes]
    if args.json:
        args.json.write_text(json.dumps(results[0] if len(results) == 1 else results, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
