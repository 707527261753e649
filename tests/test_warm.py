"""Warm caches and one query per question on the pages (issue 17): what a page run computes,
how many times, and what is computed before anyone asks (ui/warm.py)."""

from __future__ import annotations

import pytest

from analytics.metrics import employment, mentors


@pytest.fixture
def counted(monkeypatch):
    """How often the employment base query and the mentor calendar are built."""
    calls = {"employment": 0, "calendar": 0}
    table, calendar = employment._table, mentors._calendar_cte

    def count_table(*a, **k):
        calls["employment"] += 1
        return table(*a, **k)

    def count_calendar(*a, **k):
        calls["calendar"] += 1
        return calendar(*a, **k)

    monkeypatch.setattr(employment, "_table", count_table)
    monkeypatch.setattr(mentors, "_calendar_cte", count_calendar)
    return calls


@pytest.mark.parametrize(("page", "expected"), [
    # tiles, sentences, attention: one employment query, one calendar per mentor type (was 2 and 8)
    ("dashboard.py", {"employment": 1, "calendar": 2}),
    # the tile, the pooled figures, the series and the breakdown by major: one (was 3)
    ("pages/2_employment.py", {"employment": 1, "calendar": 2}),
])
def test_a_cold_page_runs_each_base_query_once(app, demo_copy, counted, page, expected) -> None:
    at = app(page, demo_copy)  # a copy: a file of its own, so nothing is cached for it yet
    assert not at.exception, [e.value for e in at.exception]
    assert counted == expected
