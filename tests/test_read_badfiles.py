"""read_file refuses bad files with a FileRejectedError code and a clear zh and en message."""

from __future__ import annotations

import os
import random
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filebuilders import replace_zip_entry, write_csv, write_xlsx, write_zip  # noqa: E402

from analytics.errors import FileRejectedError  # noqa: E402
from analytics.ingest.read import Limits, read_file  # noqa: E402

ROWS = [["学号", "姓名"], ["001", "张三"], ["002", "李四"]]
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
)


def _good_xlsx(tmp: Path) -> Path:
    return write_xlsx(tmp / "good.xlsx", {"Sheet1": ROWS})


def _empty(tmp):
    (tmp / "empty.csv").write_bytes(b"")
    return tmp / "empty.csv", None


def _header_only_csv(tmp):
    return write_csv(tmp / "header.csv", [["学号", "姓名", "专业"]]), None


def _header_only_xlsx(tmp):
    return write_xlsx(tmp / "header.xlsx", {"S": [["学号", "姓名"]]}), None


def _whitespace_only(tmp):
    (tmp / "blank.csv").write_text("  ,\t, \n\u3000,,\n\n", "utf-8")
    return tmp / "blank.csv", None


def _blank_workbook(tmp):
    return write_xlsx(tmp / "blank.xlsx", {"S": [[None, " "], ["  ", None]]}), None


def _png_as_xlsx(tmp):
    (tmp / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return tmp / "photo.xlsx", None


def _random_csv(tmp):
    rng = random.Random(7)
    (tmp / "random.csv").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    return tmp / "random.csv", None


def _nul_csv(tmp):
    (tmp / "nul.csv").write_bytes(b"\x00" * 2048)
    return tmp / "nul.csv", None


def _control_chars_txt(tmp):
    (tmp / "ctl.txt").write_bytes(bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 200)
    return tmp / "ctl.txt", None


def _truncated_zip(tmp):
    data = _good_xlsx(tmp).read_bytes()
    (tmp / "cut.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "cut.xlsx", None


def _corrupt_entry(tmp):
    src = _good_xlsx(tmp)
    dest = replace_zip_entry(src, tmp / "bad-entry.xlsx", "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row")
    return dest, None


def _zip_not_workbook(tmp):
    return write_zip(tmp / "archive.xlsx", {"readme.txt": b"hello"}), None


def _encrypted(tmp):
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512
    (tmp / "secret.xlsx").write_bytes(fake)
    return tmp / "secret.xlsx", None


def _ole2_garbage(tmp):
    (tmp / "broken.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 1024)
    return tmp / "broken.xls", None


def _zip_bomb_total(tmp):
    # 3 MiB of zeros deflates to a few KiB; the limit below is 2 MiB in total
    path = write_zip(tmp / "bomb.xlsx", {"xl/worksheets/sheet1.xml": b"\x00" * (3 * 1024**2)})
    return path, Limits(max_uncompressed=2 * 1024**2)


def _zip_bomb_ratio(tmp):
    # 8 MiB of one byte compresses more than 1000:1, above the default ratio 200
    return write_zip(tmp / "ratio.xlsx", {"xl/sharedStrings.xml": b"a" * (8 * 1024**2)}), None


def _billion_laughs(tmp):
    src = _good_xlsx(tmp)
    return replace_zip_entry(src, tmp / "laughs.xlsx", "xl/worksheets/sheet1.xml", LAUGHS), None


def _too_many_columns_csv(tmp):
    return write_csv(tmp / "wide.csv", [[f"c{i}" for i in range(12)], list(range(12))]), Limits(max_columns=10)


def _too_many_columns_xlsx(tmp):
    path = write_xlsx(tmp / "wide.xlsx", {"S": [[f"c{i}" for i in range(12)], list(range(12))]})
    return path, Limits(max_columns=10)


def _too_many_rows_csv(tmp):
    return write_csv(tmp / "long.csv", [["n"]] + [[i] for i in range(20)]), Limits(max_rows=10)


def _too_many_rows_xlsx(tmp):
    return write_xlsx(tmp / "long.xlsx", {"S": [["n"]] + [[i] for i in range(20)]}), Limits(max_rows=10)


def _too_large(tmp):
    return write_csv(tmp / "big.csv", [["n"]] + [[i] for i in range(2000)]), Limits(max_bytes=1000)


def _pdf(tmp):
    (tmp / "report.pdf").write_bytes(b"%PDF-1.4\n")
    return tmp / "report.pdf", None


def _no_extension(tmp):
    return write_csv(tmp / "data", ROWS), None


def _mixed_utf8_gbk(tmp):
    data = "学号,姓名\n".encode("utf-8") + "001,张三丰\n".encode("gbk") + "002,李四王五\n".encode("utf-8")
    (tmp / "mixed.csv").write_bytes(data)
    return tmp / "mixed.csv", None


def _html_as_xls(tmp):
    (tmp / "export.xls").write_text("<html><body><table><tr><td>学号</td></tr></table></body></html>", "utf-8")
    return tmp / "export.xls", None


def _bad_utf16(tmp):
    (tmp / "u16.csv").write_bytes(b"\xff\xfe" + "学号,姓名\n".encode("utf-16-le") + b"\x00\xd8")
    return tmp / "u16.csv", None


CASES = [
    (_empty, "file-empty"),
    (_header_only_csv, "header-only"),
    (_header_only_xlsx, "header-only"),
    (_whitespace_only, "file-empty"),
    (_blank_workbook, "file-empty"),
    (_png_as_xlsx, "file-not-spreadsheet"),
    (_random_csv, "file-not-spreadsheet"),
    (_nul_csv, "file-not-spreadsheet"),
    (_control_chars_txt, "file-not-spreadsheet"),
    (_truncated_zip, "file-corrupt"),
    (_corrupt_entry, "file-corrupt"),
    (_zip_not_workbook, "file-corrupt"),
    (_encrypted, "file-encrypted"),
    (_ole2_garbage, "file-corrupt"),
    (_zip_bomb_total, "zip-bomb"),
    (_zip_bomb_ratio, "zip-bomb"),
    (_billion_laughs, "file-unsafe"),
    (_too_many_columns_csv, "too-many-columns"),
    (_too_many_columns_xlsx, "too-many-columns"),
    (_too_many_rows_csv, "too-many-rows"),
    (_too_many_rows_xlsx, "too-many-rows"),
    (_too_large, "file-too-large"),
    (_pdf, "file-type-unsupported"),
    (_no_extension, "file-type-unsupported"),
    (_mixed_utf8_gbk, "encoding-unknown"),
    (_html_as_xls, "file-html-disguised"),
    (_bad_utf16, "encoding-unknown"),
]


@pytest.mark.parametrize("build, code", CASES, ids=[c[0].__name__.strip("_") for c in CASES])
def test_bad_file_is_refused(tmp_path, build, code):
    path, limits = build(tmp_path)
    with pytest.raises(FileRejectedError) as info:
        read_file(path, limits=limits)
    err = info.value
    assert err.code == code
    zh, en = err.message("zh"), err.message("en")
    assert zh and en and zh != en
    assert f"error.{code}" not in (zh, en)
    assert "{" not in zh + en  # every placeholder filled
    assert path.name in zh and path.name in en
    if code.startswith("too-many"):
        limit = str(limits.max_rows if code == "too-many-rows" else limits.max_columns)
        assert limit in zh and limit in en


def test_bad_upload_bytes_named_by_file_name(tmp_path):
    with pytest.raises(FileRejectedError) as info:
        read_file(b"\x89PNG\r\n\x1a\n" + os.urandom(64), file_name="照片.xlsx")
    assert info.value.code == "file-not-spreadsheet"
    assert "照片.xlsx" in info.value.message("zh")


def test_good_xlsx_passes_the_zip_checks(tmp_path):
    # the control for the zip cases above: the same workbook unmodified is read
    [sheet] = read_file(_good_xlsx(tmp_path))
    assert sheet.frame.shape == (2, 2)
    with zipfile.ZipFile(tmp_path / "good.xlsx") as zf:
        assert "xl/worksheets/sheet1.xml" in zf.namelist()
