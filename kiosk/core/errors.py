"""Problems found in a file a clinic edits, reported as ``FILE: KEY: what is wrong``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

#: A key and a message are cut to this many characters when shown (a file may name a key
#: of a megabyte, and a message may quote it).
KEY_SHOWN = 120
MESSAGE_SHOWN = 1000


def one_line(text: str) -> str:
    """``text`` on one printable line: a newline, a NUL, a lone surrogate or a right-to-left
    override taken from a file is shown escaped (``\\x00``), never written to the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


class Problem(NamedTuple):
    file: str
    key: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        key, message = _cut(self.key, KEY_SHOWN), _cut(self.message, MESSAGE_SHOWN)
        return f"{one_line(self.file)}: {one_line(key)}: {prefix}{one_line(message)}"


class ProblemsError(Exception):
    """One or more problems in a config file, content pack or answers file."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = [p for p in problems if not p.warning]
        super().__init__("\n".join(str(p) for p in self.problems))
