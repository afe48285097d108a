import streamlit as st

from diplodash.dates import with_display_date
from diplodash.multilingual import in_other_languages
from diplodash.search import more_like_this
from diplodash.index import with_titles
from diplodash.ui import csv_download, filter_rows, keep_url_value, page_setup, paragraph_list, url_value, url_widget, view_params

index, filters, paragraphs = page_setup("search")
if paragraphs is not None:
    query = url_widget(st.text_input, "query", "q", "", "Statement",
                       placeholder="Type a sentence: find paragraphs that say the same thing")
    like = url_value("like", None)
    if like is not None and not (index.paragraphs["paragraph_id"] == like).any():
        like = None
    keep_url_value("like", like)
    versions = url_value("versions", None)  # "the same statement in other languages" of one paragraph
    if versions is not None and (index.multilingual is None or not (index.paragraphs["paragraph_id"] == versions).any()):
        versions = None
    keep_url_value("versions", versions)
    mask = filter_rows(index, filters)
    hits = None
    if versions:
        original = index.paragraphs[index.paragraphs["paragraph_id"] == versions]
        st.caption("The same statement in other languages, closest first, for this paragraph:")
        paragraph_list(index, with_titles(index, original), "versions_of", step=1)
        hits = in_other_languages(index, versions, k=10)
        if st.button("Back to the typed statement", key="clear_versions"):
            keep_url_value("versions", None)
            st.rerun()
    elif like:
        st.caption("Paragraphs like the one you picked")
        hits = more_like_this(index, like, k=100, mask=mask)
        if st.button("Back to the typed statement", key="clear_like"):
            keep_url_value("like", None)
            st.rerun()
    elif query:
        st.page_link("pages/track.py", label="Track this statement over time", icon=":material/timeline:",
                     query_params=view_params(track=query))
        with st.spinner("Loading the language model (first search only)…"):
            hits = index.search(query, k=100, mask=mask)
    if hits is not None:
        if hits.empty:
            st.info("No paragraph matches these filters.")
        else:
            st.caption(f"The {len(hits)} closest paragraphs in the other languages, whatever the filters" if versions
                       else f"The {len(hits)} closest paragraphs under the filters, best first")
            paragraph_list(index, hits, "results", query=None if like else query, step=10, more_like=True)
            csv_download(with_display_date(hits.drop(columns=["kind", "position"])), "search-results.csv")
