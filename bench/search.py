"""Search latency, p50 and p95: query embedding plus the exact top-10 scan (diplodash.neighbours)
over N paragraph vectors, and numpy's float32 `top_k` for comparison; the
whole path a user takes (`search()`: embedding, masks, BM25, top-200, their statement vectors,
the result frame), quiet and beside a CPU-bound job; and `sentence_transformers.util.semantic_search`
over the same matrix.

    .venv/bin/python bench/search.py [--sizes 100000 1000000] [--queries 40] [--full-path-up-to 200000]

The matrix is synthetic (unit vectors; exact search costs the same whatever the values); the texts
of the full path are the sample index's paragraphs repeated to size; the query embedding is the
real model's.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = ["a multipolar world where the Global South has a greater voice", "sanctions on banks and energy companies",
           "the ceasefire talks resumed after a week of shelling", "reform of the Security Council",
           "counter-terrorism cooperation between the two countries", "gas supplies through the pipeline were cut",
           "the two leaders agreed to deepen their strategic partnership", "climate finance for developing countries"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    values = np.array(samples) * 1000
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--full-path-up-to", type=int, default=200_000,
                        help="time the whole search() path at sizes up to this (it builds BM25 over the texts)")
    args = parser.parse_args()
    import torch
    from sentence_transformers import util

    from diplodash.embeddings import DEFAULT_MODEL, Embedder, QueryEmbedder
    from diplodash.neighbours import NearestNeighbours
    from diplodash.search import top_k

    embedder = QueryEmbedder(DEFAULT_MODEL)  # what Index.search uses: ONNX Runtime once exported
    embedder.encode(["warm up"])
    torch_model = Embedder().model
    rng = np.random.default_rng(0)
    print(f"# bench/search.py  {time.strftime('%Y-%m-%d %H:%M')}  query runtime: {embedder.runtime}; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'paragraphs':>11}  {'encode+scan p50/p95 ms':>23}  {'encode+numpy top_k':>19}  {'search() quiet':>16}"
          f"  {'search() busy':>16}  {'util.semantic_search p50/p95 ms':>33}")
    for size in args.sizes:
        matrix = rng.standard_normal((size, 384), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        corpus = torch.from_numpy(matrix)
        started = time.perf_counter()
        scan = NearestNeighbours(matrix)
        built = time.perf_counter() - started
        ours, numpy_top_k, theirs = [], [], []
        # One system after the other: interleaved, torch's worker threads still spin after each of
        # its calls and slow whatever runs next on 2 cores.
        for number in range(args.queries):
            query = f"{QUERIES[number % len(QUERIES)]} ({number})"
            started = time.perf_counter()
            vector = embedder.encode([query])[0]
            scan.rows(vector, 10)
            ours.append(time.perf_counter() - started)
        for number in range(args.queries):
            query = f"{QUERIES[number % len(QUERIES)]} ({number}) numpy"
            started = time.perf_counter()
            vector = embedder.encode([query])[0]
            top_k(matrix, vector, 10)
            numpy_top_k.append(time.perf_counter() - started)
        for number in range(args.queries):
            query = f"{QUERIES[number % len(QUERIES)]} ({number})"
            started = time.perf_counter()
            vector = torch_model.encode([query], convert_to_tensor=True, normalize_embeddings=True)
            util.semantic_search(vector, corpus, top_k=10)
            theirs.append(time.perf_counter() - started)
        full = busy = "-"
        if size <= args.full_path_up_to:
            index = synthetic_index(matrix, embedder, scan)
            full = "{:.1f} / {:.1f}".format(*percentiles(time_search(index, args.queries, "quiet")))
            with cpu_bound_job():
                busy = "{:.1f} / {:.1f}".format(*percentiles(time_search(index, args.queries, "busy")))
            del index
        (p50, p95), (n50, n95), (q50, q95) = percentiles(ours), percentiles(numpy_top_k), percentiles(theirs)
        print(f"{size:>11,}  {p50:>10.1f} / {p95:<10.1f}  {n50:>8.1f} / {n95:<8.1f}  {full:>16}  {busy:>16}"
              f"  {q50:>15.1f} / {q95:<15.1f}   (scan: {scan.engine}, built in {built:.2f} s)")
        del matrix, corpus, scan
    print("targets: search() p50 <= 20 ms at 100k quiet and <= 60 ms beside a CPU-bound job; encode+scan "
          "<= 150 ms at 1M (exact search, recall 1.0)")


def synthetic_index(matrix: np.ndarray, embedder, scan):
    """What search() reads, at the matrix's size: the sample's paragraphs repeated, their articles,
    and the BM25 index of those texts."""
    from types import SimpleNamespace

    import pandas as pd

    import diplodash
    from diplodash.lexical import LexicalIndex

    from diplodash.index import read_paragraphs, write_index
    from diplodash.search import SEARCHABLE_KINDS
    from diplodash.statements import Statements

    sample = diplodash.load_index(ROOT / "data" / "index")
    repeats = -(-len(matrix) // len(sample.paragraphs))
    paragraphs = pd.concat([sample.paragraphs] * repeats, ignore_index=True).iloc[: len(matrix)].copy()
    paragraphs["paragraph_id"] = [f"p{i}" for i in range(len(paragraphs))]
    with tempfile.TemporaryDirectory() as folder:  # read back as an index is: one Arrow chunk per column
        write_index(Path(folder) / "index", sample.articles, paragraphs, matrix[:, :4], {"dim": 4})
        paragraphs = read_paragraphs(Path(folder) / "index" / "paragraphs.parquet")
    # Statement vectors laid out as the sample's (sentences per paragraph), values random like the matrix.
    counts = np.tile(np.diff(sample.statements.offsets), repeats)[: len(matrix)]
    sentences = np.random.default_rng(1).standard_normal((int(counts.sum()), matrix.shape[1]), dtype=np.float32)
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
    statements = Statements(sentences.astype(np.float16), np.concatenate([[0], np.cumsum(counts)]),
                            np.tile(sample.statements.spans, (repeats, 1))[: int(counts.sum())])
    return SimpleNamespace(paragraphs=paragraphs, articles=sample.articles, embeddings=matrix, embedder=embedder,
                           neighbours=scan,
                           columns={name: paragraphs[name].array for name in paragraphs.columns},
                           lexical=LexicalIndex.build(paragraphs["text"].tolist()), statements=statements,
                           searchable=paragraphs["kind"].isin(SEARCHABLE_KINDS).to_numpy(),
                           article_links=dict(zip(sample.articles.article_id, zip(sample.articles.title, sample.articles.url))))


def time_search(index, queries: int, tag: str) -> list[float]:
    """search() times for `queries` queries never asked before (`tag` keeps each run's queries
    apart: the embedder keeps recent query vectors for reruns)."""
    from diplodash.search import search

    search(index, QUERIES[0])
    samples = []
    for number in range(queries):
        started = time.perf_counter()
        search(index, f"{QUERIES[number % len(QUERIES)]} ({number} {tag})")
        samples.append(time.perf_counter() - started)
    return samples


@contextmanager
def cpu_bound_job():
    """One process spinning on a core, as a build or another user's work would."""
    job = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        job.kill()
        job.wait()


if __name__ == "__main__":
    main()
