"""Nearest paragraph vectors for a query: the first stage of a search.

Below APPROXIMATE_FROM vectors the scan is exact, over a half-precision copy of the vectors held by
FAISS (`IndexScalarQuantizer` with `QT_fp16`: each dot product is off by at most ~3e-5, and the
candidates it returns are then scored again on the float32 vectors). Half the bytes is what makes
it fast: the float32 scan reads 1.5 kB per paragraph and is bound by memory bandwidth, so at 100k
paragraphs on one core the FAISS fp16 scan takes 7.0 ms against 13-15 ms for numpy's `matrix @
query` + `argpartition`. Large parts are cut into one shard per core, scanned side by side (FAISS
releases the GIL): 4.3 ms on 2 cores, and no slower than one shard when the other core is busy
(bench/search.py). Filters are honoured inside the scan (a bitmap of allowed rows), so a narrow
filter costs less, not more. Without FAISS installed the same answers come from numpy.

From APPROXIMATE_FROM vectors a part of the index (its base, after a build or a compaction) carries
an inverted-file index instead (`vectors.ivf`: FAISS IVF over 8-bit scalar-quantised vectors, a
quarter of the float32 bytes), built when the part is written, never by the dashboard. A query
reads only the NPROBE lists nearest to it; under a filter the number of lists read grows as the
filter narrows, so about as many allowed rows are read as without one, and a filter that leaves
fewer than EXACT_BELOW rows is scanned exactly. The search scores the candidates again on the
float32 vectors (bench/scale.py measures recall against the exact scan).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

SHARD_ROWS = 32_768  # below this a second thread costs more than it saves
APPROXIMATE_FROM = 1_000_000  # vectors in one part; below, the exact scan is fast enough
IVF_FILE = "vectors.ivf"
NPROBE = 64
EXACT_BELOW = 50_000  # allowed rows under which a filtered query is answered exactly


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def lists_for(rows: int) -> int:
    """Inverted lists for `rows` vectors: about 2 sqrt(n) (2,000 at 1M), a power of two."""
    return int(2 ** round(np.log2(max(2.0 * np.sqrt(rows), 16))))


def build_ivf(vectors: np.ndarray, path: Path, seed: int = 0) -> None:
    """Train and fill an IVF index of `vectors` (unit rows) and write it to `path`."""
    import faiss

    faiss.omp_set_num_threads(cores())
    count, dim = vectors.shape
    lists = lists_for(count)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(seed).choice(count, size=min(count, 64 * lists), replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
    for start in range(0, count, 262_144):  # in blocks: a float32 copy of 1M vectors is 1.5 GB
        index.add(np.ascontiguousarray(vectors[start:start + 262_144], dtype=np.float32))
    faiss.write_index(index, str(path))
    faiss.omp_set_num_threads(1)


class NearestNeighbours:
    """Rows of a unit-vector matrix with the highest cosine to a query, among allowed rows.
    `inverted`: per part of the index, (first row, end row, its IVF file) for the parts that have one."""

    def __init__(self, vectors: np.ndarray, shards: int | None = None,
                 inverted: list[tuple[int, int, Path]] = ()):
        self.vectors = vectors
        self._shards, self._starts, self._pool, self._inverted = [], [], None, []
        try:
            import faiss
        except ImportError:  # numpy answers the same, about twice as slowly
            return
        faiss.omp_set_num_threads(1)  # parallel by shard, not inside one: OpenMP threads fight on a busy machine
        self._faiss = faiss
        exact = np.ones(len(vectors), dtype=bool)
        for start, end, path in inverted:
            self._inverted.append((start, end, faiss.read_index(str(path))))
            exact[start:end] = False
        ranges = self._ranges(exact)
        total = sum(end - start for start, end in ranges)
        count = shards or max(1, min(cores(), 4, total // SHARD_ROWS))
        for start, end in ranges:  # the exact rows, cut into about `count` shards
            pieces = max(1, round(count * (end - start) / max(total, 1)))
            bounds = np.linspace(start, end, pieces + 1).astype(int)
            for low, high in zip(bounds[:-1], bounds[1:]):
                if high > low:
                    shard = faiss.IndexScalarQuantizer(vectors.shape[1], faiss.ScalarQuantizer.QT_fp16,
                                                       faiss.METRIC_INNER_PRODUCT)
                    shard.add(np.ascontiguousarray(vectors[low:high], dtype=np.float32))
                    self._shards.append(shard)
                    self._starts.append(int(low))
        workers = len(self._shards) + len(self._inverted) - 1
        if workers > 0:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="diplodash-scan")

    @staticmethod
    def _ranges(exact: np.ndarray) -> list[tuple[int, int]]:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], exact.astype(np.int8), [0]])))
        return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]

    @property
    def engine(self) -> str:
        if not self._shards and not self._inverted:
            return "numpy"
        parts = [f"faiss-fp16 x{len(self._shards)}"] if self._shards else []
        return " + ".join(parts + [f"faiss-ivf-sq8 x{len(self._inverted)}"] * bool(self._inverted))

    def rows(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Up to k rows closest to `query`, best first (allowed rows only)."""
        k = min(k, len(self.vectors) if allowed is None else int(allowed.sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        if not self._shards and not self._inverted:
            from .search import top_k

            return top_k(self.vectors, query, k, allowed)[0]
        query = np.asarray(query, dtype=np.float32)[None, :]
        jobs = [(self._scan, number) for number in range(len(self._shards))] + \
               [(self._probe, number) for number in range(len(self._inverted))]
        # The first job runs on the calling thread while the pool runs the others.
        others = [self._pool.submit(job, number, query, k, allowed) for job, number in jobs[1:]]
        found = [jobs[0][0](jobs[0][1], query, k, allowed)] + [job.result() for job in others]
        scores = np.concatenate([s for s, _ in found])
        rows = np.concatenate([r for _, r in found])
        best = np.argsort(-scores, kind="stable")[:k]
        return rows[best]

    def _selector(self, allowed: np.ndarray | None, start: int, end: int):
        """(FAISS selector or None, the bits it reads: keep them alive, allowed rows of the range)."""
        if allowed is None:
            return None, None, end - start
        part = allowed[start:end]
        count = int(part.sum())
        if count == 0 or count == len(part):
            return None, None, count
        bits = np.packbits(part, bitorder="little")
        return self._faiss.IDSelectorBitmap(len(part), self._faiss.swig_ptr(bits)), bits, count

    def _scan(self, number: int, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple:
        shard, start = self._shards[number], self._starts[number]
        selector, bits, count = self._selector(allowed, start, start + shard.ntotal)
        if count == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        params = self._faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, rows = shard.search(query, min(k, shard.ntotal), params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep] + start

    def _probe(self, number: int, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple:
        start, end, index = self._inverted[number]
        selector, bits, count = self._selector(allowed, start, end)
        if count == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if count < min(EXACT_BELOW, end - start):  # few rows allowed: score exactly those
            rows = start + np.flatnonzero(allowed[start:end])
            scores = np.asarray(self.vectors[rows], dtype=np.float32) @ query[0]
            best = np.argsort(-scores, kind="stable")[:k]
            return scores[best], rows[best]
        share = count / (end - start)
        probes = int(min(index.nlist, np.ceil(NPROBE / share)))
        params = self._faiss.SearchParametersIVF(sel=selector, nprobe=probes) if selector is not None else \
            self._faiss.SearchParametersIVF(nprobe=probes)
        scores, rows = index.search(query, min(k, end - start), params=params)
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep] + start
