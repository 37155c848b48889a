"""The take-away rules without a window: the masked address shown back, the aftercare page's
address (clinic.aftercare_url) and its QR code, and what the done screen may know."""

from __future__ import annotations

import datetime as dt

import pytest
import segno

from kiosk import cli
from kiosk.core import qr
from kiosk.core.addresses import masked
from kiosk.core.config import load_config, reference_markdown, web_address_problem
from kiosk.core.errors import ProblemsError
from kiosk.core.flow import Screen
from kiosk.core.jobs import JobEvent, Kind
from kiosk.core.visit import EmailRefused, Visit

from .helpers import DEMO_CLINIC, REPO

URL = "https://example.com/aftercare"


# --- the address shown back -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("ana@example.com", "a***@example.com"),
        ("  ana@example.com ", "a***@example.com"),
        ("a@b.co", "a***@b.co"),
        ("zeb.o.dee+kiosk@mail.example.org", "z***@mail.example.org"),
        ("x@y@example.com", "x***@example.com"),  # the domain follows the last @
        ("ana@bücher.example", "a***@bücher.example"),
        ("no-at-sign", "***"),
        ("@example.com", "***"),
        ("ana@", "***"),
        ("", "***"),
    ],
)
def test_masked_keeps_the_domain_and_one_letter(address: str, shown: str) -> None:
    assert masked(address) == shown


def test_masked_never_shows_more_than_one_letter_of_the_name() -> None:
    assert "ebedee" not in masked("zebedee@example.com")


# --- clinic.aftercare_url ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "",
        URL,
        "http://clinic.example",
        "https://clinic.example:8443/after?care=1#top",
        "HTTPS://X.Y",
    ],
)
def test_good_aftercare_urls(url: str) -> None:
    assert web_address_problem(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("example.com/aftercare", "must start with https://"),
        ("ftp://example.com/aftercare", "must start with https://"),
        ("javascript:alert(1)", "must start with https://"),
        ("https://", "must name a host"),
        ("https:///aftercare", "must name a host"),
        ("https://example.com/after care", "must not contain spaces"),
        (" https://example.com", "must not contain spaces"),
        ("https://example.com/\n", "must not contain spaces"),
        ("https://example.com:99999/", "not a valid web address"),
    ],
)
def test_bad_aftercare_urls_are_named(url: str, why: str) -> None:
    problem = web_address_problem(url)
    assert problem is not None and why in problem


def test_a_bad_aftercare_url_names_file_and_key(write_config) -> None:
    path = write_config(DEMO_CLINIC + 'aftercare_url = "www.example.com/aftercare"\n')
    with pytest.raises(ProblemsError) as info:
        load_config(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: clinic.aftercare_url: must start with https:// (or http://), "
        "not 'www.example.com/aftercare'"
    ]


def test_check_config_names_a_bad_aftercare_url(write_config, capsys) -> None:
    path = write_config(DEMO_CLINIC + 'aftercare_url = "https://"\n')
    assert cli.main(["check-config", "--config", str(path)]) != 0
    out = capsys.readouterr()
    assert f"{path}: clinic.aftercare_url: must name a host" in out.out + out.err


def test_aftercare_url_is_off_by_default_and_set_in_the_demo(write_config) -> None:
    assert load_config(write_config(DEMO_CLINIC)).clinic.aftercare_url == ""
    demo = load_config(REPO / "resources" / "demo" / "config.toml")
    assert demo.clinic.aftercare_url == URL


def test_the_config_reference_documents_it() -> None:
    line = next(x for x in reference_markdown().splitlines() if "`aftercare_url`" in x)
    assert '`""`' in line and "QR code" in line and "no patient data" in line


# --- the code -----------------------------------------------------------------------------------
def test_the_matrix_is_the_url_with_a_quiet_zone() -> None:
    m = qr.matrix(URL)
    side = len(m)
    assert all(len(row) == side for row in m)
    border = qr.QUIET_ZONE
    for i in range(side):  # four light modules all round
        for j in range(border):
            assert not m[i][j] and not m[i][side - 1 - j]
            assert not m[j][i] and not m[side - 1 - j][i]
    # the same modules segno makes for exactly this text: nothing else is encoded
    code = segno.make_qr(URL, error="m", boost_error=True)
    assert side == code.symbol_size(scale=1, border=border)[0]
    inner = [row[border:-border] for row in m[border:-border]]
    assert inner == [[bool(v) for v in row] for row in code.matrix]


def test_the_code_carries_only_the_url() -> None:
    """Made from the configured text alone: no session can change it."""
    assert qr.matrix(URL) == qr.matrix(URL)
    assert qr.matrix(URL) != qr.matrix(URL + "?patient=ana")


# --- the visit: the address check, and what the done screen may know ---------------------------
def visit() -> Visit:
    return Visit(languages=["en"], max_copies=2, today=lambda: dt.date(2026, 12, 1))


def test_the_address_check_alone_does_not_keep_the_address() -> None:
    v = visit()
    assert v.email_refused("ana@", True) is EmailRefused.INVALID
    assert v.email_refused(" ", True) is EmailRefused.INVALID
    assert v.email_refused("ana@example.com", False) is EmailRefused.NO_CONSENT
    assert v.email_refused(" ana@example.com ", True) is None
    assert v.session.email == "" and v.may_email


def finish(v: Visit) -> None:
    """On through the journey's pages to the done screen."""
    while v.step is not Screen.DONE:
        v.next()


def test_the_done_screen_knows_what_was_taken_but_no_address() -> None:
    v = visit()
    v.start()
    request = v.email_request("ana@example.com", True)
    assert request is not None and not isinstance(request, EmailRefused)
    v.email_submitted(7)
    v.email_event(7, JobEvent(Kind.SENT))
    assert v.print_request() is not None
    v.print_submitted(8)  # still printing as the patient finishes: it comes out
    v.code_shown = True
    finish(v)
    assert v.finished_with == {"print", "email", "phone"}
    assert v.session.email == "" and not v.code_shown  # the session and its jobs are gone
    assert "ana" not in repr(vars(v))
    v.finish()  # the start screen: the next patient
    assert v.finished_with == frozenset()


@pytest.mark.parametrize(
    ("event", "took"),
    [
        (JobEvent(Kind.PRINTED), {"print"}),
        (JobEvent(Kind.FAILED, detail="jam"), set()),
    ],
)
def test_a_failed_print_is_not_said_to_be_waiting(event: JobEvent, took: set[str]) -> None:
    v = visit()
    v.start()
    assert v.print_request() is not None
    v.print_submitted(1)
    v.print_event(1, event)
    finish(v)
    assert v.finished_with == took
