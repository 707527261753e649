"""The dashboard's side of the store: a lease on the database, cached queries, writes.

* The dashboard holds **no connection between script runs**, so that the command line can
  read and write the same DuckDB file while the dashboard runs (DuckDB allows one read-write
  process or many read-only ones). A :class:`Lease` opens a read-only connection when a run
  needs one, shares it with every run of the process meanwhile, and closes it when nobody
  has used it for ``IDLE_SECONDS`` (a timer thread). A write (import, undo, audit record,
  action) takes a short-lived read-write connection instead, closed as soon as the last
  user lets go; writes still run one at a time under the process write lock
  (``db.transaction``). If the command line holds the writer, a run waits up to
  ``BUSY_WAIT`` seconds and then shows "being updated, retry in a moment"
  (``StoreError("db-updating")``), never a traceback. On PostgreSQL (a server, no file
  locks) the lease keeps one connection.
* When no database file exists yet it is created with the demo data, so that
  ``streamlit run app.py`` shows a working dashboard on a fresh machine.
* ``query(fn, filters, ...)`` runs an analytics function on its own cursor and caches the
  result (``st.cache_resource``, shared read-only) keyed on the database, its data version,
  the settings and the filters, so an import or undo — from the dashboard or from the
  command line — refreshes every page on its next run.
* A page run reads the data version and the settings **once** (:func:`_per_run`) and keys all
  its queries on them: one snapshot per run, and a warm rerun that asks the store nothing it
  already knows. A write of this process (``Lease.write``) voids what the run read.
"""

from __future__ import annotations

import hashlib
import importlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics import db, engines
from analytics.config import Settings, load_settings
from analytics.engines.scope import scoped
from analytics.errors import StoreError
from analytics.filter_options import FilterOptions, filter_options
from analytics.filters import Filters

IDLE_SECONDS = 2.0  # a read-only connection nobody used for this long is closed
BUSY_WAIT = 5.0  # how long a run waits for another program's writer before saying so
HOLD_WAIT = 60.0  # how long a run waits for other runs of this process to let go (a stuck hold)


class Lease:
    """The dashboard's hold on one store, taken only while runs use it.

    ``read()`` and ``write()`` are context managers yielding the connection. Readers share
    whatever connection is open; a writer waits for the readers of a read-only connection to
    finish, then opens it read-write (readers arriving meanwhile wait, so a writer is never
    starved, and share the writer's connection). ``opened`` counts connections opened.

    Every wait is bounded: for another program's writer ``wait`` seconds, for the other runs of
    this process to let go ``hold`` seconds; then ``StoreError("db-updating")`` ("being updated,
    retry in a moment"), never a hang.
    """

    def __init__(self, address: str, idle: float = IDLE_SECONDS, wait: float = BUSY_WAIT,
                 hold: float = HOLD_WAIT) -> None:
        self.address = address
        self.idle = idle
        self.wait = wait
        self.hold = hold
        self.postgres = engines.is_postgres(address)
        self.opened = 0
        self._cond = threading.Condition()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._writable = False
        self._users = 0
        self._writers = 0  # writers waiting for the readers to finish
        self._last = 0.0
        self._timer: threading.Timer | None = None
        self._mine = threading.local()  # .n: holds of the calling thread
        _every_lease.add(self)

    @property
    def is_open(self) -> bool:
        """Whether a connection is open now."""
        return self._con is not None

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection, read-only unless a writer holds it read-write.

        A thread that already holds the lease shares its connection at once (it must not queue
        behind a writer that is waiting for that very thread to let go)."""
        deadline = time.monotonic() + self.hold
        with self._locked(deadline):
            if not self._held():
                self._await(lambda: not (self._writers and not self._writable), deadline)
            if self._con is None:
                self._open(writable=self.postgres)
            self._take()
            con = self._con
        try:
            yield con
        finally:
            self._release()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection (created and migrated if needed), closed after its last user."""
        deadline = time.monotonic() + self.hold
        with self._locked(deadline):
            self._writers += 1
            try:
                self._await(lambda: self._con is None or self._writable or not self._users, deadline)
                if self._con is not None and not self._writable:
                    self._close()
                if self._con is None:
                    self._open(writable=True)
                self._take()
                con = self._con
            finally:
                self._writers -= 1
                self._cond.notify_all()
        try:
            yield con
        finally:
            self._release()
            _wrote()  # after the write: a run that read the data version before it reads it again

    def _busy(self) -> StoreError:
        return StoreError("db-updating", path=db.describe(self.address))

    @contextmanager
    def _locked(self, deadline: float) -> Iterator[None]:
        """The lease's lock, waited for until ``deadline`` at most (then "being updated")."""
        if not self._cond.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise self._busy()
        try:
            yield
        finally:
            self._cond.release()

    def _await(self, ready: Callable[[], bool], deadline: float) -> None:
        """Wait (holding the lock) until ``ready()``, until ``deadline`` at most: a writer that never
        finishes or a reader that never lets go gives "being updated", never an endless wait."""
        if not self._cond.wait_for(ready, timeout=max(0.0, deadline - time.monotonic())):
            raise self._busy()

    def _held(self) -> int:
        """How many holds of this lease the calling thread has now."""
        return getattr(self._mine, "n", 0)

    def _take(self) -> None:
        self._users += 1
        self._mine.n = self._held() + 1

    def close_if_idle(self) -> bool:
        """Close the connection now if nobody uses it; True if one was closed."""
        if not self._cond.acquire(timeout=self.wait):
            return False
        try:
            if self._con is None or self._users:
                return False
            self._close()
            return True
        finally:
            self._cond.release()

    def _open(self, writable: bool) -> None:
        try:
            self._con = db.open_store(self.address, read_only=not writable, create=writable, wait=self.wait)
        except StoreError as e:
            if e.code == "db-busy":  # another program (the command line) holds the writer
                raise StoreError("db-updating", path=db.describe(self.address)) from e
            if e.code != "db-held-here" or writable:
                raise
            # this process holds the file read-write elsewhere: share that configuration
            self._con = db.open_store(self.address, wait=self.wait)
            writable = True
        self._writable = writable
        self.opened += 1

    def _close(self) -> None:
        con, self._con, self._writable = self._con, None, False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if con is not None:
            con.close()

    def _release(self) -> None:
        with self._cond:
            try:
                self._users -= 1
                self._mine.n = self._held() - 1
                if self._users == 0 and not self.postgres:
                    self._last = time.monotonic()
                    if self._writable or self.idle <= 0:
                        self._close()  # the writer is short-lived: the command line may write now
                    elif self._timer is None:
                        self._arm(self.idle)
            finally:  # waiters are told even when closing fails: a lost notify would keep them waiting
                self._cond.notify_all()

    def _arm(self, delay: float) -> None:
        timer = threading.Timer(delay, self._expire)
        timer.daemon = True
        timer.start()  # before it is recorded: a timer that never started must not look armed
        self._timer = timer

    def _expire(self) -> None:
        with self._cond:
            self._timer = None
            if self._con is None or self._users:
                return  # the last user to let go arms it again
            left = self._last + self.idle - time.monotonic()
            if left > 0:
                self._arm(left)
            else:
                self._close()


_leases: dict[str, Lease] = {}
_every_lease: weakref.WeakSet[Lease] = weakref.WeakSet()  # also those a test or benchmark makes
_leases_lock = threading.Lock()
_create_lock = threading.Lock()


def lease(path: str | None = None) -> Lease:
    """The process's lease on ``path`` (default: the database this process shows)."""
    path = path or db_path()
    with _leases_lock:
        if path not in _leases:
            _leases[path] = Lease(path)
        return _leases[path]


def close_all() -> None:
    """Close every idle connection and forget the leases (tests: between test databases)."""
    with _leases_lock:
        leases = list(_leases.values())
        _leases.clear()
    for held in leases:
        held.close_if_idle()


def _release_idle(target: str) -> bool:
    """``db.connect`` opening ``target`` in the other mode: let go of our idle connection to it."""
    want = Path(target).resolve()
    held = [x for x in list(_every_lease) if not x.postgres and Path(x.address).resolve() == want]
    return any([x.close_if_idle() for x in held])


db.register_holder(_release_idle)


def db_path() -> str:
    """The database this process shows (``$DUAL_MENTOR_DB`` or the default file)."""
    return db.resolve_address()


def ensure_database(message: str) -> None:
    """Create a missing database with the demo data, showing ``message`` meanwhile (one session
    of the process creates it; the others wait and find it there)."""
    path = db_path()
    if db.store_exists(path):
        return
    with _create_lock, st.spinner(message):
        if db.store_exists(path):
            return
        from analytics.sample import load_demo

        with lease(path).write() as con:
            load_demo(con)


# -- what a page run reads once ----------------------------------------------------------------
# A warm rerun of the mentors page at a million students asked for the data version 12 times
# (a query of the store, 2.5 ms each) and read and hashed the settings 9 times (1.1 ms each to
# hash): about 0.05 s of its 0.23 s. A run now reads each once; its queries share them.

_PER_RUN_SESSIONS = 256  # sessions whose latest run's values are kept (one entry each)
_writes = 0  # writes this process has finished (``Lease.write``)
# session id -> (the run's marker, _writes when it first read, {(name, database): value})
_runs: OrderedDict[str, tuple[object, int, dict[tuple[str, str], Any]]] = OrderedDict()
_runs_lock = threading.Lock()


def _wrote() -> None:
    global _writes
    with _runs_lock:
        _writes += 1


def _per_run(name: str, path: str, read: Callable[[], Any]) -> Any:
    """``read()`` once per page run and database: the value the run read first, unless this
    process has written since. Outside a page run (the warm thread, a background job) every
    call reads.

    A run is told apart by Streamlit's ``ScriptRunContext.cursors``, a dict the context
    replaces at the start of every run (also a fragment's); where that is not there, every call
    reads, as before."""
    ctx = get_script_run_ctx(suppress_warning=True)
    marker = getattr(ctx, "cursors", None)
    if marker is None:
        return read()
    with _runs_lock:
        run = _runs.get(ctx.session_id)
        if run is None or run[0] is not marker or run[1] != _writes:
            run = (marker, _writes, {})
            _runs[ctx.session_id] = run
        _runs.move_to_end(ctx.session_id)
        while len(_runs) > _PER_RUN_SESSIONS:
            _runs.popitem(last=False)
        values = run[2]
    if (name, path) not in values:
        values[(name, path)] = read()
    return values[(name, path)]


def data_version() -> str:
    """Token that changes with every import or undo (part of every cache key); read once per
    page run (:func:`_per_run`)."""
    def read() -> str:
        with lease().read() as con, closing(con.cursor()) as cur:
            return db.data_version(cur)

    return _per_run("version", db_path(), read)


def settings() -> Settings:
    """The settings beside the database (validated; a bad file raises ``ConfigError``); read once
    per page run (:func:`_per_run`)."""
    return _settings_and_key()[0]


def _settings_key(s: Settings) -> str:
    """What the cache keys on for ``s``: a digest of its fields (Streamlit's hashing of the
    object itself took 1.1 ms a query)."""
    return hashlib.sha256(repr(s).encode()).hexdigest()


def _settings_and_key() -> tuple[Settings, str]:
    path = db_path()

    def read() -> tuple[Settings, str]:
        given = load_settings(db_path=path)
        return given, _settings_key(given)

    return _per_run("settings", path, read)


# cache_resource, not cache_data: a hit returns the stored object itself instead of unpickling a
# copy, which for a million students (a mentor × month calendar) costs seconds. Results are
# treated as read-only by every page (pandas ``assign``/``merge`` make new frames).
# ``_settings`` is not hashed (a leading underscore): ``settings_key``, its digest, stands for it.
@st.cache_resource(show_spinner=False, max_entries=200)
def _cached(module: str, name: str, path: str, version: str, settings_key: str, _settings: Settings,
            filters: Filters | None, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with lease(path).read() as con, closing(con.cursor()) as cur:
        if filters is None:
            return fn(cur, *args, **dict(kwargs))
        # on PostgreSQL the database applies the same scope (row-level security)
        with scoped(filters.scope):
            return fn(cur, filters, _settings, *args, **dict(kwargs))


def query(fn: Callable[..., Any], filters: Filters, *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, filters, settings, *args, **kwargs)``, cached on filters and data version."""
    given, key = _settings_and_key()
    return _cached(fn.__module__, fn.__name__, db_path(), data_version(), key, given, filters,
                   args, tuple(sorted(kwargs.items())))


_NO_SETTINGS = Settings()  # functions of the whole store take none
_NO_SETTINGS_KEY = _settings_key(_NO_SETTINGS)


def query_store(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(cursor, *args, **kwargs)`` for functions of the whole store (coverage, batches)."""
    return _cached(fn.__module__, fn.__name__, db_path(), data_version(), _NO_SETTINGS_KEY, _NO_SETTINGS,
                   None, args, tuple(sorted(kwargs.items())))


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
    """``write`` bound to this process's lease, for a background job: it runs outside any script
    run, where the database of the session cannot be looked up."""
    held = lease()

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with held.write() as con, closing(con.cursor()) as cur:
            return fn(cur, *args, **kwargs)

    return run


def write(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a writing analytics function (import, undo, audit record, action) on a short-lived
    read-write connection.

    The function takes the write lock itself (``db.transaction``) and gets its own cursor,
    so two sessions checking files at the same time never share a cursor. The data version
    changes, so every cached query is recomputed on the next run.
    """
    return writer()(fn, *args, **kwargs)
