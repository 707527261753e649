"""Import issues: what the importer found, collected instead of raised per row.

Each issue has a stable kebab-case ``code`` (its message lives in the catalogs under
``issue.<code>``), a severity, and where it is: the spreadsheet row number as the user
sees it in Excel (1-based, counting title and header rows), the column header and the
original value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from analytics.i18n import t

ERROR = "error"  # the row (or, without a row, the file) is rejected
WARNING = "warning"  # reported, nothing is dropped


@dataclass(frozen=True, slots=True)  # slots: a sheet rejected in every row holds an issue a cell
class Issue:
    code: str
    severity: str = WARNING
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        """The issue as one sentence in ``lang``."""
        return t(
            f"issue.{self.code}",
            lang,
            row=self.row if self.row is not None else "",
            column=self.column or "",
            value=self.value if self.value is not None else "",
            **self.params,
        )

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message(lang),
        }


_ROW, _VALUE = "\x00row\x00", "\x00value\x00"  # stand-ins no message holds
_SMALL_GROUP = 8  # fewer issues of a kind than this are worded one by one


def messages(issues: Sequence[Issue], lang: str = "zh") -> list[str]:
    """``[issue.message(lang) for issue in issues]``, with each kind of issue (code, column and
    parameters) worded once and its rows and values put into that wording: a sheet rejected in
    every row has an issue a row, and the catalog lookup and ``format`` of each took 3 µs a
    language. A kind whose wording does not come back the same for its first issue as
    :meth:`Issue.message` gives (a row or value under a format of its own) is worded one by one."""
    out: list[str | None] = [None] * len(issues)
    kinds: dict[tuple[object, ...], list[int]] = {}
    for i, issue in enumerate(issues):
        if issue.params:
            try:
                key: tuple[object, ...] = (issue.code, issue.column, *sorted(issue.params.items()))
                hash(key)
            except TypeError:  # a parameter that is a list or a dict
                out[i] = issue.message(lang)
                continue
        else:
            key = (issue.code, issue.column)
        kinds.setdefault(key, []).append(i)
    for where in kinds.values():
        first = issues[where[0]]
        pattern = None
        if len(where) >= _SMALL_GROUP:
            probe = t(f"issue.{first.code}", lang, row=_ROW, column=first.column or "", value=_VALUE, **first.params)
            pattern = (probe.replace("{", "{{").replace("}", "}}")
                       .replace(_ROW, "{0}").replace(_VALUE, "{1}")).format
            if _filled(pattern, first) != first.message(lang):
                pattern = None
        if pattern is None:
            for i in where:
                out[i] = issues[i].message(lang)
            continue
        for i in where:
            issue = issues[i]
            out[i] = pattern("" if issue.row is None else issue.row, "" if issue.value is None else issue.value)
    return out  # type: ignore[return-value]


def _filled(pattern: Callable[..., str], issue: Issue) -> str:
    return pattern("" if issue.row is None else issue.row, "" if issue.value is None else issue.value)
