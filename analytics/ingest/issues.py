"""Import issues: what the importer found, collected instead of raised per row.

Each issue has a stable kebab-case ``code`` (its message lives in the catalogs under
``issue.<code>``), a severity, and where it is: the spreadsheet row number as the user
sees it in Excel (1-based, counting title and header rows), the column header and the
original value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
_STAND_INS = re.compile("(\x00row\x00|\x00value\x00)")
_SMALL_GROUP = 8  # fewer issues of a kind than this are worded one by one
_UNSEEN = object()


def message_columns(issues: Sequence[Issue], langs: Sequence[str]) -> dict[str, pa.Array]:
    """Each issue's message in each of ``langs``, as a text column per language, with each kind of
    issue (code, column and parameters) worded once and its rows and values joined into that
    wording in Arrow: a sheet rejected in every row has an issue a row, and the catalog lookup and
    ``format`` of each took 3 µs a language. A kind whose wording does not come back the same for
    its first issue as :meth:`Issue.message` gives (a row or value under a format of its own), or
    whose parameters are no key (a list), is worded one by one."""
    kinds: dict[tuple[object, ...], list[int]] = {}
    one_by_one: list[int] = []
    shared: dict[int, object] = {}  # the cells of a column share one parameters dict: sorted once
    for i, issue in enumerate(issues):
        params = issue.params
        if params:
            if (items := shared.get(id(params), _UNSEEN)) is _UNSEEN:
                try:
                    items = tuple(sorted(params.items()))
                    hash(items)
                except TypeError:  # a parameter that is a list or a dict
                    items = None
                shared[id(params)] = items
            if items is None:
                one_by_one.append(i)
                continue
            key: tuple[object, ...] = (issue.code, issue.column, items)
        else:
            key = (issue.code, issue.column)
        kinds.setdefault(key, []).append(i)
    groups = [*kinds.values(), *([one_by_one] if one_by_one else [])]
    order = np.fromiter((i for where in groups for i in where), dtype=np.int64, count=len(issues))
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    columns = {}
    for lang in langs:
        parts = []
        for where in groups:
            chosen = [issues[i] for i in where]
            worded = None
            if len(where) >= _SMALL_GROUP and where is not one_by_one:
                first = chosen[0]
                probe = t(f"issue.{first.code}", lang, row=_ROW, column=first.column or "", value=_VALUE,
                          **first.params)
                worded = _worded(probe, chosen)
                if worded[0].as_py() != first.message(lang):
                    worded = None
            parts.append(worded if worded is not None
                         else pa.array([issue.message(lang) for issue in chosen], type=pa.string()))
        joined = pa.concat_arrays(parts) if parts else pa.array([], type=pa.string())
        columns[lang] = joined.take(pa.array(back))
    return columns


def _worded(probe: str, issues: list[Issue]) -> pa.Array:
    """``probe`` (a message worded with the stand-ins for row and value) for each of ``issues``."""
    parts: list[object] = []
    for piece in _STAND_INS.split(probe):
        if piece == _ROW:
            rows = pa.array([issue.row for issue in issues], type=pa.int64())
            parts.append(rows.cast(pa.string()).fill_null(""))
        elif piece == _VALUE:
            parts.append(pa.array([issue.value for issue in issues], type=pa.string()).fill_null(""))
        elif piece:
            parts.append(piece)
    if not any(isinstance(part, pa.Array) for part in parts):
        return pa.array([probe] * len(issues), type=pa.string())
    return pc.binary_join_element_wise(*parts, "")
