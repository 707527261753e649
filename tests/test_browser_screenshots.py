"""Screenshots of every page in both languages at 1440×900 and 390×844 into tests/artifacts/
(``screens/<size>_<lang>_<page>.png``, reduced to a 256-colour palette so they stay small),
for a person to look at; each page must also load without an error and show its title.

Run with ``pytest -m browser tests/test_browser_screenshots.py`` (CI runs the browser tests).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from browserkit import ARTIFACTS, DESKTOP, MARKS, PHONE, browser, new_page, no_errors, serve_copy, settle  # noqa: F401
from ui.frame import PAGES

pytestmark = MARKS
SCREENS = ARTIFACTS / "screens"


def url_path(script: str) -> str:
    """Streamlit's URL of a page script: ``pages/2_employment.py`` → ``employment``, the entry point → ``""``."""
    return "" if script == "dashboard.py" else Path(script).stem.split("_", 1)[1]


@pytest.fixture(scope="module")
def server(region_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # the region demo: the bureau pages (schools, reporting) have their schools and counties too
    yield from serve_copy(region_db, tmp_path_factory, "screens")


def save_small(png: bytes, path: Path) -> int:
    """Write ``png`` as a palette PNG; returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256).save(path, optimize=True)
    return path.stat().st_size


def test_url_path() -> None:
    assert [url_path(s) for s in ("dashboard.py", "pages/2_employment.py", "pages/10_stages.py")] == [
        "", "employment", "stages"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_page_screenshot(server: str, browser, size: str, lang: str) -> None:
    viewport = DESKTOP if size == "desktop" else PHONE
    pg = new_page(browser, viewport, locale="zh-CN" if lang == "zh" else "en-US")
    try:
        shots = [(key, f"{server}/{url_path(script)}?lang={lang}") for key, script, _, _ in PAGES]
        shots.append(("meeting", f"{server}/?lang={lang}&view=meeting"))
        for key, url in shots:
            pg.goto(url)
            settle(pg, loaded=True)
            no_errors(pg)
            assert pg.locator("h1").first.is_visible(), key
            size_bytes = save_small(pg.screenshot(), SCREENS / f"{size}_{lang}_{key}.png")
            assert size_bytes < 400_000, (key, size_bytes)
    finally:
        pg.context.close()
