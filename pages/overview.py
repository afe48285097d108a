import streamlit as st

from diplodash.ui import current_index

st.title("Overview")
index = current_index()
if index is not None:
    articles = index.articles
    dates = articles["published"].dropna()
    left, middle, right, last = st.columns(4)
    left.metric("Articles", f"{len(articles):,}")
    middle.metric("Paragraphs", f"{len(index.paragraphs):,}")
    right.metric("Sources", articles["source"].nunique())
    last.metric("Dates", f"{dates.min():%Y-%m} – {dates.max():%Y-%m}" if len(dates) else "none")
    st.subheader("Sources")
    st.dataframe(articles["source"].value_counts().rename_axis("source").reset_index(name="articles"),
                 hide_index=True)
    st.subheader("Latest articles")
    latest = articles.sort_values("published", ascending=False).head(20)
    st.dataframe(latest[["published", "source", "title", "url"]], hide_index=True,
                 column_config={"url": st.column_config.LinkColumn("link")})
