"""The lexical index: BM25 over the paragraph texts (bm25s), built with the index and stored in it
(`lexical/`), so that names and rare terms ("Sakwa", "Global Security Initiative") count in search
without a scan of every text. Scores come back per paragraph, scaled so the best is 1: the search
adds them to the cosine in proportion to the evidence, and a paraphrase that shares no word with
its paragraph loses nothing."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np

FOLDER = "lexical"


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def _bigrams(match: re.Match) -> str:
    run = match.group(0)
    return " " + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + " "


def words_of(text: str) -> str:
    """Text as BM25 reads it: Chinese has no spaces between words, so each run of Han characters
    becomes its overlapping pairs (多极化 -> 多极 极化), the usual unit of Chinese full-text search."""
    return _HAN_RUN.sub(_bigrams, text)


def _tokens(texts: list[str]):
    import bm25s

    return bm25s.tokenize([words_of(t) for t in texts], stopwords="en", show_progress=False)


class LexicalIndex:
    def __init__(self, retriever, size: int):
        self.retriever, self.size = retriever, size

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index(_tokens(texts), show_progress=False)
        return cls(retriever, len(texts))

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=True), size)

    def save(self, folder: Path) -> None:
        if self.size:
            self.retriever.save(str(folder))
        else:
            folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def open(cls, part: Path, texts: list[str]) -> "LexicalIndex":
        """The lexical index stored in an index part, or one built here for a part written before
        it was (seconds per 100k paragraphs, once per process)."""
        folder = part / FOLDER
        try:
            if (folder / "params.index.json").exists():
                return cls.load(folder, len(texts))
        except (OSError, ValueError):
            pass
        return cls.build(texts)

    @staticmethod
    def join(parts: list["LexicalIndex"]) -> "LexicalIndex | LexicalParts":
        return parts[0] if len(parts) == 1 else LexicalParts(parts)

    def raw_scores(self, query: str) -> np.ndarray:
        import bm25s

        if not self.size:
            return np.zeros(0, dtype=np.float32)
        words = bm25s.tokenize(words_of(query), stopwords="en", return_ids=False, show_progress=False)[0]
        known = [w for w in words if w in self.retriever.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def scores(self, query: str) -> np.ndarray:
        """BM25 of every paragraph for `query`, divided by the best one (all zeros when no word matches)."""
        return _scaled(self.raw_scores(query))


class LexicalParts:
    """The lexical indexes of an index's segments, scored as one: each segment weighs words by its
    own document frequencies until a compaction joins them (a segment of a few hundred paragraphs
    next to a base of 100k shifts a word's weight, not which paragraphs hold it)."""

    def __init__(self, parts: list[LexicalIndex]):
        self.parts = parts
        self.size = sum(part.size for part in parts)

    def scores(self, query: str) -> np.ndarray:
        return _scaled(np.concatenate([part.raw_scores(query) for part in self.parts]))


def _scaled(scores: np.ndarray) -> np.ndarray:
    best = float(scores.max()) if len(scores) else 0.0
    return scores / best if best > 0 else scores


def write(folder: Path, texts: list[str], previous: Path | None = None) -> None:
    """The lexical index of `texts` into `folder`; `previous` (an index's own lexical folder for the
    same texts, as when re-tagging) is copied instead of rebuilt."""
    if previous is not None and previous.is_dir():
        shutil.copytree(previous, folder)
    else:
        LexicalIndex.build(texts).save(folder)
