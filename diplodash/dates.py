"""Publication dates with their precision (day, month or year)."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from dateutil import parser as dateutil_parser

PRECISIONS = ("day", "month", "year")

# Two defaults that differ in every field: a field that comes out different was not in the text.
_DEFAULT_A = dt.datetime(2001, 1, 1)
_DEFAULT_B = dt.datetime(2002, 2, 2)
_YEAR_ONLY = re.compile(r"^\s*(\d{4})\s*$")


def parse_date(value) -> tuple[pd.Timestamp | None, str | None]:
    """Return (timestamp, precision) or (None, None) when the value holds no date.

    Timestamps are naive and keep the local wall-clock time the publisher printed: an article
    published at 23:30 in Beijing belongs to that day, not to the UTC one.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None, None
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value.replace(tzinfo=None)), "day"
    if isinstance(value, dt.date):
        return pd.Timestamp(value), "day"
    if isinstance(value, (int,)) and 1000 <= value <= 9999:
        return pd.Timestamp(year=value, month=1, day=1), "year"
    text = str(value).strip()
    if not text or text.lower() in {"na", "nan", "none", "null", "unknown"}:
        return None, None
    year_only = _YEAR_ONLY.match(text)
    if year_only:
        return pd.Timestamp(year=int(year_only.group(1)), month=1, day=1), "year"
    try:
        first = dateutil_parser.parse(text, default=_DEFAULT_A)
        second = dateutil_parser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        return None, None
    if first.year != second.year:
        return None, None
    precision = "day" if first.day == second.day else "month" if first.month == second.month else "year"
    stamp = first.replace(tzinfo=None)
    if precision != "day":
        stamp = stamp.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if precision == "year":
        stamp = stamp.replace(month=1)
    return pd.Timestamp(stamp), precision


def display_date(published, precision: str | None = None) -> str:
    """A date as precisely as the source gave it: "2024-04-09", "Oct 2022", "2024" or "undated"."""
    if published is None or pd.isna(published):
        return "undated"
    stamp = pd.Timestamp(published)
    if precision == "year":
        return f"{stamp:%Y}"
    if precision == "month":
        return f"{stamp:%b %Y}"
    return f"{stamp:%Y-%m-%d}"


def display_dates(published: pd.Series, precision: pd.Series | None = None) -> pd.Series:
    """display_date over a column (precision "day" where none is given)."""
    precision = precision if precision is not None else pd.Series("day", index=published.index)
    return pd.Series([display_date(p, q) for p, q in zip(published, precision)], index=published.index, dtype=object)


def with_display_date(table: pd.DataFrame) -> pd.DataFrame:
    """A table for export or display: `published` (and `date_precision`) replaced by `date`, as
    precise as the source gave it, so that a year-only speech never reads as 1 January."""
    if "published" not in table:
        return table
    precision = table["date_precision"] if "date_precision" in table else None
    dates = display_dates(table["published"], precision)
    position = table.columns.get_loc("published")
    table = table.drop(columns=["published", "date_precision", "date"], errors="ignore")
    table.insert(min(position, len(table.columns)), "date", dates)
    return table
