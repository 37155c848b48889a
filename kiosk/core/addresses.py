"""Email addresses: is what the patient typed usable, and its form for SMTP and headers.

Pure Python (email-validator, itself pure Python, with no DNS lookup), so the summary screen
checks an address on the patient's tap without importing the mail machinery (ssl, smtplib,
icalendar), which stalled the screen.

Privacy: an address is patient data. Nothing here logs one; ``ascii_address``'s error never
quotes it; ``check_address``'s reason may quote offending characters, for the screen only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kiosk import lazy

if TYPE_CHECKING:  # 30 ms: loaded as the summary screen is built (preload), see kiosk.lazy
    import email_validator
else:
    email_validator = lazy.load("email_validator")

_UNSAFE = re.compile(r"[\s<>,;\x00-\x1f\x7f]")


def check_address(address: str) -> str | None:
    """Syntax-check an address the patient typed: None when usable, else a short English reason.

    No DNS (kiosks often have none, and a lookup would leak the domain and stall the screen).
    Non-ASCII before the @ is refused: delivering it needs SMTPUTF8, which many servers
    lack. The reason may quote offending characters: show it, do not log it.
    """
    try:
        email_validator.validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError as exc:
        return str(exc)
    return None


def masked(address: str) -> str:
    """The address as the patient's own screen shows it back: ``ana@example.com`` →
    ``a***@example.com``. The domain stays whole (a typo there is the one the patient can
    still spot); the name before the @ keeps its first character only. Something that is
    not an address at all becomes ``***``."""
    local, at, domain = address.strip().rpartition("@")
    if not (at and local and domain):
        return "***"
    return f"{local[0]}***@{domain}"


def preload() -> None:
    """Load the address checker now (as the summary screen is built, after the first paint),
    not on the patient's tap."""
    email_validator.validate_email  # noqa: B018  (the first attribute loads the module)


def ascii_address(address: str) -> str:
    """The address as SMTP commands and 7-bit headers need it.

    An ASCII address passes as it is (clinic-internal senders like ``kiosk@clinic.local``
    included); an IDN domain becomes its xn-- form. Raises ValueError, without quoting the
    address, for anything that could not be sent or could inject a command or header.
    """
    if address.isascii():
        local, at, domain = address.rpartition("@")
        if not (at and local and domain) or _UNSAFE.search(address):
            raise ValueError("not a usable email address")
        return address
    try:
        result = email_validator.validate_email(
            address, check_deliverability=False, allow_smtputf8=False
        )
    except email_validator.EmailNotValidError:
        raise ValueError("not a usable email address") from None
    return str(result.ascii_email)
