"""The address check on its own: the summary screen needs it at once, and importing the
whole mail module (ssl, smtplib, icalendar) on the patient's tap stalled the screen."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def check_address(address: str) -> str | None:
    """Syntax-check an address the patient typed: None when usable, else a short English reason.

    No DNS (kiosks often have none, and a lookup would leak the domain and stall the screen).
    Non-ASCII before the @ is refused: delivering it needs SMTPUTF8, which many servers
    lack. The reason may quote offending characters: show it, do not log it.
    """
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None
