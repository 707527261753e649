"""Typed errors of the analytics engine.

Every error carries a stable ``code`` and an i18n message key with parameters, so the
dashboard and the CLI can show it in the user's language. Pages catch only these.
"""

from __future__ import annotations

from typing import Any


class AnalyticsError(Exception):
    """Base error: ``code`` is stable and kebab-case, the message comes from i18n."""

    code = "analytics-error"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        """The error as one sentence in ``lang`` ("zh" or "en")."""
        from analytics.i18n import t

        return t(f"error.{self.code}", lang, **self.params)


class FileRejectedError(AnalyticsError):
    """A file (or sheet) that cannot be imported as a whole: nothing of it is written."""

    code = "file-rejected"


class ConfigError(AnalyticsError):
    """Settings or a saved mapping that do not validate."""

    code = "config-invalid"


class StoreError(AnalyticsError):
    """The database cannot be opened, migrated or written."""

    code = "store-error"


class UndoError(AnalyticsError):
    """An import batch that cannot be undone (unknown, already undone, or built upon)."""

    code = "undo-refused"


class DecisionError(AnalyticsError):
    """An action of the leadership group that cannot be recorded or changed as asked."""

    code = "action-invalid"
