"""Speakers: who said it, for every paragraph.

Diplomatic prose attributes its statements in a few fixed shapes ("X said", "..., said Wang",
"X told the Global Times", transcript labels, speech metadata), so rules over a per-article
registry of names, plus tables of offices (data/roles.yaml) and name variants
(data/people.yaml), resolve surnames, descriptors and pronouns without any model download.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .text import sentences

DATA = Path(__file__).resolve().parents[1] / "data"

SPEECH_VERBS = (
    r"said|says|say|told|tells|noted|notes|stressed|stresses|emphasi[sz]ed|emphasi[sz]es|remarked|"
    r"stated|states|added|adds|underlined|underscored|pointed out|points out|highlighted|warned|"
    r"urged|argued|argues|explained|asserted|insisted|reiterated|declared|announced|affirmed|"
    r"reaffirmed|commented|observed|wrote|writes|mentioned|suggested|proposed|claimed|believes|"
    r"believed|thinks|thought|welcomed|thanked|condemned|asked|called on|called for|expressed|"
    r"recalled|acknowledged|admitted|confirmed|denied|replied|responded|answered|continued|"
    r"concluded|predicted|cautioned|complained|promised|pledged|vowed|hopes|hoped|"
    r"maintained|contended|told reporters|informed|briefed|assured|reported|claims|insists|warns|"
    r"stresses|asserts|suggests|maintains|contends|laid out|lays out|outlined|outlines|set out|"
    r"shared|voiced|conveyed|described|spoke about|spoke of|drew attention|invited|raised|"
    # readouts and stance: what leaders and ministers are reported to have done in words
    r"agreed|agree|discussed|exchanged views|congratulated|praised|critici[sz]ed|accused|rejected|"
    r"tweeted|echoed|saying|urging|committed|recogni[sz]ed|appreciated|reviewed|offered condolences"
)
_VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
_INVERTED_VERBS = re.compile(r"^(?:said|says|noted|added|stressed|remarked|stated|explained|wrote|asked|"
                             r"told|continued|concluded|argued|warned|observed|insisted)$")

_PARTICLE = r"(?:de|da|do|dos|van|von|der|bin|ibn|al|el|la|le|di)"
# A name word: "Lavrov", "Jean-Pierre", "McBath", "O'Brien", an initial "R." or "JD".
_TOKEN = r"(?:[A-Z](?:[a-zà-ÿ]|['’][A-Z])[a-zà-ÿ'’]*(?:[A-Z][a-zà-ÿ'’]+)*(?:-[A-Za-zà-ÿ'’]+)*|[A-Z]\.|[A-Z]{2}(?=\s+[A-Z][a-z]))"
_NAME = rf"{_TOKEN}(?:\s+(?:{_PARTICLE}\s+)?{_TOKEN}){{1,3}}(?:\s+Jr\.)?"
_NAME_RE = re.compile(rf"\b{_NAME}\b")
_TITLES = (
    r"Deputy Prime Minister|Prime Minister|Vice President|President|Foreign Minister|Defen[cs]e Minister|"
    r"Minister|Secretary of State|Secretary-General|Secretary General|Press Secretary|Secretary|"
    r"State Councilor|Chancellor|Ambassador|Spokesperson|Spokesman|Spokeswoman|Special Envoy|Envoy|"
    r"King|Queen|Crown Prince|Prince|Emir|Sultan|Senator|Sen\.|Representative|Rep\.|Governor|Mayor|"
    r"General|Gen\.|Admiral|Director-General|Director|Chairman|Chairwoman|Chair|Speaker|Premier|"
    r"Counselor|Adviser|Advisor|Coordinator|Commissioner|Dr\.|Mr\.|Mrs\.|Ms\.|Professor|Prof\.|"
    r"professor|Pope|Patriarch|Lord|Sir|Leader|Chief|Administrator|Ambassador-at-Large|Lieutenant"
)
_TITLED_NAME = re.compile(rf"\b(?P<title>(?:[A-Z][\w.'’-]*\s+){{0,3}}?(?:{_TITLES}))\s+"
                          rf"(?P<name>{_TOKEN}(?:\s+(?:{_PARTICLE}\s+)?{_TOKEN}){{0,3}})\b")
# Words that make a capitalised run a place, body or thing rather than a person.
_NOT_PERSON = set("""
Council Organisation Organization University Institute Academy Times Agency House Hall Ministry
Committee Party Republic Kingdom Union Nations States Federation Region South North West East
Initiative Forum Bank Fund Court Assembly Office Department Center Centre Group Summit Day Sea
River Street Square Palace Press Security General Affairs Foreign Global International National
China Chinese Russia Russian America American United Europe European Asia Asian Africa African
Beijing Moscow Washington Kyiv Ukraine Ukrainian Gaza Israel Palestine Palestinian Iran Taiwan
Korea Japan India Brazil Turkey Germany France Britain British Kingdom Middle Pacific Atlantic
Arctic Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
June July August September October November December Great People Peoples Communist Political
Bureau Central Social Sciences Studies Cooperation Exchange Judicial Politics Relations School
Western Eastern Northern Southern Administration Congress Senate Parliament Duma Government
Cabinet Kremlin White Oval Room Briefing Conference Treaty Charter Agreement Act Law Plan Program
Programme Strategy Partnership Alliance Organisation NATO BRICS SCO EU UN US USA UK G7 G20 ASEAN
Coast Guard Army Navy Force Forces Air Defense Defence Command Corps Embassy Consulate Mission
The A An In On At For And Of To By With From As It This That These Those We Our Their His Her
Mr Mrs Ms Dr President Minister Secretary Prime Vice Deputy Spokesperson Ambassador Chairman
Thank Thanks Okay Yes No Well So But And Or Now Today Tomorrow Yesterday Also However Meanwhile
Q Question Answer Lady Gentlemen Colleagues Friends Excellency Excellencies Madam Sir Your
God Lord Holy Church Islamic Muslim Christian Jewish Covid COVID Coronavirus Omicron Delta
After Before During Since Until While When Where If Although Because Despite Following Given
Under Over Through Across Among Between Within Without Upon Like Unlike Dear Let Please Here There
En Route Aboard Travel Trip Visit Call Meeting Remarks Statement Readout Welcoming Regarding
Announcing Celebrating Honoring Marking Joint Background Gaggle Bilateral Virtual Roundtable
""".split())
_GROUPS = {
    "experts": "experts", "expert": "experts", "analysts": "analysts", "analyst": "analysts",
    "officials": "officials", "official": "officials", "sources": "sources", "source": "sources",
    "observers": "observers", "diplomats": "diplomats", "scholars": "scholars", "insiders": "sources",
    "critics": "critics", "economists": "economists", "researchers": "scholars", "commentators": "analysts",
    "authorities": "officials", "reporters": "reporters", "journalists": "reporters",
}
_GROUP_RE = re.compile(r"\b(?P<adj>(?:[A-Za-z-]+\s+){0,2}?)(?P<noun>(?i:" + "|".join(sorted(_GROUPS, key=len, reverse=True))
                       + r"))\b(?P<tail>\s+(?:familiar with|close to|at|from|in|of)\b[^,.;\"“”]{0,60})?")
_PRONOUN = re.compile(r"\b(?P<pronoun>[Hh]e|[Ss]he)\b")
_COLLECTIVE = re.compile(r"\b(?:both sides|the two sides|both ministers|the two ministers|the sides)\b", re.I)
# "The presidents stated that ...": the two people the article is about.
_PRINCIPALS = re.compile(r"\b(?:the two leaders|both leaders|the leaders|the presidents|the two presidents|"
                         r"both presidents|the heads of state|the two heads of state|the prime ministers)\b", re.I)
# "President Biden spoke today with President Xi": a call or talks, both sides speak.
_CONVERSATION = re.compile(r"^(?:,?\s*Jr\.?,?)?\s*(?:(?:also|today|again|earlier today|by phone|by telephone|on \w+)\s+)*"
                           r"(?:spoke|speaks|talked|held (?:a )?(?:phone |telephone )?(?:call|talks|conversation)|"
                           r"had a (?:phone |telephone )?(?:call|conversation)|had talks)\b[^.;]{0,40}?\bwith\s+$")
_STATEMENT_TITLE = re.compile(r"^(?:Statement|Remarks|Message|Op-Ed|Letter|Address|Speech|Video Message)s? "
                              r"(?:by|from|of) (?P<author>.+)$")
# A publisher's unqualified "the President" / "the Vice President" is its own country's (data/roles.yaml
# home_countries): the White House's is the US President, the Kremlin's Russia's.
_OWN_OFFICE = re.compile(r"\b[Tt]he (?P<office>Vice President|President)\b(?!['’]s\s+(?:call|meeting)\b)(?!\s+(?:of\b|[A-Z]))")
# Who answers a press conference's "A:" turns: the host its title names ("Foreign Ministry
# Spokesperson Lu Kang's Regular Press Conference on ...", "Press Briefing by Press Secretary Jen Psaki").
_HOST_TITLE = re.compile(r"\b(?:Spokesperson|Spokesman|Spokeswoman|Press Secretary)\s+"
                         r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2}?)(?=['’]s\b|\s+(?:[a-z]|Regular\b)|$)")
_CLOCK_ONLY = re.compile(r"^(?:END\s+)?\d{1,2}:\d{2}\s*[AaPp]\.?[Mm]\.?(?:\s+[A-Z]{2,5})?\.?$")
_APPOSITIVE_GAP = re.compile(r"^\s*(?:,\s*(?:a|an|the|also|who|one|former|then|currently|[a-z])[^\"“”]{0,250}?,)?"
                             r"\s*(?:(?:also|has|had|have|further|then|later|again|once again|repeatedly|"
                             r"publicly|earlier|recently|previously|on \w+|in a statement|in a speech)\s+)*$")
_QUOTE_OPEN = re.compile(r"^\s*[\"“]")
# "I will read a letter from President X": the quoted paragraphs that follow are X's words.
# A greeting or condolence message a head of state's office publishes without naming its sender
# ("Greetings to participants of …": "The message reads, in part: …") is its leader's, to its end.
_MESSAGE_TITLE = re.compile(r"^(?:Greetings|Condolences|Congratulations|Message|Messages)\b")
_MESSAGE_READS = re.compile(r"\b(?:the|his|her) (?:message|letter|telegram|greetings?) (?:reads|says|states)\b", re.I)
_READ_OUT = re.compile(r"\b(?:letter|message|statement|appeal|words)\s+(?:from|of|by|sent by)\b", re.I)
_READ_OUT_AGAIN = re.compile(r"\b(?:this|the|his|her) (?:letter|message|appeal)\b", re.I)
_HONORIFICS = re.compile(r"^(?:MR|MRS|MS|DR|THE|AMBASSADOR|SECRETARY|ADMINISTRATOR|DIRECTOR|GENERAL|"
                         r"ADMIRAL|SENATOR|GOVERNOR|MAYOR|CHAIR|CHAIRMAN|DEPUTY|ACTING|COORDINATOR|"
                         r"COMMISSIONER|SPECIAL|ENVOY|MINISTER|PRIME|PRESIDENT|VICE|FOREIGN|CHANCELLOR|"
                         r"KING|QUEEN|PRINCE|EMIR|SULTAN|LEADER|CHIEF|STAFF|OF|SPEAKER|REPRESENTATIVE)\.?$")
_LABEL_GROUPS = {"Q": "reporters", "QUESTION": "reporters", "REMARK": "reporters", "AUDIENCE MEMBER": "audience",
                 "SENIOR ADMINISTRATION OFFICIAL": "officials", "ADMINISTRATION OFFICIAL": "officials",
                 "SENIOR STATE DEPARTMENT OFFICIAL": "officials", "OFFICIAL": "officials",
                 "PARTICIPANT": "participants", "PARTICIPANTS": "participants", "AUDIENCE": "audience",
                 "MODERATOR": "officials", "OPERATOR": "officials", "REPORTER": "reporters"}
_LABEL_ROLES = {"THE PRESIDENT": "president", "PRESIDENT": "president", "THE VICE PRESIDENT": "vice-president",
                "VICE PRESIDENT": "vice-president", "THE FIRST LADY": None}


def name_key(name: str) -> str:
    """A spelling-insensitive key: "Sergey Lavrov" and "Sergei Lavrov" share one."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    tokens = [t.replace("-", "") for t in re.findall(r"[a-z]+(?:-[a-z]+)*", text)
              if len(t) > 1 and t not in ("jr", "sr", "ii", "iii")]
    out = []
    for token in tokens:
        if len(token) > 3:
            for old, new in (("yy", "y"), ("iy", "y"), ("ey", "ei")):
                if token.endswith(old):
                    token = token[: -len(old)] + new
            if token.endswith("y"):
                token = token[:-1] + "i"
        out.append(token)
    return " ".join(out)


@dataclass
class Role:
    id: str
    aliases: list[str]
    holders: list[dict]

    def holder(self, date: pd.Timestamp | None) -> str | None:
        if date is None or pd.isna(date):
            return self.holders[-1]["name"] if len(self.holders) == 1 else None
        for holder in self.holders:
            start = pd.Timestamp(str(holder.get("from") or "1900-01-01"))
            end = pd.Timestamp(str(holder.get("to") or "2200-01-01"))
            if start <= date < end:
                return holder["name"]
        return None


DEFAULT_TABLES = (DATA / "roles.yaml", DATA / "people.yaml")


@dataclass
class Tables:
    """Offices, home countries of publishers, and known people with their name variants."""
    roles: list[Role] = field(default_factory=list)
    home_countries: dict = field(default_factory=dict)
    canonical: dict = field(default_factory=dict)    # name_key -> canonical name
    by_short: dict = field(default_factory=dict)     # surname or given name key -> [canonical names]

    @classmethod
    def load(cls, *extra: str | Path) -> "Tables":
        tables = cls()
        for path in (*DEFAULT_TABLES, *extra):
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            tables.home_countries.update(data.get("home_countries") or {})
            for role in data.get("roles") or []:
                tables.roles.append(Role(role["id"], list(role.get("aliases") or []), list(role.get("holders") or [])))
            for person in data.get("people") or []:
                tables.add_person(person["name"], person.get("aliases") or [])
        for role in tables.roles:
            for holder in role.holders:
                tables.add_person(holder["name"], [])
        tables._descriptor_re = None
        return tables

    def add_person(self, name: str, aliases: list[str]) -> None:
        for variant in [name, *aliases]:
            self.canonical.setdefault(name_key(variant), name)
        tokens = name_key(name).split()
        for short in {tokens[0], tokens[-1]} if tokens else ():
            names = self.by_short.setdefault(short, [])
            if name not in names:
                names.append(name)

    def canonical_name(self, name: str) -> str:
        return self.canonical.get(name_key(name), name)

    def descriptor_pattern(self) -> re.Pattern | None:
        if self._descriptor_re is None:
            aliases = sorted({a for r in self.roles for a in r.aliases}, key=len, reverse=True)
            self._descriptor_re = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in aliases) + r")\b", re.I) if aliases else False
        return self._descriptor_re or None

    def role_for_alias(self, text: str) -> Role | None:
        lowered = text.lower()
        for role in self.roles:
            if any(a.lower() == lowered for a in role.aliases):
                return role
        return None

    def office_holder(self, office: str, country: str | None, date) -> str | None:
        if not country:
            return None
        for role in self.roles:
            if role.id == f"{office}/{country}":
                return role.holder(date)
        return None


@dataclass
class Mention:
    start: int
    end: int
    kind: str               # name, short, descriptor, pronoun, group, collective
    surface: str
    person: str | None = None
    group: str | None = None
    role: str | None = None


@dataclass
class Attribution:
    speaker: str
    mention: str
    kind: str               # direct, indirect, turn, metadata
    role: str | None = None
    group: bool = False


class ArticleSpeakers:
    """Resolves mentions inside one article, remembering names in the order they appear."""

    def __init__(self, tables: Tables, date=None, source: str = "", title: str = ""):
        self.tables = tables
        self.date = date
        self.country = tables.home_countries.get(source)
        self.people: list[str] = []          # full names, in order of first appearance
        self.recent: list[str] = []          # persons in order of their latest mention
        self.roles: dict[str, str] = {}
        self.last_speaker: str | None = None
        self.last_subject: str | None = None  # first person named in the latest sentence: what "he" means
        self.quote_owner: str | None = None   # whose words a paragraph opening with a quotation mark continues
        for match in _TITLED_NAME.finditer(title or ""):
            self._titled(match)
        for match in _NAME_RE.finditer(title or ""):
            if self._is_person(match.group(0), title, match.end()):
                self.register(match.group(0))
        self.sender = tables.office_holder("president", self.country, date) if _MESSAGE_TITLE.match(title or "") else None
        self.message_owner: str | None = None  # once the message is being read out, its sender speaks
        host = _HOST_TITLE.search(title or "")
        self.host = self.register(host.group("name")) if host else None
        # The publisher's own head of state is the implicit other party of its readouts.
        home_leader = tables.office_holder("president", self.country, date)
        self.recent = ([home_leader] if home_leader else []) + [p for p in self.people if p != home_leader]

    # -- names
    def register(self, name: str, role: str | None = None) -> str:
        name = self.tables.canonical_name(_strip_possessive(name))
        if name not in self.people:
            self.people.append(name)
        if role and name not in self.roles:
            self.roles[name] = role
        return name

    def _in_article(self, token: str, full_names_only: bool) -> str | None:
        """The person named most recently in this article whose given name or surname is `token`."""
        key = name_key(_strip_possessive(token))
        if not key:
            return None
        for person in reversed(self.people):
            tokens = name_key(person).split()
            if tokens and key in (tokens[0], tokens[-1]) and (len(tokens) > 1 or not full_names_only):
                return person
        return None

    def resolve_short(self, token: str) -> str | None:
        """A surname or given name: the last person in this article with it, else a unique known person."""
        person = self._in_article(token, full_names_only=False)
        if person:
            return person
        known = self.tables.by_short.get(name_key(_strip_possessive(token)), [])
        return known[0] if len(known) == 1 else None

    def _is_person(self, name: str, text: str, end: int) -> bool:
        tokens = name.split()
        if any(_strip_possessive(t.strip(".,")) in _NOT_PERSON for t in tokens):
            return False
        if name_key(name) in self.tables.canonical:
            return True
        after = text[end:end + 40]
        return bool(re.match(r"\s*(?:,\s*(?:a|an|the|who|also|former|one|[a-z]+)\b|\s+(?:" + SPEECH_VERBS + r")\b)", after))

    def _titled(self, match: re.Match) -> Mention | None:
        name, title = match.group("name"), match.group("title")
        tokens = name.split()
        # In title-case headlines a name runs into the next words: "Olivia Dalton En Route ...".
        cut = next((i for i, t in enumerate(tokens) if t.strip(".,") in _NOT_PERSON), len(tokens))
        tokens = tokens[:min(cut, 3)]
        if not tokens:
            return None
        name = " ".join(tokens)
        if len(name.split()) == 1:
            person = self.resolve_short(name)
            if person is None:
                return None
        else:
            person = self.register(name, title)
        end = match.start("name") + len(name)
        return Mention(match.start(), end, "name", match.string[match.start():end], person=person, role=title)

    # -- one paragraph
    def mentions(self, text: str) -> list[Mention]:
        found: list[Mention] = []

        def free(start, end):
            return all(end <= m.start or start >= m.end for m in found)

        for match in _TITLED_NAME.finditer(text):
            mention = self._titled(match)
            if mention:
                found.append(mention)
        pattern = self.tables.descriptor_pattern()
        for match in pattern.finditer(text) if pattern else ():
            if not free(match.start(), match.end()) or re.match(r"\s+[A-Z][a-z]", text[match.end():]):
                continue
            role = self.tables.role_for_alias(match.group(0))
            person = role.holder(self.date) if role else None
            if person:
                found.append(Mention(match.start(), match.end(), "descriptor", match.group(0), person=person,
                                     role=match.group(0)))
        for match in _OWN_OFFICE.finditer(text) if self.country else ():
            office = match.group("office").lower().replace(" ", "-")
            person = self.tables.office_holder(office, self.country, self.date)
            if person and free(match.start(), match.end()):
                found.append(Mention(match.start(), match.end(), "descriptor", match.group(0), person=person,
                                     role=match.group("office")))
        for match in _NAME_RE.finditer(text):
            start, name = _trim_to_person(match.start(), match.group(0))
            if name and free(start, match.end()) and self._is_person(name, text, match.end()):
                role = _appositive(text[match.end():])
                found.append(Mention(start, match.end(), "name", name, person=self.register(name, role), role=role))
        for match in re.finditer(r"\b[A-Z][a-zà-ÿ'’-]+\b", text):
            if free(match.start(), match.end()) and match.group(0) not in _NOT_PERSON:
                person = self._in_article(match.group(0), full_names_only=True)
                if person is None and _VERB.match(text, match.end() + 1):
                    person = self.resolve_short(match.group(0))  # "Putin claims ..."
                if person:
                    found.append(Mention(match.start(), match.end(), "short", match.group(0), person=person))
        for match in _GROUP_RE.finditer(text):
            if free(match.start("noun"), match.end("noun")):
                found.append(Mention(match.start(), match.end(), "group", match.group(0).strip(),
                                     group=_GROUPS[match.group("noun").lower()]))
        for match in _PRONOUN.finditer(text):
            found.append(Mention(match.start(), match.end(), "pronoun", match.group(0)))
        for match in _COLLECTIVE.finditer(text):
            found.append(Mention(match.start(), match.end(), "collective", match.group(0)))
        for match in _PRINCIPALS.finditer(text):
            found.append(Mention(match.start(), match.end(), "principals", match.group(0)))
        found.sort(key=lambda m: m.start)
        return found

    def _seen(self, mentions: list[Mention]) -> None:
        for m in mentions:
            if m.person:
                if m.person in self.recent:
                    self.recent.remove(m.person)
                self.recent.append(m.person)

    def attribute(self, text: str, turn_speaker: Attribution | None = None) -> tuple[list[Attribution], list[str]]:
        """Attributions in a paragraph, and the persons it names without quoting them."""
        self._text = text
        mentions = self.mentions(text)
        attributions: list[Attribution] = []
        if turn_speaker:
            attributions.append(turn_speaker)
        quoted = _quoted_spans(text)
        offset = 0
        for sentence in sentences(text):
            start = text.find(sentence, offset)
            offset = start + len(sentence)
            inside = [m for m in mentions if start <= m.start < offset]
            attributions.extend(self._sentence(text, start, offset, inside, quoted))
            attributions.extend(self._conversation(text, inside))
            self._seen(inside)
            subject = next((m.person for m in inside if m.person and m.kind in ("name", "short", "descriptor")
                            and not any(a <= m.start < b for a, b in quoted)), None)
            self.last_subject = subject or self.last_subject
        own = [a for a in attributions if a.kind not in ("metadata", "turn") and not a.group]
        if self.sender and not own and _MESSAGE_READS.search(text):
            self.message_owner = self.sender
        if not own and self.message_owner:
            attributions.append(Attribution(self.message_owner, "(the message)", "direct"))
        elif not own and self.quote_owner and _QUOTE_OPEN.match(text):
            attributions.append(Attribution(self.quote_owner, "(continued quotation)", "direct"))
        self._follow_quotation(text, mentions, own, quoted)
        persons = [a.speaker for a in attributions if not a.group]
        if persons:
            self.last_speaker = persons[-1]
        mentioned = []
        for m in mentions:
            if m.person and m.person not in persons and m.person not in mentioned and m.kind in ("name", "short"):
                mentioned.append(m.person)
        return attributions, mentioned

    def _follow_quotation(self, text: str, mentions: list[Mention], own: list[Attribution], quoted) -> None:
        """Who a following paragraph that opens with a quotation mark is quoting: the speaker of a
        quote here, a person introduced with a colon, or the author of a letter being read out."""
        persons = [m for m in mentions if m.person and not any(a <= m.start < b for a, b in quoted)]
        letter = _READ_OUT.search(text)
        if letter and any(m.start >= letter.end() for m in persons):
            self.quote_owner = next(m.person for m in persons if m.start >= letter.end())
        elif text.rstrip().endswith(":") and persons:
            self.quote_owner = persons[-1].person
        elif own:
            self.quote_owner = own[-1].speaker if quoted else None
        elif not (_QUOTE_OPEN.match(text) or _READ_OUT_AGAIN.search(text)):
            self.quote_owner = None

    def _sentence(self, text: str, start: int, end: int, mentions: list[Mention], quoted) -> list[Attribution]:
        result = []
        has_quote = any(a < end and b > start for a, b in quoted)
        for verb in _VERB.finditer(text, start, end):
            if any(a <= verb.start() < b for a, b in quoted):
                continue
            kind = "direct" if has_quote else "indirect"
            subject = self._subject_before(text, verb.start(), mentions, quoted)
            if subject is None and _INVERTED_VERBS.match(verb.group(0)):
                subject = self._subject_after(verb.end(), mentions)
            if subject is None and verb.group(0) == "according to":
                subject = self._subject_after(verb.end(), mentions)
            if subject is not None:
                result.extend(self._attributions(subject, mentions, kind))
        for match in re.finditer(r"\baccording to\b", text[start:end]):
            subject = self._subject_after(start + match.end(), mentions)
            if subject is not None:
                result.extend(self._attributions(subject, mentions, "indirect"))
        return result

    @staticmethod
    def _conversation(text: str, mentions: list[Mention]) -> list[Attribution]:
        persons = [m for m in mentions if m.person and m.kind in ("name", "short", "descriptor")]
        for first, second in zip(persons, persons[1:]):
            if _CONVERSATION.match(text[first.end:second.start]):
                return [Attribution(first.person, first.surface, "indirect", first.role),
                        Attribution(second.person, second.surface, "indirect", second.role)]
        return []

    def _subject_before(self, text, verb_start, mentions, quoted) -> Mention | None:
        for mention in reversed([m for m in mentions if m.end <= verb_start]):
            if any(a <= mention.start < b for a, b in quoted):
                continue
            return mention if _APPOSITIVE_GAP.match(text[mention.end:verb_start]) else None
        return None

    def _compound_partner(self, subject: Mention, mentions: list[Mention]) -> Mention | None:
        """"Minister A and Commander B reported ...": A speaks too."""
        before = [m for m in mentions if m.end <= subject.start and m.person]
        if before and re.fullmatch(r"\s+and\s+(?:[A-Za-z-]+\s+){0,8}", self._text[before[-1].end:subject.start]):
            return before[-1]
        return None

    @staticmethod
    def _subject_after(verb_end, mentions) -> Mention | None:
        after = [m for m in mentions if m.start >= verb_end]
        if after and after[0].start - verb_end <= 2 and after[0].kind != "pronoun":
            return after[0]
        return None

    def _attributions(self, subject: Mention, mentions: list[Mention], kind: str) -> list[Attribution]:
        if subject.kind == "group":
            return [Attribution(subject.group, subject.surface, kind, group=True)]
        if subject.kind == "pronoun":
            person = self.last_subject or self.last_speaker
            return [Attribution(person, subject.surface, kind)] if person else []
        if subject.kind == "collective":
            named = [m for m in mentions if m.person and m.end <= subject.start]
            return [Attribution(m.person, m.surface, kind) for m in named]
        if subject.kind == "principals":
            return [Attribution(person, subject.surface, kind) for person in self.recent[-2:]] \
                if len(self.recent) >= 2 else []
        partner = self._compound_partner(subject, mentions)
        if partner is not None:
            return [Attribution(partner.person, partner.surface, kind, partner.role),
                    Attribution(subject.person, subject.surface, kind, subject.role or self.roles.get(subject.person))]
        role = subject.role or self.roles.get(subject.person)
        return [Attribution(subject.person, subject.surface, kind, role)]

    # -- transcript labels and metadata
    def turn(self, label: str) -> Attribution | None:
        upper = label.upper().strip()
        if upper in ("A", "ANSWER"):
            return Attribution(self.host, label, "turn") if self.host else None
        if upper in _LABEL_GROUPS:
            return Attribution(_LABEL_GROUPS[upper], label, "turn", group=True)
        if upper in _LABEL_ROLES:
            office = _LABEL_ROLES[upper]
            person = self.tables.office_holder(office, self.country, self.date) if office else None
            return Attribution(person, label, "turn", role=label.title()) if person else None
        if label.isupper():
            tokens = [t for t in label.split() if not _HONORIFICS.match(t)]
            if not tokens:
                return None
            surname = " ".join(t.title() for t in tokens)
            person = self.resolve_short(tokens[-1].title()) if len(tokens) == 1 else self.register(surname)
            return Attribution(person or surname, label, "turn")
        name = _name_in_label(label)
        if name is None:
            person = self.resolve_short(label) if len(label.split()) == 1 else None
            return Attribution(person, label, "turn") if person else None
        office = label[: len(label) - len(name)].strip() or None
        return Attribution(self.register(name, office), label, "turn", office)


_TITLE_WORD = re.compile(rf"^(?:{_TITLES})$|^(?:of|the|for|and|Deputy|Acting|First|Foreign|Defence|Defense|"
                         rf"Prime|Vice|Presidential|Press|Executive|General|Special|Federal|State)$")


def _name_in_label(label: str) -> str | None:
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
        if _TITLE_WORD.match(token) or token.strip(".,") in _NOT_PERSON or not token[0].isupper():
            if re.fullmatch(_PARTICLE, token) and name:
                name.insert(0, token)
                continue
            break
        name.insert(0, token)
        if len(name) == 3:
            break
    while name and re.fullmatch(_PARTICLE, name[0]):
        name.pop(0)
    return " ".join(name) if len(name) >= 2 else None


def _trim_to_person(start: int, name: str) -> tuple[int, str | None]:
    """"Navy Nikolai Yevmenov" -> "Nikolai Yevmenov": keep the tokens after the last non-name word."""
    tokens = name.split(" ")
    cut = max((i + 1 for i, t in enumerate(tokens) if _strip_possessive(t.strip(".,")) in _NOT_PERSON), default=0)
    if cut == 0:
        return start, name
    rest = tokens[cut:]
    if len(rest) < 2:
        return start, None
    return start + len(" ".join(tokens[:cut])) + 1, " ".join(rest)


def _statement_author(title: str, state: ArticleSpeakers) -> str | None:
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


def _strip_possessive(name: str) -> str:
    return re.sub(r"['’]s$", "", name.strip())


def _appositive(after: str) -> str | None:
    """The role given after a name: "Li Haidong, a professor at the China Foreign Affairs University"."""
    match = re.match(r"\s*,\s*((?:a|an|the|also|former|[a-z]+)\s[^;\"“”]{3,200}?),\s+(?:" + SPEECH_VERBS + r")\b", after) \
        or re.match(r"\s*,\s*((?:a|an|the|also|former)\s[^,;\"“”]{3,160}?)(?=[,.]|$)", after)
    return match.group(1).strip() if match else None


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[\"“][^\"“”]{2,}?[\"”]", text)]


def attribute_article(paragraphs: pd.DataFrame, tables: Tables, published=None, source: str = "",
                      title: str = "", speaker: str | None = None, speaker_role: str | None = None) -> list[dict]:
    """Speakers, groups, mentioned persons and attribution records for each paragraph of one article."""
    state = ArticleSpeakers(tables, published, source, title)
    if not speaker:
        speaker = _statement_author(title, state)
    metadata = Attribution(tables.canonical_name(speaker), speaker, "metadata", speaker_role) if speaker else None
    results = []
    turns: dict[str, Attribution | None] = {}
    for row in paragraphs.itertuples(index=False):
        turn = None
        if metadata:
            turn = metadata
        elif row.turn:
            if row.turn not in turns:
                turns[row.turn] = state.turn(row.turn)
            turn = turns[row.turn]
        if row.kind in ("heading", "caption") or _CLOCK_ONLY.match(row.text):
            state.mentions(row.text)  # a caption still introduces names ("Foreign Minister Anna Kovalenko")
            attributions, mentioned = [], []
        else:
            attributions, mentioned = state.attribute(row.text, turn)
        speakers, groups, records = [], [], []
        for a in attributions:
            bucket = groups if a.group else speakers
            if a.speaker and a.speaker not in bucket:
                bucket.append(a.speaker)
            records.append({"speaker": a.speaker, "mention": a.mention, "kind": a.kind, "role": a.role,
                            "group": a.group})
        results.append({"speakers": speakers, "speaker_groups": groups,
                        "mentioned": [m for m in mentioned if m not in speakers], "attributions": records})
    return results


def attribute(articles: pd.DataFrame, paragraphs: pd.DataFrame, tables: Tables | None = None,
              merge: bool = True) -> pd.DataFrame:
    """Add speakers, speaker_groups, mentioned and attributions columns to the paragraphs table,
    then (with `merge`) merge spelling variants of one name across articles under its most
    frequent form."""
    tables = tables or Tables.load()
    columns = {"speakers": [], "speaker_groups": [], "mentioned": [], "attributions": []}
    meta = articles.set_index("article_id")
    for article_id, group in paragraphs.groupby("article_id", sort=False):
        a = meta.loc[article_id]
        text = lambda value: value if isinstance(value, str) and value else None  # noqa: E731
        rows = attribute_article(group, tables, a["published"] if pd.notna(a["published"]) else None,
                                 a["source"], a["title"], text(a.get("speaker")), text(a.get("speaker_role")))
        for key in columns:
            columns[key].extend((idx, r[key]) for idx, r in zip(group.index, rows))
    out = paragraphs.copy()
    for key, values in columns.items():
        series = pd.Series(dict(values), dtype=object).reindex(out.index)
        out[key] = series.apply(lambda v: v if isinstance(v, list) else [])
    return merge_variants(out, tables) if merge else out


def merge_variants(paragraphs: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    counts: dict[str, dict[str, int]] = {}
    for names in list(paragraphs["speakers"]) + list(paragraphs["mentioned"]):
        for name in names:
            counts.setdefault(name_key(name), {}).setdefault(name, 0)
            counts[name_key(name)][name] += 1
    chosen = {}
    for key, variants in counts.items():
        preferred = tables.canonical.get(key) or max(variants, key=lambda n: (variants[n], len(n)))
        for variant in variants:
            chosen[variant] = preferred
    if all(k == v for k, v in chosen.items()):
        return paragraphs
    rename = lambda names: list(dict.fromkeys(chosen.get(n, n) for n in names))  # noqa: E731
    paragraphs["speakers"] = paragraphs["speakers"].apply(rename)
    paragraphs["mentioned"] = paragraphs["mentioned"].apply(rename)
    paragraphs["attributions"] = paragraphs["attributions"].apply(
        lambda records: [{**r, "speaker": chosen.get(r["speaker"], r["speaker"]) if not r["group"] else r["speaker"]}
                         for r in records])
    return paragraphs
