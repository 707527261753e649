"""Read an uploaded file in a child process that cannot take the server down.

Why: the workbook reader (calamine, in Rust) aborts the whole process when an allocation
fails and panics on some cell values; a file of a few KB can ask it for hundreds of GB.
In the Streamlit server that would end every session. So :func:`read_isolated` runs
:func:`analytics.ingest.read.read_file` in a child process:

* a small fork server (``python -m analytics.ingest.sandbox``, started once per process,
  with the readers imported) forks one child per file, so one file's crash never touches
  another session's read and no state leaks from one file to the next;
* the child caps its address space (``RLIMIT_AS``: its size at the fork plus
  ``Limits.max_memory``) and its CPU time (``RLIMIT_CPU``: ``Limits.max_seconds``);
* the sheets come back pickled over a socket pair. A child that dies (an abort, a
  segfault, the memory or CPU cap) becomes a :class:`FileRejectedError` with a zh/en
  message (``file-too-complex`` / ``file-too-slow``).

The fork server exits when the process that started it goes away (its control socket
closes). The cost per file is measured in ``benchmarks/bench_import.py``.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import FileRejectedError
from analytics.ingest.read import Limits, RawSheet, read_file

_HEADER = struct.Struct("!Q")
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
    """Read ``data`` (an upload named ``file_name``) in a capped child process; see the module doc."""
    try:
        return _read_in_child(data, file_name, limits or Limits())
    except FileRejectedError as e:  # the child died, or ran out of time
        return Reading([], None, e)


def _read_in_child(data: bytes, file_name: str, limits: Limits) -> Reading:
    try:
        conn = _connect()
    except OSError as e:  # no fork server could be started or reached
        raise _too_complex(file_name, limits) from e
    # A backstop for a child stuck off the CPU (the CPU cap stops one that computes).
    conn.settimeout(limits.max_seconds * 2 + 30)
    started = time.monotonic()
    try:
        try:
            _send(conn, pickle.dumps((data, file_name, limits), protocol=pickle.HIGHEST_PROTOCOL))
            outcome = pickle.loads(_receive(conn))
        except TimeoutError as e:
            raise FileRejectedError("file-too-slow", file=file_name, seconds=limits.max_seconds) from e
        except (EOFError, OSError, pickle.UnpicklingError) as e:
            # The child died: killed at its CPU cap (it ran at least that long), or aborted
            # by the memory cap or a crash in a native reader.
            if time.monotonic() - started >= limits.max_seconds:
                raise FileRejectedError("file-too-slow", file=file_name, seconds=limits.max_seconds) from e
            raise _too_complex(file_name, limits) from e
    finally:
        conn.close()
    kind = outcome[0]
    if kind == "ok":
        return Reading(outcome[1], outcome[2])
    if kind == "rejected":
        return Reading([], outcome[3], FileRejectedError(outcome[1], **outcome[2]))
    if kind == "cpu":
        raise FileRejectedError("file-too-slow", file=file_name, seconds=limits.max_seconds)
    if kind == "error":
        _log.error("reading %s failed in the sandbox:\n%s", file_name, outcome[1])
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
    conn.sendall(_HEADER.pack(len(payload)))
    conn.sendall(payload)


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
    data, name, limits = pickle.loads(_receive(conn))
    size = _status_kib("VmSize") * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + limits.max_memory, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.max_seconds, limits.max_seconds + 5))
    signal.signal(signal.SIGXCPU, _out_of_time)
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts from the current RSS
    before = _status_kib("VmRSS")
    try:
        sheets = read_file(data, file_name=name, limits=limits)
        del data
        payload = pickle.dumps(("ok", sheets, (_status_kib("VmHWM") - before) / 1024),
                               protocol=pickle.HIGHEST_PROTOCOL)
    except FileRejectedError as e:
        payload = pickle.dumps(("rejected", e.code, e.params, (_status_kib("VmHWM") - before) / 1024))
    except MemoryError:
        payload = pickle.dumps(("memory",))
    except _OutOfTime:
        payload = pickle.dumps(("cpu",))
    except Exception:  # a bug in a reader: refused here, its traceback kept for the log
        payload = pickle.dumps(("error", traceback.format_exc()))
    _send(conn, payload)
    conn.close()


class _OutOfTime(BaseException):
    """Raised in the child by SIGXCPU (its CPU time is used up)."""


def _out_of_time(signum: int, frame: object) -> None:
    raise _OutOfTime


if __name__ == "__main__":
    _serve(socket.socket(fileno=int(sys.argv[1])))
