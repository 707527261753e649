"""Settings: thresholds, weights and targets of SPEC §1/§3, kept in one TOML file.

The file is ``settings.toml`` beside the database (or a path given explicitly). When it
is missing it is written with the defaults and a comment on every value, so a school can
open it and change a number. Loading validates everything: an unknown key, a wrong type,
a value out of range or weights that do not sum to 1 raise ``ConfigError`` with a
message in Chinese and English naming the key and the file.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics import db, schema
from analytics.errors import ConfigError
from analytics.private_files import write_private

SETTINGS_FILE = "settings.toml"
USERS_FILE = Path("secrets") / "users.json"  # default users file, beside the database
_DIRECT = "Settings()"  # where an error comes from when settings are built in code


@dataclass(frozen=True)
class Targets:
    """Targets of the headline metrics (SPEC §1), as fractions."""

    pass_rate_improvement: float = 0.18  # relative change, dual-mentor vs other students
    initial_employment: float = 0.90
    satisfaction_improvement: float = 0.12  # relative change of the mean, first -> latest wave
    compliance: float = 1.0  # communication compliance of school and enterprise mentors


# Units a pass rate can count (analytics.metrics.certificates): every exam sat, each
# student's first sitting of a certificate, or each student once.
PASS_RATE_UNITS = ("attempt", "first_attempt", "person")


def _default_evaluator_weights() -> dict[str, float]:
    return {e: 1.0 for e in schema.EVALUATOR_TYPES}


def _default_grade_scores() -> dict[str, float]:
    return dict(schema.DEFAULT_GRADE_SCORES)


@dataclass(frozen=True)
class Settings:
    """Every configurable number of the dashboard, validated on construction."""

    small_n: int = 10
    weights: tuple[float, float, float] = (0.3, 0.5, 0.2)  # theory, skill, professionalism
    further_study_is_placed: bool = True
    enlisted_is_placed: bool = True
    satisfied_threshold: float = 80.0  # percent of the scale maximum (80 = 4 of 5, 8 of 10)
    comparison_unit: str = "first_attempt"  # unit of the dual-vs-other pass-rate comparison
    visits_per_month: int = 2  # school mentors, enterprise_visit
    teaching_per_semester: int = 4  # enterprise mentors, school_teaching
    school_mentor_min_years: float = 3
    enterprise_mentor_min_years: float = 5
    evaluator_weights: dict[str, float] = field(default_factory=_default_evaluator_weights, hash=False)
    targets: Targets = field(default_factory=Targets)
    users_file: str = ""  # "" = secrets/users.json beside the database (see ``users_file_path``)
    session_timeout_minutes: int = 30  # signed-in sessions end after this much inactivity
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the real client
    # (auth.client_address); from any other peer the header is ignored.
    trusted_proxies: tuple[str, ...] = ()
    agreement_expiry_days: int = 90  # an agreement in force that ends within this many days is "expiring"
    practice_months: float = 6.0  # enterprise practice of a school teacher per ``practice_years``
    practice_years: int = 5
    recognition_min_score: float = 85.0  # 360 overall score of a recommended mentor
    recognition_min_compliance: float = 0.9  # share of a recommended mentor's periods meeting the rule
    recognition_min_satisfaction: float = 75.0  # 0-100 mean of a demonstration-unit candidate
    # Import: the score of each grade word (优秀 … 不及格, A–E) in a score column, and whether a
    # blank yes/no cell means no in a column whose other cells only say yes (是/√/Y).
    grade_scores: dict[str, float] = field(default_factory=_default_grade_scores, hash=False)
    blank_yes_no_is_no: bool = True
    # Import: the largest file accepted (MB), by the CLI (``import --max-mb`` overrides it) and
    # the upload box (which Streamlit's ``server.maxUploadSize`` caps as well).
    max_file_mb: int = 50
    # A bureau's returns for year Y are due on this day (MM-DD) of Y (analytics.metrics.reporting).
    reporting_deadline: str = "09-05"

    def __post_init__(self) -> None:
        _check_range("small_n", self.small_n, 1, 10_000)
        if len(self.weights) != 3:
            raise ConfigError("settings-type", key="weights", expected="3 numbers", path=_DIRECT)
        for name, w in zip(("theory", "skill", "professionalism"), self.weights, strict=True):
            _check_range(f"weights.{name}", w, 0, 1)
        if not math.isclose(sum(self.weights), 1.0, abs_tol=1e-9):
            raise ConfigError("settings-weights-sum", total=round(sum(self.weights), 6), path=_DIRECT)
        _check_range("satisfied_threshold", self.satisfied_threshold, 0, 100)
        if self.comparison_unit not in PASS_RATE_UNITS:
            raise ConfigError("settings-choice", key="certificates.comparison_unit", value=self.comparison_unit,
                              allowed=", ".join(PASS_RATE_UNITS), path=_DIRECT)
        _check_range("compliance.visits_per_month", self.visits_per_month, 1, 100)
        _check_range("compliance.teaching_per_semester", self.teaching_per_semester, 1, 500)
        _check_range("mentor_rules.school_mentor_min_years", self.school_mentor_min_years, 0, 60)
        _check_range("mentor_rules.enterprise_mentor_min_years", self.enterprise_mentor_min_years, 0, 60)
        for key, w in self.evaluator_weights.items():
            if key not in schema.EVALUATOR_TYPES:
                raise ConfigError("settings-unknown-key", key=f"evaluator_weights.{key}", path=_DIRECT)
            _check_range(f"evaluator_weights.{key}", w, 0, 100)
        if not any(self.evaluator_weights.values()):
            raise ConfigError("settings-evaluator-weights", path=_DIRECT)
        _check_range("targets.pass_rate_improvement", self.targets.pass_rate_improvement, -1, 100)
        _check_range("targets.initial_employment", self.targets.initial_employment, 0, 1)
        _check_range("targets.satisfaction_improvement", self.targets.satisfaction_improvement, -1, 100)
        _check_range("targets.compliance", self.targets.compliance, 0, 1)
        if not isinstance(self.users_file, str):
            raise ConfigError("settings-type", key="access.users_file", expected="str", path=_DIRECT)
        _check_range("access.session_timeout_minutes", self.session_timeout_minutes, 1, 24 * 60)
        _check_networks("access.trusted_proxies", self.trusted_proxies)
        _check_range("agreements.expiry_window_days", self.agreement_expiry_days, 1, 3660)
        _check_range("training.practice_months", self.practice_months, 0, 120)
        _check_range("training.practice_years", self.practice_years, 1, 20)
        _check_range("recognition.min_score", self.recognition_min_score, 0, 100)
        _check_range("recognition.min_compliance", self.recognition_min_compliance, 0, 1)
        _check_range("recognition.min_satisfaction", self.recognition_min_satisfaction, 0, 100)
        for key, score in self.grade_scores.items():
            if key not in schema.DEFAULT_GRADE_SCORES:
                raise ConfigError("settings-unknown-key", key=f"grade_scores.{key}", path=_DIRECT)
            _check_range(f"grade_scores.{key}", score, 0, 100)
        if not isinstance(self.blank_yes_no_is_no, bool):
            raise ConfigError("settings-type", key="import.blank_yes_no_is_no", expected="bool", path=_DIRECT)
        _check_month_day("reporting.deadline", self.reporting_deadline)
        if not isinstance(self.max_file_mb, int):
            raise ConfigError("settings-type", key="import.max_file_mb", expected="int", path=_DIRECT)
        _check_range("import.max_file_mb", self.max_file_mb, 1, 1024)

    @property
    def max_file_bytes(self) -> int:
        """The file-size limit in bytes (``max_file_mb`` MiB)."""
        return self.max_file_mb * 1024**2

    def placed_statuses(self) -> tuple[str, ...]:
        """Employment statuses counted as placed (employed and self-employed always)."""
        out = ["employed", "self_employed"]
        if self.further_study_is_placed:
            out.append("further_study")
        if self.enlisted_is_placed:
            out.append("enlisted")
        return tuple(out)


def _check_month_day(key: str, value: object) -> None:
    """A day of the year written MM-DD (29 February is refused: not every year has it)."""
    try:
        month, day = (int(p) for p in str(value).split("-"))
        ok = isinstance(value, str) and len(value) == 5 and dt.date(2023, month, day) is not None
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError("settings-type", key=key, expected="MM-DD", path=_DIRECT)


def _check_networks(key: str, value: object) -> None:
    """A tuple of IP addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``)."""
    ok = isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    try:
        ok = ok and all(ipaddress.ip_network(v.strip(), strict=False) is not None for v in value)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError("settings-type", key=key, expected="list of IP addresses or networks", path=_DIRECT)


def _check_range(key: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError("settings-type", key=key, expected="number", path=_DIRECT)
    if not low <= value <= high:
        raise ConfigError("settings-range", key=key, value=value, low=low, high=high, path=_DIRECT)


# TOML layout: (section, key) -> (Settings attribute or target/weight path, expected type).
_SCALARS: dict[tuple[str | None, str], tuple[str, type]] = {
    (None, "small_n"): ("small_n", int),
    (None, "satisfied_threshold"): ("satisfied_threshold", float),
    ("certificates", "comparison_unit"): ("comparison_unit", str),
    ("employment", "further_study_is_placed"): ("further_study_is_placed", bool),
    ("employment", "enlisted_is_placed"): ("enlisted_is_placed", bool),
    ("compliance", "visits_per_month"): ("visits_per_month", int),
    ("compliance", "teaching_per_semester"): ("teaching_per_semester", int),
    ("mentor_rules", "school_mentor_min_years"): ("school_mentor_min_years", float),
    ("mentor_rules", "enterprise_mentor_min_years"): ("enterprise_mentor_min_years", float),
    ("access", "users_file"): ("users_file", str),
    ("access", "session_timeout_minutes"): ("session_timeout_minutes", int),
    ("access", "trusted_proxies"): ("trusted_proxies", tuple),
    ("agreements", "expiry_window_days"): ("agreement_expiry_days", int),
    ("training", "practice_months"): ("practice_months", float),
    ("training", "practice_years"): ("practice_years", int),
    ("recognition", "min_score"): ("recognition_min_score", float),
    ("recognition", "min_compliance"): ("recognition_min_compliance", float),
    ("recognition", "min_satisfaction"): ("recognition_min_satisfaction", float),
    ("import", "blank_yes_no_is_no"): ("blank_yes_no_is_no", bool),
    ("import", "max_file_mb"): ("max_file_mb", int),
    ("reporting", "deadline"): ("reporting_deadline", str),
}
_WEIGHT_KEYS = ("theory", "skill", "professionalism")
_TARGET_KEYS = ("pass_rate_improvement", "initial_employment", "satisfaction_improvement", "compliance")

DEFAULT_TOML = """\
# Settings of the dual-mentor dashboard. Edit a value and reload the page.
# Rates below this many cases are flagged as unreliable (and suppressed in exports).
small_n = 10
# A satisfaction score counts as "satisfied" at or above this percent of the scale's
# maximum, compared on the raw scale (80 = 4 of 5, 8 of 10, 80 of 100).
satisfied_threshold = 80.0

[certificates]
# Unit of the dual-mentor vs other students pass-rate comparison and its test: "first_attempt"
# (each student's first sitting of a certificate; retakes make attempts dependent),
# "attempt" (every exam sat) or "person" (each student once: passed any).
comparison_unit = "first_attempt"

[weights]
# Composite student score; the three weights must sum to 1.
theory = 0.3
skill = 0.5
professionalism = 0.2

[employment]
# Whether further study and enlistment count as placed in the initial employment rate.
further_study_is_placed = true
enlisted_is_placed = true

[compliance]
# School mentors: enterprise visits per month; enterprise mentors: teaching sessions
# at the school per semester.
visits_per_month = 2
teaching_per_semester = 4

[mentor_rules]
# Minimum years of experience: school mentors (teaching), enterprise mentors (frontline).
school_mentor_min_years = 3
enterprise_mentor_min_years = 5

[evaluator_weights]
# Weights of each evaluator type in a mentor's overall evaluation score.
school = 1.0
enterprise = 1.0
student = 1.0
third_party = 1.0

[targets]
# Targets as fractions: relative improvements, rates.
pass_rate_improvement = 0.18
initial_employment = 0.90
satisfaction_improvement = 0.12
compliance = 1.0

[access]
# Users, roles, schools and password hashes (python -m analytics user add ...). Empty means
# secrets/users.json beside the database; a relative path is taken from the database's folder.
# Keep it outside the repository. Without this file the dashboard runs in single-user local
# mode and refuses to listen on any address but 127.0.0.1.
users_file = ""
# A signed-in session ends after this many minutes without activity.
session_timeout_minutes = 30
# Reverse proxies in front of the dashboard (addresses or networks, e.g. ["127.0.0.1"]): only
# from these is X-Forwarded-For believed, so failed sign-ins are counted per real client.
trusted_proxies = []

[agreements]
# An agreement in force that ends within this many days is listed as expiring.
expiry_window_days = 90

[training]
# Enterprise practice of school teachers: at least this many months in enterprises over every
# this many years (the national rule for vocational teachers: 6 months every 5 years).
practice_months = 6.0
practice_years = 5

[recognition]
# A mentor is recommended with an overall 360 score of at least min_score and the
# communication rule met in at least min_compliance of their months (semesters); an
# enterprise is a demonstration-unit candidate with a satisfaction mean (0-100) of at least
# min_satisfaction, an agreement in force and its obligations met.
min_score = 85.0
min_compliance = 0.9
min_satisfaction = 75.0

[import]
# A blank cell in a yes/no column (是否双导师, 是否对口 …) whose other cells only say yes
# (是/√/Y, no 否 at all) means no: the sheet ticks the yeses. The import reports it.
blank_yes_no_is_no = true
# The largest file accepted, in MB (1-1024), by the CLI (import --max-mb overrides it) and the
# upload box; for uploads over 50 MB raise server.maxUploadSize in .streamlit/config.toml too.
max_file_mb = 50

[reporting]
# A bureau's returns for a year are due on this day (MM-DD) of that year: a table first sent
# later is "late", one not sent by then "overdue" (the first destination survey is on 31 August).
deadline = "09-05"

[grade_scores]
# The score of each grade word in a score column: 优秀/优/A, 良好/良/B, 中等/中/C,
# 及格/合格/D, 不及格/不合格/E.
excellent = 95.0
good = 85.0
fair = 75.0
pass = 65.0
fail = 50.0
"""


def settings_path(path: str | os.PathLike[str] | None = None, db_path: str | os.PathLike[str] | None = None) -> Path | None:
    """Where the settings live: ``path``, else beside the database; ``None`` for an in-memory database."""
    if path is not None:
        return Path(path).expanduser()
    if db_path is not None and str(db_path) == ":memory:":
        return None
    return db.resolve_path(db_path).parent / SETTINGS_FILE


def users_file_path(settings: Settings, db_path: str | os.PathLike[str] | None = None) -> Path | None:
    """Where the users file lives: ``settings.users_file`` (relative to the database's folder),
    else ``secrets/users.json`` beside the database; ``None`` for an in-memory database
    without a configured file (always single-user local mode)."""
    if settings.users_file:
        given = Path(settings.users_file).expanduser()
        if given.is_absolute() or (db_path is not None and str(db_path) == ":memory:"):
            return given
        return db.resolve_path(db_path).parent / given
    if db_path is not None and str(db_path) == ":memory:":
        return None
    return db.resolve_path(db_path).parent / USERS_FILE


def _typed(value: Any, expected: type, key: str, path: Path) -> Any:
    if expected is tuple:  # a list of strings
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError("settings-type", key=key, expected="list of strings", path=str(path))
        return tuple(value)
    if expected is str:
        ok = isinstance(value, str)
    elif expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise ConfigError("settings-type", key=key, expected=expected.__name__, path=str(path))
    return float(value) if expected is float else value


def parse_settings(data: dict[str, Any], path: Path) -> Settings:
    """Settings from a parsed TOML document; unknown keys and wrong types are errors."""
    values: dict[str, Any] = {}
    sections = {None} | {s for s, _ in _SCALARS} | {"weights", "evaluator_weights", "targets", "grade_scores"}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in sections:
                raise ConfigError("settings-unknown-key", key=key, path=str(path))
            items = [(key, k, v) for k, v in value.items()]
        else:
            items = [(None, key, value)]
        for section, name, v in items:
            dotted = f"{section}.{name}" if section else name
            if (section, name) in _SCALARS:
                attr, expected = _SCALARS[(section, name)]
                values[attr] = _typed(v, expected, dotted, path)
            elif section == "weights" and name in _WEIGHT_KEYS:
                values.setdefault("weights", {})[name] = _typed(v, float, dotted, path)
            elif section == "evaluator_weights" and name in schema.EVALUATOR_TYPES:
                values.setdefault("evaluator_weights", {})[name] = _typed(v, float, dotted, path)
            elif section == "targets" and name in _TARGET_KEYS:
                values.setdefault("targets", {})[name] = _typed(v, float, dotted, path)
            elif section == "grade_scores" and name in schema.DEFAULT_GRADE_SCORES:
                values.setdefault("grade_scores", {})[name] = _typed(v, float, dotted, path)
            else:
                raise ConfigError("settings-unknown-key", key=dotted, path=str(path))
    defaults = Settings()
    if "weights" in values:
        given = dict(zip(_WEIGHT_KEYS, defaults.weights, strict=True)) | values["weights"]
        values["weights"] = tuple(given[k] for k in _WEIGHT_KEYS)
    if "evaluator_weights" in values:
        values["evaluator_weights"] = defaults.evaluator_weights | values["evaluator_weights"]
    if "targets" in values:
        values["targets"] = Targets(**values["targets"])
    if "grade_scores" in values:
        values["grade_scores"] = defaults.grade_scores | values["grade_scores"]
    try:
        return Settings(**values)
    except ConfigError as e:
        raise ConfigError(e.code, **{**e.params, "path": str(path)}) from e


def load_settings(
    path: str | os.PathLike[str] | None = None, db_path: str | os.PathLike[str] | None = None
) -> Settings:
    """Read and validate the settings file, writing the commented defaults when it is missing.

    ``path`` overrides the location; otherwise ``settings.toml`` beside the database
    ``db_path`` (resolved as ``db.connect`` does). An in-memory database has defaults only.
    """
    target = settings_path(path, db_path)
    if target is None:
        return Settings()
    if not target.exists():
        try:  # whole or not at all; a session starting at the same moment keeps the first one's
            write_private(target, DEFAULT_TOML, replace=False)
        except OSError as e:
            raise ConfigError("settings-unwritable", path=str(target), detail=str(e)) from e
    try:
        with target.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("settings-parse", path=str(target), detail=str(e)) from e
    except OSError as e:
        raise ConfigError("settings-unreadable", path=str(target), detail=str(e)) from e
    return parse_settings(data, target)
