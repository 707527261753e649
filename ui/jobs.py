"""Background jobs of the dashboard server: an import, once confirmed, runs to the end.

Why: a Streamlit script run stops as soon as the user clicks elsewhere, so an import done
inside the page that confirmed it stopped between two files — 2 of 4 files imported and
nothing said (#18.6). A job runs its steps in a thread of the server process, independent
of any script run; its state lives here, per server process, where any later run of any
page (the Data page) can show it: running (step i of n) or finished (each step's
outcome). A server restart ends a running job between two batches; what was imported
is in the import history.

No Streamlit in here: steps are plain callables, so the module is tested without a page.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analytics.errors import AnalyticsError

RUNNING, DONE, FAILED = "running", "done", "failed"
KEPT_PER_OWNER = 5  # finished jobs remembered per user (the latest is shown)

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_ids = itertools.count(1)
_jobs: dict[int, Job] = {}


@dataclass
class Job:
    """One background job: who started it, how far it got, and what each step gave."""

    id: int
    owner: str
    kind: str
    total: int
    started: float = field(default_factory=time.time)
    finished: float | None = None
    state: str = RUNNING
    done: int = 0  # steps finished
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    error: AnalyticsError | None = None  # the error that stopped the job

    @property
    def running(self) -> bool:
        return self.state == RUNNING


Step = Callable[[], list[dict[str, Any]]]


def start(owner: str, kind: str, steps: list[Step]) -> Job:
    """Run ``steps`` in order in a background thread; each returns its outcome records.

    An :class:`AnalyticsError` from a step stops the job (state ``failed``, ``error`` set);
    so does any other exception (logged, and reported as ``job-failed``).
    """
    job = Job(next(_ids), owner, kind, len(steps))
    with _lock:
        _jobs[job.id] = job
        _forget_old(owner)
    thread = threading.Thread(target=_run, args=(job, steps), name=f"job-{job.id}-{kind}", daemon=True)
    thread.start()
    return job


def _run(job: Job, steps: list[Step]) -> None:
    try:
        for step in steps:
            records = step()
            with _lock:
                job.outcomes.extend(records)
                job.done += 1
        state = DONE
    except AnalyticsError as err:
        job.error, state = err, FAILED
    except Exception as err:  # a bug: the job ends, the server goes on
        _log.exception("background job %s (%s) failed", job.id, job.kind)
        job.error, state = AnalyticsError("job-failed", detail=type(err).__name__), FAILED
    with _lock:
        job.state, job.finished = state, time.time()


def _forget_old(owner: str) -> None:
    finished = sorted((j for j in _jobs.values() if j.owner == owner and not j.running), key=lambda j: j.id)
    for job in finished[:-KEPT_PER_OWNER]:
        del _jobs[job.id]


def latest(owner: str, kind: str) -> Job | None:
    """The owner's most recent job of ``kind`` (running or finished), or None."""
    with _lock:
        mine = [j for j in _jobs.values() if j.owner == owner and j.kind == kind]
    return max(mine, key=lambda j: j.id) if mine else None


def running(owner: str, kind: str) -> list[Job]:
    """The owner's jobs of ``kind`` still running, oldest first."""
    with _lock:
        return sorted((j for j in _jobs.values() if j.owner == owner and j.kind == kind and j.running),
                      key=lambda j: j.id)


def wait(job: Job, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``job`` to finish; whether it has."""
    deadline = time.monotonic() + timeout
    while job.running and time.monotonic() < deadline:
        time.sleep(0.05)
    return not job.running
