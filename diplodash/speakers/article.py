"""Who speaks in each paragraph of one article, read in order: the subject of every cue in the
parse, resolved through the article's names, offices, pronouns and readout conventions."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import sentences
from .lexicon import BODY_NOUNS, NOT_PERSON, ORGANISATION_LABELS
from .mentions import Mention, find_mentions
from .names import ArticleNames, strip_possessive
from .parser import Parse, Subject
from .tables import Tables

# "President Biden spoke today with President Xi": a call or talks, both sides speak.
_CONVERSATION = re.compile(r"^(?:,?\s*Jr\.?,?)?\s*(?:(?:also|today|again|earlier today|by phone|by telephone|on \w+)\s+)*"
                           r"(?:spoke|speaks|talked|held (?:a )?(?:phone |telephone )?(?:call|talks|conversation)|"
                           r"had a (?:phone |telephone )?(?:call|conversation)|had talks|met)\b[^.;]{0,40}?\bwith\s+$")
_OFFICE_HEADS = {"commander", "chief", "head", "minister", "secretary", "director", "chairman", "chair", "governor",
                 "president", "envoy", "ambassador", "representative", "spokesperson", "spokesman", "spokeswoman",
                 "adviser", "advisor", "deputy", "speaker", "leader", "prosecutor", "mayor", "ceo"}
_NOT_A_BODY = re.compile(r"^(?:(?:Admiral|General|Jr|Sr|Digital|Article|Section|Title|Chapter|Mr|Mrs|Ms|Dr)\b|"
                         r"(?:National Security |Senior |Deputy |Special )?(?:Advis[oe]r|Secretary|Director|Coordinator)$)")
_QUOTE_OPEN = re.compile(r"^\s*[\"“]")
# A greeting or condolence message a head of state's office publishes without naming its sender
# ("Greetings to participants of …": "The message reads, in part: …") is its leader's, to its end.
_MESSAGE_TITLE = re.compile(r"^(?:Greetings|Condolences|Congratulations|Message|Messages)\b")
_MESSAGE_READS = re.compile(r"\b(?:the|his|her) (?:message|letter|telegram|greetings?) (?:reads|says|states)\b", re.I)
# "I will read a letter from President X": the quoted paragraphs that follow are X's words.
_READ_OUT = re.compile(r"\b(?:letter|message|statement|appeal|words)\s+(?:from|of|by|sent by)\b", re.I)
_READ_OUT_AGAIN = re.compile(r"\b(?:this|the|his|her) (?:letter|message|appeal)\b", re.I)


@dataclass
class Attribution:
    speaker: str
    mention: str
    kind: str               # direct, indirect, turn, metadata
    role: str | None = None
    group: bool = False
    organisation: bool = False


class ArticleSpeakers:
    """Resolves the attributions of one article's paragraphs, remembering who was named and who spoke."""

    def __init__(self, tables: Tables, date=None, source: str = "", title: str = ""):
        self.tables, self.date = tables, date
        self.country = tables.home_countries.get(source)
        self.names = ArticleNames(tables, title, tables.office_holder("president", self.country, date))
        self.last_speaker: str | None = None
        self.last_subject: str | None = None  # first person named in the latest sentence: what "he" means
        self.quote_owner: str | None = None   # whose words a paragraph opening with a quotation mark continues
        self.organisations: list[str] = []
        self.places: set[str] = set()         # what the parse called a place or body anywhere in the article
        self.host: str | None = None          # who answers a press conference's questions
        self.text = ""                        # the whole article's text
        self.answering: str | None = None     # the person whose turn came last: whom a reporter's "you" means
        self.sender = tables.office_holder("president", self.country, date) if _MESSAGE_TITLE.match(title or "") else None
        self.message_owner: str | None = None  # once the message is being read out, its sender speaks

    def mentions(self, text: str, entities=(), parsed=()) -> list[Mention]:
        return find_mentions(text, self.names, self.tables, self.date, self.country, entities, parsed)

    def attribute(self, text: str, turn_speaker: Attribution | None, parses: dict[str, Parse]):
        """Attributions in a paragraph, and the persons it names without quoting them."""
        pieces, offset = [], 0
        for sentence in sentences(text):
            start = text.find(sentence, offset)
            offset = start + len(sentence)
            parse = parses.get(sentence)
            pieces.append((start, offset, parse.shifted(start) if parse else None))
        entities = [e for _, _, p in pieces if p for e in p.entities]
        self.places.update(w for a, b, label in entities if label in ("GPE", "LOC", "FAC", "NORP", "ORG")
                           for w in text[a:b].split())
        mentions = self.mentions(text, entities, [(a, b) for a, b, p in pieces if p])
        attributions = [turn_speaker] if turn_speaker else []
        quoted = _quoted_spans(text)
        for start, end, parse in pieces:
            inside = [m for m in mentions if start <= m.start < end]
            for cue in parse.cues if parse else ():
                if any(a <= cue.start < b for a, b in quoted):
                    continue
                kind = "direct" if any(a < end and b > start for a, b in quoted) else "indirect"
                for subject in cue.subjects:
                    attributions.extend(self._speaker(text, subject, mentions, entities, kind, turn_speaker))
            attributions.extend(_conversation(text, inside))
            for m in inside:
                if m.person:
                    self.names.seen(m.person)
            subject = next((m.person for m in inside if m.person and m.person not in self.names.unconfirmed
                            and m.kind in ("name", "short", "descriptor")
                            and not any(a <= m.start < b for a, b in quoted)), None)
            self.last_subject = subject or self.last_subject
        own = [a for a in attributions if a.kind not in ("metadata", "turn") and not a.group and not a.organisation]
        if self.sender and not own and _MESSAGE_READS.search(text):
            self.message_owner = self.sender
        if not own and self.message_owner:
            attributions.append(Attribution(self.message_owner, "(the message)", "direct"))
        elif not own and self.quote_owner and _QUOTE_OPEN.match(text):
            attributions.append(Attribution(self.quote_owner, "(continued quotation)", "direct"))
        self.quote_owner = _quote_owner(text, mentions, own, quoted, self.quote_owner)
        persons = [a.speaker for a in attributions if not a.group and not a.organisation]
        if persons:
            self.last_speaker = persons[-1]
        mentioned = []
        for m in mentions:
            if m.person and m.person not in persons and m.person not in mentioned and m.kind in ("name", "short"):
                mentioned.append(m.person)
        return attributions, mentioned

    def _speaker(self, text, subject: Subject, mentions, entities, kind, turn_speaker) -> list[Attribution]:
        """Who a cue's subject is: a mention it covers, an apposition, a person or body the parse names."""
        head = [m for m in mentions if m.start <= subject.head_start and subject.head_end <= m.end]
        span = head or [m for m in mentions if subject.start <= m.start and m.end <= subject.head_end
                        and m.kind in ("descriptor", "group", "name")
                        and not re.match(r"['’]s\b", text[m.end:])]  # "Joe Biden's administration": a possessor
        if span:
            return self._attributions(span[-1], mentions, kind)
        word = text[subject.head_start:subject.head_end]
        if word.lower().split("-")[0] in _OFFICE_HEADS:  # "Commander-in-Chief of the Navy Nikolai Yevmenov"
            named = [m for m in mentions if subject.head_end <= m.start and m.end <= subject.end and m.kind == "name"
                     and not re.search(r"\b(?:for|to|with)\b|['’]s\b", text[subject.head_end:m.start])]
            if named:
                return self._attributions(named[0], mentions, kind)
        for apposition in subject.appositions:
            found = self._speaker(text, apposition, mentions, entities, kind, turn_speaker)
            if found:
                return found
        if word.lower() == "you" and turn_speaker is not None and turn_speaker.group and (self.answering or self.host):
            return [Attribution(self.answering or self.host, word, kind)]  # a reporter: "as you said yesterday", "you mentioned"
        entity = next(((a, b, label) for a, b, label in entities if a <= subject.head_start < b), None)
        if entity and entity[2] == "PERSON" and word[:1].isupper():
            person = self.names.resolve_short(word)
            bare = strip_possessive(word)
            if person is None and bare not in self.places and bare not in NOT_PERSON and turn_speaker is None:
                # "Kukura said": a surname on its own. Unconfirmed: a one-word PERSON entity is as often
                # a country or body the model does not know, so it never stands for "the two leaders".
                person = self.names.register(bare, confirmed=False)
            return [Attribution(person, word, kind)] if person else []
        if turn_speaker is not None and (entity is None or entity[2] != "ORG"):
            return []  # "China opposes ...", "the government believes": the speaker's own voice
        name = None
        if entity and entity[2] in ORGANISATION_LABELS and word[:1].isupper():
            name = _organisation_name(text[entity[0]:entity[1]])
        elif word.lower() in BODY_NOUNS:
            phrase = _organisation_name(text[subject.start:subject.head_end])
            name = phrase if phrase[:1].isupper() else next(
                (o for o in reversed(self.organisations) if word.lower() in o.lower()), None)
        if not name or _NOT_A_BODY.match(name) or self.names.in_article(name.split()[-1], full_names_only=True):
            return []  # "Admiral", "Jr", "Kassym-Jomart Tokayev": a title or a person the parse took for a body
        if name not in self.organisations:
            self.organisations.append(name)
        return [Attribution(name, text[subject.start:subject.head_end], kind, organisation=True)]

    def _attributions(self, subject: Mention, mentions: list[Mention], kind: str) -> list[Attribution]:
        if subject.kind == "group":
            return [Attribution(subject.group, subject.surface, kind, group=True)]
        if subject.kind == "pronoun":
            candidates = [self.last_subject, self.last_speaker, *reversed(self.names.recent)]
            person = next((p for p in candidates if p and self.names.agrees(p, subject.surface)), None)
            return [Attribution(person, subject.surface, kind)] if person else []
        if subject.kind == "collective":
            named = [m for m in mentions if m.person and m.end <= subject.start]
            return [Attribution(m.person, m.surface, kind) for m in named]
        if subject.kind == "counterpart":  # "his counterpart": the other of the two principals
            others = [p for p in self.names.recent[-2:] if p != self.last_subject]
            return [Attribution(others[-1], subject.surface, kind)] if len(self.names.recent) >= 2 and others else []
        if subject.kind == "principals":
            recent = self.names.recent
            return [Attribution(p, subject.surface, kind) for p in recent[-2:]] if len(recent) >= 2 else []
        role = subject.role or self.names.roles.get(subject.person)
        return [Attribution(subject.person, subject.surface, kind, role)]

def _conversation(text: str, mentions: list[Mention]) -> list[Attribution]:
    """"President Biden spoke today with President Xi": both sides of a call or talks speak."""
    persons = [m for m in mentions if m.person and m.kind in ("name", "short", "descriptor")]
    for first, second in zip(persons, persons[1:]):
        if first.person != second.person and _CONVERSATION.match(text[first.end:second.start]):
            return [Attribution(first.person, first.surface, "indirect", first.role),
                    Attribution(second.person, second.surface, "indirect", second.role)]
    return []


def _quote_owner(text: str, mentions: list[Mention], own: list[Attribution], quoted, current: str | None) -> str | None:
    """Who a following paragraph that opens with a quotation mark is quoting: the speaker of a
    quote here, a person introduced with a colon, or the author of a letter being read out."""
    persons = [m for m in mentions if m.person and not any(a <= m.start < b for a, b in quoted)]
    letter = _READ_OUT.search(text)
    if letter and any(m.start >= letter.end() for m in persons):
        return next(m.person for m in persons if m.start >= letter.end())
    if text.rstrip().endswith(":") and persons:
        return persons[-1].person
    if own:
        return own[-1].speaker if quoted else None
    if _QUOTE_OPEN.match(text) or _READ_OUT_AGAIN.search(text):
        return current
    return None


def _organisation_name(phrase: str) -> str:
    """"the Russian Foreign Ministry's" -> "Russian Foreign Ministry"."""
    return strip_possessive(re.sub(r"^(?:the|The|a|an)\s+", "", phrase.strip())).strip(" ,.")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[\"“][^\"“”]{2,}?[\"”]", text)]
