"""The dashboard's side of the store: one connection per process, cached queries, writes.

* ``connection()`` opens the database once per server process (``st.cache_resource``);
  when no database file exists yet it is created with the demo data, so that
  ``streamlit run dashboard.py`` shows a working dashboard on a fresh machine.
* ``query(fn, filters, ...)`` runs an analytics function on its own cursor and caches the
  result (``st.cache_resource``, shared read-only) keyed on the database, its data version,
  the settings and the filters, so an import or undo refreshes every page at once.
* Writes (import, undo, demo) go through ``analytics`` functions that take the write lock;
  afterwards the data version changes and every cached query is recomputed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from contextlib import closing
from typing import Any

import duckdb
import streamlit as st

from analytics import db
from analytics.config import Settings, load_settings
from analytics.engines.scope import scoped
from analytics.filter_options import FilterOptions, filter_options
from analytics.filters import Filters


def db_path() -> str:
    """The database this process shows (``$DUAL_MENTOR_DB`` or the default file)."""
    return db.resolve_address()


@st.cache_resource(show_spinner=False)
def _open(path: str) -> duckdb.DuckDBPyConnection:
    fresh = not db.store_exists(path)
    con = db.connect(path)
    if fresh:
        from analytics.sample import load_demo

        load_demo(con)
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """The process-wide connection (created with demo data when the file does not exist)."""
    return _open(db_path())


def ensure_database(message: str) -> None:
    """Open the database, showing ``message`` while a missing one is created with demo data."""
    if db.store_exists(db_path()):
        connection()
        return
    with st.spinner(message):
        connection()


def data_version() -> str:
    """Token that changes with every import or undo (part of every cache key)."""
    with closing(connection().cursor()) as cur:
        return db.data_version(cur)


def settings() -> Settings:
    """The settings beside the database (validated; a bad file raises ``ConfigError``)."""
    return load_settings(db_path=db_path())


# cache_resource, not cache_data: a hit returns the stored object itself instead of unpickling a
# copy, which for a million students (a mentor × month calendar) costs seconds. Results are
# treated as read-only by every page (pandas ``assign``/``merge`` make new frames).
@st.cache_resource(show_spinner=False, max_entries=200)
def _cached(module: str, name: str, path: str, version: str, settings_: Settings,
            filters: Filters | None, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with closing(_open(path).cursor()) as cur:
        if filters is None:
            return fn(cur, *args, **dict(kwargs))
        # on PostgreSQL the database applies the same scope (row-level security)
        with scoped(filters.scope):
            return fn(cur, filters, settings_, *args, **dict(kwargs))


def query(fn: Callable[..., Any], filters: Filters, *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, filters, settings, *args, **kwargs)``, cached on filters and data version."""
    return _cached(fn.__module__, fn.__name__, db_path(), data_version(), settings(), filters,
                   args, tuple(sorted(kwargs.items())))


def query_store(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, *args, **kwargs)`` for functions of the whole store (coverage, batches)."""
    return _cached(fn.__module__, fn.__name__, db_path(), data_version(), Settings(), None,
                   args, tuple(sorted(kwargs.items())))


def options(scope: tuple[str, ...] | None = None) -> FilterOptions:
    """The filter choices present in the data within ``scope`` (the user's schools)."""
    return query_store(filter_options, scope)


def counts() -> dict[str, int]:
    """Rows per canonical table."""
    return query_store(db.table_counts)


def is_empty() -> bool:
    """True when no canonical table holds a row (a new database)."""
    return not any(counts().values())


def writer() -> Callable[..., Any]:
    """``write`` bound to this process's connection, for a background job: it runs outside
    any script run, where the cached connection cannot be looked up."""
    con = connection()

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with closing(con.cursor()) as cur:
            return fn(cur, *args, **kwargs)

    return run


def write(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a writing analytics function (import, undo, demo) on the shared connection.

    The function takes the write lock itself (``db.transaction``) and gets its own cursor,
    so two sessions checking files at the same time never share a connection. The data
    version changes, so every cached query is recomputed on the next run.
    """
    return writer()(fn, *args, **kwargs)
