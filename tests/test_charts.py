"""Charts are pure functions from query tables to plotly figures: checked here without a browser."""
import pandas as pd
import pytest

from diplodash import charts
from diplodash.queries import rolling_timeline

TIMELINE = pd.DataFrame({
    "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01", "2024-02-01"] * 2),
    "source": ["Kremlin"] * 4 + ["<b>Herald</b>"] * 4,
    "theme": ["energy", "energy", "ukraine", "ukraine"] * 2,
    "paragraphs": [1, 3, 2, 0, 4, 1, 0, 2], "total": [10, 12, 10, 12, 8, 5, 8, 5],
})
TIMELINE["share"] = TIMELINE.paragraphs / TIMELINE.total
LABELS = {"energy": "Energy", "ukraine": "<i>Ukraine</i>"}
KREMLIN = TIMELINE[TIMELINE.source == "Kremlin"].drop(columns="source")


def timeline(rows, periods=None):
    """(theme, paragraphs, total) per period -> a theme_timeline table; periods monthly from Jan 2024."""
    periods = periods if periods is not None else pd.date_range("2024-01-01", periods=len(rows), freq="MS")
    table = pd.DataFrame([(p, theme, n, t) for p, cells in zip(periods, rows) for theme, n, t in cells],
                         columns=["period", "theme", "paragraphs", "total"])
    table["share"] = table.paragraphs / table.total
    return table


def test_timeline_has_a_line_per_theme_whose_points_lead_back_to_their_paragraphs():
    figure = charts.theme_timeline(KREMLIN, "share", LABELS)
    assert [trace.name for trace in figure.data] == ["Energy", "&lt;i&gt;Ukraine&lt;/i&gt;"]  # by volume, printed as written
    energy = figure.data[0]
    assert list(energy.y) == [0.1, 0.25] and figure.layout.yaxis.tickformat == ".0%"
    assert [list(point) for point in energy.customdata] == [["energy", pd.Timestamp("2024-01-01")], ["energy", pd.Timestamp("2024-02-01")]]
    assert energy.hovertext[1] == "Energy · Feb 2024<br>3 of 12 paragraphs (25 %)"
    assert figure.data[1].hovertext[0] == "&lt;i&gt;Ukraine&lt;/i&gt; · Jan 2024<br>2 of 10 paragraphs (20 %)"
    assert energy.hovertemplate == "%{hovertext}<extra></extra>"  # no raw "share: 0.0426..." anywhere
    assert figure.layout.title.text == "Share of paragraphs on each theme, per month"
    counts = charts.theme_timeline(KREMLIN, "count", LABELS, title="Kremlin <b>themes</b>")
    assert list(counts.data[0].y) == [1, 3] and counts.layout.yaxis.title.text == "paragraphs"
    assert counts.layout.title.text == "Kremlin &lt;b&gt;themes&lt;/b&gt;"


def test_sparse_points_are_faint_and_say_how_few_paragraphs_they_rest_on():
    table = timeline([[("ukraine", 3, 5)], [("ukraine", 1, 1)], [("ukraine", 12, 40)]])
    figure = charts.theme_timeline(table, "share", {"ukraine": "Ukraine"}, min_paragraphs=5)
    ukraine = figure.data[0]
    assert list(ukraine.marker.opacity) == [1.0, charts.FAINT, 1.0]  # 5 is enough, 1 is not
    assert ukraine.hovertext[0] == "Ukraine · Jan 2024<br>3 of 5 paragraphs (60 %)"
    assert ukraine.hovertext[1] == "Ukraine · Feb 2024<br>1 of 1 paragraph (100 %)<br>fewer than 5 paragraphs: read with care"
    assert ukraine.hovertext[2].endswith("12 of 40 paragraphs (30 %)")
    assert list(figure.layout.yaxis.range) == [0, 1.0]  # the 100 % month tops the axis, which never passes 100 %
    stricter = charts.theme_timeline(table, "share", {}, min_paragraphs=41)
    assert list(stricter.data[0].marker.opacity) == [charts.FAINT] * 3


def test_share_axis_never_goes_negative_and_counts_get_whole_number_ticks():
    zeros = charts.theme_timeline(timeline([[("ukraine", 0, 3)], [("ukraine", 0, 4)]]), "share")
    assert zeros.layout.yaxis.range[0] == 0 and 0 < zeros.layout.yaxis.range[1] <= 1
    low = charts.theme_timeline(timeline([[("ukraine", 1, 50)], [("ukraine", 2, 50)]]), "share")
    assert list(low.layout.yaxis.range) == [0, pytest.approx(0.044)] and low.layout.yaxis.tickformat == ".1%"
    one = charts.theme_timeline(timeline([[("ukraine", 1, 1)]]), "count")
    axis = one.layout.yaxis
    assert axis.range[0] == 0 and axis.dtick == 1 and axis.tick0 == 0 and axis.tickformat == ",d"  # never 0.5
    many = charts.theme_timeline(timeline([[("ukraine", 37, 90)]]), "count")
    assert many.layout.yaxis.dtick == 10 and float(many.layout.yaxis.dtick).is_integer()


def test_a_one_point_timeline_gets_one_period_tick_and_no_clock_times():
    figure = charts.theme_timeline(timeline([[("ukraine", 1, 2)]], pd.to_datetime(["2022-10-01"])), "share")
    axis = figure.layout.xaxis
    assert axis.tickmode == "array" and list(axis.ticktext) == ["Oct 2022"]
    assert [pd.Timestamp(v) for v in axis.tickvals] == [pd.Timestamp("2022-10-01")]
    assert pd.Timestamp(axis.range[0]) < pd.Timestamp("2022-10-01") < pd.Timestamp(axis.range[1])  # centred, padded
    week = charts.theme_timeline(timeline([[("ukraine", 1, 2)]], pd.to_datetime(["2024-02-12"])), "share", granularity="week")
    assert list(week.layout.xaxis.ticktext) == ["2024-W07"]
    quarter = charts.theme_timeline(timeline([[("ukraine", 1, 2)]], pd.to_datetime(["2023-07-01"])), "share", granularity="quarter")
    assert list(quarter.layout.xaxis.ticktext) == ["Q3 2023"]


def test_long_timelines_get_at_most_twelve_ticks_on_round_periods():
    periods = pd.date_range("2020-01-01", periods=60, freq="MS")
    figure = charts.theme_timeline(timeline([[("ukraine", 1, 2)]] * 60, periods), "share")
    text = list(figure.layout.xaxis.ticktext)
    assert 5 <= len(text) <= charts.MAX_TICKS and text[:3] == ["Jan 2020", "Jul 2020", "Jan 2021"]
    from_march = charts.theme_timeline(timeline([[("ukraine", 1, 2)]] * 30, periods[2:32]), "share").layout.xaxis
    assert from_march.ticktext[0] == "Apr 2020" and pd.Timestamp(from_march.range[0]) < pd.Timestamp("2020-03-01")  # quarter ticks; the range still holds March
    with_gap = timeline([[("ukraine", 1, 2)]] * 2, pd.to_datetime(["2020-01-01", "2020-12-01"]))
    assert len(charts.theme_timeline(with_gap, "share").layout.xaxis.ticktext) == 12  # gaps keep their months


def test_the_top_themes_show_and_the_rest_wait_in_a_legend_ordered_by_volume():
    themes = [f"theme-{n:02d}" for n in range(14)]  # theme-13 has the most paragraphs, theme-00 the fewest
    table = timeline([[(theme, n + 1, 40) for n, theme in enumerate(themes)]] * 3)
    labels = {theme: theme.title() for theme in themes}
    figure = charts.theme_timeline(table, "share", labels, top=5)
    assert [trace.name for trace in figure.data] == [labels[t] for t in reversed(themes)]
    assert [trace.legendrank for trace in figure.data] == list(range(1, 15))
    assert [trace.visible for trace in figure.data] == [True] * 5 + ["legendonly"] * 9
    assert all(trace.showlegend for trace in figure.data)  # all 14 entries listed
    legend = figure.layout.legend
    assert legend.orientation == "h" and legend.yref == "container" and legend.y == 0  # below the plot, not scrolling in it
    assert figure.layout.margin.b >= 45 + charts._LEGEND_ROW * 2  # room kept for its rows (and for the PNG)
    assert figure.layout.yaxis.range[1] == pytest.approx(14 / 40 * 1.1)  # hidden themes fit the scale when shown
    assert all(trace.visible is True for trace in charts.theme_timeline(table, "share", labels, top=None).data)
    assert figure.data[0].line.color != figure.data[1].line.color


def test_split_timeline_draws_a_panel_per_source_on_one_shared_scale():
    figure = charts.theme_timeline(TIMELINE, "share", LABELS, split="source")
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["&lt;b&gt;Herald&lt;/b&gt;", "Kremlin"]  # sorted, escaped
    assert len(figure.data) == 4 and sum(trace.showlegend for trace in figure.data) == 2
    herald_energy = next(t for t in figure.data if t.name == "Energy" and t.yaxis == "y")
    assert list(herald_energy.customdata[0]) == ["energy", pd.Timestamp("2024-01-01"), "<b>Herald</b>"]  # raw value for the query
    assert herald_energy.hovertext[0] == "Energy · &lt;b&gt;Herald&lt;/b&gt; · Jan 2024<br>4 of 8 paragraphs (50 %)"
    energy = [t for t in figure.data if t.name == "Energy"]
    assert energy[0].line.color == energy[1].line.color  # a theme keeps its colour in every panel
    ranges = [tuple(figure.layout[axis].range) for axis in ("yaxis", "yaxis2")]
    assert ranges[0] == ranges[1] == (0, pytest.approx(0.55))  # Herald's 50 % sets the scale of both panels
    assert figure.layout.yaxis2.matches == "y" and figure.layout.xaxis2.matches == "x"
    assert not figure.layout.xaxis.showticklabels and figure.layout.xaxis2.showticklabels  # dates under the last panel
    only_kremlin = TIMELINE[(TIMELINE.theme == "energy") | (TIMELINE.source == "Kremlin")]
    figure = charts.theme_timeline(only_kremlin, "share", LABELS, split="source")
    assert sorted(t.name for t in figure.data if t.showlegend) == ["&lt;i&gt;Ukraine&lt;/i&gt;", "Energy"]  # listed once, wherever it first appears


def test_rolling_points_say_what_window_they_sum():
    table = timeline([[("ukraine", 1, 4)], [("ukraine", 2, 6)], [("ukraine", 9, 30)]])
    figure = charts.theme_timeline(rolling_timeline(table, 3), "share", {"ukraine": "Ukraine"})
    assert figure.data[0].hovertext[2] == "Ukraine · Mar 2024<br>12 of 40 paragraphs over 3 months (30 %)"
    assert figure.layout.title.text == "Share of paragraphs on each theme, per month, summed over 3 months"


def test_empty_tables_give_a_message_not_an_error():
    figure = charts.theme_timeline(TIMELINE.iloc[:0])
    assert figure.layout.annotations[0].text == "No tagged paragraphs in this selection"
    assert charts.heatmap(TIMELINE.iloc[:0], "theme", "source", "share").layout.annotations[0].text == "Nothing to show for this selection"


def test_heatmap_cells_labels_scale_and_hover():
    table = pd.DataFrame({"theme": ["energy", "ukraine"], "source": ["<b>Herald</b>", "<b>Herald</b>"],
                          "paragraphs": [2, 1], "total": [4, 4], "share": [0.5, 0.25]})
    figure = charts.heatmap(table, "theme", "source", "share", LABELS, title="Themes by source")
    cells = {label: list(row) for label, row in zip(figure.data[0].y, figure.data[0].z)}
    assert cells == {"Energy": [0.5], "&lt;i&gt;Ukraine&lt;/i&gt;": [0.25]}
    assert list(figure.data[0].x) == ["&lt;b&gt;Herald&lt;/b&gt;"]
    assert figure.layout.title.text == "Themes by source"
    assert figure.layout.coloraxis.cmin == 0 and figure.layout.coloraxis.cmax == 0.5  # a colour scale within 0-100 %
    hover = dict(zip(figure.data[0].y, figure.data[0].hovertext))
    assert list(hover["Energy"]) == ["Energy · &lt;b&gt;Herald&lt;/b&gt;<br>2 of 4 paragraphs (50 %)"]
    saturated = charts.heatmap(table.assign(share=[1.0, 1.0]), "theme", "source", "share")
    assert saturated.layout.coloraxis.cmax == 1.0


def test_bars_and_activity_count_in_whole_numbers():
    themes = pd.DataFrame({"label": ["Energy", "<b>Ukraine</b>"], "paragraphs": [1, 2]})
    figure = charts.bar(themes, "label", "paragraphs", "Top themes")
    assert figure.layout.title.text == "Top themes" and list(figure.data[0].y) == ["Energy", "&lt;b&gt;Ukraine&lt;/b&gt;"]
    assert figure.layout.xaxis.dtick == 1 and figure.layout.xaxis.tickformat == ",d"
    activity = charts.activity(pd.DataFrame({"period": pd.to_datetime(["2023-10-01"]), "statements": [2]}), "Statements")
    assert list(activity.layout.xaxis.ticktext) == ["Oct 2023"] and activity.layout.yaxis.dtick == 1


def test_png_export_has_a_meaningful_name_and_room_for_the_legend():
    figure = charts.theme_timeline(KREMLIN, "share", LABELS)
    config = charts.png_config("diplodash-themes-month-2022-01-to-2024-12", figure)
    options = config["toImageButtonOptions"]
    assert options["filename"] == "diplodash-themes-month-2022-01-to-2024-12" and options["format"] == "png"
    assert options["height"] == figure.layout.height and options["width"] == charts.EXPORT_WIDTH
    assert charts.png_config("themes / <Kremlin> 2024")["toImageButtonOptions"]["filename"] == "themes-Kremlin-2024"
    assert "height" not in charts.png_config("x")["toImageButtonOptions"]  # then the chart's own height
