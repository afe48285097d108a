import streamlit as st

from diplodash import charts
from diplodash.dates import with_display_date
from diplodash.queries import overview, speaker_counts, theme_counts
from diplodash.ui import page_setup, paint_before_charts, query, share_filters

index, filters, paragraphs = page_setup("overview")
if paragraphs is not None:
    summary = overview(index, paragraphs)
    cells = st.columns(5)
    cells[0].metric("Articles", f"{summary['articles']:,}")
    cells[1].metric("Paragraphs", f"{summary['paragraphs']:,}")
    cells[2].metric("Sources", summary["sources"])
    cells[3].metric("From", summary["from"])
    cells[4].metric("To", summary["to"])
    paint_before_charts()
    left, right = st.columns(2)
    # a theme's share is out of every paragraph under the other filters: the Themes filter only picks what is drawn
    themes = query(index, share_filters(filters), theme_counts, index.theme_labels, themes=list(filters.themes) or None)
    left.plotly_chart(charts.bar(themes.head(10), "label", "paragraphs", "Top themes"), key="top_themes",
                      config=charts.png_config("diplodash-top-themes"))
    speakers = query(index, filters, speaker_counts, top=10)
    right.plotly_chart(charts.bar(speakers, "speaker", "statements", "Most quoted"), key="top_speakers",
                       config=charts.png_config("diplodash-most-quoted"))
    st.subheader("Latest articles")
    latest = with_display_date(summary["latest"][["published", "date_precision", "source", "title", "url"]])
    st.dataframe(latest, hide_index=True, width="stretch", column_config={"url": st.column_config.LinkColumn("link")})
