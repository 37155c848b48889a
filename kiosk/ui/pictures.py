"""Pictures: the content pack's SVG illustrations, drawn in the theme's colours.

A picture is drawn in the colours of ``THEME_TOKENS`` (the kiosk's default palette); as it
is loaded each token is replaced with the running theme's colour (``theme`` below), so a
re-themed kiosk recolours every picture, a clinic's own among them, without editing a file.
Pictures keep their aspect ratio and scale to the room they are given.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger("kiosk.ui")

#: The colours a picture may be drawn in, by role. The style sheet (resources/style/kiosk.qss)
#: uses the same values; tests/test_pictures.py keeps the two and every shipped SVG in step.
THEME_TOKENS: dict[str, str] = {
    "primary": "#1f5f6b",  # lines that matter, the chosen area, the tick
    "primary_dark": "#16454e",
    "primary_light": "#d3e9ed",  # soft fills behind a motif
    "ink": "#16323a",  # outlines
    "paper": "#ffffff",
    "background": "#f4f7f7",
    "line": "#d5e0e2",  # faint guide lines
    "muted": "#5b7a82",
    "danger": "#b3261e",  # stop, get help
    "danger_light": "#fdecea",
    "warn": "#a35a00",
    "warn_light": "#fff4e0",
    "skin": "#f3d9c8",  # the face map's person
    "skin_line": "#8a6552",
    "skin_shadow": "#ddb49e",
}

#: The running theme: role -> colour. Replace entries (before screens are built) to re-theme.
theme: dict[str, str] = dict(THEME_TOKENS)

_HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def recolour(svg: str, colours: dict[str, str] | None = None) -> str:
    """The SVG text with each token colour replaced by the theme's colour for its role."""
    colours = theme if colours is None else colours
    swap = {THEME_TOKENS[role].lower(): colour for role, colour in colours.items()}
    return _HEX.sub(lambda m: swap.get(m.group(0).lower(), m.group(0)), svg)


@lru_cache(maxsize=64)
def _svg_bytes(path: Path, mtime_ns: int, palette: tuple[tuple[str, str], ...]) -> bytes:
    text = path.read_text(encoding="utf-8")
    return recolour(text, dict(palette)).encode("utf-8")


def renderer(path: Path, parent: QWidget | None = None) -> QSvgRenderer:
    """A renderer of the picture at ``path``, in the running theme's colours; one that draws
    nothing when the file is gone (a signed pack's picture that was not as signed and has
    no built-in stand-in: ``ContentPack.image``)."""
    try:
        data = _svg_bytes(path, path.stat().st_mtime_ns, tuple(sorted(theme.items())))
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("picture %s cannot be read: %s", path.name, exc)
        empty = QSvgRenderer()
        empty.setParent(parent)
        return empty
    return QSvgRenderer(QByteArray(data), parent)


class Picture(QWidget):
    """An SVG picture that keeps its aspect ratio, centred in the room it is given."""

    def __init__(
        self,
        path: Path,
        *,
        name: str = "",
        accessible: str = "",
        max_size: QSize | None = None,
        min_size: QSize | None = None,
    ) -> None:
        super().__init__()
        if name:
            self.setObjectName(name)
        if accessible:
            self.setAccessibleName(accessible)
        self._max = max_size or QSize(560, 420)
        self.setMinimumSize(min_size or QSize(120, 90))
        self.setMaximumSize(self._max)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._renderer = renderer(path, self)
        self._path = path

    def set_largest(self, largest: QSize) -> None:
        if largest != self._max:
            self._max = largest
            self.setMaximumSize(largest)
            self.updateGeometry()

    @property
    def path(self) -> Path:
        return self._path

    def set_path(self, path: Path) -> None:
        if path != self._path:
            self._renderer = renderer(path, self)
            self._path = path
            self.updateGeometry()
            self.update()

    def _aspect(self) -> float:
        view = self._renderer.viewBoxF()
        return view.height() / view.width() if view.width() > 0 else 0.75

    def sizeHint(self) -> QSize:
        width = self._max.width()
        return QSize(width, int(width * self._aspect()))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return min(self._max.height(), int(width * self._aspect()))

    def target(self) -> QRectF:
        """Where the picture is drawn: as large as fits, centred."""
        aspect = self._aspect()
        w = min(float(self.width()), self.height() / aspect if aspect else self.width())
        h = w * aspect
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer.render(painter, self.target())
        painter.end()
