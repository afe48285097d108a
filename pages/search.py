import streamlit as st

from diplodash.search import more_like_this
from diplodash.ui import csv_download, filter_rows, page_setup, plain

index, filters, paragraphs = page_setup("Similar statements")
if paragraphs is not None:
    query = st.text_input("Statement", key="query", placeholder="Type a sentence: find paragraphs that say the same thing")
    like = st.session_state.get("more_like")
    mask = filter_rows(index, filters)
    hits = None
    if like:
        st.caption("Paragraphs like the one you picked")
        hits = more_like_this(index, like, k=20, mask=mask)
        if st.button("Back to the typed statement", key="clear_like"):
            st.session_state.pop("more_like")
            st.rerun()
    elif query:
        with st.spinner("Loading the language model (first search only)…"):
            hits = index.search(query, k=20, mask=mask)
    if hits is not None:
        if hits.empty:
            st.info("No paragraph matches these filters.")
        else:
            best = hits.iloc[0]
            with st.container(border=True, key="best_match"):
                st.caption(f"Best match · {best.score:.3f} · {plain(best.source)} · "
                           f"{best.published:%Y-%m-%d} · {plain(best.speakers or 'no speaker')}")
                st.markdown(plain(best.text))
            st.dataframe(hits[["score", "text", "speakers", "published", "source", "title", "url"]], hide_index=True,
                         width="stretch", key="results",
                         column_config={"score": st.column_config.NumberColumn(format="%.3f"),
                                        "url": st.column_config.LinkColumn("link"),
                                        "published": st.column_config.DatetimeColumn("published", format="YYYY-MM-DD")})
            csv_download(hits, "search-results.csv")
            with st.expander("More like this"):
                for row in hits.head(10).itertuples():
                    if st.button(f"{row.score:.2f} · {plain(row.text[:90])}…", key=f"like_{row.paragraph_id}"):
                        st.session_state["more_like"] = row.paragraph_id
                        st.rerun()
