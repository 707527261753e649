"""Hostile files against a real server (#18 acceptance): the 2.6 KB workbook whose one cell at
XFD1048576 once made the xlsx reader ask for ~512 GB and abort the whole Streamlit process,
and its sparse sibling, uploaded in a real browser. The upload is refused with the zh message,
the server stays up, and another user's session keeps working meanwhile and after.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from badfiles.corpus import CORPUS, build
from browserkit import MARKS, browser, new_page, serve_copy, settle  # noqa: F401  (fixtures)

pytestmark = MARKS

CASES = {case.name: case for case in CORPUS if case.name in ("xfd.xlsx", "far_cell.xlsx")}
REFUSAL = {"xfd.xlsx": "超过了", "far_cell.xlsx": "一直延伸到单元格"}  # words of each zh refusal


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_copy(demo_db, tmp_path_factory, "hostile")


def _alive(base: str) -> bool:
    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as r:
        return r.status == 200


@pytest.mark.parametrize("name", sorted(REFUSAL))
def test_a_crafted_workbook_is_refused_and_the_server_lives(server: str, browser, tmp_path: Path, name: str) -> None:
    assert set(CASES) == set(REFUSAL)  # the corpus still holds both files
    other = new_page(browser)  # another user, on the overview, before and after
    other.goto(server)
    settle(other, loaded=True)
    attacker = new_page(browser)
    attacker.goto(f"{server}/data")
    settle(attacker, loaded=True)
    attacker.get_by_role("tab", name="上传").click()
    path = build(CASES[name], tmp_path)
    assert path.stat().st_size < 10_000  # a few KB
    attacker.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    refusal = attacker.locator('[data-testid="stAlertContentError"]').filter(has_text=REFUSAL[name])
    refusal.first.wait_for()
    assert attacker.locator('[data-testid="stException"]').count() == 0  # a message, not a traceback
    assert attacker.get_by_role("button", name="确认导入").count() == 0  # nothing to confirm
    assert _alive(server)
    # the other session still runs: it moves to another page and draws it
    other.locator('[data-testid="stSidebar"]').get_by_text("就业", exact=True).click()
    other.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.trim() === '就业'")
    settle(other)
    assert other.locator('[data-testid="stPlotlyChart"]').count() >= 1
    for pg in (other, attacker):
        pg.context.close()
