"""The leadership meeting pack: one self-contained HTML file and one Excel workbook.

Both are rendered from the same :class:`Report` (``build_report``), so they always say
the same thing: the narrative of the overview, the targets table, the attention list,
one section per area (certificates, employment, satisfaction, mentors, students,
funding) and a methods appendix with the definitions, the intervals, the small-group
rule, data coverage and the imported files.

* HTML: plotly.js is embedded once in ``<head>``; no file, font or script is fetched
  from anywhere, so the report opens offline. A print stylesheet gives A4 pages with a
  page break before every section (Chromium "Print to PDF").
* Excel: one sheet per section; the filter caption and the data date head every
  sheet; rates are numbers formatted ``0.0%``; charts are native (openpyxl) line and
  bar charts that reference the cells, so they stay editable in Excel and WPS; no
  formulas; every text cell goes through ``safe_export.escape_cell``.

Example::

    write_report(con, Filters(major="数控技术应用"), settings, "pack.html", "html", "zh")
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from plotly.offline import get_plotlyjs

from analytics import charts, db, narrative, schema
from analytics.config import Settings
from analytics.errors import AnalyticsError, ConfigError, StoreError
from analytics.stats import rate as make_rate
from analytics.filter_options import filter_options
from analytics.filters import Filters
from analytics.i18n import t
from analytics.ingest.load import list_batches
from analytics.metrics import benchmarks, certificates, employment, funding, mentors, satisfaction, students
from analytics.metrics.targets import targets
from analytics.safe_export import escape_cell
from analytics.stats import add_rate_columns

FORMATS = ("html", "xlsx")
SECTIONS = ("summary", "certificates", "employment", "satisfaction", "mentors", "students", "funding", "methods")
LIST_LIMIT = 15  # rows of a ranked mentor list in the pack (the dashboard shows them all)
FIGURE_WIDTH = 680  # px: the printable width of an A4 page with 12 mm margins
KEEP_ROWS = 24  # blocks (chart and table) up to this many rows are never split across printed pages
FIGURE_HEIGHT = 300  # px: two charts with their tables fit on one A4 page

# Cell formats: how a value is written (HTML text) and its Excel number format.
_EXCEL_FORMATS = {
    "int": "#,##0",
    "money": "#,##0",
    "pct": "0.0%",
    "dec1": "0.0",
    "year": "0",
    "datetime": "yyyy-mm-dd hh:mm",
}
_NUMERIC = ("int", "money", "pct", "dec1", "row")
_STATUS_FILL = {"met": "D5EDDC", "near": "FBEFC5", "not_met": "F6D3D7", "no_data": "E8ECF1"}


# -- The report as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """One table column: key in the frame, header label, format (see ``_EXCEL_FORMATS``,
    plus ``text``, ``flag`` for the small-group mark, ``status`` for a target status
    and ``row`` for a per-row format from ``Block.row_formats``)."""

    key: str
    label: str
    fmt: str = "text"


@dataclass(frozen=True)
class Chart:
    """A chart of a block: ``kind`` line | col | bar (horizontal) | stacked; ``x`` the
    category column, ``y`` the value columns; ``figure`` the plotly version for HTML."""

    kind: str
    x: str
    y: tuple[str, ...]
    title: str
    percent: bool = False
    figure: go.Figure | None = None


@dataclass(frozen=True)
class Block:
    """A titled table with an optional chart and a note under it."""

    key: str
    title: str
    frame: pd.DataFrame
    cols: tuple[Col, ...]
    chart: Chart | None = None
    note: str = ""
    row_formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bullets:
    """A titled list of sentences (``empty`` is said when there are none)."""

    key: str
    title: str
    items: tuple[str, ...]
    ordered: bool = False
    empty: str = ""


@dataclass(frozen=True)
class Text:
    """A paragraph, with an optional heading."""

    text: str
    title: str = ""


Part = Block | Bullets | Text


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    parts: tuple[Part, ...]
    sheet: str  # Excel sheet name (≤ 31 characters)


@dataclass(frozen=True)
class Report:
    lang: str
    title: str
    caption: str
    data_date: str
    generated: str
    sections: tuple[Section, ...] = field(default=())


# -- Building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    con: duckdb.DuckDBPyConnection
    f: Filters
    s: Settings
    lang: str

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)


def _rate_cols(c: _Ctx, group: str, group_fmt: str = "text", extra: Sequence[Col] = ()) -> tuple[Col, ...]:
    return (
        Col("group", group, group_fmt),
        Col("rate", c.t("report.col.rate"), "pct"),
        Col("numerator", c.t("report.col.numerator"), "int"),
        Col("denominator", c.t("report.col.denominator"), "int"),
        Col("ci_low", c.t("report.col.ci_low"), "pct"),
        Col("ci_high", c.t("report.col.ci_high"), "pct"),
        *extra,
        Col("small_n", c.t("report.col.small_n"), "flag"),
    )


def _small_note(c: _Ctx) -> str:
    return c.t("report.small_note", n=c.s.small_n)


def _label(c: _Ctx, kind: str, value: object) -> str:
    """A code as a reader sees it (``dual`` True → "双导师学生", ``stage`` basic → "基础阶段")."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return c.t("report.unknown")
    return schema.label(kind, value, c.lang)


def _rate_row(c: _Ctx, label: str, r: object) -> dict:
    """One rate (``stats.Rate`` or ``None``) as a row of a rate table."""
    if r is None:
        return {"group": label, "rate": None, "numerator": None, "denominator": None, "ci_low": None,
                "ci_high": None, "small_n": False}
    return {"group": label, "rate": r.value, "numerator": r.numerator, "denominator": r.denominator,
            "ci_low": r.ci_low, "ci_high": r.ci_high, "small_n": bool(r.small_n and r.denominator)}


def _summary(c: _Ctx) -> Section:
    kp = narrative.kpis(c.con, c.f, c.s)
    status_rows = pd.DataFrame(
        [{"metric": c.t(f"report.target.{x.metric}"), "target": x.target, "value": x.value, "status": x.status,
          "years_missed": x.years_missed} for x in targets(c.con, c.f, c.s)]
    )
    focus = narrative.attention(c.con, c.f, c.s, c.lang, limit=None)

    year, initial = employment.latest_initial_employment(c.con, c.f, c.s)
    team = mentors.team(c.con, c.f, c.s)
    rates = [
        (c.t("report.m.pass_rate"), certificates.pass_rate(c.con, c.f, c.s)),
        (c.t("report.m.first_attempt"), certificates.first_attempt_pass_rate(c.con, c.f, c.s)),
        (c.t("report.m.certification"), certificates.certification_rate(c.con, c.f, c.s)),
        (c.t("report.m.initial_employment", year=year or "—"), initial.rate),
        (c.t("report.m.coverage"), initial.coverage),
        (c.t("report.m.related"), employment.related_to_major_rate(c.con, c.f, c.s)),
        (c.t("report.m.partner"), employment.partner_placement_rate(c.con, c.f, c.s)),
        (c.t("report.m.retention"), employment.retention_rate(c.con, c.f, c.s)),
        (c.t("report.m.school_compliance"), mentors.compliance_rate(c.con, c.f, c.s, "school")),
        (c.t("report.m.enterprise_compliance"), mentors.compliance_rate(c.con, c.f, c.s, "enterprise")),
        (c.t("report.m.dual_qualified"), team["dual_qualified_share"]),
    ]
    headline = pd.DataFrame([_rate_row(c, label, r) for label, r in rates])

    salary = employment.median_monthly_salary(c.con, c.f, c.s)
    trend = satisfaction.trend(c.con, c.f, c.s)
    latest_mean = float(trend.waves["mean_0_100"].iloc[-1]) if len(trend.waves) else None
    composite = students.composite_summary(c.con, c.f, c.s)
    money = funding.totals(c.con, c.f, c.s)
    figures = [
        (c.t("report.m.salary"), salary["value"], salary["n"], "money"),
        (c.t("report.m.satisfaction_latest"), latest_mean,
         int(trend.waves["responses"].iloc[-1]) if len(trend.waves) else 0, "dec1"),
        (c.t("report.m.satisfaction_change"), trend.relative_change_first_to_latest, None, "pct"),
        (c.t("report.m.composite"), composite["mean"], composite["n"], "dec1"),
        (c.t("report.m.budget"), money["budget"], None, "money"),
        (c.t("report.m.spent"), money["spent"], None, "money"),
        (c.t("report.m.execution"), money["execution_rate"], None, "pct"),
    ]
    other = pd.DataFrame([{"measure": m, "value": _num(v), "n": n} for m, v, n, _ in figures])
    return Section("summary", c.t("report.section.summary"), (
        Bullets("narrative", c.t("report.part.narrative"), tuple(narrative.sentences(kp, c.lang))),
        Block("targets", c.t("report.part.targets"), status_rows, (
            Col("metric", c.t("report.col.metric")),
            Col("target", c.t("report.col.target"), "pct"),
            Col("value", c.t("report.col.value"), "pct"),
            Col("status", c.t("report.col.status"), "status"),
            Col("years_missed", c.t("report.col.years_missed"), "int"),
        ), note=c.t("report.targets_note")),
        Bullets("attention", c.t("report.part.attention"), tuple(a.text for a in focus), ordered=True,
                empty=c.t("report.attention_none")),
        Block("headline", c.t("report.part.headline"), headline, _rate_cols(c, c.t("report.col.measure")),
              note=_small_note(c)),
        Block("figures", c.t("report.part.figures"), other, (
            Col("measure", c.t("report.col.measure")), Col("value", c.t("report.col.value"), "row"),
            Col("n", c.t("report.col.n"), "int"),
        ), row_formats=tuple(fmt for *_, fmt in figures)),
    ), c.t("report.sheet.summary"))


def _num(value: object) -> float | None:
    if value is None:
        return None
    x = float(value)
    return None if math.isnan(x) else x


def _signed(value: float | None, scale: float = 100, unit: str = "%") -> str:
    return "—" if value is None or pd.isna(value) else f"{value * scale:+.1f}{unit}"


def _p_text(p: float | None) -> str:
    return "—" if p is None else ("< 0.001" if p < 0.001 else f"= {p:.3f}")


def _certificates(c: _Ctx) -> Section:
    cmp = certificates.dual_vs_other(c.con, c.f, c.s)
    if cmp.group.value is None or cmp.baseline.value is None:
        intro = c.t("report.cert.compare_none")
    else:
        intro = c.t("report.cert.compare", group=narrative.pct(cmp.group.value),
                    baseline=narrative.pct(cmp.baseline.value), relative=_signed(cmp.relative),
                    diff=_signed(cmp.diff, unit=""), low=_signed(cmp.ci_low, unit=""),
                    high=_signed(cmp.ci_high, unit=""), p=_p_text(cmp.p_value),
                    target=narrative.pct(c.s.targets.pass_rate_improvement, 0))
    rate_title = c.t("report.col.rate")
    by_year = certificates.pass_rates_by(c.con, c.f, c.s, "year")
    dual = certificates.dual_vs_other_by_year(c.con, c.f, c.s)
    long = add_rate_columns(pd.concat([
        pd.DataFrame({"group": dual["year"], "dual": key, "numerator": dual[f"{p}_numerator"],
                      "denominator": dual[f"{p}_denominator"]})
        for key, p in (("in", "group"), ("out", "baseline"))
    ], ignore_index=True), c.s.small_n)
    wide = pd.DataFrame({
        "year": dual["year"],
        "dual_rate": _share(dual["group_numerator"], dual["group_denominator"]),
        "dual_n": dual["group_denominator"],
        "other_rate": _share(dual["baseline_numerator"], dual["baseline_denominator"]),
        "other_n": dual["baseline_denominator"],
        "relative": dual["relative"],
    })
    dual_labels = {k: _label(c, "dual", k) for k in ("in", "out")}
    by_major = certificates.pass_rates_by(c.con, c.f, c.s, "major")
    title_year = c.t("report.cert.by_year")
    title_dual = c.t("report.cert.dual_by_year")
    title_major = c.t("report.cert.by_major")
    return Section("certificates", c.t("report.section.certificates"), (
        Text(intro),
        Block("cert_year", title_year, by_year, _rate_cols(c, c.t("report.col.year"), "year"),
              Chart("line", "group", ("rate",), title_year, True,
                    charts.rate_trend(by_year, c.lang, title=title_year, x_title=c.t("report.col.year"))),
              _small_note(c)),
        Block("cert_dual", title_dual, wide, (
            Col("year", c.t("report.col.year"), "year"),
            Col("dual_rate", dual_labels["in"], "pct"), Col("dual_n", c.t("report.col.exams"), "int"),
            Col("other_rate", dual_labels["out"], "pct"), Col("other_n", c.t("report.col.exams"), "int"),
            Col("relative", c.t("report.col.relative"), "pct"),
        ), Chart("line", "year", ("dual_rate", "other_rate"), title_dual, True,
                 charts.rate_trend(long, c.lang, title=title_dual, x_title=c.t("report.col.year"), series="dual",
                                   series_labels=dual_labels)),
            c.t("report.cert.relative_note", target=narrative.pct(c.s.targets.pass_rate_improvement, 0))),
        Block("cert_major", title_major, by_major.sort_values("rate", ascending=False, na_position="last"),
              _rate_cols(c, c.t("report.col.major")),
              Chart("bar", "group", ("rate",), title_major, True,
                    charts.rate_bars(by_major, c.lang, title=title_major)), _small_note(c)),
        *_benchmark_blocks(c, "certificate_pass_rate"),
    ), c.t("report.sheet.certificates"))


BENCHMARK_SERIES = 2  # published series shown per indicator


def _benchmark_blocks(c: _Ctx, indicator: str) -> tuple[Part, ...]:
    """The school beside each loaded published series of ``indicator`` (issue 8): a table by
    year with the school's interval, the published value, the gap, and whether the
    published value lies outside the interval; a sentence on the latest year."""
    series = benchmarks.available(c.con, indicator)
    series = series[series["figures"] > 0].head(BENCHMARK_SERIES)
    if not len(series):
        return ()
    school = benchmarks.school_series(c.con, c.f, c.s, indicator)
    label = schema.label("indicator", indicator, c.lang)
    parts: list[Part] = []
    for i, (source, group) in enumerate(zip(series["source"], series["group_label"], strict=True)):
        published = benchmarks.benchmark_series(c.con, indicator, group=group, source=source)
        both = benchmarks.beside(school, published)
        name = f"{source} · {group}" if group else str(source)
        title = c.t("bench.title", indicator=label) + " — " + name
        latest = both.dropna(subset=["value", "benchmark"]).tail(1)
        note = ""
        if len(latest):
            row = latest.iloc[0]
            result = benchmarks.compare(make_rate(int(row["numerator"]), int(row["denominator"]), c.s.small_n),
                                        float(row["benchmark"]))
            note = benchmarks.compare_text(result, c.t("bench.school", year=int(row["year"])),
                                           c.t("bench.benchmark", source=source), c.lang)
        frame = both.assign(outside=both["outside"].map(
            lambda v: "" if pd.isna(v) else schema.label("boolean", "yes" if v else "no", c.lang)))
        parts.append(Block(
            f"bench_{indicator}_{i}", title, frame, (
                Col("year", c.t("bench.col.year"), "year"),
                Col("value", c.t("bench.col.value"), "pct"),
                Col("ci_low", c.t("bench.col.ci_low"), "pct"),
                Col("ci_high", c.t("bench.col.ci_high"), "pct"),
                Col("benchmark", c.t("bench.col.benchmark"), "pct"),
                Col("diff_pp", c.t("bench.col.diff_pp"), "dec1"),
                Col("outside", c.t("bench.col.outside")),
            ),
            Chart("line", "year", ("value", "benchmark"), title, True,
                  charts.benchmark_trend(both, c.lang, title=title, x_title=c.t("bench.col.year"),
                                         school_name=c.t("bench.school_series"),
                                         published_name=c.t("bench.published"))),
            note,
        ))
    return tuple(parts)


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as floats, missing where den is 0."""
    den = den.astype("float64")
    return num.astype("float64") / den.where(den > 0)


def _employment(c: _Ctx) -> Section:
    target = c.s.targets.initial_employment
    related = employment.related_to_major_rate(c.con, c.f, c.s)
    partner = employment.partner_placement_rate(c.con, c.f, c.s)
    retention = employment.retention_rate(c.con, c.f, c.s)
    salary = employment.median_monthly_salary(c.con, c.f, c.s)
    if related.denominator:
        intro = c.t("report.emp.intro", related=narrative.pct(related.value), partner=narrative.pct(partner.value),
                    retention=narrative.pct(retention.value),
                    salary="—" if salary["value"] is None else f"{salary['value']:,.0f}", n=f"{salary['n']:,}")
    else:
        intro = c.t("report.emp.intro_none")
    by_year = employment.initial_employment_by(c.con, c.f, c.s, "graduation_year")
    by_year = by_year[by_year["denominator"] > 0]
    by_major = employment.initial_employment_by(c.con, c.f, c.s, "major")
    by_major = by_major[by_major["denominator"] > 0]
    dest = employment.destinations(c.con, c.f, c.s)
    statuses = [s for s in schema.EMPLOYMENT_STATUSES if s in set(dest["status"])]
    wide = (dest.pivot_table(index="graduation_year", columns="status", values="graduates", aggfunc="sum",
                             fill_value=0).reindex(columns=statuses).reset_index()
            if len(dest) else pd.DataFrame({"graduation_year": []}))
    status_labels = {s: _label(c, "status", s) for s in schema.EMPLOYMENT_STATUSES}
    t_year, t_major, t_dest = c.t("report.emp.by_year"), c.t("report.emp.by_major"), c.t("report.emp.destinations")
    coverage = Col("coverage", c.t("report.col.coverage"), "pct")
    return Section("employment", c.t("report.section.employment"), (
        Text(intro),
        Block("emp_year", t_year, by_year, _rate_cols(c, c.t("report.col.graduation_year"), "year", (coverage,)),
              Chart("line", "group", ("rate",), t_year, True,
                    charts.rate_trend(by_year, c.lang, title=t_year, x_title=c.t("report.col.graduation_year"),
                                      target=target)),
              c.t("report.emp.note", target=narrative.pct(target, 0)) + " " + _small_note(c)),
        Block("emp_major", t_major, by_major.sort_values("rate", ascending=False, na_position="last"),
              _rate_cols(c, c.t("report.col.major"), extra=(coverage,)),
              Chart("bar", "group", ("rate",), t_major, True,
                    charts.rate_bars(by_major, c.lang, title=t_major, target=target)), _small_note(c)),
        Block("emp_dest", t_dest, wide, (
            Col("graduation_year", c.t("report.col.graduation_year"), "year"),
            *(Col(s, status_labels[s], "int") for s in statuses),
        ), Chart("stacked", "graduation_year", tuple(statuses), t_dest, False,
                 charts.stacked_bars(dest, c.lang, x="graduation_year", color="status", y="graduates", title=t_dest,
                                     x_title=c.t("report.col.graduation_year"), y_title=c.t("report.col.graduates"),
                                     color_labels=status_labels)) if statuses else None),
        *_benchmark_blocks(c, "initial_employment_rate"),
    ), c.t("report.sheet.employment"))


def _satisfaction(c: _Ctx) -> Section:
    tr = satisfaction.trend(c.con, c.f, c.s)
    w = tr.waves
    if len(w) >= 2:
        intro = c.t("report.sat.intro", first=int(w["wave"].iloc[0]), latest=int(w["wave"].iloc[-1]),
                    first_mean=f"{w['mean_0_100'].iloc[0]:.1f}", latest_mean=f"{w['mean_0_100'].iloc[-1]:.1f}",
                    relative=_signed(tr.relative_change_first_to_latest),
                    slope="—" if tr.slope_per_year is None else f"{tr.slope_per_year:+.1f}",
                    target=narrative.pct(c.s.targets.satisfaction_improvement, 0))
    else:
        intro = c.t("report.sat.intro_none")
    dims = satisfaction.waves(c.con, c.f, c.s, "dimension")
    order = [d for d in schema.SATISFACTION_DIMENSIONS if d in set(dims["dimension"])]
    wide = (dims.pivot_table(index="wave", columns="dimension", values="mean_0_100", aggfunc="first")
            .reindex(columns=order).reset_index() if len(dims) else pd.DataFrame({"wave": []}))
    dim_labels = {d: _label(c, "dimension", d) for d in schema.SATISFACTION_DIMENSIONS}
    t_waves, t_dims = c.t("report.sat.waves"), c.t("report.sat.dimensions")
    score = c.t("report.col.mean_0_100")
    return Section("satisfaction", c.t("report.section.satisfaction"), (
        Text(intro),
        Block("sat_waves", t_waves, w, (
            Col("wave", c.t("report.col.wave"), "year"),
            Col("mean_0_100", score, "dec1"),
            Col("share_satisfied", c.t("report.col.share_satisfied"), "pct"),
            Col("responses", c.t("report.col.responses"), "int"),
            Col("change_prev", c.t("report.col.change_prev"), "dec1"),
            Col("relative_first", c.t("report.col.relative_first"), "pct"),
        ), Chart("line", "wave", ("mean_0_100",), t_waves, False,
                 charts.lines(w, c.lang, x="wave", y="mean_0_100", title=t_waves, x_title=c.t("report.col.wave"),
                              y_title=score)),
            c.t("report.sat.note", threshold=f"{c.s.satisfied_threshold:.0f}")),
        Block("sat_dims", t_dims, wide, (
            Col("wave", c.t("report.col.wave"), "year"), *(Col(d, dim_labels[d], "dec1") for d in order),
        ), Chart("line", "wave", tuple(order), t_dims, False,
                 charts.lines(dims, c.lang, x="wave", y="mean_0_100", color="dimension", title=t_dims,
                              x_title=c.t("report.col.wave"), y_title=score, color_labels=dim_labels))
            if order else None),
    ), c.t("report.sheet.satisfaction"))


def _mentors(c: _Ctx) -> Section:
    parts: list[Part] = []
    rows = []
    results = {kind: mentors.compliance(c.con, c.f, c.s, kind) for kind in mentors.MENTOR_TYPES}
    for kind, res in results.items():
        row = _rate_row(c, c.t(f"report.men.rule.{kind}", n=res.threshold), res.rate)
        row["non_compliant"] = len(res.non_compliant) if res.rate is not None else None
        rows.append(row)
    team = mentors.team(c.con, c.f, c.s)
    for key in ("school_rule_share", "enterprise_rule_share", "dual_qualified_share"):
        rows.append(_rate_row(c, c.t(f"report.men.{key}", school=f"{c.s.school_mentor_min_years:g}",
                                     enterprise=f"{c.s.enterprise_mentor_min_years:g}"), team[key])
                    | {"non_compliant": None})
    parts.append(Block("men_rules", c.t("report.men.rules"), pd.DataFrame(rows),
                       _rate_cols(c, c.t("report.col.rule"),
                                  extra=(Col("non_compliant", c.t("report.col.non_compliant"), "int"),)),
                       note=c.t("report.men.rules_note") + " " + _small_note(c)))
    for kind, res in results.items():
        per = (res.calendar.groupby("period")
               .agg(start=("period_start", "min"), share=("compliant", "mean"), mentors=("mentor_id", "nunique"))
               .sort_values("start").reset_index())  # calendar order: spring before autumn
        per["label"] = [schema.period_label(p, c.lang) for p in per["period"]]
        per["order"] = [f"{i:03d}" for i in range(len(per))]
        title = c.t(f"report.men.by_period.{kind}")
        fig = charts.lines(per, c.lang, x="order", y="share", title=title, y_title=c.t("report.col.share_compliant"),
                           y_range=(0, 1), target=c.s.targets.compliance)
        fig.update_xaxes(tickmode="array", tickvals=per["order"].tolist(), ticktext=per["label"].tolist())
        fig.update_yaxes(tickformat=".0%")
        parts.append(Block(f"men_period_{kind}", title, per, (
            Col("label", c.t("report.col.period")),
            Col("share", c.t("report.col.share_compliant"), "pct"),
            Col("mentors", c.t("report.col.mentors"), "int"),
        ), Chart("line", "label", ("share",), title, True, fig) if len(per) else None))
        bad = res.non_compliant.head(LIST_LIMIT)
        parts.append(Block(f"men_bad_{kind}", c.t(f"report.men.non_compliant.{kind}", shown=len(bad),
                                                  total=len(res.non_compliant)), bad, (
            Col("mentor_id", c.t("report.col.mentor_id")),
            Col("mentor_name", c.t("report.col.mentor_name")),
            Col("periods", c.t("report.col.periods"), "int"),
            Col("compliant_periods", c.t("report.col.compliant_periods"), "int"),
            Col("activities", c.t("report.col.activities"), "int"),
            Col("share", c.t("report.col.share_compliant"), "pct"),
        )))
    ev = mentors.evaluations(c.con, c.f, c.s).head(LIST_LIMIT)
    ev = ev.assign(mentor_type=[_label(c, "mentor_type", v) for v in ev["mentor_type"]])
    parts.append(Block("men_eval", c.t("report.men.evaluations", n=len(ev)), ev, (
        Col("rank", c.t("report.col.rank"), "int"),
        Col("mentor_name", c.t("report.col.mentor_name")),
        Col("mentor_type", c.t("report.col.mentor_type")),
        *(Col(f"score_{e}", _label(c, "evaluator_type", e), "dec1") for e in schema.EVALUATOR_TYPES),
        Col("overall", c.t("report.col.overall"), "dec1"),
        Col("n", c.t("report.col.evaluations"), "int"),
    ), note=c.t("report.men.evaluations_note")))
    return Section("mentors", c.t("report.section.mentors"), tuple(parts), c.t("report.sheet.mentors"))


def _students(c: _Ctx) -> Section:
    summary = students.composite_summary(c.con, c.f, c.s)
    theory, skill, prof = (f"{100 * w:.0f}%" for w in c.s.weights)
    if summary["n"]:
        intro = c.t("report.stu.intro", n=f"{summary['n']:,}", mean=f"{summary['mean']:.1f}",
                    median=f"{summary['median']:.1f}", missing=f"{summary['missing']:,}",
                    theory=theory, skill=skill, prof=prof)
    else:
        intro = c.t("report.stu.intro_none", theory=theory, skill=skill, prof=prof)
    bands = pd.DataFrame([_rate_row(c, _label(c, "band", b), r) for b, r in summary["bands"].items()])
    stages = students.distribution_by(c.con, c.f, c.s, "stage")
    stages = stages.assign(label=[_label(c, "stage", v) for v in stages["group"]])
    band_labels = {b: _label(c, "band", b) for b in students.BANDS}
    t_bands, t_stages = c.t("report.stu.bands"), c.t("report.stu.by_stage")
    long = stages.melt(id_vars=["label"], value_vars=list(students.BANDS), var_name="band", value_name="count")
    return Section("students", c.t("report.section.students"), (
        Text(intro),
        Block("stu_bands", t_bands, bands, _rate_cols(c, c.t("report.col.band")),
              Chart("col", "group", ("rate",), t_bands, True,
                    charts.bars(bands, c.lang, x="group", y=("rate",), title=t_bands, percent=True,
                                y_title=c.t("report.col.share"))) if summary["n"] else None,
              c.t("report.stu.bands_note")),
        Block("stu_stages", t_stages, stages, (
            Col("label", c.t("report.col.stage")),
            Col("n", c.t("report.col.students_n"), "int"),
            Col("mean", c.t("report.col.mean"), "dec1"),
            Col("median", c.t("report.col.median"), "dec1"),
            *(Col(b, band_labels[b], "int") for b in students.BANDS),
            Col("missing", c.t("report.col.missing"), "int"),
        ), Chart("stacked", "label", tuple(students.BANDS), t_stages, False,
                 charts.stacked_bars(long, c.lang, x="label", color="band", y="count", title=t_stages,
                                     y_title=c.t("report.col.students_n"), color_labels=band_labels))
            if len(stages) else None),
    ), c.t("report.sheet.students"))


def _funding(c: _Ctx) -> Section:
    totals = funding.totals(c.con, c.f, c.s)
    if totals["budget"]:
        intro = c.t("report.fund.intro", budget=f"{totals['budget']:,.0f}", spent=f"{totals['spent']:,.0f}",
                    rate=narrative.pct(totals["execution_rate"]))
    else:
        intro = c.t("report.fund.intro_none")
    money_cols = (
        Col("budget", c.t("report.col.budget"), "money"),
        Col("spent", c.t("report.col.spent"), "money"),
        Col("execution_rate", c.t("report.col.execution_rate"), "pct"),
        Col("budget_share", c.t("report.col.budget_share"), "pct"),
    )
    parts: list[Part] = [Text(intro)]
    for by in funding.GROUPS:
        df = funding.funding_by(c.con, c.f, c.s, by)
        if by == "source":
            df = df.assign(group=[_label(c, "source", v) for v in df["group"]])
        title = c.t(f"report.fund.by_{by}")
        if by == "year":
            chart = Chart("col", "group", ("budget", "spent"), title, False, charts.bars(
                df, c.lang, x="group", y=("budget", "spent"), title=title, x_title=c.t("report.col.year"),
                y_labels={"budget": c.t("report.col.budget"), "spent": c.t("report.col.spent")}))
        elif by == "source":
            chart = Chart("bar", "group", ("budget_share",), title, True,
                          charts.donut(df, c.lang, names="group", values="budget", title=title))
        else:
            chart = Chart("bar", "group", ("execution_rate",), title, True, charts.bars(
                df, c.lang, x="group", y=("execution_rate",), title=title, percent=True, horizontal=True,
                y_title=c.t("report.col.execution_rate")))
        group = Col("group", c.t(f"report.col.{by}"), "year" if by == "year" else "text")
        parts.append(Block(f"fund_{by}", title, df, (group, *money_cols), chart if len(df) else None))
    return Section("funding", c.t("report.section.funding"), tuple(parts), c.t("report.sheet.funding"))


def _methods(c: _Ctx) -> Section:
    s = c.s
    placed = [schema.label("status", x, c.lang) for x in s.placed_statuses()]
    defs = [
        Text(c.t("report.def.pass_rate"), c.t("report.def.pass_rate_title")),
        Text(c.t("report.def.improvement"), c.t("report.def.improvement_title")),
        Text(c.t("report.def.employment", placed=c.t("report.list_sep").join(placed)),
             c.t("report.def.employment_title")),
        Text(c.t("report.def.satisfaction", threshold=f"{s.satisfied_threshold:.0f}"),
             c.t("report.def.satisfaction_title")),
        Text(c.t("report.def.students", theory=f"{100 * s.weights[0]:.0f}%", skill=f"{100 * s.weights[1]:.0f}%",
                 prof=f"{100 * s.weights[2]:.0f}%"), c.t("report.def.students_title")),
        Text(c.t("report.def.mentors", visits=s.visits_per_month, teaching=s.teaching_per_semester,
                 school=f"{s.school_mentor_min_years:g}", enterprise=f"{s.enterprise_mentor_min_years:g}"),
             c.t("report.def.mentors_title")),
        Text(c.t("report.def.funding"), c.t("report.def.funding_title")),
        Text(c.t("report.def.targets", pass_rate=narrative.pct(s.targets.pass_rate_improvement, 0),
                 employment=narrative.pct(s.targets.initial_employment, 0),
                 satisfaction=narrative.pct(s.targets.satisfaction_improvement, 0),
                 compliance=narrative.pct(s.targets.compliance, 0)), c.t("report.def.targets_title")),
        Text(c.t("report.def.intervals"), c.t("report.def.intervals_title")),
        Text(c.t("report.def.small_n", n=s.small_n), c.t("report.def.small_n_title")),
        Text(c.t("report.def.filters"), c.t("report.def.filters_title")),
    ]
    coverage = pd.DataFrame(scoped_coverage(c.con, c.f.scope))
    coverage["label"] = coverage["zh" if c.lang == "zh" else "en"]
    batches = scoped_batches(c.con, c.f.scope)
    batches = batches.assign(
        table_label=[schema.table(x).label(c.lang) if x in _TABLE_NAMES else x for x in batches["target_table"]],
        status_label=[schema.label("batch_status", x, c.lang) for x in batches["status"]],
    )
    return Section("methods", c.t("report.section.methods"), (
        *defs,
        Block("coverage", c.t("report.meth.coverage"), coverage, (
            Col("label", c.t("report.col.table")),
            Col("rows", c.t("report.col.rows"), "int"),
            Col("year_from", c.t("report.col.year_from"), "year"),
            Col("year_to", c.t("report.col.year_to"), "year"),
        )),
        Block("sources", c.t("report.meth.sources"), batches, (
            Col("batch_id", c.t("report.col.batch"), "int"),
            Col("imported_at", c.t("report.col.imported_at"), "datetime"),
            Col("file_name", c.t("report.col.file")),
            Col("sheet", c.t("report.col.sheet")),
            Col("table_label", c.t("report.col.table")),
            Col("rows_read", c.t("report.col.rows_read"), "int"),
            Col("rows_rejected", c.t("report.col.rows_rejected"), "int"),
            Col("status_label", c.t("report.col.batch_status")),
        ), note="" if len(batches) else c.t("report.meth.no_sources")),
    ), c.t("report.sheet.methods"))


def scoped_coverage(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None) -> list[dict[str, object]]:
    """``db.table_coverage`` limited to the rows the user's ``scope`` may see (all for ``None``)."""
    if scope is None:
        return db.table_coverage(con)
    scoped = Filters(scope=scope)
    cur = con.cursor()
    out: list[dict[str, object]] = []
    try:
        for tb in schema.TABLES:
            where, params = scoped.where(tb.name, "x")
            year = None
            if tb.year_column is not None:
                col = tb.column(tb.year_column)
                year = f"year(x.{db.quote_ident(col.name)})" if col.kind == "date" else f"x.{db.quote_ident(col.name)}"
            years = f"min({year}), max({year})" if year else "NULL, NULL"
            rows, first, last = cur.execute(
                f"SELECT count(*), {years} FROM {db.quote_ident(tb.name)} x WHERE {where}", params
            ).fetchone()
            out.append({"table": tb.name, "zh": tb.zh, "en": tb.en, "rows": rows, "year_from": first,
                        "year_to": last})
    except duckdb.Error as e:
        raise StoreError("query-failed", detail=str(e)) from e
    finally:
        cur.close()
    return out


def scoped_batches(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None) -> pd.DataFrame:
    """``list_batches``; for a scoped user only the batches that last wrote a row they may see
    (a file name of another school's import would otherwise appear in the report)."""
    batches = list_batches(con)
    if scope is None:
        return batches
    scoped = Filters(scope=scope)
    parts, params = [], []
    for tb in schema.TABLES:
        where, p = scoped.where(tb.name, "x")
        parts.append(f"SELECT x.{db.quote_ident(db.BATCH_COLUMN)} FROM {db.quote_ident(tb.name)} x WHERE {where}")
        params += p
    try:
        visible = {r[0] for r in con.cursor().execute(" UNION ".join(parts), params).fetchall()}
    except duckdb.Error as e:
        raise StoreError("query-failed", detail=str(e)) from e
    return batches[batches["batch_id"].isin(visible)].reset_index(drop=True)


_TABLE_NAMES = {tb.name for tb in schema.TABLES}
_BUILDERS = {
    "summary": _summary,
    "certificates": _certificates,
    "employment": _employment,
    "satisfaction": _satisfaction,
    "mentors": _mentors,
    "students": _students,
    "funding": _funding,
    "methods": _methods,
}


def data_date(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the data was last changed: the newest import still loaded (``None`` without any)."""
    batches = list_batches(con)
    loaded = batches[batches["status"] == "loaded"]
    return None if loaded.empty else pd.Timestamp(loaded["imported_at"].max()).to_pydatetime()


def build_report(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str, now: dt.datetime | None = None
) -> Report:
    """Every number, sentence and chart of the meeting pack for filter ``f`` in ``lang``."""
    c = _Ctx(con, f, s, lang)
    when = data_date(con)
    now = now or dt.datetime.now().replace(microsecond=0)
    return Report(
        lang=lang,
        title=c.t("report.title"),
        caption=c.t("report.caption", caption=f.caption(lang, filter_options(con, f.scope).names)),
        data_date=c.t("report.data_date", date=when.strftime("%Y-%m-%d %H:%M")) if when else c.t("report.no_imports"),
        generated=c.t("report.generated", date=now.strftime("%Y-%m-%d %H:%M")),
        sections=tuple(_BUILDERS[key](c) for key in SECTIONS),
    )


# -- Cell values ---------------------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _text(value: object, fmt: str, lang: str) -> str:
    """A cell as text for HTML."""
    if fmt == "flag":
        return "⚠" if not _missing(value) and bool(value) else ""
    if _missing(value):
        return "—"
    if fmt == "status":
        return t(f"report.status.{value}", lang)
    if fmt == "pct":
        return f"{float(value) * 100:.1f}%"
    if fmt in ("int", "money"):
        return f"{float(value):,.0f}"
    if fmt == "dec1":
        return f"{float(value):,.1f}"
    if fmt == "year":
        return str(int(value)) if isinstance(value, numbers.Real) else str(value)
    if fmt == "datetime":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _cell(value: object, fmt: str, lang: str) -> object:
    """A cell as an Excel value: numbers stay numbers, text is escaped, missing is empty."""
    if fmt == "flag":
        return "⚠" if not _missing(value) and bool(value) else None
    if _missing(value):
        return None
    if fmt == "status":
        return escape_cell(t(f"report.status.{value}", lang))
    if fmt in _EXCEL_FORMATS:
        if fmt == "datetime":
            return pd.Timestamp(value).to_pydatetime()
        if fmt == "year" and not isinstance(value, numbers.Real):
            return escape_cell(str(value))
        return float(value) if fmt != "year" and fmt != "int" else int(value)
    return escape_cell(str(value))


def _row_fmt(block: Block, col: Col, i: int) -> str:
    return block.row_formats[i] if col.fmt == "row" else col.fmt


# -- HTML -----------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1d2733; --muted: #5b6b7d; --line: #d8dee6; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f4f6f9; font-size: 10.5pt; line-height: 1.55;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif; }
main { max-width: 190mm; margin: 0 auto; background: white; padding: 12mm 10mm; }
header.cover h1 { font-size: 20pt; margin: 0 0 4pt; color: var(--accent); }
header.cover p { margin: 0; color: var(--muted); }
section { margin-top: 10mm; }
h2 { font-size: 15pt; border-bottom: 2px solid var(--accent); padding-bottom: 2pt; margin: 0 0 6pt; }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt; }
p.note, p.meta { color: var(--muted); font-size: 8.5pt; margin: 2pt 0 8pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; font-size: 9pt; }
th, td { border-bottom: 1px solid var(--line); padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.small td { color: var(--muted); font-style: italic; }
td.status { font-weight: 600; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
td.met { background: #d5eddc; } td.near { background: #fbefc5; }
td.not_met { background: #f6d3d7; } td.no_data { background: #e8ecf1; }
.figure { margin: 6pt 0; }
ol, ul { margin: 4pt 0 8pt; padding-left: 18pt; }
li { margin: 2pt 0; }
.empty { color: var(--muted); }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { background: white; font-size: 10pt; }
  main { max-width: none; margin: 0; padding: 0; }
  section { margin-top: 0; break-before: page; page-break-before: always; }
  section.first { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, .figure, li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .keep { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_table(block: Block, lang: str) -> str:
    head = "".join(('<th class="num">' if col.fmt in _NUMERIC else "<th>") + f"{_esc(col.label)}</th>"
                   for col in block.cols)
    rows = []
    small = block.frame["small_n"].fillna(False).astype(bool).tolist() if "small_n" in block.frame else None
    for i, record in enumerate(block.frame.to_dict("records")):
        cells = []
        for col in block.cols:
            fmt = _row_fmt(block, col, i)
            value = record.get(col.key)
            classes = []
            if fmt in _NUMERIC:
                classes.append("num")
            if fmt == "datetime":
                classes.append("nowrap")
            if fmt == "status" and not _missing(value):
                classes += ["status", str(value)]
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{_esc(_text(value, fmt, lang))}</td>")
        tr_class = ' class="small"' if small and small[i] else ""
        rows.append(f"<tr{tr_class}>{''.join(cells)}</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(block.cols)}" class="empty">{_esc(t("report.no_data", lang))}</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_figure(fig: go.Figure) -> str:
    """A figure at the printable width; its title is dropped (the block heading says it)."""
    fig = go.Figure(fig)
    height = fig.layout.height or FIGURE_HEIGHT
    fig.update_layout(width=FIGURE_WIDTH, height=height if height > 380 else FIGURE_HEIGHT, autosize=False,
                      title={"text": ""}, margin={"t": 24})
    if fig.layout.showlegend is not False and len(fig.data) > 1:
        fig.update_xaxes(title={"text": ""})  # the legend sits where the category axis title would
    return '<div class="figure">' + fig.to_html(
        full_html=False, include_plotlyjs=False, config={"displayModeBar": False, "staticPlot": False}
    ) + "</div>"


def _html_part(part: Part, lang: str) -> str:
    if isinstance(part, Text):
        title = f"<h3>{_esc(part.title)}</h3>" if part.title else ""
        return f'<div class="keep">{title}<p>{_esc(part.text)}</p></div>'
    if isinstance(part, Bullets):
        tag = "ol" if part.ordered else "ul"
        items = "".join(f"<li>{_esc(x)}</li>" for x in part.items)
        body = f"<{tag}>{items}</{tag}>" if part.items else f'<p class="empty">{_esc(part.empty)}</p>'
        return f'<div id="part-{part.key}"><h3>{_esc(part.title)}</h3>{body}</div>'
    has_rows = len(part.frame) > 0
    figure = _html_figure(part.chart.figure) if part.chart is not None and part.chart.figure and has_rows else ""
    note = f'<p class="note">{_esc(part.note)}</p>' if part.note else ""
    keep = ' class="keep"' if len(part.frame) <= KEEP_ROWS else ""  # a short block is never split
    return f'<div id="part-{part.key}"{keep}><h3>{_esc(part.title)}</h3>{figure}{_html_table(part, lang)}{note}</div>'


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (plotly.js inlined once in ``<head>``)."""
    lang = report.lang
    sections = []
    for i, sec in enumerate(report.sections):
        first = ' class="first"' if i == 0 else ""
        parts = "".join(_html_part(p, lang) for p in sec.parts)
        meta = "" if i == 0 else f'<p class="meta">{_esc(report.caption)} · {_esc(report.data_date)}</p>'
        sections.append(f'<section id="sec-{sec.key}"{first}><h2>{_esc(sec.title)}</h2>{meta}{parts}</section>')
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(report.title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body><main>'
        f'<header class="cover"><h1>{_esc(report.title)}</h1><p>{_esc(report.caption)}</p>'
        f"<p>{_esc(report.data_date)} · {_esc(report.generated)}</p></header>"
        + "".join(sections)
        + "</main></body></html>"
    )


# -- Excel ----------------------------------------------------------------------------------------

_BOLD = Font(bold=True)
_MUTED = Font(color="5B6B7D", size=9)
_SMALL_ROW = Font(color="7A8794", italic=True)
_HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")
_TEXT_SPAN = 9  # columns a paragraph spans
_CHART_ROWS = 16  # rows a chart of the default height covers


def _width(text: str) -> int:
    """Display width of ``text`` (CJK characters count double)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _write_text(ws: Worksheet, row: int, text: str, font: Font | None = None) -> int:
    """A paragraph across ``_TEXT_SPAN`` columns, wrapped (its row height is set with the widths)."""
    cell = ws.cell(row=row, column=1, value=escape_cell(text))
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if font is not None:
        cell.font = font
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=_TEXT_SPAN)
    return row + 1


def _fit_text_rows(ws: Worksheet) -> None:
    """Row heights of the merged paragraphs for the lines their text needs at the final widths
    (spreadsheet programs do not grow merged rows by themselves)."""
    span = sum(ws.column_dimensions[get_column_letter(j)].width or 9 for j in range(1, _TEXT_SPAN + 1))
    for merged in ws.merged_cells.ranges:
        text = str(ws.cell(row=merged.min_row, column=1).value or "")
        lines = max(1, math.ceil(_width(text) * 1.1 / span))
        ws.row_dimensions[merged.min_row].height = 14 * lines + 3


def _excel_chart(ws: Worksheet, block: Block, header_row: int, last_row: int, anchor: str) -> None:
    spec = block.chart
    keys = [col.key for col in block.cols]
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        if spec.kind == "stacked":
            chart.grouping = "stacked"
            chart.overlap = 100
    chart.title = escape_cell(spec.title)
    chart.height, chart.width = 7.5, 15
    for key in spec.y:
        col = keys.index(key) + 1
        chart.add_data(Reference(ws, min_col=col, min_row=header_row, max_row=last_row), titles_from_data=True)
    x = keys.index(spec.x) + 1
    chart.set_categories(Reference(ws, min_col=x, min_row=header_row + 1, max_row=last_row))
    chart.y_axis.number_format = "0%" if spec.percent else "#,##0"
    if spec.percent or spec.kind != "line":
        chart.y_axis.scaling.min = 0  # rates and amounts from zero, so bars are not exaggerated
    if spec.kind == "line":
        for series in chart.series:
            series.smooth = False
            series.marker.symbol = "circle"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if spec.kind == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    if len(spec.y) == 1:
        chart.legend = None
    else:
        chart.legend.position = "b"
    ws.add_chart(chart, anchor)


def _write_block(ws: Worksheet, row: int, block: Block, lang: str, widths: dict[int, int]) -> int:
    if block.chart is not None and not block.frame.empty and any(ws._charts):
        ws.row_breaks.append(Break(id=row - 1))  # every further chart starts a printed page
    ws.cell(row=row, column=1, value=escape_cell(block.title)).font = Font(bold=True, size=12)
    title_row = row
    row += 1
    header_row = row
    for j, col in enumerate(block.cols, 1):
        cell = ws.cell(row=row, column=j, value=escape_cell(col.label))
        cell.font, cell.fill = _BOLD, _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths[j] = max(widths.get(j, 0), min(_width(col.label) + 2, 24))
    small = block.frame["small_n"].fillna(False).astype(bool).tolist() if "small_n" in block.frame else None
    for i, record in enumerate(block.frame.to_dict("records")):
        row += 1
        for j, col in enumerate(block.cols, 1):
            fmt = _row_fmt(block, col, i)
            value = record.get(col.key)
            cell = ws.cell(row=row, column=j, value=_cell(value, fmt, lang))
            if fmt in _EXCEL_FORMATS:
                cell.number_format = _EXCEL_FORMATS[fmt]
            if fmt == "year":
                cell.alignment = Alignment(horizontal="left")
            if fmt == "status" and not _missing(value):
                cell.fill = PatternFill("solid", fgColor=_STATUS_FILL.get(str(value), "FFFFFF"))
            if small and small[i]:
                cell.font = _SMALL_ROW
            shown = _text(value, fmt, lang)
            widths[j] = max(widths.get(j, 0), min(_width(shown) + 2, 40 if fmt in _EXCEL_FORMATS else 60))
    if block.frame.empty:
        row += 1
        ws.cell(row=row, column=1, value=escape_cell(t("report.no_data", lang))).font = _MUTED
    last_row = row
    if block.note:
        row += 1
        ws.cell(row=row, column=1, value=escape_cell(block.note)).font = _MUTED
    if block.chart is not None and not block.frame.empty:
        anchor = f"{get_column_letter(len(block.cols) + 2)}{title_row}"
        _excel_chart(ws, block, header_row, last_row, anchor)
        row = max(row, title_row + _CHART_ROWS)
    return row + 2


def _write_sheet(ws: Worksheet, report: Report, sec: Section) -> None:
    lang = report.lang
    ws.cell(row=1, column=1, value=escape_cell(f"{sec.title} · {report.title}")).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=escape_cell(report.caption)).font = _MUTED
    ws.cell(row=3, column=1, value=escape_cell(f"{report.data_date} · {report.generated}")).font = _MUTED
    row = 5
    widths: dict[int, int] = {}
    first_header = None
    for part in sec.parts:
        if isinstance(part, Text):
            if part.title:
                ws.cell(row=row, column=1, value=escape_cell(part.title)).font = _BOLD
                row += 1
            row = _write_text(ws, row, part.text) + 1
        elif isinstance(part, Bullets):
            ws.cell(row=row, column=1, value=escape_cell(part.title)).font = Font(bold=True, size=12)
            row += 1
            for i, item in enumerate(part.items, 1):
                row = _write_text(ws, row, f"{i}. {item}" if part.ordered else f"• {item}")
            if not part.items:
                row = _write_text(ws, row, part.empty, _MUTED)
            row += 1
        else:
            if first_header is None and row == 5:
                first_header = row + 1
            row = _write_block(ws, row, part, lang, widths)
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = max(9, w)
    _fit_text_rows(ws)
    ws.freeze_panes = f"A{first_header + 1}" if first_header else "A4"
    ws.sheet_view.showGridLines = False
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:3"
    ws.oddFooter.center.text = escape_cell(report.caption)


def render_xlsx(report: Report) -> bytes:
    """The report as an xlsx workbook: one sheet per section, native charts, no formulas."""
    wb = Workbook()
    wb.remove(wb.active)
    for sec in report.sections:
        _write_sheet(wb.create_sheet(_sheet_name(sec.sheet)), report, sec)
    wb.properties.title = report.title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    return "".join(ch for ch in name if ch not in '[]:*?/\\')[:31]


# -- Entry points ---------------------------------------------------------------------------------


def report_html(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str) -> str:
    """The meeting pack as a self-contained HTML document."""
    return render_html(build_report(con, f, s, lang))


def report_xlsx(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str) -> bytes:
    """The meeting pack as an xlsx workbook."""
    return render_xlsx(build_report(con, f, s, lang))


def write_report(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, path: str | Path, fmt: str, lang: str
) -> Path:
    """Write the meeting pack for filter ``f`` to ``path`` as ``html`` or ``xlsx``."""
    if fmt not in FORMATS:
        raise ConfigError("report-format", value=fmt)
    path = Path(path)
    data = report_html(con, f, s, lang).encode("utf-8") if fmt == "html" else report_xlsx(con, f, s, lang)
    try:
        path.write_bytes(data)
    except OSError as e:
        raise AnalyticsError("report-write-failed", path=str(path), detail=e.strerror or str(e)) from e
    return path
