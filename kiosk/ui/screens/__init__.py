"""The screens of the patient journey, one module each, imported on first use.

Each screen reads the session when it is entered and writes every answer straight back to
it; ``wipe`` clears whatever a patient typed or chose. Navigation is the window's job.
Only the start screen is imported before the first paint; the rest load just after it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from kiosk.core.flow import Screen

if TYPE_CHECKING:
    from kiosk.ui.screens.base import ScreenBase

_WHERE: dict[Screen, tuple[str, str]] = {
    Screen.ATTRACT: ("attract", "AttractScreen"),
    Screen.PRIVACY: ("privacy", "PrivacyScreen"),
    Screen.CONSULTATION: ("consultation", "ConsultationScreen"),
    Screen.AREAS: ("consultation", "AreasScreen"),
    Screen.HEALTH: ("consultation", "HealthScreen"),
    Screen.QUESTIONS: ("consultation", "QuestionsScreen"),
    Screen.TREATMENT: ("info", "TreatmentScreen"),
    Screen.AFTERCARE: ("info", "AftercareScreen"),
    Screen.TIMELINE: ("info", "TimelineScreen"),
    Screen.SIDE_EFFECTS: ("info", "SideEffectsScreen"),
    Screen.SUMMARY: ("summary", "SummaryScreen"),
    Screen.DONE: ("done", "DoneScreen"),
}


def screen_class(which: Screen) -> type[ScreenBase]:
    module, name = _WHERE[which]
    cls: type[ScreenBase] = getattr(importlib.import_module(f"kiosk.ui.screens.{module}"), name)
    return cls
