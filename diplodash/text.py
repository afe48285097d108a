"""Text clean-up and sentence splitting shared by the article and paragraph stages."""
from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def clean(text: str) -> str:
    """Collapse all whitespace (non-breaking spaces and hard wraps included) to single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def strip_markup(text: str) -> str:
    """Remove stray inline HTML tags and Markdown backslash escapes from plain text."""
    return _MARKDOWN_ESCAPE.sub(r"\1", _TAG.sub("", text))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


# Chinese and Japanese are written without spaces: each Han or kana character counts as a word
# (about a token for a multilingual model), so a paragraph's size and its windows mean the same in
# every language.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def count_words(text: str) -> int:
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    return cjk + sum(any(ch.isalnum() for ch in token) for token in _CJK.sub(" ", text).split())


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def fingerprint(text: str) -> str:
    """A key that ignores case, punctuation and whitespace, for spotting the same text twice."""
    return digest(" ".join(words(text)))


def digest(text: str, size: int = 16) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()


# Tokens that end with a full stop without ending a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "lt", "col", "maj", "capt", "sgt",
    "sen", "rep", "gov", "pres", "amb", "hon", "rev", "no", "nos", "vs", "etc", "e.g", "i.e", "inc",
    "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "u.s", "u.n", "u.k", "e.u", "a.m", "p.m", "approx", "fig", "art", "para", "cf",
}
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9А-ЯЁ])"  # Latin and Cyrillic capitals
                       r"|[。！？]+[”’」』）)]*\s*(?=\S)")  # Chinese: the full stop ends it, no space follows


def sentences(text: str) -> list[str]:
    """Split text into sentences with rules that know common abbreviations and initials."""
    result, start = [], 0
    for match in _BOUNDARY.finditer(text):
        before = text[start:match.start() + 1].split()
        last = before[-1].rstrip(".").lower() if before else ""
        if match.group(0)[0] == "." and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        result.append(text[start:match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        result.append(tail)
    return result


def windows(text: str, max_words: int = 150) -> list[str]:
    """Group whole sentences into chunks of at most max_words; a longer sentence is cut by words."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in sentences(text):
        n = count_words(sentence)
        if n > max_words:
            if current:
                chunks.append(_join(current))
                current, size = [], 0
            if _CJK.search(sentence):  # no spaces to cut at: cut by characters
                chunks.extend(sentence[i:i + max_words] for i in range(0, len(sentence), max_words))
            else:
                tokens = sentence.split()
                chunks.extend(" ".join(tokens[i:i + max_words]) for i in range(0, len(tokens), max_words))
            continue
        if size + n > max_words and current:
            chunks.append(_join(current))
            current, size = [], 0
        current.append(sentence)
        size += n
    if current:
        chunks.append(_join(current))
    return chunks


def _join(parts: list[str]) -> str:
    """Sentences joined as the language writes them: Chinese ones without a space between."""
    text = parts[0]
    for part in parts[1:]:
        text += part if _CJK.match(part[:1]) and text[-1:] in "。！？”’」』）)" else " " + part
    return text
