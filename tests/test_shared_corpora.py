"""The seed article and samples of the three shared corpora, read from ../shared (never copied)."""
import csv

import pandas as pd
import pytest

from diplodash.build import collect

from .conftest import CORPORA, SEED, needs_shared

pytestmark = needs_shared


def read(paths):
    problems = []
    articles, paragraphs = collect([str(p) for p in paths], problems)
    return articles, paragraphs, problems


def test_seed_article():
    articles, paragraphs, problems = read([SEED])
    article = articles.iloc[0]
    assert article.title.startswith("Xi meets Lavrov")
    assert article.published == pd.Timestamp("2024-04-09 22:17") and article.date_precision == "day"
    assert problems == []
    kinds = paragraphs.kind.tolist()
    assert kinds.count("caption") == 1 and kinds[0] == "caption"  # printed twice, kept once
    assert paragraphs[paragraphs.kind == "heading"].text.tolist() == ["Multipolar world", "Ukraine crisis and counterterrorism"]
    first_heading = kinds.index("heading")
    assert set(paragraphs.section[:first_heading]) == {""}
    assert set(paragraphs.section[first_heading:first_heading + 9]) == {"Multipolar world"}
    assert paragraphs.section.iloc[-1] == "Ukraine crisis and counterterrorism"
    assert len(paragraphs) == 29 and paragraphs.n_words.max() <= 150
    assert paragraphs.text.str.contains("no-alliance, no-confrontation").sum() == 1


def test_white_house_briefing_turns_and_markup():
    folder = CORPORA / "white-house" / "press-briefings"
    files = sorted(folder.rglob("*kirby*.md"))[:3]
    assert files, "expected briefings with John Kirby in the white-house corpus"
    articles, paragraphs, problems = read(files)
    assert problems == [] and len(articles) == 3
    assert set(articles.source) == {"White House"} and set(articles.date_precision) == {"day"}
    assert articles.url.str.startswith("https://").all()
    assert "MR. KIRBY" in set(paragraphs.turn) and "Q" in set(paragraphs.turn)
    turns = paragraphs[paragraphs.kind == "turn"]
    assert turns.apply(lambda p: p.text.startswith(p.turn), axis=1).all()
    text = " ".join(paragraphs.text)
    assert "\n" not in text and "\\_" not in text and "<sup>" not in text and "\xa0" not in text
    assert paragraphs.n_words.max() <= 150


def test_kremlin_bodies_without_breaks_are_split_at_turns_and_windows():
    articles, paragraphs, problems = read([CORPORA / "kremlin" / "kremlin-news-2021-2022.csv"])
    assert len(articles) >= 800 and set(articles.source) == {"Kremlin"}
    assert articles.published.notna().all()
    assert paragraphs.n_words.max() <= 150
    assert (paragraphs.turn == "President of Russia Vladimir Putin").sum() > 500
    brics = articles[articles.title == "BRICS+ meeting"].article_id.iloc[0]
    meeting = paragraphs[paragraphs.article_id == brics]
    assert meeting.kind.tolist().count("turn") >= 1
    assert meeting[meeting.kind == "turn"].text.iloc[0].startswith("President of Russia Vladimir Putin: Colleagues, friends")
    windows = meeting[meeting.turn == "President of Russia Vladimir Putin"]
    assert len(windows) >= 5 and windows.text.str.rstrip().str[-1].isin(list('.!?"”')).mean() > 0.9


def test_un_general_debate_speeches_take_speaker_from_metadata():
    folder = CORPORA / "un-general-debates"
    table = {(r["Year"], r["ISO Code"]): r for r in csv.DictReader(open(folder / "speakers_by_session.csv", encoding="utf-8"))}
    files = sorted((folder / "Session 78 - 2023").glob("*.txt"))[:12]
    articles, paragraphs, problems = read(files)
    assert problems == [] and len(articles) == 12
    assert set(articles.date_precision) == {"year"} and set(articles.published.dt.year) == {2023}
    assert set(articles.source) == {"UN General Debate"}
    for path, speaker in zip(articles.path, articles.speaker):
        iso = path.rsplit("/", 1)[-1][:3]
        assert speaker == table[("2023", iso)]["Name of Person Speaking"].strip()
    assert paragraphs.n_words.max() <= 150


@pytest.mark.parametrize("folder", ["white-house", "un-general-debates"])
def test_whole_folders_read_without_errors(folder):
    sample = sorted((CORPORA / folder).rglob("*.md" if folder == "white-house" else "*.txt"))[::40]
    articles, paragraphs, problems = read(sample)
    assert [p for p in problems if p.level == "error"] == []
    assert len(articles) == len(sample) - sum(p.level == "info" for p in problems)
