"""The corpus of real-looking exports (tests/exports): every variant imports with no option at
all, gives exactly the rows its generator wrote, and the dashboard's figures equal the ground
truth computed from those rows. Nothing stored changes when a file is refused; re-importing
changes nothing."""

from __future__ import annotations

import pytest

from analytics import db
from analytics.config import Settings
from analytics.filters import Filters
from analytics.ingest.pipeline import import_file, import_order
from analytics.metrics import certificates, employment, funding, mentors, satisfaction
from tests.exports.corpus import COMPARE, VARIANTS, Export
from tests.test_pipeline import snapshot

CORPUS = {make.__name__: make for make in VARIANTS}


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 40


def load(con, export: Export) -> list:
    files = list(export.files.items())
    results = []
    for i in import_order(files):
        name, data = files[i]
        results += import_file(con, data, file_name=name)
    return results


def _rounded(row: tuple) -> tuple:
    """Floats to 9 decimals: a published 95.2% is stored as 95.2 / 100."""
    return tuple(round(v, 9) if isinstance(v, float) else v for v in row)


def stored(con, table: str) -> list[tuple]:
    columns = ", ".join(f'"{c}"' for c in COMPARE[table])
    return sorted((_rounded(r) for r in con.execute(f'SELECT {columns} FROM "{table}"').fetchall()), key=repr)


def figures(con, export: Export) -> dict[str, tuple]:
    f, s = Filters(), Settings()
    out: dict[str, tuple] = {}
    for name in export.figures:
        if name == "pass_rate":
            r = certificates.pass_rate(con, f, s)
        elif name == "pass_rate_dual":
            r = certificates.pass_rate(con, Filters(dual="in"), s)
        elif name == "first_attempt":
            r = certificates.first_attempt_pass_rate(con, f, s)
        elif name == "employment":
            r = employment.initial_employment_rate(con, f, s).rate
        elif name == "coverage":
            r = employment.initial_employment_rate(con, f, s).coverage
        elif name == "dual":
            total, dual = con.execute("SELECT count(*), count(*) FILTER (WHERE dual_mentor) FROM students").fetchone()
            out[name] = (dual, total)
            continue
        elif name == "overall_mean":
            w = satisfaction.waves(con, f, s, by="dimension")
            row = w[w["dimension"] == "overall"].iloc[0]
            out[name] = (round(float(row["mean_0_100"]), 6), int(row["respondents"]))
            continue
        elif name == "responses":
            out[name] = (int(satisfaction.waves(con, f, s)["ratings"].sum()),)
            continue
        elif name == "visits":
            out[name] = (con.execute("SELECT count(*) FROM mentor_activities WHERE activity_type = "
                                     "'enterprise_visit'").fetchone()[0],)
            continue
        elif name == "funding":
            t = funding.totals(con, f, s)
            out[name] = (t["budget"], t["spent"])
            continue
        else:
            raise KeyError(name)
        out[name] = (r.numerator, r.denominator)
    return out


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_variant_imports_with_no_option_and_gives_its_rows_and_figures(con, name):
    export = CORPUS[name]()
    results = load(con, export)
    refused = sorted({r.file_name for r in results if r.status == "refused"})
    assert refused == sorted(export.refused), [(r.file_name, r.sheet, r.refused.message("en")) for r in results
                                               if r.refused and r.status == "refused"]
    assert sum(r.rejected for r in results) == export.rejected, [
        (i.row, i.column, i.value, i.code) for r in results for i in r.errors]
    for table, expected in export.rows.items():
        assert stored(con, table) == sorted((_rounded(r) for r in expected), key=repr), table
    assert figures(con, export) == export.figures


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_re_importing_a_variant_changes_nothing(con, name):
    export = CORPUS[name]()
    load(con, export)
    before = snapshot(con)
    again = load(con, export)
    assert snapshot(con) == before
    assert {r.status for r in again} <= {"unchanged", "refused", "skipped"}
