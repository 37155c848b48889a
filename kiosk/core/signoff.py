"""Who checked the clinical content for this clinic, and when: the sign-off every summary
names, and the rules ``check-config`` applies to it.

The sign-off comes from the clinic's config (``[content] reviewed_by`` and ``reviewed_on``:
how a clinic signs off the built-in pack) or else from the pack's own ``[meta]``. A real
sign-off names someone, has a date that is not in the future, and is not the demo text. A
kiosk in fullscreen (kiosk mode) needs one; a windowed kiosk (the demo) only gets a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.core.config import Config
from kiosk.core.content import REVIEW_MAX_AGE, ContentPack, primary_language
from kiosk.core.errors import Problem

#: Not a sign-off: anything with "demo" in it, and the usual stand-ins for a name ("TODO",
#: "TBD", "x", "xxx", "?", "n/a", "name", "Clinical lead" on its own), ignoring case.
_DEMO = re.compile(r"demo", re.IGNORECASE)
_STAND_IN = re.compile(
    r"(?:todo|tbd|tbc|fixme|x+|\?+|-+|n/?a|none|name|clinician|clinical lead|doctor|dr)",
    re.IGNORECASE,
)
_STAND_IN_WORD = re.compile(r"\b(?:todo|tbd|tbc|fixme|xxx+)\b", re.IGNORECASE)


def is_placeholder(by: str) -> bool:
    """A name that is a placeholder, not a clinician ("TODO", "x", "Clinical lead", the demo
    pack's text); an empty name is "no sign-off", not a placeholder."""
    name = " ".join(by.split()).strip(" .,;:")
    if not name:
        return False
    return bool(_DEMO.search(name) or _STAND_IN.fullmatch(name) or _STAND_IN_WORD.search(name))


@dataclass(frozen=True)
class SignOff:
    by: str
    on: dt.date | None
    file: str  # where it is set: the config file or the pack
    section: str  # "content" (config) or "meta" (pack)

    @property
    def placeholder(self) -> bool:
        """A stand-in such as "TODO", "x", "Clinical lead" or the demo pack's text."""
        return is_placeholder(self.by)

    def real(self, today: dt.date) -> bool:
        return (
            bool(self.by.strip())
            and not self.placeholder
            and self.on is not None
            and (self.on <= today)
        )


def sign_off(pack: ContentPack, config: Config) -> SignOff:
    """The config's sign-off for the languages it names (``[content] reviewed_languages``),
    else the pack's own: a translation is not signed off by whoever read the English."""
    content = config.content
    # "en" covers "en-GB"; "es-MX" names only that one
    covered = pack.language in content.reviewed_languages or (
        primary_language(pack.language) in content.reviewed_languages
    )
    if covered and (content.reviewed_by or content.reviewed_on is not None):
        return SignOff(content.reviewed_by, content.reviewed_on, str(config.source), "content")
    return SignOff(pack.reviewed_by, pack.reviewed_on, str(pack.source), "meta")


def drafts(packs: Mapping[str, ContentPack], config: Config, today: dt.date) -> list[str]:
    """The languages offered whose content no clinician has signed off (drafts)."""
    return [code for code, pack in packs.items() if not sign_off(pack, config).real(today)]


def sign_off_problems(pack: ContentPack, config: Config, today: dt.date) -> list[Problem]:
    """Errors (a date in the future; half a sign-off; none at all in kiosk mode) and
    warnings (none yet on a windowed kiosk; a review over a year old)."""
    s = sign_off(pack, config)
    problems: list[Problem] = []
    if s.section == "content" and (not s.by.strip() or s.on is None):
        missing = "reviewed_on" if s.on is None else "reviewed_by"
        problems.append(
            Problem(
                s.file,
                f"content.{missing}",
                "missing: a sign-off names the clinician (reviewed_by) and the date (reviewed_on)",
            )
        )
    if s.on is not None and s.on > today:
        problems.append(
            Problem(
                s.file,
                f"{s.section}.reviewed_on",
                f"{s.on.isoformat()} is in the future: put the date the clinician signed "
                "the content off",
            )
        )
    if not problems and not s.real(today):
        kiosk_mode = config.kiosk.fullscreen
        where = "[content] reviewed_by and reviewed_on in the config (or [meta] in your pack)"
        if s.section == "meta" and pack.language not in config.content.reviewed_languages:
            where += f', with "{pack.language}" in [content] reviewed_languages'
        # The built-in pack is signed off in the clinic's config: point there, not at a
        # file inside the installed kiosk.
        builtin = s.section == "meta" and not config.content.dir
        problems.append(
            Problem(
                str(config.source) if builtin else s.file,
                "content.reviewed_by" if builtin else f"{s.section}.reviewed_by",
                (
                    (
                        "the demo text is not a sign-off"
                        if _DEMO.search(s.by)
                        else f"{' '.join(s.by.split())!r} is a placeholder, not a sign-off"
                    )
                    if s.placeholder
                    else f"no sign-off yet for {pack.language_name} ({pack.language})"
                    + (", a draft translation" if pack.translated_by else "")
                )
                + ": have your clinician check the content, then put their name and the date "
                f"in {where}" + (" (a fullscreen kiosk needs it)" if kiosk_mode else ""),
                warning=not kiosk_mode,
            )
        )
    if s.on is not None and s.on <= today and today - s.on > REVIEW_MAX_AGE:
        problems.append(
            Problem(
                s.file,
                f"{s.section}.reviewed_on",
                f"clinical review is over a year old ({s.on.isoformat()}); have a clinician "
                "review the content and update the date",
                warning=True,
            )
        )
    return problems
