"""Watch: one pass over the sources file, adding to the index only what is new.

Per source: a conditional GET of its feed or listing page (a 304 costs nothing), the entries not
seen before, each entry's page fetched and read as a build reads it (trafilatura), repeated
articles dropped against the whole index, and only the new paragraphs attributed, embedded and
tagged; they become one segment (diplodash.segments), published with the watcher's state in one
manifest swap. An entry whose page fails is not marked seen, and its feed's validators are not
kept, so the next pass fetches it again; nothing is lost and, since every article is checked
against the index's own keys, nothing is doubled, even after a pass killed half-way.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .articles import read_articles
from .build import BuildError, _check, _first_time, _tag, document_key, exclusive, rows_of_article
from .embeddings import Embedder, EmbeddingCache, default_cache_dir
from .feeds import Entry, Source, feed_entries, listing_entries
from .index import ARTICLE_COLUMNS, PARAGRAPH_COLUMNS, SCHEMA_VERSION, read_manifest, segment_folders, write_index
from .segments import MAX_SEGMENTS, append, compact, state_path
from .sources import Document
from .speakers import Tables, attribute, merge_variants
from . import multilingual as spaces
from .statements import embed_paragraphs
from .themes import load_taxonomy
from .web import WebClient, WebError

SEEN_PER_SOURCE = 5000     # entry ids remembered per source (feeds list tens to hundreds)


@dataclass
class SourceReport:
    name: str
    status: str = "unchanged"     # new | unchanged | failed | skipped
    entries: int = 0              # entries the feed or page lists now
    new_articles: int = 0
    new_paragraphs: int = 0
    repeated: int = 0             # new entries whose article the index already holds
    empty: int = 0                # new entries whose page has no article text
    failed: list[str] = field(default_factory=list)
    reason: str = ""

    def line(self) -> str:
        if self.status == "skipped":
            return f"{self.name}: skipped ({self.reason})"
        if self.reason and self.status == "failed" and not self.entries:
            return f"{self.name}: failed: {self.reason}"
        parts = [f"{self.new_articles} new article(s), {self.new_paragraphs} paragraph(s)"]
        if self.status == "unchanged":
            parts = [self.reason or "no new entries"]
        if self.repeated:
            parts.append(f"{self.repeated} already in the index")
        if self.empty:
            parts.append(f"{self.empty} without article text")
        if self.failed:
            parts.append(f"{len(self.failed)} failed, retried next pass: " + "; ".join(self.failed[:3]))
        return f"{self.name}: {self.status}: " + ", ".join(parts)


@dataclass
class WatchReport:
    sources: list[SourceReport]
    paragraphs_added: int = 0
    segment: str | None = None
    compacted: bool = False
    problems: list[str] = field(default_factory=list)  # what reading the new pages warned about
    seconds: float = 0.0

    def lines(self) -> list[str]:
        tail = f"added {self.paragraphs_added} paragraph(s)" + (f" as segment {self.segment}" if self.segment else "")
        return [r.line() for r in self.sources] + [tail + (", index compacted" if self.compacted else "") +
                                                   f" in {self.seconds:.1f} s"]


def watch(sources: list[Source], index_dir: str | Path, client: WebClient | None = None, embedder=None,
          cache_dir: str | Path | None = None, wait: float = 0, force: bool = False) -> WatchReport:
    """One pass; BuildError when another build or watcher holds the index longer than `wait` s."""
    index_dir = Path(index_dir)
    try:
        with exclusive(index_dir, wait):
            return _pass(sources, index_dir, client or WebClient(), embedder, cache_dir, force)
    except BuildError:
        raise BuildError(f"another build or watcher is writing {index_dir}; this pass did nothing "
                         "(the next one will catch up)") from None


def _pass(sources, index_dir, client, embedder, cache_dir, force) -> WatchReport:
    started = time.perf_counter()
    manifest = _manifest_or_none(index_dir)
    state = _load_state(index_dir, manifest)
    seen_keys = _index_keys(index_dir, manifest)
    now = dt.datetime.now(dt.timezone.utc)
    reports, articles, paragraphs, problems = [], [], [], []
    for source in sources:
        report = SourceReport(source.name)
        reports.append(report)
        memory = state["sources"].setdefault(source.name, {})
        checked = memory.get("checked_at")
        if not force and checked and (now - dt.datetime.fromisoformat(checked)).total_seconds() < source.interval_s:
            report.status, report.reason = "skipped", f"checked {checked}, interval {source.interval_s:g} s"
            continue
        _read_source(source, memory, client, report, seen_keys, articles, paragraphs, problems)
        memory["checked_at"] = now.isoformat(timespec="seconds")
    added = pd.DataFrame(paragraphs, columns=PARAGRAPH_COLUMNS)
    found = pd.DataFrame(articles, columns=ARTICLE_COLUMNS)
    result = WatchReport(reports, len(added), problems=[str(p) for p in problems if p.level != "info"])
    state["last_pass"] = {"at": now.isoformat(timespec="seconds"), "report": [r.line() for r in reports]}
    if manifest is None and added.empty:
        result.seconds = time.perf_counter() - started
        return result  # no index and nothing to start one with: the next pass starts again
    if not added.empty:
        for table in (found, added):
            table["published"] = pd.to_datetime(table["published"])
        added["position"], added["n_words"] = added["position"].astype("int32"), added["n_words"].astype("int32")
    if manifest is None:
        _first_index(index_dir, found, added, state, embedder, cache_dir, sources)
    elif added.empty:  # only the watcher's state changes: no model is loaded, no segment written
        append(index_dir, found, added, None, None, None, state)
    else:
        embeddings, statements, tagged, scores, info, across = _process(found, added, manifest, embedder, cache_dir)
        published = append(index_dir, found, tagged, embeddings, scores, statements, state,
                           changes=_agreed_fingerprints(manifest, info), multilingual=across)
        result.segment = (published.get("segments") or [None])[-1] if len(tagged) else None
        if len(published.get("segments") or []) >= MAX_SEGMENTS:
            compact(index_dir)
            result.compacted = True
    result.seconds = time.perf_counter() - started
    return result


def _read_source(source, memory, client, report, seen_keys, articles, paragraphs, problems) -> None:
    try:
        response = client.get(source.url, memory.get("etag"), memory.get("last_modified"))
    except WebError as error:
        report.status, report.reason = "failed", str(error)
        return
    if response.status == 304:
        report.reason = "not modified (304)"
        return
    try:
        entries = feed_entries(response.body) if source.kind == "feed" else \
            listing_entries(response.body, response.url, source.links or ".")
    except ValueError as error:
        report.status, report.reason = "failed", str(error)
        return
    report.entries = len(entries)
    seen = memory.setdefault("seen", [])
    known = set(seen)
    today = pd.Timestamp.now().normalize()
    for entry in entries:
        if entry.id in known:
            continue
        try:
            document = _entry_document(source, entry, client)
        except WebError as error:
            report.failed.append(f"{entry.link or entry.id}: {error}")
            continue
        read = repeats = 0
        for article in read_articles(document, problems):
            keys = _check(article, problems, None, today)
            if not _first_time(keys, article.path, seen_keys, problems):
                repeats += 1
                continue
            row, rows = rows_of_article(article, document_key(document), keys)
            articles.append(row)
            paragraphs.extend(rows)
            report.new_articles += 1
            report.new_paragraphs += len(rows)
            read += 1
        report.repeated += repeats
        if not read and not repeats:
            report.empty += 1  # seen all the same: a page without article text stays without it
        seen.append(entry.id)
        known.add(entry.id)
    del seen[:-SEEN_PER_SOURCE]
    if report.failed:
        report.status = "failed" if not report.new_articles else "new"
    elif report.new_articles:
        report.status = "new"
    else:
        report.reason = "no new articles" if report.repeated else "no new entries"
    if not report.failed:  # else the next pass must download the feed again to retry them
        memory["etag"], memory["last_modified"] = response.etag, response.last_modified


def _entry_document(source: Source, entry: Entry, client: WebClient) -> Document:
    meta = {"title": entry.title, "published": entry.published, "source": source.name, "url": entry.link,
            "language": source.language}
    if entry.carries_text or not entry.link:
        return Document(entry.link or f"{source.url}#{entry.id}", (entry.content or entry.summary).encode("utf-8"),
                        "html-fragment", entry.link, meta)
    page = client.get(entry.link)
    return Document(entry.link, page.body, "html", entry.link, meta)


def _process(articles, paragraphs, manifest, embedder, cache_dir):
    """Attribute, embed and tag the new rows as a build would, with the index's model and themes,
    and its multilingual space if it has one (a first pass: as a build decides)."""
    tables = Tables.load()
    paragraphs = merge_variants(attribute(articles, paragraphs, tables, merge=False), tables)
    embedder = embedder or Embedder(manifest["model"])
    cache = EmbeddingCache(cache_dir or default_cache_dir(), embedder.name).load()
    texts = paragraphs["text"].tolist()
    space = bool(manifest.get("multilingual")) if manifest.get("built_at") else spaces.wanted(paragraphs["language"])
    primary = spaces.primary_rows(paragraphs["language"]) if space else None
    embeddings, _, statements = embed_paragraphs(texts, embedder, cache, only=primary)
    across = spaces.embed(texts, cache_dir)[0] if space else None
    themes = manifest.get("themes") or {}
    taxonomy_file = themes.get("taxonomy")
    taxonomy_path = taxonomy_file if taxonomy_file and Path(taxonomy_file).is_file() else None
    extensions = [e for e in themes.get("extensions", []) if Path(e).is_file()]
    taxonomy = load_taxonomy(taxonomy_path, extensions)
    tagged, scores, info = _tag(paragraphs, articles, embeddings, taxonomy, taxonomy_path, embedder, cache, across)
    cache.compact()
    return embeddings, statements, tagged, scores, {**info, "extensions": extensions}, across


def _agreed_fingerprints(manifest: dict, info: dict) -> dict | None:
    """A segment tagged under another scoring of a theme (its taxonomy edited since the last re-tag)
    leaves that theme's stored scores mixed: its fingerprint is dropped, so the next re-tag scores
    it again rather than keep them."""
    themes = dict(manifest.get("themes") or {})
    old = themes.get("fingerprints") or {}
    agreed = {name: value for name, value in old.items() if (info.get("fingerprints") or {}).get(name) == value}
    if agreed == old:
        return None
    return {"themes": {**themes, "fingerprints": agreed}}


def _first_index(index_dir, articles, paragraphs, state, embedder, cache_dir, sources) -> None:
    """A watcher started on a folder with no index: its first pass becomes the index's base."""
    embedder = embedder or Embedder()
    manifest = {"schema_version": SCHEMA_VERSION, "diplodash_version": __version__, "model": embedder.name,
                "themes": {}, "inputs": [s.url for s in sources], "errors": []}
    embeddings, statements, tagged, scores, info, across = _process(articles, paragraphs, manifest, embedder, cache_dir)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if across is not None:
        manifest["multilingual"] = {"model": spaces.MODEL, "dim": spaces.DIM}
    manifest.update(dim=int(embeddings.shape[1]), themes=info, built_at=now, updated_at=now, segments=[],
                    counts={"articles": len(articles), "paragraphs": len(tagged),
                            "sources": int(articles["source"].nunique())},
                    watch={"state": "watch-state-base.json"})
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=index_dir.parent, prefix=f".{index_dir.name}.state-") as folder:
        carried = Path(folder) / "watch-state-base.json"
        carried.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        write_index(index_dir, articles, tagged, embeddings, manifest, scores, statements=statements, carry=(carried,),
                    multilingual=across)


def last_pass(index_dir: str | Path, manifest: dict) -> dict | None:
    """The last watch pass over this index: when, and its line per source; None if never watched."""
    state = _load_state(Path(index_dir), manifest)
    return state.get("last_pass")


def _manifest_or_none(index_dir: Path) -> dict | None:
    from .index import IndexUnavailable

    if not (index_dir / "manifest.json").exists():
        return None
    try:
        return read_manifest(index_dir)
    except IndexUnavailable:
        raise BuildError(f"{index_dir} holds an index this watcher cannot extend; rebuild it or watch into "
                         "another folder") from None


def _load_state(index_dir: Path, manifest: dict | None) -> dict:
    path = state_path(index_dir, manifest) if manifest else None
    try:
        state = json.loads(path.read_text(encoding="utf-8")) if path and path.exists() else {}
    except (OSError, json.JSONDecodeError):
        state = {}  # an unreadable state: every entry is fetched again, and the index's keys drop repeats
    state.setdefault("sources", {})
    return state


def _index_keys(index_dir: Path, manifest: dict | None) -> dict[str, str]:
    """Every article key the index already holds (same text, URL, or title and day)."""
    if manifest is None:
        return {}
    keys = {}
    for part in segment_folders(index_dir, manifest):
        table = pd.read_parquet(part / "articles.parquet", columns=["path", "dedup_keys"])
        for path, article_keys in zip(table["path"], table["dedup_keys"]):
            for key in article_keys:
                keys[key] = path
    return keys
