"""The section builders of the meeting pack: every number, sentence and chart of
:class:`~analytics.report.model.Report` for one filter, language and user scope.

The headlines come from ``analytics.metrics.headlines`` and are written by
``analytics.narrative``, exactly as on the dashboard. A :class:`Context` computes each
shared figure once per report (the employment table, the compliance periods, the
headlines), so the pack costs a handful of queries, not one per table; charts are built
only when the HTML is rendered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import duckdb
import pandas as pd

from analytics import charts, db, narrative, schema
from analytics.config import Settings
from analytics.filter_options import filter_options
from analytics.filters import Filters
from analytics.i18n import t
from analytics.ingest.load import list_batches
from analytics.metrics import (
    benchmarks,
    certificates,
    employment,
    funding,
    headlines,
    mentors,
    satisfaction,
    students,
)
from analytics.report import methods
from analytics.report.loop import actions_section
from analytics.report.model import Block, Bullets, Chart, Col, Part, Report, Section, Text
from analytics.stats import add_rate_columns
from analytics.stats import rate as make_rate

SECTIONS = ("actions", "summary", "certificates", "employment", "satisfaction", "mentors", "students", "funding",
            "methods")
LIST_LIMIT = 15  # rows of a ranked mentor list in the pack (the dashboard shows them all)
BENCHMARK_SERIES = 2  # published series shown per indicator


@dataclass
class Context:
    """What every builder needs, with the figures several sections share computed once."""

    con: duckdb.DuckDBPyConnection
    f: Filters
    s: Settings
    lang: str

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    @cached_property
    def view(self) -> headlines.Overview:
        """The headlines with the employment and compliance figures they share (one query each)."""
        return headlines.overview(self.con, self.f, self.s)

    @cached_property
    def headlines(self) -> tuple[headlines.Headline, ...]:
        return self.view.headlines

    def headline(self, key: str) -> headlines.Headline:
        return headlines.pick(self.headlines, key)

    @cached_property
    def jobs(self) -> employment.Summary:
        return employment.summary(self.con, self.f, self.s, "graduation_year")

    @cached_property
    def jobs_by_major(self) -> pd.DataFrame:
        return employment.by_group(self.view.employment, self.s)

    @cached_property
    def compliance(self) -> dict[str, mentors.ComplianceResult]:
        return self.view.compliance

    @cached_property
    def team(self) -> dict:
        return mentors.team(self.con, self.f, self.s)

    @cached_property
    def trend(self) -> satisfaction.Trend:
        return satisfaction.trend(self.con, self.f, self.s)

    @cached_property
    def composite(self) -> dict:
        return students.composite_summary(self.con, self.f, self.s)

    @cached_property
    def money(self) -> dict:
        return funding.totals(self.con, self.f, self.s)

    @cached_property
    def strata(self) -> pd.DataFrame:
        return certificates.dual_vs_other_strata(self.con, self.f, self.s, self.s.comparison_unit, ("major",))


def _rate_cols(c: Context, group: str, group_fmt: str = "text", extra: Sequence[Col] = ()) -> tuple[Col, ...]:
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


def _small_note(c: Context) -> str:
    return c.t("report.small_note", n=c.s.small_n)


def _label(c: Context, kind: str, value: object) -> str:
    """A code as a reader sees it (``dual`` True → "双导师学生", ``stage`` basic → "基础阶段")."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return c.t("report.unknown")
    return schema.label(kind, value, c.lang)


def _rate_row(label: str, r: object) -> dict:
    """One rate (``stats.Rate`` or ``None``) as a row of a rate table."""
    if r is None:
        return {"group": label, "rate": None, "numerator": None, "denominator": None, "ci_low": None,
                "ci_high": None, "small_n": False}
    return {"group": label, "rate": r.value, "numerator": r.numerator, "denominator": r.denominator,
            "ci_low": r.ci_low, "ci_high": r.ci_high, "small_n": bool(r.small_n and r.denominator)}


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _pooled_years(c: Context) -> str:
    """The graduation years a pooled employment figure covers, as a label."""
    series = c.headline("initial_employment").series
    if not series:
        return "—"
    return narrative.period_text(f"{series[0].period}–{series[-1].period}" if len(series) > 1 else series[0].period,
                                 c.lang)


# -- Overview ------------------------------------------------------------------------------


def _headline_rows(c: Context) -> pd.DataFrame:
    """The headlines table: the same value, basis, interval and status as every screen."""
    rows = []
    for h in c.headlines:
        rows.append({
            "metric": narrative.label(h, c.lang), "period": narrative.period_text(h.period, c.lang),
            "value": h.value, "basis": narrative.basis_text(h, c.lang), "interval": narrative.interval_text(h, c.lang),
            "change": narrative.change_text(h, c.lang) or "—", "target": narrative.target_text(h, c.lang),
            "status": "near" if h.near else h.status, "years_missed": h.years_missed, "small_n": h.small and
            h.value is not None,
        })
    return pd.DataFrame(rows)


def summary(c: Context) -> Section:
    items = c.headlines
    table = _headline_rows(c)
    notes = [f"{narrative.label(h, c.lang)}: {line}" for h in items for line in narrative.secondary_texts(h, c.lang)]
    focus = narrative.attention_of(c.view, narrative.attention_facts(c.con, c.f, c.s), c.s, c.lang, limit=None)
    team = c.team
    jobs = c.jobs
    initial = c.headline("initial_employment")
    coverage = initial.figure("coverage")
    pooled = _pooled_years(c)
    rates = [
        (c.t("report.m.pass_rate"), certificates.pass_rate(c.con, c.f, c.s)),
        (c.t("report.m.first_attempt"), certificates.first_attempt_pass_rate(c.con, c.f, c.s)),
        (c.t("report.m.certification"), certificates.certification_rate(c.con, c.f, c.s)),
        (c.t("report.m.coverage", year=initial.period or "—"),
         make_rate(coverage.numerator, coverage.denominator, c.s.small_n) if coverage else None),
        (c.t("report.m.related", period=pooled), jobs.related),
        (c.t("report.m.partner", period=pooled), jobs.partner),
        (c.t("report.m.retention", period=pooled), jobs.retention),
        (c.t("report.m.dual_qualified"), team["dual_qualified_share"]),
    ]
    rate_table = pd.DataFrame([_rate_row(label, r) for label, r in rates])
    w = c.trend.waves
    money = c.money
    figures = [
        (c.t("report.m.salary", period=pooled), jobs.salary["value"], jobs.salary["n"], "money"),
        (c.t("report.m.satisfaction_latest", wave=int(w["wave"].iloc[-1]) if len(w) else "—"),
         float(w["mean_0_100"].iloc[-1]) if len(w) else None, int(w["respondents"].iloc[-1]) if len(w) else 0,
         "dec1"),
        (c.t("report.m.composite"), c.composite["mean"], c.composite["n"], "dec1"),
        (c.t("report.m.budget"), money["budget"], money["lines"], "money"),
        (c.t("report.m.spent"), money["spent"], None, "money"),
        (c.t("report.m.execution"), money["execution_rate"], money["lines_in_rate"], "pct"),
    ]
    other = pd.DataFrame([{"measure": m, "value": _num(v), "n": n} for m, v, n, _ in figures])
    return Section("summary", c.t("report.section.summary"), (
        Bullets("narrative", c.t("report.part.narrative"), tuple(narrative.sentences(items, c.lang, c.s.small_n))),
        Block("targets", c.t("report.part.targets"), table, (
            Col("metric", c.t("report.col.metric")),
            Col("period", c.t("report.col.period")),
            Col("value", c.t("report.col.value"), "row"),
            Col("basis", c.t("report.col.basis")),
            Col("interval", c.t("report.col.interval")),
            Col("change", c.t("report.col.change")),
            Col("target", c.t("report.col.target")),
            Col("status", c.t("report.col.status"), "status"),
            Col("years_missed", c.t("report.col.years_missed"), "int"),
        ), note=c.t("report.targets_note", n=c.s.small_n),
            row_formats=tuple("signed_pct" if h.kind == "relative" else "pct" for h in items)),
        Bullets("headline_notes", c.t("report.part.headline_notes"), tuple(notes)),
        Bullets("attention", c.t("report.part.attention"), tuple(a.text for a in focus), ordered=True,
                empty=c.t("report.attention_none")),
        Block("headline", c.t("report.part.headline"), rate_table, _rate_cols(c, c.t("report.col.measure")),
              note=_small_note(c)),
        Block("figures", c.t("report.part.figures"), other, (
            Col("measure", c.t("report.col.measure")), Col("value", c.t("report.col.value"), "row"),
            Col("n", c.t("report.col.n"), "int"),
        ), row_formats=tuple(fmt for *_, fmt in figures), note=_funding_note(c)),
    ), c.t("report.sheet.summary"))


def _funding_note(c: Context) -> str:
    return narrative.funding_note(c.money, c.lang)


# -- Certificates -----------------------------------------------------------------------------


def certificates_section(c: Context) -> Section:
    h = c.headline("pass_rate_improvement")
    unit = c.t(f"certificates.measure.{c.s.comparison_unit}")
    intro = narrative.sentence(h, c.lang, c.s.small_n)
    homogeneity = narrative.homogeneity_text(h.adjusted, c.lang)
    by_year = certificates.pass_rates_by(c.con, c.f, c.s, "year")
    dual = certificates.by_year(c.strata)
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
        "small_n": (dual["group_denominator"] < c.s.small_n) | (dual["baseline_denominator"] < c.s.small_n),
    })
    dual_labels = {k: _label(c, "dual", k) for k in ("in", "out")}
    within = narrative.within_rows(certificates.within(c.strata, c.s, "major"), c.lang)
    by_major = certificates.pass_rates_by(c.con, c.f, c.s, "major")
    title_year, title_dual = c.t("report.cert.by_year"), c.t("report.cert.dual_by_year", unit=unit)
    title_major, title_within = c.t("report.cert.by_major"), c.t("report.cert.within", unit=unit)
    year_title = c.t("report.col.year")
    pp = c.t("report.col.diff_pp")
    return Section("certificates", c.t("report.section.certificates"), (
        Text(intro),
        Block("cert_adjusted", c.t("report.cert.adjusted_title", unit=unit), narrative.adjusted_rows(h.adjusted, c.lang), (
            Col("method", c.t("report.col.method")),
            Col("relative", c.t("report.col.relative"), "signed_pct"),
            Col("diff_pp", pp, "signed_dec1"),
            Col("ci_low_pp", c.t("report.col.ci_low_pp"), "signed_dec1"),
            Col("ci_high_pp", c.t("report.col.ci_high_pp"), "signed_dec1"),
            Col("p", c.t("report.col.p_value"), "p"),
            Col("direction", c.t("report.col.direction")),
            Col("status", c.t("report.col.status"), "status"),
        ), note=" ".join(x for x in (narrative.adjustment_flag(h, c.lang), homogeneity) if x)),
        Block("cert_within", title_within, within, (
            Col("group", c.t("report.col.major")),
            Col("dual_rate", dual_labels["in"], "pct"), Col("dual_denominator", c.t("report.col.n"), "int"),
            Col("other_rate", dual_labels["out"], "pct"), Col("other_denominator", c.t("report.col.n"), "int"),
            Col("diff_pp", pp, "signed_dec1"), Col("ci_low_pp", c.t("report.col.ci_low_pp"), "signed_dec1"),
            Col("ci_high_pp", c.t("report.col.ci_high_pp"), "signed_dec1"),
            Col("direction", c.t("report.col.direction")), Col("small_n", c.t("report.col.small_n"), "flag"),
        ), note=_small_note(c)),
        Block("cert_year", title_year, by_year, _rate_cols(c, year_title, "year"),
              Chart("line", "group", ("rate",), title_year, True,
                    lambda: charts.rate_trend(by_year, c.lang, title=title_year, x_title=year_title)),
              _small_note(c)),
        Block("cert_dual", title_dual, wide, (
            Col("year", year_title, "year"),
            Col("dual_rate", dual_labels["in"], "pct"), Col("dual_n", c.t("report.col.n"), "int"),
            Col("other_rate", dual_labels["out"], "pct"), Col("other_n", c.t("report.col.n"), "int"),
            Col("relative", c.t("report.col.relative"), "signed_pct"),
            Col("small_n", c.t("report.col.small_n"), "flag"),
        ), Chart("line", "year", ("dual_rate", "other_rate"), title_dual, True,
                 lambda: charts.rate_trend(long, c.lang, title=title_dual, x_title=year_title, series="dual",
                                           series_labels=dual_labels)),
            c.t("report.cert.relative_note", target=narrative.pct(c.s.targets.pass_rate_improvement, 0))
            + " " + _small_note(c)),
        Block("cert_major", title_major, by_major.sort_values("rate", ascending=False, na_position="last"),
              _rate_cols(c, c.t("report.col.major")),
              Chart("bar", "group", ("rate",), title_major, True,
                    lambda: charts.rate_bars(by_major, c.lang, title=title_major)), _small_note(c)),
        *_joined_blocks(c),
        *_benchmark_blocks(c, "certificate_pass_rate"),
    ), c.t("report.sheet.certificates"))


def _joined_blocks(c: Context) -> tuple[Part, ...]:
    """Before and after, for every major that joined the program within the data."""
    rows = certificates.before_after_table(c.con, c.f, c.s, "major", c.s.comparison_unit)
    if rows.empty:
        return (Text(c.t("report.cert.joined_none"), c.t("report.cert.joined_title")),)
    pp = c.t("report.col.diff_pp")
    return (Block("cert_joined", c.t("report.cert.joined_title"), rows, (
        Col("group", c.t("report.col.major")), Col("join_cohort", c.t("report.col.join_cohort"), "year"),
        Col("before", c.t("report.col.before"), "pct"), Col("before_n", c.t("report.col.n"), "int"),
        Col("after", c.t("report.col.after"), "pct"), Col("after_n", c.t("report.col.n"), "int"),
        Col("change_pp", pp, "signed_dec1"), Col("control_pp", c.t("report.col.control_change"), "signed_dec1"),
        Col("did_pp", c.t("report.col.did"), "signed_dec1"), Col("did_low_pp", c.t("report.col.ci_low_pp"), "signed_dec1"),
        Col("did_high_pp", c.t("report.col.ci_high_pp"), "signed_dec1"),
        Col("small_n", c.t("report.col.small_n"), "flag"),
    ), note=c.t("report.cert.joined_note")),)


def _benchmark_blocks(c: Context, indicator: str) -> tuple[Part, ...]:
    """The school beside each loaded published series of ``indicator``: a table by year with
    the school's interval, the published value, the gap, and whether the published value
    lies outside the interval; a sentence on the latest year."""
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
            note = narrative.benchmark_text(result, c.t("bench.school", year=int(row["year"])),
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
                  lambda both=both, title=title: charts.benchmark_trend(
                      both, c.lang, title=title, x_title=c.t("bench.col.year"),
                      school_name=c.t("bench.school_series"), published_name=c.t("bench.published"))),
            note,
        ))
    return tuple(parts)


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as floats, missing where den is 0."""
    den = den.astype("float64")
    return num.astype("float64") / den.where(den > 0)


# -- Employment -------------------------------------------------------------------------------


def employment_section(c: Context) -> Section:
    target = c.s.targets.initial_employment
    h = c.headline("initial_employment")
    jobs = c.jobs
    related, partner, retention, salary = jobs.related, jobs.partner, jobs.retention, jobs.salary
    intro = [Text(narrative.sentence(h, c.lang, c.s.small_n))]
    if related.denominator:
        intro.append(Text(c.t("report.emp.intro", period=_pooled_years(c), related=narrative.pct(related.value),
                              partner=narrative.pct(partner.value), retention=narrative.pct(retention.value),
                              followed=f"{retention.denominator:,}",
                              salary="—" if salary["value"] is None else f"{salary['value']:,.0f}",
                              n=f"{salary['n']:,}")))
    else:
        intro.append(Text(c.t("report.emp.intro_none")))
    by_year = jobs.initial_by[jobs.initial_by["denominator"] > 0]
    by_major = c.jobs_by_major[c.jobs_by_major["denominator"] > 0]
    dest = employment.destinations_of(c.view.employment)  # counted in the headlines' base query
    statuses = [s for s in schema.EMPLOYMENT_STATUSES if s in set(dest["status"])]
    wide = (dest.pivot_table(index="graduation_year", columns="status", values="graduates", aggfunc="sum",
                             fill_value=0).reindex(columns=statuses).reset_index()
            if len(dest) else pd.DataFrame({"graduation_year": []}))
    status_labels = {s: _label(c, "status", s) for s in schema.EMPLOYMENT_STATUSES}
    t_year, t_major = c.t("report.emp.by_year"), c.t("report.emp.by_major", period=_pooled_years(c))
    t_dest = c.t("report.emp.destinations")
    coverage = Col("coverage", c.t("report.col.coverage"), "pct")
    grad_year = c.t("report.col.graduation_year")
    return Section("employment", c.t("report.section.employment"), (
        *intro,
        Block("emp_year", t_year, by_year, _rate_cols(c, grad_year, "year", (coverage,)),
              Chart("line", "group", ("rate",), t_year, True,
                    lambda: charts.rate_trend(by_year, c.lang, title=t_year, x_title=grad_year, target=target)),
              c.t("report.emp.note", target=narrative.pct(target, 0)) + " " + _small_note(c)),
        Block("emp_major", t_major, by_major.sort_values("rate", ascending=False, na_position="last"),
              _rate_cols(c, c.t("report.col.major"), extra=(coverage,)),
              Chart("bar", "group", ("rate",), t_major, True,
                    lambda: charts.rate_bars(by_major, c.lang, title=t_major, target=target)), _small_note(c)),
        Block("emp_dest", t_dest, wide, (
            Col("graduation_year", grad_year, "year"),
            *(Col(s, status_labels[s], "int") for s in statuses),
        ), Chart("stacked", "graduation_year", tuple(statuses), t_dest, False,
                 lambda: charts.stacked_bars(dest, c.lang, x="graduation_year", color="status", y="graduates",
                                             title=t_dest, x_title=grad_year, y_title=c.t("report.col.graduates"),
                                             color_labels=status_labels)) if statuses else None),
        *_benchmark_blocks(c, "initial_employment_rate"),
    ), c.t("report.sheet.employment"))


# -- Satisfaction -----------------------------------------------------------------------------


def satisfaction_section(c: Context) -> Section:
    h = c.headline("satisfaction_improvement")
    w = c.trend.waves
    intro = [Text(narrative.sentence(h, c.lang, c.s.small_n))]
    intro += [Text(line) for line in narrative.secondary_texts(h, c.lang)]
    dims = satisfaction.waves(c.con, c.f, c.s, "dimension")
    order = [d for d in schema.SATISFACTION_DIMENSIONS if d in set(dims["dimension"])]
    wide = (dims.pivot_table(index="wave", columns="dimension", values="mean_0_100", aggfunc="first")
            .reindex(columns=order).reset_index() if len(dims) else pd.DataFrame({"wave": []}))
    dim_labels = {d: _label(c, "dimension", d) for d in schema.SATISFACTION_DIMENSIONS}
    t_waves, t_dims = c.t("report.sat.waves"), c.t("report.sat.dimensions")
    score = c.t("report.col.mean_0_100")
    wave_title = c.t("report.col.wave")
    return Section("satisfaction", c.t("report.section.satisfaction"), (
        *intro,
        Block("sat_waves", t_waves, w, (
            Col("wave", wave_title, "year"),
            Col("mean_0_100", score, "dec1"),
            Col("ci_low", c.t("report.col.ci_low"), "dec1"),
            Col("ci_high", c.t("report.col.ci_high"), "dec1"),
            Col("share_satisfied", c.t("report.col.share_satisfied"), "pct"),
            Col("respondents", c.t("report.col.respondents"), "int"),
            Col("enterprises", c.t("report.col.enterprises"), "int"),
            Col("change_prev", c.t("report.col.change_prev"), "signed_dec1"),
            Col("relative_first", c.t("report.col.relative_first"), "signed_pct"),
            Col("small_n", c.t("report.col.small_n"), "flag"),
        ), Chart("line", "wave", ("mean_0_100",), t_waves, False,
                 lambda: charts.lines(w, c.lang, x="wave", y="mean_0_100", title=t_waves, x_title=wave_title,
                                      y_title=score)),
            c.t("report.sat.note", threshold=f"{c.s.satisfied_threshold:g}") + " " + _small_note(c)),
        Block("sat_dims", t_dims, wide, (
            Col("wave", wave_title, "year"), *(Col(d, dim_labels[d], "dec1") for d in order),
        ), Chart("line", "wave", tuple(order), t_dims, False,
                 lambda: charts.lines(dims, c.lang, x="wave", y="mean_0_100", color="dimension", title=t_dims,
                                      x_title=wave_title, y_title=score, color_labels=dim_labels))
            if order else None),
    ), c.t("report.sheet.satisfaction"))


# -- Mentors ------------------------------------------------------------------------------------


def mentors_section(c: Context) -> Section:
    parts: list[Part] = [Text(narrative.sentence(c.headline(f"{kind}_compliance"), c.lang, c.s.small_n))
                         for kind in mentors.MENTOR_TYPES]
    rows = []
    for kind, res in c.compliance.items():
        h = c.headline(f"{kind}_compliance")
        basis = h.basis[0] if h.basis else None
        r = make_rate(basis.numerator, basis.denominator, c.s.small_n) if basis else None
        label = c.t(f"report.men.rule.{kind}", n=res.threshold) + f" ({narrative.period_text(h.period, c.lang)})"
        row = _rate_row(label, r)
        row["non_compliant"] = len(res.non_compliant) if res.rate is not None else None
        rows.append(row)
    team = c.team
    for key in ("school_rule_share", "enterprise_rule_share", "dual_qualified_share"):
        rows.append(_rate_row(c.t(f"report.men.{key}", school=f"{c.s.school_mentor_min_years:g}",
                                  enterprise=f"{c.s.enterprise_mentor_min_years:g}"), team[key])
                    | {"non_compliant": None})
    parts.append(Block("men_rules", c.t("report.men.rules"), pd.DataFrame(rows),
                       _rate_cols(c, c.t("report.col.rule"),
                                  extra=(Col("non_compliant", c.t("report.col.non_compliant"), "int"),)),
                       note=c.t("report.men.rules_note") + " " + _small_note(c)))
    for kind, res in c.compliance.items():
        per = mentors.compliance_by_period(c.con, c.f, c.s, kind)
        per = per.assign(label=[schema.period_label(p, c.lang) for p in per["period"]],
                         order=[f"{i:03d}" for i in range(len(per))], small_n=per["cells"] < c.s.small_n)
        title = c.t(f"report.men.by_period.{kind}")

        def figure(per: pd.DataFrame = per, title: str = title) -> object:
            fig = charts.lines(per, c.lang, x="order", y="share", title=title,
                               y_title=c.t("report.col.share_compliant"), y_range=(0, 1),
                               target=c.s.targets.compliance)
            fig.update_xaxes(tickmode="array", tickvals=per["order"].tolist(), ticktext=per["label"].tolist())
            fig.update_yaxes(tickformat=".0%")
            return fig

        parts.append(Block(f"men_period_{kind}", title, per, (
            Col("label", c.t("report.col.period")),
            Col("share", c.t("report.col.share_compliant"), "pct"),
            Col("cells", c.t("report.col.mentors"), "int"),
            Col("small_n", c.t("report.col.small_n"), "flag"),
        ), Chart("line", "label", ("share",), title, True, figure) if len(per) else None))
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


# -- Students -----------------------------------------------------------------------------------


def students_section(c: Context) -> Section:
    summary_ = c.composite
    theory, skill, prof = (f"{100 * w:.0f}%" for w in c.s.weights)
    if summary_["n"]:
        intro = c.t("report.stu.intro", n=f"{summary_['n']:,}", mean=f"{summary_['mean']:.1f}",
                    median=f"{summary_['median']:.1f}", missing=f"{summary_['missing']:,}",
                    theory=theory, skill=skill, prof=prof)
    else:
        intro = c.t("report.stu.intro_none", theory=theory, skill=skill, prof=prof)
    bands = pd.DataFrame([_rate_row(_label(c, "band", b), r) for b, r in summary_["bands"].items()])
    stages = students.distribution_by(c.con, c.f, c.s, "stage")
    stages = stages.assign(label=[_label(c, "stage", v) for v in stages["group"]])
    band_labels = {b: _label(c, "band", b) for b in students.BANDS}
    t_bands, t_stages = c.t("report.stu.bands"), c.t("report.stu.by_stage")
    long = stages.melt(id_vars=["label"], value_vars=list(students.BANDS), var_name="band", value_name="count")
    return Section("students", c.t("report.section.students"), (
        Text(intro),
        Block("stu_bands", t_bands, bands, _rate_cols(c, c.t("report.col.band")),
              Chart("col", "group", ("rate",), t_bands, True,
                    lambda: charts.bars(bands, c.lang, x="group", y=("rate",), title=t_bands, percent=True,
                                        y_title=c.t("report.col.share"))) if summary_["n"] else None,
              c.t("report.stu.bands_note")),
        Block("stu_stages", t_stages, stages, (
            Col("label", c.t("report.col.stage")),
            Col("n", c.t("report.col.students_n"), "int"),
            Col("mean", c.t("report.col.mean"), "dec1"),
            Col("median", c.t("report.col.median"), "dec1"),
            *(Col(b, band_labels[b], "int") for b in students.BANDS),
            Col("missing", c.t("report.col.missing"), "int"),
        ), Chart("stacked", "label", tuple(students.BANDS), t_stages, False,
                 lambda: charts.stacked_bars(long, c.lang, x="label", color="band", y="count", title=t_stages,
                                             y_title=c.t("report.col.students_n"), color_labels=band_labels))
            if len(stages) else None),
    ), c.t("report.sheet.students"))


# -- Funding --------------------------------------------------------------------------------------


def funding_section(c: Context) -> Section:
    totals = c.money
    if totals["budget"]:
        intro = c.t("report.fund.intro", budget=f"{totals['budget']:,.0f}", spent=f"{totals['spent'] or 0:,.0f}",
                    rate=narrative.pct(totals["execution_rate"])) + " " + _funding_note(c)
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
            chart = Chart("col", "group", ("budget", "spent"), title, False, lambda df=df, title=title: charts.bars(
                df, c.lang, x="group", y=("budget", "spent"), title=title, x_title=c.t("report.col.year"),
                y_labels={"budget": c.t("report.col.budget"), "spent": c.t("report.col.spent")}))
        elif by == "source":
            chart = Chart("bar", "group", ("budget_share",), title, True,
                          lambda df=df, title=title: charts.donut(df, c.lang, names="group", values="budget",
                                                                  title=title))
        else:
            chart = Chart("bar", "group", ("execution_rate",), title, True, lambda df=df, title=title: charts.bars(
                df, c.lang, x="group", y=("execution_rate",), title=title, percent=True, horizontal=True,
                y_title=c.t("report.col.execution_rate")))
        group = Col("group", c.t(f"report.col.{by}"), "year" if by == "year" else "text")
        parts.append(Block(f"fund_{by}", title, df, (group, *money_cols), chart if len(df) else None,
                           c.t("report.fund.rate_note")))
    return Section("funding", c.t("report.section.funding"), tuple(parts), c.t("report.sheet.funding"))


# -- Methods --------------------------------------------------------------------------------------


def methods_parts(lang: str, s: Settings) -> tuple[Part, ...]:
    """The methods appendix generated from docs/METHODS(.zh).md, with the settings in force."""
    parts: list[Part] = []
    for sec in methods.sections(lang):
        paragraphs = [text for kind, text in sec.plain if kind == "p"]
        bullets = tuple(text for kind, text in sec.plain if kind == "li")
        if sec.key == "intro":
            parts += [Text(p) for p in paragraphs]
            continue
        if paragraphs:
            parts.append(Text(" ".join(paragraphs), sec.title))
        if bullets:
            parts.append(Bullets(f"method_{sec.key}", "" if paragraphs else sec.title, bullets))
    settings = pd.DataFrame(methods.settings_rows(s, lang), columns=["setting", "value"])
    parts.append(Block("settings", t("report.meth.settings", lang), settings, (
        Col("setting", t("report.col.setting", lang)), Col("value", t("report.col.value", lang)))))
    return tuple(parts)


def methods_section(c: Context) -> Section:
    coverage = pd.DataFrame(db.table_coverage(c.con, c.f.scope))
    coverage["label"] = coverage["zh" if c.lang == "zh" else "en"]
    batches = visible_batches(c.con, c.f.scope)
    batches = batches.assign(
        table_label=[schema.table(x).label(c.lang) if x in _TABLE_NAMES else x for x in batches["target_table"]],
        status_label=[schema.label("batch_status", x, c.lang) for x in batches["status"]],
    )
    return Section("methods", c.t("report.section.methods"), (
        *methods_parts(c.lang, c.s),
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


def visible_batches(con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None) -> pd.DataFrame:
    """The import history (``list_batches``); for a scoped user only the batches that last
    wrote a row they may see (another school's file name would otherwise show)."""
    batches = list_batches(con)
    if scope is None:
        return batches
    scoped = Filters(scope=scope)
    parts, params = [], {}
    for tb in schema.TABLES:
        where, p = scoped.where(tb.name, "x")
        parts.append(f"SELECT x.{db.quote_ident(db.BATCH_COLUMN)} FROM {db.quote_ident(tb.name)} x WHERE {where}")
        params |= p
    visible = {r[0] for r in db.rows(con, " UNION ".join(parts), params)}
    return batches[batches["batch_id"].isin(visible)].reset_index(drop=True)


_TABLE_NAMES = {tb.name for tb in schema.TABLES}
BUILDERS = {
    "actions": actions_section,
    "summary": summary,
    "certificates": certificates_section,
    "employment": employment_section,
    "satisfaction": satisfaction_section,
    "mentors": mentors_section,
    "students": students_section,
    "funding": funding_section,
    "methods": methods_section,
}


def data_date(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the data was last changed: the newest import still loaded (``None`` without any)."""
    batches = list_batches(con)
    loaded = batches[batches["status"] == "loaded"]
    return None if loaded.empty else pd.Timestamp(loaded["imported_at"].max()).to_pydatetime()


def school_filter_only(f: Filters) -> bool:
    """Whether ``f`` picks a school without being scoped to it: then students and mentors are the
    school's, but satisfaction and funding, which carry no school, are the whole program's (the
    pack says so; a user scoped to the school gets that school's enterprises and no funding)."""
    return f.school is not None and f.scope != (f.school,)


def build_report(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str, now: dt.datetime | None = None,
    sections: Sequence[str] = SECTIONS,
) -> Report:
    """Every number, sentence and chart of the meeting pack for filter ``f`` in ``lang``
    (the user's scope is ``f.scope``); ``sections`` picks a subset, in pack order."""
    unknown = [key for key in sections if key not in BUILDERS]
    if unknown:
        raise ValueError(f"sections must be among {SECTIONS}, not {unknown}")
    c = Context(con, f, s, lang)
    when = data_date(con)
    now = now or dt.datetime.now().replace(microsecond=0)
    return Report(
        lang=lang,
        title=c.t("report.title"),
        caption=c.t("report.caption", caption=f.caption(lang, filter_options(con, f.scope).names))
        + (" · " + c.t("report.school-filter") if school_filter_only(f) else ""),
        data_date=c.t("report.data_date", date=when.strftime("%Y-%m-%d %H:%M")) if when else c.t("report.no_imports"),
        generated=c.t("report.generated", date=now.strftime("%Y-%m-%d %H:%M")),
        sections=tuple(BUILDERS[key](c) for key in SECTIONS if key in sections),
    )
