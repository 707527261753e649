"""The leadership meeting pack: one self-contained HTML file and one Excel workbook.

Both are rendered from the same :class:`~analytics.report.model.Report`
(:func:`build_report`), so they always say the same thing as each other and as the
dashboard: the headlines as ``analytics.narrative`` writes them, the attention list,
one section per area (certificates, employment, satisfaction, mentors, students,
funding) and a methods appendix generated from ``docs/METHODS.md`` with the settings in
force, data coverage and the imported files.

* ``model`` — the report as data (sections of tables, lists and paragraphs);
* ``sections`` — the builders, from a connection, a filter, settings and a language;
* ``html`` / ``xlsx`` — the renderers, each a function of a :class:`Report` alone;
* ``methods`` — the methods note (also for the export archives).

Example::

    report = build_report(con, Filters(major="数控技术应用"), settings, "zh")
    Path("pack.html").write_text(render_html(report), encoding="utf-8")
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics.config import Settings
from analytics.errors import AnalyticsError, ConfigError
from analytics.filters import Filters
from analytics.report.html import render_html
from analytics.report.methods import methods_note
from analytics.report.model import Block, Bullets, Chart, Col, Report, Section, Text
from analytics.report.sections import SECTIONS, build_report, data_date
from analytics.report.xlsx import render_xlsx

FORMATS = ("html", "xlsx")

__all__ = [
    "FORMATS", "SECTIONS", "Block", "Bullets", "Chart", "Col", "Report", "Section", "Text", "build_report",
    "data_date", "methods_note", "render", "render_html", "render_xlsx", "report_html", "report_xlsx",
    "write_report",
]


def render(report: Report, fmt: str) -> bytes:
    """The report as the bytes of a file in ``fmt`` (``html`` or ``xlsx``)."""
    if fmt not in FORMATS:
        raise ConfigError("report-format", value=fmt)
    return render_html(report).encode("utf-8") if fmt == "html" else render_xlsx(report)


def report_html(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str) -> str:
    """The meeting pack as a self-contained HTML document."""
    return render_html(build_report(con, f, s, lang))


def report_xlsx(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, lang: str) -> bytes:
    """The meeting pack as an xlsx workbook."""
    return render_xlsx(build_report(con, f, s, lang))


def write_report(
    con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, path: str | Path, fmt: str, lang: str
) -> Path:
    """Write the meeting pack for filter ``f`` to ``path`` as ``html`` or ``xlsx``."""
    if fmt not in FORMATS:
        raise ConfigError("report-format", value=fmt)
    path = Path(path)
    data = render(build_report(con, f, s, lang), fmt)
    try:
        path.write_bytes(data)
    except OSError as e:
        raise AnalyticsError("report-write-failed", path=str(path), detail=e.strerror or str(e)) from e
    return path
