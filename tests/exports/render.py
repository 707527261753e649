"""Write a grid of cells as the file formats schools receive: xlsx (with merges), legacy xls,
CSV in any encoding, and the HTML tables web systems hand out with an .xls name."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from typing import Any

from tests.filebuilders import write_xlsx

Rows = list[list[Any]]


def xlsx(sheets: dict[str, Rows], merges: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx; values keep their Python type, text is stored as text (IDs keep their zeros)."""
    buf = io.BytesIO()
    write_xlsx(buf, sheets, merges=merges, text_cells=True)
    return buf.getvalue()


def xls(sheets: dict[str, Rows], merges: dict[str, list[tuple[int, int, int, int]]] | None = None,
        errors: dict[str, list[tuple[int, int, str]]] | None = None) -> bytes:
    """A legacy BIFF8 .xls (xlwt); ``merges``: (r1, r2, c1, c2); ``errors``: (row, col, "#N/A")."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        merged = {(r1, c1): (r1, r2, c1, c2) for r1, r2, c1, c2 in (merges or {}).get(name, [])}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if (r, c) in merged:
                    r1, r2, c1, c2 = merged[(r, c)]
                    ws.write_merge(r1, r2, c1, c2, value)
                elif isinstance(value, dt.date):
                    ws.write(r, c, value, date_style)
                else:
                    ws.write(r, c, value)
        for r, c, text in (errors or {}).get(name, []):
            ws.row(r).set_cell_error(c, text)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def text(rows: Rows, *, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False,
         newline: str = "\r\n") -> bytes:
    """Delimited text as office PCs export it (CRLF; GBK, UTF-8 with or without BOM)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def html_table(rows: Rows, *, title: str, heading: str = "", encoding: str = "utf-8",
               spans: dict[tuple[int, int], tuple[int, int]] | None = None) -> bytes:
    """A web system's "export to Excel": an HTML page whose table Excel opens; ``spans`` maps a
    cell (row, col) of ``rows`` to (rowspan, colspan), the covered cells being None in ``rows``."""
    spans = spans or {}
    charset = "gb2312" if encoding in ("gbk", "gb18030") else "utf-8"
    out = [f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">',
           f"<title>{html.escape(title)}</title><style>td{{mso-number-format:'\\@'}}</style></head><body>"]
    if heading:
        out.append(f"<h3>{html.escape(heading)}</h3>")
    out.append('<table border="1" cellspacing="0">')
    covered: set[tuple[int, int]] = set()
    for (r, c), (rs, cs) in spans.items():
        covered |= {(r + i, c + j) for i in range(rs) for j in range(cs)} - {(r, c)}
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            cells.append(f"<td{attrs}>{'' if value is None else html.escape(str(value))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table></body></html>")
    return "\n".join(out).encode(encoding)
