import streamlit as st

from diplodash import charts
from diplodash.queries import speaker_counts, speaker_periods, speaker_themes, statements
from diplodash.ui import csv_download, page_setup, plain, query

index, filters, paragraphs = page_setup("Who speaks")
if paragraphs is not None:
    persons = query(index, filters, speaker_counts)
    groups = query(index, filters, speaker_counts, groups=True)
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.bar(persons.head(20), "speaker", "statements", "Most quoted people"), key="persons")
    right.plotly_chart(charts.bar(groups.head(10), "speaker", "statements", "Unnamed sources (experts, officials…)"),
                       key="groups")
    if persons.empty:
        st.info("No attributed statements in this selection.")
    else:
        top = persons.speaker.head(15).tolist()
        st.subheader("Speakers × themes")
        st.plotly_chart(charts.heatmap(query(index, filters, speaker_themes, top), "speaker", "theme", "statements",
                                       index.theme_labels, percent=False), key="speaker_themes")
        speaker = st.selectbox("Speaker", persons.speaker.tolist(), key="speaker")
        st.plotly_chart(charts.activity(query(index, filters, speaker_periods, "month", [speaker]), f"{speaker}: statements per month"),
                        key="activity")
        said = query(index, filters, statements, speaker).merge(index.articles[["article_id", "title", "url"]], on="article_id")
        st.subheader(f"{plain(speaker)}: {len(said)} statements")
        table = said[["published", "source", "title", "text", "url"]]
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"url": st.column_config.LinkColumn("link"),
                                    "published": st.column_config.DatetimeColumn("published", format="YYYY-MM-DD")})
        csv_download(table, "statements.csv")
        st.caption(f"Role given in the text: {plain(next((r['role'] for rs in said.attributions for r in rs if r['speaker'] == speaker and r['role']), '—'))}")
