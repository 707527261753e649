"""Import templates: headers, validations, formats, example row, instructions, and a round trip
through the real importer (detected table, no manual mapping, no rejected cell)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from analytics import db, schema
from analytics.cli import main
from analytics.errors import ConfigError
from analytics.ingest.pipeline import import_file
from analytics.templates import TEMPLATE_ROWS, choices, example, header, template_bytes, template_columns

LANGS = ("zh", "en")
CASES = [(t, lang) for t in schema.TABLE_NAMES for lang in LANGS]


def _book(table: str, lang: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(template_bytes(table, lang)))


@pytest.mark.parametrize("table, lang", CASES)
def test_header_row_validations_formats_and_example(table, lang):
    book = _book(table, lang)
    data, instructions = book.worksheets
    columns = template_columns(table)
    assert [c.value for c in data[1]] == [header(c) for c in columns]
    assert data.freeze_panes == "A2"
    by_range = {str(v.sqref): v for v in data.data_validations.dataValidation}
    for index, column in enumerate(columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        validation = by_range.get(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        if column.kind in ("enum", "bool"):
            assert validation.type == "list"
            assert validation.formula1 == '"' + ",".join(choices(column, lang)) + '"'
            assert len(choices(column, lang)) == (2 if column.kind == "bool" else len(column.allowed))
        elif column.kind in ("int", "number") and column.min is not None:
            assert validation.type == ("whole" if column.kind == "int" else "decimal")
            assert float(validation.formula1) == column.min
        elif column.kind == "date":
            assert validation.type == "date"
        else:
            assert validation is None
        cell = data.cell(row=2, column=index)
        assert cell.value is not None
        expected_format = {"date": "yyyy-mm-dd", "int": "0", "id": "@", "text": "@"}.get(column.kind)
        if expected_format:
            assert cell.number_format == expected_format
        if column.kind == "date":
            assert isinstance(cell.value, dt.datetime)
    # The instructions list every column with its header, name and example.
    rows = list(instructions.iter_rows(min_row=5, values_only=True))
    assert [r[0] for r in rows] == [header(c) for c in columns]
    assert [r[1] for r in rows] == [c.name for c in columns]
    assert all(r[5] is not None for r in rows)


@pytest.mark.parametrize(
    "column, lang, words",
    [
        (schema.table("employment").column("status"), "zh", ["就业", "自主创业", "升学", "参军入伍", "待就业", "其他"]),
        (schema.table("employment").column("status"), "en", list(schema.EMPLOYMENT_STATUSES)),
        (schema.table("students").column("dual_mentor"), "zh", ["是", "否"]),
        (schema.table("students").column("gender"), "zh", ["男", "女", "其他"]),
        (schema.table("students").column("training_model"), "zh", ["2+1 模式", "1.5+1.5 模式", "其他模式"]),
        (schema.table("mentors").column("mentor_type"), "zh", ["校内导师", "企业导师"]),
    ],
)
def test_dropdown_words(column, lang, words):
    assert choices(column, lang) == words


@pytest.mark.parametrize("table, lang", CASES)
def test_template_as_downloaded_imports_its_example(table, lang):
    con = db.connect(":memory:")
    data_result, instructions_result = import_file(con, template_bytes(table, lang), file_name=f"{table}.xlsx")
    assert (data_result.status, data_result.table) == ("loaded", table)
    assert (data_result.inserted, data_result.rejected) == (1, 0)
    assert instructions_result.status == "skipped"
    # Every column of the example row arrived (nothing silently left unmapped).
    assert set(data_result.mapping.columns) == {c.name for c in template_columns(table)}
    assert data_result.mapping.unmapped == ()


def _fill(table: str, lang: str) -> tuple[bytes, list[dict]]:
    """The template with one row per dropdown word (IDs and text numbered to keep keys unique)."""
    book = _book(table, lang)
    ws = book.worksheets[0]
    columns = template_columns(table)
    n = max([len(choices(c, lang)) for c in columns] + [3])
    expected = []
    for r in range(n):
        row = {}
        for index, column in enumerate(columns, start=1):
            words = choices(column, lang)
            value = words[r % len(words)] if words else example(table, column, lang)
            if column.name == "period":  # a period must stay a readable year
                value = str(2015 + r)
            elif column.kind in ("id", "text"):
                value = f"{value}{r}"
            ws.cell(row=2 + r, column=index, value=value)
            if column.kind == "enum":
                row[column.name] = column.allowed[r % len(column.allowed)]
            elif column.kind == "bool":
                row[column.name] = r % 2 == 0
        expected.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue(), expected


@pytest.mark.parametrize("table, lang", CASES)
def test_filled_template_imports_with_no_mapping_and_codes_normalised(table, lang):
    data, expected = _fill(table, lang)
    con = db.connect(":memory:")
    result = import_file(con, data, file_name="filled.xlsx")[0]
    assert (result.table, result.rejected, result.inserted) == (table, 0, len(expected))
    coded = [c for c in template_columns(table) if c.kind in ("enum", "bool")]
    if not coded:
        return
    names = ", ".join(db.quote_ident(c.name) for c in coded)
    got = con.execute(f"SELECT {names} FROM {db.quote_ident(table)}").fetchall()
    assert sorted(got, key=repr) == sorted((tuple(e[c.name] for c in coded) for e in expected), key=repr)


def test_leading_zero_ids_survive():
    book = _book("students", "zh")
    ws = book.worksheets[0]
    ws["A3"] = "020230001"
    buf = io.BytesIO()
    book.save(buf)
    con = db.connect(":memory:")
    import_file(con, buf.getvalue(), file_name="s.xlsx")
    ids = {r[0] for r in con.execute("SELECT student_id FROM students").fetchall()}
    assert ids == {"2023010001", "020230001"}


def test_unknown_table_refused():
    with pytest.raises(ConfigError) as err:
        template_bytes("pupils", "zh")
    assert err.value.code == "template-unknown-table"
    assert "students" in err.value.message("en")


@pytest.mark.parametrize("name", ["学生", "Students", "STUDENTS", " students "])
def test_template_accepts_the_tables_chinese_and_english_names(name, tmp_path, capsys):
    # `template 学生` was refused: only the English key was known
    out = tmp_path / "t.xlsx"
    assert main(["--lang", "zh", "template", name, "--out", str(out)]) == 0
    written = [c.value for c in openpyxl.load_workbook(out).active[1]]
    assert written == [c.value for c in _book("students", "zh").active[1]]


@pytest.mark.parametrize("text, key", [("学生", "students"), ("合作企业", "enterprises"), ("Two-way training",
                                       "mentor_training"), ("mentor_training", "mentor_training"), ("学员", None)])
def test_table_key_reads_one_vocabulary(text, key):
    assert schema.table_key(text) == key


def test_cli_template(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", "employment", "--out", str(out), "--lang", "en"]) == 0
    assert openpyxl.load_workbook(out).sheetnames == ["Data", "Instructions"]
    assert str(out) in capsys.readouterr().out
