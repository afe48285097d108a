"""Every input format, read from files written for the tests, down to paragraphs."""
import http.server
import threading
from functools import partial

import pandas as pd
import pytest

from diplodash.build import collect
from diplodash.sources import Problem

from . import inputs


def read(paths, **kwargs):
    problems: list[Problem] = []
    articles, paragraphs = collect([str(p) for p in paths], problems, **kwargs)
    return articles, paragraphs, problems


def test_plain_text_article(tmp_path):
    articles, paragraphs, problems = read([inputs.write_plain(tmp_path)])
    article = articles.iloc[0]
    assert article.title == "Ministers of Veldoria and Ostrava pledge a partnership of equals"
    assert article.published == pd.Timestamp("2023-03-14 09:30") and article.date_precision == "day"
    assert article.source == tmp_path.name  # no metadata, no URL: the folder names the publisher
    assert list(paragraphs.kind) == ["caption", "body", "body", "heading", "body", "body"]
    # hard-wrapped lines are joined into one paragraph
    assert paragraphs.text[1].startswith("Veldoria and Ostrava agreed on Tuesday to deepen their strategic partnership, the two")
    assert "\n" not in "".join(paragraphs.text)
    assert list(paragraphs.section) == ["", "", "", "Grain and gas", "Grain and gas", "Grain and gas"]
    assert list(paragraphs.position) == list(range(6))
    assert paragraphs.paragraph_id[0] == f"{article.article_id}-0000"
    assert problems == []


def test_markdown_with_front_matter(tmp_path):
    articles, paragraphs, problems = read([inputs.write_markdown(tmp_path)])
    article = articles.iloc[0]
    assert article.title == "Readout of the Minister’s Call with the Foreign Secretary of Marland"  # YAML "\\_" is a no-break space
    assert article.published == pd.Timestamp("2023-06-02 16:45") and article.date_precision == "day"
    assert article.url == "https://www.example-ministry.org/news/2023/06/02/readout-call-marland/"
    assert article.source == "example-ministry.org"
    texts = list(paragraphs.text)
    assert texts[0].endswith("agreed that humanitarian convoys must reach civilians without delay.1")
    assert "<sup>" not in " ".join(texts) and "\\" not in " ".join(texts)
    assert texts[1].startswith("The Minister welcomed Marland's offer to host a donors' conference")
    assert list(paragraphs.kind) == ["body", "body", "turn", "turn", "turn"]
    assert list(paragraphs.turn) == ["", "", "MR. HALVORSEN", "Q", "MR. HALVORSEN"]
    assert "###" not in texts


def test_csv_with_flat_transcript_bodies(tmp_path):
    articles, paragraphs, problems = read([inputs.write_table_csv(tmp_path)])
    assert len(articles) == 2 and set(articles.source) == {"example-palace.vd"}
    assert articles.published.iloc[0] == pd.Timestamp("2022-05-19 14:00")
    meeting = paragraphs[paragraphs.article_id == articles.article_id.iloc[0]]
    assert meeting.n_words.max() <= 150
    turns = meeting[meeting.kind == "turn"]
    assert list(turns.turn) == ["President of Veldoria Mirek Dalca", "Minister of Trade Ilse Novak", "Mirek Dalca"]
    # the speech is cut into windows of whole sentences, each keeping the turn it belongs to
    speech = meeting[meeting.turn == "President of Veldoria Mirek Dalca"]
    assert len(speech) >= 3 and all(t.rstrip().endswith(".") for t in speech.text)
    assert meeting.text.iloc[0] == "The meeting took place in the Crystal Hall."
    assert [p.level for p in problems] == ["warning"] and "row 3: empty 'body' column" in problems[0].reason


def test_table_column_mapping_is_explicit_when_names_are_unusual(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("headline_en,when,story\nTalks resume,2023-01-05,The delegations resumed talks on Monday.\n")
    _, _, problems = read([path])
    assert problems and "no text column" in problems[0].reason
    articles, paragraphs, problems = read([path], columns={"title": "headline_en", "published": "when", "body": "story"})
    assert articles.title.tolist() == ["Talks resume"] and paragraphs.text.tolist() == ["The delegations resumed talks on Monday."]


def test_jsonl_keeps_good_lines_and_reports_the_bad_one(tmp_path):
    articles, paragraphs, problems = read([inputs.write_jsonl(tmp_path)])
    assert articles.title.tolist() == ["Summit season opens in Ostrava", "Observers call for restraint"]
    assert articles.source.tolist() == ["Example Wire", "Example Wire"]
    assert articles.date_precision.tolist() == ["day", "month"]
    assert len(problems) == 1 and "row 2: bad JSON" in problems[0].reason


def test_un_speeches_take_speaker_and_year_from_metadata(tmp_path):
    articles, paragraphs, problems = read([inputs.write_un_speeches(tmp_path)])
    article = articles.iloc[0]
    assert (article.speaker, article.speaker_role, article.country) == ("Anna Kovalenko", "Minister for Foreign Affairs", "Veldoria")
    assert article.published == pd.Timestamp("2019-01-01") and article.date_precision == "year"
    assert article.source == "UN General Debate"
    assert len(paragraphs) == 3 and set(paragraphs.date_precision) == {"year"}
    assert problems == []  # speakers_by_session.csv is metadata, not an article table


@pytest.fixture
def web_server(tmp_path):
    """A web server on 127.0.0.1 serving an article page and two feeds."""
    site = tmp_path / "site"
    site.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (site / "water.html").write_text(inputs.ARTICLE_PAGE.format(url=f"{base}/water.html"), encoding="utf-8")
    (site / "feed.xml").write_text(inputs.rss_feed(base), encoding="utf-8")
    (site / "atom.xml").write_text(inputs.ATOM_FEED, encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, site
    server.shutdown()


def test_html_page_is_extracted_with_trafilatura(web_server):
    base, site = web_server
    for source in (site / "water.html", f"{base}/water.html"):
        articles, paragraphs, problems = read([source])
        article = articles.iloc[0]
        assert article.title == "Envoys meet on water sharing"
        assert article.source == "The Example Herald"
        assert article.published == pd.Timestamp("2023-09-12")
        texts = paragraphs.text.tolist()
        assert "A new commission" in texts and paragraphs.kind[texts.index("A new commission")] == "heading"
        assert not any("Home" == t or "alert" in t or "Copyright" in t for t in texts)
        assert texts[-1].startswith('"Water must unite us, not divide us," said envoy Tomas Reyes')


def test_rss_entry_with_only_a_summary_fetches_its_page(web_server):
    base, _ = web_server
    articles, paragraphs, problems = read([f"{base}/feed.xml"])
    assert articles.title.tolist() == ["Ministers open the spring talks", "Envoys meet on water sharing"]
    assert articles.source.tolist() == ["The Example Herald"] * 2
    assert articles.url.tolist() == [f"{base}/spring-talks", f"{base}/water.html"]
    assert articles.published.tolist() == [pd.Timestamp("2023-04-10 08:00"), pd.Timestamp("2023-09-12 09:00")]
    fetched = paragraphs[paragraphs.article_id == articles.article_id[1]].text.tolist()
    assert any("joint commission that will publish river flow data" in t for t in fetched)
    assert problems == []


def test_atom_feed_file(tmp_path):
    path = tmp_path / "bulletin.atom"
    path.write_text(inputs.ATOM_FEED, encoding="utf-8")
    articles, paragraphs, problems = read([path])
    assert articles.title.tolist() == ["Statement on the corridor"]
    assert articles.source.tolist() == ["Ostrava Ministry Bulletin"]
    assert articles.published[0] == pd.Timestamp("2024-01-05 12:00")
    assert paragraphs.text[0].startswith("The Ministry welcomes the reopening of the humanitarian corridor")


def test_same_article_twice_is_kept_once(tmp_path):
    first = inputs.write_plain(tmp_path, "a.txt")
    second = inputs.write_plain(tmp_path, "copy-with-other-wrapping.txt", inputs.PLAIN_ARTICLE.replace("\n", "\n\n", 0).replace("their strategic partnership, the two\nforeign", "their strategic partnership, the two foreign"))
    articles, _, problems = read([first, second, first])
    assert len(articles) == 1
    assert [p.level for p in problems] == ["info"] and "same article as" in problems[0].reason


def test_same_article_from_two_formats_is_kept_once(tmp_path):
    page = tmp_path / "water.html"
    page.write_text(inputs.ARTICLE_PAGE.format(url="https://herald.example.com/water"), encoding="utf-8")
    table = tmp_path / "water.jsonl"
    table.write_text('{"title": "Envoys meet on water sharing", "url": "https://herald.example.com/water/", '
                     '"published": "2023-09-12", "text": "Shortened wire copy of the same story."}\n', encoding="utf-8")
    articles, _, problems = read([page, table])
    assert len(articles) == 1 and problems[0].level == "info"


def test_bad_inputs_are_reported_one_line_each_and_the_rest_builds(tmp_path):
    good = inputs.write_plain(tmp_path)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "latin1.txt").write_bytes("Déclaration commune\nPublished: 2023-02-01\n\nLes ministres ont signé un accord à Genève.".encode("latin-1"))
    articles, _, problems = read([tmp_path, tmp_path / "notes.pdf", tmp_path / "missing.txt"])
    assert sorted(articles.title) == ["Déclaration commune", "Ministers of Veldoria and Ostrava pledge a partnership of equals"]
    reasons = {p.name.split("/")[-1]: p.reason for p in problems}
    assert reasons == {"binary.txt": "binary file, not text", "empty.txt": "empty file",
                       "notes.pdf": "unsupported file type '.pdf'", "missing.txt": "no such file or folder"}
    assert good.exists()
