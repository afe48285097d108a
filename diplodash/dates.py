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
# Chinese dates: 2019年1月17日, 2019年1月, 2019年 (with or without spaces, a time may follow).
_CHINESE_DATE = re.compile(r"(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")
# Russian dates, as kremlin.ru prints them: "17 января 2025 года", "8 мая 2025 года, 15:30".
_RUSSIAN_MONTHS = {stem: number for number, stem in enumerate(
    ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"), 1)}
_RUSSIAN_DATE = re.compile(r"(?:(\d{1,2})\s+)?(январ[ьяе]|феврал[ьяе]|марта?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|"
                           r"августа?|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])\s+(\d{4})", re.I)


def _written_date(text: str) -> tuple[pd.Timestamp | None, str | None]:
    """A Chinese or Russian date, which dateutil does not read; (None, None) if neither."""
    match = _CHINESE_DATE.search(text)
    if match:
        year, month, day = match.groups()
        return _stamp(int(year), int(month) if month else None, int(day) if day else None)
    match = _RUSSIAN_DATE.search(text)
    if match:
        day, month, year = match.groups()
        stem = next(s for s in sorted(_RUSSIAN_MONTHS, key=len, reverse=True) if month.lower().startswith(s))
        return _stamp(int(year), _RUSSIAN_MONTHS[stem], int(day) if day else None)
    return None, None


def _stamp(year: int, month: int | None, day: int | None) -> tuple[pd.Timestamp | None, str | None]:
    try:
        return pd.Timestamp(year=year, month=month or 1, day=day or 1), "day" if day else "month" if month else "year"
    except ValueError:
        return None, None


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
    if re.search(r"[年\u0400-\u04ff]", text):
        return _written_date(text)
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
