import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Searches in tests use torch; test_model checks the ONNX path once (an export takes ~10 s).
os.environ.setdefault("DIPLODASH_QUERY_RUNTIME", "torch")
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "xi-meets-lavrov.txt"
CORPORA = SHARED / "corpora"

needs_shared = pytest.mark.skipif(not SEED.exists(), reason="../shared (seed article and corpora) is not beside the repository")


class HashEmbedder:
    """A fast stand-in for the sentence-transformers model: hashed bag of words, normalised.

    Build and index tests use it so they run in milliseconds; tests marked `model` use the real one.
    """

    name = "test/hash-embedder"
    dim = 64

    def __init__(self):
        self.calls = 0
        self.texts = 0

    def encode(self, texts):
        self.calls += 1
        self.texts += len(texts)
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                matrix[row, bucket] += 1
            matrix[row, 0] += 1e-3  # never a zero vector
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


@pytest.fixture
def fake_embedder():
    return HashEmbedder()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own embedding cache, never the user's."""
    monkeypatch.setenv("DIPLODASH_CACHE", str(tmp_path / "embedding-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "embedding-cache"


@pytest.fixture(scope="session")
def real_embedder():
    from diplodash.embeddings import Embedder

    os.environ["HF_HUB_OFFLINE"] = "1"
    embedder = Embedder()
    embedder.encode(["warm up"])
    return embedder
