"""Packaging: pyproject.toml declares the ``dual-mentor`` console script (the CLI's ``main``), the
packages and the catalogs the CLI needs, and reads its dependencies from requirements.txt."""

from __future__ import annotations

import subprocess
import sys
import warnings
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project() -> dict:
    """pyproject.toml as setuptools reads it, dynamic fields and package discovery expanded."""
    from setuptools.config.pyprojecttoml import read_configuration

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "[tool.setuptools] is beta"
        return read_configuration(ROOT / "pyproject.toml", expand=True)


def test_console_script_is_the_cli_main(project):
    from analytics import cli

    (name, value), = project["project"]["scripts"].items()
    assert (name, value) == ("dual-mentor", "analytics.cli:main")
    target = EntryPoint(name, value, "console_scripts").load()
    assert target is cli.main and callable(target)


def test_dependencies_are_requirements_txt(project):
    lines = [x for x in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    deps = project["project"]["dependencies"]
    assert deps == lines
    assert [Requirement(d).name for d in deps][:4] == ["streamlit", "pandas", "plotly", "duckdb"]


def test_every_package_and_catalog_is_included(project):
    found = set(project["tool"]["setuptools"]["packages"])
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".") for top in ("analytics", "ui")
               for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk <= found
    (pattern,) = project["tool"]["setuptools"]["package-data"]["analytics"]
    packaged = set((ROOT / "analytics").glob(pattern))
    catalogs = set((ROOT / "analytics" / "locales").rglob("*.toml"))
    assert len(catalogs) >= 2 and packaged == catalogs


@pytest.mark.parametrize("argv, usage", [
    ([sys.executable, "-m", "analytics", "--help"], "usage: python -m analytics"),
    # what the console script runs: main() with the script's name as argv[0]
    ([sys.executable, "-c", "import sys; sys.argv[0] = '/usr/local/bin/dual-mentor'; "
                            "from analytics.cli import main; sys.exit(main())", "--help"], "usage: dual-mentor"),
])
def test_help_under_both_names(argv, usage):
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(usage)
    assert "metrics" in proc.stdout and "import" in proc.stdout
