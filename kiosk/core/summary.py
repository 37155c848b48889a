"""The patient's personalized summary: its context and its jinja2 rendering.

One context feeds the on-screen preview, the printed page and the email, so they always
say the same thing. Templates autoescape and use StrictUndefined: a name such as
``<b>x</b>{{7*7}}`` is shown literally, and a missing variable fails loudly.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import lazy
from kiosk.core.config import Config
from kiosk.core.content import SUMMARY_LABELS, ContentPack
from kiosk.core.facemap import marked_uri
from kiosk.core.session import Session
from kiosk.core.signoff import sign_off
from kiosk.core.timeline import format_date, format_range, plan

if TYPE_CHECKING:  # deferred to the first render: see kiosk.lazy
    import jinja2
else:
    jinja2 = lazy.load("jinja2")

#: Font sizes in points: on paper (12 pt and up, for readers of 65 with reading glasses),
#: and on the kiosk's screen (20 pt = 26.7 px at 96 dpi: body text at least 26 px). "map" is
#: the face picture's width in px.
PRINT_SIZES = {"body": 12, "h1": 20, "h2": 16, "lead": 14, "small": 12, "map": 200}
SCREEN_SIZES = {"body": 20, "h1": 30, "h2": 25, "lead": 22, "small": 20, "map": 300}
#: Ruled lines for the patient's own notes on paper.
NOTE_LINES = 6


def build_context(
    session: Session,
    pack: ContentPack,
    config: Config,
    *,
    include_screening: bool = True,
    screen: bool = False,
    email: bool = False,
) -> dict[str, Any]:
    """Everything a summary template may use, already in the patient's language.

    For paper by default (the PDF, also the one attached to an email); ``screen`` for the
    kiosk's preview, ``email`` for an email's HTML and text parts (no picture, which mail
    programs often block, and no lines for notes)."""
    medium = "screen" if screen else "email" if email else "print"
    rtl = pack.rtl
    t = pack.t
    first_name = session.first_name.strip()  # isolated in Arabic by the pack's t()
    areas = [pack.area(a) for a in session.areas]
    flags = []
    if include_screening:
        answer_label = {
            "yes": t("consultation.answer_yes"),
            "no": t("consultation.answer_no"),
            "unsure": t("consultation.answer_unsure"),
        }
        for q in pack.screening:
            answer = session.screening.get(q.id)
            if answer is not None and answer in q.flag:
                flags.append(
                    {
                        "question": q.question,
                        "answer": answer_label[answer],
                        "advice": q.advice_for(answer),
                        "why": q.why,
                        "pauses": q.pauses(answer),
                    }
                )
        # the answers that pause treatment first: the "Talk first" box names them
        flags.sort(key=lambda f: not f["pauses"])
    questions = [q.text for q in pack.questions if q.id in session.questions]
    logo = config.clinic.logo
    the_plan = plan(
        pack,
        session.appointment_date,
        session.areas,
        session.screening,
        check_up=config.clinic.check_up_visit,
    )
    timeline = [
        {"when": format_range(pack, e), "title": e.title, "body": pack.fill(e.body)}
        for e in the_plan.entries
    ]
    # Without the screening answers (an email when [email] include_screening = false) the
    # summary must not hint at one either: no "Talk first" box, and a neutral note on dates.
    paused = the_plan.paused and include_screening
    if the_plan.paused and not include_screening:
        timeline_note = t("summary.timeline_ask")
    elif the_plan.paused:
        timeline_note = t("summary.timeline_paused")
    elif the_plan.no_areas:
        timeline_note = t("summary.no_timeline")
    else:
        timeline_note = ""
    return {
        "lang": pack.language,
        # right to left: the HTML's dir; values filled into its sentences are isolated by
        # ContentPack.t (content.isolate), and the template wraps those it places in <bdi>
        "dir": "rtl" if pack.rtl else "ltr",
        # see summary.html.j2: Qt keeps a table's cells left to right; no italic in Arabic
        "mirror_tables": rtl and medium != "email",
        "em": "span" if rtl else "i",
        "size": SCREEN_SIZES if screen else PRINT_SIZES,
        "clinic": {
            "name": config.clinic.name,
            "phone": config.clinic.phone,
            "emergency_number": config.clinic.emergency_number,
            "logo": logo.as_uri() if logo is not None and medium != "email" else "",
        },
        "title": t("summary.title"),
        "intro": t("summary.intro"),
        "greeting": t("summary.greeting", first_name=first_name) if first_name else "",
        "medium": medium,
        "face_map": marked_uri(session.areas) if medium != "email" else "",
        "face_map_alt": t("summary.face_map_alt"),
        "note_lines": NOTE_LINES if medium == "print" else 0,
        "appointment": format_date(pack, session.appointment_date),
        "labels": {k: t(f"summary.{k}") for k in SUMMARY_LABELS}
        | {
            "do_title": t("aftercare.do_title"),
            "dont_title": t("aftercare.dont_title"),
            "other_uses_note": t("consultation.other_uses_note"),
        },
        "areas": [
            {
                "name": a.name,
                "detail": a.detail,
                "expect": a.expect,
                "medical": a.product == "medical",
            }
            for a in areas
        ],
        "any_medical": any(a.product == "medical" for a in areas),
        "benefits": {
            "title": t("benefits.title"),
            "points": pack.items("benefits.points"),
            "approved": t("benefits.approved"),
            "off_label": t("benefits.off_label"),
        },
        "include_screening": include_screening,
        "flags": flags,
        "questions": questions,
        "do": pack.items("aftercare.do"),
        "dont": pack.items("aftercare.dont"),
        "caveat": t("aftercare.caveat"),
        "bruising": t("aftercare.bruising"),
        "timeline": timeline,
        "timeline_note": timeline_note,
        "plan": the_plan,
        "paused": paused,
        "paused_flags": [f for f in flags if f["pauses"]] if paused else [],
        "help": [
            {
                "level": h.level,
                "urgent": h.urgent,
                "title": pack.fill(h.title),
                "signs": [pack.fill(s.text) for s in h.signs],
            }
            for h in pack.help
        ],
        "help_note": t("side_effects.serious_note"),
        "contact": t("summary.contact"),
        "footer": t("summary.footer"),  # each page's foot (kiosk.services.pdf), not the HTML
        "reviewed": reviewed_line(pack, config),
    }


def reviewed_line(pack: ContentPack, config: Config, today: dt.date | None = None) -> str:
    """Who checked the health facts, and when; or that no clinician has yet."""
    s = sign_off(pack, config)
    if s.on is not None and s.real(today or dt.date.today()):
        return pack.t("summary.reviewed", reviewed_by=s.by, date=format_date(pack, s.on))
    return pack.t("summary.not_reviewed")


@functools.lru_cache(maxsize=8)
def _environment(template_dirs: tuple[str, ...]) -> jinja2.Environment:
    """One jinja2 environment per list of template folders, for the process: each template
    compiles once (about 90 ms for the two), and is compiled again only when its file
    changes (jinja2 checks the file's time at each use). check-config and render-summary
    each make a renderer, and the tests call them hundreds of times in one process."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(template_dirs)),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class SummaryRenderer:
    """Renders the summary templates; jinja2 is imported on first use, not at start-up."""

    HTML = "summary.html.j2"
    TEXT = "summary.txt.j2"

    def __init__(self, template_dirs: list[Path]) -> None:
        self._env = _environment(tuple(str(d) for d in template_dirs))

    def html(self, context: dict[str, Any]) -> str:
        return self._env.get_template(self.HTML).render(context)

    def text(self, context: dict[str, Any]) -> str:
        return self._env.get_template(self.TEXT).render(context)


def sample_session(pack: ContentPack, today: dt.date | None = None) -> Session:
    """A session that touches every section (self-test, check-config, benchmarks)."""
    session = Session(language=pack.language, first_name="Ana")
    session.appointment_date = today or dt.date.today()
    session.areas = [a.id for a in pack.areas[:2]] + [pack.areas[-1].id]
    for q in pack.screening[:3]:
        session.answer(q.id, "yes")
    if len(pack.screening) > 3:
        session.answer(pack.screening[3].id, "unsure")
    session.questions = [q.id for q in pack.questions[:2]]
    return session
