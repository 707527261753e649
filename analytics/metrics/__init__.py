"""Metrics of SPEC §3, one module per area.

Every function takes ``(con, filters, settings, ...)``: a DuckDB connection, the global
:class:`analytics.filters.Filters` and the :class:`analytics.config.Settings`. All
aggregation happens in DuckDB; rates come back as :class:`analytics.stats.Rate` or as
frames with numerator, denominator, Wilson interval and ``small_n`` columns.
"""

from __future__ import annotations

from analytics.db import query, rows  # the one read path (``db.query``/``db.rows``), named here for the metrics

__all__ = ["query", "rows"]
