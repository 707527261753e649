"""How a headline is written: its value, basis, interval, status, change and sentence, in
Chinese or English, once for every screen.

The overview tiles and the meeting view, each page's headline tile, both report formats
and the terminal summary all format ``analytics.metrics.headlines.Headline`` objects with
these functions, so the words and the numbers are the same everywhere. ``attention``
lists what needs attention most, naming a group only when its interval excludes the
rate it is compared with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.filters import Filters
from analytics.i18n import t
from analytics.metrics import certificates, employment, headlines, mentors
from analytics.metrics.headlines import Count, Figure, Headline, pick
from analytics.stats import Rate


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage ("93.1%"), or an em dash for no value."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.{digits}f}%"


def signed(value: float | None, scale: float = 100, unit: str = "%", digits: int = 1) -> str:
    """A signed figure ("+27.8%", "-3.1"), or an em dash."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value * scale:+.{digits}f}{unit}"


def p_text(p: float | None) -> str:
    """A p-value as people write it ("< 0.001", "0.030"), or an em dash."""
    if p is None or pd.isna(p):
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def count(n: int | None) -> str:
    """A thousands-separated count."""
    return "—" if n is None else f"{n:,}"


def period_text(period: str, lang: str) -> str:
    """A period code or span ("2023-09–2025-06") with each end as ``schema.period_label`` says it."""
    if not period:
        return "—"
    parts = [schema.period_label(p, lang) for p in period.split("–")]
    return t("headline.span", lang, first=parts[0], last=parts[1]) if len(parts) == 2 else parts[0]


# -- One headline ------------------------------------------------------------------------------


def label(h: Headline, lang: str) -> str:
    """The headline's name ("Pass-rate improvement (dual vs others)")."""
    return schema.label("metric", h.key, lang)


def value_text(h: Headline, lang: str) -> str:
    """The value as shown on every screen: "+27.8%" for an improvement, "94.6%" for a rate."""
    if h.value is None:
        return "—"
    return signed(h.value) if h.kind == "relative" else pct(h.value)


def _rate_part(c: Count) -> str:
    return f"{count(c.numerator)}/{count(c.denominator)}"


def basis_text(h: Headline, lang: str) -> str:
    """What the value is computed from, with its counts and period."""
    if not h.basis:
        return t("headline.basis.none", lang)
    if h.key == "pass_rate_improvement":
        dual, other = h.basis
        return t("headline.basis.pass_rate_improvement", lang, dual=_rate_part(dual), other=_rate_part(other),
                 unit=t(f"headline.unit.{dual.unit}", lang), period=period_text(h.period, lang))
    if h.key == "initial_employment":
        (placed,) = h.basis
        return t("headline.basis.initial_employment", lang, rate=_rate_part(placed), year=h.period)
    if h.key == "satisfaction_improvement":
        if len(h.basis) == 1:
            (only,) = h.basis
            return t("headline.basis.satisfaction_one", lang, wave=only.period, n=count(only.denominator))
        first, latest = h.basis
        return t("headline.basis.satisfaction_improvement", lang, first=first.period, first_n=count(first.denominator),
                 latest=latest.period, latest_n=count(latest.denominator))
    (cells,) = h.basis
    return t("headline.basis.compliance", lang, rate=_rate_part(cells), unit=t(f"headline.unit.{cells.unit}", lang),
             period=period_text(h.period, lang))


def interval_text(h: Headline, lang: str) -> str:
    """The 95% interval as shown: of the difference (pp), of the change in points, or of the rate."""
    if h.ci_low is None or h.ci_high is None:
        return ""
    if h.interval_of == "diff":
        return t("headline.interval.diff", lang, diff=signed(h.diff, unit=""), low=signed(h.ci_low, unit=""),
                 high=signed(h.ci_high, unit=""))
    if h.interval_of == "points":
        means = h.figure("points").extra
        return t("headline.interval.points", lang, first=f"{means['first']:.1f}", latest=f"{means['latest']:.1f}",
                 diff=signed(h.diff, 1, ""), low=signed(h.ci_low, 1, ""), high=signed(h.ci_high, 1, ""))
    return t("headline.interval.value", lang, low=pct(h.ci_low), high=pct(h.ci_high))


def status_text(h: Headline, lang: str) -> str:
    """"Met" / "Not met" / "Not met (near the target)" / "Not enough data"."""
    return t("headline.status.near" if h.near else f"headline.status.{h.status}", lang)


def target_text(h: Headline, lang: str) -> str:
    """"target ≥ +18%" / "target ≥ 90%" (satisfaction: "… relative change of the mean")."""
    value = signed(h.target, digits=0) if h.kind == "relative" else pct(h.target, 0)
    key = "headline.target_relative_mean" if h.key == "satisfaction_improvement" else "headline.target"
    return t(key, lang, value=value)


def change_parts(h: Headline, lang: str) -> tuple[str, str, str] | None:
    """The arrow as (delta, description, arrow): "+2.3 pp", "vs 2024", ``auto`` — or ``off``
    with "similar to 2024" when the interval of the change includes 0."""
    ch = h.change
    if ch is None:
        return None
    against = period_text(ch.against, lang)
    delta = t("headline.pp", lang, value=signed(ch.diff, unit=""))
    if ch.direction == "similar":
        return delta, t("headline.change.similar", lang, against=against), "off"
    return delta, t("headline.change.vs", lang, against=against), "auto"


def change_text(h: Headline, lang: str) -> str:
    """The arrow in words: "up 2.3 pp on 2024 (95% CI …)" or "similar to 2024 (+1.2 pp, …)"."""
    ch = h.change
    if ch is None:
        return ""
    word = ch.direction or "similar"
    return t(f"headline.change.{word}_text", lang, against=period_text(ch.against, lang),
             diff=signed(ch.diff, unit=""), size=f"{abs(ch.diff) * 100:.1f}", low=signed(ch.ci_low, unit=""),
             high=signed(ch.ci_high, unit=""))


def _figure_text(h: Headline, x: Figure, lang: str) -> str:
    if x.key == "adjusted" and h.adjusted is not None and h.adjusted.mh.informative == 0 and h.value is not None:
        return t("headline.secondary.adjusted_none", lang)
    if x.value is None:
        return ""
    small = " " + t("headline.small_mark", lang) if x.small else ""
    if x.key == "latest_year":
        return t("headline.secondary.latest_year", lang, year=x.period, value=signed(x.value),
                 diff=signed(x.extra.get("diff"), unit=""), low=signed(x.ci_low, unit=""),
                 high=signed(x.ci_high, unit="")) + small
    if x.key == "adjusted":
        text = t("headline.secondary.adjusted", lang, value=signed(x.value), diff=signed(x.extra.get("diff"), unit=""),
                 low=signed(x.ci_low, unit=""), high=signed(x.ci_high, unit=""),
                 direction=t(f"headline.direction.pass.{x.direction or 'none'}", lang))
        if x.extra.get("changes_verdict"):
            text += " " + t("headline.secondary.adjusted_changes", lang,
                            status=t(f"headline.status.{x.extra['status']}", lang),
                            direction=t(f"headline.direction.pass.{x.direction or 'none'}", lang))
        return text
    if x.key == "coverage":
        return t("headline.secondary.coverage", lang, value=pct(x.value),
                 rate=f"{count(x.numerator)}/{count(x.denominator)}")
    if x.key == "pooled":
        if x.period == h.period:  # one year: the pooled figure is the headline itself
            return ""
        return t("headline.secondary.pooled", lang, period=period_text(x.period, lang), value=pct(x.value),
                 rate=f"{count(x.numerator)}/{count(x.denominator)}")
    if x.key == "points":  # the headline's own interval (interval_text) says it
        return ""
    if x.key == "share_pp":
        return t("headline.secondary.share_pp", lang, first=pct(x.extra["first"]), latest=pct(x.extra["latest"]),
                 diff=signed(x.value, unit=""), low=signed(x.ci_low, unit=""), high=signed(x.ci_high, unit=""))
    raise ValueError(f"unknown secondary figure {x.key!r}")


def secondary_texts(h: Headline, lang: str, brief: bool = False) -> list[str]:
    """Each secondary figure in one line (the latest year alone, the adjusted comparison,
    coverage, the pooled years, the change in points and in the share satisfied); ``brief``
    keeps what a tile has room for: the first line (and the adjusted comparison beside the
    crude one)."""
    lines = [(x.key, text) for x in h.secondary if (text := _figure_text(h, x, lang))]
    if h.key == "satisfaction_improvement" and h.value is not None and not brief:
        lines.append(("target_uses", t("headline.secondary.target_uses", lang)))
    if brief:
        lines = [line for i, line in enumerate(lines) if i == 0 or line[0] == "adjusted"]
    return [text for _, text in lines]


def adjustment_flag(h: Headline, lang: str) -> str:
    """The warning when the adjusted comparison changes the verdict ("" otherwise)."""
    x = h.figure("adjusted")
    if x is None or not x.extra.get("changes_verdict"):
        return ""
    return t("headline.flag.adjusted", lang, status=t(f"headline.status.{x.extra['status']}", lang),
             direction=t(f"headline.direction.pass.{x.direction or 'none'}", lang))


def sentence(h: Headline, lang: str, small_n: int) -> str:
    """One full sentence for the headline, saying "not enough data" where the status does."""
    if h.value is None:
        return t(f"headline.none.{h.key}", lang)
    if h.status == "no_data":
        return t(f"headline.small.{h.key}", lang, n=count(h.n), small_n=small_n, value=value_text(h, lang),
                 period=period_text(h.period, lang))
    verdict = t("headline.verdict.near" if h.near else f"headline.verdict.{h.status}", lang,
                target=target_text(h, lang))
    params: dict[str, object] = {"value": value_text(h, lang), "period": period_text(h.period, lang),
                                 "verdict": verdict, "interval": interval_text(h, lang)}
    if h.key == "pass_rate_improvement":
        dual, other = h.basis
        params |= {"dual": pct(dual.numerator / dual.denominator), "other": pct(other.numerator / other.denominator),
                   "unit": t(f"headline.unit.{dual.unit}", lang),
                   "direction": t(f"headline.direction.pass.{h.direction or 'none'}", lang)}
    elif h.key == "satisfaction_improvement":
        params |= {"direction": t(f"headline.direction.satisfaction.{h.direction or 'none'}", lang,
                                  first=h.basis[0].period)}
    change = change_text(h, lang)
    text = t(f"headline.say.{h.key}", lang, **params)
    flag = adjustment_flag(h, lang)
    return text + (t("headline.join", lang) + change if change else "") + t("headline.end", lang) + (
        " " + flag if flag else "")


def sentences(items: Sequence[Headline], lang: str, small_n: int) -> list[str]:
    """One full sentence per headline."""
    return [sentence(h, lang, small_n) for h in items]


def funding_note(totals: dict, lang: str) -> str:
    """What the execution rate of ``funding.totals`` leaves out, said beside the rate ("" without lines)."""
    if not totals["lines"]:
        return ""
    if not totals["lines_without_spent"]:
        return t("report.fund.all_lines", lang, n=totals["lines"])
    return t("report.fund.left_out", lang, n=totals["lines_without_spent"], lines=totals["lines"],
             budget=f"{totals['budget_without_spent'] or 0:,.0f}")


# -- Comparisons as tables (the certificates page and the report) -----------------------------------


def _pp(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else 100 * value


def adjusted_rows(adj: certificates.Adjusted, lang: str) -> pd.DataFrame:
    """The crude and the Mantel–Haenszel comparison as two rows: [method, relative, diff_pp,
    ci_low_pp, ci_high_pp, p, direction (words), status (code)]."""
    crude, mh = adj.crude, adj.mh
    strata = t("report.cert.strata", lang, by=" × ".join(t(f"report.cert.stratum.{b}", lang)
                                                         for b in ("year", *adj.strata_by)))
    return pd.DataFrame([
        {"method": t("report.cert.crude", lang), "relative": crude.relative, "diff_pp": _pp(crude.diff),
         "ci_low_pp": _pp(crude.ci_low), "ci_high_pp": _pp(crude.ci_high), "p": crude.p_value,
         "direction": t(f"headline.direction_short.{adj.direction or 'none'}", lang), "status": adj.status},
        {"method": strata, "relative": mh.relative, "diff_pp": _pp(mh.rd), "ci_low_pp": _pp(mh.rd_low),
         "ci_high_pp": _pp(mh.rd_high), "p": mh.p_value,
         "direction": t(f"headline.direction_short.{adj.adjusted_direction or 'none'}", lang),
         "status": adj.adjusted_status},
    ])


def homogeneity_text(adj: certificates.Adjusted, lang: str) -> str:
    """The Breslow–Day test in one sentence (or why it cannot be run)."""
    mh = adj.mh
    if mh.homogeneity_p is None:
        return t("report.cert.homogeneity_none", lang, strata=mh.informative, total=mh.strata)
    return t("report.cert.homogeneity", lang, p=p_text(mh.homogeneity_p), df=mh.homogeneity_df, strata=mh.informative, total=mh.strata)


def within_rows(within: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``certificates.within`` with differences in percentage points and the verdict in words."""
    return within.assign(
        diff_pp=within["diff"] * 100, ci_low_pp=within["ci_low"] * 100, ci_high_pp=within["ci_high"] * 100,
        direction=[t(f"headline.direction_short.{x or 'none'}", lang) for x in within["direction"]])


# -- Benchmarks ------------------------------------------------------------------------------------


def benchmark_text(result: dict, school: str, benchmark: str, lang: str = "zh") -> str:
    """One sentence for a ``metrics.benchmarks.compare`` result, naming both sides as given."""
    diff = "" if result["diff_pp"] is None else f"{abs(result['diff_pp']):.1f}"
    return t(f"benchmark.compare.{result['direction']}", lang, school=school, benchmark=benchmark, diff=diff)


# -- What needs attention -------------------------------------------------------------------------


@dataclass(frozen=True)
class Attention:
    """One thing that needs attention: ``text`` is the sentence, ``subject`` the part to emphasise;
    ``metric`` and ``figure`` (filter fields set on top of the page's) name the figure an
    action on it would target."""

    key: str
    subject: str
    text: str
    shortfall: float  # distance below the target or the overall rate (fraction), for ranking
    metric: str | None = None
    figure: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AttentionFacts:
    """What the attention list reads besides :class:`~analytics.metrics.headlines.Overview`: the
    leadership group's overdue actions, the pass rates by major and the overall pass rate."""

    overdue: tuple[dict, ...]
    exams: pd.DataFrame = field(hash=False, compare=False)
    overall: Rate | None = None


def attention_facts(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date | None = None
) -> AttentionFacts:
    """The small queries of the attention list (the overview's shared figures aside)."""
    from analytics import decisions  # decisions writes with this module's period words

    return AttentionFacts(tuple(decisions.overdue(con, f, s, day)),
                          certificates.pass_rates_by(con, f, s, "major", "attempt"),
                          certificates.pass_rate(con, f, s))


def attention(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str, limit: int | None = 3,
    day: dt.date | None = None,
) -> list[Attention]:
    """What needs attention most (see :func:`attention_of`), computed from the store."""
    return attention_of(headlines.overview(con, f, s), attention_facts(con, f, s, day), s, lang, limit)


def attention_of(
    view: headlines.Overview, facts: AttentionFacts, s: Settings, lang: str, limit: int | None = 3
) -> list[Attention]:
    """What needs attention most, largest shortfall first: the major whose initial
    employment interval lies wholly below the target, the major whose pass-rate interval
    lies wholly below the overall pass rate, and the mentors who miss their communication
    rule. A group is singled out only when its 95% interval excludes the rate it is
    compared with (so never a small group by chance), and never below the small-group size.
    The leadership group's overdue actions (on the store's today) come first, most
    overdue first (issue 19). Reads the overview's shared figures, so the list never
    reruns the employment or compliance queries of the tiles."""
    late = [Attention("overdue_action", row["title"], t(
        "narrative.attention.overdue_action", lang, title=row["title"], days=row["days_overdue"],
        side=schema.label("owner_side", row["owner_side"], lang), due=row["due_on"].isoformat()), 0.0)
        for row in facts.overdue]
    items: list[Attention] = []
    target = s.targets.initial_employment
    majors = employment.by_group(view.employment, s)
    majors = majors[~majors["small_n"].astype(bool) & majors["rate"].notna() & (majors["ci_high"] < target)]
    if len(majors):
        worst = majors.sort_values("rate").iloc[0]
        items.append(Attention("major_employment", str(worst["group"]), t(
            "narrative.attention.major_employment", lang, major=worst["group"], value=pct(worst["rate"]),
            low=pct(worst["ci_low"]), high=pct(worst["ci_high"]), target=pct(target, 0)),
            target - float(worst["rate"]), "initial_employment", (("major", str(worst["group"])),)))

    exams, overall = facts.exams, facts.overall
    if overall is not None and overall.value is not None:
        low = exams[~exams["small_n"].astype(bool) & exams["rate"].notna() & (exams["ci_high"] < overall.value)]
        if len(low) and len(exams) > 1:
            worst = low.sort_values("rate").iloc[0]
            items.append(Attention("major_pass", str(worst["group"]), t(
                "narrative.attention.major_pass", lang, major=worst["group"], value=pct(worst["rate"]),
                low=pct(worst["ci_low"]), high=pct(worst["ci_high"]), overall=pct(overall.value)),
                overall.value - float(worst["rate"]), "certificate_pass_rate", (("major", str(worst["group"])),)))

    for kind in mentors.MENTOR_TYPES:
        result = view.compliance[kind]
        bad = result.non_compliant
        if result.rate is None or bad.empty:
            continue
        subject = t(f"narrative.attention.{kind}_subject", lang, n=len(bad))
        names = t("narrative.list_sep", lang).join(bad["mentor_name"].fillna(bad["mentor_id"]).head(3))
        items.append(Attention(f"{kind}_mentors", subject, t(
            f"narrative.attention.{kind}_mentors", lang, subject=subject, names=names,
            rule=t(f"narrative.rule.{kind}", lang, n=result.threshold)),
            s.targets.compliance - (result.rate.value or 0.0), f"{kind}_compliance"))
    items.sort(key=lambda a: -a.shortfall)
    items = late + items
    return items if limit is None else items[:limit]


# -- The terminal summary (``metrics`` without --json) ----------------------------------------------


def _rate_text(r: dict, lang: str) -> str:
    """"73.2% (1,513/2,067, 95% CI 71.2%–75.1%)", flagged when the group is small."""
    if r["value"] is None:
        return t("summary.no_data", lang)
    text = (f"{pct(r['value'])} ({count(r['numerator'])}/{count(r['denominator'])}, "
            + t("headline.interval.value", lang, low=pct(r["ci_low"]), high=pct(r["ci_high"])) + ")")
    return text + (" " + t("summary.small_n", lang) if r["small_n"] else "")


def terminal_text(data: dict, f: Filters, lang: str, items: Sequence[Headline]) -> str:
    """``metrics`` without ``--json``: the headline dict of ``analytics.metrics.summary`` as a
    few readable lines, the headlines written exactly as on the dashboard and in the report."""
    lines = [f"{t('summary.title', lang)} · {f.caption(lang)}"]

    def line(key: str, value: str, **params: object) -> None:
        lines.append(f"{t(f'summary.{key}', lang, **params)}: {value}")

    lines.append(t("summary.headlines", lang))
    for h in items:
        lines.append(f"  {label(h, lang)} · {period_text(h.period, lang)}: "
                     f"{value_text(h, lang)} · {status_text(h, lang)} "
                     f"({target_text(h, lang)})")
        for part in (basis_text(h, lang), interval_text(h, lang), change_text(h, lang),
                     *secondary_texts(h, lang)):
            if part:
                lines.append(f"    {part}")
        if h.years_missed:
            lines.append(f"    {t('summary.years_missed', lang, n=h.years_missed)}")
    for key in ("certificate_pass_rate", "first_attempt_pass_rate", "certification_rate"):
        line(key, _rate_text(data[key], lang))
    for key in ("related_to_major_rate", "partner_placement_rate", "retention_rate"):
        line(key, _rate_text(data[key], lang), period=_span(items, "initial_employment", lang))
    salary = data["median_monthly_salary"]
    line("median_monthly_salary",
         t("summary.no_data", lang) if salary["value"] is None else f"{salary['value']:,.0f} (n={salary['n']})",
         period=_span(items, "initial_employment", lang))
    waves = data["satisfaction"]["waves"]
    line("satisfaction", " → ".join(
        f"{w['wave']} {w['mean_0_100']:.1f} (n={w['respondents']})" for w in waves
    ) or t("summary.no_data", lang))
    return "\n".join(lines)


def _span(items: Sequence[Headline], key: str, lang: str) -> str:
    """The years a pooled figure covers: the headline's series from first to last period."""
    series = pick(items, key).series
    return period_text(f"{series[0].period}–{series[-1].period}" if len(series) > 1 else
                                 (series[0].period if series else ""), lang)
