"""Private files (settings, users, export key) are written whole, 0600, and created once.

Bug (CI, 20 websocket sessions): sessions starting at the same moment all found no
``settings.toml``; the first created it and the others failed on "File exists", showing an
error page instead of the dashboard.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from analytics import privacy
from analytics.config import DEFAULT_TOML, Settings, load_settings
from analytics.private_files import write_private


def _all_at_once(n: int, work) -> list:
    """Run ``work()`` in ``n`` threads released together; their results or exceptions."""
    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work()
        except Exception as e:  # noqa: BLE001 - the test reports whatever came
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("attempt", range(5))
def test_sessions_creating_the_settings_at_once_all_get_the_defaults(tmp_path: Path, attempt: int) -> None:
    db_path = tmp_path / f"try{attempt}" / "dual_mentor.duckdb"
    results = _all_at_once(16, lambda: load_settings(db_path=db_path))
    assert all(r == Settings() for r in results), [r for r in results if not isinstance(r, Settings)]
    target = db_path.parent / "settings.toml"
    assert target.read_text(encoding="utf-8") == DEFAULT_TOML
    assert _mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["settings.toml"]  # no temporary left


def test_processes_creating_the_export_key_at_once_share_one(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "export.key"
    keys = _all_at_once(16, lambda: privacy.load_key(path))
    assert len(set(keys)) == 1 and len(keys[0]) == privacy.KEY_BYTES
    assert _mode(path) == 0o600


def test_create_only_keeps_the_first_and_replace_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    assert write_private(path, "first", replace=False) is True
    assert write_private(path, "second", replace=False) is False
    assert path.read_text() == "first"
    assert write_private(path, "third") is True
    assert path.read_text() == "third" and _mode(path) == 0o600
    assert os.listdir(tmp_path) == ["f.txt"]


def test_without_hard_links_the_file_is_still_created_once(tmp_path: Path, monkeypatch) -> None:
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "settings.toml"
    assert write_private(path, "first", replace=False) is True
    assert write_private(path, "second", replace=False) is False
    assert path.read_text() == "first" and _mode(path) == 0o600
    assert os.listdir(tmp_path) == ["settings.toml"]


def test_a_path_under_a_file_raises_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(OSError):
        write_private(blocker / "f.txt", "y")
    assert os.listdir(tmp_path) == ["not-a-directory"]
