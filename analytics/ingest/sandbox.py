"""Read an uploaded file in a child process that cannot take the server down.

Why: the workbook reader (calamine, in Rust) aborts the whole process when an allocation
fails and panics on some cell values; a file of a few KB can ask it for hundreds of GB.
In the Streamlit server that would end every session. So :func:`read_isolated` runs
:func:`analytics.ingest.read.read_file` in a child process:

* a small fork server (``python -m analytics.ingest.sandbox``, started once per process,
  with the readers imported) forks one child per file, so one file's crash never touches
  another session's read and no state leaks from one file to the next;
* the child caps its address space (``RLIMIT_AS``: its size at the fork plus
  ``Limits.max_memory``), its CPU time (``RLIMIT_CPU``: ``Limits.max_seconds``) and each file
  it writes (``RLIMIT_FSIZE``: the reply budget, for the memory files the first cap misses);
* there, a workbook is parsed while its safety scan runs (``read_file(early=True)``); a child
  that dies doing so is asked again scan-first, so a file the scan refuses keeps its message;
* the file goes to the child in a memory file (``memfd``) passed over the socket after a JSON
  header, and the sheets come back in another, which the child seals (no write, grow or
  shrink) before passing it: neither side copies the payload through the socket, and the
  parent reads the reply where it lies (mapped read-only; the frame's text buffers are slices
  of it). The reply is data only, never pickled (a pickle from a child that a crafted file
  took over would run code in the server): a JSON document (outcome, headers, issues …) and,
  per sheet, two Arrow IPC streams (the frame's string columns; the row numbers and sections).
  What arrives is checked before use (the seals, a size budget, the schema,
  ``validate(full=True)``, the JSON's types); a child that dies (an abort, a segfault, the
  memory or CPU cap) or sends anything malformed becomes a :class:`FileRejectedError` with a
  zh/en message (``file-too-complex`` / ``file-too-slow``).

The fork server exits when the process that started it goes away (its control socket
closes). The cost per file is measured in ``benchmarks/bench_import.py``.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import mmap
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from analytics.errors import FileRejectedError
from analytics.ingest.issues import Issue
from analytics.ingest.read import Limits, RawSheet, parses_early, read_file

_HEADER = struct.Struct("!Q")
_FD_TAG = b"m"  # the byte that carries a memory file's descriptor over the socket
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding ``analytics``
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_server: _Server | None = None


@dataclass(frozen=True)
class Reading:
    """What a child read: the sheets or why the file was refused, and how much the child's
    memory grew (MiB, peak over its start; None when the child did not live to say)."""

    sheets: list[RawSheet]
    peak_mib: float | None
    refused: FileRejectedError | None = None


def read_isolated(data: bytes, file_name: str, limits: Limits | None = None) -> list[RawSheet]:
    """The sheets of ``data`` as :func:`read_file` gives them, read where a crash is harmless;
    a refusal (the reader's, or the sandbox's own) is raised as :class:`FileRejectedError`."""
    reading = read_measured(data, file_name, limits)
    if reading.refused is not None:
        raise reading.refused
    return reading.sheets


def read_measured(data: bytes, file_name: str, limits: Limits | None = None) -> Reading:
    """Read ``data`` (an upload named ``file_name``) in a capped child process; see the module doc.

    The child parses a workbook while its safety scan runs (``read_file(early=True)``). If
    that child dies, the early parse may have crashed on a file the scan would have refused
    with a message of its own, so the file is read once more, scan first: the outcome is the
    scan's message, or the same death."""
    limits = limits or Limits()
    try:
        return _read_in_child(data, file_name, limits, early=True)
    except FileRejectedError as e:  # the child died, or ran out of time
        if e.code != "file-too-complex" or not parses_early(data):
            return Reading([], None, e)
    try:
        return _read_in_child(data, file_name, limits, early=False)
    except FileRejectedError as e:
        return Reading([], None, e)


def _read_in_child(data: bytes, file_name: str, limits: Limits, *, early: bool) -> Reading:
    try:
        conn = _connect()
    except OSError as e:  # no fork server could be started or reached
        raise _too_complex(file_name, limits) from e
    # A backstop for a child stuck off the CPU (the CPU cap stops one that computes).
    conn.settimeout(limits.max_seconds * 2 + 30)
    started = time.monotonic()
    try:
        try:
            request = json.dumps({"name": file_name, "limits": dataclasses.asdict(limits), "early": early}).encode()
            _send(conn, request)
            _send_upload(conn, data)
            outcome, sheets = _receive_reply(_reply_buffer(conn, _reply_budget(limits)), limits)
        except TimeoutError as e:
            raise FileRejectedError("file-too-slow", file=file_name, seconds=limits.max_seconds) from e
        except (EOFError, OSError) as e:
            # The child died: killed at its CPU cap (it ran at least that long), or aborted
            # by the memory cap or a crash in a native reader.
            if time.monotonic() - started >= limits.max_seconds:
                raise FileRejectedError("file-too-slow", file=file_name, seconds=limits.max_seconds) from e
            raise _too_complex(file_name, limits) from e
        except _Malformed as e:  # not what an honest child sends: refused, the server unharmed
            _log.error("the reader child's reply for %s was malformed: %s", file_name, e)
            raise _too_complex(file_name, limits) from e
    finally:
        conn.close()
    kind = outcome["kind"]
    if kind == "ok":
        return Reading(sheets, outcome["peak_mib"])
    if kind == "rejected":
        return Reading([], outcome["peak_mib"], FileRejectedError(outcome["code"], **outcome["params"]))
    if kind == "cpu":
        raise FileRejectedError("file-too-slow", file=file_name, seconds=limits.max_seconds)
    if kind == "error":
        _log.error("reading %s failed in the sandbox:\n%s", file_name, outcome["traceback"])
    raise _too_complex(file_name, limits)


def _too_complex(file_name: str, limits: Limits) -> FileRejectedError:
    return FileRejectedError("file-too-complex", file=file_name, limit_mb=f"{limits.max_memory / 1024**2:.0f}")


# --- the parent side ---------------------------------------------------------------------


class _Server:
    """The fork server process and the control socket that hands it one socket per read."""

    def __init__(self) -> None:
        control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "analytics.ingest.sandbox", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )
        theirs.close()
        self.control = control

    def alive(self) -> bool:
        return self.process.poll() is None

    def open(self) -> socket.socket:
        """A socket connected to a new child of the server, ready for one request."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            socket.send_fds(self.control, [b"r"], [theirs.fileno()])
        finally:
            theirs.close()
        return mine


def start() -> None:
    """Start the fork server now, in the background, unless it runs already: its start-up
    (importing the readers, about a second) then overlaps the caller's own work, such as
    the CLI importing the pipeline and opening the database, instead of delaying the first read."""
    global _server
    with _lock:
        if _server is None or not _server.alive():
            _server = _Server()


def _connect() -> socket.socket:
    """A connection to a fresh reader child, (re)starting the fork server when needed."""
    global _server
    with _lock:
        for _ in range(2):
            if _server is None or not _server.alive():
                _server = _Server()
            try:
                return _server.open()
            except OSError:
                _server.process.kill()
                _server = None
        raise OSError("the reader's fork server could not be reached")


def _send(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(_HEADER.pack(len(payload)) + payload)


def _send_upload(conn: socket.socket, data: bytes) -> None:
    """The upload, written once into a memory file whose descriptor goes over ``conn``."""
    fd = os.memfd_create("upload", os.MFD_CLOEXEC)
    try:
        with open(fd, "wb", buffering=0, closefd=False) as out:
            out.write(data)
        socket.send_fds(conn, [_FD_TAG], [fd])
    finally:
        os.close(fd)


def _receive_fd(conn: socket.socket) -> int:
    """The one descriptor the other side passes next (with its one-byte tag); EOFError when it
    closed instead, :class:`_Malformed` when the message is not one tag with one descriptor."""
    msg, fds, flags, _addr = socket.recv_fds(conn, 1, 1)
    if not msg and not fds:
        raise EOFError("the other side closed the connection")
    # more descriptors than the one asked for: the kernel closed the rest and says so (MSG_CTRUNC)
    if msg != _FD_TAG or len(fds) != 1 or flags & socket.MSG_CTRUNC:
        for fd in fds:
            os.close(fd)
        raise _Malformed(f"a message {msg!r} with {len(fds)} descriptors, not one memory file")
    return fds[0]


def _receive_upload(conn: socket.socket) -> tuple[bytes, int]:
    """The upload's bytes and its memory file, left open: the parent closed its own descriptor
    once it sent it, so nothing can change the file while the child reads it from there."""
    fd = _receive_fd(conn)
    with open(fd, "rb", buffering=0, closefd=False) as upload:
        upload.seek(0)  # the parent's writes left the shared file offset at the end
        return upload.readall(), fd


def _receive(conn: socket.socket) -> bytes:
    (size,) = _HEADER.unpack(_exactly(conn, _HEADER.size))
    return _exactly(conn, size)


def _exactly(conn: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = conn.recv_into(view[got:], size - got)
        if n == 0:
            raise EOFError("the reader child closed the connection")
        got += n
    return bytes(buf)


# --- the reply: JSON and Arrow IPC, checked before use -------------------------------------


class _Malformed(Exception):
    """The child's reply is not one an honest child sends (bad sizes, schema, types or data)."""


def _reply_budget(limits: Limits) -> int:
    """The most bytes a reply may hold: more than the child's memory cap lets it build (its
    sheets live in that memory), far less than a forged size could make the parent map."""
    return limits.max_memory + limits.max_bytes + 256 * 1024**2


_SEALED = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK


def _reply_buffer(conn: socket.socket, budget: int) -> pa.Buffer:
    """The reply the child passes over ``conn``, mapped read-only (see :func:`_mapped`)."""
    fd = _receive_fd(conn)
    try:
        return _mapped(fd, budget)
    finally:
        os.close(fd)


def _mapped(fd: int, budget: int) -> pa.Buffer:
    """The memory file ``fd`` as one read-only buffer, refused unless it is sealed against
    writing, growing and shrinking (what the parent reads can then not change under it, nor
    shrink and fault its reads) and holds at most ``budget`` bytes."""
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    except OSError as e:  # not a memory file
        raise _Malformed(f"the reply is not a sealable memory file: {e}") from e
    if seals & _SEALED != _SEALED:
        raise _Malformed(f"the reply is not sealed (seals {seals:#x})")
    size = os.fstat(fd).st_size
    if size > budget:
        raise _Malformed(f"a reply of {size} bytes, over the budget of {budget}")
    if size == 0:
        return pa.py_buffer(b"")
    return pa.py_buffer(mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ))


# The outcome document is small for an honest child (headers, title lines and a few issues per
# sheet; row lists are cut at 20 by the reader), but the parent builds Python objects from it:
# a forged "[[],[],…]" costs some 24 bytes of memory per byte sent. So its size and the number
# of values in it (each one a comma or a bracket) are bounded before it is parsed: at most
# about 32 MiB of text and a million values, a few hundred MB however it is made.
_OUTCOME_BYTES = 32 * 1024**2
_OUTCOME_VALUES = 1_000_000


def _receive_reply(reply: pa.Buffer, limits: Limits) -> tuple[dict[str, Any], list[RawSheet]]:
    """The outcome document and, when it says "ok", the sheets that follow it (each within
    ``limits``' rows and columns, as the reader that made them enforced)."""
    stream = pa.BufferReader(reply)
    (size,) = _HEADER.unpack(_read(stream, _HEADER.size))
    if size > _OUTCOME_BYTES:
        raise _Malformed(f"an outcome of {size} bytes")
    document = _read(stream, size)
    if document.count(b",") + document.count(b"[") + document.count(b"{") > _OUTCOME_VALUES:
        raise _Malformed("an outcome of more than a million values")
    try:
        outcome = json.loads(document)
    except (ValueError, RecursionError) as e:  # not JSON, not UTF-8, or nested beyond reason
        raise _Malformed(f"the outcome is not JSON: {type(e).__name__}") from e
    kind = _field(outcome, "kind", str)
    if kind == "ok":
        _field(outcome, "peak_mib", float)
        return outcome, [_receive_sheet(stream, meta, limits) for meta in _field(outcome, "sheets", list)]
    if kind == "rejected":
        _field(outcome, "code", str), _field(outcome, "params", dict), _field(outcome, "peak_mib", float)
    elif kind == "error":
        _field(outcome, "traceback", str)
    elif kind not in ("memory", "cpu"):
        raise _Malformed(f"unknown outcome {kind!r}")
    return outcome, []


def _read(stream: pa.BufferReader, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise _Malformed(f"the reply ends {size - len(data)} bytes early")
    return data


def _field(doc: object, key: str, kind: type | tuple[type, ...]) -> Any:
    """``doc[key]``, refused unless ``doc`` is a JSON object and the value is of ``kind``
    (an int stands for a float; a bool is never an int)."""
    if not isinstance(doc, dict) or key not in doc:
        raise _Malformed(f"{key!r} is missing")
    value = doc[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds and type(value) is int:
        return value
    if type(value) is bool and bool not in kinds or not isinstance(value, kinds):
        raise _Malformed(f"{key!r} is {type(value).__name__}, not {kinds}")
    return value


def _strings(doc: dict, key: str) -> list[str]:
    values = _field(doc, key, list)
    if not all(type(v) is str for v in values):
        raise _Malformed(f"{key!r} holds a non-string")
    return values


_TEXT_TYPES = (pa.string(), pa.large_string())
_WIRE_TYPES = (*_TEXT_TYPES, pa.int64())


def _receive_table(stream: pa.BufferReader) -> pa.Table:
    """One Arrow IPC stream of flat text and int64 columns, read message by message (its
    buffers slices of the reply, not copies) and fully validated (offsets in bounds, UTF-8
    text), so a forged buffer cannot make a later read in the parent run off its memory.
    Dictionary and compressed batches are refused before they are decoded: the child sends
    neither, and a compressed body declares its own decompressed size, which the byte budget
    could not bound."""
    try:
        reader = pa.ipc.MessageReader.open_stream(stream)
        first = reader.read_next_message()
        if first.type != "schema":
            raise _Malformed(f"the stream starts with a {first.type} message")
        schema = pa.ipc.read_schema(first)
        if any(t not in _WIRE_TYPES for t in schema.types):
            raise _Malformed(f"column types {schema.types} are not text or int64")
        batches = []
        for message in reader:
            if message.type != "record batch" or _compressed(message.metadata):
                raise _Malformed(f"a {message.type} message (compressed or not a record batch)")
            batches.append(pa.ipc.read_record_batch(message, schema))
        table = pa.Table.from_batches(batches, schema)
        table.validate(full=True)
    except StopIteration as e:
        raise _Malformed("the reply ends before its tables") from e
    except (pa.ArrowException, OSError, MemoryError, struct.error) as e:
        raise _Malformed(f"not a valid Arrow stream: {e}") from e
    return table.replace_schema_metadata(None)


def _compressed(metadata: pa.Buffer) -> bool:
    """Whether an IPC record batch message (its flatbuffer ``Message``) declares a body
    compression: ``Message.header`` (field 2) is a ``RecordBatch`` whose field 3 is set."""
    buf = memoryview(metadata)
    message = _table_at(buf, 0)
    header = _field_offset(buf, message, 2)
    if header == 0:
        raise _Malformed("a record batch message without a header")
    batch = _table_at(buf, message + header)
    return _field_offset(buf, batch, 3) != 0


def _table_at(buf: memoryview, at: int) -> int:
    """The flatbuffer table that the unsigned offset stored at ``at`` points to."""
    (offset,) = struct.unpack_from("<I", buf, at)
    return at + offset


def _field_offset(buf: memoryview, table: int, index: int) -> int:
    """The offset (0: absent) of field ``index`` in the flatbuffer table at ``table``."""
    (back,) = struct.unpack_from("<i", buf, table)
    vtable = table - back
    if vtable < 0:
        raise _Malformed("a vtable before the buffer")
    (size,) = struct.unpack_from("<H", buf, vtable)
    slot = 4 + 2 * index
    return struct.unpack_from("<H", buf, vtable + slot)[0] if slot + 2 <= size else 0


def _receive_sheet(stream: pa.BufferReader, meta: object, limits: Limits) -> RawSheet:
    """A sheet from its JSON ``meta`` and the two tables that follow: the frame's columns
    (named by the headers: distinct, text only, at most ``max_columns``) and the rows (``row``,
    and ``section`` when the sheet has sections; at most ``max_rows``), checked before the
    parent turns them into pandas and Python objects."""
    headers = _strings(meta, "headers")
    if len(set(headers)) != len(headers) or len(headers) > limits.max_columns:
        raise _Malformed("headers repeated or over the column limit")
    has_sections = _field(meta, "sections", bool)
    frame = _receive_table(stream)
    rows = _receive_table(stream)
    if frame.column_names != headers or any(t not in _TEXT_TYPES for t in frame.schema.types):
        raise _Malformed("the frame's columns are not the headers' text columns")
    if frame.num_rows > limits.max_rows:
        raise _Malformed(f"{frame.num_rows} rows, over the row limit")
    names = ["row", "section"] if has_sections else ["row"]
    if rows.column_names != names or rows.num_rows != frame.num_rows or rows.schema.types[0] != pa.int64() \
            or has_sections and rows.schema.types[1] not in _TEXT_TYPES:
        raise _Malformed("the rows do not match the frame")
    issues = []
    for item in _field(meta, "issues", list):
        issues.append(Issue(
            _field(item, "code", str), _field(item, "severity", str), _field(item, "row", (int, type(None))),
            _field(item, "column", (str, type(None))), _field(item, "value", (str, type(None))),
            _field(item, "params", dict),
        ))
    return RawSheet(
        name=_field(meta, "name", str), headers=headers, frame=frame.to_pandas(),
        row_numbers=rows.column("row").to_pylist(), header_row=_field(meta, "header_row", int),
        title_lines=_strings(meta, "title_lines"), hidden=_field(meta, "hidden", bool), issues=issues,
        sections=rows.column("section").to_pylist() if has_sections else None,
        file_name=_field(meta, "file_name", str),
    )


def _send_reply(stream: BinaryIO, outcome: dict[str, Any], sheets: Sequence[RawSheet] = ()) -> None:
    """Write ``outcome`` (JSON) and each sheet's two tables; the tables are built before a byte
    is written, so a failure here sends an "error" outcome instead of half a reply."""
    tables = []
    for sheet in sheets:
        frame = pa.Table.from_pandas(sheet.frame, preserve_index=False).replace_schema_metadata(None)
        rows = {"row": pa.array(sheet.row_numbers, type=pa.int64())}
        if sheet.sections is not None:
            rows["section"] = pa.array(sheet.sections, type=pa.string())
        tables.append((frame, pa.table(rows)))
    if sheets:
        outcome = {**outcome, "sheets": [_sheet_meta(s) for s in sheets]}
    # ASCII escapes: a file name from the command line may hold lone surrogates (bytes that
    # are not UTF-8), which JSON carries as \udcxx but UTF-8 cannot encode. Padded with spaces
    # to a multiple of 8 bytes, so the Arrow buffers after it lie 8-byte aligned in the reply.
    document = json.dumps(outcome, default=_plain).encode()
    document += b" " * (-(_HEADER.size + len(document)) % 8)
    stream.write(_HEADER.pack(len(document)))
    stream.write(document)
    for pair in tables:
        for table in pair:
            with pa.ipc.new_stream(stream, table.schema) as writer:
                writer.write_table(table)
    stream.flush()


def _plain(value: object) -> object:
    """A JSON-ready stand-in for a value json cannot write: a NumPy number as the Python one
    (a row number must arrive as an int), anything else as its text."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)


def _sheet_meta(sheet: RawSheet) -> dict[str, Any]:
    return {
        "name": sheet.name, "headers": sheet.headers, "header_row": sheet.header_row,
        "title_lines": sheet.title_lines, "hidden": sheet.hidden, "sections": sheet.sections is not None,
        "file_name": sheet.file_name, "issues": [dataclasses.asdict(i) for i in sheet.issues],
    }


# --- the server and child side -----------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


_WARM_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>'
    b'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row></sheetData></worksheet>'
)


def _warm() -> None:
    """Read a small CSV and xlsx once in the server, so each child starts with the readers'
    lazy imports and first-use set-up done (about 0.1 s a file otherwise)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("xl/workbook.xml", b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                    b'<sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                    b'2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://'
                    b'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", _WARM_SHEET)
    for data, name in ((buf.getvalue(), "warm.xlsx"), ("学号,姓名\n1,张三\n".encode(), "warm.csv")):
        try:
            read_file(data, file_name=name)
        except FileRejectedError:
            pass


def _serve(control: socket.socket) -> None:
    """Fork one child per socket received on ``control``; return when ``control`` closes."""
    _warm()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(control, 16, 4)
        except InterruptedError:
            continue
        if not msg:
            return
        for fd in fds:
            if os.fork() == 0:
                status = 1
                try:
                    control.close()
                    _child(socket.socket(fileno=fd))
                    status = 0
                finally:
                    os._exit(status)
            os.close(fd)


def _child(conn: socket.socket) -> None:
    """Read the one file sent over ``conn`` under the memory and CPU caps; send back the outcome."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    request = json.loads(_receive(conn))
    data, upload = _receive_upload(conn)
    name, limits, early = request["name"], Limits(**request["limits"]), request["early"]
    _cap(limits)
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts from the current RSS
    before = _status_kib("VmRSS")
    sheets: list[RawSheet] = []
    try:
        sheets = read_file(data, file_name=name, limits=limits, early=early, copy_at=f"/proc/self/fd/{upload}")
        del data
        outcome: dict[str, Any] = {"kind": "ok", "peak_mib": (_status_kib("VmHWM") - before) / 1024}
    except FileRejectedError as e:
        outcome = {"kind": "rejected", "code": e.code, "params": e.params,
                   "peak_mib": (_status_kib("VmHWM") - before) / 1024}
    except MemoryError:
        outcome = {"kind": "memory"}
    except _OutOfTime:
        outcome = {"kind": "cpu"}
    except Exception:  # a bug in a reader: refused here, its traceback kept for the log
        outcome = {"kind": "error", "traceback": traceback.format_exc()}
    os.close(upload)
    try:
        reply = _sealed_reply(outcome, sheets)
    except Exception:  # a sheet that cannot be sent (a bug): refused, with the reason
        reply = _sealed_reply({"kind": "error", "traceback": traceback.format_exc()})
    socket.send_fds(conn, [_FD_TAG], [reply])
    conn.close()


def _cap(limits: Limits) -> None:
    """The child's caps: its address space (its size now plus ``max_memory``), its CPU time, and
    each file it writes (the CSV handed to DuckDB, the reply) at the reply budget, which the
    address-space cap does not cover (a memory file's pages are not mapped in its writer). A
    write past it fails (SIGXFSZ ignored: EFBIG) and the read ends as an error, refused as too
    complex, instead of filling the machine's memory."""
    size = _status_kib("VmSize") * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + limits.max_memory, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.max_seconds, limits.max_seconds + 5))
    signal.signal(signal.SIGXCPU, _out_of_time)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as Python starts: said here, since the cap relies on it
    budget = _reply_budget(limits)
    resource.setrlimit(resource.RLIMIT_FSIZE, (budget, budget))


def _sealed_reply(outcome: dict[str, Any], sheets: Sequence[RawSheet] = ()) -> int:
    """A memory file holding the reply (:func:`_send_reply`), sealed as the parent requires."""
    fd = os.memfd_create("reply", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        with open(fd, "wb", closefd=False) as stream:
            _send_reply(stream, outcome, sheets)
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALED | fcntl.F_SEAL_SEAL)
    except BaseException:
        os.close(fd)
        raise
    return fd


class _OutOfTime(BaseException):
    """Raised in the child by SIGXCPU (its CPU time is used up)."""


def _out_of_time(signum: int, frame: object) -> None:
    raise _OutOfTime


if __name__ == "__main__":
    _serve(socket.socket(fileno=int(sys.argv[1])))
