"""Who said it: attribution cases written for the tests, plus the seed article."""
import pandas as pd
import pytest

from diplodash.build import collect
from diplodash.queries import speaker_counts, speaker_periods, statements
from diplodash.speakers import Tables, attribute, name_key

from . import inputs
from .conftest import SEED, needs_shared


@pytest.fixture(scope="module")
def tables():
    return Tables.load()


def attributed(tmp_path, name, text, tables, **kwargs):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    articles, paragraphs = collect([str(path)], [], **kwargs)
    return attribute(articles, paragraphs, tables)


ARTICLE = """Ministers meet in Beijing
Published: {date}

Chinese Foreign Minister {minister} met visiting envoys on Monday, the ministry said.

"We oppose any bloc confrontation," {short} told reporters. "Dialogue is the only way."

He added that cooperation in the region would deepen.

China's top diplomat stated that the talks were constructive.

Experts said the meeting signalled a thaw, while Chinese analysts said more visits would follow.

Li Wei, a researcher at the Institute of Regional Studies, told the Global Times that the visit was timely.

"Trade will recover this year," said Li.

Wang Jun, a trade official, said exports grew. Wang Jun also noted that imports fell.

The decision was welcomed by Joe Biden's administration, but Donald Trump was not mentioned by anyone.
"""


def by_position(table):
    return {row.position: (list(row.speakers), list(row.speaker_groups), list(row.mentioned)) for row in table.itertuples()}


def test_titles_surnames_pronouns_descriptors_and_groups(tmp_path, tables):
    text = ARTICLE.format(date="2024-04-10", minister="Wang Yi", short="Wang")
    result = by_position(attributed(tmp_path, "a.txt", text, tables))
    assert result[0] == ([], [], ["Wang Yi"])               # "the ministry said": Wang Yi is only named
    assert result[1][0] == ["Wang Yi"]                      # quote first, surname after
    assert result[2][0] == ["Wang Yi"]                      # "He added" -> last speaker
    assert result[3][0] == ["Wang Yi"]                      # descriptor at the article's date
    assert result[4] == ([], ["experts", "analysts"], [])   # groups are not persons
    assert result[5][0] == ["Li Wei"]                       # appositive role
    assert result[6][0] == ["Li Wei"]                       # inverted "said Li" -> Li Wei
    assert result[7][0] == ["Wang Jun"]                     # a different Wang stays apart
    assert result[8][0] == [] and set(result[8][2]) == {"Joe Biden", "Donald Trump"}


def test_descriptor_resolves_by_date_to_the_office_holder(tmp_path, tables):
    text = ARTICLE.format(date="2023-03-07", minister="Qin Gang", short="Qin")
    result = by_position(attributed(tmp_path, "b.txt", text, tables))
    assert result[1][0] == ["Qin Gang"] and result[3][0] == ["Qin Gang"]
    table = tables.roles[[r.id for r in tables.roles].index("foreign-minister/CN")]
    assert table.holder(pd.Timestamp("2022-06-01")) == "Wang Yi"
    assert table.holder(pd.Timestamp("2023-03-07")) == "Qin Gang"
    assert table.holder(pd.Timestamp("2023-08-01")) == "Wang Yi"


def test_attribution_records_carry_mention_kind_and_role(tmp_path, tables):
    text = ARTICLE.format(date="2024-04-10", minister="Wang Yi", short="Wang")
    table = attributed(tmp_path, "a.txt", text, tables)
    records = {(r["speaker"], r["mention"], r["kind"]) for r in table.attributions[1]}
    assert ("Wang Yi", "Wang", "direct") in records
    li = table.attributions[5][0]
    assert li["speaker"] == "Li Wei" and li["role"] == "a researcher at the Institute of Regional Studies"
    descriptor = table.attributions[3][0]
    assert descriptor["mention"] == "China's top diplomat" and descriptor["kind"] == "indirect"


def test_transcript_turns_resolve_to_named_people(tmp_path, tables):
    text = """---
title: "Press Briefing by Press Secretary Karine Jean-Pierre and NSC Coordinator John Kirby"
date: '2023-05-02'
source: White House
---
MS. JEAN-PIERRE: Good afternoon, everyone.

MR. KIRBY: Thanks, Karine. A few words on the ceasefire.

The talks will resume next week.

Q Will the President travel?

THE PRESIDENT: I will, yes.

SENIOR ADMINISTRATION OFFICIAL: On background, the visit is confirmed.
"""
    result = by_position(attributed(tmp_path, "briefing.md", text, tables))
    assert [result[i][0] for i in range(6)] == [["Karine Jean-Pierre"], ["John Kirby"], ["John Kirby"], [],
                                                ["Joe Biden"], []]
    assert result[3][1] == ["reporters"] and result[5][1] == ["officials"]


def test_answer_turns_belong_to_the_host_the_title_names(tmp_path, tables):
    text = """Foreign Ministry Spokesperson Mara Velin's Regular Press Conference on March 3, 2023
Published: 2023-03-03

Q: Will the minister travel to the summit?

A: The minister will attend. We will release the details in due course.

The talks will cover trade and security.

Q: Any comment on the sanctions?

A: We oppose unilateral sanctions.
"""
    result = by_position(attributed(tmp_path, "conference.txt", text, tables))
    assert [result[i][0] for i in range(5)] == [[], ["Mara Velin"], ["Mara Velin"], [], ["Mara Velin"]]
    assert result[0][1] == ["reporters"] and result[1][1] == [] and result[3][1] == ["reporters"]


def test_a_greeting_message_without_a_named_sender_is_the_publishers_leader(tmp_path, tables):
    text = """Greetings to participants of a youth chess festival
Published: 2022-03-01
Source: Kremlin

The festival opened in Kazan on Tuesday with 400 players.

The message reads, in part: "I am glad to welcome you to this festival."

I am sure the games will be exciting and fair.
"""
    result = by_position(attributed(tmp_path, "greeting.txt", text, tables))
    assert [result[i][0] for i in range(3)] == [[], ["Vladimir Putin"], ["Vladimir Putin"]]
    plain = text.replace("Greetings to participants of", "Youth gathers for")  # not a message: nobody speaks
    assert by_position(attributed(tmp_path, "news.txt", plain, tables))[2][0] == []


def test_a_publishers_unqualified_president_is_its_own_countrys(tmp_path, tables):
    text = """Readout of a call with President Ana Ruiz
Published: 2023-11-15
Source: White House

The President emphasized that the two countries will keep working together.

The Vice President stressed the importance of the new agreement.

President Ruiz said the President of France would join the talks.
"""
    result = by_position(attributed(tmp_path, "readout.txt", text, tables))
    assert result[0][0] == ["Joe Biden"] and result[1][0] == ["Kamala Harris"] and result[2][0] == ["Ana Ruiz"]
    elsewhere = text.replace("Source: White House", "Source: Varna Herald")  # no home country: nobody guessed
    assert by_position(attributed(tmp_path, "elsewhere.txt", elsewhere, tables))[0][0] == []


def test_flat_transcript_turns_strip_the_office(tmp_path, tables):
    folder = tmp_path / "palace"
    folder.mkdir()
    articles, paragraphs = collect([str(inputs.write_table_csv(folder))], [])
    table = attribute(articles, paragraphs, tables)
    turns = table[table.kind == "turn"]
    assert [list(s) for s in turns.speakers] == [["Mirek Dalca"], ["Ilse Novak"], ["Mirek Dalca"]]


def test_un_speech_speaker_comes_from_metadata_for_every_paragraph(tmp_path, tables):
    articles, paragraphs = collect([str(inputs.write_un_speeches(tmp_path))], [])
    table = attribute(articles, paragraphs, tables)
    assert all(list(s) == ["Anna Kovalenko"] for s in table.speakers)
    assert {r["kind"] for records in table.attributions for r in records} == {"metadata"}


def test_name_variants_merge_across_articles_and_namesakes_stay_apart(tmp_path, tables):
    assert name_key("Sergey Lavrov") == name_key("Sergei Lavrov")
    assert name_key("Wang Yi") != name_key("Wang Jun")
    (tmp_path / "one.txt").write_text("Talks in Moscow\nPublished: 2022-03-01\n\nSergei Lavrov said the talks were useful.\n")
    (tmp_path / "two.txt").write_text("Talks in Minsk\nPublished: 2022-03-02\n\nSergey Lavrov said the talks had ended.\n")
    (tmp_path / "three.txt").write_text("Talks in Riga\nPublished: 2022-03-03\n\nAndrei Lavrov, a local mayor, said the talks were noisy.\n")
    articles, paragraphs = collect([str(tmp_path)], [])
    table = attribute(articles, paragraphs, tables)
    counts = speaker_counts(table)
    assert dict(zip(counts.speaker, counts.statements)) == {"Sergey Lavrov": 2, "Andrei Lavrov": 1}


@needs_shared
def test_seed_article_speakers(tables):
    articles, paragraphs = collect([str(SEED)], [])
    table = attribute(articles, paragraphs, tables)
    counts = dict(zip(*speaker_counts(table)[["speaker", "statements"]].T.values))
    assert set(counts) == {"Wang Yi", "Sergey Lavrov", "Xi Jinping", "Cui Heng", "Li Haidong", "Richard Sakwa", "Yang Jin"}
    groups = speaker_counts(table, groups=True)
    # "many voices from the West ... as well as some senior NATO officials, insist on depicting ...": the
    # parse makes the officials a subject of "insist"; the gold set reads it as the experts' framing
    assert {"experts", "analysts"} <= set(groups.speaker) <= {"experts", "analysts", "officials"}
    descriptor = table[table.text.str.contains("Russia's top diplomat stated")]
    assert list(descriptor.speakers.iloc[0]) == ["Sergey Lavrov"]
    greeting = table[table.text.str.startswith("Xi asked Lavrov")]
    assert "Vladimir Putin" in list(greeting.mentioned.iloc[0]) and "Vladimir Putin" not in list(greeting.speakers.iloc[0])
    assert len(statements(table, "Sergey Lavrov")) == counts["Sergey Lavrov"]
    monthly = speaker_periods(table, "month")
    assert set(monthly.period) == {pd.Timestamp("2024-04-01")}


def test_year_only_dates_are_not_counted_as_january(tmp_path, tables):
    articles, paragraphs = collect([str(inputs.write_un_speeches(tmp_path))], [])
    table = attribute(articles, paragraphs, tables)
    assert speaker_periods(table, "month").empty
    yearly = speaker_periods(table, "year")
    assert yearly.to_dict("records") == [{"speaker": "Anna Kovalenko", "period": pd.Timestamp("2019-01-01"), "statements": 3}]


def test_quoted_paragraphs_continue_the_quoted_person(tmp_path, tables):
    text = """Letter read at the assembly
Published: 2022-09-21

Allow me to read a letter from President Mirek Dalca to the peoples of the world.

"Our nation extends its greetings to every delegation gathered here."

"We will keep working for peace in the region."

This letter reflects the views of our people.

"Dialogue is the only path," the letter concludes.

The delegation then left the hall.

"Nobody quoted this," a plaque reads.
"""
    result = by_position(attributed(tmp_path, "letter.txt", text, tables))
    assert [result[i][0] for i in range(6)] == [[], ["Mirek Dalca"], ["Mirek Dalca"], [], ["Mirek Dalca"], []]


NEWS = """Talks on the river treaty
Published: 2024-05-06

Ms. Anna Kovalenko, the foreign minister of Veloria, met Mr. Piotr Zaremba in Lisbon on Monday.

She said the treaty would be signed in June, while the need for a review was stressed by Zaremba.

"Nobody should fear the dam," said Edward Alden of the Council on Regional Relations.

Kovalenko and Zaremba agreed to meet again, and the Foreign Ministry said a date would follow.

According to the Kremlin, the talks on Capitol Hill and at the Rafah Crossing will resume after New Year.

Mr. Butterfield said the plan would fail.

The Prime Minister congratulated the envoys, and Prime Minister Lena Ostrova thanked them.

The Prime Minister added that the plan was sound.
"""


def test_parser_finds_passive_inverted_conjoined_and_organisation_sources(tmp_path, tables):
    table = attributed(tmp_path, "news.txt", NEWS, tables)
    rows = {row.position: row for row in table.itertuples()}
    assert list(rows[1].speakers) == ["Anna Kovalenko", "Piotr Zaremba"]    # pronoun by gender, passive agent
    assert list(rows[2].speakers) == ["Edward Alden"]                         # "said X of Y"
    assert set(rows[3].speakers) == {"Anna Kovalenko", "Piotr Zaremba"}       # "X and Y agreed"
    assert list(rows[3].speaker_organisations) == ["Foreign Ministry"]        # a body speaks, apart from persons
    assert list(rows[4].speaker_organisations) == ["Kremlin"] and list(rows[4].speakers) == []
    assert list(rows[5].speakers) == ["Butterfield"]                          # a surname the text never completes
    assert list(rows[7].speakers) == ["Lena Ostrova"]                         # "the Prime Minister" by role
    names = {n for column in ("speakers", "mentioned") for names in table[column] for n in names}
    assert not names & {"Capitol Hill", "Rafah Crossing", "New Year", "Regional Relations"}


def test_media_outlet_turns_are_reporters_at_a_press_conference(tmp_path, tables):
    text = """Foreign Ministry Spokesperson Lin Tao's Regular Press Conference on May 6, 2024
Published: 2024-05-06

RIA Novosti: You said yesterday that the talks would resume. When?

Lin Tao: We will release information in due course.
"""
    rows = attributed(tmp_path, "presser.txt", text, tables)
    assert list(rows.speaker_groups[0]) == ["reporters"] and list(rows.speakers[0]) == ["Lin Tao"]  # "you said"
    assert list(rows.speakers[1]) == ["Lin Tao"]


def test_a_large_parse_is_shared_with_a_child_process_and_gives_the_same_answer(monkeypatch):
    from diplodash.speakers import parser

    sentences = ["Kovalenko said the treaty was ready.", "It was stressed by Zaremba that talks go on.",
                 "According to the ministry, the date is set.", "Alden and Ostrova agreed."]
    alone = parser.parse(sentences, processes=1)
    monkeypatch.setattr(parser, "PARALLEL_FROM", 2)
    assert parser.parse(sentences, processes=2) == alone
    assert [c.voice for p in alone for c in p.cues] == ["active", "passive", "according", "active"]
