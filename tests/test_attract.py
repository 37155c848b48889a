"""The start screen: the clinic's logo and name, a calm picture that breathes slowly, one big
button, and the languages only when there is a choice."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk import app, resources
from kiosk.core.flow import Screen
from kiosk.core.summary import SummaryRenderer, build_context, sample_session
from kiosk.ui import attract_art
from kiosk.ui.screens import attract

from . import helpers
from .helpers import DEMO_CLINIC


def pictures_added(qtbot, window) -> attract.AttractScreen:  # type: ignore[no-untyped-def]
    """The start screen once its pictures are in (just after the first paint)."""
    page = window.page(Screen.ATTRACT)
    qtbot.waitUntil(lambda: page.picture is not None and page.picture.isVisible())
    return page


def show(qtbot, config: Path, size: tuple[int, int] = app.LANDSCAPE) -> app.MainWindow:  # type: ignore[no-untyped-def]
    win = app.build_window(config)
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_the_demo_clinic_shows_its_logo_and_name(qtbot, window) -> None:
    """The window fixture without a config is the built-in demo clinic."""
    demo = window
    page = pictures_added(qtbot, demo)
    name = demo.findChild(QLabel, "attract_clinic")
    assert name.text() == "Demo Aesthetic Clinic" and name.isVisible()
    logo = demo.findChild(QWidget, "attract_logo")
    assert logo is not None and logo.isVisible()
    path = logo.path.resolve()  # type: ignore[attr-defined]
    assert path == resources.path("images", "logo_demo.svg").resolve()
    assert logo.accessibleName() == "Demo Aesthetic Clinic"
    # the logo sits beside the name, the picture below them
    assert (
        logo.mapTo(demo, logo.rect().topRight()).x() < name.mapTo(demo, name.rect().topLeft()).x()
    )
    assert page.picture.accessibleName() == demo.ctx.pack.t("attract.picture")


@pytest.mark.config(DEMO_CLINIC)
def test_a_clinic_without_a_logo_shows_its_name(qtbot, window) -> None:
    pictures_added(qtbot, window)
    assert window.findChild(QLabel, "attract_clinic").text() == "Test Clinic"
    assert window.findChild(QWidget, "attract_logo") is None


def test_a_clinics_png_logo(qtbot, tmp_path, write_config) -> None:
    image = QImage(300, 150, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f5f6b"))
    assert image.save(str(tmp_path / "logo.png"))
    config = write_config(DEMO_CLINIC.replace("[clinic]\n", '[clinic]\nlogo = "logo.png"\n'))
    win = show(qtbot, config)
    pictures_added(qtbot, win)
    logo = win.findChild(QLabel, "attract_logo")
    assert logo is not None and logo.isVisible()
    assert logo.pixmap().deviceIndependentSize().width() == attract_art.LOGO_SIZE.width()
    assert logo.accessibleName() == "Test Clinic"
    win.close()


def test_no_language_choice_with_one_pack(qtbot, window) -> None:
    assert len(window.ctx.packs) == 1
    pictures_added(qtbot, window)
    buttons = [b.objectName() for b in window.findChildren(QAbstractButton)]
    assert not [n for n in buttons if n.startswith("lang_")]


def test_the_language_choice_with_two_packs(qtbot, content_copy, write_config) -> None:
    second = content_copy / "xx"
    second.mkdir()
    text = (content_copy / "en" / "content.toml").read_text(encoding="utf-8")
    text = text.replace('language = "en"', 'language = "xx"').replace(
        'language_name = "English"', 'language_name = "Testish"'
    )
    (second / "content.toml").write_text(text, encoding="utf-8")
    config = write_config(
        DEMO_CLINIC + f'[kiosk]\nlanguages = ["en", "xx"]\n[content]\ndir = "{content_copy}"\n'
    )
    win = show(qtbot, config)
    for code, name in (("en", "English"), ("xx", "Testish")):
        button = win.findChild(QAbstractButton, f"lang_{code}")
        assert button is not None and button.isVisible() and button.text() == name
        assert button.height() >= 72
    assert win.findChild(QAbstractButton, "lang_en").isChecked()
    win.close()


def test_the_picture_comes_after_the_first_paint(qtbot, window) -> None:
    """QtSvg costs start-up time: the start screen is built without its pictures."""
    page = attract.AttractScreen(window.ctx)
    qtbot.addWidget(page)
    assert page.picture is None and page.logo is None
    assert page.findChild(QWidget, "attract_picture") is None
    page.resize(1200, 800)
    page.show()
    qtbot.waitUntil(lambda: page.picture is not None)
    # laid out and drawn in the frame they are added (a screenshot taken then shows them)
    assert page.picture.isVisible() and page.picture.width() >= 400
    page.close()


def test_the_picture_is_beside_the_words_in_landscape_and_above_in_portrait(qtbot, window) -> None:
    page = pictures_added(qtbot, window)
    art = window.findChild(QWidget, "attract_art")
    words = window.findChild(QWidget, "attract_words")

    def box(w: QWidget):  # type: ignore[no-untyped-def]
        return w.geometry().translated(w.parent().mapTo(window, w.parent().rect().topLeft()))

    assert box(art).right() < box(words).left()
    assert page.picture.width() >= 600
    window.resize(*reversed(app.LANDSCAPE))
    qtbot.waitUntil(lambda: box(art).bottom() < box(words).top())
    assert page.picture.width() >= 800  # the room in portrait goes to the picture
    start = window.findChild(QAbstractButton, "nav_start")
    assert start.isVisible() and start.height() >= 120
    assert start.mapTo(window, start.rect().bottomLeft()).y() <= window.height()
    # together in the middle: no more room between picture and words than around them
    gap = box(words).top() - box(art).bottom()
    assert gap <= box(art).top() - window.findChild(QLabel, "attract_clinic").height()
    window.resize(*app.LANDSCAPE)
    qtbot.waitUntil(lambda: box(art).right() < box(words).left())


def test_the_idle_start_screen_runs_no_timer_faster_than_a_second(qtbot, window) -> None:
    page = pictures_added(qtbot, window)
    qtbot.waitUntil(lambda: window.staff is not None)  # everything after the first paint
    active = [t for t in window.findChildren(QTimer) if t.isActive()]
    assert all(t.interval() >= 1000 for t in active), [
        (t.objectName() or t.parent().objectName(), t.interval()) for t in active
    ]
    breath = page.findChild(QTimer, "attract_breath")
    assert breath is not None and breath.isActive() and breath.interval() >= 1000


def test_the_glow_breathes_a_step_at_a_time(qtbot, window) -> None:
    page = pictures_added(qtbot, window)
    glow = page.glow
    assert glow is not None
    breath = page.findChild(QTimer, "attract_breath")
    levels = []
    for _ in range(attract_art.BREATH_STEPS):
        levels.append(glow.level())
        breath.timeout.emit()
    assert glow.level() == levels[0]  # one whole breath
    assert max(levels) == pytest.approx(1) and min(levels) == 0
    steps = [abs(a - b) for a, b in itertools.pairwise(levels)]
    assert max(steps) <= 0.5  # small, calm steps


def test_the_glow_rests_while_a_patient_uses_the_kiosk(qtbot, window) -> None:
    page = pictures_added(qtbot, window)
    breath = page.findChild(QTimer, "attract_breath")
    assert breath.isActive()
    helpers.tap(window, window.findChild(QAbstractButton, "nav_start"))
    assert window.screen_id() == "privacy"
    assert not breath.isActive()
    window.ctx.visit.flow.reset()
    qtbot.waitUntil(breath.isActive)


def test_the_demo_logo_stays_out_of_emails(qapp) -> None:
    """An email has no pictures (mail programs block them, and a file:// link would name a
    folder of the kiosk); the screen and the printout show the logo."""
    loaded = app.load()
    pack = loaded.packs["en"]
    renderer = SummaryRenderer(loaded.template_dirs)
    uri = loaded.config.clinic.logo.as_uri()  # type: ignore[union-attr]
    for medium, shown in (({"email": True}, False), ({"screen": True}, True), ({}, True)):
        context = build_context(sample_session(pack), pack, loaded.config, **medium)
        assert (uri in renderer.html(context)) is shown, medium
