"""Import limits: the file size is a setting (``[import] max_file_mb``) used by the CLI (``--max-mb``
overrides it) and the upload box; the row limit counts the data rows below the header; a
delimited file with far too many rows is refused before it is decoded or parsed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from analytics import db
from analytics.cli import main
from analytics.config import Settings, parse_settings
from analytics.errors import ConfigError, FileRejectedError
from analytics.ingest import read
from analytics.ingest.pipeline import import_file
from analytics.ingest.read import Limits, read_file
from tests.filebuilders import write_csv, write_xlsx

CERT = ["学号", "证书名称", "考试日期", "证书等级", "是否通过", "成绩"]


def cert_rows(n: int) -> list[list[str]]:
    return [[f"S{i:05d}", "电工", "2024-06-20", "初级", "通过", "88"] for i in range(n)]


def padded_csv(path: Path, megabytes: float) -> Path:
    """A valid certificate CSV of about ``megabytes`` MiB (each line is about 42 bytes)."""
    rows = cert_rows(int(megabytes * 1024**2 / 40))
    return write_csv(path, [CERT, *rows])


# --- the setting ------------------------------------------------------------------------------


def test_default_is_50_mb() -> None:
    assert (Settings().max_file_mb, Settings().max_file_bytes) == (50, 50 * 1024**2)


@pytest.mark.parametrize("text, expected", [
    ("[import]\nmax_file_mb = 120\n", 120),
    ("[import]\nmax_file_mb = 1\n", 1),
    ("[import]\nmax_file_mb = 1024\n", 1024),
])
def test_setting_is_read(text: str, expected: int) -> None:
    assert parse_settings(tomllib.loads(text), Path("s.toml")).max_file_mb == expected


@pytest.mark.parametrize("text, code", [
    ("[import]\nmax_file_mb = 0\n", "settings-range"),
    ("[import]\nmax_file_mb = 1025\n", "settings-range"),
    ("[import]\nmax_file_mb = 2.5\n", "settings-type"),
    ("[import]\nmax_file_mb = \"big\"\n", "settings-type"),
])
def test_bad_setting_is_refused(text: str, code: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(tomllib.loads(text), Path("s.toml"))
    assert info.value.code == code
    assert "import.max_file_mb" in info.value.message("zh") and "import.max_file_mb" in info.value.message("en")


@pytest.mark.parametrize("limit_mb, status", [(1, "refused"), (2, "loaded")])
def test_import_uses_the_setting(tmp_path: Path, limit_mb: int, status: str) -> None:
    path = padded_csv(tmp_path / "big.csv", 1.5)
    assert 1024**2 < path.stat().st_size < 2 * 1024**2
    con = db.connect(tmp_path / "d.duckdb")
    try:
        (result,) = import_file(con, path, settings=Settings(max_file_mb=limit_mb))
    finally:
        con.close()
    assert result.status == status
    if status == "refused":
        assert result.refused.code == "file-too-large"
        assert "1.0 MB" in result.refused.message("en") and "1.0 MB" in result.refused.message("zh")


@pytest.mark.parametrize("setting, argv, code", [
    (None, [], 0),  # default 50 MB: a 1.5 MB file loads
    ("[import]\nmax_file_mb = 1\n", [], 1),  # the setting refuses it
    ("[import]\nmax_file_mb = 1\n", ["--max-mb", "2"], 0),  # --max-mb overrides the setting
    (None, ["--max-mb", "1"], 1),
    (None, ["--max-mb", "0"], 2),  # out of range: a usage error
])
def test_cli_max_mb(tmp_path: Path, capsys, setting: str | None, argv: list[str], code: int) -> None:
    path = padded_csv(tmp_path / "big.csv", 1.5)
    if setting is not None:
        (tmp_path / "settings.toml").write_text(setting, encoding="utf-8")
    assert main(["import", str(path), "--db", str(tmp_path / "d.duckdb"), "--lang", "en", *argv]) == code
    out, err = capsys.readouterr()
    if code == 1:
        assert "larger than the limit of 1.0 MB" in out + err


def test_upload_box_takes_the_setting(app, empty_db: Path) -> None:
    (empty_db.parent / "settings.toml").write_text("[import]\nmax_file_mb = 7\n", encoding="utf-8")
    at = app("pages/7_data.py", empty_db)
    assert not at.exception, [e.value for e in at.exception]
    assert at.file_uploader(key="upload_data_0").proto.max_upload_size_mb == 7


# --- rows: data rows below the header -----------------------------------------------------


def _write(fmt: str, path: Path, rows: list[list[str]]) -> Path:
    if fmt == "csv":
        return write_csv(path.with_suffix(".csv"), rows)
    return write_xlsx(path.with_suffix(".xlsx"), {"考证": rows})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("title, n, refused", [
    ([], 10, False),  # header + 10 data rows: at the limit of 10
    ([], 11, True),  # 11 data rows: one over
    ([["2024年考证成绩"]], 10, False),  # a title row and the header are not counted
    ([["2024年考证成绩"]], 11, True),
])
def test_row_limit_counts_data_rows(tmp_path: Path, fmt: str, title: list, n: int, refused: bool) -> None:
    path = _write(fmt, tmp_path / "cert", [*title, CERT, *cert_rows(n)])
    limits = Limits(max_rows=10)
    if not refused:
        (sheet,) = read_file(path, limits=limits)
        assert len(sheet.frame) == n
        return
    with pytest.raises(FileRejectedError) as info:
        read_file(path, limits=limits)
    assert info.value.code == "too-many-rows"
    assert "11 data rows" in info.value.message("en") and "11 行数据" in info.value.message("zh")


def test_a_far_too_long_csv_is_refused_before_parsing(tmp_path: Path, monkeypatch) -> None:
    # 10 + 52 (header margin) + 1 data rows can never fit a limit of 10, wherever the header is
    path = write_csv(tmp_path / "long.csv", [CERT, *cert_rows(10 + read._HEADER_MARGIN + 1)])

    def never(*args, **kwargs):
        raise AssertionError("parsed")

    monkeypatch.setattr(read, "_decode", never)
    monkeypatch.setattr(read, "_parse_csv", never)
    with pytest.raises(FileRejectedError) as info:
        read_file(path, limits=Limits(max_rows=10))
    assert info.value.code == "too-many-rows"
    assert "63 data rows" in info.value.message("en")  # 64 lines − the header (10 + 52 + 1 = 63)


def test_line_breaks_inside_quoted_cells_are_not_rows(tmp_path: Path) -> None:
    # 5 records, each remark holding 30 line breaks: 125 lines, but 4 data rows under a limit of 10
    remark = "\n".join(["x"] * 31)
    text = "学号,备注\n" + "".join(f'S{i},"{remark}"\n' for i in range(4))
    path = tmp_path / "notes.csv"
    path.write_text(text, encoding="utf-8")
    assert text.count("\n") == 1 + 4 * 31 > 10 + read._HEADER_MARGIN + 1
    (sheet,) = read_file(path, limits=Limits(max_rows=10))
    assert len(sheet.frame) == 4
