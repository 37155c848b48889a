"""The fonts the kiosk ships (resources/fonts), registered with Qt once.

With them the summary shows any patient's name, Ødegård, 李雷 or عائشة, without empty boxes,
and PDFs carry embedded fonts even on a PC with no fonts installed.
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication

from kiosk import resources

log = logging.getLogger("kiosk.fonts")

#: The summary's font; the CJK fallback fills in glyphs it lacks.
FAMILY = "DejaVu Sans"
FALLBACK = "Droid Sans Fallback"


@functools.cache
def register() -> tuple[str, ...]:
    """Add the shipped fonts to Qt's font database; returns the families added."""
    families: list[str] = []
    for path in sorted(resources.path("fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("font %s could not be loaded", path.name)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    QFont.insertSubstitution(FAMILY, FALLBACK)
    return tuple(dict.fromkeys(families))


def ensure_available() -> bool:
    """On a PC with no fonts at all, register ours; True when it had to. Called just after
    the first paint (asking costs ~9 ms, which the start screen need not wait for); the
    caller then re-lays out the window."""
    # fontconfig still names its aliases (Sans Serif, ...) when no font file exists, so ask
    # whether the default font can draw a letter: the first paint loads that font anyway.
    if not QFontMetrics(QGuiApplication.font()).inFont("a"):
        log.warning("no system fonts found; using the kiosk's own")
        register()
        return True
    return False
