"""The year slider and the URL in a real browser: keys and drags move the years, the URL
carries them, another filter keeps them, and the copied link opens the same years.

The demo's years run 2020–2025 (six stops on the slider, index 0–5).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from browserkit import MARKS, browser, new_page, page, serve_copy, settle, shot, no_errors, wait_heading  # noqa: F401

pytestmark = MARKS
MAJOR = "数控技术应用"
THUMB = '[data-testid="stSidebar"] [data-testid="stSlider"] input[type="range"]'


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_copy(demo_db, tmp_path_factory, "slider")


def query(pg) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(pg.url).query).items()}


def thumbs(pg) -> list[str]:
    """The years the two thumbs show (aria-valuetext of the range inputs)."""
    return [t.get_attribute("aria-valuetext") for t in pg.locator(THUMB).all()]


def wait_years(pg, start: str, end: str) -> None:
    pg.wait_for_function(
        """([sel, a, b]) => { const t = [...document.querySelectorAll(sel)];
             return t.length === 2 && t[0].getAttribute('aria-valuetext') === a
                    && t[1].getAttribute('aria-valuetext') === b; }""",
        arg=[THUMB, start, end])


def wait_url(pg, **expected: str) -> None:
    pg.wait_for_function(
        """(exp) => { const q = new URLSearchParams(location.search);
             return Object.entries(exp).every(([k, v]) => q.get(k) === v); }""",
        arg=expected)


def test_arrow_keys_move_the_years_and_the_url(server: str, page) -> None:
    page.goto(f"{server}/employment")
    settle(page, loaded=True)
    assert thumbs(page) == ["2020", "2025"]
    end = page.locator(THUMB).nth(1)
    end.focus()
    page.keyboard.press("ArrowLeft")  # 2025 → 2024
    wait_url(page, **{"from": "2020", "to": "2024"})
    settle(page)
    no_errors(page)
    assert thumbs(page) == ["2020", "2024"]
    page.locator(THUMB).first.focus()
    page.keyboard.press("ArrowRight")  # 2020 → 2021
    wait_url(page, **{"from": "2021", "to": "2024"})
    settle(page)
    assert thumbs(page) == ["2021", "2024"]
    assert page.get_by_text("2021–2024").count() > 0  # the filter caption
    shot(page, "50_slider_keys")


def test_drag_then_another_filter_then_the_copied_link(server: str, browser) -> None:
    pg = new_page(browser)
    try:
        pg.goto(f"{server}/certificates")
        settle(pg, loaded=True)
        # Drag the start thumb from 2020 to the third stop (2022): stops sit at i/5 of the track.
        pg.locator(THUMB).first.scroll_into_view_if_needed()  # the mouse acts in the viewport
        track = pg.locator('[data-testid="stSidebar"] [data-testid="stSlider"] [role="group"] > div').first.bounding_box()
        grip = pg.locator(THUMB).first.locator("xpath=../..").bounding_box()  # the start thumb
        y = grip["y"] + grip["height"] / 2
        pg.mouse.move(grip["x"] + grip["width"] / 2, y)
        pg.mouse.down()
        for step in range(1, 11):
            pg.mouse.move(track["x"] + track["width"] * 0.4 * step / 10, y)
        pg.mouse.up()
        wait_url(pg, **{"from": "2022", "to": "2025"})
        settle(pg)
        no_errors(pg)
        assert thumbs(pg) == ["2022", "2025"]
        # Another filter: the years stay in the URL and on the slider.
        pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="专业").first.click()
        pg.get_by_role("option", name=MAJOR, exact=True).click()
        wait_url(pg, major=MAJOR)
        settle(pg)
        assert query(pg)["from"] == "2022" and query(pg)["to"] == "2025"
        assert thumbs(pg) == ["2022", "2025"]
        copied = pg.url
        shot(pg, "51_slider_drag_and_major")
    finally:
        pg.context.close()
    # The copied link in a new browser (no session): the same years and major.
    fresh = new_page(browser)
    try:
        fresh.goto(copied)
        settle(fresh, loaded=True)
        wait_heading(fresh, "技能证书")
        wait_years(fresh, "2022", "2025")
        assert fresh.get_by_text("2022–2025 · " + MAJOR).count() > 0
        # and a page change keeps them
        fresh.locator('[data-testid="stSidebar"]').get_by_role("link", name="就业", exact=True).click()
        wait_heading(fresh, "就业")
        settle(fresh)
        assert query(fresh)["from"] == "2022" and query(fresh)["to"] == "2025"
        assert thumbs(fresh) == ["2022", "2025"]
    finally:
        fresh.context.close()
