"""What's new: the window, the themes that moved (ranked by evidence, not by ratio) and the
speakers new to the index; the watchlist's file and its Atom feeds."""
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

import diplodash
from diplodash import watchlist
from diplodash.changes import Window, in_window, new_speakers, recent_window, theme_changes


def table(rows):
    return pd.DataFrame([{"published": pd.Timestamp(day), "themes": themes, "speakers": speakers, "source": source,
                          "article_id": f"a{n}"} for n, (day, themes, speakers, source) in enumerate(rows)])


def test_recent_window_falls_back_to_the_newest_week_and_says_so():
    paragraphs = table([("2024-03-10", [], [], "A"), ("2024-03-01", [], [], "A")])
    window = recent_window(paragraphs, 7, today=pd.Timestamp("2026-12-01 15:00"))
    assert (window.start, window.end) == (pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-11"))
    assert "nothing was published in the last 7 days" in window.note and "2024-03-10" in window.note
    fresh = recent_window(table([("2026-11-30", [], [], "A")]), 7, today=pd.Timestamp("2026-12-01"))
    assert fresh.start == pd.Timestamp("2026-11-25") and fresh.note == ""
    assert len(in_window(paragraphs, window)) == 1 and window.before.start == pd.Timestamp("2024-02-26")


def test_theme_moves_are_ranked_by_evidence_with_their_counts():
    window = Window(pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-15"))
    before = [("2024-01-02", ["ukraine"], [], "A")] * 40 + [("2024-01-02", ["trade"], [], "A")] * 1 + \
        [("2024-01-02", [], [], "A")] * 59
    now = [("2024-01-09", ["ukraine"], [], "A")] * 80 + [("2024-01-09", ["trade"], [], "A")] * 2 + \
        [("2024-01-09", [], [], "A")] * 18
    moves = theme_changes(table(before + now), window, {"ukraine": "War in Ukraine"})
    first = moves.iloc[0]
    assert (first.theme, first.label, first.paragraphs, first.paragraphs_before) == ("ukraine", "War in Ukraine", 80, 40)
    assert first.share == pytest.approx(80.0) and first.change_points == pytest.approx(40.0) and first.notable
    trade = moves.set_index("theme").loc["trade"]
    assert trade.share == pytest.approx(2 * trade.share_before) and not trade.notable  # 1 -> 2 is not news
    assert theme_changes(table(now), window).empty  # nothing before to compare with


def test_new_speakers_are_those_first_quoted_in_the_window():
    window = Window(pd.Timestamp("2024-01-08"), pd.Timestamp("2024-01-15"))
    rows = [("2024-01-02", [], ["Anna Kovalenko"], "A"), ("2024-01-09", [], ["Anna Kovalenko", "Tomas Reyes"], "A"),
            ("2024-01-10", [], ["Tomas Reyes"], "B"), ("2024-01-20", [], ["Later Person"], "B")]
    found = new_speakers(table(rows), window)
    assert found.speaker.tolist() == ["Tomas Reyes"] and found.statements.tolist() == [2]
    assert found.sources.tolist() == ["A, B"]


def test_watchlist_file_round_trip_and_bad_input(tmp_path):
    path = tmp_path / "watchlist.yaml"
    assert watchlist.load(path) == []
    statements = watchlist.add([], "  the water   treaty would be renewed ")
    assert watchlist.add(statements, "The water treaty would be renewed") == statements  # no repeats
    watchlist.save(statements, path)
    assert watchlist.load(path) == [watchlist.Statement("the water treaty would be renewed")]
    with pytest.raises(watchlist.WatchlistError, match="500 characters"):
        watchlist.add([], "x" * 501)
    path.write_text("statements:\n  - threshold: 0.5\n", encoding="utf-8")
    with pytest.raises(watchlist.WatchlistError, match="needs a 'text'"):
        watchlist.load(path)


def test_watchlist_matches_and_atom_feeds_on_the_sample(sample_index, real_embedder, tmp_path):
    index = diplodash.load_index(sample_index)
    index._embedder = real_embedder
    body = index.paragraphs[(index.paragraphs.kind == "body") & index.paragraphs.published.notna()].iloc[5]
    statement = watchlist.Statement(body.text)
    found = watchlist.matches(index, statement)
    assert found.paragraph_id.iloc[0] == body.paragraph_id or body.paragraph_id in found.paragraph_id.tolist()
    assert (found.score >= statement.threshold).all() and found.published.is_monotonic_decreasing
    [feed] = watchlist.write_feeds(index, [statement], tmp_path / "feeds")
    atom = ET.parse(feed).getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = atom.findall("a:entry", ns)
    assert len(entries) == min(len(found), 50) and atom.find("a:title", ns).text.startswith("DiploDash: ")
    assert any(e.find("a:id", ns).text == f"urn:diplodash:paragraph:{body.paragraph_id}" for e in entries)
