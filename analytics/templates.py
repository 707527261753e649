"""Excel import templates, one per canonical table: what a school fills in so the import just works.

Each template has a data sheet and an instructions sheet:

* the header row is bilingual, ``中文（English）``: the importer ignores bracketed text when
  it matches headers (``mapping.header_key``), so the Chinese label maps the column with
  no manual mapping while English readers see what it means;
* enumerations and yes/no columns get dropdowns offering the words users type (the
  Chinese labels of the ``schema`` vocabularies in the zh template, the codes in the en one),
  numbers a range check, dates a date check — all as warnings, so any other spelling the
  importer knows can still be kept;
* columns carry their formats (IDs and text as text so leading zeros survive, dates
  ``yyyy-mm-dd``, whole numbers, decimals);
* row 2 is an example row that imports cleanly;
* the instructions sheet explains every column from ``schema`` (labels, format,
  required, allowed values, example).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analytics import schema
from analytics.errors import ConfigError
from analytics.i18n import t
from analytics.ingest.normalize import MAX_DATE, MIN_DATE

# Rows of the data sheet that carry validations (Excel applies column formats to every row).
TEMPLATE_ROWS = 10_000
NUMBER_FORMATS = {
    "id": "@",
    "text": "@",
    "enum": "@",
    "bool": "@",
    "int": "0",
    "number": "0.0",
    "date": "yyyy-mm-dd",
}
MONEY_FORMAT = "#,##0.00"
MONEY_COLUMNS = ("monthly_salary", "budget", "spent", "funding_promised")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_EXAMPLE_FONT = Font(italic=True, color="808080")

# Example values by (table, column), then by column: valid for the importer as they stand.
_EXAMPLES: dict[str, object] = {
    "school_id": "S001",
    "school_name": "示例市第一职业学校",
    "county": "示例县",
    "region": "示例市",
    "enterprise_id": "E001",
    "enterprise_name": "示例精密机械有限公司",
    "industry": "装备制造",
    "partner_since": dt.date(2021, 9, 1),
    "mentor_id": "T0001",
    "mentor_name": "王老师",
    "major": "数控技术应用",
    "years_experience": 8,
    "qualification": "数控车工（高级）",
    "appointed_on": dt.date(2022, 9, 1),
    "student_id": "2023010001",
    "student_name": "张三",
    "id_card": "11010120080101003X",  # an example (not a real person's) 18-character ID
    "class_name": "23数控1班",
    "cohort_year": 2023,
    "graduation_year": 2026,
    "school_mentor_id": "T0001",
    "enterprise_mentor_id": "T0101",
    "certificate_name": "数控车铣加工职业技能等级证书",
    "exam_date": dt.date(2025, 6, 15),
    "certificate_level": "中级",
    "score": 86,
    "survey_date": dt.date(2026, 8, 31),
    "employer_name": "示例精密机械有限公司",
    "start_date": dt.date(2026, 7, 1),
    "monthly_salary": 4500,
    "respondent": "人事部李经理",
    "scale_max": 5,
    "activity_date": dt.date(2025, 3, 12),
    "count": 1,
    "hours": 3,
    "notes": "到企业指导学生数控编程",
    "term": "2024-2025学年第一学期",
    "theory_score": 82,
    "practical_score": 88,
    "skill_score": 88,
    "professionalism_score": 90,
    "period": "2024-2025学年",
    "year": 2025,
    "category": "企业导师津贴",
    "budget": 200000,
    "spent": 185000,
    "signed_on": dt.date(2023, 9, 1),
    "expires_on": dt.date(2026, 8, 31),
    "agreement_no": "XQHZ-2023-001",
    "mentors_promised": 3,
    "places_promised": 10,
    "funding_promised": 50000,
    "start_date": dt.date(2025, 7, 7),
    "end_date": dt.date(2025, 8, 29),
    "days": 54,
    "course": "暑期教师企业实践（数控加工车间）",
    "decided_on": dt.date(2025, 3, 14),
    "title": "组织企业导师参加教学能力培训，年度覆盖率不低于80%",
    "owner": "教务处",
    "due_on": dt.date(2025, 7, 31),
    "done_on": dt.date(2025, 7, 20),
    "figure_filters": "major=数控技术应用",
    "baseline_value": 0.55,
    "baseline_low": 0.42,
    "baseline_high": 0.67,
    "baseline_numerator": 33,
    "baseline_denominator": 60,
    "baseline_period": "2024",
    "recorded_by": "王校长",
}
_TABLE_EXAMPLES: dict[tuple[str, str], object] = {
    ("satisfaction_surveys", "survey_date"): dt.date(2025, 12, 20),
    ("satisfaction_surveys", "score"): 4,
    ("mentor_evaluations", "score"): 90,
    ("benchmarks", "source"): "示例省中职毕业生就业质量报告",
    ("benchmarks", "publisher"): "示例省教育厅",
    ("benchmarks", "source_url"): "2024年度报告第12页",
    ("benchmarks", "licence"): "公开发布",
    ("benchmarks", "period"): "2024",
    ("benchmarks", "group_label"): "全省中职学校",
    ("benchmarks", "numerator"): 9120,
    ("benchmarks", "denominator"): 9800,
    ("benchmarks", "value"): 93.1,
    ("benchmarks", "unit"): "%",
    ("mentor_training", "hours"): 16,
    ("actions", "notes"): "7月培训已组织，覆盖率待核实",
}


def header(column: schema.Column) -> str:
    """The bilingual header of ``column``: ``学号（Student ID）`` (the importer reads ``学号``)."""
    return f"{column.zh}（{column.en}）"


def template_columns(table: str) -> tuple[schema.Column, ...]:
    """Columns a template asks for: every column except those the importer generates."""
    return tuple(c for c in _table(table).columns if not c.generated)


def choices(column: schema.Column, lang: str) -> list[str]:
    """Dropdown values of an enum or yes/no column: words the importer maps to the codes.

    zh: the Chinese label of each code in its ``schema`` vocabulary; en: the codes themselves.
    Empty for other kinds.
    """
    if column.kind == "bool":
        return [schema.label("boolean", "yes", lang), schema.label("boolean", "no", lang)]
    if column.kind != "enum":
        return []
    if lang != "zh":
        return list(column.allowed)
    return [schema.label(column.name, c, "zh") for c in column.allowed]


def example(table: str, column: schema.Column, lang: str) -> object:
    """The example value of ``column`` in ``table``'s template."""
    if column.kind in ("enum", "bool"):
        return choices(column, lang)[0]
    if (table, column.name) in _TABLE_EXAMPLES:
        return _TABLE_EXAMPLES[(table, column.name)]
    return _EXAMPLES[column.name]


def number_format(column: schema.Column) -> str:
    """Excel number format of ``column``'s cells."""
    return MONEY_FORMAT if column.name in MONEY_COLUMNS else NUMBER_FORMATS[column.kind]


def _table(name: str) -> schema.Table:
    key = schema.table_key(name)  # "学生" and "Students" name the students table too
    if key is None:
        known = ", ".join(f"{t.name} ({t.zh})" for t in schema.TABLES)
        raise ConfigError("template-unknown-table", table=name, known=known)
    return schema.TABLE_BY_NAME[key]


def _is_required(table: schema.Table, column: schema.Column) -> bool:
    return column in table.required_columns and column.default is None


def _range(column: schema.Column) -> tuple[str, str] | None:
    if column.min is None:
        return None
    high = column.max if column.max is not None else 1e15
    return f"{column.min:g}", f"{high:g}"


def _validation(column: schema.Column, lang: str) -> DataValidation | None:
    """The data validation of one column (warning style: other known spellings stay possible)."""
    common = {
        "allow_blank": True,
        "errorStyle": "warning",
        "showErrorMessage": True,
        "showInputMessage": True,
        "errorTitle": t("export.template.error-title", lang),
    }
    words = choices(column, lang)
    if words:
        return DataValidation(
            type="list",
            formula1='"' + ",".join(words) + '"',
            error=t("export.template.error-list", lang),
            prompt=t("export.template.prompt-list", lang),
            **common,
        )
    if column.kind in ("int", "number") and (bounds := _range(column)):
        low, high = bounds
        return DataValidation(
            type="whole" if column.kind == "int" else "decimal",
            operator="between",
            formula1=low,
            formula2=high,
            error=t("export.template.error-range", lang, low=low, high=high),
            prompt=t("export.template.prompt-range", lang, low=low, high=high),
            **common,
        )
    if column.kind == "date":
        low, high = MIN_DATE.isoformat(), MAX_DATE.isoformat()
        return DataValidation(
            type="date",
            operator="between",
            formula1=f"DATE({MIN_DATE.year},{MIN_DATE.month},{MIN_DATE.day})",
            formula2=f"DATE({MAX_DATE.year},{MAX_DATE.month},{MAX_DATE.day})",
            error=t("export.template.error-range", lang, low=low, high=high),
            prompt=t("export.template.prompt-date", lang),
            **common,
        )
    return None


def _data_sheet(ws: Worksheet, table: schema.Table, lang: str) -> None:
    for index, column in enumerate(template_columns(table.name), start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=header(column))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _REQUIRED_FILL if _is_required(table, column) else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = max(14, len(header(column)) * 1.3)
        ws.column_dimensions[letter].number_format = number_format(column)
        sample = ws.cell(row=2, column=index, value=example(table.name, column, lang))
        sample.number_format = number_format(column)
        sample.font = _EXAMPLE_FONT
        validation = _validation(column, lang)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(validation)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _format_text(column: schema.Column, lang: str) -> str:
    text = t(f"export.kind.{column.kind}", lang)
    if (bounds := _range(column)) and column.max is not None:
        text += t("export.meaning.sep", lang) + t("export.meaning.range", lang, low=bounds[0], high=bounds[1])
    elif bounds:
        text += t("export.meaning.sep", lang) + t("export.meaning.min", lang, low=bounds[0])
    return text


def _values_text(column: schema.Column, lang: str) -> str:
    words = choices(column, lang)
    if column.kind == "enum":
        return "、".join(f"{w} ({c})" if w != c else c for w, c in zip(words, column.allowed, strict=True))
    return "、".join(words)


def _instructions_sheet(ws: Worksheet, table: schema.Table, lang: str) -> None:
    data_sheet = t("export.template.data-sheet", lang)
    ws["A1"] = t("export.template.title", lang, table=f"{table.zh}（{table.en}）")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = t("export.template.how", lang, sheet=data_sheet)
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:F2")
    ws.row_dimensions[2].height = 90
    heads = ("col-header", "col-column", "col-format", "col-required", "col-values", "col-example")
    for index, key in enumerate(heads, start=1):
        cell = ws.cell(row=4, column=index, value=t(f"export.template.{key}", lang))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
    for row, column in enumerate(template_columns(table.name), start=5):
        sample = example(table.name, column, lang)
        values = (
            header(column),
            column.name,
            _format_text(column, lang),
            t(f"export.template.{'required' if _is_required(table, column) else 'optional'}", lang),
            _values_text(column, lang),
            sample.isoformat() if isinstance(sample, dt.date) else sample,
        )
        for index, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=index, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = "@"
    for letter, width in zip("ABCDEF", (30, 22, 30, 10, 50, 28), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A5"


def template_bytes(table: str, lang: str = "zh") -> bytes:
    """The xlsx import template of canonical ``table`` (data sheet, then instructions)."""
    spec = _table(table)
    book = Workbook()
    data = book.active
    data.title = t("export.template.data-sheet", lang)
    _data_sheet(data, spec, lang)
    _instructions_sheet(book.create_sheet(t("export.template.instructions-sheet", lang)), spec, lang)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_template(table: str, out: str | os.PathLike[str], lang: str = "zh") -> Path:
    """Write the template of ``table`` to ``out`` (an .xlsx path)."""
    data = template_bytes(table, lang)
    path = Path(out)
    path.write_bytes(data)
    return path
