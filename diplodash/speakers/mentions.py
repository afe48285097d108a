"""Mentions in one paragraph: names, surnames, descriptors, offices, groups, pronouns.

Where a sentence was parsed, its named entities decide what a capitalised run is: a PERSON entity
is a person (and trims the run to the name: "Service Sergei Naryshkin" -> "Sergei Naryshkin"), a
place, body, date or event is not ("Capitol Hill", "New Year", "Minsk Agreements"). Elsewhere the
older word rules decide.
"""
from __future__ import annotations

import re

from .lexicon import (BARE_OFFICE, BARE_OFFICE_OF, COLLECTIVE, COUNTERPART, GROUP, GROUPS, NAME, NOT_PERSON, NOT_PERSON_LABELS,
                      OFFICE_OF, PRINCIPALS, PRONOUN, SPEECH_VERBS, TITLED_NAME, VERB)
from .names import ArticleNames, Mention, name_in_label, strip_possessive, trim_to_person
from .tables import Tables, name_key

# A publisher's unqualified "the President" / "the Vice President" is its own country's (data/roles.yaml
# home_countries): the White House's is the US President, the Kremlin's Russia's.
_OWN_OFFICE = re.compile(r"\b[Tt]he (?P<office>Vice President|President)\b(?!['’]s\s+(?:call|meeting)\b)(?!\s+(?:of\b|[A-Z]))")


def find_mentions(text: str, names: ArticleNames, tables: Tables, date, country: str | None,
                  entities=(), parsed=()) -> list[Mention]:
    """Every mention in `text`; `entities` (start, end, label) and `parsed` (start, end) ranges come
    from the sentences that were parsed."""
    found: list[Mention] = []

    def free(start, end):
        return all(end <= m.start or start >= m.end for m in found)

    def labels(start, end):
        return {label for a, b, label in entities if a < end and start < b}

    for match in TITLED_NAME.finditer(text):
        mention = names.titled(match, alone=True)
        if mention and "PERSON" not in labels(mention.start, mention.end) and labels(match.start("name"), mention.end) \
                and name_key(mention.person) not in tables.canonical:
            continue  # "General Assembly Hall", "Admiral Kuznetsov" the ship: the parse says not a person
        if mention:
            found.append(mention)
    for match in OFFICE_OF.finditer(text):
        name = name_in_label(match.group(0))
        if name and free(match.start(), match.end()) and not labels(match.start(), match.end()) & {"ORG"} - {"PERSON"}:
            end = match.start("rest") + match.group("rest").rindex(name) + len(name)
            role = text[match.start():end - len(name)].strip()
            found.append(Mention(match.start(), end, "name", text[match.start():end],
                                 person=names.register(name, role), role=role))
    pattern = tables.descriptor_pattern()
    for match in pattern.finditer(text) if pattern else ():
        if not free(match.start(), match.end()) or re.match(r"\s+[A-Z][a-z]", text[match.end():]):
            continue
        role = tables.role_for_alias(match.group(0))
        person = role.holder(date) if role else None
        if person:
            found.append(Mention(match.start(), match.end(), "descriptor", match.group(0), person=person, role=match.group(0)))
    for match in _OWN_OFFICE.finditer(text) if country else ():
        office = match.group("office").lower().replace(" ", "-")
        person = tables.office_holder(office, country, date)
        if person and free(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), "descriptor", match.group(0), person=person,
                                 role=match.group("office")))
    for match in BARE_OFFICE_OF.finditer(text):  # "The President of France stated ..."
        person = names.by_office(match.group("title"), exact=True)
        if person and free(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), "descriptor", match.group(0), person=person,
                                 role=match.group("title")))
    for match in BARE_OFFICE.finditer(text):
        person = names.by_office(match.group("title"))
        if person and free(match.start(), match.end()):
            found.append(Mention(match.start(), match.end(), "descriptor", match.group(0), person=person,
                                 role=match.group("title")))
    for start, end, label in entities:
        name = _full_name(text[start:end]) if label == "PERSON" else None
        if name:
            start = text.index(name, start)
            if free(start, start + len(name)):
                role = _appositive(text[start + len(name):])
                found.append(Mention(start, start + len(name), "name", name, person=names.register(name, role), role=role))
    for match in NAME.finditer(text):
        start, name = trim_to_person(match.start(), match.group(0))
        if not name or not free(start, match.end()):
            continue
        inside = any(a <= start < b for a, b in parsed)
        if inside and labels(start, match.end()) & NOT_PERSON_LABELS and name_key(name) not in tables.canonical:
            continue
        confirmed = inside and "PERSON" in labels(start, match.end())
        if confirmed or names.is_person(name, text, match.end()):
            role = _appositive(text[match.end():])
            found.append(Mention(start, match.end(), "name", name, person=names.register(name, role, confirmed),
                                 role=role))
    for match in re.finditer(r"\b[A-Z][a-zà-ÿ'’-]+\b", text):
        if free(match.start(), match.end()) and match.group(0) not in NOT_PERSON:
            person = names.in_article(match.group(0), full_names_only=True)
            if person is None and VERB.match(text, match.end() + 1):
                person = names.resolve_short(match.group(0))  # "Putin claims ..."
            if person:
                found.append(Mention(match.start(), match.end(), "short", match.group(0), person=person))
    for match in GROUP.finditer(text):
        if free(match.start("noun"), match.end("noun")):
            # the span starts at the noun: in "Wang told reporters" the words before it are not the group's
            found.append(Mention(match.start("noun"), match.end(), "group", match.group(0).strip(),
                                 group=GROUPS[match.group("noun").lower()]))
    for regex, kind in ((PRONOUN, "pronoun"), (COLLECTIVE, "collective"), (PRINCIPALS, "principals"),
                        (COUNTERPART, "counterpart")):
        found.extend(Mention(m.start(), m.end(), kind, m.group(0)) for m in regex.finditer(text))
    found.sort(key=lambda m: m.start)
    return found


def _full_name(entity: str) -> str | None:
    """A PERSON entity as a name: two to four capitalised words after the last word of an office or
    place ("Economic Development Maxim Reshetnikov" -> "Maxim Reshetnikov")."""
    entity = strip_possessive(re.sub(r"^(?:the|The)\s+", "", entity.strip()))
    if "\n" in entity:
        return None
    _, name = trim_to_person(0, entity)
    tokens = (name or "").split()
    if not 2 <= len(tokens) <= 4 or not all(t[0].isupper() for t in tokens if len(t) > 3):
        return None
    return name


def _appositive(after: str) -> str | None:
    """The role given after a name: "Li Haidong, a professor at the China Foreign Affairs University"."""
    match = re.match(r"\s*,\s*((?:a|an|the|also|former|[a-z]+)\s[^;\"“”]{3,200}?),\s+(?:" + SPEECH_VERBS + r")\b", after) \
        or re.match(r"\s*,\s*((?:a|an|the|also|former)\s[^,;\"“”]{3,160}?)(?=[,.]|$)", after)
    return match.group(1).strip() if match else None
