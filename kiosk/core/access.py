"""The patient's accessibility settings: text size, high contrast, read aloud, more time.

The header's accessibility button (``kiosk.ui.access``) changes them; they take effect at
once (listeners: the window restyles, the idle guard stretches its timeout, the page reader
starts or stops speaking) and go back to the defaults when the session ends, so the next
patient starts with the kiosk as it was. Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

#: The text sizes offered, in percent of the theme's own sizes.
TEXT_SCALES = (100, 150, 200)


@dataclass(frozen=True)
class Access:
    """One set of choices; the defaults are the kiosk as a patient first finds it."""

    text_scale: int = 100
    high_contrast: bool = False
    read_aloud: bool = False
    more_time: bool = False


Listener = Callable[[Access, Access], None]


class AccessSettings:
    """The current choices, and who hears of a change (``listen``: called with the old and
    the new choices, only when something changed)."""

    def __init__(self) -> None:
        self.current = Access()
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def set(self, **changes: int | bool) -> None:
        """Change some choices, e.g. ``set(text_scale=200)``; an unknown size is refused."""
        known = {f.name for f in fields(Access)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown accessibility setting(s): {', '.join(sorted(unknown))}")
        scale = changes.get("text_scale", self.current.text_scale)
        if scale not in TEXT_SCALES:
            raise ValueError(f"text size {scale}% is not offered ({TEXT_SCALES})")
        self._become(replace(self.current, **changes))  # type: ignore[arg-type]

    def reset(self) -> None:
        """The session ended: the defaults again."""
        self._become(Access())

    def _become(self, new: Access) -> None:
        old, self.current = self.current, new
        if new != old:
            for listener in list(self._listeners):
                listener(old, new)

    # the choices by name, for the screens and the idle guard
    @property
    def text_scale(self) -> int:
        return self.current.text_scale

    @property
    def high_contrast(self) -> bool:
        return self.current.high_contrast

    @property
    def read_aloud(self) -> bool:
        return self.current.read_aloud

    @property
    def more_time(self) -> bool:
        return self.current.more_time
