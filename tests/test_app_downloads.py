"""Every download button of the dashboard, in AppTest: pressing one never reruns the page, and a
table's file writes its audit record when it is made.

Why no rerun: Streamlit's browser sends the button's rerun first and then asks for the file by its
deferred id. A rerun that finishes before that request is served retires the id (the new run
registers a new one), so the click downloads nothing: CI saw exactly that once, a download that
never came in 180 s (``test_auth_browser.py``). The audit record used to be that rerun's callback;
it is now written by the file's own maker (``ui.access.download_record``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

PAGES = ["dashboard.py", "pages/4_students.py", "pages/5_mentors.py", "pages/9_actions.py", "pages/14_schools.py"]


@pytest.mark.parametrize("page", PAGES)
def test_no_download_button_reruns_the_page(app, demo_db, page: str) -> None:
    at = app(page, demo_db)
    assert not at.exception, [e.value for e in at.exception]
    buttons = at.get("download_button")
    assert buttons, page
    assert [b.proto.label for b in buttons if not b.proto.ignore_rerun] == []
    assert all(b.proto.deferred_file_id for b in buttons)  # every file is made when pressed


def _exports(db) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT user_name, details FROM audit_log WHERE action = 'export' ORDER BY event_id").fetchall()
    return [{"user": user, **json.loads(details)} for user, details in rows]


def test_a_table_download_is_audited_when_its_file_is_made(app, demo_copy, monkeypatch) -> None:
    made: dict[str, Callable[[], object]] = {}  # the files' makers, by deferred id (AppTest's runtime is gone after the run)
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, *args, **kwargs) -> str:
        file_id = register(self, data_callable, *args, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = app("pages/4_students.py", demo_copy)
    button = at.get("download_button")[0]
    from ui import store

    store.close_all()  # the checks below open the file themselves
    before = _exports(demo_copy)
    # what the browser's request runs: on a thread of its own, outside any script run
    with ThreadPoolExecutor(1) as pool:
        data = pool.submit(made[button.proto.deferred_file_id]).result()
    store.close_all()
    after = _exports(demo_copy)
    assert data.startswith(b"\xef\xbb\xbf") and len(after) == len(before) + 1  # the CSV, and one record
    record = after[-1]
    assert (record["kind"], record["format"], record["name"]) == ("table", "csv", button.proto.id.split("dl_")[-1])
