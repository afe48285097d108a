"""Small input files of every supported format, written for the tests (fictional content)."""
from __future__ import annotations

import json
from pathlib import Path

PLAIN_ARTICLE = """Ministers of Veldoria and Ostrava pledge a partnership of equals
Published: Mar 14, 2023 09:30 AM

Foreign Minister Anna Kovalenko (left) shakes hands with Minister Jonas Berg in Ostrava on March 14, 2023. Photo: Nordic Wire

Foreign Minister Anna Kovalenko (left) shakes hands with Minister Jonas Berg in Ostrava on March 14, 2023. Photo: Nordic Wire

Veldoria and Ostrava agreed on Tuesday to deepen their strategic partnership, the two foreign
ministers said after three hours of talks in the Ostravan capital.

Kovalenko said the partnership "targets no third country and seeks no bloc," and that both
governments want a fair and balanced order in which smaller states are heard.

Grain and gas

Berg said the sides signed a protocol on grain corridors and a long-term gas supply agreement
worth 4 billion euros, and that trade between them had doubled since 2020.

Analysts said the accord would reduce the region's dependence on distant suppliers.
"""

MARKDOWN_ARTICLE = """---
title: "Readout of the Minister’s Call with the Foreign\\_Secretary of\u00a0Marland"
date: '2023-06-02'
published_time: 2023-06-02 16:45:00-04:00
source_url: https://www.example-ministry.org/news/2023/06/02/readout-call-marland/
tags: statements
---
\u00a0
Minister Berg spoke today with Foreign Secretary Lina Osei of Marland.  The
two discussed the ceasefire talks in the northern corridor and agreed that
humanitarian convoys must reach civilians without delay.<sup>1</sup>
\u00a0\u00a0
The Minister welcomed Marland\\'s offer to host a donors\\' conference and
underlined support for a negotiated settlement that respects borders.
\u00a0
MR. HALVORSEN:  Thank you all for joining this call on the record.
\u00a0
Q  Can you say whether the convoys will be escorted?
\u00a0
MR. HALVORSEN:  The convoys will be escorted by monitors from three neutral
states, as both sides have agreed.
\u00a0
\\###
"""


def flat_transcript_body(sentences: int = 40) -> str:
    """A transcript body that lost its paragraph breaks, with speaker turns inside one line."""
    opening = ("The meeting took place in the Crystal Hall. * * * Opening remarks by the President "
               "President of Veldoria Mirek Dalca: Colleagues, good afternoon. ")
    speech = " ".join(f"Point number {i} concerns the grain corridor and the port tariffs that our "
                      f"partners raised in the spring round of talks." for i in range(sentences))
    reply = (" Minister of Trade Ilse Novak: Thank you, Mr President. We have prepared the figures. "
             "Trade with the southern neighbours grew by a fifth. Mirek Dalca: Good. Let us continue.")
    return opening + speech + reply


def write_plain(folder: Path, name: str = "veldoria-ostrava.txt", text: str = PLAIN_ARTICLE) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_markdown(folder: Path, name: str = "readout.md") -> Path:
    path = folder / name
    path.write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    return path


def write_table_csv(folder: Path, name: str = "news.csv") -> Path:
    import csv

    path = folder / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["link", "headline", "date", "location", "summary", "body"])
        writer.writerow(["http://www.example-palace.vd/events/101", "Meeting on trade with the southern neighbours",
                         "2022-05-19T14:00:00Z", "Capital", "", flat_transcript_body()])
        writer.writerow(["http://www.example-palace.vd/events/102", "Telephone conversation with President of Marland",
                         "2022-05-20T10:00:00Z", "NA", "",
                         "Mirek Dalca had a telephone conversation with the President of Marland. "
                         "The leaders discussed the security of shipping in the strait."])
        writer.writerow(["http://www.example-palace.vd/events/103", "An empty item", "2022-05-21", "NA", "", ""])
    return path


def write_jsonl(folder: Path, name: str = "wire.jsonl") -> Path:
    rows = [
        {"title": "Summit season opens in Ostrava", "text": "Delegations from twelve states arrived in Ostrava "
         "for the regional summit, where energy security tops the agenda.", "url": "https://wire.example.net/a1",
         "published": "2024-02-03", "publisher": "Example Wire"},
        {"title": "Observers call for restraint", "text": "Observers from neutral states called for restraint "
         "along the border after a week of artillery exchanges.", "url": "https://wire.example.net/a2",
         "published": "2024-02", "publisher": "Example Wire"},
    ]
    path = folder / name
    lines = [json.dumps(r) for r in rows]
    lines.insert(1, '{"title": "broken line", "text": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_un_speeches(folder: Path) -> Path:
    session = folder / "Session 74 - 2019"
    session.mkdir(parents=True)
    (folder / "speakers_by_session.csv").write_text(
        "Year,Session,ISO Code,Country,Name of Person Speaking,Post,\n"
        "2019,74,VLD,Veldoria ,Anna Kovalenko,Minister for Foreign Affairs,\n", encoding="utf-8")
    (session / "VLD_74_2019.txt").write_text(
        "Mr. President, allow me to congratulate you on your election to the presidency of this Assembly.\n"
        "The reform of the Security Council can no longer wait. Small states need a stronger voice.\n"
        "Climate finance promised a decade ago must finally reach the countries that need it most.\n",
        encoding="utf-8")
    return folder


ARTICLE_PAGE = """<!doctype html>
<html><head><title>Envoys meet on water sharing | The Example Herald</title>
<meta property="og:site_name" content="The Example Herald">
<meta property="og:title" content="Envoys meet on water sharing">
<meta name="date" content="2023-09-12">
<link rel="canonical" href="{url}"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Envoys meet on water sharing</h1>
<p>Envoys of Veldoria and Marland met in a border town on Tuesday to settle a decade-long dispute over the river that feeds both countries' farms.</p>
<h2>A new commission</h2>
<p>The two sides agreed to set up a joint commission that will publish river flow data every month and meet each quarter.</p>
<p>"Water must unite us, not divide us," said envoy Tomas Reyes after the talks, adding that the commission would start work in January.</p>
<script>document.write('<img src=x onerror=alert(1)>')</script>
</article><footer>Copyright The Example Herald</footer></body></html>"""


def rss_feed(base_url: str) -> str:
    """A feed whose first entry carries full content and whose second has only a summary."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>The Example Herald</title><link>{base_url}/</link><description>World news</description>
<item><title>Ministers open the spring talks</title><link>{base_url}/spring-talks</link>
<pubDate>Mon, 10 Apr 2023 08:00:00 GMT</pubDate>
<description>Short teaser.</description>
<content:encoded><![CDATA[<p>{" ".join(["The foreign ministers of Veldoria and Ostrava opened the spring round of talks on fisheries and energy."] * 8)}</p><p>Both said a deal was within reach.</p>]]></content:encoded>
</item>
<item><title>Envoys meet on water sharing</title><link>{base_url}/water.html</link>
<pubDate>Tue, 12 Sep 2023 09:00:00 GMT</pubDate>
<description>Envoys met in a border town.</description></item>
</channel></rss>"""


ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Ostrava Ministry Bulletin</title>
<id>urn:example:bulletin</id><updated>2024-01-05T12:00:00Z</updated>
<entry><title>Statement on the corridor</title><id>urn:example:1</id>
<link href="https://bulletin.example.org/corridor"/><updated>2024-01-05T12:00:00Z</updated>
<content type="html">&lt;p&gt;{body}&lt;/p&gt;</content></entry></feed>""".format(
    body=" ".join(["The Ministry welcomes the reopening of the humanitarian corridor and thanks the monitors."] * 10))


# One press conference in three languages (written for the tests, fictional): the Chinese and Russian
# versions say what the English one says, paragraph by paragraph; and an English article on other things.
THREE_VERSIONS = {
    "briefing-en.txt": ("Foreign Ministry Spokesperson's Regular Press Conference on March 2, 2021", "2021-03-02", [
        "China firmly opposes the unilateral sanctions announced by the United States and will take the necessary "
        "measures to safeguard its legitimate rights and interests.",
        "The two countries agreed to expand cooperation in renewable energy and to cut carbon emissions under the "
        "Paris Agreement.",
        "The Taiwan question is purely China's internal affair, and no external interference will be tolerated.",
        "The new railway between the two capitals will open to passengers next spring and halve the travel time."]),
    "briefing-zh.txt": ("2021年3月2日外交部发言人主持例行记者会", "2021-03-02", [
        "中方坚决反对美方宣布的单边制裁，将采取必要措施，坚定维护自身正当权益。",
        "两国同意在可再生能源领域扩大合作，并根据《巴黎协定》减少碳排放。",
        "台湾问题纯属中国内政，不容任何外部势力干涉。",
        "连接两国首都的新铁路将于明年春天向乘客开通，旅行时间将缩短一半。"]),
    "briefing-ru.txt": ("Брифинг официального представителя МИД Китая 2 марта 2021 года", "2021-03-03", [
        "Китай решительно выступает против односторонних санкций, объявленных США, и примет необходимые меры для "
        "защиты своих законных прав и интересов.",
        "Две страны договорились расширить сотрудничество в области возобновляемой энергетики и сократить выбросы "
        "углерода в рамках Парижского соглашения.",
        "Тайваньский вопрос является сугубо внутренним делом Китая, и никакое внешнее вмешательство не допускается.",
        "Новая железная дорога между двумя столицами откроется для пассажиров следующей весной и вдвое сократит "
        "время в пути."]),
    "summit-en.txt": ("Leaders discuss food security at the regional summit", "2021-05-20", [
        "The leaders discussed food security in the region and pledged to keep grain markets open to all buyers.",
        "A new fund will help farmers buy seeds and fertiliser after two years of drought.",
        "The next summit will be held in the autumn in the southern port city."]),
}


def write_three_versions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (title, date, paragraphs) in THREE_VERSIONS.items():
        (folder / name).write_text(f"{title}\nPublished: {date}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder
