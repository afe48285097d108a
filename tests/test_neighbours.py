"""The vector scan behind search: the same rows as exact float32 search, with filters, across shards,
and with or without FAISS."""
import numpy as np
import pytest

from diplodash.neighbours import NearestNeighbours
from diplodash.search import top_k


@pytest.fixture
def vectors():
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((5_000, 48), dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True), rng


@pytest.mark.parametrize("shards", [1, 3])
def test_scan_finds_the_exact_nearest_rows_under_a_filter(vectors, shards):
    matrix, rng = vectors
    allowed = rng.random(len(matrix)) < 0.3
    scan = NearestNeighbours(matrix, shards=shards)
    assert scan.engine == f"faiss-fp16 x{shards}"
    for _ in range(5):
        query = matrix[rng.integers(len(matrix))] + 0.3 * rng.standard_normal(48).astype(np.float32)
        query /= np.linalg.norm(query)
        expected = top_k(matrix, query, 20, allowed)[0]
        found = scan.rows(query, 20, allowed)
        assert allowed[found].all()
        assert list(found[:10]) == list(expected[:10])  # fp16 may only swap near-ties further down
        assert len(set(found) & set(expected)) >= 19


def test_scan_edge_cases(vectors, monkeypatch):
    matrix, rng = vectors
    scan = NearestNeighbours(matrix, shards=2)
    nothing = np.zeros(len(matrix), dtype=bool)
    assert len(scan.rows(matrix[0], 10, nothing)) == 0
    only_second_shard = nothing.copy()
    only_second_shard[[4_000, 4_500]] = True
    assert sorted(scan.rows(matrix[4_000], 10, only_second_shard)) == [4_000, 4_500]
    assert scan.rows(matrix[123], 1)[0] == 123
    assert len(NearestNeighbours(matrix[:0]).rows(matrix[0], 5)) == 0


def test_without_faiss_numpy_gives_the_same_rows(vectors, monkeypatch):
    import builtins

    matrix, rng = vectors
    real_import = builtins.__import__

    def no_faiss(name, *args, **kwargs):
        if name == "faiss":
            raise ImportError("no faiss here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faiss)
    scan = NearestNeighbours(matrix)
    assert scan.engine == "numpy"
    allowed = rng.random(len(matrix)) < 0.5
    assert list(scan.rows(matrix[9], 10, allowed)) == list(top_k(matrix, matrix[9], 10, allowed)[0])
