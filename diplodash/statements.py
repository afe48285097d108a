"""Statement vectors: one per sentence of every paragraph that has several, stored with the index
(`statements/`), so that search scores the statement a query paraphrases, not only the paragraph
around it. A long paragraph that makes the claim in one sentence then ranks as high as a short one
that is only the claim, and the hit shows the sentence that matched.

The vectors cost no second pass of the model: each sentence's vector is the mean of the
paragraph's contextual token vectors over that sentence ("late chunking", Günther et al. 2024),
taken from the same forward pass that gives the paragraph its vector. Sentences past the model's
window (256 word pieces) are encoded on their own, so a long paragraph's tail is searchable too.
Stored as float16 and memory-mapped: a search reads only its candidates' rows.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embeddings import text_key
from .text import digest, sentences

FOLDER = "statements"
CHUNK = 2048  # paragraphs per cache shard


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, in characters; one span for a one-sentence text."""
    spans, position = [], 0
    for sentence in sentences(text):
        start = text.find(sentence, position)
        if start < 0:
            continue
        position = start + len(sentence)
        spans.append((start, position))
    return spans


@dataclass
class Statements:
    vectors: np.ndarray  # (sentences, dim), unit length, float16 on disk
    offsets: np.ndarray  # (paragraphs + 1,): paragraph i owns rows offsets[i]:offsets[i + 1]
    spans: np.ndarray    # (sentences, 2) int32: where each sentence is in its paragraph's text

    @classmethod
    def empty(cls, paragraphs: int, dim: int) -> "Statements":
        return cls(np.zeros((0, dim), dtype=np.float16), np.zeros(paragraphs + 1, dtype=np.int64),
                   np.zeros((0, 2), dtype=np.int32))

    @classmethod
    def from_lists(cls, per_paragraph: list[list[tuple[tuple[int, int], np.ndarray]]], dim: int) -> "Statements":
        """From, per paragraph, its sentences' (span, vector) pairs (empty for a one-sentence paragraph)."""
        counts = np.array([len(items) for items in per_paragraph], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        flat = [item for items in per_paragraph for item in items]
        vectors = np.array([v for _, v in flat], dtype=np.float16).reshape(-1, dim)
        spans = np.array([s for s, _ in flat], dtype=np.int32).reshape(-1, 2)
        return cls(vectors, offsets, spans)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sentences(self) -> int:
        return len(self.vectors)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("vectors", "offsets", "spans"):
            np.save(folder / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, folder: Path, paragraphs: int, dim: int) -> "Statements":
        """The stored vectors, or none (an index written before they existed searches paragraphs only)."""
        try:
            loaded = cls(np.load(folder / "vectors.npy", mmap_mode="r"), np.load(folder / "offsets.npy"),
                         np.load(folder / "spans.npy"))
        except (OSError, ValueError):
            return cls.empty(paragraphs, dim)
        if len(loaded) != paragraphs or loaded.vectors.shape[1:] != (dim,) or loaded.offsets[-1] != len(loaded.vectors):
            return cls.empty(paragraphs, dim)
        return loaded

    def best_everywhere(self, query: np.ndarray, chunk: int = 65_536) -> np.ndarray:
        """Every paragraph's best sentence cosine with `query` (-inf for one-sentence paragraphs):
        one pass over all sentence vectors, in chunks (they are float16 on disk)."""
        best = np.full(len(self), -np.inf, dtype=np.float32)
        if not len(self.vectors):
            return best
        query = np.asarray(query, dtype=np.float32)

        def part(start: int) -> np.ndarray:  # numpy's float16 -> float32 cast is most of the cost
            return np.asarray(self.vectors[start:start + chunk], dtype=np.float32) @ query

        starts = range(0, len(self.vectors), chunk)
        if len(starts) > 1:  # the cast and the product release the GIL: one chunk per core at a time
            from concurrent.futures import ThreadPoolExecutor

            from .neighbours import cores

            with ThreadPoolExecutor(min(cores(), 4)) as pool:
                cosines = np.concatenate(list(pool.map(part, starts)))
        else:
            cosines = part(0)
        counts = np.diff(self.offsets)
        owners = np.flatnonzero(counts)
        best[owners] = np.maximum.reduceat(cosines, self.offsets[owners])
        return best

    @staticmethod
    def join(parts: list["Statements"]) -> "Statements | StatementParts":
        return parts[0] if len(parts) == 1 else StatementParts(parts)

    def best(self, rows: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each paragraph row: its best sentence's cosine with `query` (-inf when it has one
        sentence) and that sentence's span ((-1, -1) when none)."""
        rows = np.asarray(rows, dtype=np.int64)
        scores = np.full(len(rows), -np.inf, dtype=np.float32)
        spans = np.full((len(rows), 2), -1, dtype=np.int32)
        if not len(rows) or not len(self.vectors):
            return scores, spans
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        counts = ends - starts
        owned = np.repeat(np.arange(len(rows)), counts)
        members = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) if counts.sum() else \
            np.zeros(0, dtype=np.int64)
        if not len(members):
            return scores, spans
        cosines = np.asarray(self.vectors[members], dtype=np.float32) @ query.astype(np.float32)
        # The best sentence per paragraph: sort by (paragraph, cosine) and take each group's last.
        order = np.lexsort((cosines, owned))
        last = np.flatnonzero(np.r_[owned[order][1:] != owned[order][:-1], True])
        winners = order[last]
        scores[owned[winners]] = cosines[winners]
        spans[owned[winners]] = self.spans[members[winners]]
        return scores, spans


class StatementParts:
    """The statement vectors of an index's segments, each memory-mapped where it lies: a search's
    candidates are looked up in the segment that holds them, nothing is copied at load."""

    def __init__(self, parts: list[Statements]):
        self.parts = parts
        self.starts = np.cumsum([0] + [len(part) for part in parts])
        self.sentences = sum(part.sentences for part in parts)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def best_everywhere(self, query: np.ndarray) -> np.ndarray:
        return np.concatenate([part.best_everywhere(query) for part in self.parts])

    def best(self, rows: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.asarray(rows, dtype=np.int64)
        scores = np.full(len(rows), -np.inf, dtype=np.float32)
        spans = np.full((len(rows), 2), -1, dtype=np.int32)
        owner = np.searchsorted(self.starts, rows, side="right") - 1
        for number in np.unique(owner):
            mine = owner == number
            scores[mine], spans[mine] = self.parts[number].best(rows[mine] - self.starts[number], query)
        return scores, spans


def statement_key(text: str, span: tuple[int, int]) -> str:
    """The embedding-cache key of the sentence at `span` in paragraph `text`: its vector depends on
    the whole paragraph and on where the sentence is cut, so the key does too."""
    return digest(f"{span[0]}:{span[1]}\x00{text}")


def token_statements(text: str, spans: list[tuple[int, int]], offsets: np.ndarray, tokens: np.ndarray) -> list:
    """Per sentence span, the mean of the paragraph's contextual token vectors inside it (unit
    length), or None for a sentence the model's window cut off."""
    offsets = np.asarray(offsets)[: len(tokens)]
    real = offsets[:, 1] > offsets[:, 0]  # special tokens ([CLS], [SEP], padding) cover no text
    vectors = []
    for start, end in spans:
        inside = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
        if not inside.any():
            vectors.append(None)
            continue
        vector = np.asarray(tokens, dtype=np.float32)[: len(offsets)][inside].mean(axis=0)
        vectors.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
    return vectors


def _missing(texts: list[str], cache, statements: bool) -> tuple[dict[str, str], dict[str, list]]:
    """The distinct texts whose paragraph vector (or, with `statements`, a sentence vector) the
    cache lacks, by key; and every text's sentence spans (none for a one-sentence text)."""
    spans_of: dict[str, list] = {}
    todo: dict[str, str] = {}
    for text in texts:
        key = text_key(text)
        if key in spans_of:
            continue
        spans = sentence_spans(text) if statements else []
        spans_of[key] = spans = spans if len(spans) >= 2 else []
        if cache.get(key) is None or any(cache.get(statement_key(text, span)) is None for span in spans):
            todo[key] = text
    return todo, spans_of


def missing_texts(texts: list[str], cache, statements: bool) -> list[str]:
    """What an engine embeds elsewhere before a build assembles the vectors (diplodash.engines)."""
    return list(_missing(texts, cache, statements and statements_enabled())[0].values())


def embed_paragraphs(texts: list[str], embedder, cache, progress=None, with_statements: bool = True,
                     only: np.ndarray | None = None) -> tuple[np.ndarray, int, Statements]:
    """Paragraph vectors and statement vectors of `texts`, in order, computing only what the cache
    lacks: one forward pass per paragraph gives both. Returns (matrix, paragraphs computed, statements).
    `only` (a mask over `texts`): the paragraphs this model reads; the others get a zero vector and no
    statement vectors (the primary model and a Chinese paragraph, diplodash.multilingual)."""
    progress = progress or (lambda *args: None)
    read = np.ones(len(texts), dtype=bool) if only is None else np.asarray(only, dtype=bool)
    # Statement vectors need the model's token vectors; an embedder without them (a test's, say)
    # builds a paragraph-only index.
    statements = with_statements and statements_enabled() and hasattr(embedder, "encode_with_tokens")
    todo, spans_of = _missing([t for t, wanted in zip(texts, read) if wanted], cache, statements)
    order = sorted(todo.items(), key=lambda item: -len(item[1]))  # similar lengths pad less
    if order and not getattr(embedder, "loaded", True):
        progress("model", 0, None)  # loading takes from seconds to minutes: say so rather than sit at 0 %
        embedder.load()
    progress("embed", 0, len(order))
    batch = max(1, int(getattr(embedder, "batch_size", 32)))
    for start in range(0, len(order), CHUNK):
        chunk = order[start:start + CHUNK]
        keys, vectors = [], []
        for offset in range(0, len(chunk), batch):
            part = chunk[offset:offset + batch]
            texts_part = [t for _, t in part]
            if statements:
                paragraph_vectors, token_outputs = embedder.encode_with_tokens(texts_part)
            else:
                paragraph_vectors, token_outputs = embedder.encode(texts_part), [None] * len(part)
            for (key, text), vector, tokens in zip(part, paragraph_vectors, token_outputs):
                keys.append(key)
                vectors.append(vector)
                spans = spans_of[key]
                found = token_statements(text, spans, *tokens) if spans else []
                missing = [n for n, v in enumerate(found) if v is None]
                if missing:  # past the model's window: encode the sentence on its own
                    for n, v in zip(missing, embedder.encode([text[slice(*spans[n])] for n in missing])):
                        found[n] = v
                keys += [statement_key(text, span) for span in spans]
                vectors += found
            progress("embed", start + min(offset + batch, len(chunk)), len(order))
        cache.add(keys, np.array(vectors, dtype=np.float32).reshape(len(keys), -1))
    dim = int(embedder.dim)
    if not texts:
        return np.zeros((0, dim), dtype=np.float32), 0, Statements.empty(0, dim)
    zero = np.zeros(dim, dtype=np.float32)
    matrix = np.stack([cache.get(text_key(t)) if wanted else zero for t, wanted in zip(texts, read)]
                      ).astype(np.float32, copy=False)
    per_paragraph = []
    for text, wanted in zip(texts, read):
        spans = spans_of[text_key(text)] if wanted else []
        per_paragraph.append([(span, cache.get(statement_key(text, span))) for span in spans])
    return matrix, len(order), Statements.from_lists(per_paragraph, dim)


def statements_enabled() -> bool:
    """DIPLODASH_STATEMENTS=0 builds an index without statement vectors (paragraph search only)."""
    return os.environ.get("DIPLODASH_STATEMENTS", "1") != "0"
