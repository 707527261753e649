"""Claim: the bad-file corpus is large and varied — every file differs in type or bytes,
and every format the importer reads is in it."""

from __future__ import annotations

from tests.badfiles.conftest import digest
from tests.badfiles.corpus import CORPUS, build


def test_corpus_is_large_and_varied(tmp_path):
    names = [c.name for c in CORPUS]
    assert len(set(names)) == len(names) >= 80
    assert {c.fmt for c in CORPUS} >= {"csv", "xlsx", "xls", "ods", "txt"}
    assert {c.outcome for c in CORPUS} == {"refused", "rows"}
    # every file differs in type or bytes (the 600 MiB bomb is left out to keep this quick)
    kinds = {(c.fmt, digest(build(c, tmp_path / str(i)))) for i, c in enumerate(CORPUS) if c.name != "bomb_size.xlsx"}
    assert len(kinds) == len(CORPUS) - 1
