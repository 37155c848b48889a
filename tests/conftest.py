"""Shared fixtures. Qt runs offscreen: no display is needed for the unit and widget tests."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import app, resources
from kiosk.core.content import ContentPack


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
