"""Articles in Chinese and Russian: a language per article and paragraph, sentences and sizes that
do not rely on spaces, and transcript turns in both scripts under the names the tables give."""
import json

import pandas as pd

import pytest

from diplodash.build import collect
from diplodash.languages import detect, paragraph_languages, script
from diplodash.speakers import Tables, attribute, name_key
from diplodash.text import count_words, sentences, windows

# A press conference page as the Foreign Ministry publishes it (written for this test).
MINISTRY_PAGE = """<html><head><title>2021年3月2日外交部发言人汪文斌主持例行记者会</title></head><body>
<div id="News_Body_Time">2021-03-02</div>
<div id="News_Body_Txt_A" class="content">
<p>　　应国务委员兼外交部长王毅邀请，某国外长将于3月8日至10日访问中国。双方将就双边关系交换意见。</p>
<p>　　问：中方如何看待多极化世界的前景？有评论认为国际格局正在发生深刻变化。</p>
<p>　　答：世界多极化是不可阻挡的历史潮流。中方愿同各方一道，推动构建人类命运共同体。我们反对任何形式的集团对抗。</p>
<p>　　环球时报记者：美方近日宣布新的对华制裁措施，中方对此有何回应？</p>
<p>　　汪文斌：中方坚决反对美方的单边制裁。我们将采取必要措施，坚定维护自身正当权益。</p>
</div></body></html>
"""

KREMLIN_TRANSCRIPT = """Переговоры с Президентом Китая
Published: 2025-05-08

В.Путин: Уважаемый председатель, дорогие друзья! Рад приветствовать вас в Москве. Наши отношения достигли наивысшего уровня за всю историю.

Си Цзиньпин (как переведено): Благодарю вас за тёплый приём. Мы выступаем за многополярный мир.

В.Путин: Мы договорились расширять торговлю в национальных валютах.
"""


@pytest.fixture(scope="module")
def tables():
    return Tables.load()


def read(tmp_path, name, text, tables):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems = []
    articles, paragraphs = collect([str(path)], problems)
    assert not [p for p in problems if p.level == "error"], problems
    return articles, attribute(articles, paragraphs, tables)


def test_chinese_text_is_split_at_its_own_full_stops_and_measured_by_characters():
    text = "世界多极化是不可阻挡的历史潮流。中方愿同各方一道！你怎么看？好。"
    assert sentences(text) == ["世界多极化是不可阻挡的历史潮流。", "中方愿同各方一道！", "你怎么看？", "好。"]
    assert count_words(text) == 28 and count_words("A mixed 中文 text") == 5
    chunks = windows(text * 10, max_words=60)
    assert all(count_words(c) <= 60 for c in chunks) and "".join(chunks) == text * 10  # nothing lost, no spaces added
    assert sentences("В.Путин: Добрый день. Мы обсудили многое. Спасибо!") == ["В.Путин: Добрый день.", "Мы обсудили многое.", "Спасибо!"]


def test_languages_are_detected_per_article_and_per_paragraph_in_another_script():
    assert detect("The two presidents held talks on trade and security.") == "en"
    assert detect("Мы выступаем за многополярный мир и равноправное сотрудничество.") == "ru"
    assert detect("世界多极化是不可阻挡的历史潮流。") == "zh"
    assert detect("2024 — 12") == "und" and script("...") is None
    texts = ["The minister spoke to reporters.", "中方坚决反对单边制裁。", "Он сказал, что санкции не работают."]
    assert paragraph_languages(texts, "en") == ["en", "zh", "ru"]


def test_a_ministry_page_in_chinese_is_read_with_its_turns_and_the_spokesperson_under_one_name(tmp_path, tables):
    articles, paragraphs = read(tmp_path, "2021-03-02_zh.html", MINISTRY_PAGE, tables)
    assert articles.language.tolist() == ["zh"] and set(paragraphs.language) == {"zh"}
    assert articles.published.iloc[0].strftime("%Y-%m-%d") == "2021-03-02"
    turns = {row.text[:3]: (row.turn, list(row.speakers), list(row.speaker_groups)) for row in paragraphs.itertuples()}
    assert turns["问：中"] == ("问", [], ["reporters"])            # a question is a reporter's
    assert turns["答：世"] == ("答", ["Wang Wenbin"], [])          # the answer is the host's, as the title names him
    assert turns["环球时"][2] == ["reporters"]                      # an outlet's reporter asks: not a speaker
    assert turns["汪文斌"][1] == ["Wang Wenbin"]                    # 汪文斌 = Wang Wenbin (data/people.yaml)
    assert all(" " not in text for text in paragraphs.text)         # never split on, nor joined with, spaces
    assert (paragraphs.n_words > 20).all()


def test_a_russian_transcript_names_its_speakers_as_the_english_one_would(tmp_path, tables):
    articles, paragraphs = read(tmp_path, "talks.txt", KREMLIN_TRANSCRIPT, tables)
    assert articles.language.tolist() == ["ru"] and set(paragraphs.language) == {"ru"}
    putin = paragraphs[paragraphs.turn == "В.Путин"]
    assert len(putin) == 2 and all(list(s) == ["Vladimir Putin"] for s in putin.speakers)
    xi = paragraphs[paragraphs.text.str.startswith("Си Цзиньпин")]
    assert [list(s) for s in xi.speakers] == [["Xi Jinping"]]
    assert name_key("В.Путин") == name_key("В. Путин") != "" and name_key("汪文斌") == "汪文斌"


def test_a_table_declares_its_language_and_a_feed_its_own(tmp_path, tables):
    table = tmp_path / "wire.jsonl"
    rows = [{"title": "Talks", "text": "The ministers met in Geneva and agreed to talk again.", "language": "fr-FR",
             "date": "2024-01-02", "source": "Wire"},
            {"title": "Переговоры", "text": "Министры встретились в Женеве и договорились продолжить переговоры.",
             "date": "2024-01-03", "source": "Wire"}]
    table.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    articles, paragraphs = collect([str(table)], [])
    assert articles.language.tolist() == ["fr", "ru"]  # declared wins, even where the text says otherwise
    assert paragraphs.language.tolist() == ["fr", "ru"]


def test_chinese_and_russian_dates_are_read_with_their_precision(tmp_path, tables):
    from diplodash.dates import parse_date

    assert parse_date("2019年1月17日") == (pd.Timestamp("2019-01-17"), "day")
    assert parse_date("2019年1月") == (pd.Timestamp("2019-01-01"), "month")
    assert parse_date("8 мая 2025 года, 15:30") == (pd.Timestamp("2025-05-08"), "day")
    assert parse_date("17 марта 2025 года") == (pd.Timestamp("2025-03-17"), "day")
    assert parse_date("2019年13月40日") == (None, None)
    undated_page = MINISTRY_PAGE.replace('<div id="News_Body_Time">2021-03-02</div>', "")
    articles, _ = read(tmp_path, "page.html", undated_page, tables)
    assert (articles.published.iloc[0], articles.date_precision.iloc[0]) == (pd.Timestamp("2021-03-02"), "day")


def test_chinese_words_count_in_bm25_as_character_pairs():
    from diplodash.lexical import LexicalIndex, words_of

    assert words_of("世界多极化") == " 世界 界多 多极 极化 "
    texts = ["世界多极化是不可阻挡的历史潮流。", "中方坚决反对美方的单边制裁。", "The ministers met in Geneva."]
    scores = LexicalIndex.build(texts).scores("单边制裁")
    assert scores.argmax() == 1 and scores[0] == 0 and scores[2] == 0
    assert LexicalIndex.build(texts).scores("Geneva").argmax() == 2  # other languages as before


def test_kremlin_rows_lose_their_page_furniture_and_get_paragraphs_at_turns(tmp_path, tables):
    """A kremlin.ru page flattened into one CSV cell, laid out as the shared export lays them out
    (text, names and numbers invented for this test)."""
    import csv

    body = ("События Переговоры с Президентом Атлантиды Состоялась встреча Владимира Путина с Президентом Атлантиды. "
            "3 июня 2025 года 11:05 Москва, Кремль В.Путин: Уважаемый господин Президент! Рад Вас видеть в Москве. "
            "Смотрите также Участники переговоров 3 июня 2025 года Наши страны связывает давняя дружба. "
            "П.Ортега-Лопес Мендес (как переведено) : Дорогой Президент Путин! Мы выступаем за многополярный мир. <…> "
            "В.Путин : Спасибо. География Атлантида Темы Внешняя политика Лица Ортега-Лопес Мендес Пабло "
            "Статус материала Опубликован в разделах: Новости Дата публикации: 3 июня 2025 года, 11:05 "
            "Ссылка на материал: kremlin.ru/d/10001 Текстовая версия")
    path = tmp_path / "kremlin.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "date", "raw_date", "place", "summary", "article_full_text_1", "url"])
        writer.writerow(["Переговоры с Президентом Атлантиды", "2025-06-03", "3 июня 2025 года", "Москва, Кремль", "",
                         body, "http://kremlin.ru/events/president/news/10001"])
    articles, paragraphs = collect([str(path)], [])
    paragraphs = attribute(articles, paragraphs, tables)
    text = " ".join(paragraphs.text)
    for furniture in ("События", "Смотрите также", "География", "Статус материала", "Текстовая версия", "<…>", "11:05"):
        assert furniture not in text
    assert text.startswith("Состоялась встреча") and "Наши страны связывает давняя дружба." in text
    turns = paragraphs[paragraphs.kind == "turn"]
    assert turns.turn.tolist() == ["В.Путин", "П.Ортега-Лопес Мендес", "В.Путин"]
    assert [list(s) for s in turns.speakers] == [["Vladimir Putin"], ["П.Ортега-Лопес Мендес"], ["Vladimir Putin"]]
    assert articles.language.tolist() == ["ru"] and articles.published.iloc[0] == pd.Timestamp("2025-06-03")


def test_a_speaker_known_by_initial_gets_the_full_name_the_article_gives(tmp_path, tables):
    text = ("Рабочая встреча с губернатором\nPublished: 2025-04-02\n\n"
            "Владимир Путин провёл встречу с губернатором Архангельской области Александром Цыбульским. "
            "Губернатор Александр Цыбульский доложил о развитии региона.\n\n"
            "В.Путин: Александр Витальевич, добрый день! Как дела в области?\n\n"
            "А.Цыбульский: Добрый день, Владимир Владимирович! Область развивается.\n")
    _, paragraphs = read(tmp_path, "meeting.txt", text, tables)
    speakers = {row.turn: list(row.speakers) for row in paragraphs.itertuples() if row.turn}
    assert speakers == {"В.Путин": ["Vladimir Putin"], "А.Цыбульский": ["Александр Цыбульский"]}


def test_chinese_running_text_names_who_speaks_and_an_outlet_in_brackets_is_a_reporter(tmp_path, tables):
    from diplodash.speakers.chinese import reported_speakers

    assert reported_speakers("国务委员兼外长王毅表示，中方愿同各方一道推动和平。", tables) == ["Wang Yi"]
    assert reported_speakers("普京总统在会谈中强调，俄方支持一个中国原则。", tables) == ["Vladimir Putin"]
    assert reported_speakers("美国国务卿安东尼·布林肯日前称将访华。", tables) == ["安东尼·布林肯"]  # as written: not in the tables
    assert reported_speakers("习近平主席在博鳌提出全球安全倡议。", tables) == ["Xi Jinping"]  # 在博鳌: a place, not a name
    assert reported_speakers("俄罗斯总统普京同习近平主席举行会谈。", tables) == []  # talks held: nobody quoted
    page = MINISTRY_PAGE.replace("<p>　　环球时报记者：", "<p>　　《北京日报》记者：据报道，美国国务卿布林肯称将对华加征关税。</p>\n"
                                                        "<p>　　中方对此有何评论？</p>\n<p>　　环球时报记者：")
    articles, paragraphs = read(tmp_path, "2021-03-02_zh.html", page, tables)
    question = paragraphs[paragraphs.text.str.startswith("《北京日报》")].iloc[0]
    follow_up = paragraphs[paragraphs.text == "中方对此有何评论？"].iloc[0]
    assert question.turn == follow_up.turn == "《北京日报》记者"  # the outlet's question, in two paragraphs
    assert list(question.speaker_groups) == ["reporters"] and list(question.speakers) == ["布林肯"]
    assert list(follow_up.speakers) == [] and list(follow_up.speaker_groups) == ["reporters"]
