"""The corpus as a user has it: one folder of exports, imported with ``python -m analytics
import FOLDER/*`` and with one confirm on the Data page, no option at all, in any order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from analytics import db
from tests.exports.corpus import COMPARE, VARIANTS, Export
from tests.test_exports_corpus import _rounded

ROOT = Path(__file__).resolve().parents[1]
# One of each kind, for the Data page (the CLI takes the whole corpus).
PAGE_MIX = ("roster_one_sheet_per_class", "mentors_one_sheet_per_type", "enterprises_directory_words",
            "onex_platform_by_id_card", "destinations_html_from_system", "wjx_xlsx_matrix",
            "visit_log_month_sections", "assessments_grades_and_absence", "funding_wan_yuan_merged",
            "benchmark_long_table", "destinations_pdf_split_header")


def _folder_names(exports: list[Export]) -> list[tuple[str, bytes, Export]]:
    """The files as they sit in one download folder: a repeated name gets " (2)" as a browser does."""
    seen: dict[str, int] = {}
    out = []
    for export in exports:
        for name, data in export.files.items():
            stem, dot, ext = name.rpartition(".")
            seen[name] = seen.get(name, 0) + 1
            final = name if seen[name] == 1 else f"{stem} ({seen[name]}).{ext}"
            out.append((final, data, export))
    return out


def _expected(exports: list[Export]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for export in exports:
        for table, rows in export.rows.items():
            out.setdefault(table, []).extend(_rounded(r) for r in rows)
    return {t: sorted(rows, key=repr) for t, rows in out.items()}


def _stored(path: Path, tables) -> dict[str, list[tuple]]:
    con = db.connect(path)  # the same configuration as the dashboard's connection in this process
    try:
        return {t: sorted((_rounded(r) for r in con.execute(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in COMPARE[t])} FROM "{t}"').fetchall()), key=repr)
            for t in tables}
    finally:
        con.close()


def test_the_whole_corpus_imports_from_one_folder_with_no_option(tmp_path):
    exports = [make() for make in VARIANTS]
    folder = tmp_path / "exports"
    folder.mkdir()
    files = _folder_names(exports)
    refused = {name for name, _, e in files if name in e.refused}
    for name, data, _ in files:
        (folder / name).write_bytes(data)
    db_file = tmp_path / "d.duckdb"
    # FOLDER/* as a shell expands it (sorted), without the page a session saved after it expired
    paths = sorted(str(p) for p in folder.iterdir() if p.name not in refused)
    run = subprocess.run([sys.executable, "-m", "analytics", "import", *paths, "--db", str(db_file), "--lang", "en"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    expected = _expected(exports)
    assert _stored(db_file, expected) == expected
    # The refused one says why, exits 1 and changes nothing.
    before = _stored(db_file, expected)
    bad = subprocess.run([sys.executable, "-m", "analytics", "import", *(str(folder / n) for n in refused),
                          "--db", str(db_file), "--lang", "en"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "login" in bad.stdout.lower()
    assert _stored(db_file, expected) == before


def test_a_mixed_folder_loads_in_one_confirm_on_the_data_page(app, empty_db):
    exports = [make() for make in VARIANTS if make.__name__ in PAGE_MIX]
    assert len(exports) == len(PAGE_MIX)
    files = _folder_names(exports)
    at = app("pages/7_data.py", empty_db, timeout=180)
    # dropped in reverse order: the certificate platform's rows before the roster they link to
    at.file_uploader(key="upload_data_0").set_value([(n, d, "application/octet-stream") for n, d, _ in reversed(files)])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    confirm = at.button(key="confirm_data")
    confirm.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    expected = _expected(exports)
    assert _stored(empty_db, expected) == expected
