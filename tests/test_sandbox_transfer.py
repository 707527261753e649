"""The reader child's reply travels as data only (JSON + Arrow IPC in a sealed memory file),
never pickled, and the parent checks it before use: an honest reply gives back exactly the
sheets the child read, and a forged, unsealed, oversized or truncated one is refused
(``_Malformed``, then ``file-too-complex``) without crashing the parent or making it map or
allocate what the reply claims.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import socket
import struct
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analytics.errors import FileRejectedError
from analytics.ingest import sandbox
from analytics.ingest.issues import Issue
from analytics.ingest.read import Limits, RawSheet, read_file
from tests.filebuilders import write_csv, write_xlsx

BUDGET = 64 * 1024**2


def _sheet(sections: bool) -> RawSheet:
    frame = pa.table({
        "学号": pa.array(["20240001", None, "20240003"], type=pa.string()),
        "成绩": pa.array(["80", "92.5", None], type=pa.string()),
    }).to_pandas()
    return RawSheet(
        name="考证", headers=["学号", "成绩"], frame=frame, row_numbers=[3, 5, 6], header_row=2,
        title_lines=["2024届 考证成绩"], hidden=True,
        issues=[Issue("total-rows-dropped", row=4, params={"rows": "4", "count": 1}),
                Issue("duplicate-header", column="成绩", value=None, params={"renamed": "成绩 (2)"})],
        sections=["三月", "三月", "四月"] if sections else None, file_name="c.xlsx",
    )


def _reply(outcome: dict, sheets: list[RawSheet] = ()) -> bytes:
    out = io.BytesIO()
    sandbox._send_reply(out, outcome, list(sheets))
    return out.getvalue()


def _memory_file(raw: bytes, seals: int = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK) -> int:
    fd = os.memfd_create("test-reply", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.write(fd, raw)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd


def _receive(raw: bytes, budget: int = BUDGET, limits: Limits = Limits()):
    """``raw`` received as the parent receives a reply: from a sealed memory file, mapped."""
    fd = _memory_file(raw)
    try:
        return sandbox._receive_reply(sandbox._mapped(fd, budget), limits)
    finally:
        os.close(fd)


@pytest.mark.parametrize("sections", [False, True])
def test_a_reply_gives_back_the_sheets_exactly(sections):
    sheets = [_sheet(sections), _sheet(not sections)]
    outcome, got = _receive(_reply({"kind": "ok", "peak_mib": 12.5}, sheets))
    assert outcome["kind"] == "ok" and outcome["peak_mib"] == 12.5
    assert len(got) == 2
    for want, sheet in zip(sheets, got):
        assert sheet.frame.equals(want.frame)
        assert list(sheet.frame.dtypes) == list(want.frame.dtypes)
        assert sheet.frame.columns.equals(want.frame.columns)
        assert (sheet.name, sheet.headers, sheet.row_numbers, sheet.header_row, sheet.title_lines, sheet.hidden,
                sheet.sections, sheet.file_name) == (want.name, want.headers, want.row_numbers, want.header_row,
                                                     want.title_lines, want.hidden, want.sections, want.file_name)
        assert sheet.issues == want.issues


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_read_sheet_survives_the_wire_with_its_dtypes(tmp_path, fmt):
    rows = [["学号", "姓名", "成绩"], ["20240001", "张三", "80"], ["20240002", None, "91.5"], ["合计", None, "171.5"]]
    path = write_xlsx(tmp_path / "c.xlsx", {"考证": rows}) if fmt == "xlsx" else write_csv(tmp_path / "c.csv", rows)
    [here] = read_file(path)
    [there] = _receive(_reply({"kind": "ok", "peak_mib": 1.0}, [here]))[1]
    assert there.frame.equals(here.frame) and list(there.frame.dtypes) == list(here.frame.dtypes)
    assert there.row_numbers == here.row_numbers == [2, 3]
    assert there.issues == here.issues


def test_numpy_numbers_in_issues_arrive_as_python_numbers():
    # a row number or count computed with NumPy must not arrive as text (the parent would refuse it)
    sheet = _sheet(False)
    sheet.issues = [Issue("blank-rows-dropped", row=np.int64(7), params={"count": np.int64(2), "share": np.float64(0.5)})]
    [got] = _receive(_reply({"kind": "ok", "peak_mib": 1.0}, [sheet]))[1]
    assert got.issues == [Issue("blank-rows-dropped", row=7, params={"count": 2, "share": 0.5})]
    assert type(got.issues[0].row) is int and type(got.issues[0].params["count"]) is int


def test_a_refusal_keeps_its_code_and_parameters():
    raw = _reply({"kind": "rejected", "code": "too-many-columns", "params": {"file": "w.csv", "count": 12, "limit": 10},
                  "peak_mib": 3})
    outcome, sheets = _receive(raw)
    assert sheets == [] and outcome["params"] == {"file": "w.csv", "count": 12, "limit": 10}


def _outcome_bytes(doc: object) -> bytes:
    body = json.dumps(doc).encode()
    return struct.pack("!Q", len(body)) + body


def _stream(table: pa.Table, **options) -> bytes:
    out = io.BytesIO()
    with pa.ipc.new_stream(out, table.schema, options=pa.ipc.IpcWriteOptions(**options)) as writer:
        writer.write_table(table)
    return out.getvalue()


def _meta(headers: list[str], **changes) -> dict:
    meta = {"name": "s", "headers": headers, "header_row": 1, "title_lines": [], "hidden": False,
            "sections": False, "file_name": "f.csv", "issues": []}
    return {**meta, **changes}


def _ok(meta: dict, frame: pa.Table, rows: pa.Table | None = None, **options) -> bytes:
    rows = rows if rows is not None else pa.table({"row": pa.array(range(2, 2 + frame.num_rows), type=pa.int64())})
    return _outcome_bytes({"kind": "ok", "peak_mib": 1.0, "sheets": [meta]}) + _stream(frame, **options) + _stream(rows)


TEXT = pa.table({"a": pa.array(["x", "y"])})


def _patched(table: pa.Table, old: bytes, new: bytes) -> bytes:
    """The IPC stream of ``table`` with one run of bytes of its body replaced (a forgery
    that Arrow's own constructors would refuse to build)."""
    raw = _stream(table)
    assert raw.count(old) == 1
    return raw.replace(old, new)


def _offsets(*values: int) -> bytes:
    return np.array(values, dtype=np.int32).tobytes()


# offsets that go back (0, 7, 3, 12): only the full validation finds it; text that is not UTF-8
BAD_OFFSETS = _patched(pa.table({"a": pa.array(["abc", "defg", "hijkl"])}), _offsets(0, 3, 7, 12), _offsets(0, 7, 3, 12))
BAD_UTF8 = _patched(pa.table({"a": pa.array(["\u00e9"])}), "\u00e9".encode(), b"\xff\xfe")
ROWS = _stream(pa.table({"row": pa.array([2, 3], type=pa.int64())}))
OK_ONE_SHEET = {"kind": "ok", "peak_mib": 1.0}


def _ok_raw(meta: dict, frame_stream: bytes, rows_stream: bytes = ROWS) -> bytes:
    return _outcome_bytes({**OK_ONE_SHEET, "sheets": [meta]}) + frame_stream + rows_stream


FORGED = {
    "a length far over the budget": struct.pack("!Q", 2**62) + b"{}",
    "an outcome that is not JSON": struct.pack("!Q", 4) + b"\xff{[}",
    "an unknown outcome": _outcome_bytes({"kind": "exec", "peak_mib": 1.0}),
    "an outcome that is a list": _outcome_bytes(["ok"]),
    "an outcome nested beyond reason": struct.pack("!Q", 200_000) + b"[" * 100_000 + b"]" * 100_000,
    "peak as text": _outcome_bytes({"kind": "ok", "peak_mib": "1", "sheets": []}),
    "a refusal without parameters": _outcome_bytes({"kind": "rejected", "code": "x", "peak_mib": 1.0}),
    "headers that are not text": _ok(_meta([1]), TEXT),
    "headers unlike the columns": _ok(_meta(["b"]), TEXT),
    # two columns of one name would reach the pipeline as a frame where it expects a column
    "a header twice": _ok(_meta(["a", "a"]), pa.Table.from_arrays([pa.array(["x"]), pa.array(["y"])], ["a", "a"]),
                          pa.table({"row": pa.array([2], type=pa.int64())})),
    "more columns than the column limit (500)": _ok(_meta([f"c{i}" for i in range(501)]),
                                                    pa.table({f"c{i}": pa.array(["x"]) for i in range(501)}),
                                                    pa.table({"row": pa.array([2], type=pa.int64())})),
    # what the parent would build from the document, not the bytes sent, is what is bounded:
    # 33 MiB of text, over the 32 MiB an outcome may hold; 1,000,001 empty lists in 3 MB
    "an outcome over 32 MiB": _outcome_bytes({"kind": "error", "traceback": "x" * (33 * 1024**2)}),
    "an outcome of a million and one values": _outcome_bytes({"kind": "error", "traceback": "",
                                                              "padding": [[]] * 1_000_001}),
    "a number column in the frame": _ok(_meta(["a"]), pa.table({"a": pa.array([1, 2])})),
    "a dictionary column": _ok(_meta(["a"]), pa.table({"a": pa.array(["x", "y"]).dictionary_encode()})),
    "a compressed batch": _ok(_meta(["a"]), TEXT, compression="zstd"),
    "offsets that go back": _ok_raw(_meta(["a"]), BAD_OFFSETS, _stream(pa.table({"row": pa.array([2, 3, 4])}))),
    "text that is not UTF-8": _ok_raw(_meta(["a"]), BAD_UTF8, _stream(pa.table({"row": pa.array([2])}))),
    "fewer row numbers than rows": _ok(_meta(["a"]), TEXT, pa.table({"row": pa.array([2], type=pa.int64())})),
    "row numbers as text": _ok(_meta(["a"]), TEXT, pa.table({"row": pa.array(["2", "3"])})),
    "sections promised, not sent": _ok(_meta(["a"], sections=True), TEXT),
    "a header row that is a bool": _ok(_meta(["a"], header_row=True), TEXT),
    "an issue without a code": _ok(_meta(["a"], issues=[{"severity": "warning"}]), TEXT),
    "garbage instead of the frame": _outcome_bytes({"kind": "ok", "peak_mib": 1.0, "sheets": [_meta(["a"])]})
    + b"\xff\xff\xff\xff\x08\x00\x00\x00" + b"\x07" * 64,
}


@pytest.mark.parametrize("raw", list(FORGED.values()), ids=list(FORGED))
def test_a_forged_reply_is_refused(raw):
    with pytest.raises(sandbox._Malformed):
        _receive(raw)


def test_a_reply_larger_than_the_budget_is_refused_before_it_is_mapped():
    raw = _ok(_meta(["a"]), pa.table({"a": pa.array(["x" * 1000] * 100)}))  # a body of about 100 KB
    with pytest.raises(sandbox._Malformed, match="budget"):
        _receive(raw, budget=50_000)
    assert _receive(raw, budget=len(raw))[1][0].frame["a"].iloc[0] == "x" * 1000


@pytest.mark.parametrize("seals", [0, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW, fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK,
                                   fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK])
def test_a_reply_the_child_could_still_change_is_refused(seals):
    # unsealed against writing, the frame could change after its validation; against
    # shrinking, the parent's reads of the mapping would fault (SIGBUS: the server gone)
    fd = _memory_file(_reply({"kind": "ok", "peak_mib": 1.0}, [_sheet(False)]), seals)
    try:
        with pytest.raises(sandbox._Malformed, match="not sealed"):
            sandbox._mapped(fd, BUDGET)
    finally:
        os.close(fd)


def test_a_reply_that_is_not_a_memory_file_is_refused(tmp_path):
    path = tmp_path / "reply"
    path.write_bytes(_reply({"kind": "ok", "peak_mib": 1.0}, [_sheet(False)]))
    with open(path, "rb") as f, pytest.raises(sandbox._Malformed, match="not a sealable memory file"):
        sandbox._mapped(f.fileno(), BUDGET)


@pytest.mark.parametrize("cut", [0, 5, 8, 40, -200, -9, -1])
def test_a_reply_cut_short_is_refused(cut):
    # an honest child seals its reply only once it is whole; one cut anywhere is forged
    raw = _reply({"kind": "ok", "peak_mib": 1.0}, [_sheet(True)])
    with pytest.raises(sandbox._Malformed):
        _receive(raw[:cut] if cut >= 0 else raw[:len(raw) + cut])


def test_the_frame_is_read_where_the_reply_lies():
    # no copy of the payload in the parent: the frame's text is a slice of the mapped reply
    raw = _reply({"kind": "ok", "peak_mib": 1.0}, [_sheet(False)])
    fd = _memory_file(raw)
    try:
        reply = sandbox._mapped(fd, BUDGET)
        [sheet] = sandbox._receive_reply(reply, Limits())[1]
    finally:
        os.close(fd)
    text = pa.array(sheet.frame["学号"].array).buffers()[2]
    assert reply.address <= text.address and text.address + text.size <= reply.address + reply.size
    assert text.address % 8 == 0  # the outcome document is padded: the buffers lie aligned


def test_a_forged_reply_from_the_child_is_refused_and_the_parent_reads_on(tmp_path, monkeypatch):
    # a child taken over by a crafted file answers with a forged frame: the upload is refused
    # as too complex, and the next upload goes to a real child as before
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

    def child() -> None:
        with theirs:
            sandbox._receive(theirs)  # the request
            os.close(sandbox._receive_fd(theirs))  # the file
            fd = _memory_file(FORGED["offsets that go back"])
            socket.send_fds(theirs, [sandbox._FD_TAG], [fd])
            os.close(fd)

    thread = threading.Thread(target=child)
    thread.start()
    monkeypatch.setattr(sandbox, "_connect", lambda: mine)
    with pytest.raises(FileRejectedError) as info:
        sandbox.read_isolated(b"a,b\n1,2\n", "forged.csv", Limits())
    thread.join()
    assert info.value.code == "file-too-complex" and "forged.csv" in info.value.message("en")
    monkeypatch.undo()
    path = write_csv(tmp_path / "c.csv", [["学号", "成绩"], ["20240001", "80"]])
    [sheet] = sandbox.read_isolated(path.read_bytes(), path.name)
    assert sheet.frame.to_dict("list") == {"学号": ["20240001"], "成绩": ["80"]}


def test_the_frame_arrives_as_arrow_backed_text():
    [sheet] = _receive(_reply({"kind": "ok", "peak_mib": 1.0}, [_sheet(False)]))[1]
    assert all(isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" for dtype in sheet.frame.dtypes)


def test_a_reply_over_the_row_limit_is_refused_before_it_is_unpacked():
    # the reader refuses a sheet of more than max_rows data rows, so a reply holding more
    # comes from a forged child: 3 rows against a limit of 2 (the default's 2,000,000 alike)
    raw = _ok(_meta(["a"]), pa.table({"a": pa.array(["x", "y", "z"])}))
    with pytest.raises(sandbox._Malformed, match="row limit"):
        _receive(raw, limits=Limits(max_rows=2))
    assert len(_receive(raw, limits=Limits(max_rows=3))[1][0].row_numbers) == 3


def test_a_file_name_that_is_not_utf8_comes_back_as_it_went():
    # a path given on the command line whose bytes are not UTF-8 arrives as a str with lone
    # surrogates ("b\udcff.csv" for b"b\xff.csv"); the reply carries it back, not a refusal
    name = "b\udcff.csv"
    [sheet] = sandbox.read_isolated(b"a,b\n1,2\n", name, Limits())
    assert sheet.file_name == name and sheet.frame.to_dict("list") == {"a": ["1"], "b": ["2"]}


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv"])
def test_a_zero_byte_upload_is_always_empty_never_too_complex(name):
    # many reads at once, as under load: every one is 'file-empty' (a zero-byte payload sent
    # after its length header once broke the pipe to a child that had answered already)
    with ThreadPoolExecutor(max_workers=3) as pool:
        readings = list(pool.map(lambda _: sandbox.read_measured(b"", name), range(60)))
    assert {r.refused.code for r in readings} == {"file-empty"}


def _passed(msg: bytes, count: int):
    """What ``_receive_fd`` makes of ``msg`` sent with ``count`` descriptors, and how many more
    descriptors are open after it (none may leak in the server; each count includes the
    listing's own)."""
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fds = [_memory_file(b"x") for _ in range(count)]
    with mine, theirs:
        if msg or fds:
            socket.send_fds(theirs, [msg], fds)
        theirs.shutdown(socket.SHUT_WR)
        before = len(os.listdir("/proc/self/fd"))
        try:
            return sandbox._receive_fd(mine), len(os.listdir("/proc/self/fd")) - before
        except (sandbox._Malformed, EOFError) as e:
            return type(e), len(os.listdir("/proc/self/fd")) - before
        finally:
            for fd in fds:
                os.close(fd)


@pytest.mark.parametrize(("msg", "count", "outcome"), [
    (b"", 0, EOFError),  # the child closed without a reply: it died
    (b"m", 0, sandbox._Malformed),  # the tag without a memory file
    (b"x", 1, sandbox._Malformed),  # a memory file under another tag
    (b"m", 2, sandbox._Malformed),  # two where one is expected (the second closed by the kernel)
])
def test_a_reply_message_other_than_one_memory_file_is_refused(msg, count, outcome):
    got, opened = _passed(msg, count)
    assert got is outcome and opened == 0


def test_one_memory_file_under_its_tag_is_received():
    fd, opened = _passed(sandbox._FD_TAG, 1)
    try:
        assert opened == 1 and os.pread(fd, 1, 0) == b"x"
    finally:
        os.close(fd)
