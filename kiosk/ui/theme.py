"""The kiosk's two themes and its three text sizes, in one place.

Each theme is a palette: a colour for each role (``PALETTES``). The style sheets
(resources/style/kiosk.qss, and the keyboard's own) name roles, never colours: ``@primary``;
``fill`` puts in the running theme's colours and scales every ``font-size: Npx`` (and any
length written ``Nspx``) by the text size. The painted widgets (the steps bar, the timeline,
the face map, the day picker, the scroll cue, the start screen's art) read ``colour`` and
``px`` here when they paint. ``PAIRS`` lists every text colour drawn on a ground, so
tests/test_access.py computes each pair's contrast for both themes (WCAG 2.x: at least 4.5:1
in the normal theme, 7:1 in high contrast). Pure Python: no Qt.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from kiosk import resources

NORMAL = "normal"
CONTRAST = "contrast"

PALETTES: dict[str, dict[str, str]] = {
    NORMAL: {
        "text": "#1b2a30",  # running text
        "ink": "#16323a",  # titles, questions, outlines
        "text_soft": "#33464d",  # secondary text
        "primary": "#1f5f6b",  # buttons' words and edges, headings, filled primary buttons
        "primary_dark": "#16454e",  # a pressed primary button, a chosen area's edge
        "primary_light": "#d3e9ed",  # a chosen choice's fill
        "pressed": "#d8eaee",  # an ordinary button while pressed
        "paper": "#ffffff",  # cards, header, footer, buttons
        "background": "#f4f7f7",  # the page
        "line": "#d5e0e2",  # faint borders
        "line_strong": "#c6d6da",
        "muted": "#5b7a82",  # a field's border
        "disabled_text": "#5b6b70",
        "disabled_ground": "#eef2f3",
        "disabled_edge": "#9aaaae",
        "ahead": "#b9c7cb",  # the steps bar: a step not reached yet
        "scroll_track": "#e3eaec",
        "scroll_handle": "#7d9298",
        "keyboard_ground": "#e6eef0",
        "info_ground": "#e6f1f3",
        "danger": "#b3261e",
        "danger_text": "#8c1d18",
        "danger_light": "#fdecea",
        "danger_pressed": "#f6c9c4",
        "warn": "#a35a00",
        "warn_text": "#7a4300",
        "warn_light": "#fff4e0",
        "backdrop": "#16323a",  # behind a modal card: opaque, it hides the patient's page
        "scrim": "rgba(22, 50, 58, 0.6)",  # behind the language chooser
        "focus_outer": "#000000",  # the keyboard focus ring's outer band (focus.qss)
        "focus_inner": "#ffffff",  # ... and its inner band
    },
    CONTRAST: {
        "text": "#000000",
        "ink": "#000000",
        "text_soft": "#1a1a1a",
        "primary": "#003a47",
        "primary_dark": "#00252e",
        "primary_light": "#dff0f4",
        "pressed": "#cfe6ec",
        "paper": "#ffffff",
        "background": "#ffffff",
        "line": "#000000",
        "line_strong": "#000000",
        "muted": "#000000",
        "disabled_text": "#3d3d3d",
        "disabled_ground": "#f0f0f0",
        "disabled_edge": "#595959",
        "ahead": "#595959",
        "scroll_track": "#e0e0e0",
        "scroll_handle": "#000000",
        "keyboard_ground": "#e8e8e8",
        "info_ground": "#e8f4f7",
        "danger": "#7a0000",
        "danger_text": "#7a0000",
        "danger_light": "#fff0ee",
        "danger_pressed": "#ffd6d1",
        "warn": "#5c3200",
        "warn_text": "#5c3200",
        "warn_light": "#fff4e0",
        "backdrop": "#000000",
        "scrim": "rgba(0, 0, 0, 0.8)",
        "focus_outer": "#000000",
        "focus_inner": "#ffffff",
    },
}

#: Every text colour the kiosk draws, with each ground it is drawn on (style sheets and
#: painted widgets alike). tests/test_access.py checks each style rule's pair is listed.
PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("text", "paper"),
    ("ink", "background"),
    ("ink", "paper"),
    ("text_soft", "background"),
    ("text_soft", "paper"),
    ("primary", "background"),
    ("primary", "paper"),
    ("primary", "pressed"),
    ("primary", "primary_light"),  # a chosen choice; the chosen step; a pressed take-away
    ("ink", "primary_light"),  # a chosen answer
    ("paper", "primary"),  # primary buttons, the numbers, the scroll cue
    ("paper", "primary_dark"),  # a pressed primary button
    ("disabled_text", "disabled_ground"),
    ("disabled_text", "paper"),  # a step not reached yet
    ("text", "info_ground"),
    ("text", "danger_light"),
    ("danger", "danger_light"),
    ("danger_text", "danger_light"),
    ("danger_text", "danger_pressed"),
    ("text", "warn_light"),
    ("warn_text", "warn_light"),
    ("ink", "keyboard_ground"),
    ("paper", "backdrop"),
)
#: The least contrast of each theme's pairs (WCAG 2.x 1.4.3 and 1.4.6).
LEAST_CONTRAST = {NORMAL: 4.5, CONTRAST: 7.0}

_ROLE = re.compile(r"@([a-z_]+)\b")
_FONT = re.compile(r"font-size:\s*(\d+)px")
_LENGTH = re.compile(r"\b(\d+)spx\b")

_running: dict[str, object] = {"palette": PALETTES[NORMAL], "scale": 100}


def fill(template: str, colours: Mapping[str, str], scale: int) -> str:
    """A style sheet template with its roles' colours and its sizes at ``scale`` percent."""

    def sized(px: str) -> str:
        return str(round(int(px) * scale / 100))

    text = _ROLE.sub(lambda m: colours[m.group(1)], template)
    text = _FONT.sub(lambda m: f"font-size: {sized(m.group(1))}px", text)
    return _LENGTH.sub(lambda m: f"{sized(m.group(1))}px", text)


def use(high_contrast: bool, scale: int) -> None:
    """Make a theme and a text size the running ones (the window restyles after)."""
    _running["palette"] = PALETTES[CONTRAST if high_contrast else NORMAL]
    _running["scale"] = scale


def styled(template: str) -> str:
    """``template`` in the running theme and text size."""
    return fill(template, palette(), scale())


@functools.cache
def _templates() -> str:
    """kiosk.qss, then focus.qss (the keyboard focus ring) when it is shipped: one template,
    so both follow the theme and the text size."""
    parts = [resources.read_text("style", "kiosk.qss")]
    focus = resources.path("style", "focus.qss")
    if focus.is_file():
        parts.append(focus.read_text(encoding="utf-8"))
    return "\n".join(parts)


def style_sheet() -> str:
    """The application's style sheet in the running theme and text size."""
    return styled(_templates())


def staff_style_sheet() -> str:
    """The staff tools' own style sheet: the running theme at 100 %. The text size is the
    patient's choice; the staff's PIN pad and panel keep their layout (a widget's sheet
    overrides the application's)."""
    return fill(_templates(), palette(), 100)


def palette() -> dict[str, str]:
    return _running["palette"]  # type: ignore[return-value]


def colour(role: str) -> str:
    """The running theme's colour for ``role`` (painted widgets)."""
    return palette()[role]


def scale() -> int:
    """The running text size, in percent."""
    return _running["scale"]  # type: ignore[return-value]


def px(size: float) -> int:
    """A size at 100 % (a font's pixel size, a painted row's height) at the running size."""
    return round(size * scale() / 100)


def high_contrast() -> bool:
    return palette() is PALETTES[CONTRAST]


#: A text colour in a document's inline style (``color: #1f5f6b``), not a background's.
_TEXT_COLOUR = re.compile(r"(?<![-\w])color:\s*#[0-9a-fA-F]{3,8}\b")


def document(html: str) -> str:
    """A document shown on screen (the summary's preview, from its template) in the
    running theme: in high contrast every text colour of its inline styles becomes the
    theme's text colour (the template's teal and red headings are under 7:1 on their
    grounds, which stay as they are: light)."""
    if not high_contrast():
        return html
    return _TEXT_COLOUR.sub(f"color: {colour('text')}", html)
