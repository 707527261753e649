"""Warm caches (issue 17): the headline queries are computed once, in the background, when the
server starts and after every import or undo, instead of by the first users who arrive.

* **What.** For the default filters and the few filters users asked for most recently
  (``remember``, called by the overview's cached view), the overview's shared computation
  (``headlines.overview``: tiles, sentences, attention list, each headline page's tile and the
  employment page's figures) and the attention list's small queries, through ``store.query``:
  the same cache entries the pages read, keyed on the data version.
* **When.** A daemon thread per database (:class:`Warmer`) warms once at start, then watches
  for a change of the data: for a DuckDB file the size and modification time of the file and
  its write-ahead log (``os.stat``: no connection is opened to look, so the command line can
  still take the writer), for PostgreSQL the data version. A change — an import or undo from
  the dashboard or from the command line — warms again. ``poke`` warms at once.
* **No blocking.** The thread never runs inside a page: a page that asks for an entry being
  warmed waits for that one computation instead of starting its own (``st.cache_resource``
  computes a missing entry once however many sessions ask at the same moment: single-flight),
  and finds the rest already there. Each query takes the lease and lets it go
  (``ui.store.Lease``): no connection is held between warm passes.
* **Start.** The server (``app.py``) starts the thread in its lifespan hook (:func:`lifespan`),
  before the first browser connects, so the first user after a restart finds the headlines
  computed; a page run starts it too (``streamlit run dashboard.py``, or a process whose thread
  stopped). The file reader's fork server (``analytics.ingest.sandbox``) starts then too, so the
  first upload is read by a reader that is already up.
* Only a real server warms (``serving``); under ``AppTest`` the thread is not started and tests
  call :meth:`Warmer.check` / :meth:`Warmer.warm_once` themselves.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from analytics import engines, narrative
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.metrics import headlines as hl

POLL_SECONDS = 1.0  # how often the thread looks for a change of the data
RECENT = 6  # distinct filters remembered besides the default

_log = logging.getLogger(__name__)


class Warmer:
    """Warms the headline queries of one store (``address``) when its data change."""

    def __init__(self, address: str, poll: float = POLL_SECONDS) -> None:
        self.address = address
        self.poll = poll
        self.passes = 0  # warm passes run (tests, diagnostics)
        self._recent: OrderedDict[Filters, None] = OrderedDict()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._seen: object = None
        self._thread: threading.Thread | None = None

    def remember(self, filters: Filters) -> None:
        """Filters a page showed: warmed with the default ones after the next change."""
        if filters == Filters():
            return
        with self._lock:
            self._recent[filters] = None
            self._recent.move_to_end(filters)
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)

    def filters(self) -> list[Filters]:
        """What a warm pass computes for: the default filters first, then the recent ones."""
        with self._lock:
            return [Filters(), *reversed(self._recent)]

    def signature(self) -> object:
        """What changes when the data do, read without opening the store where possible."""
        if engines.is_postgres(self.address):
            from ui import store

            return store.data_version()
        marks = []
        for path in (Path(self.address), Path(self.address + ".wal")):
            try:
                st_ = os.stat(path)
                marks.append((st_.st_mtime_ns, st_.st_size))
            except FileNotFoundError:
                marks.append(None)
        return tuple(marks)

    def check(self) -> bool:
        """Warm if the data changed since the last look (or on the first look); True if it warmed."""
        seen = self.signature()
        if seen == self._seen:
            return False
        self._seen = seen
        self.warm_once()
        return True

    def warm_once(self) -> int:
        """Compute the headline queries for :meth:`filters` (cache hits cost only the lookup);
        how many filters were warmed."""
        from ui import decide, store

        done = 0
        for f in self.filters():
            store.query(hl.overview, f)
            store.query(narrative.attention_facts, f, day=decide.today())
            done += 1
        self.passes += 1
        return done

    def poke(self) -> None:
        """Warm now (e.g. right after a write of this process) instead of at the next look."""
        self._wake.set()

    def start(self) -> None:
        """Start the thread (once): it warms now, then after each change of the data."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"warm {Path(self.address).name}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread after its current pass."""
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._wake.is_set():
                    self._wake.clear()
                    self._seen = None  # warm whatever the signature says
                self.check()
            except AnalyticsError as e:  # a store being replaced or not there yet: try again later
                _log.info("warm pass skipped: %s", e)
            self._wake.wait(self.poll)


_warmers: dict[str, Warmer] = {}
_warmers_lock = threading.Lock()


def warmer(address: str | None = None) -> Warmer:
    """The process's warmer of ``address`` (default: the database this process shows)."""
    from ui import store

    address = address or store.db_path()
    with _warmers_lock:
        if address not in _warmers:
            _warmers[address] = Warmer(address)
        return _warmers[address]


def serving() -> bool:
    """True in a real Streamlit server (not under ``AppTest``, whose runtime is a mock)."""
    from streamlit import runtime
    from streamlit.runtime import Runtime

    return runtime.exists() and type(runtime.get_instance()) is Runtime  # a spec'd mock passes isinstance


def start() -> None:
    """Warm the database this process shows, now and after each change, and start the file
    reader's fork server (a real server only): the first upload then does not wait for the
    reader's start-up (about a second of importing the readers in a new process)."""
    if serving():
        warmer().start()
        from analytics.ingest import sandbox  # imported here: a page under AppTest never needs the readers

        sandbox.start()


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    """The server's lifespan hook (``st.App(..., lifespan=lifespan)`` in ``app.py``): Streamlit's
    runtime is up when it runs, so the warmer of the database the server shows starts with the
    server, not with the first page run; it is stopped when the server shuts down."""
    start()
    try:
        yield
    finally:
        if serving():
            warmer().stop()
