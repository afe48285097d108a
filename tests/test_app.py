"""Every dashboard page through streamlit's AppTest, on the sample index (real model vectors) with
undated, month-only and year-only articles planted in it; no ../shared needed."""
import pandas as pd
import pytest

import diplodash
from diplodash.queries import has_any

from .conftest import (HOSTILE_SPEAKER, HOSTILE_TITLE, MONTH_ONLY, ROOT, SEED, YEAR_ONLY, needs_shared,
                       plant_hostile_text, rewrite_index)
from .pages import app, figure, numbers, url

PAGES = ("overview", "themes", "speakers", "search", "track", "watchlist", "articles")


def cards(at) -> list[str]:
    """The text of each listed paragraph (search hits, paragraphs behind a point, statements)."""
    return [m.value for m in at.markdown if m.value and not m.value.startswith("####")]


def test_every_page_without_an_index_says_how_to_build_one(tmp_path, monkeypatch):
    for page in (None, "themes", "speakers", "search", "articles"):
        at = app(tmp_path / "none", monkeypatch, page)
        assert "no DiploDash index at" in at.info[0].value and "diplodash build" in at.info[0].value


def test_overview_counts_and_dates_as_precise_as_the_source(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch)
    index = diplodash.load_index(sample_index)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == str(len(index.articles)) and metrics["Paragraphs"] == f"{len(index.paragraphs):,}"
    assert metrics["From"] == "2022-01-18"
    latest = index.articles[index.articles.date_precision == "day"].published.max()
    assert metrics["To"] == f"{latest:%Y-%m-%d}"
    shown = at.dataframe[0].value
    assert shown.date.iloc[0] == f"{latest:%Y-%m-%d}" and shown.date.str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert "published" not in shown and len(at.get("plotly_chart")) == 2


def test_every_page_runs_over_undated_month_and_year_only_articles(sample_index, monkeypatch):
    index = diplodash.load_index(sample_index)
    vague = index.articles[index.articles.date_precision.isin(["month", "year"]) | index.articles.published.isna()]
    for page in PAGES:
        at = app(sample_index, monkeypatch, page)
        assert not at.exception
    shown = {}
    for row in vague.itertuples():
        at = app(sample_index, monkeypatch, "articles", article=row.article_id)
        assert at.selectbox(key="article").value == row.article_id
        shown[row.date_precision if isinstance(row.date_precision, str) else None] = at.caption[0].value
        assert "nan" not in at.caption[0].value
    assert " · undated · " in shown[None] and f" · {MONTH_ONLY} · " in shown["month"] and f" · {YEAR_ONLY} · " in shown["year"]
    options = at.selectbox(key="article").options
    assert any(o.startswith("undated · ") for o in options) and any(o.startswith(f"{MONTH_ONLY} · ") for o in options)


def test_search_whose_best_hit_is_undated(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch, "search", q="A frozen war is better than a burning one, Pavel Oren said")
    assert not at.exception
    first = at.caption[1].value  # [0] is the line above the list
    assert "undated" in first and "Global Ledger" in first
    assert "frozen war" in cards(at)[0]


def test_search_lists_readable_hits_with_the_matching_sentence_and_more_on_request(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch, "search", q="Pavel Oren will not sign away the valley")
    texts = cards(at)
    assert len(texts) == 10 and "**" in texts[0] and "sign away the valley" in texts[0].split("**")[1].replace("\\", "")
    assert "10 of 100 paragraphs shown" in [c.value for c in at.caption]
    at.button(key="results_more").click().run()
    assert len(cards(at)) == 20 and "20 of 100 paragraphs shown" in [c.value for c in at.caption]
    opens = [link.proto for link in at.get("page_link") if link.proto.label == "Open the article"]
    assert len(opens) == 20 and all("articles" in link.page for link in opens)
    at.button(key=[b.key for b in at.button if b.key and b.key.startswith("like_")][0]).click().run()
    assert "Paragraphs like the one you picked" in [c.value for c in at.caption] and "like" in at.query_params


def test_theme_filter_chooses_the_lines_and_never_the_denominator(sample_index, monkeypatch):
    index = diplodash.load_index(sample_index)
    paragraphs = index.paragraphs
    at = app(sample_index, monkeypatch, "themes", theme="ukraine", period="year")
    timeline = figure(at, "timeline")
    names = {trace["name"] for trace in timeline["data"]}
    assert names == {index.theme_labels["ukraine"]}
    dated = paragraphs[paragraphs.date_precision.isin(["day", "month", "year"])]
    years = dated.published.dt.year
    on_theme = has_any(dated.themes, ["ukraine"])
    expected = (pd.Series(on_theme).groupby(years.to_numpy()).mean()).round(6).tolist()
    shares = [round(y, 6) for trace in timeline["data"] for y in numbers(trace["y"])]
    assert shares == expected and max(shares) < 0.5
    heat = figure(at, "heatmap")["data"][0]
    by_source = pd.Series(has_any(paragraphs.themes, ["ukraine"])).groupby(paragraphs.source.to_numpy()).mean()
    assert max(max(row) for row in numbers(heat["z"])) == pytest.approx(by_source.max())
    at = app(sample_index, monkeypatch, None, theme="ukraine")
    bars = figure(at, "top_themes")["data"][0]
    assert list(bars["y"]) == [index.theme_labels["ukraine"]]


def test_filters_survive_a_page_switch_and_every_control_lives_in_the_url(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch)
    at.multiselect(key="filter_sources").set_value(["Varna Herald"]).run()
    at.switch_page("pages/themes.py").run()
    assert at.multiselect(key="filter_sources").value == ["Varna Herald"] and url(at)["source"] == ["Varna Herald"]
    at.selectbox(key="granularity").set_value("quarter").run()
    at.radio(key="measure").set_value("count").run()
    at.selectbox(key="split").set_value("1").run()
    at.selectbox(key="smooth").set_value(3).run()
    params = url(at)
    assert params == {"source": ["Varna Herald"], "period": ["quarter"], "measure": ["count"], "split": ["1"], "smooth": ["3"]}
    at.switch_page("pages/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Articles"] == "14" and "period" not in at.query_params
    at.switch_page("pages/themes.py").run()
    assert at.selectbox(key="granularity").value == "quarter" and at.radio(key="measure").value == "count"

    copied = app(sample_index, monkeypatch, "themes", **{k: v[0] for k, v in params.items()}, min="2")
    assert copied.selectbox(key="granularity").value == "quarter" and copied.selectbox(key="split").value == "1"
    assert copied.selectbox(key="smooth").value == 3 and copied.number_input(key="min_paragraphs").value == 2
    assert copied.multiselect(key="filter_sources").value == ["Varna Herald"]


def test_a_clicked_point_and_the_open_article_come_back_from_the_url(sample_index, monkeypatch):
    index = diplodash.load_index(sample_index)
    at = app(sample_index, monkeypatch, "themes", period="year", point=["ukraine", "2022-01-01"])
    heading = [s.value for s in at.subheader if "paragraphs" in s.value][0]
    count = int(heading.split(" · ")[-1].split()[0])
    expected = index.paragraphs[has_any(index.paragraphs.themes, ["ukraine"]) & (index.paragraphs.published.dt.year == 2022)
                                & (index.paragraphs.date_precision != None)]  # noqa: E711
    assert heading.startswith("Ukraine") and " · 2022 · " in heading and count == len(expected) > 20
    assert f"20 of {count} paragraphs shown" in [c.value for c in at.caption]
    article = index.articles.sort_values("published").article_id.iloc[5]
    linked = index.paragraphs[index.paragraphs.article_id == article].iloc[2]
    at = app(sample_index, monkeypatch, "articles", article=article, paragraph=linked.paragraph_id)
    assert at.selectbox(key="article").value == article and url(at)["article"] == [article]
    assert url(at)["paragraph"] == [linked.paragraph_id]  # drawn framed: the browser test sees it


def test_speakers_page_lists_statements_readably(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch, "speakers", person="Jonas Berg")
    assert at.title[0].value == "Who speaks" and at.selectbox(key="speaker").options[0] == "Dana Holm"
    assert at.selectbox(key="speaker").value == "Jonas Berg"
    index = diplodash.load_index(sample_index)
    said = index.paragraphs[index.paragraphs.speakers.apply(lambda names: "Jonas Berg" in list(names))]
    assert at.subheader[-1].value == f"Jonas Berg: {len(said)} statements"
    assert f"20 of {len(said)} paragraphs shown" in [c.value for c in at.caption]
    # organisations are counted apart from persons and unnamed groups
    from diplodash.queries import speaker_counts

    bodies = speaker_counts(index.paragraphs, kind="organisations").head(10)
    bars = figure(at, "organisations")["data"][0]
    assert dict(zip(bars["y"], numbers(bars["x"]))) == dict(zip(bodies.speaker, bodies.statements)) and len(bodies)
    assert "Electoral Commission" in set(bodies.speaker) - set(speaker_counts(index.paragraphs).speaker)


def test_filter_that_matches_nothing_explains_itself(sample_index, monkeypatch):
    at = app(sample_index, monkeypatch, "themes")
    at.multiselect(key="filter_speakers").set_value(["Dana Holm"]).run()
    at.multiselect(key="filter_sources").set_value(["Marland Wire"]).run()
    assert not at.exception and "No paragraph matches these filters" in at.warning[0].value


@pytest.fixture(scope="module")
def hostile_index(sample_index, tmp_path_factory):
    target = tmp_path_factory.mktemp("hostile") / "index"
    rewrite_index(sample_index, target, plant_hostile_text)
    return target


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
    import json

    charts = " ".join(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False) for chart in at.get("plotly_chart"))
    assert "&lt;b&gt;Bold&lt;/b&gt;" in charts and "<b>Bold" not in charts


def test_pages_that_do_not_search_never_import_torch(sample_index):
    import subprocess
    import sys

    script = f"""
import os, sys
os.environ["DIPLODASH_INDEX"] = {str(sample_index)!r}
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=60).run()
for page in ("themes", "speakers", "articles", "corpus"):
    at.switch_page(f"pages/{{page}}.py").run()
    assert not at.exception, at.exception
print("torch" in sys.modules, "sentence_transformers" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr[-2000:]


@needs_shared
def test_search_on_the_seed_article_finds_the_statement_and_the_rare_name(tmp_path_factory, monkeypatch, real_embedder):
    out = tmp_path_factory.mktemp("seed") / "index"
    diplodash.build([SEED], out, embedder=real_embedder, cache_dir=tmp_path_factory.mktemp("cache"))
    at = app(out, monkeypatch, "search", q="Sakwa")
    assert "Richard Sakwa" in cards(at)[0]
    at = app(out, monkeypatch, "search", q="Russia backs the China-initiated Global Security Initiative")
    assert "Global Security Initiative" in cards(at)[0] and "Sergey Lavrov" in at.caption[1].value


def test_overview_says_what_is_new(sample_index, monkeypatch):
    from diplodash.changes import in_window, new_speakers, recent_window

    index = diplodash.load_index(sample_index)
    at = app(sample_index, monkeypatch, days="14")
    window = recent_window(index.paragraphs, 14)
    recent = in_window(index.paragraphs, window)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New paragraphs"] == f"{len(recent):,}" and metrics["New articles"] == f"{recent.article_id.nunique():,}"
    assert at.selectbox(key="new_days").value == 14 and url(at)["days"] == ["14"]
    assert any("Index last updated" in c.value for c in at.caption)
    assert any("Nothing was published in the last 14 days" in c.value for c in at.caption)  # the sample is old
    shown = cards(at)
    newest = recent.sort_values("published", ascending=False, kind="stable").text.iloc[0]
    assert any(newest[:40] in card for card in shown)
    expected = new_speakers(index.paragraphs, window)
    tables = {frame.proto.id: frame.value for frame in at.dataframe}
    speakers_table = next((v for k, v in tables.items() if "new_speakers" in k), None)
    if expected.empty:
        assert speakers_table is None
    else:
        assert speakers_table.speaker.tolist() == expected.speaker.head(10).tolist()


def test_watchlist_lists_what_says_the_same_and_stays_read_only(sample_index, monkeypatch, tmp_path, real_embedder):
    from diplodash import watchlist
    from diplodash.markdown import plain

    index = diplodash.load_index(sample_index)
    body = index.paragraphs[(index.paragraphs.kind == "body") & index.paragraphs.published.notna()]
    statement = body.sort_values("published").text.iloc[-1]
    path = tmp_path / "watchlist.yaml"
    watchlist.save([watchlist.Statement(statement)], path)
    monkeypatch.setenv("DIPLODASH_WATCHLIST", str(path))
    at = app(sample_index, monkeypatch, "watchlist", days="90")
    assert at.subheader[0].value == f"“{plain(statement)}”"  # as text, never as Markdown
    assert not [w for w in at.text_input]  # read-only: no form to add statements
    assert any(statement[:40] in c for c in cards(at))

    monkeypatch.setenv("DIPLODASH_EDITING", "1")
    at = app(sample_index, monkeypatch, "watchlist")
    at.text_input[0].input("a ceasefire along the whole front line")
    at.button[0].click().run()
    assert [s.text for s in watchlist.load(path)] == [statement, "a ceasefire along the whole front line"]


def test_track_two_statements_and_read_the_paragraphs_behind_a_point(sample_index, monkeypatch, real_embedder):
    from diplodash import tracking

    index = diplodash.load_index(sample_index)
    index._embedder = real_embedder
    statements = ["a frozen war is better than a burning one", "sanctions on the banks of Veldoria"]
    at = app(sample_index, monkeypatch, "track", track=statements, at="0.5")
    assert url(at)["track"] == statements and at.slider(key="track_threshold").value == 0.5
    spec = figure(at, "tracked")
    expected = tracking.track_timeline(index, statements, 0.5)
    drawn = {trace["name"]: sum(numbers(trace["y"])) for trace in spec["data"]}
    assert drawn == {tracking.labels(statements)[sid]: expected[expected.theme == sid].paragraphs.sum()
                     for sid in ("statement-1", "statement-2")}
    busiest = expected[expected.theme == "statement-2"].sort_values("paragraphs").iloc[-1]
    period = f"{busiest.period:%Y-%m-%d}"
    at = app(sample_index, monkeypatch, "track", track=statements, at="0.5", point=["statement-2", period])
    behind = tracking.paragraphs_saying(index, statements[1], 0.5, period=busiest.period)
    assert len(behind) == busiest.paragraphs
    assert f"{busiest.paragraphs} paragraphs" in at.subheader[0].value
    shown = " ".join(cards(at)).replace("\\", "").replace("**", "")
    assert all(" ".join(text.split()[:6]) in shown for text in behind.text)

    at = app(sample_index, monkeypatch, "search", q=statements[0])
    link = next(l for l in at.get("page_link") if "Track this statement" in l.proto.label)
    assert "track=a+frozen+war" in link.proto.page or "track" in str(link.proto)


def test_a_language_filter_in_the_url_narrows_every_page_and_every_hit_says_its_language(tmp_path, monkeypatch):
    from .conftest import SAMPLE_INDEX, rewrite_index

    def two_languages(articles, paragraphs):  # one source's articles marked as Russian ones
        russian = articles.source == "Ostrograd Daily"
        articles.loc[russian, "language"] = "ru"
        paragraphs.loc[paragraphs.article_id.isin(articles.article_id[russian]), "language"] = "ru"

    target = tmp_path / "index"
    rewrite_index(SAMPLE_INDEX, target, two_languages)
    index = diplodash.load_index(target)
    russian = index.paragraphs[index.paragraphs.language == "ru"]
    assert index.languages == ["en", "ru"] and len(russian) > 0
    at = app(target, monkeypatch, None, lang="ru")
    assert at.multiselect(key="filter_languages").value == ["ru"]
    assert {m.label: m.value for m in at.metric}["Paragraphs"] == f"{len(russian):,}"
    at = app(target, monkeypatch, "themes", lang="ru")
    heat = figure(at, "heatmap")["data"][0]
    assert list(heat["x"] if "Ostrograd" in str(heat["x"]) else heat["y"]) == ["Ostrograd Daily"]  # the one Russian source
    at = app(target, monkeypatch, "search", q="sanctions on the banks", lang="ru")
    hits = [c.value for c in at.caption if "score " in c.value]  # each hit's source · date · score · language
    assert hits and all("Russian" in hit and "Ostrograd Daily" in hit for hit in hits)
    at.switch_page("pages/overview.py").run()
    assert url(at).get("lang") == ["ru"]  # the filter survives a page switch
    at = app(target, monkeypatch, "themes", split="language", period="year")
    panels = {trace["customdata"][0][2] if isinstance(trace["customdata"], list) else None
              for trace in figure(at, "timeline")["data"]}
    assert at.selectbox(key="split").value == "language" and {"en", "ru"} <= panels
