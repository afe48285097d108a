"""Watched sources: the sources file (data/sources.yaml) and what one source lists right now.

A source is a publisher with an RSS/Atom feed (read by feedparser) or a listing page (the links on
it that match the source's `links` pattern). Each entry has a stable id (the feed's own id, else
its link) so that a watcher fetches only what it has not seen, whatever the feed repeats, reorders
or drops between passes.
"""
from __future__ import annotations

import io
import re
import urllib.parse
import xml.sax
from dataclasses import dataclass
from pathlib import Path

import yaml

KINDS = ("feed", "listing")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file, the source and the field."""


@dataclass(frozen=True)
class Source:
    name: str                     # the publisher, as articles are credited
    url: str
    kind: str = "feed"
    language: str = "en"
    interval_s: float = 3600.0    # a pass skips a source checked less than this long ago
    links: str | None = None      # listing pages: a regular expression the article links match


FULL_TEXT_WORDS = 80  # an entry whose content has this many words is read from the feed, not its page


@dataclass
class Entry:
    id: str
    link: str | None
    title: str | None = None
    published: str | None = None
    content: str = ""             # the feed's own full text (HTML), when it carries one
    summary: str = ""

    @property
    def carries_text(self) -> bool:
        return len(self.content.split()) >= FULL_TEXT_WORDS


def parse_duration(value, where: str) -> float:
    """Seconds from 90, "90s", "30m", "6h" or "1d"."""
    if isinstance(value, (int, float)) and value > 0:
        return float(value)
    match = _DURATION.match(str(value))
    if not match or float(match.group(1)) <= 0:
        raise SourcesError(f"{where}: interval '{value}' is not a duration such as 30m, 6h or 1d")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def load_sources(path: str | Path) -> list[Source]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesError(f"cannot read the sources file {path}: {error}") from None
    except yaml.YAMLError as error:
        raise SourcesError(f"the sources file {path} is not valid YAML: {error}") from None
    items = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise SourcesError(f"{path}: expected a list under 'sources:'")
    sources, names = [], set()
    for number, item in enumerate(items, 1):
        where = f"{path}, source {number}"
        if not isinstance(item, dict):
            raise SourcesError(f"{where}: expected a mapping with name and url")
        name, url = str(item.get("name") or "").strip(), str(item.get("url") or "").strip()
        if not name or not url:
            raise SourcesError(f"{where}: needs both 'name' and 'url'")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise SourcesError(f"{where} ({name}): url must start with http:// or https://")
        kind = str(item.get("kind") or "feed")
        if kind not in KINDS:
            raise SourcesError(f"{where} ({name}): kind must be one of {', '.join(KINDS)}")
        links = item.get("links")
        if kind == "listing":
            if not links:
                raise SourcesError(f"{where} ({name}): a listing page needs 'links', a pattern its article links match")
            try:
                re.compile(str(links))
            except re.error as error:
                raise SourcesError(f"{where} ({name}): 'links' is not a regular expression ({error})") from None
        if name in names:
            raise SourcesError(f"{where}: the name '{name}' is used twice")
        names.add(name)
        sources.append(Source(name, url, kind, str(item.get("language") or "en"),
                              parse_duration(item.get("interval", "1h"), f"{where} ({name})"),
                              str(links) if links else None))
    return sources


def feed_entries(body: bytes) -> list[Entry]:
    """The entries of an RSS/Atom document; ValueError when it has none and is not well-formed."""
    return read_feed(body)[1]


def read_feed(body: bytes) -> tuple[str | None, list[Entry]]:
    """The feed's title and its entries, once each (by id, else link); ValueError when it has none
    and is not well-formed."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(body))
    # A feed that is not well-formed XML (cut off, say) is read leniently, but only its entries with
    # a link are kept: each is read from its own page, never from a fragment of broken markup.
    broken = bool(parsed.bozo) and isinstance(getattr(parsed, "bozo_exception", None), xml.sax.SAXException)
    items = [item for item in parsed.entries if item.get("link")] if broken else parsed.entries
    if not items and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed, "bozo_exception", None) or "not RSS or Atom"
        raise ValueError(f"not a readable RSS/Atom feed ({str(reason)[:120]})")
    entries, seen = [], set()
    for item in items:
        link = item.get("link")
        key = str(item.get("id") or link or item.get("title") or "").strip()
        if not key or key in seen:
            continue
        seen.add(key)
        content = "" if broken else " ".join(part.get("value", "") for part in item.get("content", []))
        entries.append(Entry(key, link, item.get("title"), item.get("published") or item.get("updated"), content,
                             "" if broken else str(item.get("summary") or "")))
    return parsed.feed.get("title"), entries


def listing_entries(body: bytes, base_url: str, pattern: str) -> list[Entry]:
    """The article links of a listing page: absolute, same order as on the page, once each."""
    import lxml.html

    try:
        page = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError) as error:
        raise ValueError(f"not a readable HTML page ({error})") from None
    wanted, entries, seen = re.compile(pattern), [], set()
    for anchor in page.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        link = urllib.parse.urljoin(base_url, href).split("#")[0]
        if link in seen or not wanted.search(link):
            continue
        seen.add(link)
        title = " ".join(anchor.text_content().split()) or None
        entries.append(Entry(link, link, title))
    return entries
