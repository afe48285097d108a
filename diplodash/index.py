"""The index on disk: articles.parquet, paragraphs.parquet, embeddings.npy, manifest.json (and,
per part, the theme scores, the lexical index, statement vectors and the multilingual vectors), read
back as one Index. Writing it is diplodash.publishing's."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from .neighbours import IVF_FILE
# Writing lives in diplodash.publishing; its names stay importable from here.
from .publishing import (THEME_SCORES, _fsync, _fsync_dir, _link, recover, remove_stale_staging,  # noqa: F401
                         write_index, write_part)

SCHEMA_VERSION = 1
FILES = ("articles.parquet", "paragraphs.parquet", "embeddings.npy", "manifest.json")
SEGMENTS = "segments"  # appended parts, listed by the manifest (diplodash.segments)
ARTICLE_COLUMNS = ["article_id", "title", "published", "date_precision", "source", "url", "path",
                   "n_paragraphs", "speaker", "speaker_role", "country", "document", "dedup_keys", "language"]
PARAGRAPH_COLUMNS = ["paragraph_id", "article_id", "position", "kind", "section", "turn", "text",
                     "n_words", "published", "date_precision", "source", "language"]
SPEAKER_COLUMNS = ["speakers", "speaker_groups", "speaker_organisations", "mentioned", "attributions"]
THEME_COLUMNS = ["themes"]


class IndexUnavailable(Exception):
    """An index that is missing, damaged or of another schema; the message says what to do."""


def default_index_dir() -> Path:
    return Path(os.environ.get("DIPLODASH_INDEX") or "data/index")


def read_manifest(folder: str | Path) -> dict:
    folder = Path(folder)
    recover(folder.resolve())
    path = folder / "manifest.json"
    if not path.exists():
        raise IndexUnavailable(f"no DiploDash index at {folder}: build one with `diplodash build INPUT... --out {folder}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IndexUnavailable(f"the index at {folder} has an unreadable manifest ({error}); rebuild it") from None
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexUnavailable(f"the index at {folder} uses schema version {version}, this DiploDash reads "
                          f"version {SCHEMA_VERSION}: rebuild it with `diplodash build ... --out {folder}`")
    return manifest


def segment_folders(folder: str | Path, manifest: dict) -> list[Path]:
    """The folders whose files make up the index, in order: the index's own files, then each
    segment a watch pass appended (diplodash.segments)."""
    folder = Path(folder)
    return [folder] + [folder / SEGMENTS / name for name in manifest.get("segments") or []]


def read_tables(folder: str | Path) -> tuple[dict, pd.DataFrame, pd.DataFrame, np.ndarray]:
    folder = Path(folder)
    manifest = read_manifest(folder)
    parts = []
    try:
        for part in segment_folders(folder, manifest):
            # A part with an inverted file is searched through it: its vectors stay on disk, mapped,
            # and only the rows a query rescores are read.
            mapped = "r" if (part / IVF_FILE).exists() else None
            parts.append((pd.read_parquet(part / "articles.parquet"), read_paragraphs(part / "paragraphs.parquet"),
                          np.load(part / "embeddings.npy", allow_pickle=False, mmap_mode=mapped)))
    except (OSError, ValueError) as error:
        raise IndexUnavailable(f"the index at {folder} is damaged ({error}); rebuild it") from None
    if len(parts) == 1:
        articles, paragraphs, embeddings = parts[0]
    else:
        articles = pd.concat([a for a, _, _ in parts], ignore_index=True)
        paragraphs = pd.concat([p for _, p, _ in parts], ignore_index=True)
        embeddings = np.concatenate([e for _, _, e in parts])
    for column in SPEAKER_COLUMNS:  # an index built before a column existed reads with it empty
        if column not in paragraphs:
            paragraphs[column] = [[] for _ in range(len(paragraphs))]
    for table in (articles, paragraphs):  # parts written before languages were told apart: English
        table["language"] = table["language"].fillna("en") if "language" in table else "en"
    if embeddings.shape != (len(paragraphs), manifest.get("dim")):
        raise IndexUnavailable(f"the index at {folder} is inconsistent: {embeddings.shape[0]} vectors of "
                          f"dimension {embeddings.shape[1]} for {len(paragraphs)} paragraphs; rebuild it")
    return manifest, articles, paragraphs, embeddings


def read_paragraphs(path: Path) -> pd.DataFrame:
    table = pq.read_table(path)
    if "themes" not in table.column_names:
        return table.to_pandas()
    order = table.column_names
    paragraphs = table.drop_columns(["themes"]).to_pandas()
    # Arrow-backed lists: timelines and theme filters flatten them without a Python loop.
    paragraphs["themes"] = pd.arrays.ArrowExtensionArray(table.column("themes"))
    return paragraphs[order]


class Index:
    """A loaded index: the two tables, the vectors, and a query embedder made on first search."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.manifest, self.articles, self.paragraphs, self.embeddings = read_tables(self.path)
        self.parts = segment_folders(self.path, self.manifest)
        self.part_rows = _part_rows(self.parts, len(self.paragraphs))
        self._embedder = None
        self._theme_scores = None
        self._lexical = None
        self._statements = None
        self._searchable = None
        self._neighbours = None
        self._columns = None
        self._article_links = None
        self._languages = None
        self._multilingual = False

    @property
    def theme_scores(self) -> pd.DataFrame:
        """Long table paragraph_id, theme, score, tagged (scores under 0.2 are not stored)."""
        if self._theme_scores is None:
            parts = [pd.read_parquet(part / THEME_SCORES) for part in self.parts if (part / THEME_SCORES).exists()]
            self._theme_scores = pd.concat(parts, ignore_index=True) if parts else \
                pd.DataFrame(columns=["paragraph_id", "theme", "score", "tagged"])
        return self._theme_scores

    @property
    def theme_labels(self) -> dict[str, str]:
        return dict((self.manifest.get("themes") or {}).get("labels") or {})

    @property
    def lexical(self):
        """The BM25 index of the paragraph texts: stored with the index, or built here for an index
        written before it was (seconds per 100k paragraphs, once per process)."""
        if self._lexical is None:
            from .lexical import LexicalIndex

            texts = self.paragraphs["text"].tolist()
            self._lexical = LexicalIndex.join([LexicalIndex.open(part, texts[start:end])
                                               for part, (start, end) in zip(self.parts, self.part_rows)])
        return self._lexical

    @property
    def statements(self):
        """The sentence vectors of multi-sentence paragraphs (memory-mapped), or none for an index
        written before they existed."""
        if self._statements is None:
            from .statements import FOLDER, Statements

            self._statements = Statements.join([Statements.load(part / FOLDER, end - start, self.embeddings.shape[1])
                                                for part, (start, end) in zip(self.parts, self.part_rows)])
        return self._statements

    @property
    def searchable(self) -> np.ndarray:
        """Rows search may return (body text, transcript turns, captions; not headings), computed once."""
        if self._searchable is None:
            from .search import SEARCHABLE_KINDS

            self._searchable = self.paragraphs["kind"].isin(list(SEARCHABLE_KINDS)).to_numpy()
        return self._searchable

    @property
    def neighbours(self):
        """The vector scan behind every search (diplodash.neighbours), built once per process:
        0.03 s and half the vectors' memory per 14k paragraphs."""
        if self._neighbours is None:
            from .neighbours import NearestNeighbours

            inverted = [(start, end, part / IVF_FILE) for part, (start, end) in zip(self.parts, self.part_rows)
                        if (part / IVF_FILE).exists()]
            self._neighbours = NearestNeighbours(self.embeddings, inverted=inverted)
        return self._neighbours

    @property
    def multilingual(self):
        """The multilingual space (diplodash.multilingual.Space), or None for an index without one."""
        if self._multilingual is False:
            from .multilingual import Space, primary_rows, read

            vectors = read(self.parts, len(self.paragraphs))
            self._multilingual = None if vectors is None else \
                Space(vectors, primary_rows(self.paragraphs["language"]), self.searchable, self.paragraphs["language"])
        return self._multilingual

    @property
    def columns(self) -> dict:
        """The paragraph table's columns as arrays, for taking a few rows without pandas' per-call
        cost of building a Series (3 ms of a search at 100k paragraphs)."""
        if self._columns is None:
            self._columns = {name: _rows_of(self.paragraphs[name].array) for name in self.paragraphs.columns}
        return self._columns

    @property
    def languages(self) -> list[str]:
        """The paragraphs' languages, most written first (computed once)."""
        if self._languages is None:
            self._languages = list(self.paragraphs["language"].value_counts().index) if "language" in self.paragraphs else []
        return self._languages

    @property
    def article_links(self) -> dict:
        """article_id -> (title, url), for result rows."""
        if self._article_links is None:
            self._article_links = dict(zip(self.articles["article_id"], zip(self.articles["title"], self.articles["url"])))
        return self._article_links

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def embedder(self):
        if self._embedder is None:
            from .embeddings import QueryEmbedder  # the model loads only when a query needs it

            self._embedder = QueryEmbedder(self.model)
        return self._embedder

    def search(self, query: str, k: int = 10, **filters) -> pd.DataFrame:
        from .search import search

        return search(self, query, k=k, **filters)

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r}, articles={len(self.articles)}, paragraphs={len(self.paragraphs)})"


class ChunkedColumn:
    """A column held as several Arrow chunks (one per row group read), taken from chunk by chunk:
    Arrow's own take on a chunked string column costs 3-30 ms at 1M rows, whatever the rows."""

    def __init__(self, chunked):
        self.chunks = chunked.chunks
        self.bounds = np.cumsum([0] + [len(chunk) for chunk in self.chunks])

    def take(self, rows) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        which = np.searchsorted(self.bounds, rows, side="right") - 1
        values = np.empty(len(rows), dtype=object)
        for number in np.unique(which):
            at = np.flatnonzero(which == number)
            values[at] = self.chunks[number].take(rows[at] - self.bounds[number]).to_pylist()
        return values


def _rows_of(array):
    """What Index.columns holds for a column: the array itself, or a ChunkedColumn for Arrow data in chunks."""
    chunked = array.__arrow_array__() if isinstance(array.dtype, (pd.ArrowDtype, pd.StringDtype)) \
        and hasattr(array, "__arrow_array__") else None
    return ChunkedColumn(chunked) if chunked is not None and getattr(chunked, "num_chunks", 1) > 1 else array


def with_titles(index, rows: pd.DataFrame) -> pd.DataFrame:
    """Paragraph rows with their article's title (for lists of paragraphs shown to read)."""
    links = index.article_links
    return rows.assign(title=[links.get(article, (None, None))[0] for article in rows["article_id"]])


def part_paragraphs(part: Path) -> int:
    """How many paragraphs one part of an index holds (from the Parquet footer, no rows read)."""
    return pq.ParquetFile(part / "paragraphs.parquet").metadata.num_rows


def _part_rows(parts: list[Path], total: int) -> list[tuple[int, int]]:
    """Each part's (first row, end row) in the joined paragraph table."""
    if len(parts) == 1:
        return [(0, total)]
    sizes = [part_paragraphs(part) for part in parts]
    ends = np.cumsum(sizes)
    return [(int(end - size), int(end)) for size, end in zip(sizes, ends)]


def load_index(path: str | Path | None = None) -> Index:
    return Index(path or default_index_dir())
