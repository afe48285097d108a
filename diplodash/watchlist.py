"""The watchlist: statements an analyst follows ("no-alliance, no-confrontation and no-targeting of
any third party"), and, per statement, the paragraphs that say the same thing, newest first.

Saved as YAML beside the index (data/watchlist.yaml by default; DIPLODASH_WATCHLIST elsewhere), so a
shared dashboard shows the operator's list and a scheduled watch pass keeps each statement's Atom
feed (feedgen) current for feed readers. "Says the same thing" is DiploDash search's score at or
above the statement's threshold (MATCH_THRESHOLD, the calibrated tracking threshold, unless the
statement sets its own).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from .tracking import DEFAULT_THRESHOLD

# The tracking threshold, calibrated on labelled pairs (diplodash.tracking.DEFAULT_THRESHOLD: precision
# 0.711, recall 0.692 on statements not used to choose it); a statement can set its own.
MATCH_THRESHOLD = DEFAULT_THRESHOLD
CANDIDATES = 300


class WatchlistError(ValueError):
    """A watchlist file that cannot be read or a statement that cannot be saved."""


@dataclass(frozen=True)
class Statement:
    text: str
    threshold: float = MATCH_THRESHOLD

    @property
    def slug(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "-", self.text.lower()).strip("-")
        return words[:60].rstrip("-") or "statement"


def default_path() -> Path:
    return Path(os.environ.get("DIPLODASH_WATCHLIST") or "data/watchlist.yaml")


def load(path: str | Path | None = None) -> list[Statement]:
    path = Path(path or default_path())
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise WatchlistError(f"cannot read the watchlist {path}: {error}") from None
    items = data.get("statements") if isinstance(data, dict) else None
    statements = []
    for item in items or []:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not str(item.get("text") or "").strip():
            raise WatchlistError(f"{path}: each statement needs a 'text'")
        threshold = float(item.get("threshold", MATCH_THRESHOLD))
        statements.append(Statement(str(item["text"]).strip(), threshold))
    return statements


def save(statements: list[Statement], path: str | Path | None = None) -> None:
    """Write the watchlist in one step (a reader never sees half of it)."""
    path = Path(path or default_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"statements": [{"text": s.text, "threshold": s.threshold} for s in statements]}
    staging = path.with_name(f".{path.name}.new")
    staging.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.replace(staging, path)


def add(statements: list[Statement], text: str) -> list[Statement]:
    text = " ".join(str(text).split())
    if len(text) < 3:
        raise WatchlistError("a statement needs a few words")
    if len(text) > 500:
        raise WatchlistError("a statement is one claim: 500 characters at most")
    if any(s.text.lower() == text.lower() for s in statements):
        return statements
    return statements + [Statement(text)]


def matches(index, statement: Statement, since: pd.Timestamp | None = None, **filters) -> pd.DataFrame:
    """Paragraphs (since `since`) that say the same thing as the statement, newest first."""
    hits = index.search(statement.text, k=CANDIDATES, start=since, **filters)
    hits = hits[hits["score"] >= statement.threshold]
    return hits.sort_values(["published", "score"], ascending=[False, False], na_position="last",
                            kind="stable").reset_index(drop=True)


def write_feeds(index, statements: list[Statement], folder: str | Path, entries: int = 50) -> list[Path]:
    """One Atom feed per statement in `folder` (<slug>.xml), its newest matching paragraphs as entries."""
    from feedgen.feed import FeedGenerator

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for statement in statements:
        feed = FeedGenerator()
        feed.id(f"urn:diplodash:watchlist:{statement.slug}")
        feed.title(f"DiploDash: {statement.text}")
        feed.subtitle(f"Paragraphs that say the same thing as \u201c{statement.text}\u201d, newest first")
        feed.link(href=f"urn:diplodash:watchlist:{statement.slug}", rel="self")
        feed.language("en")
        for row in matches(index, statement).head(entries).iloc[::-1].itertuples():
            entry = feed.add_entry()
            entry.id(f"urn:diplodash:paragraph:{row.paragraph_id}")
            entry.title(f"{row.source}: {row.title or 'untitled'}")
            entry.content(row.text, type="text")
            entry.summary(f"score {row.score:.2f} · {row.date}" + (f" · {row.speakers}" if row.speakers else ""))
            if isinstance(row.url, str) and row.url.startswith(("http://", "https://")):
                entry.link(href=row.url)
            if pd.notna(row.published):
                entry.updated(pd.Timestamp(row.published).tz_localize("UTC") if pd.Timestamp(row.published).tzinfo is None
                              else pd.Timestamp(row.published))
        target = folder / f"{statement.slug}.xml"
        staging = folder / f".{statement.slug}.xml.new"
        feed.atom_file(str(staging), pretty=True)
        os.replace(staging, target)
        written.append(target)
    return written
