import pandas as pd
import streamlit as st

from dataclasses import replace

from diplodash import charts
from diplodash.changes import WINDOW_DAYS, in_window, new_speakers, recent_window, theme_changes
from diplodash.dates import with_display_date
from diplodash.queries import overview, speaker_counts, theme_counts
from diplodash.ui import filtered_paragraphs, page_setup, paint_before_charts, paragraph_list, query, share_filters, url_widget

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

    st.subheader("What's new")
    updated = index.manifest.get("updated_at") or index.manifest.get("built_at")
    st.caption(f"Index last updated {pd.Timestamp(updated).strftime('%Y-%m-%d %H:%M UTC') if updated else 'at an unknown time'}")
    days = url_widget(st.selectbox, "new_days", "days", WINDOW_DAYS[0], "Window", WINDOW_DAYS, options=WINDOW_DAYS,
                      format_func=lambda d: f"the last {d} days")
    # What's new keeps the sidebar's sources and speakers but chooses its own dates.
    undated = filtered_paragraphs(index, replace(share_filters(filters), start=None, end=None))
    window = recent_window(undated, days)
    if window.note:
        st.caption(window.note[0].upper() + window.note[1:] + ".")
    recent = in_window(undated, window)
    cells = st.columns(3)
    cells[0].metric("New paragraphs", f"{len(recent):,}")
    cells[1].metric("New articles", f"{recent['article_id'].nunique():,}")
    cells[2].metric("Sources", recent["source"].nunique())
    moves, newcomers = st.columns(2)
    changes = query(index, replace(share_filters(filters), start=None, end=None), theme_changes, window, index.theme_labels)
    moves.markdown(f"**Themes that moved** (against the {days} days before)")
    if changes.empty:
        moves.caption("Not enough paragraphs in this window or the one before to compare.")
    else:
        table = changes.head(8).assign(moved=changes["notable"].map({True: "yes", False: "within noise"}))
        moves.dataframe(table[["label", "paragraphs", "paragraphs_before", "share", "share_before", "change_points", "moved"]],
                        hide_index=True, width="stretch", key="theme_moves",
                        column_config={"label": "theme", "paragraphs": "now", "paragraphs_before": "before",
                                       "share": st.column_config.NumberColumn("share now", format="%.1f %%"),
                                       "share_before": st.column_config.NumberColumn("share before", format="%.1f %%"),
                                       "change_points": st.column_config.NumberColumn("change", format="%+.1f pts")})
    speakers_new = query(index, replace(share_filters(filters), start=None, end=None), new_speakers, window)
    newcomers.markdown("**Speakers new to the index**")
    if speakers_new.empty:
        newcomers.caption("Everyone quoted in this window had been quoted before it.")
    else:
        newcomers.dataframe(speakers_new.head(10).assign(first=lambda t: t["first"].dt.date), hide_index=True,
                            width="stretch", key="new_speakers")
    st.markdown(f"**The newest paragraphs** ({len(recent):,} in the window)")
    paragraph_list(index, recent.sort_values("published", ascending=False, kind="stable"), "new_paragraphs", step=5)
