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


def clustered(count: int, dim: int = 48, centres: int = 60, seed: int = 3) -> np.ndarray:
    """Unit vectors around a few centres, as real embeddings are (random ones have no structure to index)."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, dim), dtype=np.float32)
    matrix = middle[rng.integers(centres, size=count)] + 0.35 * rng.standard_normal((count, dim), dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_a_large_part_is_searched_through_its_inverted_file_with_filters(tmp_path):
    from diplodash.neighbours import IVF_FILE, build_ivf

    matrix = clustered(12_000)
    path = tmp_path / IVF_FILE
    build_ivf(matrix, path)
    extra = clustered(3_000, seed=4)  # a segment appended after: scanned exactly beside the inverted file
    vectors = np.concatenate([matrix, extra])
    scan = NearestNeighbours(vectors, inverted=[(0, len(matrix), path)])
    assert scan.engine == "faiss-fp16 x1 + faiss-ivf-sq8 x1"
    rng = np.random.default_rng(0)
    narrow = np.zeros(len(vectors), dtype=bool)
    narrow[rng.choice(len(vectors), 400, replace=False)] = True  # under EXACT_BELOW: scored exactly
    half = rng.random(len(vectors)) < 0.5
    for allowed, least in ((None, 0.9), (half, 0.9), (narrow, 1.0)):
        found_all = []
        for _ in range(20):
            query = vectors[rng.integers(len(vectors))] + 0.2 * rng.standard_normal(48).astype(np.float32)
            query /= np.linalg.norm(query)
            expected = top_k(vectors, query, 10, allowed)[0]
            found = scan.rows(query, 10, allowed)
            assert allowed is None or allowed[found].all()
            found_all.append(len(set(found) & set(expected)) / 10)
        assert np.mean(found_all) >= least, (None if allowed is None else allowed.sum(), np.mean(found_all))


def test_an_index_part_from_the_threshold_up_gets_an_inverted_file_that_a_retag_keeps(tmp_path, monkeypatch, real_embedder):
    import diplodash
    from diplodash import neighbours
    from diplodash.index import read_tables, write_index
    from diplodash.tagging import retag

    from .conftest import SAMPLE_INDEX

    monkeypatch.setattr(neighbours, "APPROXIMATE_FROM", 500)
    manifest, articles, paragraphs, embeddings = read_tables(SAMPLE_INDEX)  # 563 paragraphs
    target = tmp_path / "index"
    write_index(target, articles, paragraphs, embeddings, manifest)
    assert (target / neighbours.IVF_FILE).exists()
    index = diplodash.load_index(target)
    assert isinstance(index.embeddings, np.memmap) and "ivf" in index.neighbours.engine
    query = embeddings[10]
    assert index.neighbours.rows(query, 1)[0] == 10
    before = (target / neighbours.IVF_FILE).stat().st_ino
    retag(target, embedder=real_embedder)
    assert (target / neighbours.IVF_FILE).stat().st_ino == before  # the same vectors: linked, not rebuilt
