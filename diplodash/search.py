"""Similar statements: exact nearest-neighbour search over the paragraph vectors, blended with BM25
(the index's lexical part) so that names and rare terms ("Sakwa", "Global Security Initiative")
count where the embedding blurs them, in proportion to how well they match; then the best
candidates are scored by their closest sentence too (diplodash.statements), so a paragraph that
makes the statement in one of its sentences ranks as if it were that sentence, and the hit says
which one matched."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .dates import display_date
from .queries import Filters, filter_mask
from .languages import script
from .multilingual import MIN_CALIBRATION_ROWS
from .text import sentences, words

RESULT_COLUMNS = ["paragraph_id", "article_id", "score", "text", "title", "published", "source", "date",
                  "date_precision", "kind", "position", "url", "speakers", "language", "match_start", "match_end"]
SEARCHABLE_KINDS = ("body", "turn", "caption")
# Chosen on half of bench/gold/search-paraphrases.csv (the even rows) and checked on the other half:
# 0.25 lifts MRR@10 on the unseen half from 0.770 to 0.814 at equal recall@5 (bench/search_quality.py).
LEXICAL_WEIGHT = 0.25
PHRASE_CANDIDATES = 500  # rows the cosine ranks highest, checked for a quoted phrase
# Paragraphs ranked highest by paragraph vector + BM25 that are then scored by their best sentence:
# max(paragraph cosine, best sentence cosine) + BM25. On bench/search_quality.py recall@5 0.889 ->
# 0.933 and MRR 0.818 -> 0.838 (the half of the queries never used to choose: recall@5 0.822 ->
# 0.889); the seed pair's reverse direction from rank > 10 to 3.
STATEMENT_CANDIDATES = 200
_STOP = set("the a an and or of to in on for with at by from as is are was were be been this that these those it its "
            "their our we they he she his her not no but if than then so such will would should can could may might "
            "has have had do does did about into over under between after before more most any all some what who whom "
            "which when where why how did does do say said says".split())


_BLAS = None


def _one_blas_thread():
    """A query's matrix-vector product on one BLAS thread: OpenBLAS threads spinning after it slow
    the next query's encoder when queries come back to back (search() p50 at 100k paragraphs 65.6 ->
    42.5 ms; with 0.3 s between queries 50 ms either way; bench/search.py)."""
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def top_k(matrix: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None,
          boost: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `matrix` with the highest dot product with `query` (cosine, both normalised)."""
    with _one_blas_thread():
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


def search_mask(index, sources=None, start=None, end=None, languages=None, mask: np.ndarray | None = None) -> np.ndarray:
    """Rows a search may return under the filters: searchable kinds, dates, sources, languages and
    `mask`; no pass over the table when no filter is set."""
    result = index.searchable
    if sources or languages or start is not None or end is not None:
        result = result & filter_mask(index.paragraphs, Filters(start=start, end=end, sources=tuple(sources or ()),
                                                                languages=tuple(languages or ())))
    return result & mask if mask is not None else result


def quoted_phrases(query: str) -> list[str]:
    """The phrases a user quoted: "no-alliance, no-confrontation" must appear as written."""
    return [p.strip().lower() for p in re.findall(r"[\"“]([^\"”]{3,})[\"”]", query) if p.strip()]


def lexical_boost(index, query: str, candidates: np.ndarray | None = None) -> np.ndarray:
    """Per paragraph, what its words add to its cosine: LEXICAL_WEIGHT times its BM25 score scaled
    so that the query's best paragraph gets 1, plus LEXICAL_WEIGHT again where the paragraph holds a
    phrase the user quoted (checked on `candidates`, the rows the cosine already ranks high)."""
    boost = LEXICAL_WEIGHT * index.lexical.scores(query)
    if len(boost) != len(index.paragraphs):
        boost = np.zeros(len(index.paragraphs), dtype=np.float32)
    phrases = quoted_phrases(query)
    if phrases and candidates is not None and len(candidates):
        for row, text in zip(candidates, index.columns["text"].take(candidates)):  # these rows only
            text = str(text).lower()
            if all(p in text for p in phrases):
                boost[row] += LEXICAL_WEIGHT
    return boost


def search(index, query: str, k: int = 10, lexical: bool = True, **filters) -> pd.DataFrame:
    """The k paragraphs most similar to `query`, best first, with their article's title and link."""
    query = (query or "").strip()
    if not query or len(index.paragraphs) == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    mask = search_mask(index, **filters)
    space = index.multilingual
    if space is not None:
        return _search_across_languages(index, space, query, k, mask, lexical)
    vector = index.embedder.encode([query])[0]
    boost = None
    if lexical:
        phrase_rows = index.neighbours.rows(vector, PHRASE_CANDIDATES, mask) if quoted_phrases(query) else None
        boost = lexical_boost(index, query, phrase_rows)
    return _results(index, vector, k, mask, boost, statements=True)


def primary_reads(query: str) -> bool:
    """Whether the primary model can read the query: it is in Latin script (or has no letters)."""
    return script(query) in (None, "latin")


def _search_across_languages(index, space, query: str, k: int, mask: np.ndarray, lexical: bool) -> pd.DataFrame:
    """Search an index with a multilingual space (diplodash.multilingual): English paragraphs in the
    primary space when the primary model reads the query, every other paragraph in the multilingual
    space with its cosine put on the primary scale; both lists merged by score."""
    vector = space.encode(query)
    reads = primary_reads(query)
    in_primary = mask & space.primary if reads else np.zeros_like(mask)
    elsewhere = mask & ~in_primary
    # The primary model embeds the query for its own paragraphs, or to put the others on its scale.
    wanted = reads and (in_primary.any() or len(space.calibration) >= MIN_CALIBRATION_ROWS)
    primary_query = index.embedder.encode([query])[0] if wanted else None
    boost = None
    if lexical:
        phrase_rows = None
        if quoted_phrases(query):
            phrase_rows = space.neighbours.rows(vector, PHRASE_CANDIDATES, mask)
        boost = lexical_boost(index, query, phrase_rows)
    found = []
    if in_primary.any():
        found.append(_primary_hits(index, primary_query, k, in_primary, boost))
    if elsewhere.any():
        # On the primary scale whenever the query is one the primary model reads, so that a
        # paragraph scores the same with or without a language filter.
        scale, shift = space.on_primary_scale(index.embeddings, primary_query, vector) if primary_query is not None \
            else (1.0, 0.0)
        rows, scores = candidates(index, vector, k, elsewhere, boost, space.neighbours, space.vectors, scale, shift)
        found.append((rows, scores, np.full((len(rows), 2), -1, dtype=np.int32)))
    if not found:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    rows, scores, spans = (np.concatenate(parts) for parts in zip(*found))
    order = np.argsort(-scores, kind="stable")[:k]
    return frame(index, rows[order], scores[order], spans[order])


def _primary_hits(index, vector, k, mask, boost) -> tuple:
    rescore = index.statements.sentences > 0
    rows, scores = candidates(index, vector, max(k, STATEMENT_CANDIDATES) if rescore else k, mask, boost)
    spans = np.full((len(rows), 2), -1, dtype=np.int32)
    if rescore:
        rows, scores, spans = statement_scores(index, rows, scores, vector, boost)
    return rows[:k], scores[:k], spans[:k]


def more_like_this(index, paragraph_id: str, k: int = 10, **filters) -> pd.DataFrame:
    """Paragraphs most similar to one in the index, from its stored vector (no model needed)."""
    rows = np.flatnonzero(index.paragraphs["paragraph_id"].to_numpy() == paragraph_id)
    if len(rows) == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    mask = search_mask(index, **filters).copy()
    mask[rows[0]] = False
    space = index.multilingual
    if space is not None and not space.primary[rows[0]]:  # a paragraph only the multilingual space reads
        found, scores = candidates(index, space.vectors[rows[0]], k, mask, None, space.neighbours, space.vectors)
        return frame(index, found, scores, np.full((len(found), 2), -1, dtype=np.int32))
    if space is not None:
        mask &= space.primary
    return _results(index, index.embeddings[rows[0]], k, mask, None)


def candidates(index, vector: np.ndarray, n: int, mask: np.ndarray, boost: np.ndarray | None,
               neighbours=None, vectors=None, scale: float = 1.0, shift: float = 0.0) -> tuple:
    """The n allowed rows with the highest cosine + boost, best first, with those scores: the n
    nearest by vector joined with the n that the boost lifts most, scored exactly on the float32
    vectors. On bench/search_quality.py's 90 queries the final top 10 is the same as scoring every
    row (90 of 90), while the scan reads half the bytes (diplodash.neighbours). `neighbours` and
    `vectors` are another space's (the multilingual one), whose cosines count as scale * cos + shift."""
    neighbours = neighbours if neighbours is not None else index.neighbours
    vectors = vectors if vectors is not None else index.embeddings
    rows = neighbours.rows(vector, n, mask)
    if boost is not None:
        lifted = np.flatnonzero((boost > 0) & mask)
        if len(lifted) > n:
            lifted = lifted[np.argpartition(-boost[lifted], n - 1)[:n]]
        rows = np.union1d(rows, lifted)
    scores = (np.asarray(vectors[rows], dtype=np.float32) @ np.asarray(vector, dtype=np.float32)) * scale + shift
    if boost is not None:
        scores = scores + boost[rows]
    order = np.argsort(-scores, kind="stable")[:n]
    return rows[order], scores[order]


def statement_scores(index, rows: np.ndarray, scores: np.ndarray, vector: np.ndarray, boost) -> tuple:
    """Candidates rescored by their closest sentence where it beats the paragraph's own vector;
    returns rows, scores and the matched sentence's (start, end), or (-1, -1), best first."""
    best, spans = index.statements.best(rows, vector)
    cosine = scores - (boost[rows] if boost is not None else 0.0)
    lift = np.maximum(best - cosine, 0.0)
    spans[lift <= 0] = -1
    scores = scores + lift
    order = np.argsort(-scores, kind="stable")
    return rows[order], scores[order], spans[order]


def _results(index, vector, k, mask, boost, statements: bool = False) -> pd.DataFrame:
    if statements:
        return frame(index, *_primary_hits(index, vector, k, mask, boost))
    rows, scores = candidates(index, vector, k, mask, boost)
    return frame(index, rows, scores, np.full((len(rows), 2), -1, dtype=np.int32))


def frame(index, rows: np.ndarray, scores: np.ndarray, spans: np.ndarray) -> pd.DataFrame:
    """The result table of these rows, in order, with their scores and matched sentences."""
    columns = index.columns
    taken = {column: columns[column].take(rows) for column in
             ("paragraph_id", "article_id", "text", "published", "date_precision", "source", "kind", "position")}
    names = columns["speakers"].take(rows) if "speakers" in columns else [[]] * len(rows)
    languages = columns["language"].take(rows) if "language" in columns else ["en"] * len(rows)
    links = [index.article_links.get(article, (None, None)) for article in taken["article_id"]]
    # One frame built from its columns, in order: taking the few rows of each needed column is a
    # fraction of the cost of a frame-wide iloc and of pandas' per-column inserts (bench/search.py).
    return pd.DataFrame({"paragraph_id": taken["paragraph_id"], "article_id": taken["article_id"],
                         "score": scores.astype(float), "text": taken["text"],
                         "title": [title for title, _ in links], "published": taken["published"],
                         "source": taken["source"],
                         "date": [display_date(p, q) for p, q in zip(taken["published"], taken["date_precision"])],
                         "date_precision": taken["date_precision"], "kind": taken["kind"],
                         "position": taken["position"], "url": [url for _, url in links],
                         "speakers": [", ".join(each) for each in names], "language": languages,
                         "match_start": spans[:, 0], "match_end": spans[:, 1]})


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
