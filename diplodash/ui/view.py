"""The view in the URL: the app's pages and menu, and every control bound to a query parameter,
so a copied address restores the exact view and a page switch never drops it."""
from __future__ import annotations

from typing import NamedTuple

import streamlit as st


class PageSpec(NamedTuple):
    path: str
    label: str
    icon: str
    heading: str
    params: tuple[str, ...] = ()  # the page's own URL parameters; the filters' are every page's


PAGES = {
    "overview": PageSpec("pages/overview.py", "Overview", ":material/home:", "Overview", ("days",)),
    "themes": PageSpec("pages/themes.py", "Themes", ":material/show_chart:", "Themes over time",
                       ("period", "measure", "split", "min", "smooth", "point", "teach")),
    "speakers": PageSpec("pages/speakers.py", "Speakers", ":material/record_voice_over:", "Who speaks", ("person",)),
    "search": PageSpec("pages/search.py", "Search", ":material/search:", "Similar statements", ("q", "like", "versions")),
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


# The view lives in the URL. Every control that changes what a page shows is bound to a query
# parameter, so a copied address restores the view. Streamlit ties a widget to the page that draws
# it, so the session also remembers each control's value ("remembered", decoded) and what it wrote
# ("encoded"), from which the menu's links carry each page's view.
FILTER_PARAMS = ("from", "to", "source", "theme", "speaker", "lang")


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
    for key in view.pop("reset", []):  # widgets set_next_run changed: drawn again from what is remembered
        st.session_state.pop(key, None)
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


def set_next_run(param: str, key: str, value) -> None:
    """Give the widget `key` (bound to `param`) the value `value` from the next run on: a widget
    already drawn in this run cannot change its own value."""
    view = _view()
    view["remembered"][param] = value
    view.setdefault("reset", []).append(key)


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


