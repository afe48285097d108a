"""The fictional sample corpus, its gold labels, and the prebuilt index committed in data/index."""
import csv
import os

import numpy as np
import pandas as pd
import pytest

import diplodash
from diplodash.speakers import name_key
from diplodash.themes import load_taxonomy

from .conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
PREBUILT = ROOT / "data" / "index"
GOLD = ROOT / "data" / "sample-gold.csv"


@pytest.fixture(scope="module")
def prebuilt():
    return diplodash.load_index(PREBUILT)


@pytest.fixture(scope="module")
def gold():
    with open(GOLD, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_sample_corpus_is_big_and_varied_enough(prebuilt, gold):
    articles = prebuilt.articles
    assert len(articles) >= 40 and len(prebuilt.paragraphs) >= 400
    assert articles.published.min() >= pd.Timestamp("2022-01-01") and articles.published.max() < pd.Timestamp("2025-01-01")
    assert articles.source.nunique() >= 4
    assert {os.path.splitext(p.split(" row ")[0])[1] for p in articles.path} >= {".txt", ".md", ".csv"}
    assert (prebuilt.paragraphs.kind == "turn").sum() >= 20
    speakers = {name for row in gold for name in row["speakers"].split(";") if name}
    assert len(speakers) >= 15
    themes = {t for row in gold for t in row["themes"].split(";") if t}
    assert {t.id for t in load_taxonomy()} <= themes
    assert "fictional" in (SAMPLE / "README.md").read_text().lower()


def test_prebuilt_index_agrees_with_the_gold_labels(prebuilt, gold):
    articles = prebuilt.articles.set_index("article_id")
    paragraphs = prebuilt.paragraphs
    keys = paragraphs.article_id.map(articles.path.map(lambda p: os.path.relpath(p.split(" row ")[0], "data/sample")
                                                       + (f" row {p.split(' row ')[1]}" if " row " in p else "")))
    predicted = {(k, pos): row for k, pos, row in zip(keys, paragraphs.position, paragraphs.itertuples())}
    tp = fp = fn = 0
    for row in gold:
        hit = predicted[(row["key"], int(row["position"]))]
        truth = {name_key(n) for n in row["speakers"].split(";") if n}
        found = {name_key(n) for n in hit.speakers}
        tp, fp, fn = tp + len(truth & found), fp + len(found - truth), fn + len(truth - found)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.85, f"person F1 {f1:.3f} on the sample gold labels"
    ukraine = sum("ukraine" in list(predicted[(r["key"], int(r["position"]))].themes) for r in gold if "ukraine" in r["themes"])
    assert ukraine / sum("ukraine" in r["themes"] for r in gold) >= 0.5  # the sample's war is found as the war theme


@pytest.fixture(scope="module")
def sample_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("sample-cache")


@pytest.mark.model
def test_prebuilt_index_matches_a_fresh_build(tmp_path, real_embedder, monkeypatch, prebuilt, sample_cache):
    monkeypatch.chdir(ROOT)
    fresh = tmp_path / "index"
    diplodash.build(["data/sample"], fresh, embedder=real_embedder, cache_dir=sample_cache)
    rebuilt = diplodash.load_index(fresh)
    columns = ["paragraph_id", "kind", "section", "turn", "text", "source", "language", "n_words"]
    pd.testing.assert_frame_equal(rebuilt.paragraphs[columns], prebuilt.paragraphs[columns])
    assert rebuilt.paragraphs.speakers.map(list).tolist() == prebuilt.paragraphs.speakers.map(list).tolist()
    assert rebuilt.paragraphs.themes.map(list).tolist() == prebuilt.paragraphs.themes.map(list).tolist()
    np.testing.assert_allclose(rebuilt.embeddings, prebuilt.embeddings, atol=1e-4)


@pytest.mark.model
def test_first_run_without_an_index_builds_the_sample_then_shows_the_dashboard(tmp_path, monkeypatch, sample_cache,
                                                                              real_embedder):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("DIPLODASH_INDEX", raising=False)
    monkeypatch.setenv("DIPLODASH_CACHE", str(sample_cache))  # the vectors the previous test computed
    monkeypatch.chdir(tmp_path)  # no data/index here
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    assert not at.exception
    assert at.status[0].label == "Sample index built"
    assert {m.label: m.value for m in at.metric}["Articles"] == str(len(diplodash.load_index(PREBUILT).articles))
    assert (tmp_path / "data" / "index" / "manifest.json").exists()
