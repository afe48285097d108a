"""Sources: turn what the user points at (files, folders, zips, URLs, feeds) into raw documents.

Nothing here interprets an article; it only finds inputs, reads their bytes safely and says
which reader the articles stage should use. Problems are reported, never raised, so that one
bad input never stops a build.
"""
from __future__ import annotations

import csv
import os
import re
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .web import WebClient, WebError

FORMATS = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown",
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".html": "html", ".htm": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed",
}
MAX_FILE_BYTES = 256 * 1024 * 1024          # a table of many articles
MAX_ARTICLE_BYTES = 10 * 1024 * 1024        # one article: a larger "article" is a dump, not a text
SINGLE_ARTICLE_FORMATS = {"text", "markdown", "html"}
MAX_FETCH_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT_S = 20
UN_SPEECH_FILE = re.compile(r"^([A-Z]{3})_(\d{2,3})_(\d{4})\.txt$")
UN_SPEAKERS_TABLE = "speakers_by_session.csv"
# Files that describe a corpus rather than belong to it.
_NOT_ARTICLES = re.compile(r"^(readme|license|licence|changelog|copying|notice)(\..*)?$", re.I)
# An input folder may name the publisher of its documents that name none themselves, in place of
# the folder's own name: every upload folder has one, so an upload is never credited to a timestamp.
DEFAULT_PUBLISHER_FILE = ".default-publisher"


@dataclass
class Document:
    name: str                     # what the user sees in reports: a path, zip member or URL
    data: bytes
    format: str                   # one of FORMATS' values, or "html-fragment" for feed content
    url: str | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class Problem:
    name: str
    reason: str
    level: str = "error"          # "error": nothing built from it; "warning": built with a caveat
    document: str | None = None   # key of the input document it concerns (a rebuild reusing it repeats it)

    def __str__(self) -> str:
        return f"{self.level}: {self.name}: {self.reason}"


def is_url(text: str) -> bool:
    return urllib.parse.urlsplit(str(text)).scheme in ("http", "https")


def iter_documents(inputs: Iterable[str | Path], problems: list[Problem]) -> Iterator[Document]:
    """Yield every document under the inputs; record what cannot be read in `problems`."""
    seen_files: set[Path] = set()

    def first_visit(path: Path) -> bool:
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError) as error:  # a symlink loop or a dangling link
            problems.append(Problem(str(path), f"cannot read: {getattr(error, 'strerror', None) or error}"))
            return False
        if real in seen_files:
            return False
        seen_files.add(real)
        return True

    for item in inputs:
        if is_url(str(item)):
            yield from _from_url(str(item), problems)
            continue
        path = Path(item)
        if path.is_dir():
            default_publisher = _default_publisher(path)
            for file in _walk(path, problems):
                readable = file.suffix.lower() in FORMATS or file.suffix.lower() == ".zip"
                if readable and first_visit(file):
                    for document in _from_file(file, problems, explicit=False):
                        if default_publisher is not None:
                            document.meta.setdefault("default_source", default_publisher)
                        yield document
        elif not path.exists() and not path.is_symlink():
            problems.append(Problem(str(path), "no such file or folder"))
        elif first_visit(path):
            yield from _from_file(path, problems, explicit=True)


def _default_publisher(folder: Path) -> str | None:
    try:
        return (folder / DEFAULT_PUBLISHER_FILE).read_text(encoding="utf-8").strip()[:200]
    except (OSError, UnicodeDecodeError):
        return None


def save_uploads(files: Iterable[tuple[str, bytes]], folder: Path, publisher: str = "") -> Path:
    """Write uploaded files into a new `folder` under their bare names (never a path from the
    browser), with the publisher for those that name none ("unknown" when empty)."""
    folder.mkdir(parents=True, exist_ok=False)
    (folder / DEFAULT_PUBLISHER_FILE).write_text(publisher.strip() or "unknown", encoding="utf-8")
    for name, data in files:
        bare = Path(name.replace("\\", "/")).name.lstrip(".") or "upload"
        (folder / bare).write_bytes(data)
    return folder


def _walk(folder: Path, problems: list[Problem]) -> Iterator[Path]:
    # followlinks=False: a symlink loop can never send the walk in circles.
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=lambda e: problems.append(
            Problem(str(e.filename), f"cannot list folder: {e.strerror}"))):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _from_file(path: Path, problems: list[Problem], explicit: bool) -> Iterator[Document]:
    suffix = path.suffix.lower()
    if path.name == UN_SPEAKERS_TABLE or _NOT_ARTICLES.match(path.name):
        return
    if suffix == ".zip":
        yield from _from_zip(path, problems)
        return
    fmt = FORMATS.get(suffix)
    if fmt is None:
        if explicit:
            problems.append(Problem(str(path), f"unsupported file type '{suffix or path.name}'"))
        return
    try:
        size = path.stat().st_size
        limit = MAX_ARTICLE_BYTES if fmt in SINGLE_ARTICLE_FORMATS else MAX_FILE_BYTES
        if size > limit:
            problems.append(Problem(str(path), f"file too large for {'one article' if limit == MAX_ARTICLE_BYTES else 'a table'} "
                                               f"({size / 2**20:.0f} MB > {limit / 2**20:.0f} MB); split it"))
            return
        data = path.read_bytes()
    except OSError as error:
        problems.append(Problem(str(path), f"cannot read: {error.strerror or error}"))
        return
    meta = _un_speech_meta(path) if fmt == "text" else {}
    yield Document(str(path), data, fmt, meta=meta)


def _from_zip(path: Path, problems: list[Problem]) -> Iterator[Document]:
    """Read zip members in memory; nothing is extracted, so no member can write anywhere."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        problems.append(Problem(str(path), f"not a readable zip file ({error})"))
        return
    with archive:
        for info in archive.infolist():
            name = f"{path}!{info.filename}"
            member = Path(info.filename)
            if info.is_dir() or member.name.startswith(".") or _NOT_ARTICLES.match(member.name):
                continue
            if info.filename.startswith(("/", "\\")) or ".." in member.parts or ":" in info.filename:
                problems.append(Problem(name, "unsafe path inside zip, skipped"))
                continue
            fmt = FORMATS.get(member.suffix.lower())
            if fmt is None:
                continue
            limit = MAX_ARTICLE_BYTES if fmt in SINGLE_ARTICLE_FORMATS else MAX_FILE_BYTES
            if info.file_size > limit:
                problems.append(Problem(name, f"member too large ({info.file_size / 2**20:.0f} MB > {limit / 2**20:.0f} MB)"))
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError) as error:
                problems.append(Problem(name, f"cannot read zip member ({error})"))
                continue
            yield Document(name, data, fmt)


# ---------------------------------------------------------------- UN General Debate speeches

_speaker_tables: dict[Path, dict] = {}


def _un_speech_meta(path: Path) -> dict:
    """Speech metadata from the file name (ISO3_SESSION_YEAR.txt) and speakers_by_session.csv."""
    match = UN_SPEECH_FILE.match(path.name)
    if not match:
        return {}
    iso, session, year = match.groups()
    meta = {"un_speech": True, "country_code": iso, "session": int(session), "year": int(year),
            "source": "UN General Debate"}
    for folder in (path.parent, path.parent.parent):
        table = folder / UN_SPEAKERS_TABLE
        if table.exists():
            row = _load_speakers(table).get((int(year), iso))
            if row:
                meta.update(row)
            break
    return meta


def _load_speakers(table: Path) -> dict:
    if table not in _speaker_tables:
        rows = {}
        with open(table, encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                try:
                    key = (int(row["Year"]), row["ISO Code"].strip())
                except (KeyError, ValueError, AttributeError):
                    continue
                rows[key] = {"country": (row.get("Country") or "").strip(),
                             "speaker": (row.get("Name of Person Speaking") or "").strip(),
                             "speaker_role": (row.get("Post") or "").strip()}
        _speaker_tables[table] = rows
    return _speaker_tables[table]


# ---------------------------------------------------------------- the web: pages and feeds

_client = None


def fetch(url: str) -> tuple[bytes, str]:
    """GET a URL through the shared web client (timeouts, retries with backoff, a size cap);
    return (body, content type) or raise WebError."""
    global _client
    if _client is None:
        _client = WebClient(timeout=(5.0, FETCH_TIMEOUT_S), max_bytes=MAX_FETCH_BYTES)
    response = _client.get(url)
    return response.body, response.content_type


def _from_url(url: str, problems: list[Problem]) -> Iterator[Document]:
    try:
        body, content_type = fetch(url)
    except WebError as error:
        problems.append(Problem(url, f"cannot fetch: {error}"))
        return
    looks_like_feed = any(t in content_type for t in ("rss", "atom", "xml")) or \
        body.lstrip()[:200].lower().startswith((b"<?xml", b"<rss", b"<feed"))
    if looks_like_feed and b"<html" not in body[:2000].lower():
        yield Document(url, body, "feed", url=url)
    else:
        yield Document(url, body, "html", url=url)


def expand_feed(feed: Document, problems: list[Problem]) -> Iterator[Document]:
    """One document per feed entry (diplodash.feeds reads them); an entry that carries only a
    summary fetches its page, and keeps the summary if the page fails."""
    from .feeds import read_feed

    try:
        feed_title, entries = read_feed(feed.data)
    except ValueError as error:
        problems.append(Problem(feed.name, str(error)))
        return
    for number, entry in enumerate(entries, 1):
        link = entry.link
        meta = {"title": entry.title, "published": entry.published, "source": feed_title, "url": link}
        if "default_source" in feed.meta:
            meta["default_source"] = feed.meta["default_source"]
        if entry.carries_text:
            yield Document(f"{feed.name}#{number}", entry.content.encode("utf-8"), "html-fragment", link, meta)
            continue
        if link and is_url(link):
            try:
                page, _ = fetch(link)
                yield Document(link, page, "html", link, meta)
                continue
            except WebError as error:
                problems.append(Problem(link, f"cannot fetch the entry's page ({error}); "
                                              "kept the feed's summary", "warning"))
        fallback = entry.content or entry.summary
        if fallback.strip():
            yield Document(f"{feed.name}#{number}", fallback.encode("utf-8"), "html-fragment", link, meta)
        else:
            problems.append(Problem(f"{feed.name}#{number}", "feed entry has no text and no page to fetch"))
