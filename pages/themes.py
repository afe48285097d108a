import streamlit as st

from diplodash import charts
from diplodash.queries import PERIODS, theme_by, theme_paragraphs, theme_timeline
from diplodash.ui import csv_download, page_setup, plain, query

index, filters, paragraphs = page_setup("Themes over time")
if paragraphs is not None:
    labels = index.theme_labels
    controls = st.columns([2, 2, 2])
    granularity = controls[0].selectbox("Period", list(PERIODS), index=2, key="granularity")
    measure = controls[1].radio("Measure", ["share", "count"], horizontal=True, key="measure",
                                help="share: paragraphs on the theme / all paragraphs of the period")
    split = "source" if controls[2].toggle("Split by source", key="split") else None
    timeline = query(index, filters, theme_timeline, granularity, by=split, themes=list(filters.themes) or None)
    event = st.plotly_chart(charts.theme_timeline(timeline, measure, labels, split), key="timeline",
                            on_select="rerun", selection_mode="points")
    csv_download(timeline, "theme-timeline.csv", "Download the plotted data (CSV)")
    points = event.selection.points if event and event.selection else []
    if points:
        theme, period, *group = points[0]["customdata"]
        behind = theme_paragraphs(paragraphs, theme, period, granularity, split, group[0] if group else None)
        st.subheader(f"{plain(labels.get(theme, theme))} · {str(period)[:10]} · {len(behind)} paragraphs")
        for row in behind.head(50).itertuples():
            st.markdown(f"**{plain(row.source)}** · {row.published:%Y-%m-%d} — {plain(row.text)}")
    else:
        st.caption("Click a point to list the paragraphs behind it.")
    st.subheader("Themes by source")
    st.plotly_chart(charts.heatmap(query(index, filters, theme_by, "source"), "theme", "source", "share", labels),
                    key="heatmap")
