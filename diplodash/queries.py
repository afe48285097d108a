"""Queries over a loaded index that return DataFrames for tables and charts: who speaks, how
often, when, on which themes, and the paragraphs behind any number."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dates import display_date

# Period codes and the date precision an article needs to be counted at that granularity:
# a year-only speech is never counted as January.
PERIODS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
_FINEST_NEEDED = {"day": {"day"}, "week": {"day"}, "month": {"day", "month"},
                  "quarter": {"day", "month"}, "year": {"day", "month", "year"}}


def period_ordinals(stamps: np.ndarray, granularity: str) -> np.ndarray:
    """Periods as integers counted from 1970 (days, weeks, months, quarters or years)."""
    if granularity in ("week", "day"):
        days = stamps.astype("datetime64[D]").astype(np.int64)
        return (days + 3) // 7 if granularity == "week" else days  # 1970-01-01 was a Thursday: weeks start on Monday
    months = stamps.astype("datetime64[M]").astype(np.int64)
    return {"month": months, "quarter": months // 3, "year": months // 12}[granularity]


def _starts(numbers: np.ndarray, granularity: str) -> np.ndarray:
    """The first day of each period number (the inverse of period_ordinals)."""
    if granularity == "week":
        starts = (numbers * 7 - 3).astype("datetime64[D]")
    elif granularity == "day":
        starts = numbers.astype("datetime64[D]")
    else:
        starts = (numbers * {"month": 1, "quarter": 3, "year": 12}[granularity]).astype("datetime64[M]")
    return starts.astype("datetime64[ns]")


def period_numbers(paragraphs: pd.DataFrame, granularity: str = "month") -> tuple[np.ndarray, np.ndarray]:
    """Each paragraph's period as an integer (-1 where the date is missing or too coarse) and the
    first day of every period number, from 0 up: integer arithmetic, no Period objects."""
    if granularity not in PERIODS:
        raise ValueError(f"granularity must be one of {', '.join(PERIODS)}")
    published = paragraphs["published"].to_numpy(dtype="datetime64[ns]")
    valid = paragraphs["date_precision"].isin(_FINEST_NEEDED[granularity]).to_numpy(dtype=bool) & ~np.isnat(published)
    number = period_ordinals(published, granularity)
    if not valid.any():
        return np.full(len(published), -1, dtype=np.int64), np.array([], dtype="datetime64[ns]")
    first, last = number[valid].min(), number[valid].max()
    return np.where(valid, number - first, -1), _starts(np.arange(first, last + 1), granularity)


def calendar_periods(periods, granularity: str = "month") -> np.ndarray:
    """Every period start from the first of `periods` to the last, gaps included (for even ticks)."""
    numbers = period_ordinals(np.asarray(periods, dtype="datetime64[ns]"), granularity)
    if not len(numbers):
        return np.array([], dtype="datetime64[ns]")
    return _starts(np.arange(numbers.min(), numbers.max() + 1), granularity)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # never the locale's


def period_labels(starts, granularity: str = "month") -> list[str]:
    """How a period reads: "2024-04-09", "2024-W07" (ISO week), "Oct 2022", "Q3 2023" or "2024"."""
    if granularity not in PERIODS:
        raise ValueError(f"granularity must be one of {', '.join(PERIODS)}")
    stamps = pd.DatetimeIndex(np.asarray(starts, dtype="datetime64[ns]"))
    if granularity == "day":
        return [f"{s:%Y-%m-%d}" for s in stamps]
    if granularity == "week":
        iso = stamps.isocalendar()
        return [f"{year}-W{week:02d}" for year, week in zip(iso["year"], iso["week"])]
    if granularity == "month":
        return [f"{_MONTHS[s.month - 1]} {s.year}" for s in stamps]
    if granularity == "quarter":
        return [f"Q{(s.month - 1) // 3 + 1} {s.year}" for s in stamps]
    return [str(s.year) for s in stamps]


def period_column(paragraphs: pd.DataFrame, granularity: str = "month") -> pd.Series:
    """Each paragraph's period (as the period's first day), or NaT where its date is too coarse."""
    codes, starts = period_numbers(paragraphs, granularity)
    column = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    column[codes >= 0] = starts[codes[codes >= 0]]
    return pd.Series(column, index=paragraphs.index, dtype="datetime64[ns]")


def list_items(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(row position, item) for every item of a list column. Arrow-backed lists (as the index loads
    `themes`) flatten in milliseconds; other columns go through pandas' explode."""
    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype) and (pa.types.is_list(dtype.pyarrow_dtype) or pa.types.is_large_list(dtype.pyarrow_dtype)):
        lists = values.array.__arrow_array__()
        lists = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
        rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        return rows, pd.Series(pd.arrays.ArrowExtensionArray(pc.list_flatten(lists)))
    exploded = values.reset_index(drop=True).explode().dropna()
    return exploded.index.to_numpy(dtype=np.int64), exploded.reset_index(drop=True)


def list_column(rows: np.ndarray, items: np.ndarray, length: int, index=None) -> pd.Series:
    """A list column of `length` rows from (row, item) pairs, as Arrow lists (as the index holds
    `themes`): no Python list per row."""
    rows = np.asarray(rows, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=length))]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.asarray(items, dtype=object)[order], type=pa.string()))
    return pd.Series(pd.arrays.ArrowExtensionArray(lists), index=index)


def has_any(values: pd.Series, wanted) -> np.ndarray:
    """Rows of a list column holding at least one of `wanted`."""
    rows, items = list_items(values)
    mask = np.zeros(len(values), dtype=bool)
    mask[rows[items.isin(list(wanted)).to_numpy(dtype=bool)]] = True
    return mask


def _exploded(paragraphs: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    """One row per (paragraph, list item); exploding the one column keeps it ~20x faster than a
    per-row Python call on a 160k-paragraph index."""
    rows, values = list_items(paragraphs[column])
    table = paragraphs.drop(columns=[column, "text", "attributions"], errors="ignore").iloc[rows]
    return table.assign(**{name: values.to_numpy()})


SOURCE_KINDS = {"persons": "speakers", "groups": "speaker_groups", "organisations": "speaker_organisations"}


def speaker_counts(paragraphs: pd.DataFrame, groups: bool = False, top: int | None = None,
                   kind: str | None = None) -> pd.DataFrame:
    """Statements (paragraphs) per speaker, with articles, sources and first/last date, most first.
    `kind` is persons (default), groups (unnamed: experts, officials) or organisations (ministries,
    governments, agencies); `groups=True` is kind="groups"."""
    column = SOURCE_KINDS[kind or ("groups" if groups else "persons")]
    rows = _exploded(paragraphs, column, "speaker")
    if rows.empty:
        return pd.DataFrame(columns=["speaker", "statements", "articles", "sources", "first", "last"])
    table = rows.groupby("speaker").agg(statements=("paragraph_id", "size"), articles=("article_id", "nunique"),
                                        sources=("source", "nunique"), first=("published", "min"),
                                        last=("published", "max"))
    table = table.reset_index().sort_values(["statements", "speaker"], ascending=[False, True], ignore_index=True)
    return table.head(top) if top else table


def speaker_periods(paragraphs: pd.DataFrame, granularity: str = "month", speakers: list[str] | None = None) -> pd.DataFrame:
    """Statements per speaker and period (long format: speaker, period, statements)."""
    rows = _exploded(paragraphs.assign(period=period_column(paragraphs, granularity)), "speakers", "speaker")
    if speakers is not None:
        rows = rows[rows["speaker"].isin(speakers)]
    rows = rows.dropna(subset=["period"])
    return (rows.groupby(["speaker", "period"]).size().rename("statements").reset_index()
            .sort_values(["speaker", "period"], ignore_index=True))


def speaker_themes(paragraphs: pd.DataFrame, speakers: list[str] | None = None) -> pd.DataFrame:
    """Statements per speaker and theme (needs the `themes` column written by theme tagging)."""
    if "themes" not in paragraphs:
        return pd.DataFrame(columns=["speaker", "theme", "statements"])
    rows = _exploded(_exploded(paragraphs, "speakers", "speaker"), "themes", "theme")
    if speakers is not None:
        rows = rows[rows["speaker"].isin(speakers)]
    return (rows.groupby(["speaker", "theme"]).size().rename("statements").reset_index()
            .sort_values(["speaker", "statements"], ascending=[True, False], ignore_index=True))


def statements(paragraphs: pd.DataFrame, speaker: str, period: pd.Timestamp | str | None = None,
               granularity: str = "month", theme: str | None = None, group: bool = False,
               kind: str | None = None) -> pd.DataFrame:
    """The paragraphs behind one cell: a speaker's statements, optionally in one period or theme."""
    column = SOURCE_KINDS[kind or ("groups" if group else "persons")]
    mask = paragraphs[column].apply(lambda names: names is not None and speaker in list(names))
    rows = paragraphs[mask]
    if period is not None:
        rows = rows[period_column(rows, granularity) == pd.Timestamp(period)]
    if theme is not None and "themes" in rows:
        rows = rows[has_any(rows["themes"], [theme])]
    return rows.sort_values(["published", "article_id", "position"], ignore_index=True)


def _grouped(paragraphs: pd.DataFrame, by: str | None) -> tuple[pd.DataFrame, list[str]]:
    if by is None:
        return paragraphs, []
    if by == "speaker":
        return _exploded(paragraphs, "speakers", "speaker"), ["speaker"]
    return paragraphs, [by]


def theme_timeline(paragraphs: pd.DataFrame, granularity: str = "month", by: str | None = None,
                   themes: list[str] | None = None) -> pd.DataFrame:
    """Theme prevalence per period: paragraphs tagged with the theme, all paragraphs of that period
    (and group), and their share. `by` splits by "source" or "speaker". Every theme gets a row in
    every period (and group) that has paragraphs: a month without the theme is 0, not a gap.
    `themes` only chooses the themes counted (each gets its rows, even where never tagged): the
    totals stay those of all the paragraphs passed, so a share never depends on that choice."""
    columns = ["period", "period_label", *([by] if by else []), "theme", "paragraphs", "total", "share"]
    table, keys = _grouped(paragraphs[["published", "date_precision", "themes", *([by] if by and by != "speaker" else []),
                                      *(["speakers"] if by == "speaker" else [])]], by)
    numbers, starts = period_numbers(table, granularity)
    dated = np.flatnonzero(numbers >= 0)
    if not len(dated):
        return pd.DataFrame(columns=columns)
    # Counting with integer codes and bincount keeps a million paragraphs well under a second;
    # only periods that occur get a code (a 1946-2024 corpus by day would otherwise span 28k cells).
    period_codes, present_numbers = pd.factorize(numbers[dated], sort=True)
    periods = starts[present_numbers]
    if keys:
        codes, groups = pd.factorize(table[keys[0]], sort=True)
        group_codes = codes[dated]
    else:
        group_codes, groups = np.zeros(len(dated), np.int64), [None]
    cells = len(periods) * len(groups)
    cell = np.full(len(table), -1, dtype=np.int64)
    cell[dated] = period_codes * len(groups) + group_codes
    totals = np.bincount(cell[dated], minlength=cells)
    rows, tagged = list_items(table["themes"])
    if themes is None:
        keep = cell[rows] >= 0
        rows, tagged = rows[keep], tagged[keep]
        if not len(rows):
            return pd.DataFrame(columns=columns)
        theme_codes, names = pd.factorize(tagged, sort=True)
    else:
        names = sorted(set(themes))
        if not names:
            return pd.DataFrame(columns=columns)
        codes, uniques = pd.factorize(tagged)  # factorising Arrow strings, then mapping the few uniques, is fastest
        lookup = np.append(pd.Index(names).get_indexer(pd.Index(uniques, dtype=object)), -1)
        theme_codes = lookup[codes]  # a missing item (code -1) picks the appended -1
        keep = (cell[rows] >= 0) & (theme_codes >= 0)
        rows, theme_codes = rows[keep], theme_codes[keep]
    names = np.asarray(names, dtype=object)
    counts = np.bincount(cell[rows] * len(names) + theme_codes, minlength=cells * len(names)).reshape(cells, len(names))
    present = np.flatnonzero(totals)
    labels = np.asarray(period_labels(periods, granularity), dtype=object)  # one per period, not per row
    result = pd.DataFrame({
        "period": np.repeat(np.asarray(periods)[present // len(groups)], len(names)),
        "period_label": np.repeat(labels[present // len(groups)], len(names)),
        **({keys[0]: np.repeat(np.asarray(groups, dtype=object)[present % len(groups)], len(names))} if keys else {}),
        "theme": np.tile(names, len(present)),
        "paragraphs": counts[present].ravel(),
        "total": np.repeat(totals[present], len(names)),
    })
    result["share"] = result["paragraphs"] / result["total"]
    return result[columns].sort_values(["theme", *keys, "period"], ignore_index=True)


_TIMELINE_COLUMNS = {"period", "period_label", "theme", "paragraphs", "total", "share", "window", "label"}


def rolling_timeline(table: pd.DataFrame, window: int, granularity: str = "month", by: str | None = None) -> pd.DataFrame:
    """A theme_timeline table summed over the last `window` calendar periods of each row (a period
    without paragraphs counts as 0 of 0): paragraphs and total are window sums and share is their
    ratio, a rate over the window rather than a mean of rates. The rows (periods with paragraphs)
    stay those of the table; a `window` column says how many periods each row covers. `by` is the
    split column, found in the table when not given."""
    if window < 1:
        raise ValueError("window must be at least 1 period")
    if table.empty:
        return table.assign(window=pd.Series(dtype=np.int64))
    keys = [by] if by else [column for column in table.columns if column not in _TIMELINE_COLUMNS]
    data = table.sort_values([*keys, "theme", "period"], ignore_index=True)
    # Sorted by series then period, (series, period number) keys increase: the rows inside a
    # window are a contiguous run, found with one searchsorted and summed from running totals.
    series = data.groupby([*keys, "theme"], sort=False).ngroup().to_numpy(dtype=np.int64)
    numbers = period_ordinals(data["period"].to_numpy(dtype="datetime64[ns]"), granularity)
    numbers -= numbers.min()
    key = series * (numbers.max() + window + 1) + numbers  # bands wider than a window: no series leaks into the next
    first = np.searchsorted(key, key - window, side="right")
    for column in ("paragraphs", "total"):
        running = np.concatenate([[0], np.cumsum(data[column].to_numpy(dtype=np.int64))])
        data[column] = running[1:] - running[first]
    data["share"] = data["paragraphs"] / data["total"]
    data["window"] = window
    return data.sort_values(["theme", *keys, "period"], ignore_index=True)


def with_theme_labels(table: pd.DataFrame, labels: dict[str, str] | None) -> pd.DataFrame:
    """The table with a `label` column right after `theme` (the theme's label, else its id): CSVs
    read by people name the theme, and keep the id for joins."""
    data = table.drop(columns="label", errors="ignore")
    names = data["theme"].map(labels or {})
    data.insert(data.columns.get_loc("theme") + 1, "label", names.where(names.notna(), data["theme"]))
    return data


def theme_paragraphs(paragraphs: pd.DataFrame, theme: str, period=None, granularity: str = "month",
                     by: str | None = None, value: str | None = None, window: int = 1) -> pd.DataFrame:
    """The paragraphs behind one point of a timeline (theme, period and optionally a source or
    speaker); with a rolling `window`, those of the `window` periods that end at `period`."""
    rows = paragraphs[has_any(paragraphs["themes"], [theme])]
    if period is not None:
        stamps = period_column(rows, granularity).to_numpy(dtype="datetime64[ns]")
        last = period_ordinals(np.array([pd.Timestamp(period)], dtype="datetime64[ns]"), granularity)[0]
        ordinals = period_ordinals(stamps, granularity)
        rows = rows[~np.isnat(stamps) & (ordinals <= last) & (ordinals > last - window)]
    if by == "speaker" and value is not None:
        rows = rows[rows["speakers"].apply(lambda names: value in list(names))]
    elif by is not None and value is not None:
        rows = rows[rows[by] == value]
    return rows.sort_values(["published", "article_id", "position"], ignore_index=True)


def theme_by(paragraphs: pd.DataFrame, by: str = "source", themes: list[str] | None = None) -> pd.DataFrame:
    """Share of each source's (or speaker's) paragraphs tagged with each theme: a heatmap's data.
    `themes` chooses the themes counted; totals stay those of all the paragraphs passed."""
    table, keys = _grouped(paragraphs[["speakers" if by == "speaker" else by, "themes"]], by)  # only what is counted
    totals = table.groupby(keys).size().rename("total")
    counts = _exploded(table, "themes", "theme").groupby([*keys, "theme"]).size().rename("paragraphs").reset_index()
    if themes is not None:
        counts = counts[counts["theme"].isin(list(themes))].reset_index(drop=True)
    if counts.empty:
        return pd.DataFrame(columns=[*keys, "theme", "paragraphs", "total", "share"])
    counts = counts.join(totals, on=keys)
    counts["share"] = counts["paragraphs"] / counts["total"]
    return counts


@dataclass(frozen=True)
class Filters:
    """The global filters of the dashboard; empty means "all"."""
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    sources: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any([self.start, self.end, self.sources, self.themes, self.speakers, self.languages])


def filter_mask(paragraphs: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Rows that pass every filter. Undated paragraphs pass only when no date bound is set."""
    mask = np.ones(len(paragraphs), dtype=bool)
    if filters.start is not None:
        mask &= (paragraphs["published"] >= pd.Timestamp(filters.start)).fillna(False).to_numpy(dtype=bool)
    if filters.end is not None:
        end = pd.Timestamp(filters.end) + pd.Timedelta(days=1)
        mask &= (paragraphs["published"] < end).fillna(False).to_numpy(dtype=bool)
    if filters.sources:
        mask &= paragraphs["source"].isin(filters.sources).to_numpy()
    if filters.languages and "language" in paragraphs:
        mask &= paragraphs["language"].isin(filters.languages).to_numpy()
    for column, wanted in (("themes", filters.themes), ("speakers", filters.speakers)):
        if wanted:
            mask &= has_any(paragraphs[column], wanted)
    return mask


def overview(index, paragraphs: pd.DataFrame) -> dict:
    """Corpus at a glance for the filtered paragraphs."""
    articles = index.articles[index.articles["article_id"].isin(paragraphs["article_id"].unique())]
    dated = articles.dropna(subset=["published"]).sort_values("published")
    first, last = (dated.iloc[0], dated.iloc[-1]) if len(dated) else (None, None)
    return {"articles": len(articles), "paragraphs": len(paragraphs), "sources": articles["source"].nunique(),
            "first": first.published if first is not None else None, "last": last.published if last is not None else None,
            "from": display_date(first.published, first.date_precision) if first is not None else "undated",
            "to": display_date(last.published, last.date_precision) if last is not None else "undated",
            "latest": articles.sort_values("published", ascending=False, na_position="last").head(15)}


def theme_counts(paragraphs: pd.DataFrame, labels: dict[str, str] | None = None,
                 themes: list[str] | None = None) -> pd.DataFrame:
    """Paragraphs per theme, most first, with the theme's label; share of all paragraphs passed,
    whichever `themes` are chosen."""
    counts = _exploded(paragraphs, "themes", "theme").groupby("theme").size().rename("paragraphs").reset_index()
    if themes is not None:
        counts = counts[counts["theme"].isin(list(themes))]
    counts["share"] = counts["paragraphs"] / max(len(paragraphs), 1)
    return with_theme_labels(counts.sort_values(["paragraphs", "theme"], ascending=[False, True], ignore_index=True), labels)
