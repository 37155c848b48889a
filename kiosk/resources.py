"""The one place that finds packaged files.

``resources/`` is installed as the package ``kiosk_resources`` (see pyproject.toml) and the
PyInstaller spec copies it to the same package path, so the lookup below is the same in a
source checkout, an installed wheel and the frozen bundle: nothing branches on sys._MEIPASS.
A plain source checkout that was never installed falls back to the folder beside ``kiosk/``.
"""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def root() -> Path:
    """The folder that holds content/, templates/, images/, style/ and demo/."""
    try:
        import kiosk_resources
    except ImportError:
        return Path(__file__).resolve().parent.parent / "resources"
    return Path(kiosk_resources.__file__).resolve().parent


def path(*parts: str) -> Path:
    """A packaged file or folder, e.g. ``path("style", "kiosk.qss")``."""
    return root().joinpath(*parts)


def read_text(*parts: str) -> str:
    return path(*parts).read_text(encoding="utf-8")


def content_dir() -> Path:
    return path("content")


def demo_config() -> Path:
    return path("demo", "config.toml")
