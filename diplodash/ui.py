"""The one module that speaks Streamlit: cached loading, the shared sidebar filters (kept in the
URL so a copied address shares the exact view) and safe rendering of untrusted text."""
from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from .index import Index, IndexUnavailable, default_index_dir, load_index
from .queries import Filters, filter_mask


@st.cache_resource(show_spinner=False, max_entries=2)
def _cached_index(path: str, stamp: float) -> Index:
    return load_index(path)


def index_location() -> Path:
    return default_index_dir()


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _through_navigation() -> None:
    """When the first visit to a fresh server is a link to a page (/themes), Streamlit sees the
    pages/ folder before app.py has declared the navigation and runs the page file on its own,
    with a sidebar listing file names. Leave that legacy mode and rerun through app.py, once per
    session, on its first run (a later rerun could swallow a button click)."""
    if "_navigation_checked" in st.session_state:
        return
    st.session_state["_navigation_checked"] = True
    try:  # Streamlit's internals (pinned 1.67): without them, the page still works, named by file
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def current_index(show_message: bool = True) -> Index | None:
    """The index at DIPLODASH_INDEX, loaded once per process and again only when it is rebuilt.
    On a first run with no index at the default place, the sample corpus is built first."""
    _through_navigation()
    path = index_location()
    manifest = path / "manifest.json"
    if not manifest.exists() and "DIPLODASH_INDEX" not in os.environ and SAMPLE.is_dir():
        build_sample(path)
    try:
        return _cached_index(str(path.resolve()), manifest.stat().st_mtime if manifest.exists() else 0.0)
    except IndexUnavailable as error:
        if show_message:
            st.info(f"{error}. Or add articles on the **Corpus** page.")
        return None


def build_sample(path: Path) -> None:
    from .build import BuildError, build

    with st.status("First run: building the index of the sample corpus…", expanded=True) as status:
        bar = st.progress(0.0, text="reading the sample articles")

        def progress(stage, done, total):
            if stage == "embed" and total:
                bar.progress(min(done / total, 1.0), text=f"embedding {done:,} of {total:,} paragraphs")

        try:
            build([SAMPLE], path, progress=progress, wait=0)
            status.update(label="Sample index built", state="complete", expanded=False)
        except BuildError as error:
            status.update(label=f"Could not build the sample index: {error}", state="error")


@st.cache_resource(show_spinner=False, max_entries=2)
def _choices(path: str, stamp: float) -> dict:
    index = _cached_index(path, stamp)
    paragraphs = index.paragraphs
    speakers = paragraphs["speakers"].explode().dropna().value_counts() if "speakers" in paragraphs else pd.Series()
    dates = paragraphs["published"].dropna()
    return {"sources": sorted(paragraphs["source"].dropna().unique()),
            "themes": list(index.theme_labels), "speakers": list(speakers.index[:300]),
            "first": dates.min().date() if len(dates) else None, "last": dates.max().date() if len(dates) else None}


def _param_list(name: str) -> list[str]:
    value = st.query_params.get_all(name)
    return [v for item in value for v in item.split("|") if v]


def _param_date(name: str, default: dt.date | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return default


def sidebar_filters(index: Index) -> Filters:
    """Date range, sources, themes and speakers; read from and written back to the URL."""
    path = str(index.path.resolve())
    choices = _choices(path, (index.path / "manifest.json").stat().st_mtime)
    labels = index.theme_labels
    with st.sidebar:
        st.header("Filters")
        first, last = choices["first"], choices["last"]
        dates = ()
        if first and last:
            start = max(first, min(last, _param_date("from", first)))
            end = min(last, max(first, _param_date("to", last)))
            dates = st.date_input("Dates", value=(start, end), min_value=first, max_value=last, key="filter_dates")
        sources = st.multiselect("Sources", choices["sources"], default=[s for s in _param_list("source") if s in choices["sources"]],
                                 key="filter_sources")
        themes = st.multiselect("Themes", choices["themes"], default=[t for t in _param_list("theme") if t in choices["themes"]],
                                format_func=lambda t: labels.get(t, t), key="filter_themes")
        speakers = st.multiselect("Speakers", choices["speakers"],
                                  default=[s for s in _param_list("speaker") if s in choices["speakers"]], key="filter_speakers")
    start = dates[0] if len(dates) >= 1 else None
    end = dates[1] if len(dates) == 2 else None
    filters = Filters(start=pd.Timestamp(start) if start and start != first else None,
                      end=pd.Timestamp(end) if end and end != last else None,
                      sources=tuple(sources), themes=tuple(themes), speakers=tuple(speakers))
    _write_params(filters)
    return filters


def _write_params(filters: Filters) -> None:
    wanted = {"from": filters.start.date().isoformat() if filters.start is not None else None,
              "to": filters.end.date().isoformat() if filters.end is not None else None,
              "source": "|".join(filters.sources) or None, "theme": "|".join(filters.themes) or None,
              "speaker": "|".join(filters.speakers) or None}
    for key, value in wanted.items():
        if value is None and key in st.query_params:
            del st.query_params[key]
        elif value is not None and st.query_params.get(key) != value:
            st.query_params[key] = value


@st.cache_data(show_spinner=False, max_entries=32)
def _mask(path: str, stamp: float, filters: Filters) -> np.ndarray:
    return filter_mask(_cached_index(path, stamp).paragraphs, filters)


def _key(index: Index) -> tuple[str, float]:
    return str(index.path.resolve()), (index.path / "manifest.json").stat().st_mtime


def filter_rows(index: Index, filters: Filters) -> np.ndarray:
    """Boolean mask of the paragraphs that pass the filters (cached per filter)."""
    return _mask(*_key(index), filters)


def filtered_paragraphs(index: Index, filters: Filters) -> pd.DataFrame:
    return index.paragraphs[filter_rows(index, filters)]


@st.cache_data(show_spinner=False, max_entries=256)
def _query(path: str, stamp: float, filters: Filters, name: str, _function, args: tuple, kwargs: tuple):
    index = _cached_index(path, stamp)
    return _function(index.paragraphs[_mask(path, stamp, filters)], *args, **dict(kwargs))


def query(index: Index, filters: Filters, function, *args, **kwargs):
    """function(filtered paragraphs, *args, **kwargs), cached per index, filters and arguments."""
    name = f"{function.__module__}.{function.__qualname__}"
    return _query(*_key(index), filters, name, function, args, tuple(sorted(kwargs.items())))


def paint_before_charts(pause: float = 0.5) -> None:
    """On a session's first run, wait a moment before the first plotly chart is sent: the browser
    holds back everything drawn with it until Streamlit's plotly.js bundle has loaded (1.5 s on
    2 cores), so without the pause the Overview's numbers appeared at 2.0-3.5 s, with 0.5 s at 1.8-2.0 s (0.3 s was too short)."""
    if "_painted" not in st.session_state:
        st.session_state["_painted"] = True
        time.sleep(pause)


def page_setup(title: str) -> tuple[Index | None, Filters | None, pd.DataFrame | None]:
    """Title, index and filters every page starts with; (None, None, None) when there is no index."""
    st.title(title)
    index = current_index()
    if index is None:
        return None, None, None
    filters = sidebar_filters(index)
    paragraphs = filtered_paragraphs(index, filters)
    if paragraphs.empty:
        st.warning("No paragraph matches these filters. Widen the dates or clear a filter in the sidebar.")
        return index, filters, None
    return index, filters, paragraphs


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """Untrusted text escaped for st.markdown: shows as written, never as markup or a link."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def csv_download(table: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(label, table.to_csv(index=False).encode("utf-8"), file_name=name, mime="text/csv",
                       key=f"download_{name}")
