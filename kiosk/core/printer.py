"""What the kiosk knows about its printer: whether it takes jobs, and why not.

The ``printer-status`` child (``kiosk.cli``) asks the print system and prints one
:class:`PrinterStatus` as a JSON line; the kiosk reads it back here to offer Print or not,
and the staff panel shows it. Plain Python, so the kiosk process reads it without loading
any printing support.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import NamedTuple

#: The child command that prints one :class:`PrinterStatus` line (a hidden subcommand).
PRINTER_STATUS = "printer-status"
#: ``printer-state-reasons`` that say nothing is wrong (IPP: "none"; "-report" ones are
#: for information only).
HARMLESS_REASONS = frozenset({"none", ""})


#: How an empty printer name (the system's default printer) is said to staff.
DEFAULT_PRINTER = "the system default printer"


def printer_name(name: str) -> str:
    """``name``, or how the system's default printer is said when it is empty."""
    return name or DEFAULT_PRINTER


class State(StrEnum):
    """The printer's state, in the words of the IPP ``printer-state`` attribute."""

    IDLE = "idle"
    PRINTING = "printing"
    STOPPED = "stopped"  # e.g. ``cupsdisable``d, or stopped by the error policy
    MISSING = "missing"  # no such queue, or no print system to ask
    UNKNOWN = "unknown"  # a PDF folder, or a system that cannot say


class PrinterStatus(NamedTuple):
    """One look at the printer. ``ready``: a job sent now would be taken and printed."""

    name: str
    state: State
    accepting: bool = True
    reasons: tuple[str, ...] = ()
    detail: str = ""  # why it is missing, or the print system's own message

    @property
    def ready(self) -> bool:
        return self.state in (State.IDLE, State.PRINTING, State.UNKNOWN) and self.accepting

    def problems(self) -> tuple[str, ...]:
        """The reasons worth showing (not "none", not the informative "-report" ones)."""
        return tuple(
            r for r in self.reasons if r not in HARMLESS_REASONS and not r.endswith("-report")
        )

    def why_not(self) -> str:
        """Why a job would not print, as one line for staff and the log ("" when ready)."""
        if self.state is State.MISSING:
            return self.detail or f"no printer named {self.name!r}"
        if self.ready:
            return ""
        parts = []
        if self.state is State.STOPPED:
            parts.append("is stopped (disabled)")
        if not self.accepting:
            parts.append("refuses new jobs (rejecting)")
        reasons = self.problems()
        more = f" ({', '.join(reasons)})" if reasons else ""
        return f"printer {self.name!r} {' and '.join(parts)}{more}"

    def describe(self) -> str:
        """For the staff panel: name, state, accepting or not, the reasons."""
        if self.state is State.MISSING:
            return f"{printer_name(self.name)}: missing ({self.why_not()})"
        text = f"{self.name}: {self.state.value}"
        if self.state is not State.UNKNOWN:
            text += ", accepting jobs" if self.accepting else ", NOT accepting jobs"
        reasons = self.problems()
        if reasons:
            text += f" ({', '.join(reasons)})"
        if self.detail and self.state is not State.UNKNOWN:
            text += f": {self.detail}"
        return text

    def to_line(self) -> str:
        return json.dumps(
            {
                "printer": self.name,
                "state": self.state.value,
                "accepting": self.accepting,
                "reasons": list(self.reasons),
                "detail": self.detail,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_line(cls, line: str) -> PrinterStatus | None:
        """The status a child printed, or None for a line that is not one."""
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                return None
            reasons = data.get("reasons", [])
            if not isinstance(reasons, list):
                return None
            return cls(
                str(data["printer"]),
                State(data["state"]),
                bool(data.get("accepting", True)),
                tuple(str(r) for r in reasons),
                str(data.get("detail", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None
