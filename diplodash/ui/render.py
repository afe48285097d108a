"""Rendering untrusted text: paragraphs as readable, escaped text with links to their articles, and downloads."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..dates import display_date
from ..index import Index
from ..languages import NAMES
from ..markdown import marked, matched_span, plain
from .view import keep_url_value, view_params


def paragraph_caption(row, multilingual: bool = False) -> str:
    """What a paragraph card says above the text: source, date, score, speakers, language, title."""
    speakers = getattr(row, "speakers", None)
    speakers = ", ".join(speakers) if speakers is not None and not isinstance(speakers, str) else speakers
    meta = [f"**{plain(row.source)}**", display_date(row.published, row.date_precision)]
    meta += [f"score {row.score:.3f}"] if hasattr(row, "score") else []
    meta += [plain(speakers)] if speakers else []
    language = getattr(row, "language", None)
    meta += [plain(NAMES.get(language, language))] if isinstance(language, str) and multilingual else []
    return " · ".join(meta) + (f" — {plain(row.title)}" if isinstance(getattr(row, "title", None), str) else "")


def paragraph_list(index: Index, rows: pd.DataFrame, key: str, query: str | None = None, step: int = 20,
                   more_like: bool = False) -> None:
    """Paragraphs as readable text, `step` at a time with a button for more: source, date and
    speakers above, the text (the sentence matching `query` in bold) and a link to its article."""
    counter = f"{key}_shown"
    signature = hash(tuple(rows["paragraph_id"]))
    if st.session_state.get(counter, (None,))[0] != signature:
        st.session_state[counter] = (signature, step)
    shown = min(st.session_state[counter][1], len(rows))
    multilingual = len(index.languages) > 1
    for number, row in enumerate(rows.head(shown).itertuples()):
        with st.container(border=True, key=f"{key}_{number}"):
            st.caption(paragraph_caption(row, multilingual))
            st.markdown(marked(row.text, query, matched_span(row)))
            links = st.columns([1, 1, 1, 3]) if more_like else [st.container()]
            with links[0]:
                st.page_link("pages/articles.py", label="Open the article", icon=":material/article:",
                             query_params=view_params(article=row.article_id, paragraph=row.paragraph_id))
            if more_like and links[1].button("More like this", key=f"like_{row.paragraph_id}", type="tertiary"):
                keep_url_value("versions", None)
                keep_url_value("like", row.paragraph_id)
                st.rerun()
            if more_like and index.multilingual is not None and \
                    links[2].button("In other languages", key=f"versions_{row.paragraph_id}", type="tertiary"):
                keep_url_value("like", None)
                keep_url_value("versions", row.paragraph_id)
                st.rerun()
    st.caption(f"{shown:,} of {len(rows):,} paragraphs shown" if shown < len(rows) else f"All {len(rows):,} paragraphs shown")
    if shown < len(rows) and st.button(f"Show {min(step, len(rows) - shown):,} more", key=f"{key}_more"):
        st.session_state[counter] = (signature, shown + step)
        st.rerun()


def csv_download(table: pd.DataFrame, name: str, label: str = "Download CSV") -> None:
    st.download_button(label, table.to_csv(index=False).encode("utf-8"), file_name=name, mime="text/csv",
                       key=f"download_{name}")


