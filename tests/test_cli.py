from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk import cli
from kiosk.core.errors import ProblemsError
from kiosk.core.jobs import EMAIL_JOB, PRINT_JOB
from kiosk.core.session import APPOINTMENT_SPAN, Session

from .helpers import run_kiosk


def test_self_test_walks_every_screen_and_renders_a_pdf() -> None:
    result = run_kiosk("--self-test", drop=("QT_QPA_PLATFORM", "DISPLAY"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    pages = lines[0].split()
    assert pages[:5] == ["screens:", "attract", "privacy", "consultation", "areas"]
    health = pages[5 : pages.index("questions")]
    assert health == [f"health_{n}" for n in range(1, len(health) + 1)] and len(health) > 1
    assert pages[pages.index("questions") + 1 :] == [
        "treatment", "aftercare", "timeline", "side_effects", "summary", "done"
    ]  # fmt: skip
    assert "speechd" in lines[-2].removeprefix("speech engines: ").split(", ")  # its plugin
    assert lines[-1] == "self-test ok"


def test_no_display_is_a_plain_message() -> None:
    result = run_kiosk("--windowed", drop=("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"))
    assert result.returncode == 1
    assert "no display found" in result.stderr
    assert "Traceback" not in result.stderr


def test_render_summary_writes_pdf_html_and_text(tmp_path: Path, pack) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "language": "en",
                "first_name": "Ana",
                "appointment_date": "2026-12-01",
                "areas": ["frown_lines", "crows_feet"],
                "screening": {pack.screening[0].id: "yes"},
                "questions": [pack.questions[0].id],
            }
        ),
        encoding="utf-8",
    )
    out, html, text = tmp_path / "s.pdf", tmp_path / "s.html", tmp_path / "s.txt"
    assert (
        cli.main(
            [
                "render-summary",
                str(answers),
                "--out",
                str(out),
                "--html",
                str(html),
                "--text",
                str(text),
            ]
        )
        == 0
    )
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    plain = text.read_text(encoding="utf-8")
    for body in (" ".join(pdf_text.split()), " ".join(plain.split())):
        assert "Demo Aesthetic Clinic" in body
        assert "Hello Ana," in body
        assert "Frown lines" in body and "Crow's feet" in body
        assert pack.screening[0].question in body
        assert "Tuesday 1 December 2026" in body
    assert "<h1" in html.read_text(encoding="utf-8")


def test_render_summary_rejects_unknown_ids_with_exit_2(tmp_path: Path, capsys) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text('{"language": "en", "areas": ["jawline"], "appointment_date": "soon"}')
    assert cli.main(["render-summary", str(answers), "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert f"{answers}: appointment_date: must be a date like \"2026-12-01\", not 'soon'" in err
    assert any(line.startswith(f"{answers}: areas[0]: unknown area 'jawline'") for line in err)
    assert not (tmp_path / "x.pdf").exists()


def test_render_summary_bad_json(tmp_path: Path, capsys) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{not json")
    assert cli.main(["render-summary", str(answers), "--out", str(tmp_path / "x.pdf")]) == 2
    assert capsys.readouterr().err.startswith(f"{answers}: (syntax): not valid JSON")


def test_unknown_language_flag_is_exit_2() -> None:
    result = run_kiosk("--lang", "xx", "--windowed", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2
    assert "--lang: 'xx' is not offered (offered: en)" in result.stderr


def test_works_on_a_machine_without_fonts(tmp_path: Path) -> None:
    """No system fonts: the kiosk uses its own, so screens and PDFs still carry text."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><dir>{tmp_path}</dir><cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    env = {"FONTCONFIG_FILE": str(conf)}
    result = run_kiosk("--self-test", env=env)
    assert result.returncode == 0, result.stderr
    assert "no system fonts found; using the kiosk's own" in result.stderr
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"language": "en", "first_name": "Ødegård 李雷 عائشة"}))
    out = tmp_path / "s.pdf"
    result = run_kiosk("render-summary", str(answers), "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Ødegård" in text and "李雷" in text


#: One example of each command, without --config; a command added to the parser without a
#: line here fails test_every_command_parses.
COMMANDS = {
    "check-config": ["check-config"],
    "render-summary": ["render-summary", "answers.json", "--out", "s.pdf"],
    "print-test": ["print-test"],
    PRINT_JOB: [PRINT_JOB],
    EMAIL_JOB: [EMAIL_JOB],
    "outbox": ["outbox", "list"],
    "set-staff-pin": ["set-staff-pin"],
    "send-test-email": ["send-test-email", "ana@example.com"],
    "printer-status": ["printer-status"],
    "doctor": ["doctor"],
    "content": ["content", "verify", "pack", "--public-key", "content.pub"],
    "speech-test": ["speech-test", "--lang", "es"],
    "speech-host": ["speech-host"],
}


def test_every_command_parses() -> None:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == set(COMMANDS)
    handlers = set()
    for name, argv in COMMANDS.items():
        args = cli.parse(argv)
        assert args.command == name
        assert args.config is None  # the demo clinic
        handlers.add(args.func)
    assert len(handlers) == len(COMMANDS)  # one handler each
    kiosk = cli.parse(["--windowed", "--lang", "en"])
    assert kiosk.command is None and kiosk.func is cli.run_kiosk
    assert kiosk.windowed and kiosk.lang == "en" and kiosk.config is None


@pytest.mark.parametrize("name", list(COMMANDS))
def test_config_goes_before_or_after_the_command(name: str, tmp_path: Path) -> None:
    """One --config, from the shared parent parser: before the command, after it, or both
    (the one after the command wins, as it did when each command declared its own)."""
    config, other = tmp_path / "kiosk.toml", tmp_path / "other.toml"
    before = cli.parse(["--config", str(config), *COMMANDS[name]])
    after = cli.parse([*COMMANDS[name], "--config", str(config)])
    both = cli.parse(["--config", str(other), *COMMANDS[name], "--config", str(config)])
    assert before.config == after.config == both.config == config
    assert before.func is after.func is both.func


def test_config_before_the_kiosk_and_check_config_file(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    assert cli.parse(["--config", str(config), "--windowed"]).config == config
    args = cli.parse(["check-config", str(config)])
    assert args.file == config and args.config is None


def test_check_config_reads_config_in_every_position(write_config, capsys) -> None:
    broken = write_config('[clinic]\nname = "X"\n')
    for argv in (
        ["check-config", str(broken)],
        ["check-config", "--config", str(broken)],
        ["--config", str(broken), "check-config"],
    ):
        assert cli.main(argv) == 2
        assert f"{broken}: clinic.phone:" in capsys.readouterr().err


def test_the_child_jobs_speak_the_job_protocol(tmp_path: Path) -> None:
    """print-job and email-job, as the kiosk starts them: a SummaryRequest on standard
    input, JobEvent lines out; a bad request is named key by key, with nothing printed."""
    from kiosk.core.jobs import JobEvent, Kind, Reason, SummaryRequest

    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[clinic]\nname = "T"\nphone = "1"\nemergency_number = "112"\n'
        f'[print]\noutput_dir = "{tmp_path}/prints"\n'
        f'[email]\nenabled = true\nsender = "kiosk@t.test"\neml_dir = "{tmp_path}/emails"\n'
        f'[outbox]\npath = "{tmp_path}/outbox"\n',
        encoding="utf-8",
    )
    answers = {"language": "en", "first_name": "Zoë"}
    printed = run_kiosk(
        PRINT_JOB,
        "--config",
        str(config),
        input_text=SummaryRequest(answers).encode().decode("utf-8"),
    )
    assert printed.returncode == 0, printed.stderr
    (event,) = [JobEvent.from_line(line) for line in printed.stdout.splitlines()]
    assert event is not None and event.kind is Kind.PRINTED
    assert Path(event.detail).is_file() and Path(event.detail).stat().st_mode & 0o777 == 0o600
    emailed = run_kiosk(
        EMAIL_JOB,
        "--config",
        str(config),
        input_text=SummaryRequest(answers, to="zoe@example.com").encode().decode("utf-8"),
    )
    assert [JobEvent.from_line(line) for line in emailed.stdout.splitlines()] == [
        JobEvent(Kind.QUEUED),
        JobEvent(Kind.SENT),
    ]
    assert "zoe@example.com" not in emailed.stdout + emailed.stderr  # never said, never logged
    no_address = run_kiosk(
        EMAIL_JOB,
        "--config",
        str(config),
        input_text=SummaryRequest(answers, to="not an address").encode().decode("utf-8"),
    )
    assert no_address.returncode == 2
    assert JobEvent.from_line(no_address.stdout.strip()) == JobEvent(
        Kind.FAILED, Reason.ADDRESS, "no valid address to email"
    )
    bad = run_kiosk(PRINT_JOB, "--config", str(config), input_text='{"answers": 1, "to": 2}')
    assert bad.returncode == 2 and bad.stdout == ""
    assert "<stdin>: answers: must be an object" in bad.stderr
    assert "<stdin>: to: must be a string" in bad.stderr


# render-summary refuses what it cannot render (issue 12, item 8): exit 2, FILE: KEY: message,
# found before a summary is built or a page laid out; nothing written.


def _not_reached(*args: object, **kwargs: object) -> None:
    raise AssertionError("the input should have been refused before this")


def _deep_json(depth: int) -> str:
    return '{"language": "en", "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        # dates the timeline and the calendar cannot count from
        (
            '{"language": "en", "appointment_date": "9999-12-31", "areas": ["frown_lines"]}',
            "appointment_date",
            "must be within about ten years of today (",
        ),
        ('{"language": "en", "appointment_date": "0001-01-01"}', "appointment_date", "must be"),
        # a lone surrogate: no UTF-8 page, file or email can hold one
        ('{"language": "en", "first_name": "\\ud800"}', "first_name", "must not hold U+D800"),
        ('{"language": "en", "screening": {"\\udfff": "yes"}}', 'screening."\\udfff"', "unknown"),
        # control characters, NUL first: never into the HTML, the PDF or a header
        ('{"language": "en", "first_name": "A\\u0000B"}', "first_name", "must not hold U+0000"),
        ('{"language": "en", "first_name": "A\\u001b[2J"}', "first_name", "must not hold U+001B"),
        (
            '{"language": "en", "email": "a\\u0000@b.example", "email_consent": true}',
            "email",
            "must not hold U+0000",
        ),
        # longer than the on-screen keyboard lets anyone type (it took 18-23 s at 1 MB)
        (
            json.dumps({"language": "en", "first_name": "x" * 60_000}),
            "first_name",
            "must be at most 80 characters, not 60000",
        ),
        (
            json.dumps({"language": "en", "first_name": "x" * 1_000_000}),
            "(file)",
            "is larger than 64 KB",
        ),
        (
            json.dumps({"language": "en", "email": "a" * 250 + "@b.example"}),
            "email",
            "must be at most 254 characters, not 260",
        ),
        # what the parser cannot take: one line, not a traceback
        (_deep_json(30_000), "(syntax)", "not valid JSON: nested too deeply"),
        (_deep_json(100_000), "(file)", "is larger than 64 KB: not a file the kiosk reads"),
        ('{"language": "en", "first_name": ' + "9" * 5000 + "}", "(syntax)", "not valid JSON"),
        (b'{"language": "\xff"}', "(file)", "is not UTF-8 text"),
        ('["en"]', "(file)", "must be a JSON object"),
    ],
)
def test_render_summary_refuses_what_it_cannot_render(
    tmp_path: Path, monkeypatch, capsys, text: str | bytes, key: str, message: str
) -> None:
    monkeypatch.setattr("kiosk.core.summary.build_context", _not_reached)
    monkeypatch.setattr("kiosk.services.pdf.write_pdf", _not_reached)
    answers = tmp_path / "answers.json"
    if isinstance(text, bytes):
        answers.write_bytes(text)
    else:
        answers.write_text(text, encoding="utf-8", errors="surrogatepass")
    out, html = tmp_path / "s.pdf", tmp_path / "s.html"
    code = cli.main(["render-summary", str(answers), "--out", str(out), "--html", str(html)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith(f"{answers}: ") for line in lines), lines
    assert any(line.startswith(f"{answers}: {key}: {message}") for line in lines), lines
    assert not out.exists() and not html.exists()


@pytest.mark.parametrize(
    ("option", "where", "message"),
    [
        ("--out", "folder", "is a folder, not a file: {folder}"),
        ("--html", "file/s.html", "cannot be made: {file} is a file, not a folder"),
        (
            "--text",
            "n" * 256 + ".txt",
            "has a name too long for a file or folder (260 bytes; at most 255)",
        ),
        ("--out", "s\0.pdf", "the name holds a NUL character"),
    ],
)
def test_render_summary_refuses_outputs_it_cannot_write_before_any_work(
    tmp_path: Path, monkeypatch, capsys, option: str, where: str, message: str
) -> None:
    monkeypatch.setattr("kiosk.app.load", _not_reached)
    answers = tmp_path / "answers.json"
    answers.write_text('{"language": "en"}', encoding="utf-8")
    folder, file = tmp_path / "folder", tmp_path / "file"
    folder.mkdir()
    file.write_text("")
    paths = {"--out": str(tmp_path / "s.pdf"), option: str(tmp_path / where)}
    args = ["render-summary", str(answers), *(x for pair in paths.items() for x in pair)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    shown = paths[option].replace("\0", "\\x00")
    assert err.splitlines() == [f"{shown}: {option}: {message.format(folder=folder, file=file)}"]


def test_the_worst_inputs_exit_2_from_the_command_line(tmp_path: Path) -> None:
    """The real process, not just the function: tables nested 5,000 deep for check-config,
    JSON nested 30,000 deep and a year-9999 date for render-summary."""
    config = tmp_path / "deep.toml"
    config.write_text("x = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n", encoding="utf-8")
    checked = run_kiosk("check-config", str(config))
    assert (checked.returncode, checked.stdout) == (2, "")
    assert checked.stderr == f"{config}: (syntax): not valid TOML: nested too deeply\n"
    answers = tmp_path / "answers.json"
    answers.write_text(_deep_json(30_000), encoding="utf-8")
    rendered = run_kiosk("render-summary", str(answers), "--out", str(tmp_path / "s.pdf"))
    assert (rendered.returncode, rendered.stdout) == (2, "")
    assert rendered.stderr == f"{answers}: (syntax): not valid JSON: nested too deeply\n"
    assert not (tmp_path / "s.pdf").exists()


def test_appointment_dates_are_taken_within_ten_years_of_today() -> None:
    """The range's two ends are taken, the days beyond them refused (3,653 days each way)."""
    today = dt.date(2040, 2, 29)
    first, last = today - APPOINTMENT_SPAN, today + APPOINTMENT_SPAN
    for day in (first, today, last):
        answers = {"language": "en", "appointment_date": day.isoformat()}
        assert Session.from_dict(answers, "a.json", today=today).appointment_date == day
    for day in (first - dt.timedelta(days=1), last + dt.timedelta(days=1)):
        answers = {"language": "en", "appointment_date": day.isoformat()}
        with pytest.raises(ProblemsError) as info:
            Session.from_dict(answers, "a.json", today=today)
        assert [str(p) for p in info.value.problems] == [
            f"a.json: appointment_date: must be within about ten years of today ({first} to "
            f"{last}), not {day}"
        ]


@pytest.mark.parametrize(
    "request_text",
    [
        '{"answers": {"language": "en", "first_name": "' + "A" * 2_000_000 + '"}}',
        '{"answers": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"answers": {"language": "en"}, "to": ' + "9" * 5000 + "}",
    ],
    ids=["2 MB", "nested 100,000 deep", "5,000-digit number"],
)
def test_a_job_request_it_cannot_use_is_exit_2(tmp_path: Path, request_text: str) -> None:
    """print-job and email-job read at most an answers file's size from the parent, and a
    request nested too deep or with a number too long is a plain line, never a traceback."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[clinic]\nname = "T"\nphone = "1"\nemergency_number = "112"\n'
        f'[print]\noutput_dir = "{tmp_path}/prints"\n',
        encoding="utf-8",
    )
    result = run_kiosk(PRINT_JOB, "--config", str(config), input_text=request_text)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("<stdin>: ("), result.stderr
    assert not (tmp_path / "prints").exists()
