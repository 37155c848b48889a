"""The QR code of the clinic's public aftercare page ("Take it on your phone").

The code carries the configured URL and nothing else: no name, no answer, no session id,
so a photo of the screen or a scan by someone else tells nothing about the patient.
segno (pure Python, no Qt) makes the matrix; kiosk.ui.qrcode draws it.
"""

from __future__ import annotations

import segno

#: Modules of white around the code, as the QR standard asks: scanners need the margin.
QUIET_ZONE = 4


def matrix(url: str) -> list[list[bool]]:
    """The code's modules, dark = True, with the quiet zone around them: row by row, square.

    Error correction is raised as far as the code's size allows (segno's ``boost_error``),
    so a smudged screen or a glare still scans."""
    code = segno.make_qr(url, error="m", boost_error=True)
    return [[bool(v) for v in row] for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]
