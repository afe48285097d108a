"""Every dashboard page through streamlit's AppTest, on a small index built in the test session."""
import json

import pytest
from streamlit.testing.v1 import AppTest

import diplodash

from . import inputs
from .conftest import ROOT, SEED, needs_shared

HOSTILE = """Hostile paragraph test
Published: 2023-05-05

Minister Jonas Berg said <img src=x onerror=alert(1)> and [click](javascript:alert(1)) **bold** # not a heading.
"""


@pytest.fixture(scope="module")
def app_index(tmp_path_factory, real_embedder):
    folder = tmp_path_factory.mktemp("corpus")
    inputs.write_plain(folder)
    inputs.write_jsonl(folder)
    inputs.write_table_csv(folder)
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    sources = [folder] + ([SEED] if SEED.exists() else [])
    out = tmp_path_factory.mktemp("app") / "index"
    diplodash.build(sources, out, embedder=real_embedder, cache_dir=tmp_path_factory.mktemp("cache"))
    return out


def app(index_dir, monkeypatch, page=None, **params) -> AppTest:
    monkeypatch.setenv("DIPLODASH_INDEX", str(index_dir))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_every_page_without_an_index_says_how_to_build_one(tmp_path, monkeypatch):
    for page in (None, "themes", "speakers", "search", "articles"):
        at = app(tmp_path / "none", monkeypatch, page)
        assert "no DiploDash index at" in at.info[0].value and "diplodash build" in at.info[0].value
    at = app(tmp_path / "none", monkeypatch, "corpus")
    assert "No index yet" in at.info[0].value and at.button(key="build").label == "Build the index"


def test_overview_counts_and_lists(app_index, monkeypatch):
    at = app(app_index, monkeypatch)
    index = diplodash.load_index(app_index)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == str(len(index.articles))
    assert metrics["Paragraphs"] == f"{len(index.paragraphs):,}"
    assert metrics["Sources"] == str(index.articles.source.nunique())
    latest = at.dataframe[0].value
    assert latest.title.iloc[0] == index.articles.sort_values("published").title.iloc[-1]
    assert len(at.get("plotly_chart")) == 2


def test_filters_come_from_the_url_and_narrow_every_number(app_index, monkeypatch):
    at = app(app_index, monkeypatch, source="Example Wire")
    assert at.multiselect(key="filter_sources").value == ["Example Wire"]
    assert {m.label: m.value for m in at.metric}["Articles"] == "2"
    at.multiselect(key="filter_sources").set_value([]).run()
    assert "source" not in at.query_params
    at = app(app_index, monkeypatch, source="Nobody")
    assert at.multiselect(key="filter_sources").value == []


def test_filter_that_matches_nothing_explains_itself(app_index, monkeypatch):
    at = app(app_index, monkeypatch, "themes")
    at.multiselect(key="filter_speakers").set_value(["Ilse Novak"]).run()
    at.multiselect(key="filter_sources").set_value(["Example Wire"]).run()
    assert not at.exception and "No paragraph matches these filters" in at.warning[0].value


@needs_shared
def test_themes_page_timeline_and_heatmap(app_index, monkeypatch):
    at = app(app_index, monkeypatch, "themes")
    assert at.title[0].value == "Themes over time"
    assert at.selectbox(key="granularity").value == "month"
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    assert at.get("download_button")[0].proto.label == "Download the plotted data (CSV)"
    at.radio(key="measure").set_value("count").run()
    at.toggle(key="split").set_value(True).run()
    assert not at.exception and len(at.get("plotly_chart")) == 2


@needs_shared
def test_speakers_page(app_index, monkeypatch):
    at = app(app_index, monkeypatch, "speakers")
    assert at.title[0].value == "Who speaks"
    options = at.selectbox(key="speaker").options
    assert "Wang Yi" in options and options[0] == "Wang Yi"
    at.selectbox(key="speaker").set_value("Sergey Lavrov").run()
    statements = at.dataframe[0].value
    assert len(statements) == 4 and statements.text.str.contains("Lavrov|top diplomat").all()
    assert at.subheader[-1].value == "Sergey Lavrov: 4 statements"


@needs_shared
def test_search_page_hybrid_results_and_more_like_this(app_index, monkeypatch):
    at = app(app_index, monkeypatch, "search")
    at.text_input(key="query").input("Sakwa").run()
    results = at.dataframe[0].value
    assert "Richard Sakwa" in results.text.iloc[0]  # a rare name is found lexically
    at.text_input(key="query").input("Russia backs the China-initiated Global Security Initiative").run()
    results = at.dataframe[0].value
    assert "Global Security Initiative" in results.text.iloc[0] and results.score.is_monotonic_decreasing
    assert results.speakers.iloc[0] == "Sergey Lavrov"
    first_like = [b for b in at.button if b.key and b.key.startswith("like_")][0]
    first_like.click().run()
    assert "Paragraphs like the one you picked" in [c.value for c in at.caption]
    assert len(at.dataframe[0].value) == 20


HOSTILE_TITLE = "<img src=t onerror=alert(2)> Hostile paragraph test"
HOSTILE_SPEAKER = "<b>Bold</b> [me](javascript:alert(3))"


@pytest.fixture(scope="module")
def hostile_index(app_index, tmp_path_factory):
    """Ingestion strips tags, so plant hostile text, title and speaker the way another tool could have."""
    from diplodash.index import read_tables, write_index

    manifest, articles, paragraphs, _ = read_tables(app_index)
    row = paragraphs.index[paragraphs.text.str.startswith("Minister Jonas Berg said")][0]
    paragraphs.loc[row, "text"] = "Minister Jonas Berg said <img src=x onerror=alert(1)> and [click](javascript:alert(1)) **bold**"
    paragraphs.at[row, "speakers"] = ["Jonas Berg", HOSTILE_SPEAKER]
    articles.loc[articles.title == "Hostile paragraph test", "title"] = HOSTILE_TITLE
    out = tmp_path_factory.mktemp("hostile") / "index"
    write_index(out, articles, paragraphs, app_index / "embeddings.npy", manifest)
    return out


def test_articles_page_marks_speakers_and_never_renders_markup(hostile_index, monkeypatch):
    at = app(hostile_index, monkeypatch, "articles")
    hostile = diplodash.load_index(hostile_index).articles.query("title == @HOSTILE_TITLE").article_id.iloc[0]
    at.selectbox(key="article").set_value(hostile).run()
    body = [m.value for m in at.markdown if "onerror" in m.value][0]
    assert "\\<img" in body and "\\[click\\]\\(javascript" in body and "\\*\\*bold\\*\\*" in body
    assert at.subheader[0].value.startswith("\\<img src=t onerror=alert\\(2\\)\\>")
    assert any("**Speakers:** Jonas Berg, \\<b\\>Bold" in c.value for c in at.caption)


def test_speaker_names_show_as_text_in_headings_and_charts(hostile_index, monkeypatch):
    at = app(hostile_index, monkeypatch, "speakers", speaker=HOSTILE_SPEAKER)
    assert at.selectbox(key="speaker").value == HOSTILE_SPEAKER
    assert at.subheader[-1].value == "\\<b\\>Bold\\</b\\> \\[me\\]\\(javascript\\:alert\\(3\\)\\): 1 statements"
    charts = " ".join(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False) for chart in at.get("plotly_chart"))
    assert "&lt;b&gt;Bold&lt;/b&gt;" in charts and "<b>Bold" not in charts


def test_corpus_page_builds_from_a_folder_and_reports_errors(tmp_path, monkeypatch, real_embedder):
    folder = tmp_path / "new"
    folder.mkdir()
    inputs.write_plain(folder)
    (folder / "empty.txt").write_text("")
    at = app(tmp_path / "index", monkeypatch, "corpus")
    at.text_input(key="folder").input(str(folder)).run()
    at.button(key="build").click().run()
    assert not at.exception
    report = at.dataframe[0].value
    assert report.reason.tolist() == ["empty file"] and diplodash.load_index(tmp_path / "index").articles.shape[0] == 1
    assert at.status[0].label == "Built 1 articles, 6 paragraphs (6 embedded, 0 reused)"
    at.run()
    assert "1 articles" in at.markdown[0].value


def test_pages_that_do_not_search_never_import_torch(app_index):
    import subprocess
    import sys

    script = f"""
import os, sys
os.environ["DIPLODASH_INDEX"] = {str(app_index)!r}
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=60).run()
for page in ("themes", "speakers", "articles"):
    at.switch_page(f"pages/{{page}}.py").run()
    assert not at.exception, at.exception
print("torch" in sys.modules, "sentence_transformers" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr[-2000:]


def test_corpus_page_uploads_are_safe_and_a_failed_build_keeps_the_index(tmp_path, monkeypatch, real_embedder):
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escaped.txt", inputs.PLAIN_ARTICLE)
        z.writestr("inner/ok.txt", inputs.PLAIN_ARTICLE)
    at = app(tmp_path / "data" / "index", monkeypatch, "corpus")
    uploader = at.file_uploader(key="uploads")
    assert {".txt", ".md", ".csv", ".jsonl", ".html", ".xml", ".zip"} <= set(uploader.allowed_type)
    assert ".exe" not in uploader.allowed_type and ".py" not in uploader.allowed_type
    uploader.set_value([("articles.zip", archive.getvalue(), "application/zip")]).run()
    at.button(key="build").click().run()
    assert not at.exception and at.status[0].label.startswith("Built 1 articles")
    report = at.dataframe[0].value
    assert report.reason.str.contains("unsafe path inside zip").any()
    assert not list(tmp_path.rglob("escaped.txt")) and not (ROOT.parent / "escaped.txt").exists()
    before = (tmp_path / "data" / "index" / "paragraphs.parquet").read_bytes()
    at = app(tmp_path / "data" / "index", monkeypatch, "corpus")
    at.checkbox(key="keep").uncheck().run()
    at.file_uploader(key="uploads").set_value([("empty.txt", b"", "text/plain")]).run()
    at.button(key="build").click().run()
    assert at.status[0].label == "Build failed: the previous index is unchanged"
    assert (tmp_path / "data" / "index" / "paragraphs.parquet").read_bytes() == before
