"""HTML tables saved with an .xls name, as many school and employment systems export them.

Excel opens such a file without a word, so users send it as a workbook. ``html_tables``
turns every data table of the page into a grid of cell texts plus its merged ranges
(``colspan``/``rowspan``), which the reader then handles like a workbook sheet: title rows,
merged headers and merged category cells included. A page that holds no data table — a
login page, a session-expired or error page saved by mistake — is refused with a sentence
naming its title (``HtmlPage.data_tables`` is empty, ``HtmlPage.login`` says why).

Only the standard library's tokenizer is used: no scripts run, no entities beyond HTML's
own are expanded, nothing is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_SPACES = re.compile(r"\s+")
_ERROR_WORDS = re.compile(
    r"登录|登陆|用户名|密码|验证码|会话|超时|过期|出错|错误|异常|无权|拒绝访问|找不到|不存在|"
    r"log\s*in|sign\s*in|password|session|expired|error|exception|forbidden|denied|not found|40[134]|500",
    re.I,
)

Grid = list[list[str | None]]
Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class HtmlTable:
    """One ``<table>``: cell texts row by row (spans expanded) and its merged ranges."""

    rows: Grid = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def is_data(self) -> bool:
        """At least two rows with two or more filled cells: a table of records, not a layout box."""
        filled = [sum(v is not None for v in row) for row in self.rows]
        return sum(n >= 2 for n in filled) >= 2


@dataclass
class HtmlPage:
    """What a page holds: its title, its tables, and whether it is a login or error page."""

    title: str
    tables: list[HtmlTable]
    password_field: bool
    text: str
    headings: list[str] = field(default_factory=list)  # short texts outside the tables, first ones

    @property
    def data_tables(self) -> list[HtmlTable]:
        return [t for t in self.tables if t.is_data()]

    @property
    def login(self) -> bool:
        """A sign-in form, or an error/expiry page: never data, whatever tables it has."""
        if self.password_field:
            return True
        return not self.data_tables and bool(_ERROR_WORDS.search(f"{self.title} {self.text[:2000]}"))


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.tables: list[HtmlTable] = []
        self.password_field = False
        self._stack: list[tuple[HtmlTable, dict[tuple[int, int], bool]]] = []  # open tables, occupied cells
        self._row = -1
        self._rows: list[int] = []  # current row index per open table
        self._cell: list[str] | None = None
        self._cells: list[list[str] | None] = []
        self._span: tuple[int, int] = (1, 1)
        self._spans: list[tuple[int, int]] = []
        self._in_title = False
        self._skip = 0  # inside <script>/<style>
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "input" and a.get("type", "").lower() == "password":
            self.password_field = True
        elif tag == "table":
            table = HtmlTable()
            self.tables.append(table)
            self._stack.append((table, {}))
            self._rows.append(-1)
            self._cells.append(self._cell)
            self._spans.append(self._span)
            self._cell = None
        elif tag == "tr" and self._stack:
            self._rows[-1] += 1
            self._stack[-1][0].rows.append([])
        elif tag in ("td", "th") and self._stack:
            if self._rows[-1] < 0:  # a cell without <tr>
                self._rows[-1] = 0
                self._stack[-1][0].rows.append([])
            self._cell = []
            self._span = (_int(a.get("rowspan")), _int(a.get("colspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "table" and self._stack:
            self._close_cell()
            self._stack.pop()
            self._rows.pop()
            self._cell = self._cells.pop()
            self._span = self._spans.pop()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.title += data
        if self._cell is not None:
            self._cell.append(data)
        elif data.strip():
            self.text_parts.append(data.strip())

    def _close_cell(self) -> None:
        if self._cell is None or not self._stack:
            return
        table, taken = self._stack[-1]
        r = self._rows[-1]
        text = _SPACES.sub(" ", "".join(self._cell)).strip() or None
        row = table.rows[r]
        c = 0
        while taken.get((r, c)) or c < len(row) and row[c] is not None:
            c += 1
        rowspan, colspan = self._span
        for dr in range(rowspan):
            while len(table.rows) <= r + dr:
                table.rows.append([])
            target = table.rows[r + dr]
            for dc in range(colspan):
                while len(target) <= c + dc:
                    target.append(None)
                taken[(r + dr, c + dc)] = True
                if dr == 0 and dc == 0:
                    target[c] = text
        if rowspan > 1 or colspan > 1:
            table.merges.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
        self._cell = None
        self._span = (1, 1)


def _int(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def looks_like_html(text: str) -> bool:
    """Whether decoded text is an HTML page rather than delimited text."""
    head = text.lstrip("\ufeff \t\r\n")[:4096].lower()
    return head.startswith("<") and ("<table" in head or "<html" in head or "<!doctype" in head
                                     or "<body" in head or "<head" in head)


def html_tables(text: str) -> HtmlPage:
    """The tables, title and login signs of an HTML page."""
    parser = _Parser()
    parser.feed(text)
    parser.close()
    headings = [t for t in parser.text_parts if len(t) <= 60][:5]
    return HtmlPage(_SPACES.sub(" ", parser.title).strip(), parser.tables, parser.password_field,
                    " ".join(parser.text_parts), headings)
