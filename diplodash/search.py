"""Similar statements: exact nearest-neighbour search over the paragraph vectors."""
from __future__ import annotations

import numpy as np
import pandas as pd

RESULT_COLUMNS = ["paragraph_id", "article_id", "score", "text", "title", "published", "source",
                  "kind", "position", "url"]
SEARCHABLE_KINDS = ("body", "turn", "caption")


def top_k(matrix: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `matrix` with the highest dot product with `query` (cosine, both normalised)."""
    scores = matrix @ query.astype(np.float32)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return best, scores[best]


def paragraph_mask(paragraphs: pd.DataFrame, sources=None, start=None, end=None,
                   kinds=SEARCHABLE_KINDS) -> np.ndarray:
    mask = np.ones(len(paragraphs), dtype=bool)
    if kinds:
        mask &= paragraphs["kind"].isin(list(kinds)).to_numpy()
    if sources:
        mask &= paragraphs["source"].isin(list(sources)).to_numpy()
    if start is not None:
        mask &= (paragraphs["published"] >= pd.Timestamp(start)).fillna(False).to_numpy(dtype=bool)
    if end is not None:
        mask &= (paragraphs["published"] < pd.Timestamp(end) + pd.Timedelta(days=1)).fillna(False).to_numpy(dtype=bool)
    return mask


def search(index, query: str, k: int = 10, **filters) -> pd.DataFrame:
    """The k paragraphs most similar to `query`, best first, with their article's title and link."""
    query = (query or "").strip()
    if not query or len(index.paragraphs) == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    vector = index.embedder.encode([query])[0]
    rows, scores = top_k(index.embeddings, vector, k, paragraph_mask(index.paragraphs, **filters))
    hits = index.paragraphs.iloc[rows][["paragraph_id", "article_id", "text", "published", "source",
                                        "kind", "position"]].copy()
    hits.insert(2, "score", scores.astype(float))
    articles = index.articles.set_index("article_id")[["title", "url"]]
    hits = hits.join(articles, on="article_id")
    return hits[RESULT_COLUMNS].reset_index(drop=True)
