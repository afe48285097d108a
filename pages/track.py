import pandas as pd
import streamlit as st

from diplodash import charts, tracking
from diplodash.queries import PERIODS, period_labels
from diplodash.ui import (chart_point, csv_download, filter_rows, keep_url_value, page_setup, paragraph_list, plain,
                          url_value, url_widget)

index, filters, paragraphs = page_setup("track")
if paragraphs is not None:
    tracked = url_value("track", [], lambda values: [v for v in values if v.strip()][:tracking.MAX_TRACKED])
    with st.form("track_statement", clear_on_submit=True):
        typed = st.text_input("Track a statement", placeholder="rules-based international order", key="track_input",
                              help=f"Up to {tracking.MAX_TRACKED} statements side by side; each is kept in the link")
        if st.form_submit_button("Track", disabled=len(tracked) >= tracking.MAX_TRACKED) and typed.strip():
            tracked = [*tracked, " ".join(typed.split())][: tracking.MAX_TRACKED]
    for number, text in enumerate(list(tracked)):
        left, right = st.columns([10, 2])
        left.markdown(f"**{number + 1}.** {plain(text)}")
        if right.button("Remove", key=f"untrack_{number}"):
            keep_url_value("track", [t for t in tracked if t != text], [], list)
            st.rerun()
    keep_url_value("track", tracked, [], list)
    if not tracked:
        st.info("Type a statement above: the chart shows how many paragraphs per period say the same thing.")
    else:
        controls = st.columns(4)
        threshold = url_widget(controls[0].slider, "track_threshold", "at", tracking.DEFAULT_THRESHOLD,
                               "Says the same at a score of at least", 0.30, 0.95, step=0.01,
                               help="The search score (bench/track.py reports precision and recall per threshold)")
        granularity = url_widget(controls[1].selectbox, "track_period", "period", "month", "Period", list(PERIODS),
                                 options=list(PERIODS))
        measure = url_widget(controls[2].radio, "track_measure", "measure", "count", "Measure", ["count", "share"],
                             options=["count", "share"], horizontal=True)
        split = url_widget(controls[3].selectbox, "track_split", "split", "none", "Split by", ["none", "source", "speaker"],
                           options=["none", "source", "speaker"])
        by = None if split == "none" else split
        mask = filter_rows(index, filters)
        with st.spinner("Loading the language model (first statement only)…"):
            timeline = tracking.track_timeline(index, tracked, threshold, mask, granularity, by)
        labels = tracking.labels(tracked)
        figure = charts.theme_timeline(timeline, measure, labels, by, granularity=granularity, min_paragraphs=1,
                                       top=None, title="Paragraphs that say the same thing")
        event = st.plotly_chart(figure, key="tracked", on_select="rerun", selection_mode="points",
                                config=charts.png_config(f"diplodash-tracked-{granularity}", figure))
        csv_download(timeline.assign(statement=timeline["theme"].map(labels)), "diplodash-tracked.csv",
                     "Download the plotted data (CSV)")
        point = chart_point(event, valid=lambda p: len(p) >= 2 and p[0] in labels
                            and not pd.isna(pd.to_datetime(p[1], errors="coerce")))
        if point:
            statement, period, *group = point
            text = tracked[int(statement.rsplit("-", 1)[1]) - 1]
            behind = tracking.paragraphs_saying(index, text, threshold, mask, pd.Timestamp(period), granularity)
            if group and by == "source":
                behind = behind[behind["source"] == group[0]]
            elif group and by == "speaker":
                behind = behind[behind["speakers"].map(lambda names: group[0] in list(names))]
            name = period_labels([pd.Timestamp(period)], granularity)[0]
            st.subheader(f"“{plain(labels[statement])}” · {name}{' · ' + plain(group[0]) if group else ''} · "
                         f"{len(behind)} paragraphs", anchor=False)
            paragraph_list(index, behind, "tracked_behind", query=text, step=10)
        else:
            st.caption("Click a point to read the paragraphs behind it.")
        with st.expander(f"Near the threshold (within ±{tracking.NEAR:.2f}): judge where it should be"):
            for number, text in enumerate(tracked):
                near = tracking.paragraphs_saying(index, text, threshold, mask, near=True).head(10)
                st.markdown(f"**{plain(labels[tracking.statement_id(number)])}**: {len(near)} shown")
                if not near.empty:
                    paragraph_list(index, near, f"near_{number}", query=text, step=5)
