"""Recognition with evidence (issue 19): mentors put forward for recognition and candidates
for the "School-Enterprise Cooperation Demonstration Unit" (校企合作示范单位), each with
the figures behind it and the small-group rule applied.

**Mentors** (per type), ranked by their 360 overall score (``metrics.mentors.evaluations``),
each with: the score and the number of evaluations; their communication compliance (share
of their months or semesters meeting the rule, ``metrics.mentors.compliance``); their
students' certification rate (students with a pass / students who sat,
``metrics.certificates``, by the student's mentor of that type) and their graduates'
initial employment rate (``metrics.employment``). Each outcome rate carries its n; below
``Settings.small_n`` it is shown but flagged and never counts for or against. An outcome
is *below* when its 95% interval lies wholly under the rate of all the filter's students.
A mentor is **recommended** when the overall score is at least
``recognition_min_score``, compliance at least ``recognition_min_compliance`` and no
outcome is below.

**Enterprises**: students hosted (at school on the day), interns, graduates hired (any
survey of the filter's graduation years, ``metrics.partners``), enterprise mentors provided,
the satisfaction mean on the 0–100 scale pooled over the filter's waves with the number of
respondents behind it (SPEC: n is respondents), the current agreement's state and
obligations (``metrics.agreements``). A **candidate** has an agreement in force with its
obligations met, hosts or hired students, and a satisfaction mean of at least
``recognition_min_satisfaction`` from at least ``small_n`` respondents. ``reasons`` lists what a non-candidate lacks.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics.config import Settings
from analytics.filters import Filters
from analytics.metrics import agreements, certificates, employment, mentors, partners, satisfaction
from analytics.stats import add_rate_columns

# Why an enterprise is not a candidate, in the order they are checked.
UNIT_REASONS = ("no_agreement", "obligations", "no_students", "few_responses", "satisfaction")
MENTOR_REASONS = ("score", "compliance", "below")


def _outcome(df: pd.DataFrame, prefix: str, overall: float | None, s: Settings) -> pd.DataFrame:
    """Rate frame of an outcome per mentor (group = mentor ID) as ``<prefix>_*`` columns."""
    keep = df.dropna(subset=["group"])[["group", "numerator", "denominator"]]
    rated = add_rate_columns(keep, s.small_n)
    below = (~rated["small_n"]) & (rated["ci_high"] < overall) if overall is not None else False
    return pd.DataFrame({
        "mentor_id": rated["group"].astype(str),
        f"{prefix}_k": rated["numerator"].astype(int), f"{prefix}_n": rated["denominator"].astype(int),
        f"{prefix}_rate": rated["rate"], f"{prefix}_low": rated["ci_low"], f"{prefix}_high": rated["ci_high"],
        f"{prefix}_small": rated["small_n"].astype(bool), f"{prefix}_below": np.asarray(below, dtype=bool),
    })


def mentor_candidates(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, mentor_type: str) -> pd.DataFrame:
    """Evaluated mentors of ``mentor_type``, best overall score first, with the evidence of the
    module doc: rank, mentor_id, mentor_name, overall, evaluations, compliance, periods,
    cert_* and jobs_* (k, n, rate, low, high, small, below), recommended, reasons."""
    ev = mentors.evaluations(con, f, s, mentor_type)
    ev = ev[["rank", "mentor_id", "mentor_name", "overall", "n"]].rename(columns={"n": "evaluations"})
    comp = mentors.compliance(con, f, s, mentor_type, with_calendar=False).per_mentor
    comp = comp[["mentor_id", "share", "periods"]].rename(columns={"share": "compliance"})
    by = f"{mentor_type}_mentor"
    overall_cert = certificates.certification_rate(con, f, s).value
    overall_jobs = employment.initial_employment_rate(con, f, s).rate.value
    cert = _outcome(certificates.pass_rates_by(con, f, s, by, "person"), "cert", overall_cert, s)
    jobs = _outcome(employment.initial_employment_by(con, f, s, by), "jobs", overall_jobs, s)
    out = ev.merge(comp, on="mentor_id", how="left").merge(cert, on="mentor_id", how="left") \
        .merge(jobs, on="mentor_id", how="left")
    for prefix in ("cert", "jobs"):
        out[f"{prefix}_small"] = out[f"{prefix}_small"].fillna(True).astype(bool)
        out[f"{prefix}_below"] = out[f"{prefix}_below"].fillna(False).astype(bool)
    reasons = []
    for row in out.itertuples(index=False):
        why = []
        if pd.isna(row.overall) or row.overall < s.recognition_min_score:
            why.append("score")
        if pd.isna(row.compliance) or row.compliance < s.recognition_min_compliance:
            why.append("compliance")
        if row.cert_below or row.jobs_below:
            why.append("below")
        reasons.append(tuple(why))
    out["reasons"] = reasons
    out["recommended"] = [not r for r in reasons]
    return out.sort_values(["recommended", "rank", "mentor_id"], ascending=[False, True, True],
                           na_position="last").reset_index(drop=True)


def _satisfaction_by_enterprise(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings) -> pd.DataFrame:
    """Per enterprise: the 0–100 mean over every rating of the filter's waves, and the
    respondents (questionnaires) behind it."""
    w = satisfaction.waves(con, f, s, "enterprise")
    if w.empty:
        return pd.DataFrame(columns=["enterprise_id", "satisfaction", "respondents"])
    w = w.assign(total=w["mean_0_100"] * w["ratings"])
    g = w.groupby("enterprise", as_index=False).agg(total=("total", "sum"), ratings=("ratings", "sum"),
                                                   respondents=("respondents", "sum"))
    return pd.DataFrame({"enterprise_id": g["enterprise"].astype(str), "satisfaction": g["total"] / g["ratings"],
                         "respondents": g["respondents"].astype(int)})


def unit_candidates(con: duckdb.DuckDBPyConnection, f: Filters, s: Settings, day: dt.date) -> pd.DataFrame:
    """Every enterprise in the filter with its evidence for the demonstration unit: enterprise_id,
    enterprise_name, demonstration_unit (already recognised), students, interns, hired, mentors,
    satisfaction, respondents, satisfaction_small, agreement_state, obligations, candidate,
    reasons; candidates first, then by satisfaction."""
    host = agreements.hosting(con, f, s, day)
    roster = partners.partners(con, f, s)[["enterprise_id", "hired", "demonstration_unit"]]
    sat = _satisfaction_by_enterprise(con, f, s)
    current = agreements.agreements(con, f, s, day)
    current = current[current["current"]][["enterprise_id", "state"]].rename(columns={"state": "agreement_state"})
    duties = agreements.obligations(con, f, s, day)[["enterprise_id", "overall"]] \
        .rename(columns={"overall": "obligations"})
    out = (host.merge(roster, on="enterprise_id", how="left").merge(sat, on="enterprise_id", how="left")
           .merge(current, on="enterprise_id", how="left").merge(duties, on="enterprise_id", how="left"))
    out["hired"] = out["hired"].fillna(0).astype(int)
    out["respondents"] = out["respondents"].fillna(0).astype(int)
    out["satisfaction_small"] = out["respondents"] < s.small_n
    reasons = []
    for row in out.itertuples(index=False):
        why = []
        if row.agreement_state not in ("in_force", "expiring"):
            why.append("no_agreement")
        elif row.obligations != "met":
            why.append("obligations")
        if row.students == 0 and row.hired == 0:
            why.append("no_students")
        if row.satisfaction_small:
            why.append("few_responses")
        elif pd.isna(row.satisfaction) or row.satisfaction < s.recognition_min_satisfaction:
            why.append("satisfaction")
        reasons.append(tuple(why))
    out["reasons"] = reasons
    out["candidate"] = [not r for r in reasons]
    return out.sort_values(["candidate", "satisfaction"], ascending=[False, False], na_position="last") \
        .reset_index(drop=True)
