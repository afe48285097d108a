"""Charts: pure functions from the query tables to plotly figures (no streamlit here)."""
from __future__ import annotations

import html

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

TEMPLATE = "plotly_white"


def _escaped(data: pd.DataFrame, columns) -> pd.DataFrame:
    """Plotly renders <b>, <a href> and friends inside labels: names and titles from the corpus
    must show as written, so their markup characters become entities plotly prints literally."""
    data = data.copy()
    for column in filter(None, columns):
        data[column] = data[column].map(lambda v: _literal(v) if isinstance(v, str) else v)
    return data


def _literal(text: str) -> str:
    return html.escape(text, quote=False)


def _empty(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 14})
    figure.update_layout(template=TEMPLATE, xaxis={"visible": False}, yaxis={"visible": False}, height=300)
    return figure


def theme_timeline(table: pd.DataFrame, measure: str = "share", labels: dict | None = None,
                   split: str | None = None) -> go.Figure:
    """Lines of theme share (or count) per period; one panel per source or speaker when split.
    Each point carries (theme, period[, raw split value]) as custom data, for click-through."""
    if table.empty:
        return _empty("No tagged paragraphs in this selection")
    value = "share" if measure == "share" else "paragraphs"
    groups = sorted(table[split].unique()) if split else [None]
    # Traces built directly: plotly express takes about twice as long, on every filter change.
    figure = (make_subplots(rows=len(groups), cols=1, shared_xaxes=True, vertical_spacing=min(0.08, 0.3 / len(groups)),
                            subplot_titles=[_literal(str(g)) for g in groups]) if split else go.Figure())
    colours = px.colors.qualitative.Plotly + px.colors.qualitative.Dark2  # 18 distinct: 14 themes never share one
    for number, (theme, rows) in enumerate(table.groupby("theme", sort=False)):
        name, colour = _literal(str((labels or {}).get(theme, theme))), colours[number % len(colours)]
        in_legend = False
        for panel, group in enumerate(groups, 1):
            points = rows[rows[split] == group] if split else rows
            if points.empty:
                continue
            hover = [f"{p:%Y-%m-%d}<br>{n:,} of {t:,} paragraphs ({s:.1%})"
                     for p, n, t, s in zip(points["period"], points["paragraphs"], points["total"], points["share"])]
            trace = go.Scatter(x=points["period"], y=points[value], mode="lines+markers", name=name, legendgroup=str(theme),
                               showlegend=not in_legend, line={"color": colour}, marker={"color": colour},
                               customdata=points[["theme", "period", *([split] if split else [])]].to_numpy(dtype=object),
                               hovertext=hover, hovertemplate="%{hovertext}<extra>" + name + "</extra>")
            if split:
                figure.add_trace(trace, row=panel, col=1)
            else:
                figure.add_trace(trace)
            in_legend = True
    figure.update_yaxes(title_text="share of paragraphs" if value == "share" else "paragraphs",
                        tickformat=".0%" if value == "share" else None)
    figure.update_layout(template=TEMPLATE, legend_title_text="", hovermode="closest",
                         height=420 if not split else 220 * len(groups) + 80)
    return figure


def heatmap(table: pd.DataFrame, rows: str, columns: str, value: str, labels: dict | None = None,
            percent: bool = True) -> go.Figure:
    """A rows x columns heatmap (e.g. theme x source share)."""
    if table.empty:
        return _empty("Nothing to show for this selection")
    data = table.copy()
    for axis in (rows, columns):
        if axis == "theme":
            data[axis] = data[axis].map(labels or {}).fillna(data[axis])
    data = _escaped(data, [rows, columns])
    matrix = data.pivot_table(index=rows, columns=columns, values=value, aggfunc="sum", fill_value=0)
    figure = px.imshow(matrix, aspect="auto", color_continuous_scale="Blues",
                       text_auto=".0%" if percent else True, labels={"color": value})
    figure.update_layout(template=TEMPLATE, height=max(300, 28 * len(matrix) + 120), xaxis_title="", yaxis_title="")
    return figure


def bar(table: pd.DataFrame, category: str, value: str, title: str = "", color: str | None = None) -> go.Figure:
    """Horizontal bars, largest on top."""
    if table.empty:
        return _empty("Nothing to show for this selection")
    data = _escaped(table.sort_values(value), [category, color])
    figure = px.bar(data, x=value, y=category, orientation="h", title=_literal(title), color=color,
                    color_discrete_sequence=["#2c6fbb"])
    figure.update_layout(template=TEMPLATE, height=max(260, 24 * len(data) + 100), yaxis_title="", xaxis_title=value,
                         showlegend=False)
    return figure


def activity(table: pd.DataFrame, title: str = "") -> go.Figure:
    """One speaker's statements per period."""
    if table.empty:
        return _empty("No dated statements in this selection")
    figure = px.bar(table, x="period", y="statements", title=_literal(title), color_discrete_sequence=["#2c6fbb"])
    figure.update_layout(template=TEMPLATE, height=300, xaxis_title="", yaxis_title="statements")
    return figure
