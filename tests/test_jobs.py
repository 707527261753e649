"""Background jobs (``ui.jobs``): a confirmed import runs every step to the end in the
server process, whether or not the page that started it is still there, and keeps its
outcome where a later page run finds it."""

from __future__ import annotations

import threading

import pytest

from analytics.errors import AnalyticsError
from ui import jobs

WAIT = 60  # seconds a test waits for a job at most (a deadline, not a measured time)


def _owner(request: pytest.FixtureRequest) -> str:
    return f"user-{request.node.name}"  # each test its own owner: jobs are per process


def test_every_step_runs_to_the_end_without_anyone_waiting(request):
    gate = threading.Event()
    order: list[int] = []

    def step(i: int):
        def run():
            gate.wait(WAIT)
            order.append(i)
            return [{"file": f"{i}.csv"}]
        return run

    job = jobs.start(_owner(request), "import", [step(i) for i in range(4)])
    # the starter goes away (its script run stopped): nothing holds the job but its thread
    assert job.running and job.done == 0
    gate.set()
    assert jobs.wait(job, WAIT)
    assert (job.state, job.done, job.total, job.error) == ("done", 4, 4, None)
    assert order == [0, 1, 2, 3]
    assert [o["file"] for o in job.outcomes] == ["0.csv", "1.csv", "2.csv", "3.csv"]
    assert jobs.latest(_owner(request), "import") is job


def test_a_refusal_stops_the_job_and_is_kept_with_what_was_done(request):
    def refuse():
        raise AnalyticsError("store-locked")

    steps = [lambda: [{"file": "a.csv"}], refuse, lambda: [{"file": "never.csv"}]]
    job = jobs.start(_owner(request), "import", steps)
    assert jobs.wait(job, WAIT)
    assert (job.state, job.done) == ("failed", 1)
    assert job.error.code == "store-locked"
    assert [o["file"] for o in job.outcomes] == ["a.csv"]


def test_an_unexpected_error_ends_the_job_with_a_message_in_both_languages(request):
    def broken():
        raise KeyError("x")

    job = jobs.start(_owner(request), "import", [broken])
    assert jobs.wait(job, WAIT)
    assert job.state == "failed" and job.error.code == "job-failed"
    zh, en = job.error.message("zh"), job.error.message("en")
    assert "KeyError" in zh and "KeyError" in en and zh != en
    assert "导入历史" in zh and "import history" in en


def test_latest_and_running_are_per_owner_and_kind(request):
    owner = _owner(request)
    gate = threading.Event()
    first = jobs.start(owner, "import", [lambda: []])
    assert jobs.wait(first, WAIT)
    second = jobs.start(owner, "import", [lambda: gate.wait(WAIT) and []])
    other = jobs.start(owner + "-other", "import", [lambda: []])
    assert jobs.latest(owner, "import") is second
    assert jobs.running(owner, "import") == [second]
    assert jobs.latest(owner, "export") is None
    gate.set()
    assert jobs.wait(second, WAIT) and jobs.wait(other, WAIT)
    assert jobs.running(owner, "import") == []
    assert jobs.latest(owner + "-other", "import") is other


def test_only_the_last_finished_jobs_of_an_owner_are_kept(request):
    owner = _owner(request)
    started = []
    for _ in range(jobs.KEPT_PER_OWNER + 3):
        job = jobs.start(owner, "import", [lambda: []])
        assert jobs.wait(job, WAIT)
        started.append(job)
    kept = [j for j in started if j.id in jobs._jobs]
    # each start forgets the owner's older finished jobs beyond KEPT_PER_OWNER (5): the
    # last start saw 7 finished before it, kept 5 of them, and is itself the 6th
    assert kept == started[-(jobs.KEPT_PER_OWNER + 1):]
