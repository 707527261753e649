"""The demo generator: reproducible files that look like school exports, load cleanly
through the importer, and reproduce the program's headline results (SPEC §1, §3)."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analytics import db, sample
from analytics.errors import ConfigError

DEFAULT_FILES = [
    "01_学校信息.csv", "02_合作企业名录.xlsx", "03_双导师队伍花名册.xlsx",
    "04_学生花名册_机电.xlsx", "05_学生花名册_信息商贸.csv", "06_技能证书考试成绩.xlsx",
    "07_毕业生初次就业情况统计表.xlsx", "08_毕业生跟踪调查.csv",
    "09_用人单位满意度调查_2021-2023.xlsx", "10_企业满意度问卷_2024-2025.csv",
    "11_导师活动记录.csv", "12_学生考核成绩.xlsx", "13_导师考核评价.xlsx",
    "14_双导师制经费预算执行表.xlsx", "15_全省中职质量年报对标数据.xlsx", "16_校企合作协议台账.xlsx",
    "17_双向培训记录.xlsx", "18_领导小组督办事项.xlsx",
]


def _digests(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return sample.generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    con = db.connect(":memory:")
    results = sample.load_demo(con, out_dir=tmp_path_factory.mktemp("demo_load"))
    yield con, results
    con.close()


def test_files_in_load_order(files: list[Path]) -> None:
    assert [p.name for p in files] == DEFAULT_FILES


def test_same_seed_gives_identical_bytes(files: list[Path], tmp_path: Path) -> None:
    again = sample.generate(tmp_path / "again")
    assert _digests(again) == _digests(files)


def test_other_seed_gives_other_students(files: list[Path], tmp_path: Path) -> None:
    other = sample.generate(tmp_path / "other", seed=7)
    changed = [a.name for a, b in zip(files, other) if a.read_bytes() != b.read_bytes()]
    assert "05_学生花名册_信息商贸.csv" in changed
    assert "01_学校信息.csv" not in changed  # the two schools are fixed


def test_xlsx_carry_the_fixed_export_time(files: list[Path]) -> None:
    with zipfile.ZipFile(files[1]) as z:
        core = z.read("docProps/core.xml").decode()
        times = {info.date_time for info in z.infolist()}
    assert "2025-09-10T08:30:00Z" in core
    assert times == {(2025, 9, 10, 8, 30, 0)}


@pytest.mark.parametrize(
    ("students", "mentors", "first_attempts", "graduates", "assessments"),
    [
        # Cohort weights 260..345 sum to 2400, so 2400 students split exactly into them:
        # cohorts 2018-2023 sit the exam: 260+270+285+295+305+315 = 1730;
        # graduates 2021-2025 are cohorts 2018-2022: 1415;
        # assessments 3 stages x 1415 + 2 x 315 (2023) + 1 x 325 (2024) = 5200;
        # mentors 2 x max(60, 2400/40) = 120.
        (2400, 120, 1730, 1415, 5200),
        # 4800 = twice the weights: every count doubles; mentors 2 x 4800/40 = 240.
        (4800, 240, 3460, 2830, 10400),
    ],
)
def test_row_counts(students: int, mentors: int, first_attempts: int, graduates: int,
                    assessments: int) -> None:
    frames = {s.name: s.frame for s in sample.sheets(students)}
    roster = frames["04_学生花名册_机电"]["学号"].tolist() + frames["05_学生花名册_信息商贸"]["学号"].tolist()
    assert len(roster) == len(set(roster)) == students
    assert len(frames["02_合作企业名录"]) == 30
    assert len(frames["03_双导师队伍花名册"]) == mentors
    exams = frames["06_技能证书考试成绩"]
    assert exams["学号"].nunique() == first_attempts
    employment = frames["07_毕业生初次就业情况统计表"]
    # About 2% of graduates could not be reached at the first survey.
    assert 0.95 * graduates < len(employment) < graduates
    assert len(frames["12_学生考核成绩"]) == assessments
    assert len(frames["13_导师考核评价"]) == mentors * 2 * 3  # two school years, three evaluators
    # 2021-2025 x twelve budget lines: six program lines and six equipment donations
    assert len(frames["14_双导师制经费预算执行表"]) == 5 * 12
    # 29 partners with agreements (one never signed), renewed every three years since they joined
    assert frames["16_校企合作协议台账"]["合作企业"].nunique() == 29
    assert len(frames["18_领导小组督办事项"]) == 6  # two at the autumn meeting, four in spring


def test_exports_look_like_school_files(files: list[Path]) -> None:
    by_name = {p.name: p for p in files}
    log = by_name["11_导师活动记录.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        log.decode("utf-8")
    assert log.decode("gbk").startswith("导师工号,活动日期,活动类型")
    roster_b = by_name["05_学生花名册_信息商贸.csv"].read_text(encoding="utf-8-sig")
    assert roster_b.splitlines()[1].startswith("02184")  # leading zero kept
    ws = openpyxl.load_workbook(by_name["04_学生花名册_机电.xlsx"]).active
    assert ws["A1"].value == "基本信息" and ws["I1"].value == "培养信息"
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A1:H1", "I1:M1"]
    assert ws["A2"].value == "学号"
    ws = openpyxl.load_workbook(by_name["07_毕业生初次就业情况统计表.xlsx"]).active
    assert "2021—2025届毕业生就业质量统计表" in ws["A1"].value
    assert ws["A2"].value.startswith("填报日期")
    ws = openpyxl.load_workbook(by_name["09_用人单位满意度调查_2021-2023.xlsx"]).active
    headers = [c.value for c in ws[2]]
    assert headers[3:] == ["总体满意度", "专业技能", "工作态度", "学习能力", "团队协作", "创新能力"]
    assert {c.value for c in ws["D"][2:]} <= {"非常满意", "满意", "一般", "不满意", "非常不满意"}


def test_large_runs_write_csv_only(tmp_path: Path) -> None:
    paths = sample.generate(tmp_path, students=sample.XLSX_MAX_STUDENTS + 1)
    per_student = [p for p in paths if p.name.startswith(("03", "04", "06", "07", "12", "13"))]
    assert {p.suffix for p in per_student} == {".csv"}
    roster = [p for p in paths if p.name.startswith(("04", "05"))]
    rows = sum(len(p.read_text(encoding="utf-8-sig").splitlines()) - 1 for p in roster)
    assert rows == sample.XLSX_MAX_STUDENTS + 1


@pytest.mark.parametrize(
    ("style", "expected"),
    [("iso", "2024-06-05"), ("slash", "2024/6/5"), ("zh", "2024年6月5日")],
)
def test_date_spellings(style: str, expected: str) -> None:
    dates = np.array(["2024-06-05", "2024-06-05"], dtype="datetime64[D]")
    assert sample._date_text(dates, style).tolist() == [expected, expected]


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 1, 1], [4, 3, 3]),  # 3.33 each; the first largest remainder gets the spare one
        (7, [2, 1], [5, 2]),  # 4.67 + 2.33 -> floors 4 + 2, remainder .67 wins
        (2400, sample.COHORT_WEIGHTS, sample.COHORT_WEIGHTS),  # the weights sum to 2400
    ],
)
def test_split_is_exact(total: int, weights, expected) -> None:
    counts = sample._split(total, np.asarray(weights, dtype=float))
    assert counts.tolist() == list(np.asarray(expected, dtype=int))


def test_demo_loads_every_table_without_rejects(loaded) -> None:
    con, results = loaded
    assert len(results) == len(DEFAULT_FILES)
    assert [r.refused for r in results] == [None] * len(DEFAULT_FILES)
    assert sum(r.rejected for r in results) == 0
    counts = db.table_counts(con)
    assert all(n > 0 for n in counts.values()), counts
    assert counts["students"] == 2400
    assert counts["mentors"] == 120
    assert counts["enterprises"] == 30
    # 3 province-wide indicators × 5 years (PROVINCE_FIGURES)
    assert counts["benchmarks"] == 15
    assert counts["actions"] == 6


def test_province_benchmark_is_stored_as_a_ratio(loaded) -> None:
    con, _ = loaded
    # 2025 initial employment: 46,010 placed of 50,050 surveyed = 0.91928…, stated 91.93%.
    assert con.execute(
        "SELECT numerator, denominator, round(value, 4), unit FROM benchmarks "
        "WHERE indicator = 'initial_employment_rate' AND period = '2025'"
    ).fetchall() == [(46010.0, 50050.0, 0.9193, "ratio")]


def test_names_resolved_to_partner_ids(loaded) -> None:
    con, _ = loaded
    unresolved = con.execute(
        "SELECT count(*) FROM employment WHERE enterprise_id IS NOT NULL "
        "AND enterprise_id NOT IN (SELECT enterprise_id FROM enterprises)"
    ).fetchone()[0]
    partners = con.execute(
        "SELECT count(*) FROM employment WHERE enterprise_id IS NOT NULL"
    ).fetchone()[0]
    assert unresolved == 0 and partners > 100


def test_dual_mentor_pass_rate_is_18_percent_higher(loaded) -> None:
    con, _ = loaded
    # SPEC §3: pass rate = passed exams / exams sat; improvement = relative change vs others.
    dual, other = con.execute(
        """
        SELECT avg(e.passed::INT) FILTER (WHERE s.dual_mentor),
               avg(e.passed::INT) FILTER (WHERE NOT s.dual_mentor)
        FROM certificate_exams e JOIN students s USING (student_id)
        """
    ).fetchone()
    assert dual / other - 1 >= 0.18


def test_initial_employment_of_latest_year_above_90_percent(loaded) -> None:
    con, _ = loaded
    # SPEC §3: each graduate's first survey on or after graduation; placed = employed,
    # self-employed, further study or enlisted; denominator = graduates with a known status.
    year, placed, known = con.execute(
        """
        WITH first AS (
          SELECT * FROM employment
          WHERE survey_date >= make_date(graduation_year, 6, 30)
          QUALIFY row_number() OVER (PARTITION BY student_id ORDER BY survey_date) = 1
        )
        SELECT graduation_year,
               count(*) FILTER (WHERE status IN
                 ('employed', 'self_employed', 'further_study', 'enlisted')),
               count(status)
        FROM first GROUP BY graduation_year ORDER BY graduation_year DESC LIMIT 1
        """
    ).fetchone()
    assert year == 2025
    assert placed / known >= 0.90


def test_satisfaction_latest_wave_12_percent_above_first(loaded) -> None:
    con, _ = loaded
    # SPEC §3: mean of (score - 1) / (scale_max - 1) x 100 per calendar year of the survey.
    waves = con.execute(
        """
        SELECT year(survey_date), avg((score - 1) / (scale_max - 1) * 100)
        FROM satisfaction_surveys GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    assert [w for w, _ in waves] == [2021, 2022, 2023, 2024, 2025]
    assert waves[-1][1] / waves[0][1] - 1 >= 0.12


def test_some_school_mentor_months_below_two_visits(loaded) -> None:
    con, _ = loaded
    # SPEC §3: every school mentor on the roster x every month the log covers; no visit = 0.
    total, below, zero = con.execute(
        """
        WITH span AS (
          SELECT min(activity_date) AS lo, max(activity_date) AS hi FROM mentor_activities
        ),
        months AS (
          SELECT unnest(generate_series(date_trunc('month', lo), date_trunc('month', hi),
                                        INTERVAL 1 MONTH))::DATE AS month FROM span
        ),
        roster AS (
          SELECT m.mentor_id, months.month FROM mentors m, months
          WHERE m.mentor_type = 'school'
            AND (m.appointed_on IS NULL OR m.appointed_on <= last_day(months.month))
        ),
        visits AS (
          SELECT mentor_id, date_trunc('month', activity_date)::DATE AS month, sum("count") AS n
          FROM mentor_activities WHERE activity_type = 'enterprise_visit' GROUP BY ALL
        )
        SELECT count(*), count(*) FILTER (WHERE coalesce(n, 0) < 2),
               count(*) FILTER (WHERE coalesce(n, 0) = 0)
        FROM roster LEFT JOIN visits USING (mentor_id, month)
        """
    ).fetchone()
    assert 0 < below < total / 2
    assert zero > 0


def test_some_enterprise_mentor_semesters_below_four_sessions(loaded) -> None:
    con, _ = loaded
    # SPEC §3: spring = Feb-Jul, autumn = Aug-Jan labelled by its starting year.
    total, below = con.execute(
        """
        WITH sessions AS (
          SELECT mentor_id,
                 CASE WHEN month(activity_date) BETWEEN 2 AND 7
                      THEN year(activity_date) || '-spring'
                      WHEN month(activity_date) = 1 THEN (year(activity_date) - 1) || '-autumn'
                      ELSE year(activity_date) || '-autumn' END AS semester,
                 sum("count") AS n
          FROM mentor_activities WHERE activity_type = 'school_teaching' GROUP BY ALL
        ),
        semesters AS (SELECT DISTINCT semester FROM sessions),
        roster AS (
          SELECT mentor_id, semester FROM mentors, semesters WHERE mentor_type = 'enterprise'
        )
        SELECT count(*), count(*) FILTER (WHERE coalesce(n, 0) < 4)
        FROM roster LEFT JOIN sessions USING (mentor_id, semester)
        """
    ).fetchone()
    assert 0 < below < total / 2


def test_some_mentors_miss_the_experience_and_certificate_rules(loaded) -> None:
    con, _ = loaded
    rows = dict(
        (t, (n, short, uncertified))
        for t, n, short, uncertified in con.execute(
            """
            SELECT mentor_type, count(*),
                   count(*) FILTER (WHERE years_experience
                                    < CASE mentor_type WHEN 'school' THEN 3 ELSE 5 END),
                   count(*) FILTER (WHERE qualification IS NULL)
            FROM mentors GROUP BY mentor_type
            """
        ).fetchall()
    )
    n, short, uncertified = rows["school"]
    assert 0 < short < n / 2 and 0 < uncertified < n / 2
    n, short, _ = rows["enterprise"]
    assert 0 < short < n / 2


def test_salaries_are_plausible(loaded) -> None:
    con, _ = loaded
    low, high = con.execute(
        "SELECT min(monthly_salary), max(monthly_salary) FROM employment WHERE status = 'employed'"
    ).fetchone()
    assert 3500 <= low and high <= 6500


def test_wide_survey_sheet_unpivoted(loaded) -> None:
    con, results = loaded
    wide = next(r for r in results if r.file_name.startswith("09_"))
    assert wide.inserted == wide.rows_read * 6  # one row per dimension


def test_committed_sample_matches_the_generator(files: list[Path]) -> None:
    committed = Path(__file__).resolve().parents[1] / "data" / "sample"
    assert _digests([committed / p.name for p in files]) == _digests(files)


def test_xlsx_bytes_do_not_depend_on_the_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sheet = next(s for s in sample.sheets() if s.name.startswith("14_"))
    (first,) = sample.write(sheet, tmp_path)
    data = first.read_bytes()
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # 2033: zip entries would differ
    (second,) = sample.write(sheet, tmp_path)
    assert second.read_bytes() == data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None


@pytest.mark.parametrize("students", [0, 99])
def test_too_few_students_refused(students: int, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        sample.generate(tmp_path, students=students)
    assert info.value.code == "demo-too-few-students"
    assert "100" in info.value.message("zh") and "100" in info.value.message("en")


@pytest.mark.parametrize(
    ("key", "sizes"),
    [
        # 8 rows, at most 3 per file: 3 files, cut at 8*1//3 = 2 and 8*2//3 = 5 -> 2 + 3 + 3.
        (None, [2, 3, 3]),
        # Keys change before rows 2, 5 and 7; the last allowed cut at or before 2 is 2,
        # at or before 5 is 5 -> 2 + 3 + 3.
        ([1, 1, 2, 2, 2, 3, 3, 4], [2, 3, 3]),
        # Keys change before rows 1 and 6: cuts move back to 1 and 1 (merged) -> 1 + 7.
        ([1, 2, 2, 2, 2, 2, 3, 3], [1, 7]),
        # One key throughout: never cut.
        ([1] * 8, [8]),
    ],
)
def test_large_csv_cut_only_between_keys(monkeypatch: pytest.MonkeyPatch, key, sizes) -> None:
    monkeypatch.setattr(sample, "MAX_ROWS_PER_FILE", 3)
    frame = pd.DataFrame({"x": range(8)})
    sheet = sample.Sheet("t", frame, fmt="csv", split_key=None if key is None else np.array(key))
    parts = sample._parts(sheet)
    assert [len(p) for p in parts] == sizes
    assert pd.concat(parts)["x"].tolist() == list(range(8))
