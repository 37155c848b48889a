"""Problems found in a file a clinic edits, reported as ``FILE: KEY: what is wrong``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Problem(NamedTuple):
    file: str
    key: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{self.file}: {self.key}: {prefix}{self.message}"


class ProblemsError(Exception):
    """One or more problems in a config file, content pack or answers file."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = [p for p in problems if not p.warning]
        super().__init__("\n".join(str(p) for p in self.problems))
