"""The Ansible role (deploy/ansible): its config template against the config schema, and the
playbook's syntax.

The template is rendered with plain Jinja2 (what Ansible's template module runs, with the
one Ansible filter it uses, ``to_json``, given here) for every site of the example inventory
and for CI's, and the result goes through ``kiosk.core.config.parse_config``: a key renamed
or added in the schema, or a value the template writes in the wrong TOML type, fails here
rather than on a kiosk. The playbook run itself is ``scripts/ci-ansible`` (root, minutes);
the syntax check here needs ansible-playbook (skipped without it, unless
``KIOSK_REQUIRE_ANSIBLE=1``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from kiosk.core.config import Config, parse_config
from kiosk.core.errors import ProblemsError
from kiosk.core.schema import fields_of

ROOT = Path(__file__).resolve().parent.parent
ANSIBLE = ROOT / "deploy" / "ansible"
ROLE = ANSIBLE / "roles" / "botox_kiosk"
EXAMPLE = ANSIBLE / "inventories" / "example"


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def resolved(env: jinja2.Environment, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as Ansible resolves them: a string holding ``{{ }}`` is rendered with the
    same variables (role defaults refer to one another), until none is left. A value this
    test cannot render (a lookup, a fact it does not give) is left as it is: the template
    must not use it, or rendering the template fails."""
    done = dict(values)
    for _ in range(5):
        for key, value in done.items():
            texts = value if isinstance(value, list) else [value]
            if not any(isinstance(t, str) and "{{" in t for t in texts):
                continue
            try:
                new = [env.from_string(t).render(done) if isinstance(t, str) else t for t in texts]
            except (jinja2.TemplateError, KeyError, TypeError):
                continue
            done[key] = new if isinstance(value, list) else new[0]
    return done


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROLE / "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,  # Ansible's template module's default
    )
    env.filters["to_json"] = lambda value, **kw: json.dumps(value, **kw)
    env.filters["bool"] = _ansible_bool
    return env


def _ansible_bool(value: Any) -> bool:
    """Ansible's ``bool`` filter: an inventory may say yes, "true", 1."""
    if isinstance(value, str):
        return value.strip().lower() in {"yes", "on", "1", "true", "y", "t"}
    return bool(value)


def render(overrides: dict[str, Any]) -> str:
    """kiosk.toml.j2 with the role's defaults and vars, then ``overrides`` (inventory)."""
    env = _environment()
    return env.get_template("kiosk.toml.j2").render(resolved(env, _values(overrides)))


def _values(overrides: dict[str, Any]) -> dict[str, Any]:
    """The role's defaults and vars, the facts and vault values the template needs, then
    ``overrides`` (inventory)."""
    return {
        **_yaml(ROLE / "defaults" / "main.yml"),
        **_yaml(ROLE / "vars" / "main.yml"),
        "ansible_facts": {"getent_passwd": {"kiosk": ["x", "1001", "1001", "", "/home/kiosk"]}},
        "playbook_dir": str(ANSIBLE),
        "role_path": str(ROLE),
        "vault_botox_kiosk_staff_pin_hash": "pin6$argon2id$v=19$m=65536,t=6,p=4$c2FsdA$aGFzaA",
        "vault_botox_kiosk_email_password": 'p"w\\d ü',
        # set by tasks/content.yml: the folder the archive is unpacked into
        "botox_kiosk_content_path": "/var/lib/botox-kiosk/packs/0123456789ab",
        **overrides,
    }


def validated(text: str) -> Config:
    """``text`` parsed and validated by the kiosk's own schema, every key of it."""
    return parse_config(tomllib.loads(text), "kiosk.toml")


def _declared(section: str, key: str) -> bool:
    tables = {spec.key: spec.tp for spec in fields_of(Config) if not spec.rule.skip}
    return section in tables and any(spec.key == key for spec in fields_of(tables[section]))


def _sites() -> dict[str, dict[str, Any]]:
    """Each site group of the example inventory: the fleet's vars, then the site's own."""
    fleet = _yaml(EXAMPLE / "group_vars" / "all" / "main.yml")
    groups = _yaml(EXAMPLE / "hosts.yml")["all"]["children"]["kiosks"]["children"]
    return {name: {**fleet, **g["vars"]} for name, g in groups.items() if g.get("vars")}


@pytest.mark.parametrize("site", sorted(_sites()))
def test_each_example_site_renders_a_valid_config(site: str) -> None:
    site_vars = _sites()[site]
    config = validated(render(site_vars))
    assert config.clinic.name == site_vars["botox_kiosk_clinic_name"]
    assert config.clinic.emergency_number == site_vars["botox_kiosk_emergency_number"]
    assert config.kiosk.languages == site_vars["botox_kiosk_languages"]
    assert config.print.printer == site_vars["botox_kiosk_printer"]
    assert config.email.enabled and config.email.host == site_vars["botox_kiosk_email_host"]
    assert config.email.password == 'p"w\\d ü'  # from the vault, escaped for TOML
    assert config.kiosk.staff_pin_file == Path("/home/kiosk/.config/botox-kiosk/staff-pin")
    assert config.content.dir == Path("/var/lib/botox-kiosk/packs/0123456789ab")
    assert config.content.reviewed_on == dt.date(2026, 11, 30)


def test_the_ci_inventory_renders_a_valid_config() -> None:
    inventory = _yaml(ANSIBLE / "ci" / "inventory.yml")
    ci_vars = inventory["all"]["children"]["kiosks"]["vars"]
    text = render(ci_vars)
    config = validated(text)
    assert config.clinic.name == 'CI Clinic — Ødegård & Söhne "Main St"'
    assert config.kiosk.fullscreen and config.kiosk.languages == ["en", "es", "ar"]
    assert config.email.password == ""
    assert config.content.reviewed_by == "Dr CI Example, Medical Director"
    # The node_exporter folder the role makes is where the kiosk writes its metrics.
    metrics = tomllib.loads(text)["ops"]["metrics_file"]
    assert metrics == "/var/lib/botox-kiosk/metrics/botox-kiosk.prom"


def test_optional_settings_are_left_out_when_off() -> None:
    data = tomllib.loads(
        render(
            {
                **_sites()["london"],
                "botox_kiosk_content_dir": "",
                "botox_kiosk_content_public_key": "",
                "botox_kiosk_content_reviewed_by": "",
                "botox_kiosk_metrics_file": "",
            }
        )
    )
    assert "ops" not in data
    assert not {"dir", "public_key", "reviewed_by", "reviewed_on"} & set(data["content"])
    assert validated(render({**_sites()["london"], "botox_kiosk_metrics_file": ""}))


def test_every_text_setting_is_written_as_a_toml_string() -> None:
    """Each ``key = {{ … }}`` of the template is a string made TOML-safe (``string`` then
    ``to_json``), a number (``int``) or a boolean: a value the inventory gives as a number
    or with quotes in it is never written as something else."""
    source = (ROLE / "templates" / "kiosk.toml.j2").read_text(encoding="utf-8")
    settings = re.findall(r"^(\w+) = (.*)$", source, flags=re.M)
    assert len(settings) > 20
    for key, value in settings:
        as_json = r" \| to_json\(ensure_ascii=False\) \}\}"
        kinds = (
            r"\{\{ botox_kiosk_\w+ \| string" + as_json,
            r"\{\{ botox_kiosk_\w+ \| map\('string'\) \| list" + as_json,
            r"\{\{ botox_kiosk_\w+ \| int \}\}",
            r"\{\{ 'true' if botox_kiosk_\w+ \| bool else 'false' \}\}",
        )
        if key == "reviewed_on":  # a TOML date: the play checks it is YYYY-MM-DD
            continue
        assert any(re.fullmatch(kind, value) for kind in kinds), f"{key} = {value}"


def test_numbers_and_yes_no_from_the_inventory_are_written_as_their_type() -> None:
    site = {
        **_sites()["london"],
        "botox_kiosk_email_password": 12345,
        "botox_kiosk_clinic_phone": 2079460018,
        "botox_kiosk_languages": ["en"],
        "botox_kiosk_fullscreen": "no",
        "botox_kiosk_email_port": "465",
    }
    config = validated(render(site))
    assert config.email.password == "12345"
    assert config.clinic.phone == "2079460018"
    assert config.kiosk.fullscreen is False
    assert config.email.port == 465


@pytest.mark.parametrize("off", [False, "false", "no"])
def test_no_metrics_file_without_the_node_exporter_the_role_manages(off: object) -> None:
    """Without node_exporter the role makes no metrics folder: a metrics_file there would
    be a kiosk writing into a folder that is not there, for nobody."""
    site = _sites()["london"]
    assert "ops" in tomllib.loads(render(site))
    data = tomllib.loads(render({**site, "botox_kiosk_node_exporter": off}))
    assert "ops" not in data


def test_every_key_the_template_can_write_is_in_the_schema() -> None:
    """With every option on (a logo, signed content, metrics), each key written is one the
    kiosk declares: none left out of the validation."""
    text = render({**_sites()["madrid"], "botox_kiosk_clinic_logo": "/logo.png"})
    data = tomllib.loads(text)
    written = {(section, key) for section, table in data.items() for key in table}
    assert {("ops", "metrics_file"), ("content", "public_key"), ("clinic", "logo")} <= written
    assert {pair for pair in written if not _declared(*pair)} == set()
    assert validated(text)


@pytest.mark.parametrize(
    ("key", "renamed"),
    [
        ("idle_timeout_s", "idle_timeout"),
        ("metrics_file", "metrics_path"),
        ("public_key", "pubkey"),
    ],
)
def test_a_key_renamed_in_the_template_fails_the_validation(key: str, renamed: str) -> None:
    """The check above can fail: the template with one key misspelt is refused by the
    schema, as check-config would refuse it on every kiosk."""
    env = _environment()
    source = (ROLE / "templates" / "kiosk.toml.j2").read_text(encoding="utf-8")
    assert source.count(f"\n{key} = ") == 1, key
    broken = env.from_string(source.replace(f"\n{key} = ", f"\n{renamed} = "))
    values = _values({**_sites()["madrid"], "botox_kiosk_clinic_logo": "/logo.png"})
    with pytest.raises(ProblemsError, match=renamed):
        validated(broken.render(resolved(env, values)))


#: What in a task's text shows it handles a secret or output that may quote one.
SECRETS = (
    "botox_kiosk_email_password",
    "botox_kiosk_staff_pin_hash",
    "kiosk.toml.j2",
    "check-config",
    "doctor",
)


def _tasks(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every task of a task list, those inside blocks included."""
    found = []
    for task in items:
        found.append(task)
        for part in ("block", "rescue", "always"):
            found += _tasks(task.get(part, []))
    return found


def test_tasks_that_handle_secrets_log_nothing() -> None:
    """A task that writes the config (the mail password), the PIN hash, or runs
    check-config or doctor (their messages may quote a value) has ``no_log``: its result is
    not printed, not even with -vvv. Their problems are shown by a task of their own, with
    the secrets blotted out (test_check_config_problems_are_shown_without_secrets)."""
    handling = []
    for path in [*sorted((ROLE / "tasks").glob("*.yml")), ROLE / "handlers" / "main.yml"]:
        for task in _tasks(yaml.safe_load(path.read_text(encoding="utf-8")) or []):
            skip = ("name", "block", "vars", "when", "register", "failed_when", "changed_when")
            body = {k: v for k, v in task.items() if k not in skip}
            text = json.dumps(body)
            if "include_tasks" in text or "ansible.builtin.fail" in text:
                continue  # includes pass names on; a fail shows the blotted-out lines
            if any(word in text for word in SECRETS):
                handling.append(f"{path.name}: {task['name']}")
                assert task.get("no_log") is True, f"{path.name}: {task['name']}"
    assert len(handling) >= 4, handling


@pytest.mark.parametrize("variant", ["cage", "x11"])
def test_the_role_installs_the_repos_own_unit(variant: str) -> None:
    """No fork of deploy/linux's units: the role's source path resolves to them."""
    env = _environment()
    values = {**_yaml(ROLE / "vars" / "main.yml"), "role_path": str(ROLE)}
    values["botox_kiosk_variant"] = variant
    unit = Path(resolved(env, values)["botox_kiosk_unit_src"]).resolve()
    name = "botox-kiosk.service" if variant == "cage" else "botox-kiosk-x11.service"
    assert unit == ROOT / "deploy" / "linux" / name
    assert unit.is_file()


def _ansible_tool(name: str) -> str | None:
    local = ROOT / ".venv-ansible" / "bin" / name
    found = str(local) if local.is_file() else shutil.which(name)
    if found is None and os.environ.get("KIOSK_REQUIRE_ANSIBLE") == "1":
        pytest.fail(f"{name} is required here (KIOSK_REQUIRE_ANSIBLE=1)")
    return found


@pytest.mark.parametrize("name", ["site.yml", "rollback.yml"])
def test_playbook_syntax(name: str) -> None:
    playbook = _ansible_tool("ansible-playbook")
    if playbook is None:
        pytest.skip("ansible-playbook not installed (scripts/ci-ansible installs it)")
    done = subprocess.run(
        [playbook, "-i", "ci/inventory.yml", name, "--syntax-check"],
        cwd=ANSIBLE,
        env={**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"playbook: {name}" in done.stdout


def test_example_inventory_parses() -> None:
    inventory = _ansible_tool("ansible-inventory")
    if inventory is None:
        pytest.skip("ansible-inventory not installed (scripts/ci-ansible installs it)")
    done = subprocess.run(
        [inventory, "-i", str(EXAMPLE / "hosts.yml"), "--list"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg")},
    )
    assert done.returncode == 0, done.stderr
    hosts = json.loads(done.stdout)["_meta"]["hostvars"]
    assert len(hosts) == 5
    assert hosts["kiosk-mad-01.clinics.example"]["botox_kiosk_emergency_number"] == "112"


def test_check_config_problems_are_shown_without_secrets(tmp_path: Path) -> None:
    """The role's check-config task (tasks/check_config.yml), run by Ansible on a program
    that answers as check-config does when it refuses a mail password given as a number and
    quotes it: the play stops and shows the problems, never the password nor the PIN hash."""
    playbook = _ansible_tool("ansible-playbook")
    if playbook is None:
        pytest.skip("ansible-playbook not installed (scripts/ci-ansible installs it)")
    if os.geteuid() != 0 or shutil.which("sudo") is None:
        pytest.skip("needs root and sudo (the task becomes the kiosk user; CI is root)")
    pin = "pin6$argon2id$v=19$m=65536,t=6,p=4$c2FsdGllc3Q$aGFzaGhhc2hoYXNo"
    fake = tmp_path / "check-config"
    fake.write_text(
        "#!/bin/sh\n"
        'echo "$2: email.password: must be text, not 98765"\n'
        'echo "$2: clinic.name: must be set" >&2\n'
        'echo "$2: print.location: not 98765, say" >&2\n'
        f"echo '$2: kiosk.staff_pin_file: malformed: {pin}' >&2\n"
        "exit 2\n"
    )
    fake.chmod(0o755)
    play = tmp_path / "play.yml"
    play.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "check-config's output, secrets hidden",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "vars_files": [str(ROLE / "vars" / "main.yml")],
                    "vars": {
                        "botox_kiosk_user": "root",
                        "ansible_python_interpreter": "/usr/bin/python3",
                        "botox_kiosk_email_password": 98765,
                        "botox_kiosk_staff_pin_hash": pin,
                    },
                    "tasks": [
                        {
                            "name": "Check",
                            "ansible.builtin.include_tasks": str(
                                ROLE / "tasks" / "check_config.yml"
                            ),
                            "vars": {
                                "check_bin": str(fake),
                                "check_file": "/etc/kiosk.toml",
                                "check_what": "the test config",
                            },
                        }
                    ],
                }
            ]
        )
    )
    done = subprocess.run(
        [playbook, "-i", "localhost,", str(play), "-vv"],
        env={**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "check-config refused the test config (exit 2)" in said
    assert "/etc/kiosk.toml: clinic.name: must be set" in said
    assert "/etc/kiosk.toml: email.password: (hidden: it may quote a secret)" in said
    assert "/etc/kiosk.toml: print.location: not (hidden), say" in said
    assert "98765" not in said
    assert "aGFzaGhhc2hoYXNo" not in said and "c2FsdGllc3Q" not in said
