"""``ui.frame`` outside a script run: ``python dashboard.py`` (Streamlit's bare mode, also what a
child process of the test suite runs) must stop where a script run stops, not run on into the page.

In bare mode ``st.stop()`` returns instead of raising, so code after it ran and crashed
(``UnboundLocalError: 'user'`` at the frame, or the page drawn on an empty database).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bare(script: str, db_file: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DUAL_MENTOR_DB": str(db_file), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("script", ["dashboard.py", "pages/2_employment.py"])
def test_bare_run_on_a_broken_database_stops_without_a_traceback(tmp_path: Path, script: str) -> None:
    broken = tmp_path / "broken.duckdb"
    broken.write_text("not a database")  # opening it raises an AnalyticsError, shown, then the page stops
    done = _bare(script, broken)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "UnboundLocalError" not in done.stderr


@pytest.mark.parametrize("script", ["dashboard.py", "pages/2_employment.py"])
def test_bare_run_on_an_empty_database_stops_at_the_start_screen(empty_db: Path, script: str) -> None:
    done = _bare(script, empty_db)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]


def test_frame_outside_a_session_raises_instead_of_running_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ui

    broken = tmp_path / "broken.duckdb"
    broken.write_text("not a database")
    monkeypatch.setenv("DUAL_MENTOR_DB", str(broken))
    with pytest.raises(SystemExit):
        ui.frame("overview")
