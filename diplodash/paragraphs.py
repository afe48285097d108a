"""Paragraphs: split an article's blocks into the units DiploDash embeds, tags and shows.

Each paragraph gets a kind (body, heading, caption, turn), the section heading it sits under,
the transcript turn it belongs to, and stays at most ~150 words so the embedding model sees all
of it (all-MiniLM-L6-v2 reads 256 word pieces).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .articles import Article
from .text import count_words, fingerprint, windows

MAX_WORDS = 150
KINDS = ("body", "heading", "caption", "turn")

_CONNECTOR = r"(?:of|the|de|da|del|di|do|dos|du|van|von|der|den|al|el|bin|ibn|and|la|le)"
_CAPITALISED = r"[A-Z][\w'’.\-]*"
_MIXED_LABEL = rf"{_CAPITALISED}(?:[ \t]+(?:{_CAPITALISED}|{_CONNECTOR})){{0,9}}"
_UPPER_LABEL = r"(?:[A-Z][A-Z'’.\-]*[ \t]+){0,6}[A-Z][A-Z'’.\-]+"
# Russian transcripts: "В.Путин:", "С.Лавров:", "Владимир Путин:"; Chinese ones: "问：", "答：",
# "耿爽：", "环球时报记者：", "《北京日报》记者：", "CNN记者：" (a full-width colon, no space after it).
_CYRILLIC_LABEL = (r"(?:[А-ЯЁ]\.[ \t]?[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:[ \t][А-ЯЁ][а-яё]+)?"  # М.Диас-Канель Бермудес
                   r"|[А-ЯЁ][а-яё]+[ \t][А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)")
_CHINESE_LABEL = r"(?:问|答|[\u4e00-\u9fff·《》〈〉A-Za-z0-9]{2,24}记者|[\u4e00-\u9fff]{2,4})"
TURN_AT_START = re.compile(rf"^(?P<label>{_UPPER_LABEL}|{_MIXED_LABEL}|{_CYRILLIC_LABEL}|Q|A)(?:[ \t]*\([^)]{{0,40}}\))?"
                           rf"(?:(?<=[а-яё)])[ \t])?:[ \t]*(?=\S)"
                           rf"|^(?P<question>Q)[.:]?[ \t]+(?=[\"“A-Z(—–])"
                           rf"|^(?P<chinese>{_CHINESE_LABEL})：[ \t]*(?=\S)")
_ASIDE = r"(?:[ \t]*\([^)]{0,30}\))?"  # "Xi Jinping (retranslated):"
_TURN_IN_FLAT_TEXT = re.compile(rf"(?:\A|(?<=[.!?…\"”»)][ \t]))(?P<label>{_MIXED_LABEL}|{_UPPER_LABEL}|{_CYRILLIC_LABEL}){_ASIDE}"
                                rf"(?:(?<=[а-яё)])[ \t])?:[ \t]")  # kremlin.ru writes "В.Путин : Добрый день"
# Scraped transcripts sometimes print a label as "Sergei Lavrov Lavrov SergeiForeign Minister of Russia:".
_DOUBLED_NAME_LABEL = re.compile(r"\b(?P<first>[A-Z][\w'’-]+) (?P<last>[A-Z][\w'’-]+) (?P=last) (?P=first)"
                                 r"(?=[A-Z])[^:.!?]{0,80}:[ \t]")
# A label that opens with an office ("President of Russia Vladimir Putin:") is a turn even where
# the heading before it lost its full stop.
_TITLED_LABEL = re.compile(
    rf"(?<![\w-])(?P<label>(?:(?:Acting|Deputy|Vice|First|Former|Presidential)[ \t]+)?"
    rf"(?:President|Prime[ \t]+Minister|Minister|Foreign[ \t]+Minister|Chairman|Chairwoman|Chair|Governor|"
    rf"Head|Director|Secretary|Press[ \t]+Secretary|Spokesperson|Spokesman|Ambassador|Mayor|King|"
    rf"Chancellor|Patriarch|Emir|Sultan|Speaker)(?:[ \t]+(?:{_CAPITALISED}|{_CONNECTOR})){{1,9}}){_ASIDE}:[ \t]")
_SECTION_BREAK = re.compile(r"\s*\*[ \t]*\*[ \t]*\*\s*")
# Labels that look like "Name:" but introduce metadata, not a speaker.
_NOT_SPEAKERS = {
    "note", "notes", "photo", "photos", "source", "sources", "update", "updated", "editor", "editor's",
    "read", "related", "published", "caption", "transcript", "watch", "listen", "subject", "date",
    "location", "tags", "tag", "topics", "category", "image", "video", "credit", "credits", "warning",
    "example", "background", "summary", "see", "contact", "email", "phone", "website", "file",
    "attachment", "download", "share", "time", "place", "venue", "end", "more", "also", "by", "via",
    "today", "here", "this", "these", "that", "there", "first", "second", "third", "finally", "why",
    "what", "how", "when", "where", "who", "but", "and", "so", "yes", "no", "well", "now", "then",
}
_CAPTION = re.compile(r"(?:^|[\s(\[])(?:photo|photos|photograph|image|picture|video|file photo)\s*"
                      r"(?:by|:|/|courtesy of|credit:)\s*[^.!?]{1,80}[.)\]]?\s*$", re.I)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_SENTENCE_END = re.compile(r"[.!?:;,\"”’)\]…—–-]$")


@dataclass
class Paragraph:
    position: int
    kind: str
    section: str
    turn: str
    text: str


def turn_label(text: str) -> str | None:
    """The speaker label opening a transcript turn ("MR. KIRBY:", "Q", "Sergei Lavrov:"), if any."""
    match = TURN_AT_START.match(text)
    if not match:
        return None
    if match.group("chinese"):
        return match.group("chinese")
    label = (match.group("label") or match.group("question") or "").strip()
    return label if _is_speaker_label(label) else None


def _is_speaker_label(label: str) -> bool:
    tokens = label.split()
    if not tokens or len(label) > 90:
        return False
    if label in ("Q", "A"):  # question and answer turns of a press conference
        return True
    first, last = tokens[0].lower().strip(".'’"), tokens[-1]
    if first in _NOT_SPEAKERS or re.fullmatch(_CONNECTOR, last) or not last[0].isupper():
        return False
    return sum(ch.isalpha() for ch in label) >= 2


def _drop_repeated_office(label: str) -> str:
    """"President President of X Name" comes from a heading ending in an office; keep the label."""
    first, _, rest = label.partition(" ")
    return rest if rest.startswith(first + " ") else label


def split_flat_text(text: str) -> list[str]:
    """Cut a body that lost its line breaks at "* * *" and at transcript turns.

    Labels are found where a sentence ends ("... today. Sergei Lavrov: ..."); a label seen that way
    also cuts the text where it follows a heading that lost its full stop.
    """
    pieces: list[str] = []
    text = _DOUBLED_NAME_LABEL.sub(lambda m: f"{m.group('first')} {m.group('last')}: ", text)
    for part in _SECTION_BREAK.split(text):
        labels = {_drop_repeated_office(m.group("label")) for pattern in (_TURN_IN_FLAT_TEXT, _TITLED_LABEL)
                  for m in pattern.finditer(part) if _is_speaker_label(m.group("label"))}
        if not labels:
            if part.strip():
                pieces.append(part.strip())
            continue
        multiword = sorted((l for l in labels if " " in l), key=len, reverse=True)
        anywhere = [re.escape(l) for l in multiword]
        at_sentence = [re.escape(l) for l in sorted(labels, key=len, reverse=True)]
        pattern = rf"(?:\A|(?<=[.!?…\"”»)][ \t]))(?:{'|'.join(at_sentence)}){_ASIDE}[ \t]?:[ \t]"
        if anywhere:
            pattern += rf"|(?<![\w-])(?:{'|'.join(anywhere)}){_ASIDE}[ \t]?:[ \t]"
        starts = sorted({m.start() for m in re.finditer(pattern, part)} | {0})
        for begin, end in zip(starts, starts[1:] + [len(part)]):
            if part[begin:end].strip():
                pieces.append(part[begin:end].strip())
    return pieces


def _looks_like_heading(text: str, seen_body: bool) -> bool:
    return (seen_body and count_words(text) <= 10 and text[:1].isupper()
            and not _SENTENCE_END.search(text) and not _CLOCK.search(text))


def split_article(article: Article) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    seen: set[str] = set()
    section, current_turn, seen_body = "", "", False
    for block in article.blocks:
        pieces = split_flat_text(block.text) if article.flat else [block.text]
        for piece in pieces:
            label = turn_label(piece)
            if block.kind == "heading":
                kind = "heading"
            elif label:
                kind, current_turn = "turn", label
            elif count_words(piece) <= 80 and _CAPTION.search(piece):
                kind = "caption"
            elif _looks_like_heading(piece, seen_body):
                kind = "heading"
            else:
                kind = "body"
            if kind == "heading":
                section = piece
                current_turn = ""
            seen_body = seen_body or kind in ("body", "turn")
            chunks = windows(piece, MAX_WORDS) if count_words(piece) > MAX_WORDS else [piece]
            for number, chunk in enumerate(chunks):
                key = fingerprint(chunk)
                # A repeat (a caption printed twice) is dropped; short transcript turns such as
                # "Thank you." legitimately recur and are kept.
                if key in seen and (count_words(chunk) >= 8 or kind in ("caption", "heading")):
                    continue
                seen.add(key)
                paragraphs.append(Paragraph(len(paragraphs), kind if number == 0 else "body",
                                            section, current_turn, chunk))
    return paragraphs
