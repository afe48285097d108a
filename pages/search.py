import streamlit as st

from diplodash.ui import current_index

st.title("Similar statements")
index = current_index()
if index is not None:
    query = st.text_input("Statement", key="query", placeholder="Type a sentence; find paragraphs that say the same")
    if query:
        with st.spinner("Loading the language model (first search only)…"):
            hits = index.search(query, k=20)
        st.caption(f"{len(hits)} most similar paragraphs")
        st.dataframe(hits[["score", "text", "source", "published", "title", "url"]], hide_index=True,
                     column_config={"score": st.column_config.NumberColumn(format="%.3f"),
                                    "url": st.column_config.LinkColumn("link")})
