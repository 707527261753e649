"""Plotly figure builders shared by the dashboard pages and the reports.

Pure functions ``DataFrame -> go.Figure`` with one template: the same colour for
dual-mentor students (and for "the group") everywhere, grey for the others, a red dashed
target line, a CJK-safe font stack, and legend labels, axis titles and hover text through
``i18n.t``. This module never imports streamlit, so a report renders the same pictures.

Rate frames follow ``stats.add_rate_columns``: ``group, numerator, denominator, rate,
ci_low, ci_high, small_n`` (rates as fractions).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics.i18n import t

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, Hiragino Sans GB, sans-serif"

DUAL = "#1f5fa8"  # dual-mentor students; also "the measured group" in single-series charts
OTHERS = "#9aa5b1"  # students without the dual-mentor program, baselines
TARGET = "#d1495b"  # target lines
SMALL_N = "#c9d3de"  # bars whose denominator is below the small-group threshold
BANDS = {"excellent": "#1b7a43", "good": "#6cbf84", "pass": "#f2c14e", "fail": "#d1495b"}  # score bands
STATUS = {"met": "#2e8b57", "near": "#e0a800", "not_met": "#d1495b", "no_data": "#9aa5b1"}
SEQUENCE = ("#1f5fa8", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#e15759", "#9c755f")
HEAT_SCALE = ((0.0, "#f7fbff"), (0.5, "#7fb2d9"), (1.0, "#0b3d73"))  # sequential, one hue: colour-blind safe
# met / missed in blue and orange (told apart also by readers with red-green colour blindness), each cell
# also marked ✓ or ✗ so nothing rests on colour alone
COMPLIANCE_SCALE = ((0.0, "#f4a259"), (0.5, "#f4a259"), (0.5, "#2c6fb7"), (1.0, "#2c6fb7"))

TEMPLATE_NAME = "dual_mentor"

pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        font={"family": FONT, "size": 13, "color": "#1d2733"},
        # the title sits on the plot's top edge, under the row where plotly draws its mode bar
        title={"font": {"size": 16}, "x": 0.0, "xanchor": "left", "yref": "paper", "y": 1.0, "yanchor": "bottom",
               "pad": {"b": 14}},
        colorway=list(SEQUENCE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 72, "b": 10},
        xaxis={"showgrid": False, "linecolor": "#c5ccd6", "ticks": "outside", "automargin": True},
        yaxis={"gridcolor": "#e8ecf1", "zeroline": False, "automargin": True},
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "xanchor": "left", "x": 0.0},
        hoverlabel={"font": {"family": FONT}},
        separators=".,",
    )
)


def _layout(fig: go.Figure, title: str | None, height: int = 380) -> go.Figure:
    fig.update_layout(template=TEMPLATE_NAME, title={"text": title or ""}, height=height)
    return fig


def _error_bars(df: pd.DataFrame) -> dict:
    """Wilson interval as asymmetric error bars (missing bounds draw nothing)."""
    upper = (df["ci_high"] - df["rate"]).astype("float64").fillna(0.0).clip(lower=0)
    lower = (df["rate"] - df["ci_low"]).astype("float64").fillna(0.0).clip(lower=0)
    return {"type": "data", "symmetric": False, "array": upper, "arrayminus": lower,
            "color": "#5b6b7d", "thickness": 1.2, "width": 3}


def _rate_hover(lang: str) -> str:
    return (
        "%{x}<br>" + t("chart.rate", lang) + ": %{y:.1%}<br>"
        + t("chart.ci", lang) + ": %{customdata[2]:.1%}–%{customdata[3]:.1%}<br>"
        + "n = %{customdata[1]:,} (%{customdata[0]:,})<extra></extra>"
    )


def _custom(df: pd.DataFrame) -> list:
    return df[["numerator", "denominator", "ci_low", "ci_high"]].astype("float64").to_numpy().tolist()


def add_target(fig: go.Figure, target: float | None, lang: str, horizontal: bool = True) -> go.Figure:
    """A dashed target line labelled with its value (a fraction), or nothing without a target."""
    if target is None:
        return fig
    label = t("chart.target", lang, value=f"{target:.0%}")
    line = {"color": TARGET, "dash": "dash", "width": 1.5}
    # labelled in the legend, not on the plot: a label at the line was drawn over the bars
    if horizontal:
        fig.add_hline(y=target, line=line)
    else:
        fig.add_vline(x=target, line=line)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=label, hoverinfo="skip",
                             showlegend=True))
    fig.update_layout(showlegend=True)
    return fig


BENCHMARK = "#7a5195"  # published benchmark series


def add_line(fig: go.Figure, xs: Sequence, ys: Sequence, *, name: str, color: str = BENCHMARK,
             percent: bool = True) -> go.Figure:
    """A dashed comparison line (e.g. a published benchmark) on an existing chart."""
    fig.add_trace(go.Scatter(
        x=[str(x) for x in xs], y=list(ys), name=name, mode="lines+markers",
        line={"color": color, "dash": "dash", "width": 2}, marker={"size": 7, "symbol": "diamond", "color": color},
        hovertemplate="%{x}<br>" + name + ": " + ("%{y:.1%}" if percent else "%{y:,.0f}") + "<extra></extra>",
    ))
    return fig


def benchmark_trend(
    both: pd.DataFrame,
    lang: str,
    *,
    title: str,
    x_title: str,
    school_name: str,
    published_name: str,
) -> go.Figure:
    """The school's rate by year (with its Wilson interval) beside a published series.

    ``both`` is ``metrics.benchmarks.beside``: year, value, numerator, denominator,
    ci_low, ci_high, benchmark.
    """
    trend = both.dropna(subset=["denominator"]).rename(columns={"year": "group", "value": "rate"})
    fig = rate_trend(trend, lang, title=title, x_title=x_title, name=school_name)
    line = both.dropna(subset=["benchmark"])
    add_line(fig, line["year"], line["benchmark"], name=published_name)
    fig.update_layout(showlegend=True)
    fig.update_yaxes(rangemode="normal")  # a comparison: zoom on the rates, not on zero
    return fig


def rate_trend(
    df: pd.DataFrame,
    lang: str,
    *,
    title: str | None = None,
    x_title: str | None = None,
    series: str | None = None,
    series_labels: dict[str, str] | None = None,
    target: float | None = None,
    name: str | None = None,
) -> go.Figure:
    """Rates over an ordered x (``group``) with Wilson error bars; one line per ``series`` value
    (or one line called ``name``).

    ``series="dual"`` colours dual-mentor students and the others consistently.
    """
    fig = go.Figure()
    df = df[df["denominator"] > 0]  # years without cases (cohorts not yet graduated) draw nothing
    groups = [(None, df)] if series is None else list(df.groupby(series, sort=True))
    for i, (key, part) in enumerate(groups):
        part = part.sort_values("group")
        name_ = (series_labels or {}).get(str(key), str(key)) if key is not None else (name or t("chart.rate", lang))
        color = _series_color(series, key, i)
        fig.add_trace(go.Scatter(
            x=part["group"].astype(str), y=part["rate"], name=name_, mode="lines+markers",
            line={"color": color, "width": 2.5}, marker={"size": 8, "color": color},
            error_y=_error_bars(part), customdata=_custom(part), hovertemplate=_rate_hover(lang),
        ))
    fig.update_yaxes(tickformat=".0%", title=t("chart.rate", lang), rangemode="tozero")
    fig.update_xaxes(type="category", title=x_title)
    fig.update_layout(showlegend=series is not None)
    return add_target(_layout(fig, title), target, lang)


def _series_color(series: str | None, key: object, i: int) -> str:
    if series == "dual":
        return DUAL if str(key) in ("in", "True", "true", "1") else OTHERS
    return SEQUENCE[i % len(SEQUENCE)]


def rate_bars(
    df: pd.DataFrame,
    lang: str,
    *,
    title: str | None = None,
    labels: dict[str, str] | None = None,
    target: float | None = None,
    ranked: bool = True,
    color_by_dual: bool = False,
) -> go.Figure:
    """Horizontal bars of rates per group, ranked best first, Wilson error bars, small groups pale.

    A funnel-style ranking: small groups (``small_n``) are drawn pale and marked "n<…" in
    their label so nobody reads much into them.
    """
    data = df[df["denominator"] > 0]
    if ranked:
        data = data.sort_values("rate", ascending=True, na_position="first")
    names = data["group"].astype(str).map(lambda g: (labels or {}).get(g, g))
    small = data["small_n"].fillna(True).astype(bool)
    names = [f"{n} ⚠" if s else n for n, s in zip(names, small, strict=True)]
    if color_by_dual:
        base = [DUAL if str(g) in ("in", "True", "true") else OTHERS for g in data["group"]]
    else:
        base = [DUAL] * len(data)
    colors = [SMALL_N if s else c for c, s in zip(base, small, strict=True)]
    fig = go.Figure(go.Bar(
        y=names, x=data["rate"], orientation="h", marker={"color": colors},
        error_x=_error_bars(data), customdata=_custom(data),
        text=[f"{v:.1%}" if pd.notna(v) else "" for v in data["rate"]], textposition="inside",
        insidetextanchor="start", textfont={"color": "white"},
        hovertemplate="%{y}<br>" + t("chart.rate", lang) + ": %{x:.1%}<br>" + t("chart.ci", lang)
        + ": %{customdata[2]:.1%}–%{customdata[3]:.1%}<br>n = %{customdata[1]:,}<extra></extra>",
    ))
    fig.update_xaxes(tickformat=".0%", title=t("chart.rate", lang), rangemode="tozero")
    fig.update_yaxes(type="category", ticksuffix="  ")
    height = max(200, 34 * len(data) + 110)
    fig.update_layout(bargap=0.25 if len(data) > 2 else 0.6)
    fig = add_target(_layout(fig, title, height), target, lang, horizontal=False)
    if small.any():
        fig.add_annotation(text=t("chart.small_n_note", lang), xref="paper", yref="paper", x=0,
                           y=-0.02, yanchor="top", showarrow=False, font={"size": 11, "color": "#5b6b7d"})
        fig.update_layout(margin={"b": 40})
    return fig


def stacked_bars(
    df: pd.DataFrame,
    lang: str,
    *,
    x: str,
    color: str,
    y: str,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    color_labels: dict[str, str] | None = None,
    percent: bool = False,
    colors: dict[str, str] | None = None,
) -> go.Figure:
    """Stacked bars of ``y`` by ``x`` and ``color`` (e.g. destinations by graduation year).

    ``percent=True`` stacks shares of each bar instead of counts; ``colors`` fixes the
    colour of given ``color`` values (e.g. ``BANDS`` for score bands).
    """
    data = df.copy()
    if percent:
        totals = data.groupby(x)[y].transform("sum")
        data[y] = data[y] / totals.where(totals != 0)
    fig = go.Figure()
    for i, (key, part) in enumerate(data.groupby(color, sort=False)):
        fig.add_trace(go.Bar(
            x=part[x].astype(str), y=part[y], name=(color_labels or {}).get(str(key), str(key)),
            marker={"color": (colors or {}).get(str(key), SEQUENCE[i % len(SEQUENCE)])},
            hovertemplate="%{x}<br>%{fullData.name}: " + ("%{y:.1%}" if percent else "%{y:,}")
            + "<extra></extra>",
        ))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title=x_title)
    fig.update_yaxes(title=y_title, tickformat=".0%" if percent else ",")
    return _layout(fig, title)


def bars(
    df: pd.DataFrame,
    lang: str,
    *,
    x: str,
    y: Sequence[str],
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    y_labels: dict[str, str] | None = None,
    percent: bool = False,
    horizontal: bool = False,
    value_format: str | None = None,
    counts: str | None = None,
) -> go.Figure:
    """Grouped bars of one or more value columns by ``x`` (e.g. budget and spent by year).

    ``value_format`` is the d3 format of values in the hover (default one decimal for
    percentages, whole numbers with thousands separators otherwise); ``counts`` names a column
    holding the count behind each bar, written at the bar's end ("n = 12") and in the hover.
    """
    fig = go.Figure()
    df = df.dropna(subset=list(y), how="all")
    fmt = value_format or (".1%" if percent else ",.0f")
    for i, col in enumerate(y):
        name = (y_labels or {}).get(col, col)
        kw = {"x": df[col], "y": df[x].astype(str), "orientation": "h"} if horizontal else {
            "x": df[x].astype(str), "y": df[col]}
        value = "%{x:" + fmt + "}" if horizontal else "%{y:" + fmt + "}"
        extra = ""
        if counts is not None:
            ns = [f"n = {int(v):,}" if pd.notna(v) else "" for v in df[counts]]
            kw |= {"text": ns, "textposition": "outside", "cliponaxis": False, "textfont": {"size": 11}}
            extra = "<br>%{text}"
        fig.add_trace(go.Bar(name=name, marker={"color": SEQUENCE[i % len(SEQUENCE)]},
                             hovertemplate=("%{y}" if horizontal else "%{x}") + "<br>" + name + ": "
                             + value + extra + "<extra></extra>", **kw))
    fig.update_layout(barmode="group", showlegend=len(y) > 1)
    value_axis = {"title": y_title, "tickformat": ".0%" if percent else ","}
    cat_axis = {"type": "category", "title": x_title}
    if horizontal:
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(**cat_axis)
    else:
        fig.update_xaxes(**cat_axis)
        fig.update_yaxes(**value_axis)
    return _layout(fig, title, max(300, 30 * len(df) + 120) if horizontal else 380)


def lines(
    df: pd.DataFrame,
    lang: str,
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    color_labels: dict[str, str] | None = None,
    y_range: tuple[float, float] | None = None,
    target: float | None = None,
) -> go.Figure:
    """Lines of ``y`` over ``x``, one per ``color`` value (e.g. satisfaction per dimension)."""
    fig = go.Figure()
    groups = [(None, df)] if color is None else list(df.groupby(color, sort=True))
    for i, (key, part) in enumerate(groups):
        part = part.sort_values(x)
        name = (color_labels or {}).get(str(key), str(key)) if key is not None else (y_title or y)
        fig.add_trace(go.Scatter(
            x=part[x].astype(str), y=part[y], name=name, mode="lines+markers",
            line={"color": SEQUENCE[i % len(SEQUENCE)], "width": 2.5 if key in (None, "overall") else 1.8},
            hovertemplate="%{x}<br>" + name + ": %{y:.1f}<extra></extra>",
        ))
    fig.update_xaxes(type="category", title=x_title)
    fig.update_yaxes(title=y_title, range=list(y_range) if y_range else None)
    fig.update_layout(showlegend=color is not None)
    fig = _layout(fig, title)
    if target is not None:
        fig.add_hline(y=target, line={"color": TARGET, "dash": "dash", "width": 1.5})
    return fig


def heatmap(
    df: pd.DataFrame,
    lang: str,
    *,
    x: str,
    y: str,
    z: str,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    x_labels: dict[str, str] | None = None,
    y_labels: dict[str, str] | None = None,
    z_title: str | None = None,
    z_format: str = ".1f",
    compliance: bool = False,
    y_order: Sequence | None = None,
    x_order: Sequence | None = None,
) -> go.Figure:
    """A heatmap of ``z`` over ``x`` × ``y`` (enterprise × dimension, mentor × month).

    ``compliance=True`` colours boolean cells green (met) and red (missed); ``y_order``
    and ``x_order`` list rows and columns in display order (default: sorted).
    """
    grid = df.pivot_table(index=y, columns=x, values=z, aggfunc="first", sort=True)
    if y_order is not None:
        grid = grid.reindex([v for v in y_order if v in grid.index])
    if x_order is not None:
        grid = grid[[v for v in x_order if v in grid.columns]]
    xs = [(x_labels or {}).get(str(c), str(c)) for c in grid.columns]
    ys = [(y_labels or {}).get(str(r), str(r)) for r in grid.index]
    values = grid.astype("float64").to_numpy()
    if compliance:
        marks = [["" if pd.isna(v) else ("✓" if v >= 0.5 else "✗") for v in row] for row in values]
        trace = go.Heatmap(x=xs, y=ys, z=values, zmin=0, zmax=1, colorscale=COMPLIANCE_SCALE,
                           showscale=False, xgap=2, ygap=2, text=marks, texttemplate="%{text}",
                           textfont={"color": "white", "size": 12},
                           hovertemplate="%{y} · %{x}<br>" + (z_title or z) + ": %{text}<extra></extra>")
    else:
        trace = go.Heatmap(x=xs, y=ys, z=values, colorscale=list(HEAT_SCALE), xgap=1, ygap=1,
                           texttemplate="%{z:" + z_format + "}", colorbar={"title": {"text": z_title or ""}},
                           hovertemplate="%{y} · %{x}<br>" + (z_title or z) + ": %{z:" + z_format
                           + "}<extra></extra>")
    fig = go.Figure(trace)
    fig.update_xaxes(type="category", title=x_title, side="top" if compliance else "bottom")
    fig.update_yaxes(type="category", title=y_title, autorange="reversed")
    fig = _layout(fig, title, max(320, 22 * len(ys) + 160))
    if compliance:  # room for the period labels above the grid, below the title
        fig.update_layout(margin={"t": 110}, title={"yref": "container", "y": 1.0, "yanchor": "top", "pad": {"t": 36}})
    return fig


def donut(df: pd.DataFrame, lang: str, *, names: str, values: str, title: str | None = None,
          labels: dict[str, str] | None = None) -> go.Figure:
    """Shares of a whole (e.g. funding by source)."""
    fig = go.Figure(go.Pie(
        labels=[(labels or {}).get(str(v), str(v)) for v in df[names]], values=df[values], hole=0.55,
        marker={"colors": list(SEQUENCE)}, sort=False, textinfo="percent",
        hovertemplate="%{label}<br>%{value:,.0f} (%{percent})<extra></extra>",
    ))
    return _layout(fig, title, 320)


def sparkline(xs: Sequence, ys: Sequence, *, color: str = DUAL, target: float | None = None,
              percent: bool = True) -> go.Figure:
    """A tiny trend line without axes for a KPI tile; the last point is marked."""
    fig = go.Figure(go.Scatter(
        x=[str(v) for v in xs], y=list(ys), mode="lines+markers",
        line={"color": color, "width": 2}, marker={"size": [0] * (len(ys) - 1) + [7], "color": color},
        hovertemplate="%{x}: " + ("%{y:.1%}" if percent else "%{y:.1f}") + "<extra></extra>",
    ))
    if target is not None:
        fig.add_hline(y=target, line={"color": TARGET, "dash": "dot", "width": 1})
    fig.update_layout(template=TEMPLATE_NAME, height=70, margin={"l": 0, "r": 0, "t": 4, "b": 0},
                      showlegend=False, xaxis={"visible": False}, yaxis={"visible": False})
    return fig


LIMIT_95 = "#e0a800"  # funnel plot: 95% control limits
LIMIT_998 = "#d1495b"  # funnel plot: 99.8% control limits


def funnel(schools: pd.DataFrame, curve: pd.DataFrame, lang: str, *, title: str, y_title: str,
           benchmark: float | None = None, benchmark_name: str | None = None) -> go.Figure:
    """Each school's rate against its denominator, with its Wilson interval, inside the
    reference rate's 95% and 99.8% control limits (``metrics.schools.school_rates`` and
    ``funnel_curve``); a published benchmark as a dashed line when given."""
    fig = go.Figure()
    for level, color, dash in (("998", LIMIT_998, "dot"), ("95", LIMIT_95, "dash")):
        for side in ("low", "high"):
            fig.add_trace(go.Scatter(
                x=curve["n"], y=curve[f"lim{level}_{side}"], mode="lines", line={"color": color, "dash": dash,
                                                                                   "width": 1.3},
                name=t(f"chart.limit_{level}", lang), legendgroup=level, showlegend=side == "low",
                hoverinfo="skip"))
    p0 = float(schools["reference"].iloc[0]) if len(schools) else None
    if p0 is not None:
        fig.add_hline(y=p0, line={"color": "#5b6b7d", "width": 1.2},
                      annotation_text=t("chart.reference", lang, value=f"{p0:.1%}"),
                      annotation_position="bottom right")
    if benchmark is not None:
        fig.add_hline(y=benchmark, line={"color": BENCHMARK, "dash": "dash", "width": 1.5},
                      annotation_text=f"{benchmark_name or ''} {benchmark:.1%}", annotation_position="bottom left",
                      annotation_font_color=BENCHMARK)
    unusual = schools["position"].isin(["high_998", "low_998"])
    custom = schools[["numerator", "denominator", "ci_low", "ci_high"]].astype("float64").to_numpy().tolist()
    fig.add_trace(go.Scatter(
        x=schools["denominator"], y=schools["rate"], mode="markers+text", name=t("chart.schools", lang),
        text=schools["school_name"].fillna(schools["school_id"]), textposition="top center",
        # names written only beside the schools outside the 95% limits; every name on hover
        texttemplate=["" if p == "within" else "%{text}" for p in schools["position"]],
        textfont={"size": 11}, error_y=_error_bars(schools), customdata=custom,
        marker={"size": 9, "color": [LIMIT_998 if u else DUAL for u in unusual], "line": {"width": 0}},
        hovertemplate="%{text}<br>" + t("chart.rate", lang) + ": %{y:.1%}<br>" + t("chart.ci", lang)
        + ": %{customdata[2]:.1%}–%{customdata[3]:.1%}<br>n = %{customdata[1]:,} (%{customdata[0]:,})<extra></extra>",
    ))
    fig.update_xaxes(title=t("chart.denominator", lang), rangemode="tozero")
    fig.update_yaxes(title=y_title, tickformat=".0%", rangemode="normal")
    fig.update_layout(showlegend=True)
    return _layout(fig, title, height=460)


def caterpillar(schools: pd.DataFrame, lang: str, *, title: str) -> go.Figure:
    """Each school's standardised ratio (observed / expected) with its 95% interval, ranked,
    against 1 (as expected for its mix of majors and years)."""
    ranked = schools.dropna(subset=["ratio"]).sort_values("ratio", kind="stable")
    names = ranked["school_name"].fillna(ranked["school_id"]).tolist()
    upper = (ranked["ratio_high"] - ranked["ratio"]).fillna(0.0).clip(lower=0)
    lower = (ranked["ratio"] - ranked["ratio_low"]).fillna(0.0).clip(lower=0)
    clear = (ranked["ratio_low"] > 1) | (ranked["ratio_high"] < 1)
    fig = go.Figure(go.Scatter(
        x=ranked["ratio"], y=names, mode="markers", name=t("chart.ratio", lang),
        error_x={"type": "data", "symmetric": False, "array": upper, "arrayminus": lower, "color": "#5b6b7d",
                 "thickness": 1.2, "width": 3},
        marker={"size": 9, "color": [LIMIT_998 if c else DUAL for c in clear]},
        customdata=ranked[["observed", "expected", "ratio_low", "ratio_high"]].astype("float64").to_numpy().tolist(),
        hovertemplate="%{y}<br>" + t("chart.ratio", lang) + ": %{x:.2f} (%{customdata[2]:.2f}–%{customdata[3]:.2f})"
        + "<br>" + t("chart.observed_expected", lang) + ": %{customdata[0]:,.0f} / %{customdata[1]:,.1f}<extra></extra>",
    ))
    fig.add_vline(x=1.0, line={"color": "#5b6b7d", "width": 1.2})
    fig.update_xaxes(title=t("chart.ratio", lang))
    fig.update_yaxes(title=None, automargin=True)
    return _layout(fig, title, height=max(300, 34 * len(ranked) + 120))


def _plain(value: object) -> object:
    return value.replace("<", "&lt;").replace(">", "&gt;") if isinstance(value, str) else value


def plain_text(fig: go.Figure) -> go.Figure:
    """``fig`` with every data text as plain text: categories, bar and point texts, legend
    names, pie labels, tick texts. Plotly draws a subset of HTML in them (``<a href>``, ``<b>``),
    so a stored name ``<a href="http://evil">x</a>`` was a live link on the chart and in its
    hover; ``<`` and ``>`` become ``&lt;`` and ``&gt;``, which plotly shows as typed.
    (Titles, hover templates and annotations are this module's own words and keep their tags.)"""
    for trace in fig.data:
        for attr in ("x", "y", "text", "labels", "ids", "hovertext"):
            values = getattr(trace, attr, None)
            if values is None or isinstance(values, str) and attr not in ("text", "hovertext"):
                continue
            if isinstance(values, str):
                setattr(trace, attr, _plain(values))
            elif any(isinstance(v, str) and ("<" in v or ">" in v) for v in values):
                setattr(trace, attr, [_plain(v) for v in values])
        if isinstance(getattr(trace, "name", None), str):
            trace.name = _plain(trace.name)
    for axis in ("xaxis", "yaxis"):
        ticks = getattr(fig.layout, axis).ticktext
        if ticks:
            getattr(fig.layout, axis).ticktext = [_plain(v) for v in ticks]
    return fig
