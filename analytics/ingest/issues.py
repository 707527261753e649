"""Import issues: what the importer found, collected instead of raised per row.

Each issue has a stable kebab-case ``code`` (its message lives in the catalogs under
``issue.<code>``), a severity, and where it is: the spreadsheet row number as the user
sees it in Excel (1-based, counting title and header rows), the column header and the
original value.
"""

from __future__ import annotations

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
