"""PostgreSQL behind the connection interface the rest of the project uses with DuckDB.

:class:`PgConnection` answers ``cursor()``, ``execute(sql, params)``, ``fetchone``,
``fetchall``, ``df``, ``description``, ``register``/``unregister`` and ``close`` like a
DuckDB connection, so metrics, filters, the audit log and the reports run unchanged: their
SQL (DuckDB's dialect, ``?`` parameters) is translated once per statement by
:func:`analytics.engines.dialect.to_postgres`.

Each thread gets its own server connection (a Streamlit session runs in its own thread; a
DuckDB ``cursor()`` is likewise its own connection), in autocommit mode so that
``BEGIN``/``COMMIT`` written by ``db.transaction`` delimit the transaction. Every read and
every write transaction first sets ``app.schools`` (``set_config(..., true)``: for that
transaction only) from :data:`analytics.engines.scope.current`; the row-level security
policies of migration ``rls`` read it, so a query that forgets a filter still sees only the
user's schools.
"""

from __future__ import annotations

import io
import re
import threading
import weakref
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from analytics.engines import scope
from analytics.engines.dialect import translate
from analytics.errors import StoreError

# Type oids of the results that need converting to what DuckDB's ``df()`` gives.
_NUMERIC, _DATE, _TIMESTAMP, _TIMESTAMPTZ = 1700, 1082, 1114, 1184

_PASSTHROUGH = re.compile(r"^\s*(BEGIN(\s+TRANSACTION)?|COMMIT|ROLLBACK|CHECKPOINT)\s*;?\s*$", re.I)

_ARROW_TO_PG = {
    pa.string(): "TEXT",
    pa.large_string(): "TEXT",
    pa.int8(): "SMALLINT",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "REAL",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.null(): "TEXT",
}


class PgError(duckdb.Error):
    """A PostgreSQL failure, raised as a ``duckdb.Error`` so that every ``except duckdb.Error``
    above the store (which turns it into a ``StoreError`` with its code) handles both engines."""


def redact(dsn: str) -> str:
    """``host:port/name`` of a DSN, without user or password (for messages and logs)."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{host}{port}{parts.path}"


def open_error(dsn: str, error: psycopg.Error) -> StoreError:
    """The zh/en error for a server that cannot be reached or refuses us."""
    text = str(error)
    low = text.lower()
    where = redact(dsn)
    if "password authentication failed" in low or "no password supplied" in low or (
        "role" in low and "does not exist" in low
    ):
        return StoreError("db-auth-failed", path=where)
    if "connection refused" in low or "no such file or directory" in low or "timeout expired" in low or (
        "could not translate host name" in low
    ):
        return StoreError("db-server-down", path=where)
    return StoreError("db-open-failed", path=where, detail=text.splitlines()[0] if text else "")


def _null_tests(text: str, params: list) -> str:
    """``$k IS NULL`` is decided here, from the bound value (``TRUE``/``FALSE``): PostgreSQL
    cannot type a parameter at ``IS NULL`` (DuckDB's optional-filter idiom ``? IS NULL OR …``)."""
    for k, value in enumerate(params, start=1):
        text = re.sub(rf"\${k}(?!\d) IS NULL", "TRUE" if value is None else "FALSE", text)
    return text


def _convert(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


class _CountColumn:
    name = "Count"
    type_code = 20


_Count = _CountColumn()


class PgCursor:
    """One statement at a time on the thread's server connection, DuckDB-style."""

    engine = "postgres"

    def __init__(self, owner: PgConnection) -> None:
        self._owner = owner
        self._result: psycopg.Cursor | None = None

    @property
    def dsn(self) -> str:
        """The store's DSN (its connection's)."""
        return self._owner.dsn

    def cursor(self) -> PgCursor:
        """Another cursor on the same store (a DuckDB cursor answers ``cursor()`` too: code given
        a cursor, such as ``db.data_version`` from a page, opens its own)."""
        return PgCursor(self._owner)

    # -- statements -------------------------------------------------------------------
    def execute(self, sql: str, params: list | tuple | dict | None = None) -> PgCursor:
        """Run one DuckDB-dialect statement (translated) with ``?`` parameters."""
        raw = self._owner.raw()
        try:
            if _PASSTHROUGH.match(sql):
                word = sql.strip().split()[0].upper()
                if word == "CHECKPOINT":
                    return self
                raw.execute(word)
                if word == "BEGIN":
                    _set_scope(raw)
                self._result = None
                return self
            text, names = translate(sql)
            if isinstance(params, dict):  # DuckDB's $name parameters
                params = [params[n] for n in names]
            params = list(params or [])
            if " IS NULL" in text:
                text = _null_tests(text, params)
            cur = psycopg.RawCursor(raw)
            if raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                # a read outside a transaction: scope and statement in one transaction
                with raw.transaction():
                    _set_scope(raw)
                    cur.execute(text, params)
                    self._buffer(cur)
            else:
                cur.execute(text, params)
                self._buffer(cur)
        except psycopg.Error as e:
            raise PgError(str(e).strip()) from e
        return self

    def native(self, sql: str) -> PgCursor:
        """Run PostgreSQL's own SQL, untranslated and without parameters (DDL such as
        functions and policies, which only PostgreSQL has)."""
        try:
            self._owner.raw().execute(sql)
        except psycopg.Error as e:
            raise PgError(str(e).strip()) from e
        self._result = None
        return self

    def _buffer(self, cur: psycopg.Cursor) -> None:
        """Keep the rows (the transaction may end before the caller fetches)."""
        self._description = cur.description
        self._rows = cur.fetchall() if cur.description is not None else []
        if cur.description is None and cur.statusmessage and cur.statusmessage.split()[0] in (
            "INSERT", "UPDATE", "DELETE"
        ):
            # DuckDB answers a write with one row, the count of rows it changed
            self._description = [_Count]
            self._rows = [(cur.rowcount,)]
        self.rowcount = cur.rowcount
        self._pos = 0
        self._result = cur

    def executemany(self, sql: str, seq: list) -> PgCursor:
        for params in seq:
            self.execute(sql, params)
        return self

    # -- results ----------------------------------------------------------------------
    @property
    def description(self) -> list[tuple] | None:
        if self._result is None or self._description is None:
            return None
        return [(c.name, c.type_code, None, None, None, None, None) for c in self._description]

    def fetchone(self) -> tuple | None:
        if self._result is None or self._pos >= len(self._rows):
            return None
        row = self._rows[self._pos]
        self._pos += 1
        return tuple(_convert(v) for v in row)

    def fetchall(self) -> list[tuple]:
        if self._result is None:
            return []
        rows = self._rows[self._pos :]
        self._pos = len(self._rows)
        return [tuple(_convert(v) for v in r) for r in rows]

    def df(self) -> pd.DataFrame:
        """The result as a DataFrame with DuckDB's column types (floats, datetimes)."""
        if self._result is None or self._description is None:
            return pd.DataFrame()
        names = [c.name for c in self._description]
        frame = pd.DataFrame.from_records(self._rows[self._pos :], columns=names, coerce_float=True)
        self._pos = len(self._rows)
        for i, c in enumerate(self._description):
            col = frame.iloc[:, i]
            if c.type_code == _NUMERIC:
                frame.isetitem(i, pd.to_numeric(col, errors="coerce").astype("float64"))
            elif c.type_code in (_DATE, _TIMESTAMP, _TIMESTAMPTZ):
                frame.isetitem(i, pd.to_datetime(col))
        return frame

    fetchdf = df

    # -- registered data ----------------------------------------------------------------
    def register(self, name: str, data: pa.Table | pd.DataFrame) -> PgCursor:
        """Make ``data`` queryable as ``name``: a temporary table filled through COPY."""
        table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        copy_into(self._owner.raw(), name, table, create_temp=True)
        return self

    def unregister(self, name: str) -> PgCursor:
        try:
            self._owner.raw().execute(f'DROP TABLE IF EXISTS "{name}"')
        except psycopg.Error as e:
            raise PgError(str(e)) from e
        return self

    def close(self) -> None:
        self._result = None

    def __enter__(self) -> PgCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _set_scope(raw: psycopg.Connection) -> None:
    """``app.schools`` for this transaction: ``*`` (all), or the comma-joined school ids."""
    raw.execute("SELECT set_config('app.schools', %s, true)", [scope.setting()])


def _pg_type(field: pa.Field) -> str:
    t = field.type
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_dictionary(t):
        return "TEXT"
    return _ARROW_TO_PG.get(t, "TEXT")


def copy_into(
    raw: psycopg.Connection, name: str, table: pa.Table, *, create_temp: bool = False
) -> int:
    """Load ``table`` into ``name`` with one ``COPY … FROM STDIN`` (CSV written by Arrow).

    With ``create_temp`` the table is (re)created as a temporary table of the Arrow types.
    Returns the rows copied.
    """
    ident = '"' + name.replace('"', '""') + '"'
    cols = ", ".join('"' + f.name.replace('"', '""') + '"' for f in table.schema)
    try:
        if create_temp:
            raw.execute(f"DROP TABLE IF EXISTS {ident}")
            defs = ", ".join(
                '"' + f.name.replace('"', '""') + '" ' + _pg_type(f) for f in table.schema
            )
            raw.execute(f"CREATE TEMP TABLE {ident} ({defs})")
        if table.num_rows == 0:
            return 0
        buf = io.BytesIO()
        pacsv.write_csv(
            table,
            buf,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        with raw.cursor().copy(f"COPY {ident} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
    except psycopg.Error as e:
        raise PgError(str(e).strip()) from e
    return table.num_rows


class PgConnection:
    """A PostgreSQL database with the DuckDB connection interface (one server connection per
    thread, opened on first use)."""

    engine = "postgres"

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.address = redact(dsn)
        self._local = threading.local()
        self._opened: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()
        self.raw()  # fail now, with the right message, if the server is not there

    def raw(self) -> psycopg.Connection:
        """This thread's server connection (autocommit: transactions are explicit)."""
        con = getattr(self._local, "con", None)
        if con is None or con.closed:
            try:
                con = psycopg.connect(self.dsn, autocommit=True, connect_timeout=10)
            except psycopg.Error as e:
                raise open_error(self.dsn, e) from e
            self._local.con = con
            with self._lock:
                self._opened.add(con)
        return con

    def cursor(self) -> PgCursor:
        return PgCursor(self)

    def execute(self, sql: str, params: list | tuple | None = None) -> PgCursor:
        return PgCursor(self).execute(sql, params)

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> PgCursor:
        return PgCursor(self).register(name, data)

    def native(self, sql: str) -> PgCursor:
        return PgCursor(self).native(sql)

    def unregister(self, name: str) -> PgCursor:
        return PgCursor(self).unregister(name)

    def close(self) -> None:
        """Close every server connection this object opened (all threads)."""
        with self._lock:
            for con in list(self._opened):
                con.close()
        self._local = threading.local()

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
