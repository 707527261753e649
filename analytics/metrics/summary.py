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
from analytics.filters import Filters
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
    year, initial = employment.latest_initial_employment(con, f, s)
    trend = satisfaction.trend(con, f, s)
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
        "pass_rate_improvement_dual_vs_other": certificates.dual_vs_other(con, f, s).as_dict(),
        "initial_employment_rate": initial.as_dict() | {"graduation_year": year},
        "related_to_major_rate": employment.related_to_major_rate(con, f, s).as_dict(),
        "partner_placement_rate": employment.partner_placement_rate(con, f, s).as_dict(),
        "retention_rate": employment.retention_rate(con, f, s).as_dict(),
        "median_monthly_salary": employment.median_monthly_salary(con, f, s),
        "satisfaction": {
            "waves": waves,
            "relative_change_first_to_latest": trend.relative_change_first_to_latest,
            "slope_per_year": trend.slope_per_year,
        },
        **mentors.headline(con, f, s),
        **students.headline(con, f, s),
        **funding.headline(con, f, s),
        "targets": [t.as_dict() for t in targets.targets(con, f, s)],
    }
