"""Loading what the pages show: the served index (cached per process), the sidebar filters and
cached queries over the filtered paragraphs, and the heading every page starts with."""
from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from ..index import Index, IndexUnavailable, load_index
from ..languages import NAMES
from ..queries import Filters, filter_mask
from .view import PAGES, begin_view, keep_url_value, page_links, url_value, url_widget, _view


@st.cache_resource(show_spinner=False, max_entries=2)
def _cached_index(path: str, stamp: float) -> Index:
    return load_index(path)


def index_location() -> Path:
    """The index this dashboard serves (diplodash.settings.Settings.served_index)."""
    return operator_settings().served_index()


SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def current_index(show_message: bool = True) -> Index | None:
    """The index at DIPLODASH_INDEX, loaded once per process and again only when it is rebuilt.
    On a first run with no index at the default place, the sample corpus is built first."""
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


def build_progress(first_text: str):
    """A progress bar, and the build callback that moves it ("loading the model", each batch)."""
    from ..build import describe_progress

    bar = st.progress(0.0, text=first_text)

    def progress(stage, done, total):
        fraction, text = describe_progress(stage, done, total)
        bar.progress(fraction, text=text)

    return progress


def build_sample(path: Path) -> None:
    from ..build import BuildError, build

    with st.status("First run: building the index of the sample corpus…", expanded=True) as status:
        progress = build_progress("reading the sample articles")
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
    return {"sources": sorted(paragraphs["source"].dropna().unique()), "languages": index.languages,
            "themes": list(index.theme_labels), "speakers": list(speakers.index[:300]),
            "first": dates.min().date() if len(dates) else None, "last": dates.max().date() if len(dates) else None}


def _range_start(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    def parse(values: list[str]) -> dt.date:
        return dt.date.fromisoformat(values[0])

    start = max(first, min(last, url_value("from", first, parse) or first))
    end = min(last, max(start, url_value("to", last, parse) or last))
    return start, end


def sidebar_filters(index: Index) -> Filters:
    """Date range, sources, themes and speakers, bound to the URL."""
    path = str(index.path.resolve())
    choices = _choices(path, (index.path / "manifest.json").stat().st_mtime)
    labels = index.theme_labels
    view = _view()
    with st.sidebar:
        st.header("Filters")
        first, last = choices["first"], choices["last"]
        dates = ()
        if first and last:
            if view.get("from_url") or view.get("switched") or "filter_dates" not in st.session_state:
                st.session_state["filter_dates"] = _range_start(first, last)
            dates = st.date_input("Dates", min_value=first, max_value=last, key="filter_dates")
        sources = url_widget(st.multiselect, "filter_sources", "source", [], "Sources", choices["sources"],
                             options=choices["sources"], multiple=True)
        themes = url_widget(st.multiselect, "filter_themes", "theme", [], "Themes", choices["themes"],
                            options=choices["themes"], multiple=True, format_func=lambda t: labels.get(t, t),
                            help="Chooses the themes drawn; shares stay out of all paragraphs of the period.")
        speakers = url_widget(st.multiselect, "filter_speakers", "speaker", [], "Speakers", choices["speakers"],
                              options=choices["speakers"], multiple=True)
        languages = []
        if len(choices["languages"]) > 1:  # a filter with one choice says nothing
            languages = url_widget(st.multiselect, "filter_languages", "lang", [], "Languages", choices["languages"],
                                   options=choices["languages"], multiple=True,
                                   format_func=lambda code: NAMES.get(code, code))
    start = dates[0] if len(dates) >= 1 else None
    end = dates[1] if len(dates) == 2 else None
    keep_url_value("from", start, first, lambda d: [d.isoformat()])
    keep_url_value("to", end, last, lambda d: [d.isoformat()])
    return Filters(start=pd.Timestamp(start) if start and start != first else None,
                   end=pd.Timestamp(end) if end and end != last else None,
                   sources=tuple(sources), themes=tuple(themes), speakers=tuple(speakers), languages=tuple(languages))


def share_filters(filters: Filters) -> Filters:
    """The filters a share's denominator obeys: all but the themes, which only choose what is drawn."""
    return replace(filters, themes=())


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


def page_setup(name: str) -> tuple[Index | None, Filters | None, pd.DataFrame | None]:
    """Heading, index, menu and filters every page (a key of PAGES) starts with; (None, None, None)
    when there is no index."""
    page = PAGES[name]
    begin_view(name, page.params)
    menu = st.sidebar.container()
    st.title(page.heading)
    index = current_index()
    if index is None:
        page_links(menu)
        return None, None, None
    filters = sidebar_filters(index)
    page_links(menu)  # after the filters: its links carry this run's view
    paragraphs = filtered_paragraphs(index, filters)
    if paragraphs.empty:
        st.warning("No paragraph matches these filters. Widen the dates or clear a filter in the sidebar.")
        return index, filters, None
    return index, filters, paragraphs


def operator_settings():
    """The operator's settings (diplodash.settings): environment variables, else the app's secrets.
    Never anything from the browser."""
    from ..settings import load

    try:
        secrets = st.secrets.to_dict()
    except FileNotFoundError:  # no secrets file (StreamlitSecretNotFoundError is one): no secrets
        secrets = {}
    return load(secrets)
