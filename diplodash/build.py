"""Build: run every stage from inputs to a published index, and report what happened."""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from . import __version__
from . import multilingual as spaces
from .articles import Article, read_articles
from .embeddings import Embedder, EmbeddingCache, default_cache_dir
from .engines import LocalEngine, make_engine
from .index import ARTICLE_COLUMNS, PARAGRAPH_COLUMNS, SCHEMA_VERSION, SPEAKER_COLUMNS, recover, remove_stale_staging, write_index
from .paragraphs import split_article
from .sources import Problem, expand_feed, iter_documents
from .speakers import DEFAULT_TABLES, Tables, merge_variants
from .statements import embed_paragraphs
from .tagging import retag, tag_index  # noqa: F401  (retag is part of the build's interface)
from .themes import load_taxonomy
from .languages import detect, paragraph_languages
from .text import count_words, digest, fingerprint

_HERE = Path(__file__).resolve().parent
_READER_CODE = [_HERE / f"{name}.py" for name in ("sources", "articles", "paragraphs", "text", "dates", "languages")] \
    + sorted((_HERE / "speakers").glob("*.py"))

Progress = Callable[[str, int, int | None], None]


class BuildError(Exception):
    """Nothing valid to build, or another build holds the index; the previous index is untouched."""


def build_lock(out: str | Path) -> FileLock:
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(out.parent / f".{out.name}.lock"))


@contextmanager
def exclusive(out: str | Path, wait: float = -1):
    """Hold the index's build lock; BuildError if another build holds it longer than `wait` seconds."""
    try:
        with build_lock(out).acquire(timeout=wait):
            recover(Path(out).resolve())
            remove_stale_staging(out)
            yield
    except Timeout:
        raise BuildError(f"another build of {out} is running; try again when it has finished") from None


def build(inputs: Iterable[str | Path], out: str | Path, model: str | None = None, source: str | None = None,
          cache_dir: str | Path | None = None, columns: dict | None = None, progress: Progress | None = None,
          embedder: Embedder | None = None, wait: float = -1, roles: Iterable[str | Path] = (),
          themes: str | Path | None = None, default_source: str | None = None, multilingual: str = "auto",
          engine: str = "local", address: str | None = None) -> dict:
    """Build an index from `inputs` into `out` and return its manifest.

    `source` is the publisher of every article; `default_source` only of those whose document
    names none (no metadata, no URL), in place of their folder's name. `progress(stage, done,
    total)` hears "read" per article, "model" before the model loads, "embed" per batch, "done".
    `wait` is how many seconds to wait for another build of the same index (-1: as long as it
    takes; 0: fail at once with BuildError). `multilingual`: "auto" gives the index a multilingual
    space (diplodash.multilingual) when 1 % (or 20) of the paragraphs are not English; "on" or "off" decide.
    `engine` runs the map (reading, attribution, embedding) here ("local") or on a Ray cluster at
    `address` ("ray", diplodash.engines); the index is the same either way.
    """
    inputs = [str(i) for i in inputs]
    # A corpus folder may carry the offices and people of its own world (data/sample/roles.yaml).
    roles = list(roles) + [Path(i) / "roles.yaml" for i in inputs if (Path(i) / "roles.yaml").is_file()]
    extensions = [str(Path(i) / "themes.yaml") for i in inputs if (Path(i) / "themes.yaml").is_file()]
    # Documents read by an earlier build with the same readers and tables are taken from it as they
    # were (articles, paragraphs, speakers): a rebuild costs what changed, not the whole corpus.
    # The readers' and the attribution's own code count too: an upgraded rule reaches every document.
    reuse_key = digest(repr((__version__, source, sorted((columns or {}).items()),
                             [Path(p).read_bytes() for p in (*DEFAULT_TABLES, *roles, *_READER_CODE)])))
    runner = engine if hasattr(engine, "read") else make_engine(engine, address)
    with exclusive(out, wait):
        return _build(inputs, Path(out), model, source, cache_dir, columns, progress or _quiet, embedder,
                      Tables.load(*roles), themes, extensions, reuse_key, default_source, multilingual, runner)


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass


def _build(inputs, out, model, source, cache_dir, columns, progress, embedder, tables, themes_path,
           extensions=(), reuse_key: str | None = None, default_source: str | None = None,
           multilingual: str = "auto", engine=None) -> dict:
    started = time.perf_counter()
    taxonomy = load_taxonomy(themes_path, extensions)  # a broken taxonomy fails before any work is done
    problems: list[Problem] = []
    previous = PreviousBuild.load(out, reuse_key)
    engine = engine or LocalEngine()
    articles, paragraphs = collect(inputs, problems, source, columns, progress, previous, default_source, engine)
    if paragraphs.empty:
        raise BuildError("nothing valid to build: " + ("; ".join(map(str, problems[:5])) or "no input files found"))
    read_seconds = time.perf_counter() - started
    reused = paragraphs["speakers"].notna() if "speakers" in paragraphs else pd.Series(False, index=paragraphs.index)
    attribution_timings: dict = {}
    fresh = engine.attribute(articles, paragraphs[~reused].drop(columns=SPEAKER_COLUMNS, errors="ignore"), tables,
                             attribution_timings)
    paragraphs = merge_variants(pd.concat([paragraphs[reused], fresh]).loc[paragraphs.index], tables)
    attribute_seconds = time.perf_counter() - started - read_seconds

    embedder = embedder or Embedder(model)
    cache = EmbeddingCache(cache_dir or default_cache_dir(), embedder.name).load()
    problems += [Problem(f"embedding cache {r}", "damaged, rebuilt", "warning") for r in cache.rejected]
    texts = paragraphs["text"].tolist()
    space = spaces.wanted(paragraphs["language"], multilingual)
    # With a multilingual space the primary model embeds only what it reads (English).
    primary = spaces.primary_rows(paragraphs["language"]) if space else None
    engine.warm([t for t, read in zip(texts, primary if primary is not None else [True] * len(texts)) if read],
                embedder, cache, with_statements=True)
    embeddings, n_embedded, statements = embed_paragraphs(texts, embedder, cache, progress, only=primary)
    across = spaces.embed(texts, cache_dir, progress, engine) if space else None
    embed_seconds = time.perf_counter() - started - read_seconds - attribute_seconds
    paragraphs, theme_scores, theme_info = _tag(paragraphs, articles, embeddings, taxonomy, themes_path, embedder, cache,
                                                across[0] if across else None)
    theme_info["extensions"] = list(extensions)
    tag_seconds = time.perf_counter() - started - read_seconds - attribute_seconds - embed_seconds

    manifest = {
        "schema_version": SCHEMA_VERSION,
        "diplodash_version": __version__,
        "model": embedder.name,
        "dim": int(embeddings.shape[1]),
        "counts": {"articles": len(articles), "paragraphs": len(paragraphs),
                   "sources": int(articles["source"].nunique())},
        "n_embedded": n_embedded,
        "n_reused": (len(paragraphs) if primary is None else int(primary.sum())) - n_embedded,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "inputs": inputs,
        "errors": [vars(p) for p in problems],
        "reuse_key": reuse_key,
        "n_documents_reused": previous.used if previous else 0,
        "engine": engine.name,
        "timings": {"read_s": round(read_seconds, 3), "attribute_s": round(attribute_seconds, 3),
                    "parse_s": round(attribution_timings.get("parse_s", 0.0), 3),
                    "embed_s": round(embed_seconds, 3), "tag_s": round(tag_seconds, 3)},
        "themes": theme_info,
    }
    if across:
        manifest["multilingual"] = {"model": spaces.MODEL, "dim": spaces.DIM, "n_embedded": across[1]}
    write_index(out, articles, paragraphs, embeddings, manifest, theme_scores, statements=statements,
                multilingual=across[0] if across else None)
    cache.compact()
    manifest["timings"]["total_s"] = round(time.perf_counter() - started, 3)
    manifest["build_seconds"] = manifest["timings"]["total_s"]
    progress("done", len(paragraphs), len(paragraphs))
    return manifest


def _tag(paragraphs, articles, embeddings, taxonomy, themes_path, embedder, cache, multilingual=None):
    """Every paragraph tagged with every theme (diplodash.tagging), as a build or a watch pass does."""
    return tag_index(paragraphs, articles, embeddings, taxonomy, themes_path, embedder.name, lambda: embedder, cache=cache,
                     multilingual=multilingual)


class PreviousBuild:
    """What the index at `out` holds per input document, for a rebuild to take unchanged ones as
    they are. Only an index built with the same readers, options and speaker tables qualifies."""

    def __init__(self, articles: pd.DataFrame, paragraphs: pd.DataFrame, problems: list[dict]):
        self.articles = {d: rows for d, rows in articles.groupby("document", sort=False)}
        self.paragraphs = paragraphs
        self.rows_of = paragraphs.groupby("article_id", sort=False).indices  # article -> row positions
        self.problems: dict[str, list[Problem]] = {}
        for problem in problems:
            if problem.get("document"):
                self.problems.setdefault(problem["document"], []).append(
                    Problem(problem["name"], problem["reason"], problem["level"], problem["document"]))
        self.used = 0

    @classmethod
    def load(cls, out: Path, reuse_key: str | None) -> "PreviousBuild | None":
        from .index import IndexUnavailable, read_manifest, read_paragraphs

        try:
            manifest = read_manifest(out)
            if reuse_key is None or manifest.get("reuse_key") != reuse_key:
                return None
            articles = pd.read_parquet(out / "articles.parquet")
            paragraphs = read_paragraphs(out / "paragraphs.parquet")
        except (IndexUnavailable, OSError, ValueError):
            return None
        if "document" not in articles or "dedup_keys" not in articles:
            return None
        if any(c not in paragraphs for c in SPEAKER_COLUMNS):
            return None
        paragraphs = paragraphs[PARAGRAPH_COLUMNS + SPEAKER_COLUMNS].copy()
        for column in SPEAKER_COLUMNS:  # parquet gives arrays back: the build works on lists
            paragraphs[column] = paragraphs[column].map(list)
        return cls(articles, paragraphs, manifest.get("errors") or [])

    def take(self, document_key: str, problems: list[Problem]) -> list[tuple[dict, np.ndarray]] | None:
        """The articles an unchanged document gave last time (each with the row positions of its
        paragraphs in `self.paragraphs`), or None."""
        rows = self.articles.get(document_key)
        if rows is None:
            return None
        self.used += 1
        problems += self.problems.get(document_key, [])
        none = np.zeros(0, dtype=np.int64)
        return [(row, self.rows_of.get(row["article_id"], none)) for row in rows.to_dict("records")]


def document_key(document) -> str:
    return digest(repr((document.name, document.format, document.url, sorted(document.meta.items()))), 8) + \
        hashlib.blake2b(document.data, digest_size=12).hexdigest()


READ_CHUNK = 1  # documents read together here: one, so a document's bytes go as soon as it is read


def collect(inputs: list[str], problems: list[Problem], source: str | None = None, columns: dict | None = None,
            progress: Progress = _quiet, previous: PreviousBuild | None = None,
            default_source: str | None = None, engine=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every input into the articles and paragraphs tables, dropping repeated articles.
    Documents `previous` holds unchanged come back with their speakers already attributed. New
    documents are read in chunks by `engine` (diplodash.engines; default: this process), and
    their articles kept in input order, so every engine gives the same tables."""
    article_rows, reused_rows, paragraph_rows = [], [], []
    seen: dict[str, str] = {}
    today = pd.Timestamp.now().normalize()
    chunk = []
    read_many = engine.read if engine is not None else _read_here
    chunk_size = getattr(engine, "read_chunk", READ_CHUNK)

    def settle() -> None:
        """Keep, in order, the articles of the documents held back so far (first time seen only)."""
        new = [job for kind, job in chunk if kind == "new"]
        results = iter(read_many([(document, key, source, columns, today) for document, key in new]))
        for kind, job in chunk:
            if kind == "reused":
                for row, positions in job:
                    if _first_time(list(row["dedup_keys"]), row["path"], seen, problems):
                        article_rows.append(row)
                        reused_rows.append(positions)
                continue
            found, raised = next(results)
            problems.extend(raised)
            for keys, path, row, rows in found:
                if _first_time(keys, path, seen, problems):
                    article_rows.append(row)
                    paragraph_rows.extend(rows)
            progress("read", len(article_rows), None)
        chunk.clear()

    for document in iter_documents(inputs, problems):
        if default_source is not None:  # before the key: a changed default re-reads the document
            document.meta.setdefault("default_source", default_source)
        key = document_key(document)
        earlier = previous.take(key, problems) if previous else None
        chunk.append(("reused", earlier) if earlier is not None else ("new", (document, key)))
        if len(chunk) >= chunk_size:
            settle()
    settle()
    articles = pd.DataFrame(article_rows, columns=ARTICLE_COLUMNS)
    paragraphs = pd.DataFrame(paragraph_rows, columns=PARAGRAPH_COLUMNS)
    if reused_rows:
        paragraphs = pd.concat([previous.paragraphs.iloc[np.concatenate(reused_rows)], paragraphs], ignore_index=True)
    order = {a: i for i, a in enumerate(articles["article_id"])}
    paragraphs = paragraphs.sort_values(["article_id", "position"], key=lambda c: c.map(order) if c.name == "article_id"
                                        else c, kind="stable", ignore_index=True)
    for table in (articles, paragraphs):
        table["published"] = pd.to_datetime(table["published"])
    paragraphs["position"] = paragraphs["position"].astype("int32")
    paragraphs["n_words"] = paragraphs["n_words"].astype("int32")
    return articles, paragraphs


def read_document(document, key: str, source: str | None, columns: dict | None, today: pd.Timestamp) -> tuple:
    """One new document read: per article (its keys, path, articles row, paragraph rows), and the
    problems reading it raised. A stage function: the same in this process and on a cluster."""
    problems: list[Problem] = []
    documents = expand_feed(document, problems) if document.format == "feed" else [document]
    found = []
    for doc in documents:
        for article in read_articles(doc, problems, columns):
            keys = _check(article, problems, source, today)
            found.append((keys, article.path, *rows_of_article(article, key, keys)))
    for problem in problems:
        problem.document = key  # so that a rebuild reusing this document reports it again
    return found, problems


def _read_here(jobs: list[tuple]) -> list[tuple]:
    return [read_document(*job) for job in jobs]


def _check(article: Article, problems: list[Problem], source: str | None, today: pd.Timestamp) -> list[str]:
    """Apply the source override and date checks; return the keys that identify the article (same
    text, same URL, or same title and day), the text's first."""
    if source:
        article.source = source
    if article.date_text and article.published is None:
        problems.append(Problem(article.path, f"cannot read the date '{article.date_text[:40]}'; "
                                              "kept without a date", "warning"))
    elif article.published is not None and article.published > today + pd.Timedelta(days=2):
        problems.append(Problem(article.path, f"date {article.published.date()} is in the future; "
                                              "kept without a date", "warning"))
        article.published, article.date_precision = None, None
    keys = [f"text:{fingerprint(' '.join(b.text for b in article.blocks))}"]
    if article.url:
        keys.append(f"url:{article.url.split('#')[0].rstrip('/').lower().removeprefix('https://').removeprefix('http://')}")
    if article.published is not None and article.title:
        keys.append(f"title:{fingerprint(article.title)}:{article.published.date()}")
    return keys


def _first_time(keys: list[str], path: str, seen: dict[str, str], problems: list[Problem]) -> bool:
    """False (and a report line) when an article with one of these keys was already read."""
    for key in keys:
        if key in seen:
            problems.append(Problem(path, f"same article as {seen[key]}; kept once", "info"))
            return False
    for key in keys:
        seen[key] = path
    return True


def rows_of_article(article: Article, document: str, keys: list[str]) -> tuple[dict, list[dict]]:
    """The articles-table row of one article and the paragraphs-table rows of its paragraphs."""
    article_id = digest(keys[0].removeprefix("text:"), 6)
    split = split_article(article)
    language = article.language or detect(" ".join([article.title, *(p.text for p in split[:12])]))
    languages = paragraph_languages([p.text for p in split], language)
    paragraphs = [{"paragraph_id": f"{article_id}-{p.position:04d}", "article_id": article_id,
                   "position": p.position, "kind": p.kind, "section": p.section, "turn": p.turn,
                   "text": p.text, "n_words": count_words(p.text), "published": article.published,
                   "date_precision": article.date_precision, "source": article.source, "language": tongue}
                  for p, tongue in zip(split, languages)]
    return _article_row(article, article_id, len(split), document, keys, language), paragraphs


def _article_row(article: Article, article_id: str, n_paragraphs: int, document: str, keys: list[str],
                 language: str) -> dict:
    return {"article_id": article_id, "title": article.title, "published": article.published,
            "date_precision": article.date_precision, "source": article.source, "url": article.url,
            "path": article.path, "n_paragraphs": n_paragraphs, "speaker": article.speaker,
            "speaker_role": article.speaker_role, "country": article.country, "document": document,
            "dedup_keys": keys, "language": language}


def embed(texts: list[str], embedder: Embedder, cache: EmbeddingCache, progress: Progress = _quiet) -> tuple[np.ndarray, int]:
    """Paragraph vectors for `texts` in order, computing only those the cache lacks; returns (matrix, computed)."""
    matrix, computed, _ = embed_paragraphs(texts, embedder, cache, progress, with_statements=False)
    return matrix, computed


def describe_progress(stage: str, done: int, total: int | None) -> tuple[float, str]:
    """What a progress bar shows for one build event: (fraction done, text)."""
    if stage == "model":
        return 0.0, "loading the model…"
    if stage == "embed":
        fraction = min(done / total, 1.0) if total else 1.0
        return fraction, f"embedding {done:,} of {total or 0:,} new paragraphs"
    if stage == "done":
        return 1.0, f"index written: {done:,} paragraphs"
    return 0.0, f"reading: {done:,} articles"
