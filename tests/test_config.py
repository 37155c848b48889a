from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kiosk import app, cli
from kiosk.core.checks import config_problems
from kiosk.core.config import load_config, reference_markdown
from kiosk.core.errors import ProblemsError

from .helpers import DEMO_CLINIC, REPO


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
    assert "kiosk.idle_warning_s: must be at least 1" in capsys.readouterr().err


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
        f"{path}: printer: unknown section (known: clinic, kiosk, print, email, outbox, content)",
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
