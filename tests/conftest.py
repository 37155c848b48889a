"""Shared fixtures. Qt runs offscreen: no display is needed for the unit and widget tests."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from kiosk import app, resources
from kiosk.core.content import ContentPack

REPO = Path(__file__).resolve().parent.parent

DEMO_CLINIC = """
[clinic]
name = "Test Clinic"
phone = "555-0199"
emergency_number = "112"
"""
#: A clinician's sign-off of the content, which a fullscreen kiosk needs. It opens
#: [content], so a test may add more content keys after it.
SIGNED_OFF = """
[content]
reviewed_by = "Dr A. Test, Medical Director"
reviewed_on = 2026-11-30
"""


def run_kiosk(
    *args: str,
    env: dict[str, str] | None = None,
    drop: Iterable[str] = (),
    timeout: int = 120,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kiosk ARGS`` as its own process; ``drop`` removes variables from its
    environment (e.g. QT_QPA_PLATFORM, to check the command sets it itself)."""
    base = {k: v for k, v in os.environ.items() if k not in set(drop)}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**base, **(env or {})},
        timeout=timeout,
        input=input_text,
    )


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """The kiosk's data folder ({data}: demo prints, outbox) lives in a fresh temp folder."""
    data = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_STATE_HOME", str(data))  # logs too
    folder = data / "botox-kiosk"
    folder.mkdir()
    # a staff PIN (the demo's 2468) where configs look by default, so fullscreen configs pass
    shutil.copy(resources.path("demo", "staff-pin"), folder / "staff-pin")
    return folder


@pytest.fixture(autouse=True)
def _private_runtime_dir(tmp_path_factory, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    """The user's run-time folder (the single-instance lock) is the test's own, so a kiosk
    left running on this machine, or another test, never holds the lock a test needs."""
    folder = tmp_path_factory.mktemp("xdg-runtime")
    folder.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    """A private certificate authority for the mail servers of the email tests."""
    import trustme

    return trustme.CA()


@pytest.fixture
def ca_file(ca, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """That authority's certificate as a PEM file, for [email] ca_file."""
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def pack() -> ContentPack:
    return app.load().packs["en"]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a config file into tmp_path and return its path."""

    def write(body: str, name: str = "kiosk.toml") -> Path:
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        return path

    return write


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A private copy of the built-in content packs that a test may break."""
    dest = tmp_path / "content"
    shutil.copytree(resources.content_dir(), dest)
    return dest


@pytest.fixture
def window(qtbot, request) -> Iterator[app.MainWindow]:  # type: ignore[no-untyped-def]
    """The kiosk window built by the composition root, shown at 1920x1080."""
    marker = request.node.get_closest_marker("config")
    config = None
    if marker is not None:
        config = Path(request.getfixturevalue("tmp_path")) / "kiosk.toml"
        config.write_text(marker.args[0], encoding="utf-8")
    win = app.build_window(config)
    qtbot.addWidget(win)
    win.resize(*app.LANDSCAPE)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture(autouse=True, scope="session")
def _one_qapplication(qapp):  # type: ignore[no-untyped-def]
    """Make pytest-qt's QApplication first, before any code under test makes a lesser one."""
    return qapp


def settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Let the work that follows the first paint finish (the other screens, the fonts, the
    staff tools), so a test that times the event loop measures only what it is about."""
    from kiosk.services import fonts

    qtbot.waitUntil(lambda: window.staff is not None, timeout=10000)
    window.build_all()
    fonts.register()
    qtbot.wait(0)
