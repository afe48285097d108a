import streamlit as st

from diplodash import charts
from diplodash.queries import overview, speaker_counts, theme_counts
from diplodash.ui import page_setup, paint_before_charts, query

index, filters, paragraphs = page_setup("Overview")
if paragraphs is not None:
    summary = overview(index, paragraphs)
    cells = st.columns(5)
    cells[0].metric("Articles", f"{summary['articles']:,}")
    cells[1].metric("Paragraphs", f"{summary['paragraphs']:,}")
    cells[2].metric("Sources", summary["sources"])
    cells[3].metric("From", f"{summary['first']:%Y-%m}" if summary["first"] is not None else "undated")
    cells[4].metric("To", f"{summary['last']:%Y-%m}" if summary["last"] is not None else "undated")
    paint_before_charts()
    left, right = st.columns(2)
    themes = query(index, filters, theme_counts, index.theme_labels).head(10)
    left.plotly_chart(charts.bar(themes, "label", "paragraphs", "Top themes"), key="top_themes")
    speakers = query(index, filters, speaker_counts, top=10)
    right.plotly_chart(charts.bar(speakers, "speaker", "statements", "Most quoted"), key="top_speakers")
    st.subheader("Latest articles")
    st.dataframe(summary["latest"][["published", "source", "title", "url"]], hide_index=True, width="stretch",
                 column_config={"url": st.column_config.LinkColumn("link"),
                                "published": st.column_config.DatetimeColumn("published", format="YYYY-MM-DD")})
