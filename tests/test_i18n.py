"""Every message key the dashboard uses exists in both catalogs, and both catalogs (all
files of analytics/locales) have exactly the same keys, so no page ever shows a raw key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from analytics import i18n, schema
from analytics.config import PASS_RATE_UNITS
from analytics.metrics import certificates, funding, headlines, reporting
from ui import browser_text

ROOT = Path(__file__).resolve().parents[1]
UI_SOURCES = [ROOT / "dashboard.py", ROOT / "analytics" / "charts.py", ROOT / "analytics" / "narrative.py",
              *sorted((ROOT / "analytics" / "report").glob("*.py")),
              *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
# f.t("key"...), t("key", ...), i18n.t("key", ...) with a literal key
LITERAL = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.\-]+)["']\s*[,)]""")
# f.t(f"prefix.{...}") — dynamic keys; their prefix must exist, the values are checked below
DYNAMIC = re.compile(r"""\bt\(\s*(?:f["']([A-Za-z0-9_.\-]*)\{|["']([A-Za-z0-9_.\-]+)["']\s*\+)""")

# Keys built from values at run time: (prefix, values).
PAGES = ("overview", "certificates", "employment", "satisfaction", "students", "mentors", "enterprises", "data",
         "methods", "actions", "stages", "agreements", "training", "recognition", "reporting", "schools")
EXPANDED = [
    *(f"browser.{k}" for k in (*browser_text.EXACT, *browser_text.PATTERNS)),  # Streamlit's own texts
    *(f"nav.{p}" for p in PAGES),
    *(f"{p}.intro" for p in PAGES),
    *(f"nav.group.{g}" for g in ("overview", "outcomes", "program", "cooperation", "bureau", "data")),
    # a bureau's pages (issue 15)
    *(f"reporting.status.{k}" for k in reporting.STATUSES),
    *(f"reporting.col.{k}" for k in ("school_name", "county", "table", "schools", "reported", "on_time",
                                     "reported_share", "on_time_share", "rows", "rejected", "first_at", "last_at",
                                     "submitted_by", "status", "late", "missing", "approval")),
    *(f"signoff.state.{k}" for k in ("submitted", "approved")),
    *(f"schools.position.{k}" for k in ("high_998", "high_95", "within", "low_95", "low_998")),
    *(f"schools.col.{k}" for k in ("school_name", "county", "numerator", "denominator", "rate", "ci_low", "ci_high",
                                   "position", "observed", "expected", "ratio", "ratio_low", "ratio_high",
                                   "standardised")),
    *(f"chart.limit_{k}" for k in ("95", "998")),
    *(f"lang.{code}" for code in i18n.LANGS),
    "sidebar.dual_choice.all",
    *(f"certificates.measure.{m}" for m in ("attempt", "first_attempt", "person")),
    *(f"by.{b}" for b in ("major", "school", "cohort", "certificate", "level", "model", "enterprise", "dual",
                          "graduation_year", "year", "source", "category", "stage", "class", "term",
                          "school_mentor", "enterprise_mentor")),
    *(f"data.severity.{s}" for s in ("error", "warning")),
    *(f"pack.{fmt}" for fmt in ("html", "xlsx")),
    *(f"pack.export_{k}{end}" for k in ("research", "aggregate") for end in ("", "_file")),
    *(f"data.{verb}_{part}" for verb in ("undo", "redo") for part in ("button", "ask", "yes", "done")),
    *(f"data.col.{c}" for c in ("batch_id", "imported_at", "file_name", "sheet", "target_table", "rows_read",
                                "rows_inserted", "rows_updated", "rows_rejected", "status", "table", "rows",
                                "years", "missing_share", "orphans", "orphan_columns")),
    *(f"data.col.reject_{c}" for c in ("row_number", "column_name", "original_value", "code", "original_row",
                                       "message")),
    *(f"mentors.{k}" for k in ("school_rule_share", "enterprise_rule_share", "dual_qualified_share")),
    *(f"mentors.rule.{k}" for k in schema.MENTOR_TYPES),
    *(f"mentors.students_per_{k}" for k in schema.MENTOR_TYPES),
    *(f"mentors.col.{c}" for c in ("mentor_id", "mentor_name", "mentor_type", "periods", "compliant_periods",
                                   "non_compliant_periods", "activities", "share", "overall", "n", "rank",
                                   *(f"{p}_{e}" for p in ("score", "n") for e in schema.EVALUATOR_TYPES))),
    *(f"enterprises.col.{c}" for c in ("enterprise_id", "enterprise_name", "cooperation_form",
                                       "demonstration_unit", "students", "dual_students", "hired", "partners",
                                       "certified", "placed", "group", "graduates", "known", "placed", "examinees", "certified", "wave",
                                       "mean_0_100", "budget", "spent", "execution_rate",
                                       "budget_share", "spent_share", "placed_k", "placed_n", "placed_small", "certified_k",
                                       "certified_n", "certified_small", "respondents", "satisfaction_small")),
    *(f"students.part.{p}" for p in ("theory_score", "skill_score", "professionalism_score", "composite")),
    *(f"common.download_{fmt}" for fmt in ("csv", "xlsx")),
    *(f"auth.role.{r}" for r in ("admin", "leader", "researcher", "viewer")),
    # closing the loop (issue 19): the columns and codes the loop pages look up
    *(f"agreements.col.{c}" for c in ("enterprise_name", "state", "days_left", "students", "interns", "mentors",
                                      "overall", "funding_year", "funding_spent", "mentors_state", "places_state",
                                      "funding_state")),
    *(f"training.{part}.{k}" for part in ("trained", "series") for k in schema.MENTOR_TYPES),
    *(f"training.col.{c}" for c in ("series", "year", "trained", "mentors", "rate", "ci_low", "ci_high", "hours",
                                    "hours_per_trained", "mentor_id", "mentor_name", "major", "appointed_on", "days",
                                    "required", "shortfall", "on_track", "last_practice", "undated", "enterprise_name",
                                    "last_trained")),
    *(f"stages.lead.{k}" for k in ("school", "both", "enterprise")),
    *(f"stages.col.{c}" for c in ("group", "stage", "students", "recorded", "behind", "lead", "with_lead",
                                  "without_lead", "lead_mentors", "per_lead", "student_id", "student_name",
                                  "class_name", "cohort_year", "training_model", "last_stage", "last_term",
                                  "expected_then", "lead_names")),
    *(f"recognition.reason.{r}" for r in ("score", "compliance", "below")),
    *(f"recognition.unit_reason.{r}" for r in ("no_agreement", "obligations", "no_students", "few_responses",
                                               "satisfaction")),
    *(f"recognition.col.{c}" for c in ("rank", "mentor_name", "overall", "evaluations", "compliance", "periods",
                                       "cert_rate", "cert_k", "cert_n", "cert_small", "jobs_rate", "jobs_k", "jobs_n",
                                       "jobs_small", "reasons", "enterprise_name", "demonstration_unit", "students",
                                       "interns", "hired", "mentors", "satisfaction", "respondents", "agreement_state",
                                       "obligations")),
    *(f"decisions.verdict.{v}" for v in ("as_expected", "against")),
    *(f"report.actions.col.{c}" for c in ("state", "title", "owner", "decided", "due", "done", "figure", "then", "now",
                                          "change", "verdict")),
    *(f"bench.col.{c}" for c in ("year", "value", "ci_low", "ci_high", "benchmark", "diff_pp", "outside", "marker")),
    # the headlines and how every screen writes them (analytics/narrative.py)
    *(f"headline.{part}.{k}" for part in ("none", "say", "small") for k in headlines.KEYS),
    *(f"headline.status.{s}" for s in ("met", "not_met", "near", "no_data")),
    *(f"headline.unit.{u}" for u in (*PASS_RATE_UNITS, "mentor_months", "mentor_semesters")),
    *(f"headline.change.{c}" for c in ("vs", "similar", "up_text", "down_text", "similar_text")),
    *(f"headline.direction.{kind}.{d}" for kind in ("pass", "satisfaction") for d in ("up", "down", "similar", "none")),
    *(f"headline.direction_short.{d}" for d in ("up", "down", "similar", "none")),
    *(f"narrative.attention.{k}" for k in ("school_subject", "enterprise_subject", "school_mentors",
                                           "enterprise_mentors")),
    *(f"narrative.rule.{k}" for k in schema.MENTOR_TYPES),
    *(f"benchmark.compare.{d}" for d in ("above", "below", "within", "no-data")),
    *(f"certificates.col.{c}" for c in ("method", "relative", "diff_pp", "ci_low_pp", "ci_high_pp", "p", "direction",
                                        "status", "group", "dual_numerator", "dual_denominator", "dual_rate",
                                        "other_numerator", "other_denominator", "other_rate", "small_n", "join_cohort",
                                        "before", "before_n", "after", "after_n", "change_pp", "control_pp", "did_pp",
                                        "did_low_pp", "did_high_pp")),
    *(f"certificates.strata.{k}" for k in ("major", "major_cohort")),
    *(f"certificates.unit_name.{u}" for u in certificates.JOIN_UNITS),
    *(f"satisfaction.col.{c}" for c in ("wave", "enterprise", "mean_0_100", "ci_low", "ci_high", "share_satisfied",
                                        "respondents", "ratings", "enterprises", "small_n")),
    *(f"summary.{k}" for k in ("certificate_pass_rate", "first_attempt_pass_rate", "certification_rate",
                               "related_to_major_rate", "partner_placement_rate", "retention_rate",
                               "median_monthly_salary", "satisfaction")),
    # the meeting pack (analytics/report/)
    *(f"report.cert.stratum.{k}" for k in ("year", *certificates.STRATA)),
    *(f"report.col.{g}" for g in funding.GROUPS),
    *(f"report.fund.by_{g}" for g in funding.GROUPS),
    *(f"report.men.{p}.{k}" for p in ("rule", "by_period", "non_compliant") for k in schema.MENTOR_TYPES),
    *(f"report.men.{k}" for k in ("school_rule_share", "enterprise_rule_share", "dual_qualified_share")),
    *(f"report.section.{k}" for k in ("summary", "certificates", "employment", "satisfaction", "mentors", "students",
                                      "funding", "methods")),
    *(f"report.sheet.{k}" for k in ("summary", "certificates", "employment", "satisfaction", "mentors", "students",
                                    "funding", "methods")),
]


def _used_keys() -> tuple[set[str], set[str]]:
    literal, prefixes = set(), set()
    for path in UI_SOURCES:
        text = path.read_text(encoding="utf-8")
        literal |= set(LITERAL.findall(text))
        prefixes |= {a or b for a, b in DYNAMIC.findall(text)}
    return literal, prefixes


def _file_keys(path: Path) -> set[str]:
    out: dict[str, str] = {}
    with path.open("rb") as fh:
        i18n._flatten("", tomllib.load(fh), out)
    return set(out)


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_used_key_exists(lang: str) -> None:
    literal, _ = _used_keys()
    missing = sorted(k for k in literal | set(EXPANDED) if k not in i18n.catalog(lang))
    assert missing == []


def test_every_dynamic_prefix_is_expanded() -> None:
    """A new f"prefix.{x}" key in the code must get its values listed in EXPANDED."""
    _, prefixes = _used_keys()
    expanded = set(EXPANDED)
    unknown = sorted(p for p in prefixes if p and not any(k.startswith(p) for k in expanded))
    assert unknown == []


def test_catalogs_have_the_same_keys() -> None:
    zh, en = set(i18n.catalog("zh")), set(i18n.catalog("en"))
    assert sorted(zh - en) == [] and sorted(en - zh) == []


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "analytics" / "locales" / "zh").glob("*.toml")))
def test_each_catalog_file_has_its_twin(name: str) -> None:
    zh = ROOT / "analytics" / "locales" / "zh" / name
    en = ROOT / "analytics" / "locales" / "en" / name
    assert en.exists()
    assert _file_keys(zh) == _file_keys(en)


def test_a_missing_key_is_detected() -> None:
    """The scanner itself finds keys (so the tests above can fail)."""
    literal, prefixes = _used_keys()
    assert "app.title" in literal and "nav." in prefixes
