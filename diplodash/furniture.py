"""Page furniture of sites whose exports flatten a page into one line, removed before the text is
cut into paragraphs. Today kremlin.ru, whose pages read (menus aside):
    События <title> <lead> <7 мая 2025 года> <18:20> <Москва, Кремль> <body, with "Смотрите также"
    boxes of related items in it> География … Темы … Лица … Статус материала … Дата публикации: …
    Ссылка на материал: kremlin.ru/d/76863 Текстовая версия
The lead, the body and its transcript turns are kept; the section label, the dateline, the
related-item boxes, the "<…>" cut marks and the closing tags and status are dropped."""
from __future__ import annotations

import re

_DATE = r"\d{1,2}\s+[а-яё]+\s+\d{4}\s+года"
_DATELINE = re.compile(rf"{_DATE}\s+\d{{1,2}}:\d{{2}}\s+")
# "Смотрите также" then one or more "<related title> <date>" items (no full stop but in «quotes»)
_SEE_ALSO = re.compile(rf"\s*Смотрите также(?:\s+(?:«[^»]{{0,150}}»|[^.!?«]){{3,300}}?\s+{_DATE})+")
# ... or, closing the text, links to a section or a file: "Смотрите также Указ № 206 pdf, 45.1 кБ"
_SEE_ALSO_LAST = re.compile(r"\s*Смотрите также(?:[^.!?]|\d\.\d){0,300}$")
_CUT_MARK = re.compile(r"\s*<…>\s*")
_CLOSING = (" Статус материала ", " Лица ", " Темы ", " География ")


def kremlin(text: str, title: str = "", place: str | None = None) -> str:
    text = " " + text.strip() + " "
    head = text.find(" Статус материала ")
    if head > 0:  # the closing block: its labels, back from "Статус материала" while no sentence ends between
        cut = head
        for label in _CLOSING[1:]:
            found = text.rfind(label, 0, cut)
            if found > 0 and not re.search(r"[.!?…]", text[found + len(label):cut]):
                cut = found
        text = text[:cut]
    text = text.strip()
    if text.startswith("События "):
        text = text[len("События "):]
    if title and text.startswith(title):
        text = text[len(title):].lstrip()
    dateline = _DATELINE.search(text[:1500])
    if dateline:
        rest = text[dateline.end():]
        if place and rest.startswith(place):
            rest = rest[len(place):]
        text = (text[:dateline.start()].rstrip() + " " + rest.lstrip()).strip()
    text = _SEE_ALSO_LAST.sub("", _SEE_ALSO.sub("", text))
    return _CUT_MARK.sub(" ", text).strip()


def strip_furniture(text: str, url: str | None, title: str = "", place: str | None = None) -> str:
    """`text` without the furniture of the site `url` is on, where DiploDash knows its layout."""
    if url and re.search(r"(?:^|//|\.)kremlin\.ru/", url):
        return kremlin(text, title, place)
    return text
