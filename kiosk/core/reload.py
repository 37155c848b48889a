"""What the kiosk's reloads came to, for the staff panel, the log and the metrics.

A reload (SIGHUP, or the staff panel's button) reads the config file and the content again
between sessions; a bad new config or content is refused and the old kept (``kiosk.app``
does it). Each outcome is counted here by what it was about and how it went:
``counts[(what, result)]`` with ``what`` ``config`` or ``content`` and ``result`` ``ok`` or
``refused``, plus the last refusal's reason (the line ``check-config`` would print) and when
the last reload took. ``listen`` tells a hook (the metrics file) of each outcome. Plain
Python, no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Literal

from kiosk.core.errors import Problem

What = Literal["config", "content"]
Result = Literal["ok", "refused"]
#: Told of each outcome: what it was about, and whether it took.
Hook = Callable[[What, bool], None]
#: The keys of a config whose problems are the content's, not the config file's.
CONTENT_KEYS = ("content.dir", "content.public_key", "content.templates")


def about(problems: Iterable[Problem], config_file: str) -> What:
    """Whether a refusal is the content's fault or the config's: the first error names a
    file of a content pack or template, or one of the content keys, or not."""
    first = next((p for p in problems if not p.warning), None)
    if first is None or (first.file == config_file and first.key not in CONTENT_KEYS):
        return "config"
    return "content"


class ReloadCounts:
    """The reloads so far: counts, the last refusal, the last time one took."""

    def __init__(self, now: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.counts: Counter[tuple[What, Result]] = Counter()
        self.last_refusal = ""
        self.last_ok: dt.datetime | None = None
        self.last_refused: dt.datetime | None = None
        #: What the last reload that took could not change without a restart ("" if none).
        self.needs_restart = ""
        self._now = now
        self._hooks: list[Hook] = []

    def listen(self, hook: Hook) -> None:
        self._hooks.append(hook)

    def took(self, needs_restart: str = "") -> None:
        """A reload took: the new config and the new content are both in use, but for
        ``needs_restart`` (a sentence for staff, "" when all of it is)."""
        self.last_ok = self._now()
        self.needs_restart = needs_restart
        for what in ("config", "content"):
            self._count(what, ok=True)

    def refused(self, what: What, reason: str) -> None:
        """A reload was refused (the old config and content stay) for ``reason``."""
        self.last_refusal = reason
        self.last_refused = self._now()
        self._count(what, ok=False)

    def _count(self, what: What, *, ok: bool) -> None:
        self.counts[(what, "ok" if ok else "refused")] += 1
        for hook in list(self._hooks):
            hook(what, ok)

    def outcome(self) -> str:
        """The last outcome, for the staff panel ("" before the first reload)."""
        if self.last_refused is not None and (
            self.last_ok is None or self.last_refused >= self.last_ok
        ):
            return f"Reload refused at {self.last_refused:%H:%M}: {self.last_refusal}"
        if self.last_ok is not None:
            restart = f" {self.needs_restart}" if self.needs_restart else ""
            return f"Reloaded settings and content at {self.last_ok:%H:%M}.{restart}"
        return ""
