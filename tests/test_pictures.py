"""The shipped pictures: each parses, has its agreed shape, is drawn only in the theme's token
colours (so a re-themed kiosk recolours it), and the tokens are the style sheet's colours."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from kiosk import resources
from kiosk.ui import pictures, theme

IMAGES = resources.path("images")

#: The pictures of the redesigned journey (issue 11) -> their viewBox.
SCENE = (0.0, 0.0, 400.0, 300.0)
ICON = (0.0, 0.0, 96.0, 96.0)
PICTURES: dict[str, tuple[float, float, float, float]] = {
    **{
        f"step_{name}.svg": SCENE
        for name in ("getting_ready", "cleaning", "numbing", "injection", "after")
    },
    **{
        f"aftercare_do_{name}.svg": SCENE
        for name in ("normal_day", "medicines", "tell_doctor", "call_clinic")
    },
    **{f"aftercare_dont_{name}.svg": SCENE for name in ("rub", "exercise", "lie_down", "drive")},
    **{f"{name}.svg": SCENE for name in ("consultation", "health", "questions", "privacy")},
    **{f"level_{name}.svg": ICON for name in ("emergency", "doctor", "clinic")},
    "attract.svg": (0.0, 0.0, 800.0, 600.0),
    "logo_demo.svg": (0.0, 0.0, 120.0, 120.0),
}
#: Drawn before the theme tokens and recoloured by kiosk/ui/facemap.py's own rules.
OLDER = {"face_map.svg"}

COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")
#: The tokens the picture-only person uses; every other token is a colour of the style sheet.
PICTURE_ONLY = {"skin", "skin_line", "skin_shadow"}


def test_every_shipped_picture_is_listed() -> None:
    shipped = {p.name for p in IMAGES.glob("*.svg")}
    assert shipped - OLDER == set(PICTURES)


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_picture_parses_with_its_agreed_view_box(qapp, name: str) -> None:
    renderer = pictures.renderer(IMAGES / name)
    assert renderer.isValid(), name
    box = renderer.viewBoxF()
    assert (box.x(), box.y(), box.width(), box.height()) == PICTURES[name]


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_picture_uses_only_theme_colours(name: str) -> None:
    text = (IMAGES / name).read_text(encoding="utf-8")
    tokens = {c.lower() for c in pictures.THEME_TOKENS.values()}
    used = {c.lower() for c in COLOUR.findall(text)}
    assert used, f"{name} names no colour"
    assert used <= tokens, f"{name}: not theme colours: {sorted(used - tokens)}"
    # No colour slips in by name or function either, and nothing is drawn as text.
    assert not re.search(r"(fill|stroke|stop-color)=\"(?!none|#|url\()", text), name
    assert not re.search(r"rgb\(|hsl\(|<text\b|<image\b", text), name


def test_token_colours_are_the_style_sheets(qapp) -> None:
    """The pictures' colours are the normal theme's (kiosk/ui/theme.py, which fills the
    style sheet), role for role."""
    normal = theme.PALETTES[theme.NORMAL]
    for role, colour in pictures.THEME_TOKENS.items():
        if role not in PICTURE_ONLY:
            assert colour.lower() == normal[role].lower(), role
    assert pictures.THEME_TOKENS["primary"] == "#1f5f6b"
    assert pictures.THEME_TOKENS["danger"] == "#b3261e"


def _render(path: Path, width: int = 220) -> QImage:
    renderer = pictures.renderer(path)
    box = renderer.viewBoxF()
    image = QImage(width, round(width * box.height() / box.width()), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter, QRectF(image.rect()))
    painter.end()
    return image


def _count(image: QImage, colour: str, tolerance: int = 6) -> int:
    target = QColor(colour)
    hits = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - target.red()) <= tolerance
                and abs(c.green() - target.green()) <= tolerance
                and abs(c.blue() - target.blue()) <= tolerance
            ):
                hits += 1
    return hits


def test_a_new_theme_recolours_a_picture(qapp, monkeypatch) -> None:
    path = IMAGES / "health.svg"  # a clipboard drawn in the primary colour
    before = _render(path)
    assert _count(before, pictures.THEME_TOKENS["primary"]) > 200
    monkeypatch.setitem(pictures.theme, "primary", "#7b2d8e")
    after = _render(path)
    assert _count(after, pictures.THEME_TOKENS["primary"]) == 0
    assert _count(after, "#7b2d8e") > 200
    assert before != after


def test_recolour_swaps_only_token_colours() -> None:
    text = '<path fill="#1F5F6B" stroke="#123456"/>'
    assert pictures.recolour(text, {"primary": "#000000"}) == (
        '<path fill="#000000" stroke="#123456"/>'
    )


@pytest.mark.parametrize(
    ("name", "colour"),
    [
        ("level_emergency.svg", "danger"),
        ("level_doctor.svg", "warn"),
        ("level_clinic.svg", "primary"),
    ],
)
def test_level_icons_wear_their_levels_colour(qapp, name: str, colour: str) -> None:
    image = _render(IMAGES / name, 96)
    assert _count(image, pictures.THEME_TOKENS[colour]) > 100


@pytest.mark.parametrize("name", sorted(n for n in PICTURES if n.startswith("aftercare_")))
def test_do_and_dont_pictures_carry_their_badge(qapp, name: str) -> None:
    """A "don't" is crossed out by a danger ring; a "do" carries a primary tick badge (its
    top right corner), and neither wears the other's colour."""
    image = _render(IMAGES / name)
    danger = _count(image, pictures.THEME_TOKENS["danger"])
    if "_dont_" in name:
        assert danger > 300, name
    else:
        assert danger == 0, name
        corner = image.copy(image.width() * 3 // 4, 0, image.width() // 4, image.height() // 3)
        assert _count(corner, pictures.THEME_TOKENS["primary"]) > 30, name


@pytest.mark.parametrize("name", sorted(n for n, box in PICTURES.items() if box == SCENE))
def test_scene_strokes_read_at_a_glance(name: str) -> None:
    """Drawn at about 220 px wide, a line under 6 units of 400 would be thinner than 3 px."""
    text = (IMAGES / name).read_text(encoding="utf-8")
    widths = [float(w) for w in re.findall(r'stroke-width="([0-9.]+)"', text)]
    assert widths and min(widths) >= 6, name
