"""Small Streamlit building blocks shared by the pages: charts and tables with their
caption and ``n``, downloads (``download``: made when pressed, served to this browser only), KPI
tiles, number formats, error and empty states."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal

import pandas as pd
import PIL.Image  # noqa: F401  see below
import plotly.graph_objects as go
import streamlit as st

from analytics import auth, charts, schema
from analytics.errors import AnalyticsError
from analytics.safe_export import to_csv_bytes, to_xlsx_bytes
from analytics.stats import Rate, add_rate_columns
from ui import access, guard
from ui.frame import Frame

PLOTLY_CONFIG = {
    "displaylogo": False,
    # only on hover (a tap on a phone), and only "save as PNG" and "reset": the full bar covered
    # the chart titles on a 390 px screen (the template also keeps the title below the bar's row)
    "displayModeBar": "hover",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "zoom2d", "pan2d", "zoomIn2d",
                               "zoomOut2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
MAX_ROWS = 2000  # never ship more rows than this to the browser
# PIL.Image is imported above, once, before any chart is serialized: plotly imports it lazily
# inside to_json, and two sessions serializing their first chart at the same moment then race
# on a half-imported module ("partially initialized module 'PIL.Image' has no attribute 'Image'").


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("93.1%"), or an em dash for no value."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


def pp(f: Frame, diff: float | None) -> str:
    """A difference of fractions in percentage points ("+1.2 个百分点" / "+1.2 pp")."""
    if diff is None or pd.isna(diff):
        return "—"
    return f.t("fmt.pp", value=f"{diff * 100:+.1f}")


def number(value: float | None, digits: int = 0) -> str:
    """Thousands-separated number, or an em dash."""
    return "—" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def rate_text(f: Frame, r: Rate | None) -> str:
    """"93.1% (465/500, 95% CI 90.5–95.1%)" with a small-group warning when needed."""
    if r is None or r.value is None:
        return f.t("common.no_data")
    text = f.t("fmt.rate", value=pct(r.value), k=f"{r.numerator:,}", n=f"{r.denominator:,}",
               low=pct(r.ci_low), high=pct(r.ci_high))
    return text + (" ⚠ " + f.t("common.small_n", n=f.settings.small_n) if r.small_n else "")


def caption(f: Frame, n: int | None = None, note: str | None = None) -> None:
    """The filter caption, the ``n`` behind a figure and an optional note, under a chart or table."""
    parts = [f.caption]
    if n is not None:
        parts.append(f"n = {n:,}")
    if note:
        parts.append(note)
    st.caption(" · ".join(parts))


def chart(f: Frame, fig: go.Figure, *, n: int | None = None, note: str | None = None, key: str | None = None) -> None:
    """A plotly figure (PNG download in its own toolbar) with its filter caption and ``n``."""
    st.plotly_chart(charts.plain_text(fig), config=PLOTLY_CONFIG, key=key, theme=None)  # names as typed
    caption(f, n, note)


def _file_stem(f: Frame, name: str) -> str:
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", f"{name}_{f.plain_caption}").strip("_")
    return stem[:80] or "table"


def table(
    f: Frame,
    df: pd.DataFrame,
    *,
    name: str,
    labels: Mapping[str, str] | None = None,
    n: int | None = None,
    note: str | None = None,
    formats: Mapping[str, st.column_config.Column] | None = None,
    height: int | str = "auto",
    xlsx: bool = False,
    masks: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """A table (columns renamed to ``labels``) with caption, ``n`` and a CSV (or xlsx) download.

    Personal columns are masked for roles that may not see them; at most ``MAX_ROWS`` rows
    are shown, the download (audited) holds the whole frame. ``masks`` masks more of the text
    (``auth.mask_id_cards``): of the rows shown on each run, of the whole frame when the
    download is pressed (a batch's million rejected cells: seconds a run otherwise).
    """
    more = masks or (lambda frame: frame)
    shown = auth.mask(df, f.user.role).rename(columns=dict(labels or {}))
    config = {(labels or {}).get(k, k): v for k, v in default_formats(df, formats).items()}
    if height == "auto" and len(df) <= 25:
        height = 35 * (len(df) + 1) + 3  # show short tables whole, without an inner scroll bar
    st.dataframe(more(shown.head(MAX_ROWS)), hide_index=True, column_config=config, height=height, placeholder="—")
    cols = st.columns([3, 1])
    with cols[0]:
        caption(f, len(df) if n is None else n, note)
    with cols[1]:
        stem = _file_stem(f, name)
        fmt = "xlsx" if xlsx else "csv"
        download(
            f.t(f"common.download_{fmt}"), (lambda: to_xlsx_bytes(more(shown))) if xlsx else (lambda: to_csv_bytes(more(shown))),
            file_name=f"{stem}.{fmt}", key=f"dl_{name}", icon=":material/download:",
            mime=XLSX_MIME if xlsx else "text/csv", record=access.download_record(f.user, f.filters, name, fmt),
        )


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(
    label: str,
    data: Callable[[], bytes | str],
    *,
    file_name: str,
    mime: str,
    key: str,
    icon: str | None = None,
    record: Callable[[], None] | None = None,
    width: Literal["content", "stretch"] = "content",
) -> None:
    """A download button (every one of the dashboard's, ``tests/test_security_downloads.py``): its
    file is made by ``data`` only when pressed, over the session's own websocket, and the guard
    (``ui.guard``) serves it at its ``/media/`` URL only to this browser: the one whose cookie this
    run carries, the one the sign-in is bound to. Anyone else holding the URL gets a 404.

    ``record`` (an audit record, ``access.download_record``) is written once the file is made, before
    it is served: a file whose record could not be written is not given out. Pressing never reruns
    the page (a rerun could retire the file's id before the browser asks for it)."""
    owner = access.browser()

    def make() -> bytes:
        out = data()
        raw = out.encode("utf-8") if isinstance(out, str) else bytes(out)
        if record is not None:
            record()
        guard.OWNERS.add(raw, owner)
        return raw

    st.download_button(label, make, file_name=file_name, mime=mime, key=key, icon=icon, on_click="ignore",
                       width=width)


def percent_column(label: str | None = None) -> st.column_config.Column:
    """Column config showing fractions as percentages with one decimal ("93.1%"), as the charts do.

    (Streamlit's "percent" format shows two decimals unless the step says fewer: 0.001 → one.)"""
    return st.column_config.NumberColumn(label, format="percent", step=0.001)


def money_column(label: str | None = None) -> st.column_config.Column:
    """Column config showing amounts of money as whole numbers with thousands separators (1,250,000)."""
    return st.column_config.NumberColumn(label, format="localized", step=1)


MONEY_COLUMNS = frozenset({"budget", "spent", "amount", "salary", "mean_salary", "median_salary", "funding",
                           "contributed"})
PERCENT_SUFFIXES = ("rate", "share", "ci_low", "ci_high")


def default_formats(df: pd.DataFrame, formats: Mapping[str, st.column_config.Column] | None = None,
                    ) -> dict[str, st.column_config.Column]:
    """The number formats of a table, decided in one place: money with thousands separators, rates and
    shares (fractions) as percentages with one decimal, other decimals with one; ``formats`` wins."""
    out: dict[str, st.column_config.Column] = {}
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            continue
        name = str(col)
        if name in MONEY_COLUMNS:
            out[name] = money_column()
        elif name.endswith(PERCENT_SUFFIXES):
            out[name] = percent_column()
        elif pd.api.types.is_float_dtype(df[col]):
            out[name] = decimal_column(1)
    return out | dict(formats or {})


def date_column() -> st.column_config.Column:
    """Column config showing dates as 2025-09-10 (no time of day)."""
    return st.column_config.DateColumn(format="YYYY-MM-DD")


def decimal_column(digits: int = 1) -> st.column_config.Column:
    """Column config showing numbers with ``digits`` decimals."""
    return st.column_config.NumberColumn(format=f"%.{digits}f")


def show_error(f: Frame, err: AnalyticsError) -> None:
    """An analytics error as one sentence in the page language."""
    st.error(err.message(f.lang), icon=":material/error:")


def no_data(f: Frame, what: str | None = None) -> None:
    """A friendly note where a chart would be when the filter leaves no data."""
    st.info(f.t("common.no_data_for", what=what) if what else f.t("common.no_data_filter"),
            icon=":material/info:")


def header(f: Frame, intro: bool = True) -> None:
    """The page title and its one-line introduction."""
    st.title(f.t(f"nav.{f.page}"))
    if intro:
        st.caption(f.t(f"{f.page}.intro"))


def dual_trend(by_year: pd.DataFrame, small_n: int) -> pd.DataFrame:
    """A per-year dual-vs-other frame (group_*/baseline_* counts) as a long rate frame with a
    ``dual`` series ("in"/"out") for ``charts.rate_trend(series="dual")``."""
    parts = [
        pd.DataFrame({"group": by_year["year"], "dual": key,
                      "numerator": by_year[f"{prefix}_numerator"], "denominator": by_year[f"{prefix}_denominator"]})
        for key, prefix in (("in", "group"), ("out", "baseline"))
    ]
    return add_rate_columns(pd.concat(parts, ignore_index=True), small_n)


def rate_table(f: Frame, df: pd.DataFrame, *, name: str, group_label: str, extra: Mapping[str, str] | None = None) -> None:
    """A rate frame (group, numerator, denominator, rate, ci_low, ci_high, small_n) as a table."""
    labels = {"group": group_label, "numerator": f.t("col.numerator"), "denominator": f.t("col.denominator"),
              "rate": f.t("col.rate"), "ci_low": f.t("col.ci_low"), "ci_high": f.t("col.ci_high"),
              "small_n": f.t("col.small_n"), **(extra or {})}
    shown = df[[k for k in labels if k in df.columns]]
    formats = {k: percent_column() for k in ("rate", "ci_low", "ci_high", "coverage") if k in shown.columns}
    table(f, shown, name=name, labels=labels, formats=formats, n=int(df["denominator"].sum()))


def column_labels(f: Frame, table_name: str) -> dict[str, str]:
    """Display labels of a canonical table's columns in the page language."""
    return {col.name: col.label(f.lang) for col in schema.table(table_name).columns}
