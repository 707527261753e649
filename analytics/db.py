"""The DuckDB store: where the file lives, versioned migrations, transactions, the write lock.

One connection per process (the dashboard caches it); readers take a ``cursor()`` per
query, writers go through ``transaction()``, which holds the process-wide write lock so
that one import or undo runs at a time and each is all-or-nothing.

Every canonical table carries a hidden ``_batch_id`` (the import batch that last wrote
the row) and has a shadow table ``_prev_<table>`` holding the versions a batch
overwrote, so that ``undo`` can restore them.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analytics import engines, schema
from analytics.errors import StoreError

if TYPE_CHECKING:
    import pandas as pd

Params = Sequence[Any] | Mapping[str, Any] | None  # ``?`` values in order, or ``$name`` values by name

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# In a checkout the store is its data/ folder; the installed package (``pip install .``, no
# dashboard.py beside it) never writes into site-packages: data/ of the working directory.
DEFAULT_DB = (PROJECT_ROOT if (PROJECT_ROOT / "dashboard.py").is_file() else Path.cwd()) / "data" / "dual_mentor.duckdb"
ENV_VAR = "DUAL_MENTOR_DB"

BATCH_COLUMN = "_batch_id"
REPLACED_BY = "_replaced_by"

_write_lock = threading.RLock()


def quote_ident(name: str) -> str:
    """Quote a table or column name for SQL. Names come from ``schema`` only."""
    return '"' + name.replace('"', '""') + '"'


def prev_table(name: str) -> str:
    """Name of the shadow table that keeps rows ``name`` had before a batch overwrote them."""
    return f"_prev_{name}"


def undone_table(name: str) -> str:
    """Name of the shadow table that keeps the rows an undone batch had written, for redo."""
    return f"_undone_{name}"


def resolve_address(path: str | os.PathLike[str] | None = None) -> str:
    """The store's address as given (``--db`` or ``$DUAL_MENTOR_DB``): a file path, or a
    ``postgresql://`` URL (which :func:`resolve_path` would mangle)."""
    value = str(path) if path else os.environ.get(ENV_VAR, "")
    return value if engines.is_postgres(value) else str(resolve_path(path))


HOME_VAR = "DUAL_MENTOR_HOME"


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The database file: ``path`` if given, else ``$DUAL_MENTOR_DB``, else the default.

    For a PostgreSQL store this is a name in the folder that holds what lives beside a
    database (settings, users file, export key): ``$DUAL_MENTOR_HOME``, else ``data/``.
    """
    value = str(path) if path else os.environ.get(ENV_VAR, "")
    if engines.is_postgres(value):
        return Path(os.environ.get(HOME_VAR) or DEFAULT_DB.parent).expanduser() / "postgresql.store"
    if value:
        return Path(value).expanduser()
    return DEFAULT_DB


def describe(path: str | os.PathLike[str] | None = None) -> str:
    """The store's address for messages: the file, or ``postgresql://host:port/name`` (never a
    password)."""
    address = resolve_address(path)
    if engines.is_postgres(address):
        from analytics.engines.postgres import redact

        return redact(address)
    return address


def store_exists(path: str | os.PathLike[str] | None = None) -> bool:
    """Whether the store is there to open: the file exists (a server is always "there"; opening
    it says whether it answers)."""
    address = resolve_address(path)
    return engines.is_postgres(address) or Path(address).exists()


def _table_ddl(table: schema.Table, name: str, extra: list[str]) -> str:
    """CREATE TABLE for a canonical table: declared types, key columns NOT NULL.

    The natural key is enforced by the loader (unique within a file, upserted by key
    under the write lock), not by a DuckDB PRIMARY KEY: an ART index makes a
    million-row load about ten times slower and adds nothing the loader does not check.
    """
    cols = [
        f"{quote_ident(c.name)} {c.sql_type}" + (" NOT NULL" if c.name in table.key else "")
        for c in table.columns
    ] + extra
    return f"CREATE TABLE IF NOT EXISTS {quote_ident(name)} (\n  " + ",\n  ".join(cols) + "\n)"


# Tables created by a later migration than the first (each by its own).
LOOP_TABLES = ("agreements", "mentor_training", "actions")
_LATER_TABLES = frozenset({"benchmarks", *LOOP_TABLES})


def _create_with_shadow(con: duckdb.DuckDBPyConnection, table: schema.Table) -> None:
    """A canonical table (tagged with the batch that wrote each row), its undo shadow and its
    redo shadow. A migration adding a column adds it to all three."""
    con.execute(_table_ddl(table, table.name, [f"{BATCH_COLUMN} BIGINT"]))
    con.execute(
        _table_ddl(
            table,
            prev_table(table.name),
            [f"{BATCH_COLUMN} BIGINT", f"{REPLACED_BY} BIGINT NOT NULL"],
        )
    )
    _create_undone(con, table)


def _create_undone(con: duckdb.DuckDBPyConnection, table: schema.Table) -> None:
    con.execute(_table_ddl(table, undone_table(table.name), [f"{BATCH_COLUMN} BIGINT NOT NULL"]))


def _migration_1(con: duckdb.DuckDBPyConnection) -> None:
    """Initial schema: the canonical tables of SPEC §2, their shadows, and import bookkeeping."""
    for table in schema.TABLES:
        if table.name not in _LATER_TABLES:
            _create_with_shadow(con, table)
    con.execute(
        """
        CREATE TABLE import_batches (
          batch_id BIGINT PRIMARY KEY,
          imported_at TIMESTAMP NOT NULL,
          file_name VARCHAR NOT NULL,
          sha256 VARCHAR NOT NULL,
          sheet VARCHAR,
          target_table VARCHAR NOT NULL,
          rows_read INTEGER NOT NULL,
          rows_inserted INTEGER NOT NULL,
          rows_updated INTEGER NOT NULL,
          rows_unchanged INTEGER NOT NULL,
          rows_rejected INTEGER NOT NULL,
          warnings INTEGER NOT NULL,
          mapping VARCHAR NOT NULL,
          constants VARCHAR NOT NULL,
          issues VARCHAR NOT NULL DEFAULT '[]',
          status VARCHAR NOT NULL DEFAULT 'loaded',
          undone_at TIMESTAMP
        )
        """
    )
    con.execute(
        """
        CREATE TABLE import_rejects (
          batch_id BIGINT NOT NULL,
          row_number INTEGER,
          column_name VARCHAR,
          original_value VARCHAR,
          code VARCHAR NOT NULL,
          message_zh VARCHAR NOT NULL,
          message_en VARCHAR NOT NULL,
          original_row VARCHAR
        )
        """
    )
    con.execute(
        """
        CREATE TABLE saved_mappings (
          signature VARCHAR PRIMARY KEY,
          target_table VARCHAR NOT NULL,
          mapping VARCHAR NOT NULL,
          constants VARCHAR NOT NULL,
          saved_at TIMESTAMP NOT NULL
        )
        """
    )


def _migration_2(con: duckdb.DuckDBPyConnection) -> None:
    """Published aggregate statistics to compare the school with (``benchmarks``)."""
    _create_with_shadow(con, schema.table("benchmarks"))


def _migration_3(con: duckdb.DuckDBPyConnection) -> None:
    """The audit log (``analytics.audit``): sign-ins, imports, undos, exports, user changes."""
    con.execute("CREATE SEQUENCE audit_log_seq START 1")
    con.execute(
        """
        CREATE TABLE audit_log (
          event_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
          occurred_at TIMESTAMP NOT NULL,
          user_name VARCHAR NOT NULL,
          action VARCHAR NOT NULL,
          success BOOLEAN NOT NULL,
          address VARCHAR,
          details VARCHAR NOT NULL DEFAULT '{}'
        )
        """
    )


def _migration_4(con: duckdb.DuckDBPyConnection) -> None:
    """Closing the loop (issue 19): cooperation agreements, two-way training and the leadership
    group's actions (canonical tables with their shadows, so each is imported, audited and
    undone like any other), the contributing enterprise of a funding line, and ``store_info``
    (facts about the store itself, such as the date a snapshot is judged on)."""
    for name in LOOP_TABLES:
        _create_with_shadow(con, schema.table(name))
    for name in ("funding", prev_table("funding")):
        con.execute(f"ALTER TABLE {quote_ident(name)} ADD COLUMN IF NOT EXISTS {quote_ident('enterprise_id')} VARCHAR")
    con.execute("CREATE TABLE IF NOT EXISTS store_info (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")


# Columns added by migration 5: (table, column) of canonical tables, added to the table and
# its shadow. A database created now gets them from migration 1 already (it reads
# ``schema``), hence ``IF NOT EXISTS``.
_MIGRATION_5_COLUMNS = (
    ("students", "id_card"),
    ("certificate_exams", "theory_score"),
    ("certificate_exams", "practical_score"),
    ("certificate_exams", "absence"),
    ("student_assessments", "absence"),
)


def _migration_5(con: duckdb.DuckDBPyConnection) -> None:
    """Real exports (issue 11): students' ID-card numbers (1+X certificates link through them),
    theory/practical results and absences (缺考 is not a zero), value maps saved with a header
    mapping, and the key of a rejected row with its sheet (coverage counts rejected graduates)."""
    for name, column in _MIGRATION_5_COLUMNS:
        sql_type = schema.table(name).column(column).sql_type
        for target in (name, prev_table(name)):
            con.execute(
                f"ALTER TABLE {quote_ident(target)} ADD COLUMN IF NOT EXISTS {quote_ident(column)} {sql_type}"
            )
    con.execute("ALTER TABLE saved_mappings ADD COLUMN IF NOT EXISTS value_map VARCHAR DEFAULT '{}'")
    con.execute("ALTER TABLE import_rejects ADD COLUMN IF NOT EXISTS sheet VARCHAR")
    con.execute("ALTER TABLE import_rejects ADD COLUMN IF NOT EXISTS row_key VARCHAR")


def _migration_6(con: duckdb.DuckDBPyConnection) -> None:
    """A bureau's schools side by side (issue 15): the county (区县) of a school, under its
    region, and the bureau's sign-off of a school's returns for a year (submitted → approved)."""
    for target in ("schools", prev_table("schools")):
        con.execute(f"ALTER TABLE {quote_ident(target)} ADD COLUMN IF NOT EXISTS {quote_ident('county')} VARCHAR")
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS reporting_signoffs (
          school_id VARCHAR NOT NULL,
          year INTEGER NOT NULL,
          status VARCHAR NOT NULL,
          changed_by VARCHAR NOT NULL,
          changed_at TIMESTAMP NOT NULL,
          PRIMARY KEY (school_id, year)
        )
        """
    )


def _migration_7(con: duckdb.DuckDBPyConnection) -> None:
    """Redo (issue 13): every canonical table gets ``_undone_<table>``, where an undo keeps the
    rows the batch had written so that the batch can be applied again. (A database created now
    has them from ``_create_with_shadow`` already, hence ``IF NOT EXISTS``.)"""
    for table in schema.TABLES:
        _create_undone(con, table)


def _migration_8(con: duckdb.DuckDBPyConnection) -> None:
    """PostgreSQL (issue 14): each canonical table's natural key is a unique index, so the
    loader upserts with ``INSERT … ON CONFLICT`` and concurrent writers cannot duplicate a key.
    Nothing on DuckDB, where the loader checks keys itself (an ART index slows loads tenfold)."""
    if engines.engine_of(con) != "postgres":
        return
    for table in schema.TABLES:
        cols = ", ".join(quote_ident(k) for k in table.key)
        con.execute(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {quote_ident(table.name + '_key')} "
            f"ON {quote_ident(table.name)} ({cols})"
        )
        con.execute(
            f"CREATE INDEX IF NOT EXISTS {quote_ident(table.name + '_batch')} "
            f"ON {quote_ident(table.name)} ({BATCH_COLUMN})"
        )


def _migration_9(con: duckdb.DuckDBPyConnection) -> None:
    """PostgreSQL (issue 14): the school scope enforced by row-level security keyed on the
    per-transaction ``app.schools`` (``analytics.engines.rls``). Nothing on DuckDB, an embedded
    file whose one process applies the scope in its queries (``Filters``)."""
    if engines.engine_of(con) != "postgres":
        return
    from analytics.engines import rls

    for sql in rls.statements([t.name for t in schema.TABLES]):
        con.native(sql)


# Append-only: a released migration is never edited, a change is a new entry. Migration 1
# creates the tables of SPEC §2 as they were then; later tables come in their own step.
MIGRATIONS = (
    _migration_1, _migration_2, _migration_3, _migration_4, _migration_5, _migration_6,
    _migration_7, _migration_8, _migration_9,
)
SCHEMA_VERSION = len(MIGRATIONS)


# PostgreSQL advisory lock keys: one for migrations, one for writes other than imports and undo
# (see ``transaction``; those lock what they touch: ``analytics.engines.locks``).
_PG_MIGRATION_LOCK = 7_419_001
_PG_WRITE_LOCK = 7_419_002


@contextmanager
def _migration_lock(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """On PostgreSQL, one process migrates at a time (several dashboards may start at once)."""
    if engines.engine_of(con) != "postgres":
        yield
        return
    con.execute("SELECT pg_advisory_lock(?)", [_PG_MIGRATION_LOCK])
    try:
        yield
    finally:
        con.execute("SELECT pg_advisory_unlock(?)", [_PG_MIGRATION_LOCK])


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version of the schema the store is at (0 for a store never migrated)."""
    try:
        return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    except duckdb.Error:
        return 0


def check_version(con: duckdb.DuckDBPyConnection) -> int:
    """Refuse a store whose schema is older or newer than this code (a read-only open, or a
    shared server whose schema is upgraded by ``python -m analytics init``)."""
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise StoreError("db-too-new", version=current, supported=SCHEMA_VERSION)
    if current < SCHEMA_VERSION:
        raise StoreError("db-too-old", version=current, supported=SCHEMA_VERSION)
    return current


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Run the migrations this database has not seen, each in its own transaction.

    Returns the schema version. A database newer than this code is refused rather
    than risked.
    """
    with _write_lock, _migration_lock(con):
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "applied_at TIMESTAMP NOT NULL)"
        )
        current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if current > SCHEMA_VERSION:
            raise StoreError("db-too-new", version=current, supported=SCHEMA_VERSION)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            con.execute("BEGIN TRANSACTION")
            try:
                MIGRATIONS[version - 1](con)
                con.execute(
                    "INSERT INTO schema_version VALUES (?, current_timestamp)", [version]
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return SCHEMA_VERSION


# Holders of store files in this process that can let go of an idle connection (the
# dashboard's lease): ``release(path) -> bool`` closes it if nobody uses it, True if it did.
_holders: list[Callable[[str], bool]] = []


def register_holder(release: Callable[[str], bool]) -> None:
    """Let :func:`connect` ask ``release`` to close an idle connection to a file when this process
    opens that file in the other mode (DuckDB allows one configuration of a file per process)."""
    if release not in _holders:
        _holders.append(release)


def _release_idle(target: str) -> bool:
    return any([release(target) for release in list(_holders)])


def connect(
    path: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the database; ``":memory:"`` for tests; a
    ``postgresql://`` URL opens that PostgreSQL database (``read_only``: refuse a schema older
    or newer than the code instead of migrating it).

    A file held by another process gives ``StoreError("db-in-use")``.
    """
    target = ":memory:" if str(path) == ":memory:" else resolve_address(path)
    if engines.is_postgres(target):
        from analytics.engines.postgres import PgConnection

        pg = PgConnection(target)
        if read_only:
            check_version(pg)
        else:
            migrate(pg)
        return pg  # type: ignore[return-value]
    fresh = target != ":memory:" and not Path(target).exists()
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            con = duckdb.connect(target, read_only=read_only)
        except duckdb.ConnectionException as e:
            # this process holds the file in the other mode: ask its idle holders (the
            # dashboard's lease) to let go, then try once more
            if "different configuration" not in str(e) or not _release_idle(target):
                raise StoreError("db-held-here", path=target) from e
            con = duckdb.connect(target, read_only=read_only)
        if fresh:
            os.chmod(target, 0o600)  # service-user only (SECURITY.md), whatever the umask
    except duckdb.ConnectionException as e:
        raise StoreError("db-held-here", path=target) from e
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise StoreError("db-in-use", path=target) from e
        raise StoreError("db-open-failed", path=target, detail=str(e)) from e
    except duckdb.Error as e:
        raise StoreError("db-open-failed", path=target, detail=str(e)) from e
    if not read_only:
        migrate(con)
    return con


DUCKDB_MAGIC = b"DUCK"  # bytes 8–11 of every DuckDB database file
WAIT_VAR = "DUAL_MENTOR_WAIT"
DEFAULT_WAIT = 30.0


def check_file(path: str | os.PathLike[str] | None = None) -> None:
    """Refuse a store file that is not there (``db-missing``), is empty (``db-empty-file``) or is
    not a DuckDB database (``db-not-duckdb``), without creating or touching anything. A
    ``postgresql://`` address (and ``":memory:"``) passes: opening it says whether it answers."""
    if str(path) == ":memory:":
        return
    address = resolve_address(path)
    if engines.is_postgres(address):
        return
    file = Path(address)
    if not file.is_file():
        raise StoreError("db-missing", path=address)
    with file.open("rb") as fh:
        head = fh.read(12)
    if not head:
        raise StoreError("db-empty-file", path=address)
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError("db-not-duckdb", path=address)


def wait_seconds(value: float | None = None) -> float:
    """How long a writer waits for a busy file: ``value``, else ``$DUAL_MENTOR_WAIT``, else
    :data:`DEFAULT_WAIT` (a bad variable is a ``ConfigError``)."""
    from analytics.errors import ConfigError

    if value is None:
        text = os.environ.get(WAIT_VAR, "").strip()
        if not text:
            return DEFAULT_WAIT
        try:
            value = float(text)
        except ValueError:
            raise ConfigError("cli-bad-wait", value=text) from None
    if value < 0:
        raise ConfigError("cli-bad-wait", value=value)
    return value


def _connect_waiting(path: str | os.PathLike[str] | None, read_only: bool, wait: float,
                     on_wait: Callable[[float], None] | None) -> duckdb.DuckDBPyConnection:
    """``connect``, retrying for up to ``wait`` seconds while another process holds the file;
    ``on_wait(wait)`` is called once, when the first attempt finds it busy. Gives
    ``StoreError("db-busy")`` when it never frees."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return connect(path, read_only=read_only)
        except StoreError as e:
            if e.code != "db-in-use":
                raise
            if time.monotonic() >= deadline:
                if wait <= 0:
                    raise
                raise StoreError("db-busy", path=e.params.get("path"), seconds=f"{wait:g}") from e
            if not told and on_wait is not None:
                on_wait(wait)
                told = True
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def open_store(
    path: str | os.PathLike[str] | None = None, *, read_only: bool = False, create: bool = False,
    wait: float = 0.0, on_wait: Callable[[float], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the store for a command: an existing one (:func:`check_file`) unless ``create``;
    ``read_only`` for a command that only reads (it runs beside a dashboard that reads, as
    many read-only processes may hold one DuckDB file); a busy file is retried for ``wait``
    seconds (``on_wait`` told once). A read-only open of a store older than this code
    migrates it first (briefly read-write), so reading never needs ``init``."""
    if not create:
        check_file(path)
    con = _connect_waiting(path, read_only, wait, on_wait)
    if not read_only or engines.engine_of(con) == "postgres":
        return con
    version = schema_version(con)
    if version > SCHEMA_VERSION:
        con.close()
        raise StoreError("db-too-new", version=version, supported=SCHEMA_VERSION)
    if version < SCHEMA_VERSION:
        con.close()
        _connect_waiting(path, False, wait, on_wait).close()  # migrates
        con = _connect_waiting(path, True, wait, on_wait)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, keyed: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """One all-or-nothing write: yields a cursor; commits when the block ends, rolls back on
    any error.

    On DuckDB under the process-wide write lock (one writing process per file anyway). On
    PostgreSQL writers of every process and thread run at once, each holding advisory locks
    to the end of its transaction: the general write key, or with ``keyed`` the keys of what
    it touches, which the block takes itself (``analytics.engines.locks``: imports, undo).
    """
    pg = engines.engine_of(con) == "postgres"
    with contextlib.nullcontext() if pg else _write_lock:
        cur = con.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            if pg and not keyed:
                cur.execute("SELECT pg_advisory_xact_lock(?)", [_PG_WRITE_LOCK])
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            try:
                cur.execute("COMMIT")
            except duckdb.Error as e:
                raise StoreError("db-write-failed", detail=str(e)) from e
        finally:
            cur.close()


def query(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> pd.DataFrame:
    """Run one read query on its own cursor and return a frame; any failure of the query (on either
    engine) is ``StoreError("query-failed")``. The one read path of ``analytics``, beside
    :func:`transaction` for writes.

    >>> query(con, "SELECT count(*) AS n FROM students WHERE school_id = $s", {"s": "3301025"})
    """
    try:
        with closing(con.cursor()) as cur:
            return cur.execute(sql, params or []).df()
    except duckdb.Error as e:
        raise StoreError("query-failed", detail=str(e)) from e


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> list[tuple]:
    """Like :func:`query`, as plain Python tuples (single figures, choices, JSON)."""
    try:
        with closing(con.cursor()) as cur:
            return cur.execute(sql, params or []).fetchall()
    except duckdb.Error as e:
        raise StoreError("query-failed", detail=str(e)) from e


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """A token that changes with every import and undo, and every sign-off of a school's returns
    (cache key for the dashboard)."""
    row = con.cursor().execute(
        "SELECT coalesce(max(batch_id), 0), count(*), count(undone_at), "
        "(SELECT count(*) FROM reporting_signoffs), (SELECT max(changed_at) FROM reporting_signoffs) "
        "FROM import_batches"
    ).fetchone()
    return f"{row[0]}-{row[1]}-{row[2]}" + (f"-{row[3]}-{row[4]}" if row[3] else "")


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each canonical table, in schema order."""
    cur = con.cursor()
    return {
        t.name: cur.execute(f"SELECT count(*) FROM {quote_ident(t.name)}").fetchone()[0]
        for t in schema.TABLES
    }


def year_expression(table: schema.Table, alias: str | None = None) -> str | None:
    """SQL for the year a row of ``table`` (optionally aliased ``alias``) belongs to (its
    ``year_column``), or None."""
    if table.year_column is None:
        return None
    col = table.column(table.year_column)
    ident = quote_ident(col.name) if alias is None else f"{alias}.{quote_ident(col.name)}"
    return f"year({ident})" if col.kind == "date" else ident


def table_coverage(
    con: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None = None
) -> list[dict[str, object]]:
    """Per canonical table: rows and the years its data covers (None when it has no year),
    limited to the rows a user with ``scope`` (their schools; ``None`` = all) may see."""
    from analytics.filters import Filters  # filters builds on quote_ident here

    scoped = Filters(scope=scope)
    out: list[dict[str, object]] = []
    for t in schema.TABLES:
        expr = year_expression(t, "x")
        years = f"min({expr}), max({expr})" if expr else "NULL, NULL"
        where, params = scoped.where(t.name, "x")
        (count, first, last), = rows(con, f"SELECT count(*), {years} FROM {quote_ident(t.name)} x WHERE {where}", params)
        out.append({"table": t.name, "zh": t.zh, "en": t.en, "rows": count, "year_from": first, "year_to": last})
    return out
