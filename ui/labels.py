"""Display labels for the groups of a breakdown (IDs to names, codes to words), in the
page language, so charts and tables never show raw codes such as ``True`` or ``2+1``."""

from __future__ import annotations

import pandas as pd

from analytics import schema
from ui.frame import Frame

# Breakdowns whose groups are codes of a ``schema`` vocabulary: by -> vocabulary kind.
_CODE_KIND = {
    "model": "training_model",
    "dual": "dual",
    "gender": "gender",
    "status": "status",
    "dimension": "dimension",
    "stage": "stage",
    "band": "band",
    "source": "source",
    "evaluator_type": "evaluator_type",
    "cooperation_form": "cooperation_form",
    "activity_type": "activity_type",
    "mentor_type": "mentor_type",
}


def group_label(f: Frame, by: str, value: object) -> str:
    """One group value as a reader sees it."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return f.t("common.unknown")
    text = str(value)
    if by in _CODE_KIND:
        return schema.label(_CODE_KIND[by], value, f.lang)
    if by in ("school", "enterprise"):
        return f.options.names.get(text, text)
    if by == "cohort":
        return f.t("filters.cohort", year=text)
    if by == "table":
        return schema.table(text).label(f.lang)
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
    """A compliance period in the page language (``schema.period_label``)."""
    return schema.period_label(period, f.lang)
