"""The headline figures of every area in one JSON-ready dict (``metrics --json``, overview).

Keys are those of issue 3. Every rate is ``{"value", "numerator", "denominator",
"ci_low", "ci_high", "small_n"}`` with fractions; ``None`` where there is no data.
``initial_employment_rate`` is the latest graduation year in the filter (its year under
``graduation_year``); the other employment rates pool the filter's graduation years.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import duckdb

from analytics.config import Settings
from analytics.filters import Filters
from analytics import stats
from analytics.stats import Rate
from analytics.metrics import (
    certificates,
    employment,
    funding,
    headlines,
    mentors,
    satisfaction,
    students,
)


def _number(value: object) -> float | None:
    """A plain float for JSON, ``None`` for missing or NaN."""
    if value is None:
        return None
    x = float(value)
    return None if math.isnan(x) else x


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """Every headline metric under the filter, ready for ``json.dumps``.

    ``headlines`` holds the SPEC §5 headlines exactly as every screen shows them
    (``analytics.metrics.headlines``); ``targets`` and the improvement and employment keys
    are read from those same objects.
    """
    return collect(con, f, s)[0]


def collect(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings
) -> tuple[dict, tuple[headlines.Headline, ...]]:
    """:func:`headline`'s dict and the headline objects it was read from (for the terminal text)."""
    # the employment and compliance queries once, shared; nothing that only the dashboard draws
    view = headlines.overview(con, f, s, attention=False, charts=False)
    items = view.headlines
    by_key = {h.key: h for h in items}
    employment_keys, _ = employment.headline_keys(view.employment, s)
    pass_rate = by_key["pass_rate_improvement"]
    initial = by_key["initial_employment"]
    coverage = initial.figure("coverage")
    sat = by_key["satisfaction_improvement"]
    trend = satisfaction.trend(con, f, s)
    waves = [
        {
            "wave": int(w.wave),
            "mean_0_100": _number(w.mean_0_100),
            "ci_low": _number(w.ci_low),
            "ci_high": _number(w.ci_high),
            "share_satisfied": _number(w.share_satisfied),
            "respondents": int(w.respondents),
            "ratings": int(w.ratings),
            "enterprises": int(w.enterprises),
        }
        for w in trend.waves.itertuples(index=False)
    ]
    mentor_keys = mentors.team_headline(con, f, s)

    def unit_rate(unit: str, alone: Callable[[duckdb.DuckDBPyConnection, Filters, Settings], Rate]) -> Rate:
        """The pass rate in ``unit``: the comparison unit's came with the pass-rate headline's strata."""
        if unit == s.comparison_unit and pass_rate.unit_rate is not None:
            return pass_rate.unit_rate
        return alone(con, f, s)

    return {
        "headlines": [h.as_dict() for h in items],
        "certificate_pass_rate": unit_rate("attempt", certificates.pass_rate).as_dict(),
        "first_attempt_pass_rate": unit_rate("first_attempt", certificates.first_attempt_pass_rate).as_dict(),
        "certification_rate": unit_rate("person", certificates.certification_rate).as_dict(),
        "pass_rate_improvement_dual_vs_other": pass_rate.adjusted.crude.as_dict() | {
            "unit": s.comparison_unit, "period": pass_rate.period, "status": pass_rate.status,
            "mantel_haenszel": pass_rate.adjusted.mh.as_dict(),
            "changes_verdict": pass_rate.adjusted.changes_verdict,
        },
        **employment_keys,
        "initial_employment_rate": {
            "value": initial.value,
            "numerator": initial.basis[0].numerator if initial.basis else 0,
            "denominator": initial.basis[0].denominator if initial.basis else 0,
            "ci_low": initial.ci_low, "ci_high": initial.ci_high, "small_n": initial.small,
            "graduation_year": int(initial.period) if initial.period else None,
            "coverage": {"value": coverage.value, "numerator": coverage.numerator,
                         "denominator": coverage.denominator, "ci_low": coverage.ci_low,
                         "ci_high": coverage.ci_high, "small_n": coverage.small} if coverage else None,
        },
        "satisfaction": {
            "waves": waves,
            "relative_change_first_to_latest": sat.value,
            "change_points": trend.change_first_to_latest,
            "change": None if trend.change is None else trend.change.as_dict(),
            "slope_per_year": trend.slope_per_year,
        },
        "school_mentor_compliance": _compliance(by_key["school_compliance"], s),
        "enterprise_mentor_compliance": _compliance(by_key["enterprise_compliance"], s),
        **mentor_keys,
        **students.headline(con, f, s),
        **funding.headline(con, f, s),
        "targets": [
            {"metric": h.key, "target": h.target, "value": h.value, "status": h.status, "near": h.near,
             "years_missed": h.years_missed}
            for h in items
        ],
    }, items


def _compliance(h: headlines.Headline, s: Settings) -> dict:
    """A compliance headline as a rate dict (0/0 without data), with its period."""
    basis = h.basis[0] if h.basis else None
    r = stats.rate(basis.numerator, basis.denominator, s.small_n) if basis else stats.rate(0, 0, s.small_n)
    return r.as_dict() | {"period": h.period}
