"""Speakers that the layout names: transcript turn labels ("MR. KIRBY:", "Q:", "A:"), the author a
statement's title gives, the host of a press conference."""
from __future__ import annotations

import re

from .article import ArticleSpeakers, Attribution
from .names import name_in_label
from .parser import entity_label

# Who answers a press conference's "A:" turns: the host its title names ("Foreign Ministry
# Spokesperson Lu Kang's Regular Press Conference on ...", "Press Briefing by Press Secretary Jen Psaki").
_HOST_TITLE = re.compile(r"\b(?:Spokesperson|Spokesman|Spokeswoman|Press Secretary)\s+"
                         r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2}?)(?=['’]s\b|\s+(?:[a-z]|Regular\b)|$)")
_STATEMENT_TITLE = re.compile(r"^(?:Statement|Remarks|Message|Op-Ed|Letter|Address|Speech|Video Message|Article)s? "
                              r"(?:by|from|of) (?P<author>.+)$")
_HONORIFICS = re.compile(r"^(?:MR|MRS|MS|DR|THE|AMBASSADOR|SECRETARY|ADMINISTRATOR|DIRECTOR|GENERAL|"
                         r"ADMIRAL|SENATOR|GOVERNOR|MAYOR|CHAIR|CHAIRMAN|DEPUTY|ACTING|COORDINATOR|"
                         r"COMMISSIONER|SPECIAL|ENVOY|MINISTER|PRIME|PRESIDENT|VICE|FOREIGN|CHANCELLOR|"
                         r"KING|QUEEN|PRINCE|EMIR|SULTAN|LEADER|CHIEF|STAFF|OF|SPEAKER|REPRESENTATIVE)\.?$")
_LABEL_GROUPS = {"Q": "reporters", "QUESTION": "reporters", "REMARK": "reporters", "AUDIENCE MEMBER": "audience",
                 "SENIOR ADMINISTRATION OFFICIAL": "officials", "ADMINISTRATION OFFICIAL": "officials",
                 "SENIOR STATE DEPARTMENT OFFICIAL": "officials", "OFFICIAL": "officials",
                 "PARTICIPANT": "participants", "PARTICIPANTS": "participants", "AUDIENCE": "audience",
                 "MODERATOR": "officials", "OPERATOR": "officials", "REPORTER": "reporters",
                 "AIDE": "aide", "STAFF": "aide", "FOLLOW-UP": "reporters", "FOLLOW UP": "reporters"}
_LABEL_ROLES = {"THE PRESIDENT": "president", "PRESIDENT": "president", "THE VICE PRESIDENT": "vice-president",
                "VICE PRESIDENT": "vice-president", "THE FIRST LADY": None}


# "2019年1月17日外交部发言人陆慷主持例行记者会": the spokesperson who hosts it.
_HOST_TITLE_ZH = re.compile(r"发言人(?P<name>[\u4e00-\u9fff]{2,3})主持")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def host(title: str, state: ArticleSpeakers) -> str | None:
    match = _HOST_TITLE.search(title or "") or _HOST_TITLE_ZH.search(title or "")
    return state.names.register(match.group("name")) if match else None


def _russian_full_name(label: str, text: str) -> str | None:
    """"А.Цыбульский" as the article introduces him ("губернатор Архангельской области Александр
    Цыбульский"): the one full name in the text with that surname and initial."""
    match = re.fullmatch(r"([А-ЯЁ])\.\s?([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)", label)
    if not match:
        return None
    initial, surname = match.groups()
    found = set(re.findall(rf"(?<![А-Яа-яЁё])({initial}[а-яё]+)\s+{re.escape(surname)}(?![а-яё])", text))
    return f"{found.pop()} {surname}" if len(found) == 1 else None


def _chinese_turn(label: str, state: ArticleSpeakers, host_name: str | None) -> Attribution | None:
    """问 (a question) and an outlet's reporter ask; 答 (the answer) is the host's; a name is a person,
    under the name the tables give it (耿爽 = Geng Shuang)."""
    if label == "问" or label.endswith("记者"):
        return Attribution("reporters", label, "turn", group=True)
    if label == "答":
        return Attribution(host_name, label, "turn") if host_name else None
    name = state.tables.canonical_name(label)
    if name != label or label == host_name or (host_name and state.tables.canonical_name(label) == host_name):
        return Attribution(state.names.register(name), label, "turn")
    return Attribution(state.names.register(label), label, "turn") if len(label) <= 3 else None


def turn(label: str, state: ArticleSpeakers, host_name: str | None) -> Attribution | None:
    """The speaker a transcript label names."""
    if _CHINESE.search(label):
        return _chinese_turn(label, state, host_name)
    if _CYRILLIC.search(label):  # "В.Путин", "Си Цзиньпин": a person, under the tables' name for them
        name = state.tables.canonical_name(label.strip())
        if name == label.strip():
            name = _russian_full_name(name, state.text) or name
        return Attribution(state.names.register(name), label, "turn")
    upper = label.upper().strip()
    if upper in ("A", "ANSWER"):
        return Attribution(host_name, label, "turn") if host_name else None
    if upper in _LABEL_GROUPS:
        return Attribution(_LABEL_GROUPS[upper], label, "turn", group=True)
    if upper in _LABEL_ROLES:
        office = _LABEL_ROLES[upper]
        person = state.tables.office_holder(office, state.country, state.date) if office else None
        return Attribution(person, label, "turn", role=label.title()) if person else None
    names = state.names
    if label.isupper() and len(label) <= 6 and entity_label(label) == "ORG":  # "AFP:", "CCTV:"
        return Attribution("reporters", label, "turn", group=True) if host_name else None
    if label.isupper():
        tokens = [t for t in label.split() if not _HONORIFICS.match(t)]
        if not tokens:
            return None
        surname = " ".join(t.title() for t in tokens)
        person = names.resolve_short(tokens[-1].title()) if len(tokens) == 1 else names.register(surname)
        return Attribution(person or surname, label, "turn")
    known = label.strip() in names.people or names.in_article(label.split()[-1], full_names_only=True)
    if not known and entity_label(label) in ("ORG", "NORP", "GPE", "FAC", "WORK_OF_ART", "PRODUCT"):
        # "RIA Novosti:", "China News Service:": a media outlet asking at a press conference
        if host_name:
            return Attribution("reporters", label, "turn", group=True)
        return Attribution(label.strip(), label, "turn", organisation=True)
    name = name_in_label(label)
    if name is None:
        person = names.resolve_short(label) if len(label.split()) == 1 else None
        return Attribution(person, label, "turn") if person else None
    office = label[: len(label) - len(name)].strip() or None
    return Attribution(names.register(name, office), label, "turn", office)


def statement_author(title: str, state: ArticleSpeakers) -> str | None:
    """The one person who signs a statement: "Statement by Press Secretary Jen Psaki on ..."."""
    match = _STATEMENT_TITLE.match(title or "")
    if not match:
        return None
    author = re.split(r" (?:on|at|to|regarding|before|after|welcoming|announcing|marking|in) ", match.group("author"),
                      maxsplit=1, flags=re.I)[0]
    if re.search(r"\band\b|,", author):  # remarks by two leaders: no single author
        return None
    mentions = [m for m in state.mentions(author) if m.person]
    return mentions[0].person if mentions else None
