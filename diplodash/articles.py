"""Articles: read one raw document (plain text, Markdown, table, HTML page, feed entry) into
articles with a title, a dated publication, a publisher and the body as ordered text blocks."""
from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from .dates import parse_date
from .sources import Document, Problem
from .furniture import strip_furniture
from .languages import declared
from .text import clean, has_letters, strip_markup


@dataclass
class Block:
    text: str
    kind: str | None = None       # "heading" when the markup says so; the paragraph stage decides the rest


@dataclass
class Article:
    title: str
    blocks: list[Block]
    published: pd.Timestamp | None = None
    date_precision: str | None = None
    source: str = ""
    url: str | None = None
    path: str = ""
    flat: bool = False            # the body lost its paragraph breaks (one long line)
    speaker: str | None = None    # from metadata, e.g. the UN General Debate speaker table
    speaker_role: str | None = None
    country: str | None = None
    date_text: str | None = None  # the date as written, kept so an unreadable one can be reported
    language: str | None = None   # as the source declares it (diplodash.languages detects the rest)


class ArticleError(ValueError):
    """A document that cannot become an article; the message is the one-line reason users see."""


# Friendly publisher names for well-known sites; anything else shows its host name.
KNOWN_SITES = {
    "whitehouse.gov": "White House", "bidenwhitehouse.archives.gov": "White House",
    "trumpwhitehouse.archives.gov": "White House", "obamawhitehouse.archives.gov": "White House",
    "kremlin.ru": "Kremlin", "en.kremlin.ru": "Kremlin", "globaltimes.cn": "Global Times",
    "xinhuanet.com": "Xinhua", "news.cn": "Xinhua", "mid.ru": "Russian MFA",
    "fmprc.gov.cn": "Chinese MFA", "mfa.gov.cn": "Chinese MFA", "state.gov": "US State Department",
    "un.org": "United Nations", "press.un.org": "United Nations", "news.un.org": "UN News",
}

COLUMN_ALIASES = {
    "title": ("title", "headline", "name", "subject"),
    "published": ("published", "date", "published_time", "published_at", "datetime", "pubdate", "time"),
    "body": ("body", "text", "content", "article", "full_text", "article_full_text_1", "article_full_text"),
    "url": ("url", "link", "source_url", "href"),
    "source": ("source", "publisher", "outlet", "site", "sitename"),
    "summary": ("summary", "description", "lead"),
    "language": ("language", "lang", "locale"),
}
_HEADER_LINE = re.compile(r"^(published|date|updated|source|publisher|url|link|author|by)\s*:\s*(.+)$", re.I)


def site_name(url: str | None) -> str | None:
    if not url:
        return None
    host = urllib.parse.urlsplit(url).hostname or ""
    host = host.removeprefix("www.")
    for candidate in (host, ".".join(host.split(".")[-2:])):
        if candidate in KNOWN_SITES:
            return KNOWN_SITES[candidate]
    return host or None


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 or a BOM'd Unicode first, then charset detection; binary is refused."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as error:
                raise ArticleError(f"broken {codec} text ({error.reason})") from None
    if b"\x00" in data[:8192]:
        raise ArticleError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        # Among equally clean readings prefer Western European: cp1250 and cp1252 often tie on
        # short French or Spanish texts, and the corpora here are mostly in Western languages.
        western = ("cp1252", "latin_1", "iso8859_15", "utf_8")
        candidates = list(from_bytes(data[:1_000_000]))
        if not candidates:
            raise ArticleError("binary file or unknown text encoding") from None
        best = min(candidates, key=lambda match: (round(match.chaos, 2), match.encoding not in western))
        text = data.decode(best.encoding, errors="replace")
    sample = text[:20000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if sample and controls / len(sample) > 0.01:
        raise ArticleError("binary file, not text")
    return text


def read_articles(doc: Document, problems: list[Problem], columns: dict | None = None) -> Iterator[Article]:
    """Articles in a document; a document that holds none adds one problem and yields nothing."""
    try:
        if doc.format in ("csv", "tsv", "jsonl", "json"):
            yield from _table(doc, problems, columns or {})
            return
        text = decode(doc.data)
        if not text.strip():
            raise ArticleError("empty file")
        reader = {"text": _plain_text, "markdown": _markdown, "html": _html_page,
                  "html-fragment": _html_fragment}[doc.format]
        yield reader(doc, text)
    except ArticleError as error:
        problems.append(Problem(doc.name, str(error)))


def finish(article: Article, doc: Document, published=None, source: str | None = None) -> Article:
    """Fill date, publisher and path; refuse an article whose body has no text."""
    article.blocks = [b for b in article.blocks if b.text and has_letters(b.text)]
    if not article.blocks:
        raise ArticleError("no text in the article body")
    if published not in (None, "") and article.published is None:
        article.date_text = str(published)
        article.published, article.date_precision = parse_date(published)
    article.url = article.url or doc.url or doc.meta.get("url")
    own = source or doc.meta.get("source") or site_name(article.url)
    # A folder's name is a publisher's name in a corpus laid out by publisher (data/sample), not in
    # an upload: there the folder (or the build) gives the publisher to use instead.
    fallback = doc.meta["default_source"] if "default_source" in doc.meta else Path(doc.name.split("!")[0]).parent.name
    article.source = clean(own or fallback or "unknown")
    article.path = doc.name
    article.title = clean(strip_markup(article.title or "")) or Path(doc.name).stem
    article.language = article.language or declared(doc.meta.get("language"))
    if article.published is None and _titled_date(article.title):
        article.published, article.date_precision = parse_date(_titled_date(article.title))
    return article


def _titled_date(title: str) -> str | None:
    """"2019年1月17日外交部发言人陆慷主持例行记者会": a ministry's title that carries its date."""
    match = re.search(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s+[а-я]+\s+\d{4}\s+года", title or "", re.I)
    return match.group(0) if match else None


def plain_blocks(text: str) -> list[Block]:
    """Blank lines separate paragraphs and hard-wrapped lines are joined; text without any blank
    line (UN speeches) has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if re.search(r"\n[ \t\u00a0]*\n", text):
        parts = re.split(r"\n[ \t\u00a0]*\n", text)
    else:
        parts = text.split("\n")
    return [Block(clean(strip_markup(part))) for part in parts if part.strip()]


def _plain_text(doc: Document, text: str) -> Article:
    meta = doc.meta
    if meta.get("un_speech"):
        country = meta.get("country") or meta["country_code"]
        article = Article(title=f"{country}: UN General Debate statement, {meta['year']}",
                          blocks=plain_blocks(text), speaker=meta.get("speaker") or None,
                          speaker_role=meta.get("speaker_role") or None, country=country)
        return finish(article, doc, published=str(meta["year"]))
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    title = lines.pop(0).strip() if lines and len(lines[0].split()) <= 30 else ""
    headers = {}
    while lines and (_HEADER_LINE.match(lines[0].strip()) or not lines[0].strip()):
        match = _HEADER_LINE.match(lines.pop(0).strip())
        if match:
            headers[match.group(1).lower()] = match.group(2).strip()
    published = headers.get("published") or headers.get("date") or headers.get("updated")
    url = headers.get("url") or headers.get("link")
    article = Article(title=title, blocks=plain_blocks("\n".join(lines)), url=url)
    return finish(article, doc, published=published, source=headers.get("source") or headers.get("publisher"))


def _markdown(doc: Document, text: str) -> Article:
    import frontmatter
    from markdown_it import MarkdownIt

    try:
        post = frontmatter.loads(text)
    except Exception as error:  # the YAML library raises many types for a broken header
        raise ArticleError(f"broken front matter ({type(error).__name__})") from None
    meta = {str(k).lower(): v for k, v in post.metadata.items()}
    # Lines holding only non-breaking spaces separate paragraphs in scraped Markdown; CommonMark
    # would not see them as blank.
    content = re.sub(r"(?m)^[ \t\u00a0]+$", "", post.content)
    html = MarkdownIt("commonmark").render(content)
    article = Article(title=str(meta.get("title") or ""), blocks=html_blocks(html),
                      url=_first(meta, COLUMN_ALIASES["url"]))
    published = meta.get("published_time") or meta.get("published") or meta.get("date")
    return finish(article, doc, published=published, source=_first(meta, COLUMN_ALIASES["source"]))


_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "section",
               "article", "ul", "ol", "table", "tr", "td", "th", "dd", "dt", "dl", "figcaption",
               "header", "footer", "main", "aside", "figure", "body", "html", "hr", "center"}
_DROP_TAGS = ("script", "style", "noscript", "iframe", "template", "svg", "math", "head", "object")


def html_blocks(html: str) -> list[Block]:
    """Block-level text of an HTML fragment; inline tags (<sup>, <s>, <a>) only lose their markup."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fromstring(f"<div>{html}</div>")
    except (etree.ParserError, ValueError):
        return []
    etree.strip_elements(root, *_DROP_TAGS, etree.Comment, with_tail=False)
    blocks: list[Block] = []
    pending: list[str] = []

    def flush():
        text = clean(strip_markup("".join(pending)))
        pending.clear()
        if text:
            blocks.append(Block(text))

    def visit(element):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag not in _BLOCK_TAGS:
            pending.append(element.text_content() + (element.tail or ""))
            return
        flush()
        if not any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS for d in element.iterdescendants()):
            text = clean(strip_markup(element.text_content()))
            if text:
                blocks.append(Block(text, "heading" if re.fullmatch(r"h[1-6]", tag) else None))
        else:
            pending.append(element.text or "")
            for child in element:
                visit(child)
            flush()
        pending.append(element.tail or "")

    visit(root)
    flush()
    return blocks


def _html_page(doc: Document, text: str) -> Article:
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(text, url=doc.url, output_format="xml", with_metadata=True,
                              include_comments=False, include_tables=False)
    if not xml:
        raise ArticleError("no article text found in the HTML page")
    root = etree.fromstring(xml.encode("utf-8"))
    blocks = []
    for element in root.iter("head", "p", "item", "quote"):
        if element.getparent() is not None and element.getparent().tag in ("quote", "item"):
            continue
        text = clean("".join(element.itertext()))
        if text:
            blocks.append(Block(text, "heading" if element.tag == "head" else None))
    meta = doc.meta
    article = Article(title=meta.get("title") or root.get("title") or "", blocks=blocks,
                      url=doc.url or root.get("url") or root.get("source"))
    # A date the title writes out beats the one trafilatura guesses from the page.
    published = meta.get("published") or _titled_date(article.title) or root.get("date")
    return finish(article, doc, published=published, source=meta.get("source") or root.get("sitename"))


def _html_fragment(doc: Document, text: str) -> Article:
    article = Article(title=doc.meta.get("title") or "", blocks=html_blocks(text))
    return finish(article, doc, published=doc.meta.get("published"))


def _first(mapping: dict, keys) -> str | None:
    """The first non-empty value among `keys`, as text."""
    for key in keys:
        value = mapping.get(key)
        if value not in (None, "") and not (isinstance(value, float) and value != value):
            return str(value)
    return None


def _table(doc: Document, problems: list[Problem], columns: dict) -> Iterator[Article]:
    """One article per row of a CSV, TSV, JSON or JSON Lines table."""
    text = decode(doc.data)
    rows, bad_rows = _table_rows(doc.format, text), []
    mapping = None
    count = 0
    try:
        for number, row in rows:
            if isinstance(row, Exception):
                bad_rows.append(f"row {number}: {row}")
                continue
            if mapping is None:
                mapping = _column_mapping(list(row), columns)
            body = row.get(mapping["body"]) if mapping.get("body") else None
            if not isinstance(body, str) or not body.strip():
                bad_rows.append(f"row {number}: empty '{mapping.get('body') or 'body'}' column")
                continue
            title = row.get(mapping["title"]) if mapping.get("title") else ""
            url = str(row.get(mapping["url"]) or "") or None if mapping.get("url") else None
            body = strip_furniture(body, url, str(title or ""), row.get("place"))
            blocks = plain_blocks(body)
            article = Article(title=str(title or ""), blocks=blocks, flat="\n" not in body.strip(), url=url,
                              language=declared(row.get(mapping["language"])) if mapping.get("language") else None)
            row_doc = Document(f"{doc.name} row {number}", b"", doc.format, meta=doc.meta)
            try:
                yield finish(article, row_doc, published=row.get(mapping.get("published") or ""),
                             source=row.get(mapping["source"]) if mapping.get("source") else None)
                count += 1
            except ArticleError as error:
                bad_rows.append(f"row {number}: {error}")
    except (csv.Error, UnicodeError) as error:
        bad_rows.append(f"stopped reading: {error}")
    if mapping is None and not bad_rows:
        raise ArticleError("empty table")
    if bad_rows:
        shown = "; ".join(bad_rows[:3]) + (f"; and {len(bad_rows) - 3} more" if len(bad_rows) > 3 else "")
        level = "warning" if count else "error"
        problems.append(Problem(doc.name, f"{len(bad_rows)} row(s) skipped ({shown})", level))


def _column_mapping(header: list[str], explicit: dict) -> dict:
    lowered = {str(h).strip().lower(): h for h in header}
    mapping = {}
    for role, aliases in COLUMN_ALIASES.items():
        wanted = explicit.get(role)
        if wanted:
            if wanted not in header:
                raise ArticleError(f"column '{wanted}' (for {role}) not in the table; columns: {', '.join(map(str, header))}")
            mapping[role] = wanted
            continue
        mapping[role] = next((lowered[a] for a in aliases if a in lowered), None)
    if not mapping["body"]:
        raise ArticleError(f"no text column (looked for {', '.join(COLUMN_ALIASES['body'])}; "
                           f"columns: {', '.join(map(str, header))}); map one with --columns body=NAME")
    return mapping


def _table_rows(fmt: str, text: str) -> Iterator[tuple[int, dict | Exception]]:
    if fmt in ("csv", "tsv"):
        csv.field_size_limit(64 * 1024 * 1024)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else ",")
        for number, row in enumerate(reader, 1):
            if None in row:  # more cells than header names: a broken quote or a stray comma
                yield number, ValueError("more cells than columns")
            else:
                yield number, row
    elif fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                yield number, row if isinstance(row, dict) else ValueError("not a JSON object")
            except json.JSONDecodeError as error:
                yield number, ValueError(f"bad JSON ({error.msg})")
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ArticleError(f"bad JSON at line {error.lineno} ({error.msg})") from None
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), [data])
        for number, row in enumerate(data, 1):
            yield number, row if isinstance(row, dict) else ValueError("not a JSON object")
