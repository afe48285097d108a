"""The one module that speaks Streamlit: cached loading, the shared sidebar filters (kept in the
URL so a copied address shares the exact view) and safe rendering of untrusted text."""
from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from .index import Index, IndexUnavailable, load_index
from .dates import display_date
from .queries import Filters, filter_mask
from .markdown import marked, matched_span, plain  # noqa: F401  (pages take plain from here)


@st.cache_resource(show_spinner=False, max_entries=2)
def _cached_index(path: str, stamp: float) -> Index:
    return load_index(path)


def index_location() -> Path:
    """The index this dashboard serves (diplodash.settings.Settings.served_index)."""
    return operator_settings().served_index()


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


class PageSpec(NamedTuple):
    path: str
    label: str
    icon: str
    heading: str
    params: tuple[str, ...] = ()  # the page's own URL parameters; the filters' are every page's


PAGES = {
    "overview": PageSpec("pages/overview.py", "Overview", ":material/home:", "Overview", ("days",)),
    "themes": PageSpec("pages/themes.py", "Themes", ":material/show_chart:", "Themes over time",
                       ("period", "measure", "split", "min", "smooth", "point")),
    "speakers": PageSpec("pages/speakers.py", "Speakers", ":material/record_voice_over:", "Who speaks", ("person",)),
    "search": PageSpec("pages/search.py", "Search", ":material/search:", "Similar statements", ("q", "like")),
    "track": PageSpec("pages/track.py", "Track", ":material/timeline:", "Track a statement",
                      ("track", "at", "period", "measure", "split", "point")),
    "watchlist": PageSpec("pages/watchlist.py", "Watchlist", ":material/notifications:", "Watchlist", ("days",)),
    "articles": PageSpec("pages/articles.py", "Articles", ":material/article:", "Articles", ("article", "paragraph")),
    "corpus": PageSpec("pages/corpus.py", "Corpus", ":material/folder_open:", "Corpus"),
}
_navigation_declared = False  # in this server process


def navigation():
    """The app's pages, for app.py to run. Streamlit's own menu is hidden: `page_links` draws one
    whose links carry the view (filters and each page's controls), so a click never drops it, a
    link opened in a new tab keeps it, and each click is one step of the browser's history."""
    global _navigation_declared
    _navigation_declared = True
    return st.navigation([st.Page(page.path, title=page.label, icon=page.icon, default=number == 0)
                          for number, page in enumerate(PAGES.values())], position="hidden")


def page_links(where=None) -> None:
    """The menu (in `where`, else the sidebar): a link per page with the view it will open on."""
    encoded = _view()["encoded"]
    with where or st.sidebar:
        for page in PAGES.values():
            params = {name: encoded[name] for name in FILTER_PARAMS + page.params if encoded.get(name)}
            st.page_link(page.path, label=page.label, icon=page.icon, query_params=params)


def _through_navigation() -> None:
    """When the first visit to a fresh server is a link to a page (/themes?period=year), Streamlit
    sees the pages/ folder before app.py has declared the navigation and runs the page file on its
    own, with a sidebar of file names. Declaring the navigation (public st.navigation) leaves that
    mode; the rerun then goes through app.py, and the link's parameters, which Streamlit drops on
    the way, are put back."""
    pending = st.session_state.pop("_pending_params", None)
    if pending:
        for name, values in pending.items():
            st.query_params[name] = values
    if not _navigation_declared:
        st.session_state["_pending_params"] = {name: st.query_params.get_all(name) for name in st.query_params}
        navigation()
        st.rerun()


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
    from .build import describe_progress

    bar = st.progress(0.0, text=first_text)

    def progress(stage, done, total):
        fraction, text = describe_progress(stage, done, total)
        bar.progress(fraction, text=text)

    return progress


def build_sample(path: Path) -> None:
    from .build import BuildError, build

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
    return {"sources": sorted(paragraphs["source"].dropna().unique()),
            "themes": list(index.theme_labels), "speakers": list(speakers.index[:300]),
            "first": dates.min().date() if len(dates) else None, "last": dates.max().date() if len(dates) else None}


# The view lives in the URL. Every control that changes what a page shows is bound to a query
# parameter, so a copied address restores the view. Streamlit ties a widget to the page that draws
# it, so the session also remembers each control's value ("remembered", decoded) and what it wrote
# ("encoded"), from which the menu's links carry each page's view.
FILTER_PARAMS = ("from", "to", "source", "theme", "speaker")


def _view() -> dict:
    return st.session_state.setdefault("_view", {"written": {}, "remembered": {}, "encoded": {}, "page": None})


def begin_view(page: str, params: tuple[str, ...] = ()) -> None:
    """Start a page's run: decide whether the URL or the session holds the view (a URL that says
    something this session did not write is a link, a reload or back/forward: it wins), and drop
    the parameters of other pages."""
    _through_navigation()
    view = _view()
    known = FILTER_PARAMS + tuple(params)
    for stale in [name for name in st.query_params.keys() if name not in known]:
        del st.query_params[stale]
    url = {name: st.query_params.get_all(name) for name in known if st.query_params.get_all(name)}
    written = {name: values for name, values in view["written"].items() if name in known and values}
    view["from_url"] = bool(url) and url != written
    if view["from_url"]:  # the menu's links carry the link's view from the first run on
        view["encoded"].update({name: url.get(name, []) for name in known})
    view["switched"] = view["page"] != page
    view["page"], view["written"] = page, url


def url_value(param: str, default, decode=lambda values: values[0]):
    """A value of the view that no widget holds (a clicked point, an open article): the URL's
    after a link, else what the session remembers."""
    view = _view()
    if view.get("from_url"):
        values = st.query_params.get_all(param)
        try:
            value = decode(values) if values else default
        except (ValueError, KeyError, IndexError):
            value = default
        view["remembered"][param] = value
    return view["remembered"].get(param, default)


def keep_url_value(param: str, value, default=None, encode=lambda value: [str(value)]) -> None:
    """Remember a value of the view and write it to the URL (left out while it is the default)."""
    _view()["remembered"][param] = value
    _write_param(param, None if value == default or value is None else encode(value))


def _write_param(param: str, values: list[str] | None) -> None:
    written, encoded = _view()["written"], _view()["encoded"]
    encoded[param] = list(values or [])
    if not values:
        if param in st.query_params:
            del st.query_params[param]
        written.pop(param, None)
        return
    if st.query_params.get_all(param) != values:
        st.query_params[param] = values
    written[param] = list(values)


def url_widget(draw, key: str, param: str, default, *args, options=None, multiple: bool = False, **kwargs):
    """Draw a widget (st.selectbox, st.radio, st.toggle, st.text_input, st.number_input…) whose
    value lives in the URL as `param` and outlives a page switch. `options` (when given) are the
    only values a URL may set; `multiple` for a list value (repeated parameter)."""
    view = _view()
    kind = type(default)

    def decode(values: list[str]):
        if multiple:
            return [v for v in values if options is None or v in options]
        value = values[0]
        value = value in ("1", "true", "yes") if kind is bool else kind(value) if kind in (int, float) else value
        if options is not None and value not in options:
            raise ValueError(value)
        return value

    if view.get("from_url"):
        st.session_state[key] = url_value(param, default, decode)
    elif view.get("switched") or key not in st.session_state:
        value = view["remembered"].get(param, default)
        if options is not None:  # the options may have changed since (filters, a rebuilt index)
            value = [v for v in value if v in options] if multiple else value if value in options else default
        st.session_state[key] = value
    value = draw(*args, key=key, **kwargs)
    encode = (lambda v: list(v)) if multiple else (lambda v: ["1"] if v is True else [str(v)])
    keep_url_value(param, list(value) if multiple else value, default, encode)
    return value


def chart_point(event, param: str = "point", valid=lambda point: True) -> list[str] | None:
    """The clicked point of a chart (its custom data, the period as an ISO date), kept in the URL:
    a new click replaces it, clearing the selection clears it, a link restores it."""
    view = _view()
    points = event.selection.points if event and event.selection else []
    clicked = [str(v)[:10] if number == 1 else str(v) for number, v in enumerate(points[0]["customdata"])] if points else None
    last = None if view.get("switched") else view["remembered"].get(f"{param}:clicked")
    point = url_value(param, None, list)
    if clicked != last:
        point = clicked
    view["remembered"][f"{param}:clicked"] = clicked
    point = point if point and valid(point) else None
    keep_url_value(param, point, None, list)
    return point


def view_params(**extra) -> dict[str, list[str]]:
    """The global filters as they are in the URL, plus `extra`: for links that keep the view."""
    params = {name: values for name, values in _view()["written"].items() if name in FILTER_PARAMS}
    params.update({name: [str(value)] for name, value in extra.items() if value is not None})
    return params


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
    start = dates[0] if len(dates) >= 1 else None
    end = dates[1] if len(dates) == 2 else None
    keep_url_value("from", start, first, lambda d: [d.isoformat()])
    keep_url_value("to", end, last, lambda d: [d.isoformat()])
    return Filters(start=pd.Timestamp(start) if start and start != first else None,
                   end=pd.Timestamp(end) if end and end != last else None,
                   sources=tuple(sources), themes=tuple(themes), speakers=tuple(speakers))


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


def paragraph_list(index: Index, rows: pd.DataFrame, key: str, query: str | None = None, step: int = 20,
                   more_like: bool = False) -> None:
    """Paragraphs as readable text, `step` at a time with a button for more: source, date and
    speakers above, the text (the sentence matching `query` in bold) and a link to its article."""
    counter = f"{key}_shown"
    signature = hash(tuple(rows["paragraph_id"]))
    if st.session_state.get(counter, (None,))[0] != signature:
        st.session_state[counter] = (signature, step)
    shown = min(st.session_state[counter][1], len(rows))
    for number, row in enumerate(rows.head(shown).itertuples()):
        with st.container(border=True, key=f"{key}_{number}"):
            speakers = ", ".join(row.speakers) if not isinstance(row.speakers, str) else row.speakers
            meta = [f"**{plain(row.source)}**", display_date(row.published, row.date_precision)]
            meta += [f"score {row.score:.3f}"] if hasattr(row, "score") else []
            meta += [plain(speakers)] if speakers else []
            st.caption(" · ".join(meta) + (f" — {plain(row.title)}" if isinstance(getattr(row, "title", None), str) else ""))
            st.markdown(marked(row.text, query, matched_span(row)))
            links = st.columns([1, 1, 4]) if more_like else [st.container()]
            with links[0]:
                st.page_link("pages/articles.py", label="Open the article", icon=":material/article:",
                             query_params=view_params(article=row.article_id, paragraph=row.paragraph_id))
            if more_like and links[1].button("More like this", key=f"like_{row.paragraph_id}", type="tertiary"):
                keep_url_value("like", row.paragraph_id)
                st.rerun()
    st.caption(f"{shown:,} of {len(rows):,} paragraphs shown" if shown < len(rows) else f"All {len(rows):,} paragraphs shown")
    if shown < len(rows) and st.button(f"Show {min(step, len(rows) - shown):,} more", key=f"{key}_more"):
        st.session_state[counter] = (signature, shown + step)
        st.rerun()


def csv_download(table: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(label, table.to_csv(index=False).encode("utf-8"), file_name=name, mime="text/csv",
                       key=f"download_{name}")


def operator_settings():
    """The operator's settings (diplodash.settings): environment variables, else the app's secrets.
    Never anything from the browser."""
    from .settings import load

    try:
        secrets = st.secrets.to_dict()
    except FileNotFoundError:  # no secrets file (StreamlitSecretNotFoundError is one): no secrets
        secrets = {}
    return load(secrets)
