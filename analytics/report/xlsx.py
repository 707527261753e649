"""The meeting pack as an xlsx workbook: one sheet per section.

The filter caption and the data date head every sheet; rates are numbers formatted
``0.0%``; charts are native (openpyxl) line and bar charts that reference the cells, so
they stay editable in Excel and WPS; no formulas; every text cell goes through
``safe_export.escape_cell``. Small groups are grey italics with the ⚠ mark.
"""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from analytics.i18n import t
from analytics.report import model
from analytics.report.model import Block, Bullets, Report, Section, Text
from analytics.safe_export import escape_cell

STATUS_FILL = {"met": "D5EDDC", "near": "FBEFC5", "not_met": "F6D3D7", "no_data": "E8ECF1"}
_BOLD = Font(bold=True)
_MUTED = Font(color="5B6B7D", size=9)
_SMALL_ROW = Font(color="7A8794", italic=True)
_HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")
_TEXT_SPAN = 9  # columns a paragraph spans
_CHART_ROWS = 16  # rows a chart of the default height covers


def _width(text: str) -> int:
    """Display width of ``text`` (CJK characters count double)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _write_text(ws: Worksheet, row: int, text: str, font: Font | None = None) -> int:
    """A paragraph across ``_TEXT_SPAN`` columns, wrapped (its row height is set with the widths)."""
    cell = ws.cell(row=row, column=1, value=escape_cell(text))
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if font is not None:
        cell.font = font
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=_TEXT_SPAN)
    return row + 1


def _fit_text_rows(ws: Worksheet) -> None:
    """Row heights of the merged paragraphs for the lines their text needs at the final widths
    (spreadsheet programs do not grow merged rows by themselves)."""
    span = sum(ws.column_dimensions[get_column_letter(j)].width or 9 for j in range(1, _TEXT_SPAN + 1))
    for merged in ws.merged_cells.ranges:
        text = str(ws.cell(row=merged.min_row, column=1).value or "")
        lines = max(1, math.ceil(_width(text) * 1.1 / span))
        ws.row_dimensions[merged.min_row].height = 14 * lines + 3


def _excel_chart(ws: Worksheet, block: Block, header_row: int, last_row: int, anchor: str) -> None:
    spec = block.chart
    keys = [col.key for col in block.cols]
    if spec.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if spec.kind == "bar" else "col"
        if spec.kind == "stacked":
            chart.grouping = "stacked"
            chart.overlap = 100
    chart.title = escape_cell(spec.title)
    chart.height, chart.width = 7.5, 15
    for key in spec.y:
        col = keys.index(key) + 1
        chart.add_data(Reference(ws, min_col=col, min_row=header_row, max_row=last_row), titles_from_data=True)
    x = keys.index(spec.x) + 1
    chart.set_categories(Reference(ws, min_col=x, min_row=header_row + 1, max_row=last_row))
    chart.y_axis.number_format = "0%" if spec.percent else "#,##0"
    if spec.percent or spec.kind != "line":
        chart.y_axis.scaling.min = 0  # rates and amounts from zero, so bars are not exaggerated
    if spec.kind == "line":
        for series in chart.series:
            series.smooth = False
            series.marker.symbol = "circle"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if spec.kind == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    if len(spec.y) == 1:
        chart.legend = None
    else:
        chart.legend.position = "b"
    ws.add_chart(chart, anchor)


def _write_block(ws: Worksheet, row: int, block: Block, lang: str, widths: dict[int, int]) -> int:
    if block.chart is not None and not block.frame.empty and any(ws._charts):
        ws.row_breaks.append(Break(id=row - 1))  # every further chart starts a printed page
    ws.cell(row=row, column=1, value=escape_cell(block.title)).font = Font(bold=True, size=12)
    title_row = row
    row += 1
    header_row = row
    for j, col in enumerate(block.cols, 1):
        cell = ws.cell(row=row, column=j, value=escape_cell(col.label))
        cell.font, cell.fill = _BOLD, _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths[j] = max(widths.get(j, 0), min(_width(col.label) + 2, 24))
    small = model.small_rows(block)
    for i, record in enumerate(block.frame.to_dict("records")):
        row += 1
        for j, col in enumerate(block.cols, 1):
            fmt = model.row_fmt(block, col, i)
            value = record.get(col.key)
            cell = ws.cell(row=row, column=j, value=model.value(value, fmt, lang))
            if fmt in model.EXCEL_FORMATS:
                cell.number_format = model.EXCEL_FORMATS[fmt]
            if fmt == "year":
                cell.alignment = Alignment(horizontal="left")
            if fmt == "status" and not model.missing(value):
                cell.fill = PatternFill("solid", fgColor=STATUS_FILL.get(str(value), "FFFFFF"))
            if small and small[i]:
                cell.font = _SMALL_ROW
            shown = model.text(value, fmt, lang)
            widths[j] = max(widths.get(j, 0), min(_width(shown) + 2, 40 if fmt in model.EXCEL_FORMATS else 60))
    if block.frame.empty:
        row += 1
        ws.cell(row=row, column=1, value=escape_cell(t("report.no_data", lang))).font = _MUTED
    last_row = row
    if block.note:
        row += 1
        ws.cell(row=row, column=1, value=escape_cell(block.note)).font = _MUTED
    if block.chart is not None and not block.frame.empty:
        anchor = f"{get_column_letter(len(block.cols) + 2)}{title_row}"
        _excel_chart(ws, block, header_row, last_row, anchor)
        row = max(row, title_row + _CHART_ROWS)
    return row + 2


def _write_sheet(ws: Worksheet, report: Report, sec: Section) -> None:
    lang = report.lang
    ws.cell(row=1, column=1, value=escape_cell(f"{sec.title} · {report.title}")).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=escape_cell(report.caption)).font = _MUTED
    ws.cell(row=3, column=1, value=escape_cell(f"{report.data_date} · {report.generated}")).font = _MUTED
    row = 5
    widths: dict[int, int] = {}
    first_header = None
    for part in sec.parts:
        if isinstance(part, Text):
            if part.title:
                ws.cell(row=row, column=1, value=escape_cell(part.title)).font = _BOLD
                row += 1
            row = _write_text(ws, row, part.text) + 1
        elif isinstance(part, Bullets):
            ws.cell(row=row, column=1, value=escape_cell(part.title)).font = Font(bold=True, size=12)
            row += 1
            for i, item in enumerate(part.items, 1):
                row = _write_text(ws, row, f"{i}. {item}" if part.ordered else f"• {item}")
            if not part.items:
                row = _write_text(ws, row, part.empty, _MUTED)
            row += 1
        else:
            if first_header is None and row == 5:
                first_header = row + 1
            row = _write_block(ws, row, part, lang, widths)
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = max(9, w)
    _fit_text_rows(ws)
    ws.freeze_panes = f"A{first_header + 1}" if first_header else "A4"
    ws.sheet_view.showGridLines = False
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:3"
    ws.oddFooter.center.text = escape_cell(report.caption)


def render_xlsx(report: Report) -> bytes:
    """The report as an xlsx workbook: one sheet per section, native charts, no formulas."""
    wb = Workbook()
    wb.remove(wb.active)
    for sec in report.sections:
        _write_sheet(wb.create_sheet(_sheet_name(sec.sheet)), report, sec)
    wb.properties.title = report.title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    return "".join(ch for ch in name if ch not in '[]:*?/\\')[:31]
