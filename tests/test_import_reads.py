"""One read per file: ``pipeline.Reads`` keeps the sheets a check read for the checks and the
import that follow it (the Data page's upload box), and ``actions.import_files`` reads each
file once for the order and its import."""

from __future__ import annotations

import collections
import dataclasses
from pathlib import Path

import pytest

from analytics import actions, db
from analytics.ingest import pipeline
from analytics.ingest.pipeline import Reads, import_file
from analytics.ingest.read import Limits
from tests.filebuilders import write_csv, write_xlsx
from tests.metric_fixtures import count_calls

CERT_HEADER = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]
CERTS = [CERT_HEADER,
         ["020210001", "数控车工", "2024-06-20", "中级", "通过", "85"],
         ["020210002", "数控车工", "2024-06-20", "中级", "未通过", "58"],
         ["020210003", "电工", "2024-06-21", "初级", "通过", "abc"]]  # row 4: the score is no number


@pytest.fixture
def reads_counted(monkeypatch) -> collections.Counter:
    """How many times the reader child was asked to read a file."""
    calls: collections.Counter = collections.Counter()
    count_calls(monkeypatch, calls, "read", pipeline, "read_isolated")
    return calls


def _outcome(results) -> list[tuple]:
    return [(r.status, r.table, r.rows_read, r.inserted, r.updated, r.rejected) for r in results]


def test_a_file_checked_then_imported_is_read_once_with_the_same_outcome(tmp_path, reads_counted):
    data = write_csv(tmp_path / "考证.csv", CERTS).read_bytes()
    plain = db.connect(":memory:")
    want_check = _outcome(import_file(plain, data, file_name="考证.csv", dry_run=True))
    want_load = _outcome(import_file(plain, data, file_name="考证.csv"))
    assert reads_counted["read"] == 2  # without Reads: each call reads
    reads_counted.clear()
    con, reads = db.connect(":memory:"), Reads()
    check = _outcome(import_file(con, data, file_name="考证.csv", dry_run=True, reads=reads))
    again = _outcome(import_file(con, data, file_name="考证.csv", table="certificate_exams", dry_run=True,
                                 reads=reads))  # a check after the user chose the table
    load = _outcome(import_file(con, data, file_name="考证.csv", reads=reads))
    assert reads_counted["read"] == 1
    # 3 rows read, 2 new, 1 rejected (row 4), the same with and without Reads
    assert check == again == want_check == [("checked", "certificate_exams", 3, 2, 0, 1)]
    assert load == want_load == [("loaded", "certificate_exams", 3, 2, 0, 1)]
    assert con.execute("SELECT count(*) FROM certificate_exams").fetchone() == (2,)


@pytest.mark.parametrize("change", ["bytes", "name", "limits"])
def test_another_file_name_or_limit_is_read_again(tmp_path, reads_counted, change):
    data = write_csv(tmp_path / "考证.csv", CERTS).read_bytes()
    reads = Reads()
    import_file(db.connect(":memory:"), data, file_name="考证.csv", dry_run=True, reads=reads)
    second = {"bytes": (data + "020210004,电工,2024-06-21,初级,通过,70\n".encode(), "考证.csv", None),
              "name": (data, "考证2.csv", None),
              "limits": (data, "考证.csv", Limits(max_rows=10))}[change]
    other, name, limits = second
    import_file(db.connect(":memory:"), other, file_name=name, dry_run=True, reads=reads, limits=limits)
    assert reads_counted["read"] == 2
    assert len(reads) == 2


def test_a_refused_file_is_read_again_and_refused_again(reads_counted):
    reads = Reads()
    for _ in range(2):
        (r,) = import_file(db.connect(":memory:"), b"\x00\x01binary", file_name="x.csv", dry_run=True, reads=reads)
        assert r.status == "refused"
    assert reads_counted["read"] == 2
    assert len(reads) == 0


def test_the_sheets_of_one_workbook_are_read_once(tmp_path, reads_counted):
    data = write_xlsx(tmp_path / "两届.xlsx", {"2023届": CERTS, "2024届": CERTS[:3]}).read_bytes()
    con, reads = db.connect(":memory:"), Reads()
    # as the Data page's confirm imports them: one sheet at a time
    first = _outcome(import_file(con, data, file_name="两届.xlsx", sheet="2023届", reads=reads))
    second = _outcome(import_file(con, data, file_name="两届.xlsx", sheet="2024届", reads=reads))
    assert reads_counted["read"] == 1
    assert first == [("loaded", "certificate_exams", 3, 2, 0, 1)]
    assert second == [("unchanged", "certificate_exams", 2, 0, 0, 0)]  # the same two students' rows


def test_the_budget_keeps_the_most_recent_files(tmp_path, reads_counted):
    # three files of about the same size, a budget for two: the oldest goes
    files = [write_csv(tmp_path / f"f{i}.csv", [*CERTS, [f"02021000{i + 5}", "电工", "2024-06-21", "初级", "通过",
                                                         "60"]]).read_bytes() for i in range(3)]
    held = [pipeline.held_bytes(pipeline.read_isolated(f, f"f{i}.csv", Limits())) for i, f in enumerate(files)]
    assert len(set(held)) == 1
    reads_counted.clear()
    reads = Reads(budget=2 * held[0])
    for i, data in enumerate(files):
        reads.sheets(data, f"f{i}.csv")
    assert (reads_counted["read"], len(reads)) == (3, 2)
    reads.sheets(files[2], "f2.csv")
    reads.sheets(files[1], "f1.csv")
    assert reads_counted["read"] == 3  # both still there
    reads.sheets(files[0], "f0.csv")
    assert (reads_counted["read"], len(reads)) == (4, 2)  # read again, and f2 (least recent) gone
    reads.sheets(files[1], "f1.csv")
    assert reads_counted["read"] == 4


def test_the_budget_counts_what_the_sheets_hold_not_the_file_size(tmp_path, reads_counted):
    # A workbook is zipped: a sheet's frame holds several times the file's bytes (2,000 rows here:
    # 49 kB of file, 186 kB of frame). A budget with room for both files' bytes, but not for
    # both frames, keeps the latest workbook only.
    rows = [CERT_HEADER, *([f"0202{i:05d}", "数控车工", "2024-06-20", "中级", "通过", "85"] for i in range(2000))]
    books = [write_xlsx(tmp_path / f"b{i}.xlsx", {"考证": [*rows, ["0202x", "电工", "2024-06-21", "初级", "通过",
                                                                  str(i)]]}).read_bytes() for i in range(2)]
    held = pipeline.held_bytes(pipeline.read_isolated(books[0], "b0.xlsx", Limits()))
    assert held > 3 * len(books[0])
    reads = Reads(budget=held + held // 2)
    assert reads.budget > 2 * sum(len(b) for b in books)
    reads.sheets(books[0], "b0.xlsx")
    reads.sheets(books[1], "b1.xlsx")
    assert len(reads) == 1
    reads_counted.clear()
    reads.sheets(books[1], "b1.xlsx")
    assert reads_counted["read"] == 0  # the latest is the one kept


def test_one_file_over_the_budget_is_still_kept(tmp_path, reads_counted):
    data = write_csv(tmp_path / "考证.csv", CERTS).read_bytes()
    reads = Reads(budget=1)
    reads.sheets(data, "考证.csv")
    reads.sheets(data, "考证.csv")
    assert (reads_counted["read"], len(reads)) == (1, 1)


def test_the_kept_sheets_are_what_a_fresh_read_gives(tmp_path):
    data = write_csv(tmp_path / "考证.csv", CERTS).read_bytes()
    reads = Reads()
    import_file(db.connect(":memory:"), data, file_name="考证.csv", reads=reads)  # an import in between
    (kept,) = reads.sheets(data, "考证.csv")
    (fresh,) = pipeline.read_isolated(data, "考证.csv", Limits())
    fields = [f.name for f in dataclasses.fields(kept) if f.name != "frame"]
    assert {f: getattr(kept, f) for f in fields} == {f: getattr(fresh, f) for f in fields}
    assert kept.frame.equals(fresh.frame)


def test_several_files_from_the_command_line_are_read_once_each(tmp_path, reads_counted):
    # the order (rosters first) reads every file, and so did each import after it
    certs = write_csv(tmp_path / "考证.csv", CERTS)
    roster = write_csv(tmp_path / "学生名册.csv", [["学号", "姓名", "专业", "入学年份"],
                                                   ["020210001", "张三", "数控技术", "2021"]])
    con = db.connect(":memory:")
    done = actions.import_files(con, actions.cli_user(), [certs, roster])
    assert [(Path(p).name, [r.status for r in results]) for p, results in done] == [
        ("学生名册.csv", ["loaded"]), ("考证.csv", ["loaded"])]
    assert reads_counted["read"] == 2
