import streamlit as st

from diplodash.ui import page_setup, plain

index, filters, paragraphs = page_setup("Articles")
if paragraphs is not None:
    articles = index.articles[index.articles.article_id.isin(paragraphs.article_id.unique())]
    articles = articles.sort_values("published", ascending=False, na_position="last")
    names = {row.article_id: f"{row.published:%Y-%m-%d} · {row.source} · {row.title}" if row.published == row.published
             else f"undated · {row.source} · {row.title}" for row in articles.itertuples()}
    chosen = st.selectbox(f"Article ({len(articles)} match the filters)", list(names), format_func=names.get,
                          key="article", index=0)
    article = articles.set_index("article_id").loc[chosen]
    st.subheader(plain(article.title), anchor=False)
    st.caption(f"{plain(article.source)} · {article.date_precision or 'no'} date · {plain(article.path)}")
    if isinstance(article.url, str) and article.url.startswith(("http://", "https://")):
        st.link_button("Open the original", article.url)
    labels = index.theme_labels
    for row in index.paragraphs[index.paragraphs.article_id == chosen].itertuples():
        if row.kind == "heading":
            st.markdown(f"#### {plain(row.text)}")
            continue
        marks = [f"**Speakers:** {plain(', '.join(row.speakers))}"] if len(row.speakers) else []
        marks += [f"**Sources quoted:** {plain(', '.join(row.speaker_groups))}"] if len(row.speaker_groups) else []
        marks += [f"**Themes:** {plain(', '.join(labels.get(t, t) for t in row.themes))}"] if len(row.themes) else []
        text = f"*{plain(row.text)}*" if row.kind == "caption" else plain(row.text)
        st.markdown(text)
        if marks:
            st.caption(" · ".join(marks))
