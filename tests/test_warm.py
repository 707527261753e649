"""Warm caches and one query per question on the pages (issue 17): what a page run computes,
how many times, and what is computed before anyone asks (ui/warm.py)."""

from __future__ import annotations

import asyncio
import runpy
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from metric_fixtures import count_calls

from analytics import db
from analytics.config import Settings, Targets
from analytics.filters import Filters
from analytics.ingest import load, sandbox
from analytics.metrics import employment, headlines, mentors
from ui import store, warm


@pytest.fixture
def counted(monkeypatch):
    """How often the employment base query and the mentor calendar are built (the base query
    made slow enough for two callers to overlap)."""
    calls = {"employment": 0, "calendar": 0}
    count_calls(monkeypatch, calls, "employment", employment, "_table", delay=0.3)  # two sessions really overlap
    count_calls(monkeypatch, calls, "calendar", mentors, "_calendar_cte")
    return calls


@pytest.mark.parametrize(("page", "expected"), [
    # tiles, sentences, attention: one employment query, one calendar per mentor type (was 2 and 8)
    ("dashboard.py", {"employment": 1, "calendar": 2}),
    # the tile, the pooled figures, the series and the breakdown by major: one (was 3)
    ("pages/2_employment.py", {"employment": 1, "calendar": 2}),
])
def test_a_cold_page_runs_each_base_query_once(app, demo_copy, counted, page, expected) -> None:
    at = app(page, demo_copy)  # a copy: a file of its own, so nothing is cached for it yet
    assert not at.exception, [e.value for e in at.exception]
    assert counted == expected


@pytest.fixture
def reads(monkeypatch):
    """How often the store's data version and the settings file are read."""
    calls = {"version": 0, "settings": 0}
    count_calls(monkeypatch, calls, "version", db, "data_version")
    count_calls(monkeypatch, calls, "settings", store, "load_settings")
    return calls


@pytest.mark.parametrize("page", ["dashboard.py", "pages/5_mentors.py", "pages/2_employment.py"])
def test_a_page_run_reads_the_data_version_and_the_settings_once(app, demo_db, reads, page) -> None:
    at = app(page, demo_db)
    assert not at.exception, [e.value for e in at.exception]
    reads.update(version=0, settings=0)
    at.run()  # a warm rerun: before, the mentors page read the version 12 times, the settings 9
    assert not at.exception, [e.value for e in at.exception]
    assert reads == {"version": 1, "settings": 1}


def _version_around_a_write() -> None:
    """A page script: the data version before and after an undo it makes, and again after that."""
    import streamlit as st

    from analytics.ingest import load
    from ui import store

    before = store.data_version()
    if st.session_state.setdefault("undo", True):
        st.session_state["undo"] = False
        batches = store.query_store(load.list_batches)
        store.write(load.undo_batch, int(batches[batches["status"] == "loaded"]["batch_id"].max()))
    st.text(f"{before} {store.data_version()} {store.data_version()}")


def test_a_write_of_the_run_voids_the_version_it_read_and_the_next_run_reads_anew(demo_copy, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    at = AppTest.from_function(_version_around_a_write).run()
    assert not at.exception, [e.value for e in at.exception]
    before, after, again = at.text[0].value.split()
    assert before != after == again  # the undo is seen at once, and the run keeps that reading
    con = db.connect(demo_copy)  # another program (the command line) undoes a batch between runs
    (batch,) = con.execute("SELECT max(batch_id) FROM import_batches WHERE status = 'loaded'").fetchone()
    load.undo_batch(con, batch)
    con.close()
    at.run()
    first, *_ = at.text[0].value.split()
    assert first not in (before, after)  # a new run: its own reading, not the last run's
    store.close_all()


@pytest.mark.parametrize("changed", [
    {"small_n": 11},
    {"targets": Targets(compliance=0.9)},  # a nested dataclass
    {"evaluator_weights": {**Settings().evaluator_weights, "school": 2.0}},  # fields left out of the hash
    {"grade_scores": {**Settings().grade_scores, "fail": 40.0}},
], ids=["small_n", "targets", "evaluator_weights", "grade_scores"])
def test_the_cache_key_of_the_settings_tells_every_field_apart(changed) -> None:
    # cached queries key on this digest, not on the object: settings that differ must not share results
    assert store._settings_key(Settings()) == store._settings_key(Settings())
    assert store._settings_key(replace(Settings(), **changed)) != store._settings_key(Settings())


def _pass_rate_script() -> None:
    """A page script: the certificate pass rate through the cache, with its small-group flag."""
    import streamlit as st

    from analytics.filters import Filters
    from analytics.metrics import certificates
    from ui import store

    rate = store.query(certificates.pass_rate, Filters())
    st.text(f"{rate.denominator} {rate.small_n}")


def test_a_changed_settings_file_changes_the_next_runs_figures(demo_copy, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    settings_file = demo_copy.parent / "settings.toml"
    settings_file.write_text("small_n = 10\n", encoding="utf-8")
    at = AppTest.from_function(_pass_rate_script).run()
    assert not at.exception, [e.value for e in at.exception]
    exams, small = at.text[0].value.split()
    assert 10 <= int(exams) < 10_000 and small == "False"
    settings_file.write_text("small_n = 10000\n", encoding="utf-8")  # the same data: only the settings changed
    at.run()
    assert at.text[0].value == f"{exams} True"  # computed anew under the new settings, not the cached result
    store.close_all()


def test_outside_a_page_run_every_call_reads(demo_copy, monkeypatch, reads) -> None:
    # the warm thread and background jobs run outside any page run
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    store.data_version(), store.data_version(), store.settings(), store.settings()
    assert reads == {"version": 2, "settings": 2}
    store.close_all()


def test_two_sessions_asking_at_once_cause_one_computation(demo_copy, counted, monkeypatch) -> None:
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    start, got = threading.Barrier(2), []

    def session() -> None:
        start.wait()
        got.append(store.query(headlines.overview, Filters()))

    both = [threading.Thread(target=session) for _ in range(2)]
    for t in both:
        t.start()
    for t in both:
        t.join()
    assert counted["employment"] == 1  # the second waited for the first's computation
    assert got[0] is got[1]
    store.close_all()


def test_a_page_asking_during_a_warm_pass_waits_for_it(app, demo_copy, counted, monkeypatch) -> None:
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    warming = threading.Thread(target=warm.Warmer(str(demo_copy)).warm_once)
    warming.start()
    at = app("dashboard.py", demo_copy)  # the default filters: what the warm pass computes
    warming.join()
    assert not at.exception, [e.value for e in at.exception]
    assert counted["employment"] == 1


def test_after_an_undo_the_next_page_run_is_served_from_the_warmed_cache(app, demo_copy, counted) -> None:
    at = app("dashboard.py", demo_copy)
    assert counted["employment"] == 1
    watcher = warm.warmer(str(demo_copy))
    assert watcher._thread is None  # under AppTest no thread: the test looks for changes itself
    assert watcher.check()  # the first look warms (everything is cached already: no query)
    assert counted["employment"] == 1
    assert not watcher.check()  # nothing changed
    con = db.connect(demo_copy)  # the command line's way: the idle lease lets go of the file
    (batch,) = con.execute("SELECT max(batch_id) FROM import_batches WHERE target_table = 'employment' "
                           "AND status = 'loaded'").fetchone()
    load.undo_batch(con, batch)
    con.close()
    assert watcher.check()  # the file changed: one warm pass for the new data version
    assert counted["employment"] == 2
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert counted["employment"] == 2  # the page found its figures already computed


def test_filters_a_page_showed_are_warmed_after_the_default(demo_copy) -> None:
    watcher = warm.Warmer(str(demo_copy))
    for year in (2021, 2022, 2021):
        watcher.remember(Filters(year_from=year))
    watcher.remember(Filters())
    assert watcher.filters() == [Filters(), Filters(year_from=2021), Filters(year_from=2022)]


def test_the_thread_warms_at_start(demo_copy, counted, monkeypatch) -> None:
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    watcher = warm.Warmer(str(demo_copy), poll=0.05)
    watcher.start()
    try:
        for _ in range(600):  # until the first pass is done (no time is asserted)
            if watcher.passes:
                break
            time.sleep(0.05)
    finally:
        watcher.stop()
        watcher._thread.join()
    assert watcher.passes >= 1 and counted["employment"] == 1
    store.close_all()


def test_the_server_warms_from_its_start_before_any_page_runs(demo_copy, counted, monkeypatch) -> None:
    # app.py's lifespan hook: Streamlit's runtime is up (serving), no page has run yet
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    monkeypatch.setattr(warm, "serving", lambda: True)
    monkeypatch.setattr(warm, "_warmers", {})

    async def server() -> warm.Warmer:
        async with warm.lifespan(None):
            watcher = warm.warmer()
            for _ in range(600):  # until the first pass is done (no time is asserted)
                if watcher.passes:
                    break
                await asyncio.sleep(0.05)
            return watcher

    watcher = asyncio.run(server())
    watcher._thread.join()  # the server's shutdown stopped the thread
    assert watcher.passes >= 1 and counted["employment"] == 1
    store.close_all()


def test_the_server_starts_the_file_reader_before_the_first_upload(demo_copy, monkeypatch) -> None:
    # The reader's fork server takes about a second to start (it imports the readers): started
    # with the server, the first upload does not wait for it.
    monkeypatch.setenv("DUAL_MENTOR_DB", str(demo_copy))
    monkeypatch.setattr(warm, "serving", lambda: True)
    monkeypatch.setattr(warm, "_warmers", {})
    monkeypatch.setattr(sandbox, "_server", None)

    async def server() -> object:
        async with warm.lifespan(None):
            return sandbox._server

    started = asyncio.run(server())
    warm.warmer()._thread.join()  # the server's shutdown stopped the warm thread
    store.close_all()
    assert started is not None
    try:
        assert started.alive()
        [sheet] = sandbox.read_isolated("学号,证书名称\n1,电工\n".encode(), "a.csv")
        assert sandbox._server is started and sheet.frame.shape == (1, 2)  # the read used it
    finally:
        started.process.kill()
        started.process.wait()


def test_no_file_reader_is_started_outside_a_real_server(monkeypatch) -> None:
    monkeypatch.setattr(sandbox, "_server", None)
    warm.start()  # under pytest, as under AppTest: no Streamlit server runs
    assert sandbox._server is None


def test_app_py_gives_the_server_the_warm_lifespan(monkeypatch) -> None:
    made = {}

    class App:  # st.App, recording how app.py builds the server
        def __init__(self, script: str, **options) -> None:
            made.update(options, script=script)

    monkeypatch.setattr(st, "App", App)
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"))
    assert made["script"] == "dashboard.py" and made["lifespan"] is warm.lifespan
