"""Writing a file so that it is either all there or not there: the one way the kiosk does it.

Every file the kiosk replaces or creates whole (the counters, their CSV export, the staff PIN
hash, an .eml in the demo's mail folder, the outbox key) goes through ``atomic_write``:

1. the bytes go to a new temporary file in the same folder (``.NAME.XXXXXXXX.tmp``, created
   0600 by ``tempfile.mkstemp``, so no one else can read it while it is being written);
2. flushed and fsync'ed, so they are on the disk before the name points at them;
3. given their final mode;
4. moved over the old file with ``os.replace`` (one step on POSIX and Windows: a reader, or
   the kiosk after a power cut, sees the old file or the new one, never half of either); or,
   with ``exclusive=True``, hard-linked to the name, which fails if the name exists;
5. the folder is fsync'ed, so the new name survives a power cut too (POSIX; Windows has no
   folder fsync).

On any failure (a full disk, a missing folder, a write that raises) the temporary file is
removed, the old file is left as it was, and the error is raised to the caller. Folders are
not created here: each caller knows what mode its folder needs.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

_O_BINARY: int = getattr(os, "O_BINARY", 0)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600, exclusive: bool = False) -> None:
    """Replace (or create) ``path`` with ``data`` in one step, with file mode ``mode``.

    ``exclusive``: never replace an existing file; raise FileExistsError instead (two
    processes creating the same file at once agree on one of them). Where the file system
    has no hard links, the file is then created in place with ``O_EXCL``: still exclusive,
    still never half-written as seen by the name's other writers, but a power cut during the
    write may leave it short.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            _link(tmp, path, data, mode)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if exclusive:
        tmp.unlink(missing_ok=True)  # the name now has its own link to the data
    fsync_dir(path.parent)


def _link(tmp: Path, path: Path, data: bytes, mode: int) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (some network and FAT file systems): create the name itself.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make the folder's entries (a new or renamed file) durable. Best effort: POSIX only, and
    a file system that cannot fsync a folder is not an error (the file itself is in place)."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
