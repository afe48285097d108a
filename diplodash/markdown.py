"""Untrusted text as Markdown that shows as written: every Markdown character escaped, and the
sentence a search matched in bold."""
from __future__ import annotations

import re

import pandas as pd

from .search import matching_sentence


def matched_span(row) -> tuple[int, int] | None:
    """The sentence search scored this hit by, when it was one sentence rather than the paragraph."""
    start, end = getattr(row, "match_start", -1), getattr(row, "match_end", -1)
    return (int(start), int(end)) if pd.notna(start) and pd.notna(end) and 0 <= start < end else None


def marked(text: str, query: str | None, span: tuple[int, int] | None = None) -> str:
    """`text` as safe Markdown with the matched sentence in bold: `span` where search scored a
    sentence, else the sentence sharing most of the query's words, else no bold at all."""
    span = span or (matching_sentence(text, query) if query else None)
    if span is None:
        return plain(text)
    start, end = span
    return f"{plain(text[:start])} **{plain(text[start:end].strip())}** {plain(text[end:])}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Untrusted text escaped for st.markdown: shows as written, never as markup or a link."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")
