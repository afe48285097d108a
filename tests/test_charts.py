"""Charts are pure functions from query tables to plotly figures: checked here without a browser."""
import pandas as pd

from diplodash import charts

TIMELINE = pd.DataFrame({
    "period": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01", "2024-02-01"] * 2),
    "source": ["Kremlin"] * 4 + ["<b>Herald</b>"] * 4,
    "theme": ["energy", "energy", "ukraine", "ukraine"] * 2,
    "paragraphs": [1, 3, 2, 0, 4, 1, 0, 2], "total": [10, 12, 10, 12, 8, 5, 8, 5],
})
TIMELINE["share"] = TIMELINE.paragraphs / TIMELINE.total
LABELS = {"energy": "Energy", "ukraine": "<i>Ukraine</i>"}


def test_timeline_has_a_line_per_theme_whose_points_lead_back_to_their_paragraphs():
    table = TIMELINE[TIMELINE.source == "Kremlin"].drop(columns="source")
    figure = charts.theme_timeline(table, "share", LABELS)
    assert [trace.name for trace in figure.data] == ["Energy", "&lt;i&gt;Ukraine&lt;/i&gt;"]  # labels print as written
    energy = figure.data[0]
    assert list(energy.y) == [0.1, 0.25] and figure.layout.yaxis.tickformat == ".0%"
    assert [list(point) for point in energy.customdata] == [["energy", pd.Timestamp("2024-01-01")], ["energy", pd.Timestamp("2024-02-01")]]
    assert energy.hovertext[1] == "2024-02-01<br>3 of 12 paragraphs (25.0%)"
    counts = charts.theme_timeline(table, "count", LABELS)
    assert list(counts.data[0].y) == [1, 3] and counts.layout.yaxis.title.text == "paragraphs"


def test_split_timeline_draws_a_panel_per_source_with_one_legend_entry_per_theme():
    figure = charts.theme_timeline(TIMELINE, "share", LABELS, split="source")
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["&lt;b&gt;Herald&lt;/b&gt;", "Kremlin"]  # sorted, escaped
    assert len(figure.data) == 4 and sum(trace.showlegend for trace in figure.data) == 2
    herald_energy = next(t for t in figure.data if t.name == "Energy" and t.yaxis == "y")
    assert list(herald_energy.customdata[0]) == ["energy", pd.Timestamp("2024-01-01"), "<b>Herald</b>"]  # raw value for the query
    assert figure.data[0].line.color == figure.data[1].line.color  # a theme keeps its colour in every panel
    only_kremlin = TIMELINE[(TIMELINE.theme == "energy") | (TIMELINE.source == "Kremlin")]
    figure = charts.theme_timeline(only_kremlin, "share", LABELS, split="source")
    assert sorted(t.name for t in figure.data if t.showlegend) == ["&lt;i&gt;Ukraine&lt;/i&gt;", "Energy"]  # listed once, wherever it first appears


def test_empty_tables_give_a_message_not_an_error():
    figure = charts.theme_timeline(TIMELINE.iloc[:0])
    assert figure.layout.annotations[0].text == "No tagged paragraphs in this selection"


def test_heatmap_cells_and_labels():
    table = pd.DataFrame({"theme": ["energy", "ukraine"], "source": ["<b>Herald</b>", "<b>Herald</b>"], "share": [0.5, 0.25]})
    figure = charts.heatmap(table, "theme", "source", "share", LABELS)
    cells = {label: list(row) for label, row in zip(figure.data[0].y, figure.data[0].z)}
    assert cells == {"Energy": [0.5], "&lt;i&gt;Ukraine&lt;/i&gt;": [0.25]}
    assert list(figure.data[0].x) == ["&lt;b&gt;Herald&lt;/b&gt;"]
