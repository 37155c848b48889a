"""The kiosk's files are its user's alone: folders 0700, files 0600 (DESIGN.md, "Privacy
and clinical safety"), whatever an older version or a hand left there.

Whoever makes a folder or opens a file of the kiosk's goes through these two, instead of a
``mkdir`` and a ``chmod`` of its own: ``private_dir`` makes a folder, or tightens one that
exists, to 0700; ``private_file`` tightens an existing file to 0600. The services know them
as ``kiosk.services.files.private_dir`` and ``private_file``; ``kiosk.runtime`` (the logs)
imports them from here. On Windows file modes mean little (the user's profile folder is
private by its ACL): the chmods are skipped there.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

#: Told of each file or folder tightened: its path and the mode it had (for a log line).
Said = Callable[[Path, int], None]


def private_dir(path: Path, *, said: Said | None = None) -> Path:
    """``path`` as a folder only its owner can open (0700), made with any missing parents
    (each 0700: they are the kiosk's own), or tightened when it exists with group or other
    bits (an older version made its folders 0755). Returns ``path``. Raises OSError (e.g. a
    file is in the way, or the folder is another user's and cannot be changed)."""
    path = Path(path)
    missing = []
    parent = path
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made by someone else meanwhile
            folder.mkdir(mode=0o700)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    _tighten(path, 0o700, said)
    return path


def private_file(path: Path, *, said: Said | None = None) -> bool:
    """Tighten an existing file to 0600 when group or others may read it (a log or a hash
    an older version left 0644). Returns whether the file exists. Raises OSError when it
    cannot be changed."""
    try:
        return _tighten(Path(path), 0o600, said)
    except FileNotFoundError:
        return False


def _tighten(path: Path, mode: int, said: Said | None) -> bool:
    """Only what is the kiosk's own: a folder or file of another user (one IT keeps
    read-only for it), or a shared folder with the sticky bit (``/tmp``), is left as it is:
    closing it would lock others out (as root, it would succeed)."""
    info = path.stat()
    if sys.platform == "win32" or not stat.S_IMODE(info.st_mode) & 0o077:
        return True
    if info.st_uid != os.getuid() or info.st_mode & stat.S_ISVTX:
        return True
    os.chmod(path, mode)
    if said is not None:
        said(path, stat.S_IMODE(info.st_mode))
    return True
