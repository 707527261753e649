"""Claim: making the importer faster changes nothing it produces. Every messy file of the test
corpora (``tests/badfiles``, ``tests/exports``, ``../shared/realdata``) imports to the same
stored rows, rejects and reported issues as the importer did before the speed work.

``tests/golden/import_equivalence.json`` holds, per file, a digest of what the importer of
commit fe9f2e8 (before #17's speed work) stored and reported, written by this module:
``python -m tests.test_import_equivalence`` (run it only when a change of output is meant,
and say why in the commit). The digest covers every canonical table without its batch
column, the rejects (row, column, value, code), and each sheet's status, counts and
issues (code, severity, row, column, value).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analytics import db, schema
from analytics.ingest.pipeline import import_file, import_order
from tests.badfiles.corpus import CORPUS as BAD_FILES
from tests.badfiles.corpus import build
from tests.exports.corpus import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "import_equivalence.json"
REALDATA = ROOT.parent / "shared" / "realdata"


Files = list[tuple[str, bytes | Path]]


def cases() -> Iterator[tuple[str, Callable[[Path], Files]]]:
    """(name, files) of every corpus file: ``files(tmp)`` gives (name, bytes or path) in import order."""
    for bad in BAD_FILES:
        if bad.options:  # a non-default limit or option: the same path, covered without it
            continue

        def files(tmp: Path, bad=bad) -> Files:
            return [(bad.name, build(bad, tmp))]  # a path: some are links to /dev/zero, pipes

        yield f"badfiles/{bad.name}", files
    for make in VARIANTS:
        def files(tmp: Path, make=make) -> Files:
            export = make()
            given = list(export.files.items())
            return [given[i] for i in import_order(given)]

        yield f"exports/{make.__name__}", files
    if REALDATA.is_dir():
        for path in sorted(REALDATA.glob("*.csv")):
            yield f"realdata/{path.name}", lambda tmp, path=path: [(path.name, path.read_bytes())]


def outcome(files: Files, store: Path) -> dict:
    """What importing ``files`` into a new store stored and reported."""
    con = db.connect(store)
    try:
        sheets = []
        for name, data in files:
            for r in import_file(con, data, file_name=name):
                sheets.append({
                    "file": name, "sheet": r.sheet, "status": r.status, "table": r.table,
                    "refused": r.refused.code if r.refused else None,
                    "counts": [r.rows_read, r.inserted, r.updated, r.unchanged, r.rejected],
                    "issues": [[i.code, i.severity, i.row, i.column, None if i.value is None else str(i.value)]
                               for i in r.issues],
                    "unknown": sorted(repr(u.as_dict()) for u in r.unknown_values),
                })
        tables = {}
        for table in schema.TABLE_NAMES:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall() if c != "_batch_id"]
            rows = con.execute(f'SELECT {", ".join(db.quote_ident(c) for c in columns)} FROM {db.quote_ident(table)}').fetchall()
            if rows:
                tables[table] = sorted(map(repr, rows))
        rejects = sorted(map(repr, con.execute(
            "SELECT row_number, column_name, original_value, code, sheet FROM import_rejects").fetchall()))
    finally:
        con.close()
    return {"sheets": sheets, "tables": tables, "rejects": rejects}


def digest(result: dict) -> str:
    return hashlib.sha256(json.dumps(result, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


CASES = dict(cases())


def test_every_corpus_file_is_in_the_golden_file() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert len(CASES) >= 100
    assert sorted(CASES) == sorted(golden)


@pytest.mark.parametrize("name", sorted(CASES))
def test_import_is_unchanged(name: str, tmp_path: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    result = outcome(CASES[name](tmp_path / "in"), tmp_path / "store.duckdb")
    assert digest(result) == golden[name]["digest"], (golden[name]["summary"], _summary(result))


def _summary(result: dict) -> list:
    """A readable line per sheet, shown when a digest differs."""
    return [[s["file"], s["sheet"], s["status"], s["refused"], s["counts"], len(s["issues"])] for s in result["sheets"]]


def write_golden() -> None:
    import tempfile

    out = {}
    for name, files in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            result = outcome(files(Path(tmp) / "in"), Path(tmp) / "store.duckdb")
        out[name] = {"digest": digest(result), "summary": _summary(result)}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(out)} files written to {GOLDEN}")


if __name__ == "__main__":
    write_golden()
