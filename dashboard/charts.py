"""Pure builders: a DataFrame (already computed by the warehouse) in, a Plotly figure out.

Colours are the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies;
line styles (dash/dot) repeat the distinction where it matters. Legends sit below the plot and
margins are tight so the charts stay readable on a phone-width screen.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
TIER_ORDER = ["small", "mid", "large", "top", "unknown"]
TIER_COLOURS = {
    "small": "#56B4E9",
    "mid": "#009E73",
    "large": "#E69F00",
    "top": "#D55E00",
    "unknown": "#999999",
}
FUNNEL_COLOURS = {
    "inside": "#999999",
    "above_95": "#E69F00",
    "above_998": "#D55E00",
    "below_95": "#56B4E9",
    "below_998": "#0072B2",
    "not_applicable": "#CCCCCC",
}


def _layout(figure: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    figure.update_layout(
        title={"text": title, "font": {"size": 15}} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        hovermode="closest",
        font={"size": 12},
    )
    return figure


def inert(text: object) -> str:
    """A name as Plotly text: its labels and hovers render <b>, <br>, <a href> and &entities; names
    from sources must show as written, so < > & become entities (which Plotly shows literally)."""
    return html.escape(str(text), quote=False)


def colour_for(index: int) -> str:
    return OKABE_ITO[index % len(OKABE_ITO)]


def monthly_trend(
    monthly: pd.DataFrame,
    labels: Mapping[str, str],
    platform_labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Complaints (top panel) and penalties (bottom panel) per month, one colour per platform,
    named by `platform_labels` (the code where it has none)."""
    platform_labels = platform_labels or {}
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(labels["complaints"], labels["penalties"]),
    )
    for index, (platform, rows) in enumerate(monthly.groupby("platform", sort=True)):
        rows = rows.sort_values("month")
        colour = colour_for(index)
        for row, column in ((1, "complaints"), (2, "penalties")):
            figure.add_scatter(
                x=rows["month"],
                y=rows[column],
                name=inert(platform_labels.get(platform, platform)),
                mode="lines",
                line={
                    "color": colour,
                    "width": 2,
                    "dash": ["solid", "dash", "dot", "dashdot", "longdash"][index % 5],
                },
                legendgroup=platform,
                showlegend=row == 1,
                # the name is data, not template: a %{...} in it is not substituted
                hovertemplate="%{fullData.name}<br>%{x|%Y-%m}: %{y:,}<extra></extra>",
                row=row,
                col=1,
            )
    figure.update_yaxes(rangemode="tozero")
    figure.update_xaxes(title_text=labels["month"], row=2, col=1)
    figure = _layout(figure, title, height=520)
    figure.update_layout(margin={"t": 30})  # room for the panel titles
    return figure


def funnel_plot(
    stores: pd.DataFrame, limits: pd.DataFrame, labels: Mapping[str, str], title: str | None = None
) -> go.Figure:
    """Stores as points (orders on a log axis, dispute rate), with the warehouse's control limits."""
    figure = go.Figure()
    limits = limits.sort_values("orders")
    for column, dash, name in (
        ("upper_998", "dot", labels["limit_998"]),
        ("upper_95", "dash", labels["limit_95"]),
        ("expected_rate", "solid", labels["expected_rate"]),
        ("lower_95", "dash", None),
        ("lower_998", "dot", None),
    ):
        figure.add_scatter(
            x=limits["orders"],
            y=limits[column],
            mode="lines",
            line={"color": "#555555", "dash": dash, "width": 1.5},
            name=name or column,
            showlegend=name is not None,
            legendgroup=dash,
            hoverinfo="skip",
        )
    for position, rows in stores.groupby("funnel_position", sort=True):
        figure.add_scatter(
            # single precision halves what tens of thousands of stores cost the browser per run
            x=rows["orders_12m"].to_numpy(dtype="float32"),
            y=rows["dispute_rate"].to_numpy(dtype="float32"),
            mode="markers",
            name=labels.get(f"funnel_{position}", position),
            marker={"color": FUNNEL_COLOURS.get(position, "#777777"), "size": 7, "opacity": 0.8},
            # fixed-width string arrays: Plotly validates object arrays one element at a time
            customdata=rows["merchant_id"].to_numpy(dtype=str),
            text=np.array([inert(name) for name in rows["name"]], dtype=str),
            hovertemplate="%{text}<br>%{x:,.0f} orders<br>%{y:.2f} ‰<extra></extra>",
        )
    # Keep the stores in view: the limits fan out towards tiny volumes where there are no stores.
    smallest = stores["orders_12m"].min()
    visible = limits[limits["orders"] >= smallest * 0.8]
    top = max(stores["dispute_rate"].max(), visible["upper_998"].max() if not visible.empty else 0)
    figure.update_layout(
        xaxis={"title": labels["orders_12m"], "type": "log", "range": _log_range(visible["orders"], stores)},
        yaxis={"title": labels["dispute_rate"], "range": [0, top * 1.08]},
    )
    return _layout(figure, title, height=480)


def _log_range(orders: pd.Series, stores: pd.Series) -> list[float]:
    low = min(stores["orders_12m"].min(), orders.min() if not orders.empty else stores["orders_12m"].min())
    high = max(stores["orders_12m"].max(), orders.max() if not orders.empty else 1)
    return [math.log10(max(low, 1)) - 0.05, math.log10(max(high, 1)) + 0.05]


def survival_curves(
    curves: pd.DataFrame,
    group_labels: Mapping[str, str],
    labels: Mapping[str, str],
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """Kaplan-Meier step curves with their confidence bands, one colour per group."""
    figure = go.Figure()
    groups = list(dict.fromkeys(curves.sort_values(["group_value", "day"])["group_value"]))
    if set(groups) <= set(TIER_ORDER):
        groups = [tier for tier in TIER_ORDER if tier in groups]
    for index, group in enumerate(groups):
        rows = curves[curves["group_value"] == group].sort_values("day")
        colour = TIER_COLOURS.get(group, "#000000" if group == "store" else colour_for(index))
        name = inert(group_labels.get(group, str(group)))
        figure.add_scatter(
            x=pd.concat([rows["day"], rows["day"][::-1]]),
            y=pd.concat([rows["ci_high"], rows["ci_low"][::-1]]),
            fill="toself",
            fillcolor=_transparent(colour, 0.18 if len(groups) <= 4 else 0.07),
            mode="lines",  # Plotly's default for under 20 points adds markers: red dots on a store's band
            line={"width": 0, "shape": "hv"},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=str(group),
        )
        figure.add_scatter(
            x=rows["day"],
            y=rows["survival"],
            mode="lines",
            # past eight groups the palette repeats, so the line style tells them apart
            line={"color": colour, "width": 2, "shape": "hv", "dash": "dash" if index >= 8 else "solid"},
            name=name,
            legendgroup=str(group),
            hovertemplate="%{fullData.name}<br>%{x} d: %{y:.0%}<extra></extra>",
        )
    # frame the x axis where the curves still move: until every group is below 2 % unresolved
    moving = curves.loc[curves["survival"] > 0.02, "day"]
    right = float(moving.max()) * 1.1 if not moving.empty else float(curves["day"].max())
    figure.update_layout(
        xaxis={"title": labels["days"], "range": [0, max(right, 7)]},
        yaxis={"title": labels["share_unresolved"], "range": [0, 1.02], "tickformat": ".0%"},
    )
    return _layout(figure, title, height=height)


def _transparent(colour: str, alpha: float = 0.18) -> str:
    colour = colour.lstrip("#")
    red, green, blue = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def tier_bars(
    consistency: pd.DataFrame,
    value: str,
    violation_labels: Mapping[str, str],
    tier_labels: Mapping[str, str],
    axis_title: str,
    title: str | None = None,
    percent: bool = False,
) -> go.Figure:
    """One group of bars per violation type, one bar per size tier, side by side."""
    figure = go.Figure()
    for tier in [t for t in TIER_ORDER if t in set(consistency["size_tier"])]:
        rows = consistency[consistency["size_tier"] == tier]
        figure.add_bar(
            x=[wrap(inert(violation_labels.get(v, v))) for v in rows["violation_type"]],
            y=rows[value],
            name=inert(tier_labels.get(tier, tier)),
            marker={"color": TIER_COLOURS[tier]},
            hovertemplate="%{x}<br>%{fullData.name}: %{y:.3g}<extra></extra>",
        )
    figure.update_layout(
        barmode="group",
        yaxis={"title": axis_title, "tickformat": ".0%" if percent else None, "rangemode": "tozero"},
        xaxis={"tickangle": 0, "automargin": True},
    )
    figure = _layout(figure, title, height=440)
    figure.update_layout(legend={"y": -0.32})
    return figure


def wrap(label: str, width: int = 12) -> str:
    """Break a category label over lines (Plotly has no automatic wrapping) for narrow screens."""
    if len(label) <= width or " " not in label:
        return label
    lines, line = [], ""
    for word in label.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def odds_ratios(tests: pd.DataFrame, row_labels: list[str], title: str | None = None) -> go.Figure:
    """Odds ratios with their confidence intervals on a log axis, a reference line at 1."""
    figure = go.Figure()
    colours = [TIER_COLOURS.get(tier, "#777777") for tier in tests["size_tier"]]
    figure.add_scatter(
        x=tests["odds_ratio"],
        y=[inert(label) for label in row_labels],
        mode="markers",
        marker={"color": colours, "size": 10, "symbol": "diamond"},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": tests["ci_high"] - tests["odds_ratio"],
            "arrayminus": tests["odds_ratio"] - tests["ci_low"],
            "color": "#555555",
        },
        hovertemplate="%{y}: OR %{x:.2f}<extra></extra>",
        showlegend=False,
    )
    figure.add_vline(x=1, line={"color": "#333333", "dash": "dash", "width": 1})
    figure.update_layout(
        xaxis={"type": "log", "title": "odds ratio (log scale)"}, yaxis={"autorange": "reversed"}
    )
    return _layout(figure, title, height=max(260, 34 * len(row_labels) + 80))


def severity_mix(
    counts: pd.DataFrame,
    sanction_order: list[str],
    sanction_labels: Mapping[str, str],
    tier_labels: Mapping[str, str],
    title: str | None = None,
) -> go.Figure:
    """Each size tier's sanctions as 100 % stacked bars, lightest (warning) to harshest (closure)."""
    figure = go.Figure()
    tiers = [t for t in TIER_ORDER if t in set(counts["size_tier"])]
    # sequential blue-to-vermilion ramp: order reads without relying on hue alone
    ramp = ["#D6EAF8", "#9ECAE1", "#56B4E9", "#0072B2", "#E69F00", "#D55E00", "#7F2704"]
    for index, sanction in enumerate(sanction_order):
        rows = counts[counts["sanction_type"] == sanction].set_index("size_tier").reindex(tiers)
        figure.add_bar(
            y=[inert(tier_labels.get(t, t)) for t in tiers],
            x=rows["penalties"].fillna(0),
            orientation="h",
            name=inert(sanction_labels.get(sanction, sanction)),
            marker={"color": ramp[index % len(ramp)]},
            hovertemplate="%{y}: %{x:,} (%{fullData.name})<extra></extra>",
        )
    figure.update_layout(barmode="stack", barnorm="percent", xaxis={"ticksuffix": " %"})
    return _layout(figure, title, height=320)
