"""Search latency: query embedding plus exact top-10 over N paragraph vectors, p50 and p95, next
to `sentence_transformers.util.semantic_search` over the same matrix.

    .venv/bin/python bench/search.py [--sizes 100000 1000000] [--queries 40]

The matrix is synthetic (unit vectors; exact search costs the same whatever the values), the
query embedding is the real model's.
"""
from __future__ import annotations

import argparse
import sys
import time
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
    args = parser.parse_args()
    import torch
    from sentence_transformers import util

    from diplodash.embeddings import DEFAULT_MODEL, Embedder, QueryEmbedder
    from diplodash.search import top_k

    embedder = QueryEmbedder(DEFAULT_MODEL)  # what Index.search uses: ONNX Runtime once exported
    embedder.encode(["warm up"])
    torch_model = Embedder().model
    rng = np.random.default_rng(0)
    print(f"# bench/search.py  {time.strftime('%Y-%m-%d %H:%M')}  query runtime: {embedder.runtime}; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'paragraphs':>11}  {'DiploDash p50 / p95 ms':>24}  {'util.semantic_search p50 / p95 ms':>36}")
    for size in args.sizes:
        matrix = rng.standard_normal((size, 384), dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        corpus = torch.from_numpy(matrix)
        ours, theirs = [], []
        # One system after the other: interleaved, torch's worker threads still spin after each of
        # its calls and slow whatever runs next on 2 cores.
        for number in range(args.queries):
            query = f"{QUERIES[number % len(QUERIES)]} ({number})"
            started = time.perf_counter()
            vector = embedder.encode([query])[0]
            top_k(matrix, vector, 10)
            ours.append(time.perf_counter() - started)
        for number in range(args.queries):
            query = f"{QUERIES[number % len(QUERIES)]} ({number})"
            started = time.perf_counter()
            vector = torch_model.encode([query], convert_to_tensor=True, normalize_embeddings=True)
            util.semantic_search(vector, corpus, top_k=10)
            theirs.append(time.perf_counter() - started)
        (p50, p95), (q50, q95) = percentiles(ours), percentiles(theirs)
        print(f"{size:>11,}  {p50:>11.1f} / {p95:<10.1f}  {q50:>17.1f} / {q95:<16.1f}")
        del matrix, corpus
    print("targets: p50 <= 20 ms at 100k, <= 150 ms at 1M (query embedding included; exact search, recall 1.0)")


if __name__ == "__main__":
    main()
