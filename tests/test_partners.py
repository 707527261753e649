"""Partner enterprises with their students and hires (analytics.metrics.partners), by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import db
from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics.partners import partners
from tests.metric_fixtures import make_db

# The same expectations on DuckDB and on PostgreSQL (conftest.engine).
BOTH_ENGINES = True


@pytest.fixture
def con():
    c = make_db()
    c.execute("""INSERT INTO enterprises (enterprise_id, enterprise_name, cooperation_form) VALUES
                 ('E1', 'Alpha', 'order_class'), ('E2', 'Beta', 'apprenticeship'), ('E3', 'Gamma', NULL)""")
    c.execute("""INSERT INTO students (student_id, major, dual_mentor, enterprise_id, cohort_year, graduation_year)
                 VALUES ('1', 'CNC', TRUE, 'E1', 2021, 2024), ('2', 'CNC', FALSE, 'E1', 2021, 2024),
                        ('3', 'Nursing', TRUE, 'E2', 2021, 2024), ('4', 'CNC', TRUE, NULL, 2021, 2024)""")
    # student 1 hired by E1 at two surveys (counts once); 3 self-employed at E2; 2 unemployed
    c.execute("""INSERT INTO employment (student_id, survey_date, graduation_year, status, enterprise_id) VALUES
                 ('1', DATE '2024-08-31', 2024, 'employed', 'E1'), ('1', DATE '2025-08-31', 2024, 'employed', 'E1'),
                 ('3', DATE '2024-08-31', 2024, 'self_employed', 'E2'), ('2', DATE '2024-08-31', 2024, 'unemployed', NULL)""")
    return c


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # (enterprise, form, students, dual, hired) ordered by form, then name; NULL form last
        (Filters(), [("E2", "apprenticeship", 1, 1, 1), ("E1", "order_class", 2, 1, 1), ("E3", None, 0, 0, 0)]),
        # major CNC: students 1, 2 at E1; Beta's only student studies nursing
        (Filters(major="CNC"), [("E2", "apprenticeship", 0, 0, 0), ("E1", "order_class", 2, 1, 1),
                                ("E3", None, 0, 0, 0)]),
        (Filters(enterprise="E1"), [("E1", "order_class", 2, 1, 1)]),
    ],
)
def test_partners(con, filters: Filters, expected: list) -> None:
    df = partners(con, filters, Settings())
    got = [(r.enterprise_id, r.cooperation_form if isinstance(r.cooperation_form, str) else None,
            r.students, r.dual_students, r.hired) for r in df.itertuples()]
    assert got == expected


def test_partner_table_gives_each_rate_its_n_and_flag(con) -> None:
    from analytics.metrics.partners import by_form, partner_table

    df = partner_table(con, Filters(), Settings()).set_index("enterprise_id")
    # E1: its students 1 (employed) and 2 (unemployed) -> 1 of 2 placed, a small group;
    # E2: student 3 self-employed -> 1 of 1; E3 has no students: no rate, no flag
    assert (df.loc["E1", "placed_k"], df.loc["E1", "placed_n"], df.loc["E1", "placed"]) == (1, 2, 0.5)
    assert bool(df.loc["E1", "placed_small"]) and bool(df.loc["E2", "placed_small"])
    # Wilson 1/1: centre (1 + 1.920729)/4.841459 = 0.603275, half 1.959964·0.979982/4.841459 = 0.396725
    assert (df.loc["E2", "placed"], df.loc["E2", "placed_low"]) == (1.0, pytest.approx(0.206549, abs=1e-6))
    assert df.loc["E3", "placed_n"] is pd.NA and not df.loc["E3", "placed_small"]
    assert not df.loc["E3", "satisfaction_small"]
    forms = by_form(con, Filters(), Settings())
    # E3 has no form: counted as "other"
    assert forms.values.tolist() == [["apprenticeship", 1, 1, 1], ["order_class", 1, 2, 1], ["other", 1, 0, 0]]
