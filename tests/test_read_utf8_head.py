"""A UTF-8 text file is read without decoding all of it into one Python string: Arrow
validates the bytes in place, the sniffing reads a decoded head, DuckDB parses the bytes,
and only the csv-module fallback decodes the whole text. Whatever the path, the sheet is
the one the full decoding gives (compared here with the decoding path forced)."""

from __future__ import annotations

import codecs

import pytest

from analytics.errors import FileRejectedError
from analytics.ingest import read
from analytics.ingest.read import read_file

HEADER = "学号,姓名,成绩\n"


def _rows(n: int, start: int = 0) -> str:
    return "".join(f"2024{i:05d},张{i % 7}三,{60 + i % 40}\n" for i in range(start, start + n))


def _at_the_cut() -> bytes:
    # "张" (3 bytes) straddles the end of the decoded head, 4 MiB + 4 bytes into the file
    cut = 4 * read._HEAD_CHARS + 4
    body = (HEADER + _rows(150_000)).encode()
    filler = b"20249999," + b"x" * (cut - 1 - len(body) - len(b"20249999,"))
    body += filler + "张三,80\n".encode() + _rows(3, 150_001).encode()
    assert body[cut - 1:cut + 2] == "张".encode()
    return body


CASES = {
    "UTF-8": (HEADER + _rows(5)).encode(),
    "UTF-8 with a BOM": codecs.BOM_UTF8 + (HEADER + _rows(5)).encode(),
    "semicolons, CRLF": (HEADER + _rows(5)).replace(",", ";").replace("\n", "\r\n").encode(),
    "a blank line inside (the csv module)": (HEADER + _rows(3) + "\n" + _rows(2, 3)).encode(),
    "a row wider than the first 200 (the csv module)": (HEADER + _rows(250) + "20249999,李四,70,多\n").encode(),
    "a quoted line break": (HEADER + '20240001,"张\n三",80\n' + _rows(2, 2)).encode(),
    "only a BOM and a header": codecs.BOM_UTF8 + HEADER.encode(),
    "a character cut by the head": _at_the_cut(),
}


def _outcome(data: bytes) -> object:
    try:
        sheets = read_file(data, file_name="c.csv")
    except FileRejectedError as e:
        return e.code, e.params
    return [(s.headers, s.frame.to_dict("list"), [str(d) for d in s.frame.dtypes], s.row_numbers, s.issues)
            for s in sheets]


@pytest.mark.parametrize("data", list(CASES.values()), ids=list(CASES))
def test_the_sheet_is_the_one_full_decoding_gives(data, monkeypatch):
    fast = _outcome(data)
    monkeypatch.setattr(read, "_valid_utf8", lambda data: None)  # the decoding path, as before
    assert _outcome(data) == fast


def test_a_utf8_file_is_never_decoded_whole(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("decoded whole")

    monkeypatch.setattr(read, "_decode", never)
    [sheet] = read_file((HEADER + _rows(3)).encode(), file_name="c.csv")
    assert sheet.frame["姓名"].tolist() == ["张0三", "张1三", "张2三"]
    assert sheet.row_numbers == [2, 3, 4]


@pytest.mark.parametrize("data, expected", [
    ((HEADER + _rows(2)).encode("gbk"), None),  # not UTF-8: charset detection decides
    (codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"), None),
    (b"a,b\n1,\x002\n", None),  # a NUL: refused by the decoding path
    (b"a,b\n" + b"\x01\x02\x03" * 100 + b"\n", None),  # control characters: binary
    (b"a,b\n1,2\n", 8),
    (codecs.BOM_UTF8 + b"a,b\n1,2\n", 8),  # the view starts after the BOM
])
def test_only_clean_utf8_takes_the_fast_path(data, expected):
    view = read._valid_utf8(data)
    assert (None if view is None else len(view)) == expected


def test_binary_and_nul_files_are_refused_as_before():
    for data in (b"a,b\n1,\x002\n", b"a,b\n" + b"\x01\x02\x03" * 100 + b"\n"):
        with pytest.raises(FileRejectedError) as info:
            read_file(data, file_name="x.csv")
        assert info.value.code == "file-not-spreadsheet"
