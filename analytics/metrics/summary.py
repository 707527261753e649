"""The headline figures of every area in one JSON-ready dict (``metrics --json``, overview).

Keys are those of issue 3. Every rate is ``{"value", "numerator", "denominator",
"ci_low", "ci_high", "small_n"}`` with fractions; ``None`` where there is no data.
``initial_employment_rate`` is the latest graduation year in the filter (its year under
``graduation_year``); the other employment rates pool the filter's graduation years.
"""

from __future__ import annotations

import math

import duckdb

from analytics.config import Settings
from analytics.schema import MENTOR_TYPES
from analytics.filters import Filters
from analytics.i18n import t
from analytics.metrics import (
    certificates,
    employment,
    funding,
    mentors,
    satisfaction,
    students,
    targets,
)


def _number(value: object) -> float | None:
    """A plain float for JSON, ``None`` for missing or NaN."""
    if value is None:
        return None
    x = float(value)
    return None if math.isnan(x) else x


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """Every headline metric under the filter, ready for ``json.dumps``."""
    trend = satisfaction.trend(con, f, s)
    pass_by_year = certificates.dual_vs_other_by_year(con, f, s)
    employment_keys, employment_by_year = employment.headline_with_years(con, f, s)
    mentor_keys = mentors.headline(con, f, s)
    compliance = {
        kind: (mentor_keys[f"{kind}_mentor_compliance"], targets.compliance_by_year(con, f, s, kind))
        for kind in MENTOR_TYPES
    }
    waves = [
        {
            "wave": int(w.wave),
            "mean_0_100": _number(w.mean_0_100),
            "share_satisfied": _number(w.share_satisfied),
            "responses": int(w.responses),
        }
        for w in trend.waves.itertuples(index=False)
    ]
    return {
        "certificate_pass_rate": certificates.pass_rate(con, f, s).as_dict(),
        "first_attempt_pass_rate": certificates.first_attempt_pass_rate(con, f, s).as_dict(),
        "certification_rate": certificates.certification_rate(con, f, s).as_dict(),
        "pass_rate_improvement_dual_vs_other": certificates.pooled_comparison(pass_by_year, s).as_dict(),
        **employment_keys,
        "satisfaction": {
            "waves": waves,
            "relative_change_first_to_latest": trend.relative_change_first_to_latest,
            "slope_per_year": trend.slope_per_year,
        },
        **mentor_keys,
        **students.headline(con, f, s),
        **funding.headline(con, f, s),
        "targets": [
            x.as_dict() for x in targets.evaluate(s, pass_by_year, employment_by_year, trend, compliance)
        ],
    }


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def _rate_text(r: dict, lang: str) -> str:
    """"73.2% (1513/2067, 95% CI 71.2–75.1%)", flagged when the group is small."""
    if r["value"] is None:
        return t("summary.no_data", lang)
    text = (
        f"{_pct(r['value'])} ({r['numerator']}/{r['denominator']}, 95% CI "
        f"{100 * r['ci_low']:.1f}–{_pct(r['ci_high'])})"
    )
    return text + (" " + t("summary.small_n", lang) if r["small_n"] else "")


def headline_text(data: dict, f: Filters, lang: str) -> str:
    """The headline dict as a few readable lines for the terminal, in ``lang``."""
    lines = [f"{t('summary.title', lang)} · {f.caption(lang)}"]

    def line(key: str, value: str, **params: object) -> None:
        lines.append(f"{t(f'summary.{key}', lang, **params)}: {value}")

    for key in ("certificate_pass_rate", "first_attempt_pass_rate", "certification_rate"):
        line(key, _rate_text(data[key], lang))
    imp = data["pass_rate_improvement_dual_vs_other"]
    if imp["value"] is None:
        line("pass_rate_improvement_dual_vs_other", t("summary.no_data", lang))
    else:
        p = imp["p_value"]
        line(
            "pass_rate_improvement_dual_vs_other",
            t("summary.improvement", lang, relative=f"{100 * imp['value']:+.1f}%",
              diff=f"{imp['diff_pp']:+.1f}", low=f"{100 * imp['ci_low']:+.1f}",
              high=f"{100 * imp['ci_high']:+.1f}",
              p="—" if p is None else ("< 0.001" if p < 0.001 else f"= {p:.3f}")),
        )
    ie = data["initial_employment_rate"]
    line("initial_employment_rate", _rate_text(ie, lang), year=ie["graduation_year"] or "—")
    line("coverage", _rate_text(ie["coverage"], lang))
    for key in ("related_to_major_rate", "partner_placement_rate", "retention_rate"):
        line(key, _rate_text(data[key], lang))
    salary = data["median_monthly_salary"]
    line("median_monthly_salary",
         t("summary.no_data", lang) if salary["value"] is None else f"{salary['value']:,.0f} (n={salary['n']})")
    waves = data["satisfaction"]["waves"]
    line("satisfaction", " → ".join(
        f"{w['wave']} {w['mean_0_100']:.1f} (n={w['responses']})" for w in waves
    ) or t("summary.no_data", lang))
    line("satisfaction_change", _signed_pct(data["satisfaction"]["relative_change_first_to_latest"]))
    for key in ("school_mentor_compliance", "enterprise_mentor_compliance"):
        line(key, _rate_text(data[key], lang))
    lines.append(t("summary.targets", lang))
    for target in data["targets"]:
        lines.append(
            f"  {t('summary.target.' + target['metric'], lang)} ≥ {_pct(target['target'], 0)}: "
            f"{_pct(target['value'])} · {t('summary.status.' + target['status'], lang)}"
            + (f" · {t('summary.years_missed', lang, n=target['years_missed'])}" if target["years_missed"] else "")
        )
    return "\n".join(lines)


def _signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:+.1f}%"
