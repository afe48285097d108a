"""What changed: the paragraphs of a recent window, the themes whose share moved most against the
window before it, and the speakers the index had never quoted before.

A theme's move is ranked by a two-proportion z-score, not by its raw change: a rise from 1 to 2
paragraphs doubles a share and means nothing, while 40 to 80 of a similar total is news. Both
windows' counts travel with every row so the reader can judge for themselves.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_DAYS = 7
WINDOW_DAYS = (7, 14, 30, 90)  # the windows the dashboard offers
NOTABLE_Z = 2.0  # |z| above this is more than the noise of two samples of these sizes


@dataclass
class Window:
    start: pd.Timestamp
    end: pd.Timestamp                 # exclusive
    note: str = ""                    # why the window is not the one asked for, when it is not

    @property
    def before(self) -> "Window":
        return Window(self.start - (self.end - self.start), self.start)


def recent_window(paragraphs: pd.DataFrame, days: int = DEFAULT_DAYS, today: pd.Timestamp | None = None) -> Window:
    """The last `days` days up to today; when nothing dated falls in them, the `days` days up to the
    newest dated paragraph, saying so (an index of older material still has a latest week)."""
    today = (today or pd.Timestamp.now()).normalize()
    window = Window(today - pd.Timedelta(days=days - 1), today + pd.Timedelta(days=1))
    dates = paragraphs["published"].dropna()
    if dates.empty or (dates >= window.start).any():
        return window
    newest = dates.max().normalize()
    return Window(newest - pd.Timedelta(days=days - 1), newest + pd.Timedelta(days=1),
                  f"nothing was published in the last {days} days; these are the {days} days up to the newest "
                  f"paragraph ({newest.date()})")


def in_window(paragraphs: pd.DataFrame, window: Window) -> pd.DataFrame:
    published = paragraphs["published"]
    return paragraphs[(published >= window.start) & (published < window.end)]


def theme_changes(paragraphs: pd.DataFrame, window: Window, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Per theme: paragraphs and share in the window and in the one before, the change in
    percentage points and its z-score; most notable first. Empty when either window is empty."""
    now, before = in_window(paragraphs, window), in_window(paragraphs, window.before)
    columns = ["theme", "label", "paragraphs", "share", "paragraphs_before", "share_before", "change_points", "z", "notable"]
    if now.empty or before.empty:
        return pd.DataFrame(columns=columns)
    counts_now, counts_before = _theme_counts(now).to_dict(), _theme_counts(before).to_dict()
    themes = sorted(set(counts_now) | set(counts_before))
    rows = pd.DataFrame({"theme": themes})
    rows["label"] = [(labels or {}).get(t, t) for t in themes]
    rows["paragraphs"] = [int(counts_now.get(t, 0)) for t in themes]
    rows["paragraphs_before"] = [int(counts_before.get(t, 0)) for t in themes]
    n1, n0 = len(now), len(before)
    p1, p0 = rows["paragraphs"] / n1, rows["paragraphs_before"] / n0
    pooled = (rows["paragraphs"] + rows["paragraphs_before"]) / (n1 + n0)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0)).replace(0, np.nan)
    rows["share"], rows["share_before"] = 100 * p1, 100 * p0
    rows["change_points"] = 100 * (p1 - p0)
    rows["z"] = ((p1 - p0) / spread).fillna(0.0)
    rows["notable"] = rows["z"].abs() >= NOTABLE_Z
    return rows.reindex(rows["z"].abs().sort_values(ascending=False, kind="stable").index)[columns].reset_index(drop=True)


def new_speakers(paragraphs: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Persons first quoted in the window (in this index), with how often and where."""
    quoted = paragraphs[["speakers", "published", "source"]].explode("speakers").dropna(subset=["speakers"])
    quoted = quoted[quoted["speakers"].astype(str).str.len() > 0]
    if quoted.empty:
        return pd.DataFrame(columns=["speaker", "statements", "first", "sources"])
    first = quoted.groupby("speakers")["published"].min()
    newcomers = first[(first >= window.start) & (first < window.end)].index
    recent = quoted[quoted["speakers"].isin(newcomers) & (quoted["published"] >= window.start) &
                    (quoted["published"] < window.end)]
    table = recent.groupby("speakers").agg(statements=("published", "size"), first=("published", "min"),
                                          sources=("source", lambda s: ", ".join(sorted(set(map(str, s))))))
    table = table.reset_index().rename(columns={"speakers": "speaker"})
    return table.sort_values(["statements", "speaker"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _theme_counts(paragraphs: pd.DataFrame) -> pd.Series:
    themes = paragraphs["themes"].explode().dropna()
    return themes[themes.astype(str).str.len() > 0].value_counts()
