"""The staff PIN's files: the stored hash (read), and the PIN pad's lockout state (kept).

- ``read_pin(path)``: the stored hash, its file tightened to 0600 first if an older version
  left it readable by others.
- ``LockFile``: ``kiosk.core.staff.PinLock``'s state (wrong PINs in a row, end of the lock)
  in a small JSON file, 0600 in a 0700 folder, written whole (``files.atomic_write``) at
  every change. It lives in the kiosk's data folder, beside the PIN file where that is the
  default (``{data}/staff-pin``), and there in any case: the PIN file may sit where the
  kiosk cannot write (the demo's is inside the installed program; IT may keep a clinic's
  read-only), and the lock must be kept all the same.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from kiosk import resources
from kiosk.core.staff import LockState
from kiosk.services.files import atomic_write, private_dir, private_file

log = logging.getLogger("kiosk.staff")

#: A lockout state is a few dozen bytes; anything much bigger is not ours.
_MAX_BYTES = 4096


def read_pin(path: Path | None) -> str:
    """The stored PIN hash of ``path`` (at most 4 KB of it: a hash is under 200 bytes).
    Raises OSError when there is none to read, ValueError when it is not text. A file the
    kiosk wrote is tightened to 0600 first; one it may only read (the demo's, shipped with
    the program; a clinic's that IT keeps read-only) is read as it is."""
    if path is None:
        raise OSError("no staff PIN file configured")
    if not path.resolve().is_relative_to(resources.root()):
        try:
            private_file(path)
        except PermissionError:
            log.warning("staff PIN file %s is readable by others and cannot be tightened", path)
    with path.open("rb") as f:
        return f.read(_MAX_BYTES).decode("utf-8")


class LockFile:
    """``PinLock``'s state in ``path`` (``kiosk.core.staff.LockStore``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self) -> LockState | None:
        try:
            private_file(self.path)
            with self.path.open("rb") as f:
                raw = f.read(_MAX_BYTES + 1)
        except FileNotFoundError:
            return LockState()
        except OSError as e:
            log.warning("staff PIN lockout: cannot read %s (%s): locked", self.path, e)
            return None
        state = _parse(raw)
        if state is None:
            log.warning("staff PIN lockout: %s is damaged: locked, and it is replaced", self.path)
        return state

    def save(self, state: LockState) -> None:
        data = {"failures": state.failures, "locked_until": state.locked_until}
        try:
            private_dir(self.path.parent)
            atomic_write(self.path, (json.dumps(data) + "\n").encode("ascii"), mode=0o600)
        except OSError as e:
            log.warning(
                "staff PIN lockout: cannot write %s (%s); the lock holds until the kiosk stops",
                self.path,
                e.strerror or e,
            )


def _parse(raw: bytes) -> LockState | None:
    """The state in ``raw``, or None when it is not one this module wrote."""
    if len(raw) > _MAX_BYTES:
        return None
    try:
        data = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or set(data) != {"failures", "locked_until"}:
        return None
    failures, until = data["failures"], data["locked_until"]
    if type(failures) is not int or failures < 0:
        return None
    if until is not None and (type(until) not in (int, float) or not math.isfinite(until)):
        return None
    return LockState(failures, None if until is None else float(until))
