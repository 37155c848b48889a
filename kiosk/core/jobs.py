"""The one protocol between the kiosk and its print and email jobs, used by both ends.

Each print or email runs in a child process of this program (``kiosk.services.jobs`` starts
it; ``kiosk.cli`` is the child). The parent writes one :class:`SummaryRequest` on the
child's standard input; the child answers with :class:`JobEvent` JSON lines on its standard
output and exits. Both ends read and write them only through this module, so the two sides
cannot drift apart.

Nothing a patient typed is ever in an event: the ``detail`` goes to the log and to staff.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from kiosk.core.errors import Problem, ProblemsError
from kiosk.core.schema import parse
from kiosk.core.session import ANSWERS_MAX_BYTES

#: The child commands (hidden subcommands of ``botox-kiosk``).
#: A request is the answers (at most an answers file's size) and an address.
REQUEST_MAX_BYTES = ANSWERS_MAX_BYTES + 1024
PRINT_JOB = "print-job"
EMAIL_JOB = "email-job"


def child_args(command: str, config: Path | None) -> list[str]:
    """The arguments after the program that start one child job."""
    return [command, *(["--config", str(config)] if config is not None else [])]


class Kind(StrEnum):
    QUEUED = "queued"  # email: safe in the encrypted outbox, delivery follows
    PRINTED = "printed"  # the print system took the job
    SENT = "sent"  # the mail server took the message
    RETRYING = "retrying"  # email: it stays queued and is tried again later
    FAILED = "failed"  # for good: nothing will come of this job


class Reason(StrEnum):
    """Why a job failed or waits, in words the screen can choose its message by."""

    NONE = ""
    PRINTER = "printer"  # the printer or the print system refused it
    SERVER = "server"  # the mail server refused it, or could not be reached
    ADDRESS = "address"  # no usable address, or no consent to email
    SETTINGS = "settings"  # the kiosk's settings do not allow it (e.g. no password)
    STORAGE = "storage"  # the email could not be kept to send: a full disk, no outbox key
    TIMEOUT = "timeout"  # the child gave no answer in time
    CANCELLED = "cancelled"  # the session was wiped while it ran
    CRASHED = "crashed"  # the child ended without saying how it went


#: The events after which the child has nothing more to say about its job.
FINAL = frozenset({Kind.PRINTED, Kind.SENT, Kind.RETRYING, Kind.FAILED})


class JobEvent(NamedTuple):  # a NamedTuple, not a dataclass: it loads before the first paint
    kind: Kind
    reason: Reason = Reason.NONE
    detail: str = ""  # for the log and staff: where it printed, the server's answer

    @property
    def final(self) -> bool:
        return self.kind in FINAL

    def to_line(self) -> str:
        """One JSON line, as the child prints it."""
        fields: dict[str, str] = {"event": self.kind.value}
        if self.reason is not Reason.NONE:
            fields["reason"] = self.reason.value
        if self.detail:
            fields["detail"] = self.detail
        return json.dumps(fields, ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> JobEvent | None:
        """The event a child printed, or None for a line that is not one (a library's chatter
        on standard output must not be taken for an answer)."""
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                return None
            kind = Kind(data["event"])
            reason = Reason(data.get("reason", ""))
            detail = data.get("detail", "")
        except (ValueError, KeyError, TypeError):
            return None
        return cls(kind, reason, detail if isinstance(detail, str) else "")


class SummaryRequest(NamedTuple):
    """One summary to print or to email: the same model for both.

    ``answers`` is the session's JSON form without the address; ``to`` is the address for an
    email (the patient agreed to it), empty for a print.
    """

    answers: Mapping[str, Any]
    to: str = ""

    def encode(self) -> bytes:
        body = {"answers": dict(self.answers), "to": self.to}
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes, source: str = "<stdin>") -> SummaryRequest:
        """The request a parent wrote; ProblemsError (``FILE: KEY: message``) when it is not one
        (read at most ``REQUEST_MAX_BYTES + 1`` bytes: more is refused unparsed)."""
        if len(data) > REQUEST_MAX_BYTES:
            raise ProblemsError(
                [Problem(source, "(size)", f"larger than {REQUEST_MAX_BYTES} bytes")]
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProblemsError([Problem(source, "(syntax)", f"not valid JSON: {exc}")]) from None
        raw = parse(text, source, "JSON")
        problems = []
        if not isinstance(raw, dict):
            raise ProblemsError([Problem(source, "(top)", "must be an object")])
        answers, to = raw.get("answers"), raw.get("to", "")
        if not isinstance(answers, dict):
            problems.append(Problem(source, "answers", "must be an object"))
        if not isinstance(to, str):
            problems.append(Problem(source, "to", "must be a string"))
        unknown = sorted(set(raw) - {"answers", "to"})
        problems.extend(Problem(source, key, "unknown key") for key in unknown)
        if problems or not isinstance(answers, dict) or not isinstance(to, str):
            raise ProblemsError(problems)
        return cls(answers, to)
