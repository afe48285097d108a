"""Track a statement: how many paragraphs per period say the same thing as it, as counts and as a
share of all paragraphs, split by source or speaker, up to MAX_TRACKED statements side by side.

"Says the same thing" is the search's own score (diplodash.search: the closer of the paragraph's
vector and its best sentence's, plus BM25 in proportion to the evidence) at or above a threshold,
computed here for every paragraph from the stored vectors: only the statement is embedded. A
tracked statement is then counted like a theme (queries.theme_timeline), so its timeline, its
shares and the paragraphs behind each point obey the same rules as the themes'.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict

import numpy as np
import pandas as pd

from .index import with_titles
from .queries import list_column, theme_timeline
from .search import lexical_boost

MAX_TRACKED = 4
# "Says the same thing" at a search score of 0.84: chosen as the best F1 on the statements of one
# annotator of bench/gold/track-pairs.csv, it gives precision 0.711 and recall 0.692 on the other's
# (F1 0.701; bench/track.py prints the whole curve). Precision and recall being about equal, a
# count of matching paragraphs is about the count of those that truly say it. The watchlist uses it too.
DEFAULT_THRESHOLD = 0.84
NEAR = 0.03               # paragraphs this close to the threshold are shown for the user to judge it
_RECENT = 16              # statements whose scores an index keeps
_scores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def statement_id(number: int) -> str:
    return f"statement-{number + 1}"


def statement_scores(index, text: str) -> np.ndarray:
    """Every paragraph's search score for `text` (float32, one per row); kept per index for reruns."""
    try:
        recent = _scores.setdefault(index, OrderedDict())
    except TypeError:  # an index-like object that takes no weak reference: nothing kept
        recent = OrderedDict()
    if text in recent:
        recent.move_to_end(text)
        return recent[text]
    vector = index.embedder.encode([text])[0].astype(np.float32)
    cosine = index.embeddings @ vector
    best = np.maximum(cosine, index.statements.best_everywhere(vector)) if index.statements.sentences else cosine
    scores = (best + lexical_boost(index, text)).astype(np.float32)
    scores[~index.searchable] = -np.inf  # headings are never a statement
    recent[text] = scores
    while len(recent) > _RECENT:
        recent.popitem(last=False)
    return scores


def matched(index, texts: list[str], threshold: float) -> pd.Series:
    """Per paragraph row, the ids of the tracked statements it says the same as (an Arrow list
    column, as the index holds themes: no Python list per row)."""
    rows, ids = [], []
    for number, text in enumerate(texts[:MAX_TRACKED]):
        hits = np.flatnonzero(statement_scores(index, text) >= threshold)
        rows.append(hits)
        ids += [statement_id(number)] * len(hits)
    rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    return list_column(rows, np.array(ids, dtype=object), len(index.paragraphs), index.paragraphs.index)


def track_timeline(index, texts: list[str], threshold: float = DEFAULT_THRESHOLD, mask: np.ndarray | None = None,
                   granularity: str = "month", by: str | None = None) -> pd.DataFrame:
    """theme_timeline's table for the tracked statements (theme = statement id) over the paragraphs
    under `mask`: per period (and source or speaker), paragraphs saying it, all paragraphs, share."""
    texts = texts[:MAX_TRACKED]
    paragraphs = index.paragraphs if mask is None else index.paragraphs[mask]
    statements = matched(index, texts, threshold)
    table = paragraphs[["published", "date_precision", "source", "speakers"]].assign(
        themes=statements if mask is None else statements[mask])
    return theme_timeline(table, granularity, by, themes=[statement_id(n) for n in range(len(texts))])


def labels(texts: list[str]) -> dict[str, str]:
    """Chart labels: each statement's own words, shortened."""
    return {statement_id(n): (t if len(t) <= 60 else t[:57].rstrip() + "…") for n, t in enumerate(texts[:MAX_TRACKED])}


def paragraphs_saying(index, text: str, threshold: float, mask: np.ndarray | None = None,
                      period: pd.Timestamp | None = None, granularity: str = "month",
                      near: bool = False) -> pd.DataFrame:
    """The paragraphs behind a point (those saying `text`, of `period` when given), best first, with
    their score; `near`: instead those within NEAR of the threshold, on either side."""
    from .queries import period_column

    scores = statement_scores(index, text)
    keep = (np.abs(scores - threshold) <= NEAR) if near else (scores >= threshold)
    if mask is not None:
        keep &= mask
    rows = index.paragraphs[keep].assign(score=scores[keep])
    if period is not None and not rows.empty:
        rows = rows[period_column(rows, granularity) == pd.Timestamp(period)]
    return with_titles(index, rows).sort_values("score", ascending=False, kind="stable")
