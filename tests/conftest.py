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


SAMPLE_INDEX = ROOT / "data" / "index"  # the committed index of the fictional sample corpus (real model vectors)
UNDATED, MONTH_ONLY, YEAR_ONLY = "Undated", "Oct 2022", "2024"


def rewrite_index(source, target, change) -> None:
    """Copy an index with `change(articles, paragraphs)` applied: plant what a build would not write."""
    import pandas as pd

    from diplodash.index import THEME_SCORES, read_tables, write_index

    manifest, articles, paragraphs, _ = read_tables(source)
    change(articles, paragraphs)
    scores = pd.read_parquet(source / THEME_SCORES) if (source / THEME_SCORES).exists() else None
    write_index(target, articles, paragraphs, source / "embeddings.npy", manifest, scores, statements=source / "statements")


def vague_dates(articles, paragraphs) -> None:
    """One undated, one month-only (Oct 2022) and one year-only (2024) article: as the shared corpora have them."""
    import pandas as pd

    newest = articles.sort_values("published").article_id.tolist()
    dates = {newest[-1]: (pd.NaT, None), newest[-2]: (pd.Timestamp("2022-10-01"), "month"),
             newest[-3]: (pd.Timestamp("2024-01-01"), "year")}
    for table in (articles, paragraphs):
        for article_id, (published, precision) in dates.items():
            rows = table.article_id == article_id
            table.loc[rows, "published"] = published
            table.loc[rows, "date_precision"] = precision


HOSTILE_TITLE = "<img src=t onerror=alert(2)> Hostile paragraph test"
HOSTILE_SPEAKER = "<b>Bold</b> [me](javascript:alert(3))"
HOSTILE_TEXT = "Minister Jonas Berg said <img src=x onerror=alert(1)> and [click](javascript:alert(1)) **bold**"


def plant_hostile_text(articles, paragraphs) -> None:
    """Ingestion strips tags, so plant hostile text, title and speaker the way another tool could have."""
    newest = articles.sort_values("published").article_id.iloc[-1]
    row = paragraphs.index[paragraphs.article_id == newest][0]
    paragraphs.loc[row, "text"] = HOSTILE_TEXT
    paragraphs.at[row, "speakers"] = ["Jonas Berg", HOSTILE_SPEAKER]
    articles.loc[articles.article_id == newest, "title"] = HOSTILE_TITLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """The sample index with undated, month-only and year-only articles among its 63."""
    target = tmp_path_factory.mktemp("sample") / "index"
    rewrite_index(SAMPLE_INDEX, target, vague_dates)
    return target
