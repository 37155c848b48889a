"""The patient journey as a pure-Python state machine.

Screens listen for changes; no widget decides where the patient goes next. An illegal
transition raises instead of leaving the kiosk somewhere unexpected.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class Screen(StrEnum):
    ATTRACT = "attract"
    PRIVACY = "privacy"
    CONSULTATION = "consultation"
    TREATMENT = "treatment"
    AFTERCARE = "aftercare"
    TIMELINE = "timeline"
    SIDE_EFFECTS = "side_effects"
    SUMMARY = "summary"
    DONE = "done"


JOURNEY: tuple[Screen, ...] = tuple(Screen)
#: The numbered steps ("Step 2 of 6"): everything between attract and done.
STEPS: tuple[Screen, ...] = JOURNEY[1:-1]


class IllegalTransition(RuntimeError):
    pass


Listener = Callable[[Screen, Screen], None]


class Flow:
    """Where the patient is. ``listen`` is told ``(old, new)`` after every change."""

    def __init__(self) -> None:
        self._current = Screen.ATTRACT
        self._listeners: list[Listener] = []

    @property
    def current(self) -> Screen:
        return self._current

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def step(self) -> tuple[int, int] | None:
        """``(n, total)`` for the numbered steps, None on attract and done."""
        if self._current in STEPS:
            return STEPS.index(self._current) + 1, len(STEPS)
        return None

    def allowed(self, target: Screen) -> bool:
        here = JOURNEY.index(self._current)
        there = JOURNEY.index(target)
        if target is Screen.ATTRACT:
            return True  # finishing, an idle timeout and a staff reset all return to the start
        if self._current is Screen.DONE:
            return False  # the session was wiped at the finish: no way back into it
        return abs(there - here) == 1

    def go(self, target: Screen) -> None:
        if not self.allowed(target):
            raise IllegalTransition(f"{self._current} -> {target}")
        old, self._current = self._current, target
        if old is not target:
            for listener in list(self._listeners):
                listener(old, target)

    def next(self) -> None:
        here = JOURNEY.index(self._current)
        self.go(JOURNEY[(here + 1) % len(JOURNEY)])

    def back(self) -> None:
        if self._current is Screen.ATTRACT:
            raise IllegalTransition("no step before attract")
        self.go(JOURNEY[JOURNEY.index(self._current) - 1])

    def reset(self) -> None:
        self.go(Screen.ATTRACT)
