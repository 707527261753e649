"""What a fresh ``python -m analytics import`` pays before it reads a file (#17, "file → first pass rate")."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_cli_hashes_no_password() -> None:
    # Before: analytics.auth hashed a random password at import (≈0.7 s of argon2 per command).
    # Any argon2 hash during ``import analytics.cli`` now fails the child process.
    code = textwrap.dedent(
        """
        import argon2
        def refuse(self, *args, **kwargs):
            raise SystemExit("argon2 hash at import")
        argon2.PasswordHasher.hash = refuse
        import analytics.cli
        print("imported")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "imported"), done.stderr
