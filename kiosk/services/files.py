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
not created here: each caller makes its folder with ``private_dir``.

Every file the kiosk writes is 0600 in a 0700 folder (DESIGN.md, "Privacy and clinical
safety"), whatever an older version or a hand left there: ``private_dir`` makes a folder, or
tightens one that exists, to 0700; ``private_file`` tightens an existing file to 0600 (both
live in ``kiosk.core.private``, so that ``kiosk.runtime`` uses them too, and are named here
for the services); ``delete_older_than`` and ``TimedFiles`` clear what the demo keeps only
for an hour.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from kiosk.core.private import private_dir as private_dir
from kiosk.core.private import private_file as private_file

#: Windows opens files as text unless told otherwise (0 elsewhere).
O_BINARY: int = getattr(os, "O_BINARY", 0)


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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_BINARY, mode)
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


def delete_older_than(
    folder: Path, pattern: str, max_age_s: float, *, now: float | None = None
) -> int:
    """Delete the files in ``folder`` whose names match ``pattern`` (a glob) and that were
    last written more than ``max_age_s`` seconds before ``now`` (default: the wall clock);
    returns how many. Only plain files, never a folder or a link's target; a file that
    vanishes meanwhile or cannot be deleted is left (the next round tries again)."""
    now = time.time() if now is None else now
    removed = 0
    try:
        candidates = list(Path(folder).glob(pattern))
    except OSError:
        return 0
    for path in candidates:
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > max_age_s:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


class TimedFiles(NamedTuple):
    """One kind of file the demo keeps only for a while (its prints, its emails): the glob
    that matches its names and nothing else's, and how long one is kept. The demo's folders
    stand in for a printer and a mail server, so what lands there is a patient's summary."""

    glob: str
    keep_s: float = 3600.0

    def expire(self, folder: Path, *, now: float | None = None) -> int:
        """Delete those in ``folder`` older than ``keep_s``, and the half-written ones a
        job killed while writing left (``atomic_write``'s ``.NAME.XXXX.tmp``); returns how
        many."""
        return sum(
            delete_older_than(folder, glob, self.keep_s, now=now)
            for glob in (self.glob, f".{self.glob}.*.tmp")
        )


#: The demo's printed summaries (``PdfFolder``): ``summary-<random>.pdf``, kept an hour.
DEMO_PRINTS = TimedFiles("summary-*.pdf")
#: The demo's emails (``EmlFolder``): ``<UTC time>Z-<uuid>.eml``, kept an hour.
DEMO_EMAILS = TimedFiles("*Z-*.eml")
