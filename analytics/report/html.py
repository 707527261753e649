"""The meeting pack as one self-contained HTML document.

plotly.js is embedded once in ``<head>``; no file, font or script is fetched from
anywhere, so the report opens offline. A print stylesheet gives A4 pages with a page
break before every section (Chromium "Print to PDF"). Small groups are grey, italic
and marked ⚠; status cells are coloured by verdict ("near" as a shade of not met).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from analytics.i18n import t
from analytics.report import model
from analytics.report.model import Block, Bullets, Part, Report, Text

FIGURE_WIDTH = 680  # px: the printable width of an A4 page with 12 mm margins
KEEP_ROWS = 24  # blocks (chart and table) up to this many rows are never split across printed pages
FIGURE_HEIGHT = 300  # px: two charts with their tables fit on one A4 page

_CSS = """
:root { --ink: #1d2733; --muted: #5b6b7d; --line: #d8dee6; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #f4f6f9; font-size: 10.5pt; line-height: 1.55;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "Hiragino Sans GB", "WenQuanYi Micro Hei", sans-serif; }
main { max-width: 190mm; margin: 0 auto; background: white; padding: 12mm 10mm; }
header.cover h1 { font-size: 20pt; margin: 0 0 4pt; color: var(--accent); }
header.cover p { margin: 0; color: var(--muted); }
section { margin-top: 10mm; }
h2 { font-size: 15pt; border-bottom: 2px solid var(--accent); padding-bottom: 2pt; margin: 0 0 6pt; }
h3 { font-size: 11.5pt; margin: 12pt 0 4pt; }
p.note, p.meta { color: var(--muted); font-size: 8.5pt; margin: 2pt 0 8pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; font-size: 9pt; }
th, td { border-bottom: 1px solid var(--line); padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.small td { color: var(--muted); font-style: italic; }
td.status { font-weight: 600; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
td.met { background: #d5eddc; } td.near { background: #fbefc5; }
td.not_met { background: #f6d3d7; } td.no_data { background: #e8ecf1; }
.figure { margin: 6pt 0; }
ol, ul { margin: 4pt 0 8pt; padding-left: 18pt; }
li { margin: 2pt 0; }
.empty { color: var(--muted); }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { background: white; font-size: 10pt; }
  main { max-width: none; margin: 0; padding: 0; }
  section { margin-top: 0; break-before: page; page-break-before: always; }
  section.first { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, .figure, li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .keep { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_table(block: Block, lang: str) -> str:
    head = "".join(('<th class="num">' if col.fmt in model.NUMERIC else "<th>") + f"{_esc(col.label)}</th>"
                   for col in block.cols)
    rows = []
    small = model.small_rows(block)
    for i, record in enumerate(block.frame.to_dict("records")):
        cells = []
        for col in block.cols:
            fmt = model.row_fmt(block, col, i)
            value = record.get(col.key)
            classes = []
            if fmt in model.NUMERIC:
                classes.append("num")
            if fmt == "datetime":
                classes.append("nowrap")
            if fmt == "status" and not model.missing(value):
                classes += ["status", str(value)]
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{_esc(model.text(value, fmt, lang))}</td>")
        tr_class = ' class="small"' if small and small[i] else ""
        rows.append(f"<tr{tr_class}>{''.join(cells)}</tr>")
    body = "".join(rows) or f'<tr><td colspan="{len(block.cols)}" class="empty">{_esc(t("report.no_data", lang))}</td></tr>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_figure(fig: go.Figure) -> str:
    """A figure at the printable width; its title is dropped (the block heading says it)."""
    fig = go.Figure(fig)
    height = fig.layout.height or FIGURE_HEIGHT
    fig.update_layout(width=FIGURE_WIDTH, height=height if height > 380 else FIGURE_HEIGHT, autosize=False,
                      title={"text": ""}, margin={"t": 24})
    if fig.layout.showlegend is not False and len(fig.data) > 1:
        fig.update_xaxes(title={"text": ""})  # the legend sits where the category axis title would
    return '<div class="figure">' + fig.to_html(
        full_html=False, include_plotlyjs=False, config={"displayModeBar": False, "staticPlot": False}
    ) + "</div>"


def _html_part(part: Part, lang: str) -> str:
    if isinstance(part, Text):
        title = f"<h3>{_esc(part.title)}</h3>" if part.title else ""
        return f'<div class="keep">{title}<p>{_esc(part.text)}</p></div>'
    if isinstance(part, Bullets):
        tag = "ol" if part.ordered else "ul"
        items = "".join(f"<li>{_esc(x)}</li>" for x in part.items)
        body = f"<{tag}>{items}</{tag}>" if part.items else f'<p class="empty">{_esc(part.empty)}</p>'
        return f'<div id="part-{part.key}"><h3>{_esc(part.title)}</h3>{body}</div>'
    has_rows = len(part.frame) > 0
    figure = _html_figure(part.chart.figure()) if part.chart is not None and part.chart.figure and has_rows else ""
    note = f'<p class="note">{_esc(part.note)}</p>' if part.note else ""
    keep = ' class="keep"' if len(part.frame) <= KEEP_ROWS else ""  # a short block is never split
    return f'<div id="part-{part.key}"{keep}><h3>{_esc(part.title)}</h3>{figure}{_html_table(part, lang)}{note}</div>'


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (plotly.js inlined once in ``<head>``)."""
    lang = report.lang
    sections = []
    for i, sec in enumerate(report.sections):
        first = ' class="first"' if i == 0 else ""
        parts = "".join(_html_part(p, lang) for p in sec.parts)
        meta = "" if i == 0 else f'<p class="meta">{_esc(report.caption)} · {_esc(report.data_date)}</p>'
        sections.append(f'<section id="sec-{sec.key}"{first}><h2>{_esc(sec.title)}</h2>{meta}{parts}</section>')
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(report.title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body><main>'
        f'<header class="cover"><h1>{_esc(report.title)}</h1><p>{_esc(report.caption)}</p>'
        f"<p>{_esc(report.data_date)} · {_esc(report.generated)}</p></header>"
        + "".join(sections)
        + "</main></body></html>"
    )
