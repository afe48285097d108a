"""Words and shapes of attribution: reporting and stance cues, titles, groups, transcript labels.

The parser decides *who* is the subject of a cue; these tables decide *what* counts as a cue and
what a capitalised run of words can be. Kept in one place so that every component agrees.
"""
from __future__ import annotations

import re

# Verbs of saying and stance, by lemma. A statement's speaker is the subject of one of these.
CUE_VERBS = set("""
say tell note stress emphasize emphasise remark state add underline underscore highlight warn urge argue
explain assert insist reiterate declare announce affirm reaffirm comment observe write mention suggest
propose claim believe think welcome thank condemn ask express recall acknowledge admit confirm deny reply
respond answer conclude predict caution complain promise pledge vow hope contend inform brief assure report
outline voice convey describe agree discuss congratulate praise criticize criticise accuse reject tweet echo
commit recognize recognise appreciate review demand dismiss reveal clarify recommend request appeal hail
regret deplore understand estimate blame concede reaffirm recount lament doubt question stipulate specify
elaborate indicate advise encourage invite
""".split())
# Verbs that are cues only in one construction: the particle, preposition or object they need.
CONDITIONAL_VERBS = {
    "point": {"prt": {"out"}}, "lay": {"prt": {"out"}}, "set": {"prt": {"out", "forth"}},
    "call": {"prep": {"for", "on", "upon"}}, "speak": {"prep": {"about", "of", "on"}},
    "exchange": {"dobj": {"view", "views", "opinion", "opinions"}},
    "offer": {"dobj": {"condolence", "condolences", "congratulation", "congratulations"}},
    "share": {"dobj": {"view", "views", "assessment", "assessments", "thought", "thoughts", "opinion",
                       "concern", "concerns", "vision", "perspective", "position"}},
    "raise": {"dobj": {"concern", "concerns", "issue", "issues", "question", "questions", "matter", "point"}},
    "draw": {"dobj": {"attention"}}, "maintain": {"ccomp": None}, "continue": {"ccomp": None},
}
# Nouns that report speech when their source follows: "the announcement by X", "a statement from X".
CUE_NOUNS = set("""
statement remarks remark comments comment announcement words warning tweet
appeal assessment position view views call proposal pledge promise claim request
""".split())
_FORMS = {"say": "said says saying", "tell": "told tells telling", "write": "wrote written writes writing",
          "think": "thought thinks thinking", "speak": "spoke spoken speaks speaking", "lay": "laid lays laying",
          "set": "sets setting", "understand": "understood understands understanding", "draw": "drew drawn draws",
          "commit": "committed commits committing", "admit": "admitted admits admitting",
          "regret": "regretted regrets regretting", "question": "questioned questions questioning",
          "offer": "offered offers offering", "answer": "answered answers answering",
          "voice": "voiced voices voicing", "echo": "echoed echoes echoing"}


def inflections(lemma: str) -> set[str]:
    """The forms a regular English verb takes: "note" -> note, notes, noted, noting."""
    if lemma in _FORMS:
        return {lemma, *_FORMS[lemma].split()}
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    third = lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x", "z")) else "s")
    return {lemma, third, stem + "ed", stem + "ing"}


LEMMA = {form: lemma for lemma in sorted(CUE_VERBS | set(CONDITIONAL_VERBS)) for form in inflections(lemma)}
# Verbs that are also common nouns ("the United States", "a report", "thanks"): their bare and -s
# forms alone do not make a sentence worth parsing; "stated", "reporting" and the rest still do.
_NOUN_LIKE = set("""
state note report view call point set question address comment claim answer review hope share raise offer
demand doubt request appeal estimate blame pledge promise welcome regret thank concern voice echo outline
question brief tweet lament commit continue exchange draw lay speak maintain praise
""".split())
_CUE_WORDS = sorted({f for f, lemma in LEMMA.items()
                     if not (lemma in _NOUN_LIKE and f in (lemma, lemma + "s", lemma + "es"))}
                    | {"according to"}, key=len, reverse=True)
_NOUN_CUE = r"(?:" + "|".join(sorted(CUE_NOUNS, key=len, reverse=True)) + r")\s+(?:\w+\s+){0,2}?(?:by|from)"
# Which sentences are worth parsing: any that holds a cue word in a verb form, or a cue noun with its source.
MAY_ATTRIBUTE = re.compile(r"\b(?:" + "|".join(_CUE_WORDS) + r"|" + _NOUN_CUE + r")\b", re.I)

# The older surface list, kept for shape tests that need no parse ("Li Wei, a researcher ..., said").
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
    r"agreed|agree|discussed|exchanged views|congratulated|praised|critici[sz]ed|accused|rejected|"
    r"tweeted|echoed|saying|urging|committed|recogni[sz]ed|appreciated|reviewed|offered condolences"
)
VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b")

PARTICLE = r"(?:de|da|do|dos|van|von|der|bin|ibn|al|el|la|le|di)"
# A name word: "Lavrov", "Jean-Pierre", "McBath", "O'Brien", an initial "R." or "JD".
TOKEN = r"(?:[A-Z](?:[a-zà-ÿ]|['’][A-Z])[a-zà-ÿ'’]*(?:[A-Z][a-zà-ÿ'’]+)*(?:-[A-Za-zà-ÿ'’]+)*|[A-Z]\.|[A-Z]{2}(?=\s+[A-Z][a-z]))"
REGNAL = r"(?:\s+(?:Jr\.|[IVX]{1,4}\b(?!\.\w)))?"  # "Joseph R. Biden Jr.", "King Mohammed VI"
NAME = re.compile(rf"\b{TOKEN}(?:\s+(?:{PARTICLE}\s+)?{TOKEN}){{1,3}}{REGNAL}\b")
TITLES = (
    r"Deputy Prime Minister|Prime Minister|Vice President|President|Foreign Minister|Defen[cs]e Minister|"
    r"Minister|Secretary of State|Secretary-General|Secretary General|Press Secretary|Secretary|"
    r"State Councilor|Chancellor|Ambassador|Spokesperson|Spokesman|Spokeswoman|Special Envoy|Envoy|"
    r"King|Queen|Crown Prince|Prince|Emir|Sultan|Senator|Sen\.|Representative|Rep\.|Governor|Mayor|"
    r"General|Gen\.|Admiral|Director-General|Director|Chairman|Chairwoman|Chair|Speaker|Premier|"
    r"Counselor|Adviser|Advisor|Coordinator|Commissioner|Dr\.|Mr\.|Mrs\.|Ms\.|Professor|Prof\.|"
    r"professor|Pope|Patriarch|Lord|Sir|Leader|Chief|Administrator|Ambassador-at-Large|Lieutenant"
)
TITLED_NAME = re.compile(rf"\b(?P<title>(?:[A-Z][\w.'’-]*\s+){{0,3}}?(?:{TITLES}))\s+"
                         rf"(?P<name>{TOKEN}(?:\s+(?:{PARTICLE}\s+)?{TOKEN}){{0,3}}{REGNAL})\b")
# "The Prime Minister congratulated ...": an office named without its holder.
BARE_OFFICE = re.compile(r"\b[Tt]he (?P<title>Deputy Prime Minister|Prime Minister|Chancellor|Foreign Minister|"
                         r"Secretary-General|Secretary General|Secretary|Minister|Premier|Emir|King|Queen|"
                         r"Crown Prince|Sultan|Ambassador|Spokesperson|Spokesman|Spokeswoman|Governor|Mayor|"
                         r"Senator|Chairman|Chair|Envoy|Special Envoy)\b(?!\s+(?:of\b|[A-Z]))")
MALE = re.compile(r"\b(?:Mr\.?|Sir|King|Prince|Crown Prince|Sheikh|Emir|Sultan|Pope|Patriarch|Lord|"
                  r"[Ss]pokesman|[Cc]hairman)\b")
FEMALE = re.compile(r"\b(?:Mrs\.?|Ms\.?|Madam|Madame|Queen|Princess|Lady|Dame|Sheikha|[Ss]pokeswoman|[Cc]hairwoman)\b")

# Words that make a capitalised run a place, body or thing rather than a person.
NOT_PERSON = set("""
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
Service Board Treasury Crossing Year Agreements War Video Aide Research Policy Capitol
Economic Economy Development Finance Health Education Energy Trade Industry Justice Interior Labour Labor
Agriculture Transport Culture Science Digital Emergencies Natural Resources Construction Sport Sports
Communications Technology Staff Presidential Executive Office Commander Spokesperson
Governor Director Envoy Commissioner Mayor Senator Adviser Advisor Chief Head Gentleman Territory Province
""".split())
GROUPS = {
    "experts": "experts", "expert": "experts", "analysts": "analysts", "analyst": "analysts",
    "officials": "officials", "official": "officials", "sources": "sources", "source": "sources",
    "observers": "observers", "diplomats": "diplomats", "scholars": "scholars", "insiders": "sources",
    "critics": "critics", "economists": "economists", "researchers": "scholars", "commentators": "analysts",
    "authorities": "officials", "reporters": "reporters", "journalists": "reporters",
    "participants": "participants", "specialists": "experts", "politicians": "politicians",
    "lawmakers": "politicians", "legislators": "politicians",
}
GROUP = re.compile(r"\b(?P<adj>(?:[A-Za-z-]+\s+){0,2}?)(?P<noun>(?i:" + "|".join(sorted(GROUPS, key=len, reverse=True))
                   + r"))\b(?P<tail>\s+(?:familiar with|close to|at|from|in|of)\b[^,.;\"“”]{0,60})?")
PRONOUN = re.compile(r"\b(?P<pronoun>[Hh]e|[Ss]he)\b")
COLLECTIVE = re.compile(r"\b(?:both sides|the two sides|both ministers|the two ministers|the sides)\b", re.I)
# "The presidents stated that ...": the two people the article is about.
PRINCIPALS = re.compile(r"\b(?:the two leaders|both leaders|the leaders|the presidents|the two presidents|"
                        r"both presidents|the heads of state|the two heads of state|the prime ministers|"
                        r"the parties|both parties|the two parties|the interlocutors)\b", re.I)
COUNTERPART = re.compile(r"\b(?:his|her|their) (?:\w+ )?counterparts?\b", re.I)
# "President of France Emmanuel Macron": an office of a country, then the holder's name.
OFFICE_OF = re.compile(rf"\b(?P<office>(?:{TITLES}) of (?:the )?)(?P<rest>(?:[A-Z][\w'’.-]*(?: (?:and|of|the|{PARTICLE}))? ){{1,6}}[A-Z][\w'’-]*)")
BARE_OFFICE_OF = re.compile(rf"\b[Tt]he (?P<title>(?:{TITLES}) of (?:the )?[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)(?!\s+[A-Z])")
# Bodies that speak: "the Foreign Ministry said", "the Kremlin said", "the embassy warned".
BODY_NOUNS = set("""
ministry government kremlin embassy consulate department administration office council commission
committee agency service court parliament duma senate congress cabinet mission bank union secretariat
""".split())
ORGANISATION_LABELS = {"ORG", "GPE", "NORP"}
NOT_PERSON_LABELS = {"ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "DATE", "LAW", "WORK_OF_ART", "PRODUCT",
                     "LANGUAGE", "TIME", "MONEY", "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL"}
