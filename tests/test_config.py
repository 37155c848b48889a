from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from kiosk import app, cli, resources
from kiosk.core.checks import config_problems
from kiosk.core.config import DAY_S, Config, load_config, reference_markdown
from kiosk.core.errors import ProblemsError, one_line
from kiosk.core.schema import Spec, fields_of
from kiosk.services.jobs import ChildJobs

from .helpers import DEMO_CLINIC, REPO, settle


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def test_demo_config_is_valid(capsys) -> None:
    assert cli.main(["check-config"]) == 0
    assert "ok (en)" in capsys.readouterr().out


def test_defaults_fill_missing_sections(write_config) -> None:
    config = load_config(write_config(DEMO_CLINIC))
    assert config.clinic.name == "Test Clinic"
    assert config.kiosk.fullscreen is True
    assert config.kiosk.idle_timeout_s == 90
    assert config.kiosk.languages == ["en"]
    assert config.email.security == "starttls"
    assert config.email.timeout_s == 10.0


def test_idle_timeout_soon_is_named_and_exits_2(write_config, capsys) -> None:
    path = write_config(DEMO_CLINIC + '\n[kiosk]\nidle_timeout_s = "soon"\n')
    assert cli.main(["check-config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{path}: kiosk.idle_timeout_s: must be integer, not 'soon'"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[kiosk]\nfullscreen = 1\n", "kiosk.fullscreen: must be true/false, not 1"),
        ("[kiosk]\nidle_timeout_s = true\n", "kiosk.idle_timeout_s: must be integer, not True"),
        ("[kiosk]\nidle_timeout_s = 2\n", "kiosk.idle_timeout_s: must be at least 5, not 2"),
        # past Qt's timer range at every session start: a day at most
        (
            "[kiosk]\nidle_timeout_s = 2147484\n",
            "kiosk.idle_timeout_s: must be at most 86400, not 2147484",
        ),
        ("[outbox]\nretry_s = 9999999\n", "outbox.retry_s: must be at most 86400, not 9999999"),
        ("[email]\ntimeout_s = nan\n", "email.timeout_s: must be a finite number, not nan"),
        ("[email]\ntimeout_s = inf\n", "email.timeout_s: must be a finite number, not inf"),
        ("[kiosk]\nlanguages = []\n", "kiosk.languages: must name at least one language"),
        ("[kiosk]\nlanguages = [1]\n", "kiosk.languages: each item must be string, not 1"),
        ("[kiosk]\nwat = 1\n", "kiosk.wat: unknown key"),
        ("[printer]\nx = 1\n", "printer: unknown section"),
        ('[email]\nsecurity = "tls"\n', "email.security: must be one of 'starttls', 'ssl', 'none'"),
        ("[email]\nport = 70000\n", "email.port: must be at most 65535, not 70000"),
        ("[email]\nenabled = true\n", "email.host: must be set when email.enabled = true"),
        ('[print]\npaper = "A5"\n', "print.paper: must be one of 'A4', 'Letter', 'receipt80'"),
    ],
)
def test_bad_values_name_file_and_key(write_config, body: str, expected: str) -> None:
    path = write_config(DEMO_CLINIC + body)
    found = problems_of(path)
    assert any(line.startswith(f"{path}: {expected}") for line in found), found


def test_missing_clinic_keys_are_required(write_config) -> None:
    path = write_config('[clinic]\nname = ""\n')
    found = problems_of(path)
    assert f"{path}: clinic.name: must not be empty" in found
    assert f"{path}: clinic.phone: missing (required)" in found
    assert f"{path}: clinic.emergency_number: missing (required)" in found


def test_every_problem_is_reported_at_once(write_config) -> None:
    path = write_config(DEMO_CLINIC + "[kiosk]\nfullscreen = 1\nidle_timeout_s = 'x'\n")
    assert len(problems_of(path)) == 2


def test_missing_file_and_bad_toml(tmp_path: Path, write_config, capsys) -> None:
    missing = tmp_path / "nope.toml"
    assert cli.main(["check-config", str(missing)]) == 2
    assert capsys.readouterr().err.strip() == f"{missing}: (file): not found"
    broken = write_config("[clinic\nname = 'x'\n")
    assert cli.main(["--config", str(broken), "check-config"]) == 2
    assert capsys.readouterr().err.startswith(f"{broken}: (syntax): not valid TOML")


def test_kiosk_refuses_to_start_on_a_broken_config(write_config, capsys) -> None:
    path = write_config(DEMO_CLINIC + "[kiosk]\nidle_warning_s = 0\n")
    assert cli.main(["--config", str(path), "--windowed"]) == 2
    assert "kiosk.idle_warning_s: must be at least 20" in capsys.readouterr().err


def test_paths_resolve_relative_to_the_config(write_config) -> None:
    path = write_config(DEMO_CLINIC + '[content]\ndir = "my-content"\n')
    config = load_config(path)
    assert config.content.dir == path.parent.resolve() / "my-content"
    assert config.content.templates is None  # an empty path setting is None


def test_readme_config_reference_is_generated_from_the_schema() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- config-reference:start -->\n(.*?)<!-- config-reference:end -->", readme, re.S
    )
    assert match, "README lacks the generated config reference markers"
    assert match.group(1).strip() == reference_markdown().strip(), (
        "README's config reference is stale: run `python scripts/gen_config_reference.py`"
    )


def test_example_clinic_config_is_valid_and_prints_for_real(capsys, tmp_path: Path) -> None:
    """As shipped it waits for the clinician's sign-off (fullscreen); signed off, it passes."""
    shipped = REPO / "docs" / "kiosk.example.toml"
    assert cli.main(["check-config", str(shipped)]) == 2
    assert f"{shipped}: content.reviewed_by: no sign-off yet" in capsys.readouterr().err
    example = tmp_path / "kiosk.toml"
    text = shipped.read_text(encoding="utf-8")
    for key in ("reviewed_by", "reviewed_on"):
        assert f"# {key} = " in text
        text = text.replace(f"# {key} = ", f"{key} = ")
    example.write_text(text, encoding="utf-8")
    assert cli.main(["check-config", str(example)]) == 0
    config = load_config(example)
    assert config.kiosk.fullscreen is True
    assert config.print.output_dir is None  # a real printer, not a PDF folder
    assert "print.output_dir" not in capsys.readouterr().err


def test_check_config_rules_live_in_the_core(write_config, tmp_path: Path) -> None:
    """kiosk.core.checks finds every problem of a loaded config, errors before warnings; the
    command line only prints them."""
    config = write_config(
        DEMO_CLINIC + 'logo = "missing.png"\n[print]\noutput_dir = "prints"\n'
        "[kiosk]\nfullscreen = false\n"
    )
    loaded = app.load(config)
    found = config_problems(loaded.config, loaded.packs, loaded.template_dirs, dt.date.today())
    errors = [p for p in found if not p.warning]
    assert [p.key for p in errors] == ["clinic.logo"]
    assert errors[0].message == f"file not found: {tmp_path / 'missing.png'}"
    assert found[: len(errors)] == errors  # the errors come first
    assert {"print.output_dir", "content.reviewed_by"} <= {p.key for p in found if p.warning}


def test_the_metrics_file_must_be_a_prom_file_in_a_folder_that_exists(
    write_config, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    """node_exporter's textfile collector reads ``*.prom`` only: any other name would be a
    kiosk writing metrics no one ever sees (exit 2). A folder not there yet is a warning:
    the kiosk runs on and writes none until it exists."""
    path = write_config(DEMO_CLINIC + f'[ops]\nmetrics_file = "{tmp_path / "kiosk.txt"}"\n')
    assert cli.main(["--config", str(path), "check-config"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: ops.metrics_file: must end in .prom: node_exporter's textfile collector "
        "ignores every other file"
    ]
    assert cli.main(["--config", str(path), "--windowed"]) == 2  # the kiosk does not start
    gone = tmp_path / "metrics" / "kiosk.prom"
    path = write_config(DEMO_CLINIC + f'[ops]\nmetrics_file = "{gone}"\n')
    loaded = app.load(path)
    found = config_problems(loaded.config, loaded.packs, loaded.template_dirs, dt.date.today())
    (warning,) = [p for p in found if p.key == "ops.metrics_file"]
    assert warning.warning and warning.message.startswith(f"folder not found: {gone.parent} ")
    gone.parent.mkdir()
    found = config_problems(loaded.config, loaded.packs, loaded.template_dirs, dt.date.today())
    assert "ops.metrics_file" not in {p.key for p in found}


def test_every_problem_in_several_sections_is_reported(write_config) -> None:
    """One run names every bad key of the file, in every section, not just the first."""
    path = write_config(
        '[clinic]\nname = ""\n'
        "[kiosk]\nlanguages = []\nidle_timeout_s = 2\n"
        '[print]\npaper = "A5"\noutput_dir = 3\n'
        "[email]\nport = 0\n"
        "[printer]\n"
    )
    found = problems_of(path)
    assert found == [
        f"{path}: printer: unknown section (known: clinic, kiosk, print, email, outbox, "
        "content, speech, ops, accessibility)",
        f"{path}: clinic.name: must not be empty",
        f"{path}: clinic.phone: missing (required)",
        f"{path}: clinic.emergency_number: missing (required)",
        f"{path}: kiosk.idle_timeout_s: must be at least 5, not 2",
        f"{path}: kiosk.languages: must name at least one language",
        f"{path}: print.paper: must be one of 'A4', 'Letter', 'receipt80', not 'A5'",
        f"{path}: print.output_dir: must be string, not 3",
        f"{path}: email.port: must be at least 1, not 0",
    ]


def test_path_settings_are_absolute_paths_once_loaded(write_config, tmp_path: Path) -> None:
    """Resolved once, at load: relative to the config's folder, {data}, ~, empty is None."""
    from kiosk.core.config import data_dir

    path = write_config(
        DEMO_CLINIC
        + '[kiosk]\nstaff_pin_file = "{data}/pin"\n'
        + '[print]\noutput_dir = "pdfs"\n'
        + f'[email]\nca_file = "{tmp_path / "ca.pem"}"\neml_dir = "~/mail"\n'
    )
    config = load_config(path)
    assert config.kiosk.staff_pin_file == data_dir() / "pin"
    assert config.print.output_dir == path.parent.resolve() / "pdfs"
    assert config.email.ca_file == tmp_path / "ca.pem"
    assert config.email.eml_dir == Path("~/mail").expanduser()
    assert config.clinic.logo is None and config.outbox.path is None
    defaults = load_config(write_config(DEMO_CLINIC))
    assert defaults.kiosk.staff_pin_file == data_dir() / "staff-pin"


@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/kiosk-data"])
def test_the_data_folder_is_where_platformdirs_puts_it(monkeypatch, xdg) -> None:
    """data_dir() writes out the XDG rule on Linux (platformdirs costs 8 ms before the first
    paint): it must name the folder platformdirs names."""
    import platformdirs

    from kiosk.core.config import data_dir

    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert data_dir() == platformdirs.user_data_path("botox-kiosk", appauthor=False)


# Bad input never reaches a traceback (issue 12, item 8): each refusal is exit 2 with
# FILE: KEY: message, found before the checks that read the packs and render a summary.


def _numbers() -> list[tuple[str, Spec]]:
    """Every number setting, as ``(section, spec)``."""
    return [
        (section.key, spec)
        for section in fields_of(Config)
        if not section.rule.skip
        for spec in fields_of(section.tp)
        if spec.tp in (int, float)
    ]


def test_every_number_setting_has_bounds() -> None:
    """A number with no maximum is one the kiosk cannot always use (a timer past Qt's range,
    an email kept for ever)."""
    for section, spec in _numbers():
        assert spec.rule.minimum is not None, f"{section}.{spec.key}"
        assert spec.rule.maximum is not None, f"{section}.{spec.key}"


def _at_maxima() -> str:
    """A config with every number setting at its maximum, email on (to a folder)."""
    sections: dict[str, list[str]] = {
        "kiosk": ["fullscreen = false"],
        "email": ["enabled = true", 'sender = "kiosk@clinic.example"', 'eml_dir = "mail"'],
    }
    for section, spec in _numbers():
        sections.setdefault(section, []).append(f"{spec.key} = {spec.rule.maximum}")
    return DEMO_CLINIC + "".join(
        f"[{name}]\n" + "".join(f"{line}\n" for line in lines) for name, lines in sections.items()
    )


@pytest.mark.config(_at_maxima())
def test_every_timer_the_settings_make_fits_qt_and_a_day(qtbot, window) -> None:
    """Each Qt timer a setting makes, products included (an email job waits 8 x timeout_s +
    30 s, an outbox round 4 times that), at every setting's maximum: at most a day, so
    within Qt's int of milliseconds (2,147,483,647 ms, about 24.8 days)."""
    settle(qtbot, window)
    window.idle_guard()
    mailer = window.ctx.make_mailer()
    assert mailer is not None
    jobs = {job.name: job for job in window.ctx.background if isinstance(job, ChildJobs)}
    assert "outbox" in jobs
    intervals = {
        "idle": window.findChild(QTimer, "idle_timer").interval(),
        "outbox retry": window.findChild(QTimer, "outbox_retry").interval(),
        "email job": mailer._jobs.timeout_ms,
        **{f"{name} job": job.timeout_ms for name, job in jobs.items()},
    }
    assert intervals["idle"] == DAY_S * 1000  # the maximum, so the bound below is reached
    for name, ms in intervals.items():
        assert 0 < ms <= DAY_S * 1000 < 2**31 - 1, (name, ms)


def _refused(capsys, args: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Run the command in this process: exit 2 and its stderr's lines, each FILE: KEY: ..."""
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(re.match(r"^.+?: \S[^:]*: .+$", line) for line in lines), lines
    return lines


def _deep(opening: str, closing: str, depth: int = 5000) -> str:
    return "x = " + opening * depth + closing * depth + "\n"


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("a" * 300 + ".toml", None, "(file): the name is too long for the file system"),
        ("file/kiosk.toml", None, "(file): a part of its path is a file, not a folder"),
        ("folder", None, "(file): is a folder, not a file"),
        ("k\0.toml", None, "(file): the name holds a NUL character"),
        ("bytes.toml", b"\xff\xfe", "(file): is not UTF-8 text"),
        ("big.toml", b"# " + b"x" * (1024 * 1024), "(file): is larger than 1024 KB"),
        ("arrays.toml", _deep("[", "]"), "(syntax): not valid TOML: nested too deeply"),
        ("tables.toml", _deep("{a=", "}"), "(syntax): not valid TOML: nested too deeply"),
        ("int.toml", "x = 1" + "0" * 5000 + "\n", "(syntax): not valid TOML: Exceeds the limit"),
    ],
)
def test_a_config_that_cannot_be_read_is_one_line(
    tmp_path: Path, monkeypatch, capsys, name: str, body: str | bytes | None, expected: str
) -> None:
    monkeypatch.setattr("kiosk.core.checks.config_problems", _not_reached)
    (tmp_path / "file").write_text("")
    (tmp_path / "folder").mkdir()
    path = tmp_path / name
    if isinstance(body, str):
        path.write_text(body, encoding="utf-8")
    elif body is not None:
        path.write_bytes(body)
    lines = _refused(capsys, ["check-config", str(path)])
    assert lines == [line for line in lines if line.startswith(f"{one_line(str(path))}: ")]
    assert expected in lines[0]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_config_that_never_ends_is_refused(monkeypatch, capsys) -> None:
    monkeypatch.setattr("kiosk.core.checks.config_problems", _not_reached)
    lines = _refused(capsys, ["check-config", "/dev/zero"])
    assert lines == ["/dev/zero: (file): is larger than 1024 KB: not a file the kiosk reads"]


def _not_reached(*args: object) -> None:
    raise AssertionError("the input should have been refused before this")


def test_tables_nested_5000_deep_are_unknown_sections(write_config, capsys) -> None:
    """Deep table headers parse (tomllib reads them without recursion); the walker reads only
    the tables it declares, and the key is cut short when shown."""
    path = write_config(
        DEMO_CLINIC + "[" + ".".join(["a"] * 5000) + "]\n[kiosk." + "b." * 5000 + "c]\n"
    )
    lines = _refused(capsys, ["check-config", str(path)])
    assert lines[0].startswith(f"{path}: a: unknown section (known: clinic, kiosk")
    assert lines[1].startswith(f"{path}: kiosk.b: unknown key (known: fullscreen")
    assert len(lines) == 2


_LONG = "n" * 256


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        # a NUL or another control character: no path, header, printer name or PDF takes one
        ('logo = "lo\\u0000go.png"', "clinic.logo", "must not hold U+0000 (a control character"),
        ('aftercare_url = "https://a\\u001bb"', "clinic.aftercare_url", "must not hold U+001B"),
        ('[email]\nhost = "mail\\nhost"', "email.host", "must not hold U+000A"),
        ('[print]\nprinter = "Kiosk\\u0085"', "print.printer", "must not hold U+0085"),
        ('[kiosk]\nlanguages = ["e\\u0000n"]', "kiosk.languages", "each item must not hold U+0000"),
        # paths that no file system holds
        (f'logo = "{_LONG}.png"', "clinic.logo", "has a name too long for a file or folder"),
        (
            '[content]\ndir = "' + "/d" * 2100 + '"',
            "content.dir",
            "is too long for a path (4200 bytes; at most 4096)",
        ),
        (f'[kiosk]\nstaff_pin_file = "{_LONG}"', "kiosk.staff_pin_file", "has a name too long"),
        # a language is a code, never a path to another folder
        ('[kiosk]\nlanguages = ["../x"]', "kiosk.languages", "each item must be a language code"),
        # numbers the kiosk cannot use
        ("[email]\ntimeout_s = 601", "email.timeout_s", "must be at most 600, not 601"),
        ("[outbox]\nmax_age_days = 99999", "outbox.max_age_days", "must be at most 30"),
        (
            "[email]\nport = 1" + "0" * 4000,
            "email.port",
            "must be at most 65535, not a number of about",
        ),
        ("[email]\ntimeout_s = -inf", "email.timeout_s", "must be a finite number, not -inf"),
        # found by tests/test_fuzz.py: float() of a 401-digit integer overflows
        (
            "[email]\ntimeout_s = 1" + "0" * 400,
            "email.timeout_s",
            "must be a finite number, not a number of about 400 digits",
        ),
    ],
)
def test_values_the_kiosk_cannot_use_are_refused_at_load(
    write_config, monkeypatch, capsys, body: str, key: str, message: str
) -> None:
    """Refused as the config loads (the kiosk would not start either), before check-config
    reads a pack or renders a summary."""
    monkeypatch.setattr("kiosk.core.checks.config_problems", _not_reached)
    path = write_config(DEMO_CLINIC + body + "\n")  # a body without a [section]: [clinic]
    lines = _refused(capsys, ["check-config", str(path)])
    assert any(line.startswith(f"{path}: {key}: {message}") for line in lines), lines


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ('logo = "{folder}"', "clinic.logo", "is a folder, not a file: {folder}"),
        ('[email]\nca_file = "{folder}"', "email.ca_file", "is a folder, not a file: {folder}"),
        (
            '[kiosk]\nstaff_pin_file = "{folder}"',
            "kiosk.staff_pin_file",
            "is a folder, not a file: {folder}",
        ),
        ('[print]\noutput_dir = "{file}"', "print.output_dir", "is a file, not a folder: {file}"),
        ('[email]\neml_dir = "{file}"', "email.eml_dir", "is a file, not a folder: {file}"),
        ('[outbox]\npath = "{file}"', "outbox.path", "is a file, not a folder: {file}"),
        (
            '[content]\ntemplates = "{file}"',
            "content.templates",
            "is a file, not a folder: {file}",
        ),
        (
            '[print]\noutput_dir = "{file}/pdfs"',
            "print.output_dir",
            "cannot be made: {file} is a file, not a folder",
        ),
        ('logo = "{file}/logo.png"', "clinic.logo", "file not found: {file}/logo.png"),
        # a pipe or a device is never read whole (a PIN file of /dev/zero filled the memory)
        (
            '[kiosk]\nstaff_pin_file = "{fifo}"',
            "kiosk.staff_pin_file",
            "is not a regular file: {fifo}",
        ),
        ('logo = "{fifo}"', "clinic.logo", "is not a regular file: {fifo}"),
        (
            '[content]\ntemplates = "{templates}"',
            "content.templates",
            "is a folder, not a file: {templates}/summary.html.j2",
        ),
    ],
)
def test_paths_of_the_wrong_kind_are_refused(
    write_config, tmp_path: Path, capsys, body: str, key: str, message: str
) -> None:
    """A file where a folder is needed, a folder where a file is, a file on the way."""
    folder, file, fifo = tmp_path / "folder", tmp_path / "file", tmp_path / "fifo"
    folder.mkdir()
    file.write_text("not a folder")
    os.mkfifo(fifo)
    templates = tmp_path / "templates"
    (templates / "summary.html.j2").mkdir(parents=True)
    where = {"folder": folder, "file": file, "fifo": fifo, "templates": templates}
    path = write_config(DEMO_CLINIC + body.format(**where) + "\n")
    lines = _refused(capsys, ["check-config", str(path)])
    assert f"{path}: {key}: {message.format(**where)}" in lines


def test_a_content_folder_that_is_a_file_is_one_line(write_config, tmp_path: Path, capsys) -> None:
    file = tmp_path / "content"
    file.write_text("")
    path = write_config(DEMO_CLINIC + f'[content]\ndir = "{file}"\n')
    lines = _refused(capsys, ["check-config", str(path)])
    assert lines == [
        f"{file / 'en' / 'content.toml'}: (file): a part of its path is a file, not a folder"
    ]


@pytest.mark.parametrize("key", ["name", "phone", "emergency_number"])
def test_a_text_setting_past_a_thousand_characters_is_refused(tmp_path: Path, key: str) -> None:
    """Half a megabyte of clinic name would pass every other rule and slow every screen."""
    values = {"name": "N", "phone": "1", "emergency_number": "112"}
    values[key] = "x" * 1001
    path = tmp_path / "kiosk.toml"
    path.write_text(
        "[clinic]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items()), encoding="utf-8"
    )
    with pytest.raises(ProblemsError) as caught:
        load_config(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: clinic.{key}: must be at most 1000 characters, not 1001"
    ]
    values[key] = "x" * 1000 if key == "name" else "1" * 1000
    path.write_text(
        "[clinic]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items()), encoding="utf-8"
    )
    load_config(path)  # a thousand is still fine


def test_the_print_location_is_said_in_each_language(tmp_path: Path) -> None:
    """``location`` is in the kiosk's first language; another language gets its own
    ``locations`` entry or its pack's words, never the first language's phrase."""
    path = tmp_path / "kiosk.toml"
    path.write_text(
        DEMO_CLINIC
        + '[kiosk]\nlanguages = ["en", "es", "ar"]\n'
        + '[print]\nlocation = "reception desk 2"\nlocations = { es = "la recepción 2" }\n',
        encoding="utf-8",
    )
    printing = load_config(path).print
    assert printing.location_for("en", "en", "the front desk") == "reception desk 2"
    assert printing.location_for("es", "en", "la recepción") == "la recepción 2"
    assert printing.location_for("ar", "en", "مكتب الاستقبال") == "مكتب الاستقبال"
    assert load_config(resources.demo_config()).print.location_for("en", "en", "x") == "x"


def test_toml_nested_too_deep_is_refused_before_it_is_parsed(monkeypatch) -> None:
    """tomllib recurses per level: on Python 3.13 under pytest-xdist, the RecursionError at
    5,000 levels also printed "Exception ignored in sys.unraisablehook". The depth is
    measured first (strings and comments aside), so the parser never goes that deep."""
    import tomllib

    from kiosk.core import schema

    def never(_text: str) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(tomllib, "loads", never)
    with pytest.raises(ProblemsError, match="nested too deeply"):
        schema.parse("a = " + "[" * 5000 + "]" * 5000, "deep.toml", "TOML")
    fine = 'a = [[1, [2]], "[[[[", \'{{{{\'] # [[[[\nb = { c = { d = 1 } }\ns = """ [[[ """\n'
    assert schema._toml_depth(fine) == 3
