"""Timeline, theme and period queries on small synthetic paragraph tables."""
import numpy as np
import pandas as pd
import pytest

from diplodash.queries import (calendar_periods, period_labels, rolling_timeline, theme_by, theme_counts,
                               theme_paragraphs, theme_timeline, with_theme_labels)


def paragraphs(rows):
    """(published, precision, source, themes) tuples -> the columns the queries read."""
    table = pd.DataFrame(rows, columns=["published", "date_precision", "source", "themes"])
    table["published"] = pd.to_datetime(table["published"])
    table["paragraph_id"] = [f"p{n}" for n in range(len(table))]
    table["article_id"], table["position"] = table["paragraph_id"], 0
    table["speakers"] = [[] for _ in range(len(table))]
    return table


# October 2022 has one paragraph (on ukraine); January 2023 five; November and December none.
SPARSE = paragraphs([("2022-10-14", "day", "A", ["ukraine"]),
                     *[("2023-01-10", "day", "A" if n < 3 else "B", t)
                       for n, t in enumerate([["ukraine"], ["energy"], [], ["ukraine", "energy"], ["energy"]])],
                     ("2023-01-01", "year", "UN", ["ukraine"])])


def test_period_labels_read_like_periods_at_every_granularity():
    starts = pd.to_datetime(["2024-02-12", "2022-10-01", "2024-12-30"])
    assert period_labels(starts[:1], "day") == ["2024-02-12"]
    assert period_labels(starts, "week") == ["2024-W07", "2022-W39", "2025-W01"]  # ISO: 30 Dec 2024 is in 2025's week 1
    assert period_labels(starts, "month") == ["Feb 2024", "Oct 2022", "Dec 2024"]
    assert period_labels(pd.to_datetime(["2023-07-01", "2023-01-01"]), "quarter") == ["Q3 2023", "Q1 2023"]
    assert period_labels(starts, "year") == ["2024", "2022", "2024"]
    with pytest.raises(ValueError):
        period_labels(starts, "decade")


def test_timeline_shares_stay_within_0_and_1_even_for_a_one_paragraph_month():
    monthly = theme_timeline(SPARSE, "month")
    assert list(monthly.columns) == ["period", "period_label", "theme", "paragraphs", "total", "share"]
    october = monthly[monthly.period_label == "Oct 2022"].set_index("theme")
    assert october.loc["ukraine", ["paragraphs", "total", "share"]].tolist() == [1, 1, 1.0]  # 1 of 1: the chart says so
    assert october.loc["energy", "share"] == 0.0
    assert monthly.share.between(0, 1).all() and set(monthly.period_label) == {"Oct 2022", "Jan 2023"}  # year-only left out
    yearly = theme_timeline(SPARSE, "year")
    assert yearly[yearly.theme == "ukraine"].set_index("period_label").paragraphs.to_dict() == {"2022": 1, "2023": 3}
    weekly = theme_timeline(SPARSE, "week")
    assert sorted(set(weekly.period_label)) == ["2022-W41", "2023-W02"]


def test_choosing_themes_never_changes_the_denominator():
    everything = theme_timeline(SPARSE, "month", by="source")
    chosen = theme_timeline(SPARSE, "month", by="source", themes=["energy", "taiwan"])
    assert set(chosen.theme) == {"energy", "taiwan"}
    merged = chosen.merge(everything, on=["period", "source", "theme"], suffixes=("", "_all"))
    assert (merged.total == merged.total_all).all() and (merged.share == merged.share_all).all()
    january_a = chosen[(chosen.period_label == "Jan 2023") & (chosen.source == "A")].set_index("theme")
    assert january_a.loc["energy", ["paragraphs", "total"]].tolist() == [1, 3]  # the untagged paragraph still counts
    assert chosen[chosen.theme == "taiwan"].paragraphs.eq(0).all() and len(chosen[chosen.theme == "taiwan"]) == 3  # a row per cell
    assert theme_timeline(SPARSE, "month", themes=[]).empty

    heat = theme_by(SPARSE, "source", themes=["energy"])
    assert heat.set_index("source")[["paragraphs", "total"]].to_dict("index") == {
        "A": {"paragraphs": 1, "total": 4}, "B": {"paragraphs": 2, "total": 2}}
    counts = theme_counts(SPARSE, {"energy": "Energy"}, themes=["energy"])
    assert counts[["theme", "label", "paragraphs"]].values.tolist() == [["energy", "Energy", 3]]
    assert counts.share.tolist() == [pytest.approx(3 / 7)]  # of all seven paragraphs, not of the energy ones


def test_rolling_sums_counts_over_calendar_periods_and_takes_the_rate_of_the_sums():
    table = theme_timeline(SPARSE, "month")
    rolled = rolling_timeline(table, 3, "month")
    assert list(rolled.columns) == [*table.columns, "window"] and len(rolled) == len(table)  # the same points
    ukraine = rolled[rolled.theme == "ukraine"].set_index("period_label")
    # Jan 2023's window is Nov, Dec (no paragraphs: 0 of 0) and Jan (2 of 5); Oct 2022 falls outside it.
    assert ukraine.loc["Jan 2023", ["paragraphs", "total", "window"]].tolist() == [2, 5, 3]
    wider = rolling_timeline(table, 4, "month").query("theme == 'ukraine'").set_index("period_label")
    assert wider.loc["Jan 2023", ["paragraphs", "total"]].tolist() == [3, 6]
    assert wider.loc["Jan 2023", "share"] == pytest.approx(3 / 6)  # not the mean of 1/1 and 2/5 (0.7)
    assert rolling_timeline(table, 1, "month")[["paragraphs", "total"]].equals(table[["paragraphs", "total"]])


def test_a_rolling_point_lists_the_paragraphs_of_its_whole_window():
    assert len(theme_paragraphs(SPARSE, "ukraine", "2023-01-01", "month")) == 2
    assert len(theme_paragraphs(SPARSE, "ukraine", "2023-01-01", "month", window=3)) == 2  # Nov, Dec: none
    window = theme_paragraphs(SPARSE, "ukraine", "2023-01-01", "month", window=4)
    assert window.paragraph_id.tolist() == ["p0", "p1", "p4"]  # Oct 2022 joins; the year-only speech never
    assert sorted(theme_paragraphs(SPARSE, "ukraine", "2023-01-01", "year").paragraph_id) == ["p1", "p4", "p6"]


def test_rolling_keeps_each_split_group_and_theme_apart():
    by_source = theme_timeline(SPARSE, "month", by="source")
    rolled = rolling_timeline(by_source, 12, "month")  # split column found in the table
    assert rolled.set_index(["source", "theme", "period_label"]).loc[("A", "ukraine", "Jan 2023"), ["paragraphs", "total"]].tolist() == [2, 4]
    assert rolled.set_index(["source", "theme", "period_label"]).loc[("B", "energy", "Jan 2023"), ["paragraphs", "total"]].tolist() == [2, 2]
    assert rolling_timeline(by_source.iloc[:0], 3).empty
    with pytest.raises(ValueError):
        rolling_timeline(by_source, 0)


def test_csv_tables_carry_the_theme_label_beside_its_id():
    labels = {"ukraine": "Ukraine", "energy": "Energy <security>"}
    for table in (theme_timeline(SPARSE, "month"), theme_by(SPARSE, "source"), theme_counts(SPARSE)):
        labelled = with_theme_labels(table, labels)
        position = list(labelled.columns).index("theme")
        assert list(labelled.columns)[position + 1] == "label" and list(labelled.columns).count("label") == 1
        assert (labelled.label == labelled.theme.map(labels)).all()  # as written: a CSV is not HTML
    unknown = with_theme_labels(pd.DataFrame({"theme": ["grain"], "paragraphs": [1]}), {})
    assert unknown.label.tolist() == ["grain"]  # no label: the id


def test_calendar_periods_fill_the_gaps():
    months = calendar_periods(pd.to_datetime(["2022-10-01", "2023-01-01"]), "month")
    assert period_labels(months, "month") == ["Oct 2022", "Nov 2022", "Dec 2022", "Jan 2023"]
    assert len(calendar_periods(np.array([], dtype="datetime64[ns]"))) == 0


def test_exports_give_dates_as_precise_as_the_source():
    from diplodash.dates import with_display_date

    table = pd.DataFrame({"title": ["a", "b", "c", "d"],
                          "published": pd.to_datetime([None, "2022-10-01 00:00", "2024-01-01 00:00", "2024-04-09 13:05"]),
                          "date_precision": [None, "month", "year", "day"]})
    exported = with_display_date(table)
    assert list(exported.columns) == ["title", "date"]
    assert exported.date.tolist() == ["undated", "Oct 2022", "2024", "2024-04-09"]
