"""The people of one article: full names in order of appearance, their roles and gender where the
text gives them, and how a surname, a title or a bare office resolves to one of them."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import FEMALE, MALE, NAME, NOT_PERSON, OFFICE_OF, PARTICLE, SPEECH_VERBS, TITLED_NAME, TITLES
from .tables import Tables, name_key


@dataclass
class Mention:
    start: int
    end: int
    kind: str               # name, short, descriptor, pronoun, group, collective, principals
    surface: str
    person: str | None = None
    group: str | None = None
    role: str | None = None




class ArticleNames:
    def __init__(self, tables: Tables, title: str = "", home_leader: str | None = None):
        self.tables = tables
        self.people: list[str] = []          # full names, in order of first appearance
        self.recent: list[str] = []          # persons in order of their latest mention
        self.roles: dict[str, str] = {}
        self.gender: dict[str, str] = {}
        self.unconfirmed: set[str] = set()
        for match in OFFICE_OF.finditer(title or ""):  # "Telephone conversation with President of France Emmanuel Macron"
            name = name_in_label(match.group(0))
            if name:
                self.register(name, match.group(0)[: match.group(0).rindex(name)].strip())
        for match in TITLED_NAME.finditer(title or ""):
            self.titled(match)
        for match in NAME.finditer(title or ""):
            _, name = trim_to_person(match.start(), match.group(0))  # "China Xi Jinping" -> "Xi Jinping"
            if name and self.is_person(name, title, match.end()):
                self.register(name, confirmed=False)
        # The publisher's own head of state is the implicit other party of its readouts.
        self.recent = ([home_leader] if home_leader else []) + [p for p in self.people if p != home_leader]

    def register(self, name: str, role: str | None = None, confirmed: bool = True) -> str:
        """The canonical form of `name`. Only a confirmed person (a title, the tables, a PERSON entity,
        a transcript label) joins the article's people, whom surnames, pronouns and "the two leaders"
        resolve to: a capitalised run that merely looks like a name ("Verin Valley") completes only
        a surname that is the subject of a cue, and is never "the two leaders" or "she"."""
        name = self.tables.canonical_name(strip_possessive(name))
        if confirmed or name_key(name) in self.tables.canonical:
            self.unconfirmed.discard(name)
        elif name not in self.people:
            self.unconfirmed.add(name)
        if name not in self.people:
            self.people.append(name)
        if role and name not in self.roles:
            self.roles[name] = role
        if role and name not in self.gender:
            self.gender[name] = "f" if FEMALE.search(role) else "m" if MALE.search(role) else None
        return name

    def seen(self, person: str) -> None:
        if person in self.unconfirmed:
            return
        if person in self.recent:
            self.recent.remove(person)
        self.recent.append(person)

    def in_article(self, token: str, full_names_only: bool) -> str | None:
        """The person named most recently in this article whose given name or surname is `token`."""
        key = name_key(strip_possessive(token))
        if not key:
            return None
        for person in reversed(self.people):
            tokens = name_key(person).split()
            # "Sudani" for "Mohammed Shia'a Al-Sudani": the hyphen's last part is the surname too
            last = {tokens[-1], person.split()[-1].split("-")[-1].lower()} if tokens else set()
            if tokens and (key == tokens[0] or key in last) and (len(tokens) > 1 or not full_names_only) \
                    and not (full_names_only and person in self.unconfirmed):
                return person
        return None

    def resolve_short(self, token: str) -> str | None:
        """A surname or given name: the last person in this article with it, else a unique known person."""
        person = self.in_article(token, full_names_only=False)
        if person:
            return person
        known = self.tables.by_short.get(name_key(strip_possessive(token)), [])
        return known[0] if len(known) == 1 else None

    def by_office(self, title: str, exact: bool = False) -> str | None:
        """"The Prime Minister": the person this article last named with that title."""
        wanted = title.lower()
        for person in reversed(self.recent):
            role = (self.roles.get(person) or "").lower()
            if exact and role == wanted:
                return person
            if not exact and role.endswith(wanted) and not (wanted == "minister" and "prime" in role) \
                    and not (wanted == "president" and "vice" in role):
                return person
        return None

    def agrees(self, person: str, pronoun: str) -> bool:
        gender = self.gender.get(person)
        return gender is None or gender == ("f" if pronoun.lower() == "she" else "m")

    def is_person(self, name: str, text: str, end: int) -> bool:
        tokens = name.split()
        if any(strip_possessive(t.strip(".,")) in NOT_PERSON for t in tokens):
            return False
        if name_key(name) in self.tables.canonical:
            return True
        after = text[end:end + 40]
        return bool(re.match(r"\s*(?:,\s*(?:a|an|the|who|also|former|one|[a-z]+)\b|\s+(?:" + SPEECH_VERBS + r")\b)", after))

    def titled(self, match: re.Match, alone: bool = False):
        """A name after a title: "Foreign Minister Sergey Lavrov", "Mr. Butterfield". With `alone`, a
        surname the article and the tables cannot complete stands as it is."""
        name, title = match.group("name"), match.group("title")
        tokens = name.split()
        # In title-case headlines a name runs into the next words: "Olivia Dalton En Route ...".
        cut = next((i for i, t in enumerate(tokens) if t.strip(".,") in NOT_PERSON), len(tokens))
        tokens = tokens[:min(cut, 3)]
        if not tokens:
            return None
        name = " ".join(tokens)
        if len(tokens) == 1:
            person = self.resolve_short(name)
            if person is None:
                if not alone or len(strip_possessive(name)) < 3 or not _PERSON_TITLE.search(title):
                    return None  # "General Chamber", "Chief Justice": only a person's title makes a surname
                person = self.register(name, title)
        else:
            person = self.register(name, title)
        if title and person not in self.gender:
            self.gender[person] = "f" if FEMALE.search(title) else "m" if MALE.search(title) else None
        end = match.start("name") + len(name)
        return Mention(match.start(), end, "name", match.string[match.start():end], person=person, role=title)


# Titles that only ever precede a person, so the one word after them is a surname.
_PERSON_TITLE = re.compile(r"(?:Mr\.|Mrs\.|Ms\.|Dr\.|President|Prime Minister|Minister|Secretary|Senator|Sen\.|"
                           r"Ambassador|Rep\.|Representative|Governor|Mayor|King|Queen|Prince|Emir|Sultan|Premier|"
                           r"Chancellor|Spokesperson|Spokesman|Spokeswoman|Envoy|Professor|Prof\.|Pope|Admiral)$")


def strip_possessive(name: str) -> str:
    return re.sub(r"['’]s$", "", name.strip())


_TITLE_WORD = re.compile(rf"^(?:{TITLES})$|^(?:of|the|for|and|Deputy|Acting|First|Foreign|Defence|Defense|"
                         rf"Prime|Vice|Presidential|Press|Executive|General|Special|Federal|State)$")


def name_in_label(label: str) -> str | None:
    """The person's name at the end of a turn label: "President of Russia Vladimir Putin" -> "Vladimir Putin"."""
    tokens = label.split()
    of = max((i for i, t in enumerate(tokens[:-1]) if t == "of"), default=None)
    if of is not None:  # "President of Kazakhstan Kassym-Jomart Tokayev": the word after "of" is the country
        skip = of + 1
        while skip < len(tokens) and tokens[skip] in ("the", "The"):
            skip += 1
        tokens = tokens[skip + 1:]
    name: list[str] = []
    for token in reversed(tokens):
        if _TITLE_WORD.match(token) or token.strip(".,") in NOT_PERSON or not token[0].isupper():
            if re.fullmatch(PARTICLE, token) and name:
                name.insert(0, token)
                continue
            break
        name.insert(0, token)
        if len(name) == 3:
            break
    while name and re.fullmatch(PARTICLE, name[0]):
        name.pop(0)
    return " ".join(name) if len(name) >= 2 else None


def trim_to_person(start: int, name: str) -> tuple[int, str | None]:
    """"Navy Nikolai Yevmenov" -> "Nikolai Yevmenov": keep the tokens after the last non-name word."""
    tokens = name.split(" ")
    cut = max((i + 1 for i, t in enumerate(tokens) if strip_possessive(t.strip(".,")) in NOT_PERSON), default=0)
    if cut == 0:
        return start, name
    rest = tokens[cut:]
    if len(rest) < 2:
        return start, None
    return start + len(" ".join(tokens[:cut])) + 1, " ".join(rest)
