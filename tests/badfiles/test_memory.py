"""Claim: no file makes reading it grow past a bound — neither a bomb, nor an entity
expansion, nor a sheet whose extent is far larger than its content.

Each file is read in the sandbox's child (as every upload is), which reports its peak
RSS growth (``VmHWM`` after a reset through ``/proc/self/clear_refs``). The bound is a
base for the libraries' buffers plus a multiple of the file's size for the copies an
honest parse makes (measured: 0–40 MiB for small files, ~200 MiB for the 10 MiB cell).
Beyond the bound the child's address-space cap (``Limits.max_memory``) stops it, which
``no_refs.xlsx`` shows: refused, not measured.
"""

from __future__ import annotations

import pytest

from analytics.errors import FileRejectedError
from analytics.ingest import sandbox
from analytics.ingest.read import Limits, read_bytes
from tests.badfiles.corpus import CORPUS, BadFile, build

MEMORY_BASE_MIB = 120
MEMORY_PER_FILE_MIB = 30


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CORPUS])
def test_reading_stays_under_the_bound(case: BadFile, tmp_path):
    path = build(case, tmp_path)
    limits = case.options.get("limits") or Limits()
    try:
        data = read_bytes(path, path.name, limits)
    except FileRejectedError as e:  # refused before a byte is parsed (size, not a file)
        assert e.code in case.codes
        return
    reading = sandbox.read_measured(data, path.name, limits)
    if reading.refused is not None and reading.refused.code == "file-too-complex":
        assert case.codes == {"file-too-complex"}  # only the file meant to hit the cap
        return
    bound = MEMORY_BASE_MIB + MEMORY_PER_FILE_MIB * len(data) / 2**20
    assert 0 <= reading.peak_mib < bound, (reading.peak_mib, bound)
