"""Report cards: one school's figures beside the region's, for every school of a region at once.

A card is the meeting pack's machinery (``build_report``, ``render_html``, ``render_xlsx``)
for one school (``Filters.school``), opened by a section that places the school among the
schools it is compared with: each headline rate with its interval, the reference rate of
those schools, where the school falls against the funnel's control limits, its standardised
ratio and rate (``metrics.schools``), and the published benchmark. The schools compared are
the filter's scope (a bureau's region or county), computed once for all the cards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

from analytics import hierarchy, schema
from analytics.config import Settings
from analytics.errors import AnalyticsError, ConfigError
from analytics.filters import Filters
from analytics.i18n import t
from analytics.metrics import schools as side
from analytics.report import render
from analytics.report.model import Block, Col, Report, Section, Text
from analytics.report.sections import build_report

CARD_SECTIONS = ("summary", "certificates", "employment", "satisfaction", "mentors", "students", "methods")
Progress = Callable[[int, int, hierarchy.School], None]


def comparisons(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict[str, pd.DataFrame]:
    """``school_rates`` of every indicator over the schools of ``f`` (once for all cards)."""
    return {indicator: side.school_rates(con, f, s, indicator) for indicator in side.INDICATORS}


def _comparison(con: duckdb.DuckDBPyConnection, school_id: str, rates: dict[str, pd.DataFrame], lang: str) -> Section:
    rows = []
    for indicator, frame in rates.items():
        mine = frame[frame["school_id"] == school_id]
        bench = side.published(con, indicator)
        if mine.empty:
            rows.append({"indicator": schema.label("indicator", indicator, lang), "small_n": False,
                         "benchmark": bench["value"] if bench else None})
            continue
        r = mine.iloc[0]
        rows.append({
            "indicator": schema.label("indicator", indicator, lang), "rate": r["rate"], "ci_low": r["ci_low"],
            "ci_high": r["ci_high"], "denominator": int(r["denominator"]), "reference": r["reference"],
            "position": t(f"schools.position.{r['position']}", lang), "ratio": r["ratio"],
            "ratio_low": r["ratio_low"], "ratio_high": r["ratio_high"], "standardised": r["standardised"],
            "benchmark": bench["value"] if bench else None, "small_n": bool(r["small_n"]),
        })
    frame = pd.DataFrame(rows)
    cols = (Col("indicator", t("schools.indicator", lang)), Col("rate", t("schools.col.rate", lang), "pct"),
            Col("ci_low", t("schools.col.ci_low", lang), "pct"), Col("ci_high", t("schools.col.ci_high", lang), "pct"),
            Col("denominator", t("schools.col.denominator", lang), "int"),
            Col("reference", t("card.reference", lang), "pct"), Col("position", t("schools.col.position", lang)),
            Col("ratio", t("schools.col.ratio", lang), "p"), Col("ratio_low", t("schools.col.ratio_low", lang), "p"),
            Col("ratio_high", t("schools.col.ratio_high", lang), "p"),
            Col("standardised", t("schools.col.standardised", lang), "pct"),
            Col("benchmark", t("card.benchmark", lang), "pct"))
    block = Block("card_comparison", t("card.comparison_title", lang), frame, cols, note=t("schools.note", lang))
    return Section("comparison", t("card.comparison_title", lang),
                   (Text(t("card.comparison_intro", lang)), block), t("card.sheet", lang))


def school_card(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str, school: hierarchy.School, *,
    rates: dict[str, pd.DataFrame] | None = None, now: dt.datetime | None = None,
) -> Report:
    """The report card of ``school``: the comparison section, then the pack's sections for the
    school alone (``f`` with ``school`` set; ``rates`` from ``comparisons`` to share)."""
    rates = comparisons(con, f, s) if rates is None else rates
    pack = build_report(con, replace(f, school=school.school_id), s, lang, now=now, sections=CARD_SECTIONS)
    title = t("card.title", lang, school=school.school_name or school.school_id)
    return replace(pack, title=title, sections=(_comparison(con, school.school_id, rates, lang), *pack.sections))


def _file_stem(school: hierarchy.School) -> str:
    name = "".join(ch for ch in (school.school_name or "") if ch.isalnum())
    return f"{school.school_id}_{name}" if name else school.school_id


def write_cards(
    con: duckdb.DuckDBPyConnection, s: Settings, out_dir: str | Path, lang: str, *,
    counties: Iterable[str] = (), regions: Iterable[str] = (), scope: tuple[str, ...] | None = None,
    formats: Iterable[str] = ("html", "xlsx"), progress: Progress | None = None, now: dt.datetime | None = None,
) -> list[Path]:
    """A card per school of ``counties``/``regions`` (every school when neither is given),
    within ``scope``, written to ``out_dir`` as ``<id>_<name>.html`` / ``.xlsx``; the
    schools are compared with each other. ``progress(i, n, school)`` is called after each."""
    formats = tuple(formats)
    for fmt in formats:
        if fmt not in ("html", "xlsx"):
            raise ConfigError("report-format", value=fmt)
    counties, regions = tuple(counties), tuple(regions)
    ids = hierarchy.area_schools(con, counties, regions) if (counties or regions) else tuple(
        x.school_id for x in hierarchy.schools(con))
    if scope is not None:
        ids = tuple(i for i in ids if i in scope)
    chosen = [x for x in hierarchy.schools(con) if x.school_id in ids]
    if not chosen:
        raise AnalyticsError("card-no-schools", areas="、".join((*counties, *regions)) or "—")
    f = Filters(scope=ids)
    rates = comparisons(con, f, s)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AnalyticsError("report-write-failed", path=str(out), detail=e.strerror or str(e)) from e
    written = []
    for i, school in enumerate(chosen, 1):
        card = school_card(con, f, s, lang, school, rates=rates, now=now)
        for fmt in formats:
            path = out / f"{_file_stem(school)}.{fmt}"
            try:
                path.write_bytes(render(card, fmt))
            except OSError as e:
                raise AnalyticsError("report-write-failed", path=str(path), detail=e.strerror or str(e)) from e
            written.append(path)
        if progress is not None:
            progress(i, len(chosen), school)
    return written
