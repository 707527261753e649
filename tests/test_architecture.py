"""The layering DESIGN.md promises, checked: ``analytics/`` never imports Streamlit, and
docs/ARCHITECTURE.md names every module there is (so the picture stays true)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ANALYTICS = sorted(p for p in (ROOT / "analytics").rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", ANALYTICS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_analytics_module_imports_streamlit_or_ui(path: Path) -> None:
    assert not _imports(path) & {"streamlit", "ui", "pages"}


def test_importing_every_analytics_module_loads_no_streamlit() -> None:
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in ANALYTICS
               if p.name != "__main__.py"]
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules) + \
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_architecture_doc_names_every_module() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", doc))
    files = ANALYTICS + sorted((ROOT / "ui").glob("*.py"))
    missing = [str(p.relative_to(ROOT)) for p in files
               if not p.name.startswith("__") and p.stem not in words]
    assert missing == []
