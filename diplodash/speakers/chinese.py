"""Who speaks in Chinese running text: "王毅表示", "美国国务卿布林肯日前称", "普京总统在会谈中强调".

Person names come from jieba's part-of-speech tagger (its `nr` tags: person names, `nrfg`, `nrt`
transliterated ones), with every Chinese variant in data/people.yaml added to its dictionary so
that a known person is always one word. A name is a speaker when a verb of saying or stance
follows it within its clause (before the next comma or full stop), as the English cue lexicon
does for "said", "stressed". Names split in two by the tagger ("布" + "林肯") or joined by the
interpunct ("安东尼·布林肯") are joined back. The name is given as the tables give it (汪文斌 =
Wang Wenbin), else as written.
"""
from __future__ import annotations

import logging
import re
import threading

from .tables import Tables

CUES = frozenset("表示 说 指出 强调 称 认为 宣布 回应 重申 介绍 呼吁 提出 主张 阐述 表态 透露 坦言 警告 声称 宣称 "
                 "指责 批评 承认 否认 称赞 赞赏 感谢 谴责 敦促 希望 回答 答问 致辞 讲话 发言 坚称 声明 证实 "
                 "说道 谈到 提到".split())
NAME_TAGS = ("nr", "nrfg", "nrt")
_CLAUSE_END = set("，。；：！？、,.;:!?\"“”‘’（）()《》")
_LOOKAHEAD = 8  # tokens after a name in which its verb may come (titles, time words, "在会谈中")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LOCK = threading.Lock()
_TAGGER = None
_KNOWN: set[str] = set()


def _tagger(tables: Tables):
    """jieba's tagger with the tables' Chinese names added as person names (once per process)."""
    global _TAGGER
    with _LOCK:
        if _TAGGER is None:
            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            _TAGGER = jieba.posseg
        for name in _chinese_names(tables) - _KNOWN:
            _TAGGER.dt.add_word(name, 10_000, "nr")  # the dictionary is shared by the tokenizer and the tagger
            _KNOWN.add(name)
    return _TAGGER


def _chinese_names(tables: Tables) -> set[str]:
    """The tables' Chinese variants (their keys are the characters themselves, tables.name_key)."""
    return {key.replace(" ", "") for key in tables.canonical if _HAN.search(key) and len(key) >= 2}


def reported_speakers(text: str, tables: Tables) -> list[str]:
    """The persons a Chinese paragraph reports as saying something, in order, each once."""
    if not _HAN.search(text):
        return []
    tokens = [(pair.word, pair.flag) for pair in _tagger(tables).lcut(text)]
    found: list[str] = []
    position = 0
    while position < len(tokens):
        word, flag = tokens[position]
        if not flag.startswith(NAME_TAGS) or len(word) < 2 and not _joins_next(tokens, position):
            position += 1
            continue
        after_preposition = position > 0 and tokens[position - 1][1] == "p"  # "在博鳌", "同普京": not a subject
        name, position = _whole_name(tokens, position)
        if len(name) >= 2 and not after_preposition and _cue_follows(tokens, position):
            canonical = tables.canonical_name(name)
            if canonical not in found:
                found.append(canonical)
    return found


def _joins_next(tokens, position: int) -> bool:
    return position + 1 < len(tokens) and (tokens[position + 1][1].startswith(NAME_TAGS) or tokens[position + 1][0] == "·")


def _whole_name(tokens, position: int) -> tuple[str, int]:
    """The name starting at `position`, with the name parts and interpuncts that follow it; and the
    position after it."""
    parts = [tokens[position][0]]
    position += 1
    while position < len(tokens):
        word, flag = tokens[position]
        if word == "·" and position + 1 < len(tokens):
            parts += [word, tokens[position + 1][0]]
            position += 2
        elif flag.startswith(NAME_TAGS):  # "布" + "林肯", "奥云" + "额尔登": one name the tagger cut in two
            parts.append(word)
            position += 1
        else:
            break
    return "".join(parts), position


def _cue_follows(tokens, position: int) -> bool:
    for word, _ in tokens[position:position + _LOOKAHEAD]:
        if word in _CLAUSE_END:
            return False
        if word in CUES:
            return True
    return False
