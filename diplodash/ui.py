"""The one module that speaks Streamlit: cached loading and small shared widgets for the pages."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from .index import Index, IndexUnavailable, default_index_dir, load_index


@st.cache_resource(show_spinner=False)
def _cached_index(path: str, stamp: float) -> Index:
    return load_index(path)


def current_index() -> Index | None:
    """The index at DIPLODASH_INDEX, loaded once per process and again only when it is rebuilt."""
    path = default_index_dir()
    manifest = path / "manifest.json"
    try:
        return _cached_index(str(path.resolve()), manifest.stat().st_mtime if manifest.exists() else 0.0)
    except IndexUnavailable as error:
        st.info(f"{error}")
        return None


def index_location() -> Path:
    return default_index_dir()
