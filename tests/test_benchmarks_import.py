"""Aggregate tables into ``benchmarks``: layouts, suppression markers, rate checks, real files.

The real files are read from ``../shared/realdata`` (SOURCES.md); every expected figure
below was read by hand from the file (``iconv -f cp949 -t utf-8 … | grep``, ``grep -n``)
and the line it comes from is quoted beside it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics import db
from analytics.errors import ConfigError
from analytics.ingest import aggregate
from analytics.ingest.load import undo_batch
from analytics.ingest.normalize import suppression_markers
from analytics.ingest.pipeline import import_file
from tests.filebuilders import write_csv

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

KOREA = "kr_qnet_national_technical_qualification_pass_rates_2019_2023.cp949.csv"
SINGAPORE = "GraduateEmploymentSurveyNTUNUSSITSMUSUSSSUTD.csv"
DFE = "dfe_apprenticeship_starts_achievements_by_framework_1415.csv"
LP = "fr-esr-insertion_professionnelle-lp.csv"
DUT = "fr-esr-insertion_professionnelle-dut_donnees_nationales.csv"

# One saved mapping per file: the layout dict and the source description.
GRADES = "grade: 기술사, 기능장, 기사, 산업기사, 기능사, 1급, 2급, 3급, 단일등급"
LAYOUTS = {
    KOREA: (
        {"group": "qualification=종목별", "item": "항목", "sections": GRADES},
        {"source": "Q-net national technical qualification statistics 2019-2023",
         "publisher": "HRD Korea", "licence": "KOGL (not verified)"},
    ),
    SINGAPORE: (
        {"period": "year", "group": "university, school, degree",
         "initial_employment_rate": "employment_rate_overall", "median_salary": "gross_monthly_median"},
        {"source": "Singapore Graduate Employment Survey", "publisher": "MOE Singapore",
         "unit": "SGD/month"},
    ),
    DFE: (
        {"period": "Academic_Year",
         "group": "sector=SSA_T1, age=Age, level=Level, gender=Gender, framework=Framework",
         "achievement_rate.numerator": "Achievements", "achievement_rate.denominator": "Starts"},
        {"source": "DfE apprenticeship starts and achievements by framework", "licence": "OGL v3"},
    ),
    LP: (
        {"period": "Annee", "group": "university=Établissement, discipline=Discipline, situation",
         "employment_rate": "Taux d’insertion",
         "median_salary": "Salaire net médian des emplois à temps plein"},
        {"source": "MESRI insertion professionnelle LP", "unit": "EUR/month"},
    ),
    DUT: (
        {"period": "Année", "group": "situation, genre=Genre, disciplines=Disciplines",
         "employment_rate": "Taux d’insertion",
         "median_salary": "Salaire net mensuel médian des emplois à temps plein"},
        {"source": "MESRI insertion professionnelle DUT", "unit": "EUR/month"},
    ),
}

IUT_ALL = "Ensemble des départements d'IUT>Ensemble des départements d'IUT>Ensemble des départements d'IUT"

# (file, indicator, period, group_label, value, numerator, denominator, unit, marker)
FIGURES = [
    # kr line 2-5: "계","필기응시[명]" 2204230, "필기합격[명]" 1012917, "필기합격률[%]" 45.95 (2019 년)
    (KOREA, "certificate_pass_rate", "2019", "qualification=계; stage=written",
     0.4595, 1012917, 2204230, "ratio", None),
    # kr line 7-9: "계","실기응시[명]" … 2023 년: 1679819 sat, 725455 passed, 43.19%
    (KOREA, "certificate_pass_rate", "2023", "qualification=계; stage=practical",
     0.4319, 725455, 1679819, "ratio", None),
    # kr line 11-13: "기술사" (the professional-engineer grade) 2019 written: 21335 sat, 2387 passed, 11.19%
    (KOREA, "certificate_pass_rate", "2019", "grade=기술사; stage=written", 0.1119, 2387, 21335, "ratio", None),
    # kr line 6091-6093: field 안전관리 under 기능사, 2019 written: 16589 sat, 5654 passed, 34.08%
    (KOREA, "certificate_pass_rate", "2019", "grade=기능사; qualification=안전관리; stage=written",
     0.3408, 5654, 16589, "ratio", None),
    # kr line 6099-6101: its sub-field 안전관리 (the block right after): 11090 sat, 3426 passed, 30.89%
    (KOREA, "certificate_pass_rate", "2019", "grade=기능사; qualification=안전관리 › 안전관리; stage=written",
     0.3089, 3426, 11090, "ratio", None),
    # sg line 2: 2013,Nanyang Technological University,…,Accountancy and Business,97.4,…,3350 (gross median)
    (SINGAPORE, "initial_employment_rate", "2013",
     "university=Nanyang Technological University; school=College of Business (Nanyang Business School); "
     "degree=Accountancy and Business", 0.974, None, None, "ratio", None),
    (SINGAPORE, "median_salary", "2013",
     "university=Nanyang Technological University; school=College of Business (Nanyang Business School); "
     "degree=Accountancy and Business", 3350, None, None, "SGD/month", None),
    # sg line 1123: 2022,National University of Singapore,Faculty of Arts & Social Sciences,Bachelor of Arts,88.5
    (SINGAPORE, "initial_employment_rate", "2022",
     "university=National University of Singapore; school=Faculty of Arts & Social Sciences; "
     "degree=Bachelor of Arts", 0.885, None, None, "ratio", None),
    # sg line 26: 2013,…,College of Sciences,Biomedical Sciences **,na,na,…
    (SINGAPORE, "initial_employment_rate", "2013",
     "university=Nanyang Technological University; school=College of Sciences; degree=Biomedical Sciences **",
     None, None, None, "ratio", "na"),
    # dfe line 2: 201415,"Agriculture, Horticulture and Animal Care",19-24,Advanced Apprenticeship,Female,
    # Agriculture,10,10 -> 10 / 10
    (DFE, "achievement_rate", "2014/15",
     "sector=Agriculture, Horticulture and Animal Care; age=19-24; level=Advanced Apprenticeship; "
     "gender=Female; framework=Agriculture", 1.0, 10, 10, "ratio", None),
    # dfe line 1013: …,Female,Business Administration,"4,910","3,270" -> 3270 / 4910
    (DFE, "achievement_rate", "2014/15",
     "sector=Business, Administration and Law; age=19-24; level=Advanced Apprenticeship; "
     "gender=Female; framework=Business Administration", 3270 / 4910, 3270, 4910, "ratio", None),
    # dfe line 4: …,Female,Animal Technology, -   , -   -> zero or suppressed: missing, marker "-"
    (DFE, "achievement_rate", "2014/15",
     "sector=Agriculture, Horticulture and Animal Care; age=19-24; level=Advanced Apprenticeship; "
     "gender=Female; framework=Animal Technology", None, None, None, "ratio", "-"),
    # lp line 2: 2013;…;Nice - Sophia-Antipolis;…;Gestion;18 mois après le diplôme;;85;74;32;90;…;1760
    (LP, "employment_rate", "2013",
     "university=Nice - Sophia-Antipolis; discipline=Gestion; situation=18 mois après le diplôme",
     0.90, None, None, "ratio", None),
    (LP, "median_salary", "2013",
     "university=Nice - Sophia-Antipolis; discipline=Gestion; situation=18 mois après le diplôme",
     1760, None, None, "EUR/month", None),
    # lp line 3: …;Lettres, langues, arts;30 mois après le diplôme;;8;77;3;ns;…
    (LP, "employment_rate", "2013",
     "university=Nice - Sophia-Antipolis; discipline=Lettres, langues, arts; situation=30 mois après le diplôme",
     None, None, None, "ratio", "ns"),
    # lp line 78: 2013;…;Montpellier;…;Droit;18 mois après le diplôme;;0;;;nd;…
    (LP, "employment_rate", "2013",
     "university=Montpellier; discipline=Droit; situation=18 mois après le diplôme", None, None, None,
     "ratio", "nd"),
    # dut line 352: 2016;DUT;18 mois après le diplôme;femmes et hommes;Ensemble des départements d'IUT…;
    # 2259 responses; median net salary 1490; Taux d’insertion (column 67) 87
    (DUT, "employment_rate", "2016",
     f"situation=18 mois après le diplôme; genre=femmes et hommes; disciplines={IUT_ALL}",
     0.87, None, None, "ratio", None),
    (DUT, "median_salary", "2016",
     f"situation=18 mois après le diplôme; genre=femmes et hommes; disciplines={IUT_ALL}",
     1490, None, None, "EUR/month", None),
]

# (file, rows read, rows stored, sheet rows rejected, warning codes besides the reader's)
OUTCOMES = [
    # 854 groups × 2 stages × 5 years = 8540; 174 blank (qualifications not examined that year);
    # 2 × 2 stages × … the tail repeats 교육.자연.과학.사회과학 exactly (loaded once).
    (KOREA, 6832, 8362, 0,
     {"benchmark-items-skipped", "benchmark-rate-mismatch", "duplicate-row"}),
    # 1262 rows × 2 indicators, every one stored (na rows with their marker)
    (SINGAPORE, 1262, 2524, 0, set()),
    # 17496 rows × 1 indicator; achievements over starts above 1 in 53 rows
    (DFE, 17496, 17496, 0, {"benchmark-rate-above-one"}),
    # 6038 × 2 = 12076, of which 420 cells blank without a marker
    (LP, 6038, 11656, 0, set()),
    # Two DUT rows per year and situation share every label (Informatique, no Sigle) but differ:
    # both rejected (duplicate-key); where they agree (a salary) the value is stored once.
    (DUT, 732, 1436, 14, {"duplicate-row"}),
]


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def loaded():
    """All five real files imported once, each with its one saved mapping."""
    connection = db.connect(":memory:")
    results = {}
    for name, (layout, constants) in LAYOUTS.items():
        results[name] = import_file(
            connection, REALDATA / name, table="benchmarks", overrides=layout, constants=constants,
            remember=True,
        )
    yield connection, results
    connection.close()


@pytest.mark.parametrize(("name", "read", "stored", "rejected", "codes"), OUTCOMES)
def test_real_file_imports_with_one_mapping(loaded, name, read, stored, rejected, codes):
    con, results = loaded
    [result] = results[name]
    assert result.status == "loaded", result.refused
    assert (result.rows_read, result.inserted, result.rejected) == (read, stored, rejected)
    found = {i.code for i in result.warnings} - {"blank-columns-dropped"}
    assert found == codes
    source = LAYOUTS[name][1]["source"]
    assert con.execute("SELECT count(*) FROM benchmarks WHERE source = ?", [source]).fetchone()[0] == stored


@pytest.mark.parametrize(
    ("name", "indicator", "period", "group", "value", "numerator", "denominator", "unit", "marker"), FIGURES
)
def test_figures_match_the_file(loaded, name, indicator, period, group, value, numerator, denominator, unit, marker):
    con, _ = loaded
    row = con.execute(
        "SELECT value, numerator, denominator, unit, marker, year FROM benchmarks "
        "WHERE source = ? AND indicator = ? AND period = ? AND group_label = ?",
        [LAYOUTS[name][1]["source"], indicator, period, group],
    ).fetchone()
    assert row is not None
    assert row[0] == (None if value is None else pytest.approx(value, abs=1e-12))
    assert row[1:5] == (numerator, denominator, unit, marker)
    assert row[5] == int(period[:4])


def test_korean_mismatch_is_the_one_truncated_rate(loaded):
    # kr line 1571-1573, 기사 2020 written: 170106 / 367808 = 46.2491 % but the file states 46.24
    # (more than half a unit of the last digit, 0.005, away); kept as published, counted once.
    _, results = loaded
    [warning] = [i for i in results[KOREA][0].warnings if i.code == "benchmark-rate-mismatch"]
    assert (warning.params["count"], warning.row) == (1, 1573)


def test_korean_registrations_are_reported_not_imported(loaded):
    _, results = loaded
    [warning] = [i for i in results[KOREA][0].warnings if i.code == "benchmark-items-skipped"]
    assert warning.params["examples"] == "필기접수[명]、실기접수[명]"


def test_dut_conflicting_rows_are_rejected_as_duplicate_keys(loaded):
    # dut lines 202 and 615 (2013, 18 mois, femmes et hommes, …>Informatique>Informatique): both 84 %
    # and 1500 (identical: stored once) from 154 and 107 responses; for 2016 line 4 states 87 % and
    # 1560, line 320 84 % and 1500: neither is stored.
    _, results = loaded
    codes = {e.code for e in results[DUT][0].errors}
    assert codes == {"duplicate-key"}
    assert {4, 320} <= {e.row for e in results[DUT][0].errors}
    stored = loaded[0].execute(
        "SELECT count(*) FROM benchmarks WHERE source = ? AND period = '2016' AND group_label = ?",
        [LAYOUTS[DUT][1]["source"],
         "situation=18 mois après le diplôme; genre=femmes et hommes; "
         "disciplines=Sciences, technologies et santé>Informatique>Informatique"],
    ).fetchone()[0]
    assert stored == 0


def test_saved_mapping_is_reused_for_a_file_with_the_same_headers(loaded, tmp_path):
    con, _ = loaded
    header = ["year", "university", "school", "degree", "employment_rate_overall", "employment_rate_ft_perm",
              "basic_monthly_mean", "basic_monthly_median", "gross_monthly_mean", "gross_monthly_median",
              "gross_mthly_25_percentile", "gross_mthly_75_percentile"]
    path = write_csv(tmp_path / "ges_2023.csv", [
        header, ["2023", "Test University", "School A", "Degree B", "91.2", "80", "1", "2", "3", "4100", "5", "6"],
    ])
    # The store is the module's: this batch is undone at the end, so the other tests' counts of
    # the real files' rows hold whichever order the tests run in.
    [result] = import_file(con, path, constants={"source": "Singapore Graduate Employment Survey"})
    try:
        assert result.status == "loaded"
        assert "mapping-reused" in {i.code for i in result.warnings}
        rows = con.execute(
            "SELECT indicator, value FROM benchmarks WHERE period = '2023' "
            "AND group_label LIKE 'university=Test University;%' ORDER BY indicator"
        ).fetchall()
        assert rows == [("initial_employment_rate", pytest.approx(0.912)), ("median_salary", 4100.0)]
    finally:
        if result.batch_id is not None:
            undo_batch(con, result.batch_id)


def test_undo_removes_an_aggregate_batch(con):
    [result] = import_file(con, REALDATA / SINGAPORE, table="benchmarks", overrides=LAYOUTS[SINGAPORE][0],
                           constants=LAYOUTS[SINGAPORE][1])
    assert con.execute("SELECT count(*) FROM benchmarks").fetchone()[0] == 2524
    undo_batch(con, result.batch_id)
    assert con.execute("SELECT count(*) FROM benchmarks").fetchone()[0] == 0


WIDE = [
    ["指标", "地区", "2022年", "2023年"],
    ["initial_employment_rate", "全省", "95.1%", "-"],
    ["initial_employment_rate", "全市", "96", ""],
]


def test_wide_years_with_an_indicator_column_need_no_mapping(con, tmp_path):
    path = write_csv(tmp_path / "bench.csv", WIDE)
    [result] = import_file(con, path, table="benchmarks", constants={"source": "省教育厅"})
    assert result.status == "loaded"
    rows = con.execute(
        "SELECT period, year, group_label, value, marker FROM benchmarks ORDER BY group_label, period"
    ).fetchall()
    # 95.1 % → 0.951; "-" kept as the marker; a blank 2023 cell gives no row.
    assert rows == [
        ("2022", 2022, "地区=全市", pytest.approx(0.96), None),
        ("2022", 2022, "地区=全省", pytest.approx(0.951), None),
        ("2023", 2023, "地区=全省", None, "-"),
    ]


def test_stated_rate_is_checked_against_counts(con, tmp_path):
    path = write_csv(tmp_path / "rates.csv", [
        ["年份", "专业", "参考人数", "通过人数", "通过率"],
        ["2023", "数控", "200", "150", "75.0"],  # 150 / 200 = 75.0 %: agrees
        ["2023", "电工", "300", "200", "66.7"],  # 200 / 300 = 66.67 %: within 0.05 of 66.7
        ["2023", "焊接", "80", "40", "55.0"],  # 40 / 80 = 50.0 %: 5 pp off → counted
        ["2023", "汽修", "50", "20", ""],  # no stated rate: 20 / 50 = 0.4
        ["2023", "烹饪", "x", "c", ""],  # suppressed counts: missing, first marker of value/num/den
    ])
    layout = {"period": "年份", "group": "major=专业", "certificate_pass_rate": "通过率",
              "certificate_pass_rate.numerator": "通过人数", "certificate_pass_rate.denominator": "参考人数"}
    [result] = import_file(con, path, table="benchmarks", overrides=layout, constants={"source": "test"})
    [warning] = [i for i in result.warnings if i.code == "benchmark-rate-mismatch"]
    assert (warning.params["count"], warning.row) == (1, 4)
    rows = dict(con.execute("SELECT group_label, value FROM benchmarks").fetchall())
    assert rows == {"major=数控": 0.75, "major=电工": pytest.approx(0.667), "major=焊接": 0.55,
                    "major=汽修": 0.4, "major=烹饪": None}
    assert con.execute("SELECT marker FROM benchmarks WHERE group_label = 'major=烹饪'").fetchone()[0] == "c"


def test_unreadable_value_and_period_reject_their_rows(con, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [
        ["period", "group", "employment_rate"],
        ["2023", "a", "9o"],  # letter o: not a number
        ["next year", "b", "90"],  # not a period
        ["2023", "c", "90"],
    ])
    [result] = import_file(con, path, table="benchmarks", overrides={
        "period": "period", "group": "group", "employment_rate": "employment_rate"}, constants={"source": "t"})
    assert sorted((e.row, e.code) for e in result.errors) == [(2, "type-error"), (3, "type-error")]
    assert con.execute("SELECT group_label, value FROM benchmarks").fetchall() == [("group=c", 0.9)]


@pytest.mark.parametrize(("text", "expected"), [
    ("2019 년", ("2019", 2019)),
    ("2019", ("2019", 2019)),
    ("2024年", ("2024", 2024)),
    ("2014/15", ("2014/15", 2014)),
    ("201415", ("2014/15", 2014)),
    ("2014-2015", ("2014/15", 2014)),
    ("1999/00", ("1999/00", 1999)),
    ("2014/16", None),
    ("201416", None),
    ("year", None),
])
def test_period_of(text, expected):
    assert aggregate.period_of(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("필기합격률[%]", ("certificate_pass_rate", "value", "written")),
    ("필기합격[명]", ("certificate_pass_rate", "numerator", "written")),
    ("실기응시[명]", ("certificate_pass_rate", "denominator", "practical")),
    ("실기접수[명]", None),
    ("通过率(%)", ("certificate_pass_rate", "value", None)),
])
def test_item_meaning(text, expected):
    assert aggregate.item_meaning(text) == expected


@pytest.mark.parametrize(("cells", "expected"), [
    (["na", "NA", "n/a", "ns", "nd"], ["na", "na", "na", "ns", "nd"]),
    ([" -   ", "—", "x", "C", "low"], ["-", "-", "x", "c", "low"]),
    (["12", "", None, "none"], [None, None, None, None]),
])
def test_suppression_markers(cells, expected):
    assert suppression_markers(pd.Series(cells, dtype=object)).tolist() == expected


@pytest.mark.parametrize(("overrides", "code"), [
    ({"group": "nope"}, "mapping-unknown-header"),
    ({"pass_rate": "v"}, "benchmark-unknown-indicator"),
    ({"colour": "v"}, "mapping-unknown-column"),
    ({"sections": "기사, 산업기사", "employment_rate": "v"}, "benchmark-sections-invalid"),
])
def test_plan_refuses_a_bad_layout(overrides, code):
    with pytest.raises(ConfigError) as info:
        aggregate.plan(["g", "v"], overrides)
    assert info.value.code == code


def test_plan_round_trips_its_layout():
    headers = ["종목별", "항목", "단위", "2019 년", "2020 년"]
    mapping = aggregate.plan(headers, LAYOUTS[KOREA][0])
    assert mapping.columns == LAYOUTS[KOREA][0]
    assert mapping.unpivot == {"2019 년": "2019", "2020 년": "2020"}
    assert mapping.unmapped == ("단위",)
    assert aggregate.plan(headers, mapping.columns) == mapping


@pytest.mark.parametrize(("text", "expected"), [
    ("university, school", (("university", "university"), ("school", "school"))),
    ("sector=SSA_T1, Age", (("sector", "SSA_T1"), ("age", "Age"))),
    # A header holding a comma stays one header.
    ("Industries (a,  b), Age", (("industries (a, b)", "Industries (a,  b)"), ("age", "Age"))),
    ("x=Industries (a,  b)", (("x", "Industries (a,  b)"),)),
])
def test_group_columns(text, expected):
    """The saved form of the groups reads back to the same (dimension, header) pairs."""
    mapping = aggregate.plan(["SSA_T1", "Age", "university", "school", "Industries (a,  b)", "v"],
                             {"group": text, "employment_rate": "v"})
    layout = aggregate._layout(["SSA_T1", "Age", "university", "school", "Industries (a,  b)", "v"],
                               mapping.columns)
    assert layout.groups == expected


def test_long_form_sheet_is_detected_and_needs_no_mapping(con, tmp_path):
    """A sheet in the table's own form (as exported or typed from a template) imports as it is."""
    path = write_csv(tmp_path / "long.csv", [
        ["数据来源", "指标", "期间", "起始年份", "分组", "分子", "分母", "数值", "单位", "缺失标记"],
        ["省统计", "initial_employment_rate", "2023", "2023", "region=全省", "950", "1000", "95.0", "%", ""],
        ["省统计", "median_salary", "2023", "2023", "region=全省", "", "", "4200", "元/月", ""],
        ["省统计", "initial_employment_rate", "2022", "2022", "region=全省", "", "", "0.93", "ratio", ""],
    ])
    [result] = import_file(con, path)
    assert (result.table, result.status) == ("benchmarks", "loaded")
    rows = con.execute(
        "SELECT indicator, period, group_label, value, unit FROM benchmarks ORDER BY indicator, period"
    ).fetchall()
    # 95.0 % → 0.95 (950 / 1000 agrees); a value whose unit is already "ratio" is kept as 0.93.
    assert rows == [
        ("initial_employment_rate", "2022", "region=全省", 0.93, "ratio"),
        ("initial_employment_rate", "2023", "region=全省", 0.95, "ratio"),
        ("median_salary", "2023", "region=全省", 4200.0, "元/月"),
    ]
