"""Charts: pure functions from the query tables to plotly figures (no streamlit here)."""
from __future__ import annotations

import html
import math
import re

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from .queries import calendar_periods, period_labels, period_ordinals

TEMPLATE = "plotly_white"
COLOURS = px.colors.qualitative.Plotly + px.colors.qualitative.Dark2  # 18 distinct: 14 themes never share one
FAINT = 0.3  # marker opacity of a point resting on fewer paragraphs than the chart's minimum
MAX_TICKS = 12
# Tick spacings that fall on round calendar marks (every quarter, half-year, year...), per granularity.
_TICK_STEPS = {"day": (1, 2, 7, 14, 28, 91, 182, 364, 728), "week": (1, 2, 4, 13, 26, 52, 104),
               "month": (1, 2, 3, 6, 12, 24, 60, 120), "quarter": (1, 2, 4, 8, 20, 40), "year": (1, 2, 5, 10, 20, 50)}
_HALF_PERIOD = {"day": pd.Timedelta(hours=12), "week": pd.Timedelta(days=3.5), "month": pd.Timedelta(days=15),
                "quarter": pd.Timedelta(days=45), "year": pd.Timedelta(days=182)}
EXPORT_WIDTH = 1100
_LEGEND_WIDTH = 700  # the narrowest plot we plan legend rows for: wider ones need fewer rows
_LEGEND_ROW = 22


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


def _percent(share: float) -> str:
    """A share as "60 %"; one decimal under 10 %, where a whole number would read as 0 or hide a difference."""
    value = share * 100
    return f"{value:.1f} %" if 0 < value < 10 else f"{value:.0f} %"


def _of(part: int, total: int) -> str:
    return f"{part:,} of {total:,} paragraph{'' if total == 1 else 's'}"


def _count_step(upper: float) -> int:
    """A 1-2-5 tick step of at least 1 for about five ticks up to `upper`: counts never get 0.5."""
    raw = max(upper, 1) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return max(1, int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)))


def _count_axis(upper: float) -> dict:
    top = max(upper, 1) * 1.1
    return {"range": [0, top], "tick0": 0, "dtick": _count_step(top), "tickformat": ",d"}


def _share_axis(upper: float) -> dict:
    """0 to a little above the highest share, never below 0 % or above 100 %."""
    top = min(1.0, max(upper * 1.1, 0.01))
    return {"range": [0, top], "tickformat": ".0%" if top >= 0.05 else ".1%"}


def period_ticks(periods, granularity: str = "month") -> tuple[list[pd.Timestamp], list[str]]:
    """At most MAX_TICKS ticks on round periods between the first and last of `periods`, labelled
    the way periods read ("Oct 2022", "2024-W07"): a single point never gets clock-time ticks."""
    calendar = calendar_periods(periods, granularity)
    if not len(calendar):
        return [], []
    step = next((s for s in _TICK_STEPS[granularity] if len(calendar) <= s * MAX_TICKS),
                math.ceil(len(calendar) / MAX_TICKS))
    ordinals = period_ordinals(calendar, granularity) + (3 if granularity == "day" else 0)  # day steps of 7 fall on Mondays
    chosen = np.flatnonzero(ordinals % step == 0)
    chosen = chosen if len(chosen) else np.array([0])
    return list(pd.DatetimeIndex(calendar[chosen])), period_labels(calendar[chosen], granularity)


def _period_axis(periods, granularity: str) -> dict:
    values, text = period_ticks(periods, granularity)
    half = _HALF_PERIOD[granularity]
    return {"tickmode": "array", "tickvals": values, "ticktext": text,
            "range": [pd.Timestamp(np.min(periods)) - half, pd.Timestamp(np.max(periods)) + half] if values else None}


def _legend_rows(names) -> int:
    """Rows a horizontal legend wraps into at the narrowest planned width (about 7 px a character)."""
    rows, used = 1, 0
    for name in names:
        width = 40 + 7 * len(html.unescape(name))
        if used and used + width > _LEGEND_WIDTH:
            rows, used = rows + 1, 0
        used += width
    return rows


def _legend_below(names, plot_height: int, title: str) -> dict:
    """Layout keys for a title and a legend below the plot showing every entry, no scrolling: the
    bottom margin is sized for the ticks plus the legend's rows, so the PNG export keeps it all."""
    legend_height = _LEGEND_ROW * _legend_rows(names) + 8
    bottom = 45 + legend_height
    return {"height": plot_height + 70 + bottom, "margin": {"t": 70, "b": bottom, "l": 60, "r": 20},
            "title": {"text": _literal(title), "x": 0, "xanchor": "left"},
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left",
                       "traceorder": "normal", "maxheight": 1, "title_text": ""}}


def _panels(titles: list[str], x_axis: dict, y_axis: dict) -> dict:
    """Layout of one panel per group, stacked, sharing the x axis (ticks on the lowest) and one y
    scale and range. Written out because make_subplots plus adding traces to it costs twice the time."""
    count = len(titles)
    gap = min(0.08, 0.3 / count)
    height = (1 - gap * (count - 1)) / count
    layout, annotations = {}, []
    for number, title in enumerate(titles, 1):
        top, suffix = 1 - (number - 1) * (height + gap), str(number) if number > 1 else ""
        layout[f"xaxis{suffix}"] = {**x_axis, "anchor": f"y{suffix}", "showticklabels": number == count,
                                    **({"matches": "x"} if number > 1 else {})}
        layout[f"yaxis{suffix}"] = {**y_axis, "anchor": f"x{suffix}", "domain": [max(0.0, top - height), min(1.0, top)],
                                    **({"matches": "y"} if number > 1 else {})}  # zooming one panel zooms them all
        annotations.append({"text": title, "x": 0.5, "xref": "paper", "xanchor": "center", "y": top, "yref": "paper",
                            "yanchor": "bottom", "showarrow": False, "font": {"size": 14}})
    return {**layout, "annotations": annotations}


def _unit(granularity: str, count: int) -> str:
    return f"{count} {granularity}{'s' if count != 1 else ''}"


def _timeline_title(value: str, granularity: str, split: str | None, window: int) -> str:
    what = "Share of paragraphs on each theme" if value == "share" else "Paragraphs on each theme"
    rolling = f", summed over {_unit(granularity, window)}" if window > 1 else ""
    return f"{what}, per {granularity}{rolling}" + (f", by {split}" if split else "")


def _volume_order(table: pd.DataFrame, labels: dict) -> list:
    """Theme ids, most paragraphs first (ties by label): the legend's order and the visible top."""
    volume = table.groupby("theme", sort=False)["paragraphs"].sum()
    return sorted(volume.index, key=lambda theme: (-volume[theme], str(labels.get(theme, theme))))


def _colour_of(themes, labels: dict) -> dict:
    """A theme keeps its colour whatever the filters: colours follow the taxonomy's order (labels),
    not the ranking of the moment."""
    known = {theme: number for number, theme in enumerate(labels)}
    rest = sorted((t for t in themes if t not in known), key=str)
    positions = {**known, **{theme: len(known) + number for number, theme in enumerate(rest)}}
    return {theme: COLOURS[positions[theme] % len(COLOURS)] for theme in themes}


def _point_labels(data: pd.DataFrame, granularity: str) -> np.ndarray:
    """Each row's period as it reads: the table's own labels, else made once per distinct period."""
    if "period_label" in data:
        return data["period_label"].to_numpy()
    distinct = data["period"].unique()
    return data["period"].map(dict(zip(distinct, period_labels(distinct, granularity)))).to_numpy()


def theme_timeline(table: pd.DataFrame, measure: str = "share", labels: dict | None = None, split: str | None = None,
                   granularity: str = "month", min_paragraphs: int = 5, top: int | None = 5,
                   title: str | None = None) -> go.Figure:
    """Lines of theme share (or count) per period from a theme_timeline (or rolling_timeline) table;
    one panel per source or speaker when split, all on one y scale. The `top` themes by volume are
    drawn, the rest wait in the legend (one click shows them); a point resting on fewer than
    `min_paragraphs` paragraphs is drawn faint and says so. Each point carries (theme, period[, raw
    split value]) as custom data, for click-through."""
    if table.empty:
        return _empty("No tagged paragraphs in this selection")
    labels = labels or {}
    value = "share" if measure == "share" else "paragraphs"
    window = int(table["window"].iloc[0]) if "window" in table else 1
    groups = sorted(table[split].unique()) if split else [None]
    order = _volume_order(table, labels)
    colours = _colour_of(order, labels)
    data = table.sort_values("period", kind="stable")
    point_labels = _point_labels(data, granularity)
    periods, values, shares = data["period"].to_numpy(), data[value].to_numpy(), data["share"].to_numpy(dtype=float)
    counts, totals = (data[column].to_numpy(dtype=np.int64) for column in ("paragraphs", "total"))
    custom = data[["theme", "period", *([split] if split else [])]].to_numpy(dtype=object)
    cells = data.groupby(["theme", split] if split else "theme", sort=False).indices
    over = f" over {_unit(granularity, window)}" if window > 1 else ""
    few = f"<br>fewer than {min_paragraphs} paragraphs: read with care"
    traces, panels = [], []
    for rank, theme in enumerate(order):
        name, colour, in_legend = _literal(str(labels.get(theme, theme))), colours[theme], False
        for panel, group in enumerate(groups, 1):
            points = cells.get((theme, group) if split else theme)
            if points is None:
                continue
            head = f"{name} · {_literal(str(group))} · " if split else f"{name} · "
            hover = [f"{head}{label}<br>{_of(n, t)}{over} ({_percent(s)})" + (few if t < min_paragraphs else "")
                     for label, n, t, s in zip(point_labels[points], counts[points], totals[points], shares[points])]
            traces.append(dict(  # plain dicts: plotly validates each trace once, when the figure takes it
                type="scatter", x=periods[points], y=values[points], mode="lines+markers", name=name,
                legendgroup=str(theme), legendrank=rank + 1, showlegend=not in_legend,
                visible=True if top is None or rank < top else "legendonly", line={"color": colour}, cliponaxis=False,
                marker={"color": colour, "opacity": np.where(totals[points] < min_paragraphs, FAINT, 1.0)},
                customdata=custom[points], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
            panels.append(panel)
            in_legend = True
    upper = float(values.max()) if len(values) else 0.0  # over hidden themes too: one click never leaves the scale
    y_axis = {"title": {"text": "share of paragraphs" if value == "share" else "paragraphs"},
              **(_share_axis(upper) if value == "share" else _count_axis(upper))}
    x_axis = _period_axis(periods, granularity)
    if split:
        for trace, panel in zip(traces, panels):
            trace["xaxis"], trace["yaxis"] = (f"x{panel}", f"y{panel}") if panel > 1 else ("x", "y")
    layout = {"template": TEMPLATE, "hovermode": "closest",
              **(_panels([_literal(str(g)) for g in groups], x_axis, y_axis) if split else {"xaxis": x_axis, "yaxis": y_axis}),
              **_legend_below([_literal(str(labels.get(t, t))) for t in order], 330 if not split else 190 * len(groups),
                              title or _timeline_title(value, granularity, split, window))}
    return go.Figure(data=traces, layout=layout)  # one construction: plotly validates (and copies) everything once


def heatmap(table: pd.DataFrame, rows: str, columns: str, value: str, labels: dict | None = None,
            percent: bool = True, title: str | None = None) -> go.Figure:
    """A rows x columns heatmap (e.g. theme x source share); shares on a 0-100 % scale, and the
    hover gives "3 of 5 paragraphs" where the table has the counts."""
    if table.empty:
        return _empty("Nothing to show for this selection")
    data = table.copy()
    for axis in (rows, columns):
        if axis == "theme":
            data[axis] = data[axis].map(lambda theme: (labels or {}).get(theme, theme))  # a small table: no need for speed
    data = _escaped(data, [rows, columns])
    matrix = data.pivot_table(index=rows, columns=columns, values=value, aggfunc="sum", fill_value=0)
    upper = float(matrix.to_numpy().max()) if matrix.size else 0.0
    figure = px.imshow(matrix, aspect="auto", color_continuous_scale="Blues", text_auto=".0%" if percent else True,
                       labels={"color": value}, zmin=0, zmax=min(1.0, max(upper, 0.01)) if percent else max(upper, 1))
    if {"paragraphs", "total"} <= set(data.columns) and percent:
        counts = [data.pivot_table(index=rows, columns=columns, values=c, aggfunc="sum", fill_value=0)
                  .reindex(index=matrix.index, columns=matrix.columns, fill_value=0).to_numpy() for c in ("paragraphs", "total")]
        hover = [[f"{r} · {c}<br>{_of(n, t)} ({_percent(s)})" for c, n, t, s in zip(matrix.columns, ns, ts, ss)]
                 for r, ns, ts, ss in zip(matrix.index, *counts, matrix.to_numpy())]
        figure.update_traces(hovertext=hover, hovertemplate="%{hovertext}<extra></extra>")
    else:
        figure.update_traces(hovertemplate="%{y} · %{x}<br>" + ("%{z:.1%}" if percent else "%{z:,}") + "<extra></extra>")
    figure.update_coloraxes(colorbar={"tickformat": ".0%"} if percent else {"tickformat": ",d", "dtick": _count_step(upper)})
    figure.update_layout(template=TEMPLATE, height=max(300, 28 * len(matrix) + 160), xaxis_title="", yaxis_title="",
                         title={"text": _literal(title or ""), "x": 0, "xanchor": "left"})
    return figure


def bar(table: pd.DataFrame, category: str, value: str, title: str = "", color: str | None = None) -> go.Figure:
    """Horizontal bars, largest on top; whole-number axes for counts."""
    if table.empty:
        return _empty("Nothing to show for this selection")
    data = _escaped(table.sort_values(value), [category, color])
    figure = px.bar(data, x=value, y=category, orientation="h", title=_literal(title), color=color,
                    color_discrete_sequence=["#2c6fbb"])
    if pd.api.types.is_integer_dtype(data[value]):
        figure.update_xaxes(**_count_axis(float(data[value].max())))
    figure.update_layout(template=TEMPLATE, height=max(260, 24 * len(data) + 100), yaxis_title="", xaxis_title=value,
                         showlegend=False)
    return figure


def activity(table: pd.DataFrame, title: str = "", granularity: str = "month") -> go.Figure:
    """One speaker's statements per period: whole-number counts, periods labelled as they read."""
    if table.empty:
        return _empty("No dated statements in this selection")
    figure = px.bar(table, x="period", y="statements", title=_literal(title), color_discrete_sequence=["#2c6fbb"])
    width = _HALF_PERIOD[granularity].total_seconds() * 1000 * 1.6  # a bar is 80 % of its period, even when alone
    figure.update_traces(width=width, hovertext=period_labels(table["period"], granularity),
                         hovertemplate="%{hovertext}<br>%{y:,} statements<extra></extra>")
    figure.update_xaxes(**_period_axis(table["period"].to_numpy(), granularity))
    figure.update_yaxes(**_count_axis(float(table["statements"].max())))
    figure.update_layout(template=TEMPLATE, height=300, xaxis_title="", yaxis_title="statements")
    return figure


def png_config(name: str, figure: go.Figure | None = None) -> dict:
    """`st.plotly_chart(config=...)`: the camera button saves "<name>.png", EXPORT_WIDTH wide and as
    tall as the figure (whose margins hold its title and whole legend), at twice the pixels."""
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:120] or "diplodash-chart"
    options = {"format": "png", "filename": filename, "width": EXPORT_WIDTH, "scale": 2}
    if figure is not None and figure.layout.height:
        options["height"] = figure.layout.height
    return {"toImageButtonOptions": options, "displaylogo": False}
