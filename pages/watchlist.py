from dataclasses import replace

import streamlit as st

from diplodash import watchlist
from diplodash.changes import WINDOW_DAYS, recent_window
from diplodash.ui import filter_rows, filtered_paragraphs, operator_settings, page_setup, paragraph_list, plain, url_widget

index, filters, paragraphs = page_setup("watchlist")
if paragraphs is not None:
    editing = operator_settings().editing
    try:
        statements = watchlist.load()
    except watchlist.WatchlistError as error:
        st.error(str(error))
        statements = []
    st.caption("Statements followed here, each with the paragraphs that say the same thing, newest first. "
               "`diplodash watch` also writes an Atom feed per statement for feed readers.")
    if editing:
        with st.form("add_statement", clear_on_submit=True):
            text = st.text_input("Follow a statement", placeholder="no-alliance, no-confrontation and no-targeting of any third party")
            if st.form_submit_button("Add to the watchlist") and text.strip():
                try:
                    watchlist.save(watchlist.add(statements, text))
                    st.rerun()
                except watchlist.WatchlistError as error:
                    st.error(str(error))
    if not statements:
        st.info("The watchlist is empty." + ("" if editing else " Its operator adds statements to `data/watchlist.yaml`."))
    else:
        days = url_widget(st.selectbox, "watch_days", "days", WINDOW_DAYS[0], "New in", WINDOW_DAYS, options=WINDOW_DAYS,
                          format_func=lambda d: f"the last {d} days")
        undated = replace(filters, start=None, end=None)
        window = recent_window(filtered_paragraphs(index, undated), days)
        if window.note:
            st.caption(window.note[0].upper() + window.note[1:] + ".")
        mask = filter_rows(index, undated)
        for number, statement in enumerate(statements):
            with st.spinner("Loading the language model (first statement only)…"):
                found = watchlist.matches(index, statement, since=window.start, mask=mask)
            st.subheader(f"“{plain(statement.text)}”")
            st.caption(f"{len(found)} paragraph(s) since {window.start.date()} at similarity ≥ {statement.threshold:.2f}")
            if editing and st.button("Stop following", key=f"unfollow_{number}"):
                watchlist.save([s for s in statements if s != statement])
                st.rerun()
            if not found.empty:
                paragraph_list(index, found, f"watch_{number}", query=statement.text, step=5)
