from contextlib import nullcontext
from pathlib import Path

import streamlit as st

from diplodash.dates import display_date
from diplodash.languages import NAMES
from diplodash.multilingual import article_versions
from diplodash.ui import keep_url_value, page_setup, plain, url_value, url_widget, view_params

index, filters, paragraphs = page_setup("articles")
if paragraphs is not None:
    articles = index.articles[index.articles.article_id.isin(paragraphs.article_id.unique())]
    articles = articles.sort_values("published", ascending=False, na_position="last")
    ids = articles.article_id.tolist()
    linked = url_value("article", None)  # a link from a search hit may open an article the filters leave out
    if linked not in ids and (index.articles.article_id == linked).any():
        ids.insert(0, linked)
    by_id = index.articles.set_index("article_id")
    names = {i: f"{display_date(by_id.at[i, 'published'], by_id.at[i, 'date_precision'])} · {by_id.at[i, 'source']} · "
                f"{by_id.at[i, 'title']}" for i in ids}
    chosen = url_widget(st.selectbox, "article", "article", ids[0], f"Article ({len(articles)} match the filters)", ids,
                        options=ids, format_func=names.get)
    article = by_id.loc[chosen]
    st.subheader(plain(article.title), anchor=False)
    where = article.url if isinstance(article.url, str) and article.url else Path(str(article.path)).name
    st.caption(f"{plain(article.source)} · {display_date(article.published, article.date_precision)} · {plain(where)}")
    if chosen not in articles.article_id.values:
        st.caption("This article lies outside the sidebar filters.")
    if isinstance(article.url, str) and article.url.startswith(("http://", "https://")):
        st.link_button("Open the original", article.url)
    for version in article_versions(index, chosen).itertuples():  # the same article in other languages
        st.page_link("pages/articles.py", label=f"{NAMES.get(version.language, version.language)} version: "
                                                f"{plain(version.title)}", icon=":material/translate:",
                     query_params=view_params(article=version.article_id))
    labels = index.theme_labels
    rows = index.paragraphs[index.paragraphs.article_id == chosen]
    pointed = url_value("paragraph", None)  # the paragraph a search hit or a timeline point linked to
    keep_url_value("paragraph", pointed if pointed in rows.paragraph_id.values else None)
    for row in rows.itertuples():
        if row.kind == "heading":
            st.markdown(f"#### {plain(row.text)}")
            continue
        marks = [f"**Speakers:** {plain(', '.join(row.speakers))}"] if len(row.speakers) else []
        marks += [f"**Organisations:** {plain(', '.join(row.speaker_organisations))}"] \
            if len(row.speaker_organisations) else []
        marks += [f"**Sources quoted:** {plain(', '.join(row.speaker_groups))}"] if len(row.speaker_groups) else []
        marks += [f"**Themes:** {plain(', '.join(labels.get(t, t) for t in row.themes))}"] if len(row.themes) else []
        text = f"*{plain(row.text)}*" if row.kind == "caption" else plain(row.text)
        with st.container(border=True, key="linked_paragraph") if row.paragraph_id == pointed else nullcontext():
            st.markdown(text)
            if marks:
                st.caption(" · ".join(marks))
