"""The screenshot tour runs the real app on a real X server (Xvfb, xcb platform)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from kiosk import app
from kiosk.core.flow import Flow, Screen

from .helpers import REPO

pytestmark = pytest.mark.xvfb


@pytest.mark.one_python  # the real X server and process: once in CI
@pytest.mark.slow
def test_tour_saves_every_screen_in_both_orientations(tmp_path: Path) -> None:
    if shutil.which("Xvfb") is None:
        if os.environ.get("KIOSK_REQUIRE_XVFB") == "1":
            pytest.fail("Xvfb is required here (KIOSK_REQUIRE_XVFB=1) but not installed")
        pytest.skip("Xvfb is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    result = subprocess.run(
        [sys.executable, "scripts/screenshot_tour.py", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pack = next(iter(app.load().packs.values()))
    pages = [p.id for p in Flow({Screen.HEALTH: len(pack.health_pages())}).pages]
    assert "health_2" in pages and "timeline" in pages
    for orientation, size in {"landscape": (1920, 1080), "portrait": (1080, 1920)}.items():
        for i, screen in enumerate(pages, start=1):
            image = QImage(str(tmp_path / orientation / f"{i:02d}-{screen}.png"))
            assert (image.width(), image.height()) == size, (orientation, screen)
            # a real picture, not a blank or black grab: many distinct colours
            colours = {
                image.pixel(x, y) for x in range(0, size[0], 37) for y in range(0, size[1], 37)
            }
            assert len(colours) >= 4, (orientation, screen, len(colours))
