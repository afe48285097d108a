"""The dashboard through streamlit's AppTest, on small indexes built in the test session."""
import pytest
from streamlit.testing.v1 import AppTest

import diplodash

from . import inputs
from .conftest import ROOT, SEED, needs_shared


def app(index_dir, monkeypatch) -> AppTest:
    monkeypatch.setenv("DIPLODASH_INDEX", str(index_dir))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_overview_without_an_index_says_how_to_build_one(tmp_path, monkeypatch):
    at = app(tmp_path / "none", monkeypatch).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "no DiploDash index at" in at.info[0].value and "diplodash build" in at.info[0].value


def test_overview_counts(tmp_path, monkeypatch, fake_embedder):
    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs.write_plain(folder)
    inputs.write_jsonl(folder)
    diplodash.build([folder], tmp_path / "index", embedder=fake_embedder)
    at = app(tmp_path / "index", monkeypatch).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Articles": "3", "Paragraphs": "8", "Sources": "2", "Dates": "2023-03 – 2024-02"}
    assert at.dataframe[0].value.to_dict("list") == {"source": ["Example Wire", "corpus"], "articles": [2, 1]}


@pytest.mark.model
@needs_shared
def test_search_page_finds_the_statement(tmp_path, monkeypatch, real_embedder):
    diplodash.build([SEED], tmp_path / "index", source="Global Times", embedder=real_embedder)
    at = app(tmp_path / "index", monkeypatch).run()
    at.switch_page("pages/search.py").run()
    assert at.title[0].value == "Similar statements"
    at.text_input(key="query").input("Russia backs the China-initiated Global Security Initiative").run()
    assert not at.exception
    results = at.dataframe[0].value
    assert len(results) == 20 and "Global Security Initiative" in results.text.iloc[0]
    assert results.score.is_monotonic_decreasing and set(results.source) == {"Global Times"}
