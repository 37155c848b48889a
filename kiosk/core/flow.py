"""The patient journey as a pure-Python state machine.

The journey is a row of pages. Most screens are one page; the health questions are several
(two questions a page: ``Flow(pages={Screen.HEALTH: n})``), and each page has its own id
(``health_1``, ``health_2``…). The pages group into the named sections the progress bar
shows; a section already seen may be revisited with one tap.

Screens listen for changes; no widget decides where the patient goes next. An illegal
transition raises instead of leaving the kiosk somewhere unexpected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import NamedTuple


class Screen(StrEnum):
    ATTRACT = "attract"
    PRIVACY = "privacy"
    CONSULTATION = "consultation"
    AREAS = "areas"
    HEALTH = "health"
    QUESTIONS = "questions"
    TREATMENT = "treatment"
    AFTERCARE = "aftercare"
    TIMELINE = "timeline"
    SIDE_EFFECTS = "side_effects"
    SUMMARY = "summary"
    DONE = "done"


class Section(StrEnum):
    """The named steps of the progress bar (the pack's ``progress.<id>`` texts name them)."""

    CONSULTATION = "consultation"
    AREAS = "areas"
    HEALTH = "health"
    TREATMENT = "treatment"
    AFTERCARE = "aftercare"
    SIDE_EFFECTS = "side_effects"
    SUMMARY = "summary"


#: Which section each screen belongs to (the start, privacy and done screens to none).
SECTION_OF: dict[Screen, Section] = {
    Screen.CONSULTATION: Section.CONSULTATION,
    Screen.AREAS: Section.AREAS,
    Screen.HEALTH: Section.HEALTH,
    Screen.QUESTIONS: Section.HEALTH,
    Screen.TREATMENT: Section.TREATMENT,
    Screen.AFTERCARE: Section.AFTERCARE,
    Screen.SIDE_EFFECTS: Section.SIDE_EFFECTS,
    Screen.SUMMARY: Section.SUMMARY,
}
#: Screens shown as several numbered pages.
PAGED: frozenset[Screen] = frozenset({Screen.HEALTH})
#: Every screen, in the order a patient meets them.
JOURNEY: tuple[Screen, ...] = tuple(Screen)


class Page(NamedTuple):
    """One page of the journey: a screen, and its number when the screen has several."""

    screen: Screen
    number: int = 0

    @property
    def id(self) -> str:
        """What ``window.screen_id()`` says: ``treatment``, ``health_2``."""
        return f"{self.screen.value}_{self.number}" if self.number else self.screen.value

    @property
    def section(self) -> Section | None:
        return SECTION_OF.get(self.screen)


def pages_of(counts: Mapping[Screen, int] | None = None) -> tuple[Page, ...]:
    """The journey's pages, a paged screen counted out (one page unless told; none when
    told 0, e.g. a content pack without health questions)."""
    counts = counts or {}
    pages: list[Page] = []
    for screen in JOURNEY:
        if screen in PAGED:
            pages.extend(Page(screen, n) for n in range(1, counts.get(screen, 1) + 1))
        else:
            pages.append(Page(screen))
    return tuple(pages)


class IllegalTransition(RuntimeError):
    pass


Listener = Callable[[Screen, Screen], None]


class Flow:
    """Where the patient is. ``listen`` is told ``(old, new)`` screens after every change
    of page (``old`` and ``new`` are the same screen between two health pages: ``page``
    says which)."""

    def __init__(self, pages: Mapping[Screen, int] | None = None) -> None:
        self._pages = pages_of(pages)
        self._at = 0
        self._furthest = 0
        self._listeners: list[Listener] = []

    @property
    def pages(self) -> tuple[Page, ...]:
        return self._pages

    @property
    def page(self) -> Page:
        return self._pages[self._at]

    @property
    def current(self) -> Screen:
        return self._pages[self._at].screen

    def set_pages(self, pages: Mapping[Screen, int]) -> None:
        """Count the paged screens again (another language's pack): only at the start."""
        if self._at != 0:
            raise IllegalTransition("the pages change only on the start screen")
        self._pages = pages_of(pages)

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # --- progress ---------------------------------------------------------------------------
    def page_of_screen(self) -> tuple[int, int] | None:
        """``(n, total)`` on a paged screen ("page 2 of 12"), None elsewhere."""
        page = self.page
        if not page.number:
            return None
        total = sum(1 for p in self._pages if p.screen is page.screen)
        return page.number, total

    def sections(self) -> list[tuple[Section, str]]:
        """Each section of this journey with its state: ``current``, ``seen`` (the patient
        has been there and may go back with a tap) or ``ahead``."""
        here = self.page.section
        states: list[tuple[Section, str]] = []
        for section in Section:
            first = self._first_of(section)
            if first is None:
                continue
            if section is here:
                state = "current"
            elif first <= self._furthest and self.current is not Screen.DONE:
                state = "seen"
            else:
                state = "ahead"
            states.append((section, state))
        return states

    def _first_of(self, section: Section) -> int | None:
        return next((i for i, p in enumerate(self._pages) if p.section is section), None)

    # --- moving -------------------------------------------------------------------------------
    def _index(self, target: Screen | Page) -> int:
        if isinstance(target, Screen):
            target = Page(target, 1 if target in PAGED else 0)
        try:
            return self._pages.index(target)
        except ValueError:
            raise IllegalTransition(f"no page {target.id} in this journey") from None

    def allowed(self, target: Screen | Page) -> bool:
        there = self._index(target)
        if there == 0:
            return True  # finishing, an idle timeout and a staff reset all return to the start
        if self.current is Screen.DONE:
            return False  # the session was wiped at the finish: no way back into it
        if abs(there - self._at) == 1:
            return True
        # a page already seen, by the progress bar (never the done screen: it finishes)
        return self._pages[there].screen is not Screen.DONE and there <= self._furthest

    def go(self, target: Screen | Page) -> None:
        if not self.allowed(target):
            raise IllegalTransition(f"{self.page.id} -> {getattr(target, 'id', target)}")
        self._move(self._index(target))

    def go_to_section(self, section: Section) -> None:
        """The progress bar: back (or forward) to the first page of a section already seen."""
        first = self._first_of(section)
        if first is None:
            raise IllegalTransition(f"no section {section} in this journey")
        self.go(self._pages[first])

    def _move(self, there: int) -> None:
        old = self.page
        self._at = there
        self._furthest = 0 if there == 0 else max(self._furthest, there)
        if old != self.page:
            for listener in list(self._listeners):
                listener(old.screen, self.page.screen)

    def next(self) -> None:
        self.go(self._pages[(self._at + 1) % len(self._pages)])

    def back(self) -> None:
        if self._at == 0:
            raise IllegalTransition("no step before attract")
        self.go(self._pages[self._at - 1])

    def reset(self) -> None:
        self.go(self._pages[0])
