import pandas as pd
import streamlit as st

from diplodash import charts
from diplodash.queries import PERIODS, period_labels, rolling_timeline, theme_by, theme_paragraphs, theme_timeline, with_theme_labels
from diplodash.ui.teaching import teach_panel
from diplodash.ui import (chart_point, csv_download, filtered_paragraphs, page_setup, paragraph_list, plain, query,
                          share_filters, url_widget)

index, filters, paragraphs = page_setup("themes")
if paragraphs is not None:
    labels = index.theme_labels
    # Shares are out of every paragraph under the other filters: the Themes filter only picks the lines drawn.
    base = share_filters(filters)
    drawn = list(filters.themes) or None
    controls = st.columns([2, 2, 2, 2, 2])
    granularity = url_widget(controls[0].selectbox, "granularity", "period", "month", "Period", list(PERIODS),
                             options=list(PERIODS))
    measure = url_widget(controls[1].radio, "measure", "measure", "share", "Measure", ["share", "count"],
                         options=["share", "count"], horizontal=True,
                         help="share: paragraphs on the theme / all paragraphs of the period (under the other filters)")
    smooth = url_widget(controls[2].selectbox, "smooth", "smooth", 1, "Rolling window", [1, 2, 3, 6, 12],
                        options=[1, 2, 3, 6, 12], format_func=lambda n: "off" if n == 1 else f"over {n} periods")
    minimum = url_widget(controls[3].number_input, "min_paragraphs", "min", 5, "Few paragraphs below", min_value=1,
                         step=1, help="Points resting on fewer paragraphs than this are drawn lighter")
    # "1" is how links have always written a split by source; a language split where there are several
    splits = {"": "none", "1": "source", **({"language": "language"} if len(index.languages) > 1 else {})}
    split = url_widget(controls[4].selectbox, "split", "split", "", "Split by", list(splits), options=list(splits),
                       format_func=splits.get)
    split = {"1": "source", "language": "language"}.get(split)
    timeline = query(index, base, theme_timeline, granularity, by=split, themes=drawn)
    if smooth > 1:
        timeline = rolling_timeline(timeline, smooth, granularity, by=split)
    dates = timeline["period_label"] if len(timeline) else pd.Series(dtype=object)
    name = ("diplodash-themes-" + granularity + (f"-{dates.iloc[0]}-to-{dates.iloc[-1]}" if len(dates) else "")).replace(" ", "-")
    figure = charts.theme_timeline(timeline, measure, labels, split, granularity=granularity, min_paragraphs=minimum,
                                   top=None if drawn else 5)  # themes the user picked are all drawn
    event = st.plotly_chart(figure, key="timeline", on_select="rerun", selection_mode="points",
                            config=charts.png_config(name, figure))
    csv_download(with_theme_labels(timeline, labels), f"{name}.csv", "Download the plotted data (CSV)")
    point = chart_point(event, valid=lambda p: len(p) >= 2 and p[0] in labels and not pd.isna(pd.to_datetime(p[1], errors="coerce")))
    if point:
        theme, period, *group = point
        behind = theme_paragraphs(filtered_paragraphs(index, base), theme, period, granularity, split,
                                  group[0] if group else None, window=smooth)
        period_name = period_labels([pd.Timestamp(period)], granularity)[0]
        over = f" (the {smooth} {granularity}s to it)" if smooth > 1 else ""
        st.subheader(f"{plain(labels.get(theme, theme))} · {period_name}{over}{' · ' + plain(group[0]) if group else ''} · "
                     f"{len(behind)} paragraphs", anchor=False)
        paragraph_list(index, behind, "behind")
    else:
        st.caption("Click a point to list the paragraphs behind it.")
    st.subheader("Themes by source", anchor=False)
    heat = query(index, base, theme_by, "source", themes=drawn)
    st.plotly_chart(charts.heatmap(heat, "theme", "source", "share", labels, title="Share of each source's paragraphs"),
                    key="heatmap", config=charts.png_config("diplodash-themes-by-source"))
    csv_download(with_theme_labels(heat, labels), "diplodash-themes-by-source.csv", "Download the heatmap data (CSV)")
    teach_panel(index, filters, granularity)
