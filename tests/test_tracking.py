"""Tracking a statement: its per-paragraph score is the search's own, counted per period like a theme."""
import numpy as np
import pandas as pd

import diplodash
from diplodash import tracking
from diplodash.queries import period_column
from diplodash.statements import Statements


def test_best_sentence_everywhere_equals_the_per_row_lookup():
    rng = np.random.default_rng(3)
    counts = np.array([0, 3, 1, 0, 2, 5])
    vectors = rng.standard_normal((counts.sum(), 8)).astype(np.float16)
    statements = Statements(vectors, np.concatenate([[0], np.cumsum(counts)]), np.zeros((counts.sum(), 2), np.int32))
    query = rng.standard_normal(8).astype(np.float32)
    everywhere = statements.best_everywhere(query, chunk=4)
    per_row, _ = statements.best(np.arange(len(counts)), query)
    np.testing.assert_allclose(everywhere, per_row, rtol=1e-3)
    assert np.isinf(everywhere[[0, 3]]).all()


def test_statement_scores_are_the_search_scores_and_the_timeline_counts_them(sample_index, real_embedder):
    index = diplodash.load_index(sample_index)
    index._embedder = real_embedder
    text = "a frozen war is better than a burning one"
    scores = tracking.statement_scores(index, text)
    hits = index.search(text, k=20)
    rows = index.paragraphs.reset_index().set_index("paragraph_id").loc[hits.paragraph_id, "index"].to_numpy()
    np.testing.assert_allclose(scores[rows], hits.score, atol=2e-3)  # the same score, from every stored vector
    assert np.isneginf(scores[(index.paragraphs.kind == "heading").to_numpy()]).all()

    texts = [text, "sanctions on the banks of Veldoria"]
    timeline = tracking.track_timeline(index, texts, 0.5, granularity="quarter", by="source")
    saying = index.paragraphs[tracking.statement_scores(index, texts[1]) >= 0.5]
    assert timeline[timeline.theme == "statement-2"].paragraphs.sum() == period_column(saying, "quarter").notna().sum()
    quarters = period_column(index.paragraphs, "quarter")
    first = timeline[timeline.paragraphs > 0].iloc[0]
    assert first.total == ((quarters == first.period) & (index.paragraphs.source == first.source)).sum()
    behind = tracking.paragraphs_saying(index, texts[int(first.theme[-1]) - 1], 0.5, period=first.period, granularity="quarter")
    assert (behind.source == first.source).sum() == first.paragraphs and behind.score.is_monotonic_decreasing
    near = tracking.paragraphs_saying(index, text, 0.5, near=True)
    assert (np.abs(near.score - 0.5) <= tracking.NEAR).all()
    assert tracking.track_timeline(index, texts * 3, 0.5).theme.nunique() == tracking.MAX_TRACKED
