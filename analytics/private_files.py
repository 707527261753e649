"""Files only the service user may read (settings, the users file, the export key): one way to write them.

Each is written whole to a temporary file beside its target (mode 0600, whatever the umask),
flushed to disk and then put in place in one step, so a reader never sees half a file: not
another session of the same server starting at the same moment, not the CLI, not a crash
halfway through (SECURITY.md).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: str | os.PathLike[str], text: str, *, replace: bool = True,
                  encoding: str = "utf-8") -> bool:
    """Write ``text`` to ``path`` (mode 0600) all at once; True when this call wrote it.

    ``replace=False`` creates the file only if it does not exist yet: when another process
    creates it first, theirs is kept and False is returned (two sessions creating the default
    settings at once both go on, reading the same file). Raises ``OSError`` when the directory
    cannot be written.
    """
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, target)
            return True
        try:
            os.link(tmp, target)  # atomic and exclusive: fails when the target exists
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: exclusive, though not all at once
            return _create_exclusive(target, text, encoding)
        return True
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _create_exclusive(target: Path, text: str, encoding: str) -> bool:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding=encoding) as fh:
        fh.write(text)
    return True
