import streamlit as st

from diplodash import charts
from diplodash.dates import with_display_date
from diplodash.queries import speaker_counts, speaker_periods, speaker_themes, statements
from diplodash.ui import csv_download, page_setup, paragraph_list, plain, query, url_widget

index, filters, paragraphs = page_setup("speakers")
if paragraphs is not None:
    persons = query(index, filters, speaker_counts)
    groups = query(index, filters, speaker_counts, kind="groups")
    organisations = query(index, filters, speaker_counts, kind="organisations")
    left, middle, right = st.columns([3, 2, 2])
    left.plotly_chart(charts.bar(persons.head(20), "speaker", "statements", "Most quoted people"), key="persons",
                      config=charts.png_config("diplodash-most-quoted-people"))
    middle.plotly_chart(charts.bar(organisations.head(10), "speaker", "statements",
                                   "Organisations (ministries, governments…)"),
                        key="organisations", config=charts.png_config("diplodash-quoted-organisations"))
    right.plotly_chart(charts.bar(groups.head(10), "speaker", "statements", "Unnamed sources (experts, officials…)"),
                       key="groups", config=charts.png_config("diplodash-unnamed-sources"))
    if persons.empty:
        st.info("No attributed statements in this selection.")
    else:
        top = persons.speaker.head(15).tolist()
        st.subheader("Speakers × themes")
        st.plotly_chart(charts.heatmap(query(index, filters, speaker_themes, top), "speaker", "theme", "statements",
                                       index.theme_labels, percent=False, title="Statements per speaker and theme"),
                        key="speaker_themes",
                        config=charts.png_config("diplodash-speakers-by-theme"))
        options = persons.speaker.tolist()
        speaker = url_widget(st.selectbox, "speaker", "person", options[0], "Speaker", options, options=options)
        st.plotly_chart(charts.activity(query(index, filters, speaker_periods, "month", [speaker]),
                                        f"{speaker}: statements per month"),
                        key="activity", config=charts.png_config(f"diplodash-{speaker}-per-month"))
        said = query(index, filters, statements, speaker).merge(index.articles[["article_id", "title", "url"]], on="article_id")
        st.subheader(f"{plain(speaker)}: {len(said)} statements")
        role = next((r["role"] for rs in said.attributions for r in rs if r["speaker"] == speaker and r["role"]), "—")
        st.caption(f"Role given in the text: {plain(role)}")
        paragraph_list(index, said.sort_values("published", ascending=False, na_position="last"), "said")
        csv_download(with_display_date(said[["published", "date_precision", "source", "title", "text", "url"]]),
                     "statements.csv")
