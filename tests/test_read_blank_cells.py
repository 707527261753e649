"""Blank cells (empty, whitespace, full-width spaces) become null by a new validity bitmap
over the same text buffers; the values are those of the plain definition
(``if_else(is blank, null, cell)``) for every chunk layout."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analytics.ingest import read


def _plain(table: pa.Table) -> pa.Table:
    """The definition: a cell that is empty or whitespace only is null."""
    cols = [pc.if_else(pc.or_(pc.utf8_is_space(c), pc.equal(c, "")), pa.scalar(None, c.type), c) for c in table.columns]
    return pa.table(cols, names=table.column_names)


CELLS = [" ", "张三", None, "", "\u3000", " 80 ", "\t\n", "x"]
TABLES = {
    "one chunk": pa.table({"a": CELLS}),
    "two chunks": pa.table({"a": pa.chunked_array([CELLS[:3], CELLS[3:]])}),
    "a slice": pa.table({"a": CELLS}).slice(2),
    "no blank": pa.table({"a": ["1", "2", None]}),
    "all blank": pa.table({"a": ["", " ", "\u3000"]}),
    "large strings": pa.table({"a": pa.array(CELLS, type=pa.large_string())}),
    "two columns": pa.table({"a": CELLS, "b": list(reversed(CELLS))}),
}


@pytest.mark.parametrize("table", list(TABLES.values()), ids=list(TABLES))
def test_blank_cells_become_null_as_defined(table):
    got = read._blank_to_null(table)
    got.validate(full=True)
    assert got.equals(_plain(table))
    assert got.schema == table.schema


def test_the_text_is_not_copied():
    # one blank among 3 cells: the chunk keeps its text buffer, only its bitmap is new
    table = pa.table({"a": ["张三", " ", "李四"]})
    [chunk] = read._blank_to_null(table).column("a").chunks
    assert chunk.to_pylist() == ["张三", None, "李四"] and chunk.null_count == 1
    assert chunk.buffers()[2].address == table.column("a").chunks[0].buffers()[2].address
