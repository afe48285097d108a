"""Similar statements: exact nearest-neighbour search over the paragraph vectors, blended with a
lexical match so that names and rare terms ("Sakwa", "Global Security Initiative") are found even
where the embedding blurs them."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .dates import display_dates
from .queries import Filters, filter_mask
from .text import sentences, words

RESULT_COLUMNS = ["paragraph_id", "article_id", "score", "text", "title", "published", "source", "date",
                  "date_precision", "kind", "position", "url", "speakers"]
SEARCHABLE_KINDS = ("body", "turn", "caption")
LEXICAL_WEIGHT = 0.25
RARE_SHARE = 0.02  # a term in fewer than 2% of paragraphs counts as rare
_STOP = set("the a an and or of to in on for with at by from as is are was were be been this that these those it its "
            "their our we they he she his her not no but if than then so such will would should can could may might "
            "has have had do does did about into over under between after before more most any all some what who whom "
            "which when where why how did does do say said says".split())


def top_k(matrix: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None,
          boost: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `matrix` with the highest dot product with `query` (cosine, both normalised)."""
    scores = matrix @ query.astype(np.float32)
    if boost is not None:
        scores = scores + boost
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return best, scores[best]


def paragraph_mask(paragraphs: pd.DataFrame, sources=None, start=None, end=None,
                   kinds=SEARCHABLE_KINDS, mask: np.ndarray | None = None) -> np.ndarray:
    result = filter_mask(paragraphs, Filters(start=start, end=end, sources=tuple(sources or ())))
    if mask is not None:
        result &= mask
    if kinds:
        result &= paragraphs["kind"].isin(list(kinds)).to_numpy()
    return result


def query_terms(query: str, most: int = 3) -> list[str]:
    """The terms worth matching letter for letter: quoted phrases, names and acronyms
    ("Global Security Initiative", "Sakwa", "SCO"), longest first. Everything else is left to the
    embedding, which handles paraphrase better."""
    phrases = re.findall(r"[\"“]([^\"”]{3,})[\"”]", query)
    rest = re.sub(r"[\"“][^\"”]*[\"”]", " ", query)
    names = re.findall(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*", rest)
    names = [n for n in names if n.lower() not in _STOP and len(n) >= 3]
    if len(query.split()) <= 2:  # a bare keyword search: match it whatever its case
        names += [w for w in re.findall(r"[\w'-]{3,}", rest) if w.lower() not in _STOP]
    terms = list(dict.fromkeys(phrases + sorted(names, key=len, reverse=True)))
    return terms[:most]


class TextScanner:
    """All paragraph texts joined in one string, so that finding a rare term is a few C-speed
    `str.find` calls (about 10 ms over 160k paragraphs) instead of a scan paragraph by paragraph."""

    def __init__(self, texts: pd.Series):
        texts = [t.replace("\x00", " ") for t in texts.astype(str)]
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.joined = "\x00".join(texts)
        self._lower: str | None = None

    def rows(self, term: str, limit: int) -> np.ndarray | None:
        """Rows whose text contains `term` (case-insensitive when it is all lower case), or None
        when it occurs more than `limit` times: then it is not rare."""
        haystack = self.joined
        if term.islower():
            if self._lower is None:
                self._lower = self.joined.lower()
            haystack = self._lower
        offsets, position = [], haystack.find(term)
        while position != -1:
            offsets.append(position)
            if len(offsets) > limit:
                return None
            position = haystack.find(term, position + len(term))
        return np.unique(np.searchsorted(self.starts, np.array(offsets, dtype=np.int64), side="right") - 1)


def scanner_for(index) -> TextScanner:
    if getattr(index, "_scanner", None) is None:
        index._scanner = TextScanner(index.paragraphs["text"])
    return index._scanner


def lexical_boost(paragraphs: pd.DataFrame, query: str, scanner: TextScanner | None = None) -> np.ndarray:
    """Per paragraph, LEXICAL_WEIGHT times the share of the query's rare terms it contains."""
    boost = np.zeros(len(paragraphs), dtype=np.float32)
    scanner = scanner or TextScanner(paragraphs["text"])
    limit = max(int(RARE_SHARE * len(paragraphs)), 1)
    weights = []
    hits = []
    for term in query_terms(query):
        rows = scanner.rows(term if not term.islower() else term.lower(), limit)
        if rows is not None and len(rows):
            found = np.zeros(len(paragraphs), dtype=bool)
            found[rows] = True
            weights.append(np.log(len(paragraphs) / len(rows)))
            hits.append(found)
    if weights:
        total = sum(weights)
        for weight, found in zip(weights, hits):
            boost += LEXICAL_WEIGHT * (weight / total) * found
    return boost


def search(index, query: str, k: int = 10, lexical: bool = True, **filters) -> pd.DataFrame:
    """The k paragraphs most similar to `query`, best first, with their article's title and link."""
    query = (query or "").strip()
    if not query or len(index.paragraphs) == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    vector = index.embedder.encode([query])[0]
    boost = lexical_boost(index.paragraphs, query, scanner_for(index)) if lexical else None
    return _results(index, vector, k, paragraph_mask(index.paragraphs, **filters), boost)


def more_like_this(index, paragraph_id: str, k: int = 10, **filters) -> pd.DataFrame:
    """Paragraphs most similar to one in the index, from its stored vector (no model needed)."""
    rows = np.flatnonzero(index.paragraphs["paragraph_id"].to_numpy() == paragraph_id)
    if len(rows) == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    mask = paragraph_mask(index.paragraphs, **filters)
    mask[rows[0]] = False
    return _results(index, index.embeddings[rows[0]], k, mask, None)


def _results(index, vector, k, mask, boost) -> pd.DataFrame:
    rows, scores = top_k(index.embeddings, vector, k, mask, boost)
    columns = ["paragraph_id", "article_id", "text", "published", "date_precision", "source", "kind", "position"]
    if "speakers" in index.paragraphs:
        columns.append("speakers")
    hits = index.paragraphs.iloc[rows][columns].copy()
    hits.insert(2, "score", scores.astype(float))
    if "speakers" not in hits:
        hits["speakers"] = [[] for _ in range(len(hits))]
    hits["speakers"] = hits["speakers"].apply(lambda names: ", ".join(names))
    articles = index.articles.set_index("article_id")[["title", "url"]]
    hits = hits.join(articles, on="article_id")
    hits["date"] = display_dates(hits["published"], hits["date_precision"])
    return hits[RESULT_COLUMNS].reset_index(drop=True)


def matching_sentence(text: str, query: str) -> tuple[int, int] | None:
    """Where in `text` the sentence sharing most of the query's words is (start, end), or None
    when no sentence shares at least two of them (or the one rare term of a short query)."""
    wanted = {w for w in words(query.lower()) if w not in _STOP}
    if not wanted:
        return None
    best, best_shared, position = None, 0, 0
    for sentence in sentences(text):
        start = text.find(sentence, position)
        position = start + len(sentence)
        shared = len(wanted & set(words(sentence.lower())))
        if shared > best_shared:
            best, best_shared = (start, position), shared
    return best if best_shared >= min(2, len(wanted)) else None
