"""Storage engines: the embedded DuckDB file (default) and a shared PostgreSQL server.

The store is chosen by its address: a path (or ``:memory:``) is a DuckDB file, a
``postgresql://`` (or ``postgres://``) URL is a PostgreSQL database. Everything above
``analytics.db`` works on either through the same connection interface (``execute`` with
``?`` parameters, ``fetchone/fetchall/df``, ``cursor()``, ``register``): SQL is written once
in DuckDB's dialect and translated for PostgreSQL by :mod:`analytics.engines.dialect`.
"""

from __future__ import annotations

import os


def is_postgres(address: str | os.PathLike[str] | None) -> bool:
    """True when ``address`` names a PostgreSQL database (a ``postgresql://`` URL)."""
    return str(address or "").startswith(("postgresql://", "postgres://"))


def engine_of(con: object) -> str:
    """``"postgres"`` or ``"duckdb"``: which engine a connection talks to."""
    return getattr(con, "engine", "duckdb")
