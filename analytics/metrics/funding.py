"""Funding of the program (SPEC §3 "Funding"): budget, spent, execution rate, source shares.

* ``budget`` and ``spent`` are plain sums; a missing amount adds nothing.
* ``execution_rate`` = spent / budget over the rows where *both* amounts are known, so
  a line whose spending has not been reported yet does not pull the rate down; the
  totals count the lines it leaves out, and every screen says so beside the rate. When
  every row is complete it equals ``spent / budget`` of the same group.
* ``budget_share`` and ``spent_share`` are the group's part of the filtered total
  budget and total spent ("financial synergy" when grouped by source).

Only the year filter applies to funding (``Filters.where("funding", ...)``).
Amounts are in the currency of the upload (yuan), never rescaled.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics import schema
from analytics.config import Settings
from analytics.db import quote_ident as q
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import query, rows

GROUPS = ("year", "source", "category")

_T = q(schema.table("funding").name)
_YEAR, _SOURCE, _CATEGORY, _BUDGET, _SPENT = (
    q(schema.table("funding").column(c).name) for c in ("year", "source", "category", "budget", "spent")
)
_ORDER = {
    "year": '"group"',
    "source": 'list_position($sources, "group")',
    "category": 'budget DESC NULLS LAST, "group"',
}


def funding_by(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, by: str = "year") -> pd.DataFrame:
    """Budget, spent, execution rate and shares of the total per ``by`` (year, source or category).

    Columns: group, budget, spent, execution_rate, budget_share, spent_share (fractions).
    Sources come in schema order, categories largest budget first.
    """
    if by not in GROUPS:
        raise AnalyticsError("program-unknown-grouping", by=by, allowed=", ".join(GROUPS))
    where, params = f.where("funding", "fu")
    group_col = q(schema.table("funding").column(by).name)
    order_params = {"sources": list(schema.FUNDING_SOURCES)} if by == "source" else {}
    sql = f"""
        WITH g AS (
          SELECT fu.{group_col} AS "group",
                 sum(fu.{_BUDGET}) AS budget,
                 sum(fu.{_SPENT}) AS spent,
                 sum(fu.{_BUDGET}) FILTER (WHERE fu.{_SPENT} IS NOT NULL) AS budget_complete,
                 sum(fu.{_SPENT}) FILTER (WHERE fu.{_BUDGET} IS NOT NULL) AS spent_complete
          FROM {_T} fu
          WHERE {where}
          GROUP BY 1
        )
        SELECT "group", budget, spent,
               spent_complete / nullif(budget_complete, 0) AS execution_rate,
               budget / nullif(sum(budget) OVER (), 0) AS budget_share,
               spent / nullif(sum(spent) OVER (), 0) AS spent_share
        FROM g
        ORDER BY {_ORDER[by]}
    """
    return query(con, sql, params | order_params)


def totals(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """Filtered totals: ``{"budget", "spent", "execution_rate", "lines", "lines_in_rate",
    "lines_without_spent", "budget_without_spent"}`` (amounts ``None`` when no funding rows).

    The execution rate counts only lines with both amounts; ``lines_without_spent`` and
    their ``budget_without_spent`` say what it leaves out, so a screen can say so beside it.
    """
    where, params = f.where("funding", "fu")
    sql = f"""
        SELECT sum(fu.{_BUDGET}) AS budget,
               sum(fu.{_SPENT}) AS spent,
               sum(fu.{_SPENT}) FILTER (WHERE fu.{_BUDGET} IS NOT NULL)
                 / nullif(sum(fu.{_BUDGET}) FILTER (WHERE fu.{_SPENT} IS NOT NULL), 0) AS execution_rate,
               count(*) AS lines,
               count(*) FILTER (WHERE fu.{_BUDGET} IS NOT NULL AND fu.{_SPENT} IS NOT NULL) AS lines_in_rate,
               count(*) FILTER (WHERE fu.{_SPENT} IS NULL) AS lines_without_spent,
               sum(fu.{_BUDGET}) FILTER (WHERE fu.{_SPENT} IS NULL) AS budget_without_spent
        FROM {_T} fu
        WHERE {where}
    """
    budget, spent, execution, lines, in_rate, without, budget_without = rows(con, sql, params)[0]
    return {"budget": budget, "spent": spent, "execution_rate": execution, "lines": lines,
            "lines_in_rate": in_rate, "lines_without_spent": without, "budget_without_spent": budget_without}


def headline(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> dict:
    """``{"funding": {"budget", "spent", "execution_rate", "sources"}}`` for ``metrics --json``;
    ``sources`` maps each source to its ``budget_share`` and ``spent_share``."""
    by_source = funding_by(con, f, s, "source")
    sources = {
        str(row["group"]): {
            "budget_share": _none_if_nan(row["budget_share"]),
            "spent_share": _none_if_nan(row["spent_share"]),
        }
        for row in by_source.to_dict("records")
    }
    return {"funding": {**totals(con, f, s), "sources": sources}}


def _none_if_nan(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
