"""The outbox's counts, read with sqlite3 alone: the metrics worker reads them every minute
in the kiosk process, which otherwise never loads the outbox (``kiosk.services.outbox``:
cryptography, 180 ms to import, and a C extension whose loading holds the interpreter's
lock long enough to stall the screen for 60 ms from any thread). ``Outbox.stats`` counts
with the same query, so the staff panel and the metrics never disagree.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: The outbox's database file, in the outbox folder.
DB_NAME = "outbox.sqlite3"
#: queued, failed, the oldest queued entry's creation time (None: none queued), quarantined
Counts = tuple[int, int, float | None, int]

_ENTRIES = (
    "SELECT COALESCE(SUM(state = 'queued'), 0), COALESCE(SUM(state = 'failed'), 0),"
    " MIN(CASE WHEN state = 'queued' AND typeof(created) IN ('real', 'integer')"
    " THEN created END) FROM entries"
)
_QUARANTINE = "SELECT COUNT(*) FROM quarantine"


def count(con: sqlite3.Connection) -> Counts:
    """The counts, on a connection to the outbox's database."""
    queued, failed, oldest = con.execute(_ENTRIES).fetchone()
    (quarantined,) = con.execute(_QUARANTINE).fetchone()
    return int(queued), int(failed), oldest, int(quarantined)


def read(db_path: Path, timeout_s: float = 5.0) -> Counts:
    """The counts of the database at ``db_path``, opened read-only (zeros when there is
    none yet: nothing was ever queued). Raises sqlite3.Error (a damaged or locked file)."""
    if not db_path.exists():
        return 0, 0, None, 0
    con = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, timeout=timeout_s)
    try:
        return count(con)
    finally:
        con.close()
