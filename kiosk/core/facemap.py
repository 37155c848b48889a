"""The face map's areas, and the picture of it with the patient's chosen areas marked.

The kiosk's tappable face (kiosk/ui/facemap.py) and the printed summary share the SVG
(resources/images/face_map.svg) and the ids of its areas. The marked picture is SVG text
made here, without Qt; the summary carries it as a data URI, which Qt lays out in the PDF.
"""

from __future__ import annotations

import base64
import functools
import xml.etree.ElementTree as ET

from kiosk import resources

SVG_NS = "http://www.w3.org/2000/svg"

#: area id -> the SVG elements that make it up (crow's feet are on both sides).
REGIONS: dict[str, tuple[str, ...]] = {
    "forehead_lines": ("forehead_lines",),
    "frown_lines": ("frown_lines",),
    "crows_feet": ("crows_feet_left", "crows_feet_right"),
    "neck_bands": ("neck_bands",),
}

#: How a chosen area looks on paper: dark enough to see in black and white.
MARKED = {
    "fill": "#1f5f6b",
    "fill-opacity": "0.45",
    "stroke": "#0d3a42",
    "stroke-width": "7",
    "stroke-opacity": "1",
}


@functools.cache
def _face_svg() -> bytes:
    return resources.path("images", "face_map.svg").read_bytes()


def marked_svg(areas: list[str] | tuple[str, ...], svg: bytes | None = None) -> str:
    """The face with ``areas`` marked and the other areas' outlines left out."""
    ET.register_namespace("", SVG_NS)
    root = ET.fromstring(svg if svg is not None else _face_svg())
    chosen = {element for area in areas for element in REGIONS.get(area, ())}
    every = {element for elements in REGIONS.values() for element in elements}
    for element in root.iter():
        ident = element.get("id")
        if ident not in every:
            continue
        if ident in chosen:
            element.attrib.pop("stroke-dasharray", None)
            element.attrib.update(MARKED)
        else:
            element.set("fill", "none")
            element.set("stroke", "none")
    return ET.tostring(root, encoding="unicode")


def marked_uri(areas: list[str] | tuple[str, ...]) -> str:
    """The marked face as a data: URI for an <img>; "" when no face area is chosen."""
    if not any(area in REGIONS for area in areas):
        return ""
    data = base64.b64encode(marked_svg(areas).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{data}"
