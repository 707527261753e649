"""How many of the project's SQL statements run on PostgreSQL: unchanged, after sqlglot alone,
and after sqlglot plus the named rewrites of ``analytics.engines.dialect`` (docs/DEPLOY.md).

Two steps. Capture every statement the test suites send to DuckDB (with its parameters)::

    SQL_CAPTURE=/tmp/sql.jsonl PYTHONPATH=benchmarks python -m pytest -n 0 -p dialect_coverage \\
        tests/test_employment.py tests/test_filters.py ...

then run each distinct statement, in a rolled-back transaction, on a migrated PostgreSQL::

    python -m benchmarks.dialect_coverage /tmp/sql.jsonl postgresql://…

Statements on the loader's staging tables (``_stage``, registered frames) are left out: on
PostgreSQL those go through COPY, not through translation.
"""

from __future__ import annotations

import collections
import json
import os
import re
import sys
import traceback

_STAGING = re.compile(r"_stage|_incoming|_rejects|_keys|_alt|_refs|read_csv|BY NAME SELECT", re.I)
_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|CHECKPOINT|CREATE|ALTER|INSERT INTO schema_version)", re.I)


# -- pytest plugin (``-p dialect_coverage``): wrap duckdb.connect and log each statement -------
def pytest_configure(config: object) -> None:
    import duckdb

    real = duckdb.connect
    out = os.environ.get("SQL_CAPTURE", "sql_capture.jsonl")

    class Logged:
        def __init__(self, con: object) -> None:
            self._c = con

        def __getattr__(self, name: str) -> object:
            return getattr(self._c, name)

        def __enter__(self) -> Logged:
            return self

        def __exit__(self, *a: object) -> object:
            return self._c.__exit__(*a)

        def cursor(self) -> Logged:
            return Logged(self._c.cursor())

        def execute(self, sql: str, params: object = None, *a: object, **k: object) -> Logged:
            where = next((f.name for f in reversed(traceback.extract_stack()[:-1])
                          if "/analytics/" in f.filename and "/metrics/__init__" not in f.filename), "?")
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"sql": sql, "params": params if isinstance(params, (list, tuple, dict)) else None,
                                     "caller": where}, default=repr) + "\n")
            self._c.execute(sql, params) if params is not None else self._c.execute(sql)
            return self

    duckdb.connect = lambda *a, **k: Logged(real(*a, **k))


def measure(capture: str, dsn: str) -> dict[str, int]:
    """Counts of distinct statements that run: ``raw`` (DuckDB text, ``$n`` parameters),
    ``sqlglot`` (transpiled only) and ``rewrites`` (what the store runs)."""
    import psycopg
    import sqlglot

    from analytics import db
    from analytics.engines import dialect

    db.connect(dsn).close()  # migrated schema to run against
    statements: dict[str, list] = {}
    for line in open(capture, encoding="utf-8"):
        r = json.loads(line)
        s = r["sql"].strip()
        if s not in statements and not _STAGING.search(s) and not _CONTROL.match(s) and "b'" not in str(r["params"]):
            statements[s] = r["params"] or []
    raw = psycopg.connect(dsn, autocommit=True)

    def runs(text: str | None, params: list | dict, names: tuple[str, ...] = ()) -> bool:
        if text is None:
            return False
        if isinstance(params, dict):
            params = [params[n] for n in names] if names else list(params.values())
        try:
            with raw.transaction(force_rollback=True):
                psycopg.RawCursor(raw).execute(text, params)
            return True
        except psycopg.Error:
            return False

    def plain(s: str) -> str | None:
        try:
            trees = sqlglot.parse(dialect.number_placeholders(s), read="duckdb")
            return "; ".join(t.transform(dialect._positional).sql(dialect="postgres") for t in trees if t)
        except Exception:
            return None

    counts = collections.Counter(total=len(statements))
    for s, params in statements.items():
        counts["raw"] += runs(dialect.number_placeholders(s), params)
        counts["sqlglot"] += runs(plain(s), params)
        counts["rewrites"] += runs(*dialect.translate(s)[:1], params, dialect.translate(s)[1])
    return dict(counts)


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2]), indent=1))
