"""Shared by the bad-file suites: a database holding one good batch, and the file hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analytics import db
from analytics.ingest.pipeline import import_file
from tests.badfiles.corpus import CERT, cert_row
from tests.filebuilders import write_csv


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A database holding one good batch (3 certificate rows), checkpointed and closed."""
    directory = tmp_path_factory.mktemp("template")
    path = directory / "store.duckdb"
    con = db.connect(path)
    # students 20249000–20249002: no file of the corpus uses these keys
    rows = [CERT] + [cert_row(9000 + i) for i in range(3)]
    (r,) = import_file(con, write_csv(directory / "good.csv", rows))
    assert r.status == "loaded" and r.inserted == 3
    con.execute("CHECKPOINT")
    con.close()
    return path


def digest(path: Path) -> str:
    """The file's content hash; a link or a pipe is named by what it is (reading it never ends)."""
    if path.is_symlink():
        return "link:" + str(path.readlink())
    if not path.is_file():
        return f"special:{path.stat().st_mode:o}"
    return hashlib.sha256(path.read_bytes()).hexdigest()
