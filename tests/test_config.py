"""Settings: defaults written when missing, overrides read, every kind of mistake refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from analytics.config import (
    DEFAULT_TOML,
    Settings,
    Targets,
    load_settings,
    parse_settings,
    settings_path,
)
from analytics.errors import ConfigError


def test_missing_file_is_created_with_defaults(tmp_path: Path) -> None:
    db_file = tmp_path / "data" / "x.duckdb"
    s = load_settings(db_path=db_file)
    assert s == Settings()
    written = tmp_path / "data" / "settings.toml"
    assert written.read_text(encoding="utf-8") == DEFAULT_TOML
    assert "#" in DEFAULT_TOML  # commented for the people who edit it


def test_default_file_matches_default_settings() -> None:
    # The written defaults and the dataclass defaults cannot drift apart.
    assert parse_settings(tomllib.loads(DEFAULT_TOML), Path("settings.toml")) == Settings()


def test_in_memory_database_has_defaults_only() -> None:
    assert settings_path(db_path=":memory:") is None
    assert load_settings(db_path=":memory:") == Settings()


def test_overrides(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        "small_n = 20\n[weights]\ntheory = 0.25\nskill = 0.55\n"  # professionalism stays 0.2
        "[employment]\nfurther_study_is_placed = false\n"
        "[targets]\ninitial_employment = 0.95\n[evaluator_weights]\nstudent = 2\n",
        encoding="utf-8",
    )
    s = load_settings(path)
    assert s.small_n == 20
    assert s.weights == (0.25, 0.55, 0.2)
    assert s.placed_statuses() == ("employed", "self_employed", "enlisted")
    assert s.targets == Targets(initial_employment=0.95)
    assert s.evaluator_weights == {"school": 1.0, "enterprise": 1.0, "student": 2.0, "third_party": 1.0}


@pytest.mark.parametrize(
    ("text", "code", "key"),
    [
        ("small_n = ", "settings-parse", None),
        ("smal_n = 5\n", "settings-unknown-key", "smal_n"),
        ("[weights]\ntheroy = 0.3\n", "settings-unknown-key", "weights.theroy"),
        ("[colours]\nred = 1\n", "settings-unknown-key", "colours"),
        ('small_n = "ten"\n', "settings-type", "small_n"),
        ("small_n = 2.5\n", "settings-type", "small_n"),
        ("[employment]\nenlisted_is_placed = 1\n", "settings-type", "employment.enlisted_is_placed"),
        ("small_n = 0\n", "settings-range", "small_n"),
        ("satisfied_threshold = 120\n", "settings-range", "satisfied_threshold"),
        ("[targets]\ninitial_employment = 90\n", "settings-range", "targets.initial_employment"),
        # 0.3 + 0.5 + 0.3 = 1.1
        ("[weights]\nprofessionalism = 0.3\n", "settings-weights-sum", None),
        ("[evaluator_weights]\nschool = 0\nenterprise = 0\nstudent = 0\nthird_party = 0\n",
         "settings-evaluator-weights", None),
    ],
)
def test_invalid_settings(tmp_path: Path, text: str, code: str, key: str | None) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    err = info.value
    assert err.code == code
    if key is not None:
        assert err.params["key"] == key
    for lang in ("zh", "en"):
        message = err.message(lang)
        assert str(path) in message and "{" not in message


@pytest.mark.parametrize(
    "kwargs",
    [{"weights": (0.5, 0.5, 0.5)}, {"small_n": -1}, {"visits_per_month": 0},
     {"evaluator_weights": {"parent": 1.0}}],
)
def test_settings_validate_in_code(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        Settings(**kwargs)


def test_settings_are_hashable() -> None:
    # Used as cache keys by the dashboard.
    assert hash(Settings()) == hash(Settings())
