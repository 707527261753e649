"""Display labels for the groups of a breakdown (IDs to names, codes to words), in the
page language, so charts and tables never show raw codes such as ``True`` or ``2+1``."""

from __future__ import annotations

import re

import pandas as pd

from analytics import schema
from ui.frame import Frame

# Breakdowns whose groups are codes with catalog words: by -> catalog prefix.
_CODE_PREFIX = {
    "model": "filters.model",
    "status": "label.status",
    "dimension": "label.dimension",
    "stage": "label.stage",
    "band": "label.band",
    "source": "label.source",
    "evaluator_type": "label.evaluator",
    "cooperation_form": "label.cooperation_form",
    "activity_type": "label.activity",
}


def group_label(f: Frame, by: str, value: object) -> str:
    """One group value as a reader sees it."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return f.t("common.unknown")
    text = str(value)
    if by == "dual":
        return f.t("sidebar.dual_choice." + ("in" if text in ("True", "true", "in") else "out"))
    if by in ("school", "enterprise"):
        return f.options.names.get(text, text)
    if by == "cohort":
        return f.t("filters.cohort", year=text)
    if by == "table":
        return schema.table(text).label(f.lang)
    if by in _CODE_PREFIX:
        return f.t(f"{_CODE_PREFIX[by]}.{text}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text


def labels_for(f: Frame, by: str, values: pd.Series | list) -> dict[str, str]:
    """``{str(value): label}`` for a chart's ``labels`` argument."""
    return {str(v): group_label(f, by, v) for v in values}


def with_labels(f: Frame, df: pd.DataFrame, by: str, column: str = "group") -> pd.DataFrame:
    """A copy of ``df`` whose ``column`` holds display labels (for tables and downloads)."""
    return df.assign(**{column: [group_label(f, by, v) for v in df[column]]})


def period_label(f: Frame, period: object) -> str:
    """A compliance period: months stay "2024-03", semesters read "2024 秋季学期" / "autumn 2024"."""
    match = re.fullmatch(r"(\d{4})-(spring|autumn)", str(period))
    return f.t(f"label.semester.{match.group(2)}", year=match.group(1)) if match else str(period)
