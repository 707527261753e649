"""Bad inputs through the whole import path: a clear message in both languages, and the
database file byte-for-byte as it was.

Each case builds its file by code. The database already holds a good batch, so
"unchanged" is checked against real data, on the file itself after a checkpoint.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from analytics import db
from analytics.ingest.pipeline import import_file
from analytics.ingest.read import Limits
from tests.filebuilders import write_csv, write_xlsx

GOOD = [["学号", "证书名称", "考试日期", "是否通过"], ["1", "电工", "2024-06-20", "通过"]]
CERT = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]


def _text(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def _zip(path: Path, entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def _truncated_xlsx(path: Path) -> Path:
    good = write_xlsx(path.with_name("good.xlsx"), {"s": GOOD})
    path.write_bytes(good.read_bytes()[:300])
    return path


def _encrypted(path: Path) -> Path:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    path.write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + b"\0" * 1024)
    return path


def _bomb(path: Path) -> Path:
    return _zip(path, {"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (300 * 1024 * 1024)})


def _laughs(path: Path) -> Path:
    good = write_xlsx(path.with_name("base.xlsx"), {"s": GOOD})
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    with zipfile.ZipFile(good) as src:
        entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    sheet = next(n for n in entries if n.startswith("xl/worksheets/"))
    entries[sheet] = lol
    return _zip(path, entries)


# (name, builder, import options, expected refusal code or codes)
CASES = [
    ("empty.csv", lambda p: _text(p, b""), {}, "file-empty"),
    ("blank.csv", lambda p: _text(p, " \n\t\n  \n"), {}, "file-empty"),
    ("header_only.csv", lambda p: write_csv(p, [CERT]), {}, "header-only"),
    ("header_only.xlsx", lambda p: write_xlsx(p, {"考证": [CERT]}), {}, "header-only"),
    ("title_only.xlsx", lambda p: write_xlsx(p, {"s": [["2024届毕业生就业统计表"]]}), {}, ("header-only", "file-empty", "table-unknown")),
    ("picture.xlsx", lambda p: _text(p, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8), {}, "file-not-spreadsheet"),
    ("random.csv", lambda p: _text(p, bytes((i * 7919 + 13) % 256 for i in range(4096))), {}, ("file-not-spreadsheet", "encoding-unknown")),
    ("nul.csv", lambda p: _text(p, b"\0" * 2048), {}, ("file-not-spreadsheet", "encoding-unknown")),
    ("truncated.xlsx", _truncated_xlsx, {}, "file-corrupt"),
    ("garbage_zip.xlsx", lambda p: _zip(p, {"hello.txt": b"not a workbook"}), {}, "file-corrupt"),
    ("report.pdf", lambda p: _text(p, b"%PDF-1.4\n"), {}, "file-type-unsupported"),
    ("noext", lambda p: _text(p, "a,b\n1,2\n"), {}, "file-type-unsupported"),
    ("encrypted.xlsx", _encrypted, {}, "file-encrypted"),
    ("bomb.xlsx", _bomb, {}, "zip-bomb"),
    ("laughs.xlsx", _laughs, {}, ("file-unsafe", "file-corrupt", "table-unknown", "header-only")),
    ("wide.csv", lambda p: write_csv(p, [[f"c{i}" for i in range(30)], ["1"] * 30]), {"limits": Limits(max_columns=20)}, "too-many-columns"),
    ("long.csv", lambda p: write_csv(p, [CERT] + [[str(i), "电工", "2024-06-20", "初级", "通过", "80"] for i in range(50)]), {"limits": Limits(max_rows=20)}, "too-many-rows"),
    ("big.csv", lambda p: write_csv(p, [CERT] + [[str(i), "电工", "2024-06-20", "初级", "通过", "80"] for i in range(500)]), {"limits": Limits(max_bytes=1024)}, "file-too-large"),
    ("web.xls", lambda p: _text(p, "<html><body><table><tr><td>学号</td></tr></table></body></html>"), {}, "file-html-disguised"),
    ("mixed.csv", lambda p: _text(p, "学号,姓名\n".encode("utf-8") + "1,张三\n".encode("gbk") * 50), {}, "encoding-unknown"),
    ("no_result.csv", lambda p: write_csv(p, [["学号", "证书名称", "考试日期", "成绩"], ["1", "电工", "2024-06-20", "80"]]), {"table": "certificate_exams"}, "missing-column"),
    ("unknown.csv", lambda p: write_csv(p, [["颜色", "形状", "重量"], ["红", "圆", "3"]]), {}, "table-unknown"),
    ("sheet.xlsx", lambda p: write_xlsx(p, {"考证": [CERT, ["1", "电工", "2024-06-20", "初级", "通过", "80"]]}), {"sheet": "就业"}, "sheet-not-found"),
    ("all_unknown.xlsx", lambda p: write_xlsx(p, {"a": [["颜色", "形状"], ["红", "圆"]], "b": [["甲", "乙"], ["1", "2"]]}), {}, "table-unknown"),
]


@pytest.fixture
def stored(tmp_path):
    """A database file holding one good batch, closed so its bytes can be compared."""
    path = tmp_path / "store.duckdb"
    con = db.connect(path)
    (r,) = import_file(con, write_csv(tmp_path / "good.csv", GOOD))
    assert r.status == "loaded"
    con.execute("CHECKPOINT")
    con.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_at_least_twenty_distinct_bad_files():
    assert len({name for name, *_ in CASES}) >= 20


@pytest.mark.parametrize("name, build, options, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_refused_clearly_and_database_unchanged(tmp_path, stored, name, build, options, expected):
    path = build(tmp_path / name)
    before = _digest(stored)
    con = db.connect(stored)
    results = import_file(con, path, **options)
    con.close()
    assert results and all(r.status == "refused" for r in results)
    codes = {r.refused.code for r in results}
    allowed = {expected} if isinstance(expected, str) else set(expected)
    assert codes <= allowed, codes
    for r in results:
        zh, en = r.refused.message("zh"), r.refused.message("en")
        assert zh and en and zh != en
        assert not zh.startswith("error.") and not en.startswith("error.")
        assert "{" not in zh and "{" not in en  # every placeholder filled
    assert _digest(stored) == before
