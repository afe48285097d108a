"""Nearest paragraph vectors for a query: the first stage of a search.

The scan is exact, over a half-precision copy of the vectors held by FAISS (`IndexScalarQuantizer`
with `QT_fp16`: each dot product is off by at most ~3e-5, and the candidates it returns are then
scored again on the float32 vectors). Half the bytes is what makes it fast: the float32 scan reads
1.5 kB per paragraph and is bound by memory bandwidth, so at 100k paragraphs on one core the FAISS
fp16 scan takes 7.0 ms against 13-15 ms for numpy's `matrix @ query` + `argpartition`. Large
indexes are cut into one shard per core, scanned side by side (FAISS releases the GIL): 4.3 ms on
2 cores, and no slower than one shard when the other core is busy (bench/search.py). Filters are
honoured inside the scan (a bitmap of allowed rows), so a narrow filter costs less, not more.
Without FAISS installed the same answers come from numpy.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SHARD_ROWS = 32_768  # below this a second thread costs more than it saves


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class NearestNeighbours:
    """Rows of a unit-vector matrix with the highest cosine to a query, among allowed rows."""

    def __init__(self, vectors: np.ndarray, shards: int | None = None):
        self.vectors = vectors
        self._shards, self._starts, self._pool = [], [], None
        try:
            import faiss
        except ImportError:  # numpy answers the same, about twice as slowly
            return
        faiss.omp_set_num_threads(1)  # parallel by shard, not inside one: OpenMP threads fight on a busy machine
        self._faiss = faiss
        count = shards or max(1, min(cores(), 4, len(vectors) // SHARD_ROWS))
        bounds = np.linspace(0, len(vectors), count + 1).astype(int)
        for start, end in zip(bounds[:-1], bounds[1:]):
            if end > start:
                shard = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_fp16,
                                                   faiss.METRIC_INNER_PRODUCT)
                shard.add(np.ascontiguousarray(vectors[start:end], dtype=np.float32))
                self._shards.append(shard)
                self._starts.append(int(start))
        if len(self._shards) > 1:
            self._pool = ThreadPoolExecutor(len(self._shards) - 1, thread_name_prefix="diplodash-scan")

    @property
    def engine(self) -> str:
        return f"faiss-fp16 x{len(self._shards)}" if self._shards else "numpy"

    def rows(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Up to k rows closest to `query`, best first (allowed rows only)."""
        k = min(k, len(self.vectors) if allowed is None else int(allowed.sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        if not self._shards:
            from .search import top_k

            return top_k(self.vectors, query, k, allowed)[0]
        query = np.asarray(query, dtype=np.float32)[None, :]
        # The first shard is scanned on the calling thread while the pool scans the others.
        others = [self._pool.submit(self._scan, number, query, k, allowed) for number in range(1, len(self._shards))]
        found = [self._scan(0, query, k, allowed)] + [job.result() for job in others]
        scores = np.concatenate([s for s, _ in found])
        rows = np.concatenate([r for _, r in found])
        best = np.argsort(-scores, kind="stable")[:k]
        return rows[best]

    def _scan(self, number: int, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple:
        shard, start = self._shards[number], self._starts[number]
        params = None
        if allowed is not None:
            part = allowed[start:start + shard.ntotal]
            if not part.any():
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
            if not part.all():
                bits = np.packbits(part, bitorder="little")  # alive until the search returns
                params = self._faiss.SearchParameters(sel=self._faiss.IDSelectorBitmap(len(part), self._faiss.swig_ptr(bits)))
        scores, rows = shard.search(query, min(k, shard.ntotal), params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep] + start
