"""Signed content: ``content keygen|sign|verify`` as real processes, and ``check-config`` with
``[content] public_key`` (issue 15: "a pack changed by one byte after signing fails
`content verify` and `check-config`")."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk import app, cli, resources
from kiosk.core import signing
from kiosk.core.jobs import PRINT_JOB
from kiosk.ui import pictures

from .helpers import DEMO_CLINIC, run_kiosk

NOT_FULLSCREEN = "[kiosk]\nfullscreen = false\n"


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    """A key pair made by the command (in this process: the round trip runs it as its own)."""
    private, public = tmp_path / "keys" / "content.key", tmp_path / "keys" / "content.pub"
    private.parent.mkdir()
    assert cli.main(["content", "keygen", str(private), str(public)]) == 0
    return private, public


@pytest.fixture
def signed(content_copy: Path, keys: tuple[Path, Path], capsys) -> Path:  # type: ignore[no-untyped-def]
    """The built-in packs (en, es, ar) copied and signed by the command."""
    assert cli.main(["content", "sign", str(content_copy), "--key", str(keys[0])]) == 0
    said = capsys.readouterr().out.splitlines()[-1]
    assert said == f"signed: 3 files ({content_copy / signing.SIGNATURE_FILE})"
    return content_copy


@pytest.fixture
def config(write_config: Callable[[str], Path], signed: Path, keys: tuple[Path, Path]) -> Path:
    return write_config(
        DEMO_CLINIC
        + NOT_FULLSCREEN
        + f'[content]\ndir = "{signed}"\npublic_key = "{keys[1]}"\n'
        + 'reviewed_by = "Dr A. Test"\nreviewed_on = 2026-11-30\n'
        + 'reviewed_languages = ["en", "es", "ar"]\n'
    )


def verify(folder: Path, public: Path) -> tuple[int, str]:
    done = run_kiosk("content", "verify", str(folder), "--public-key", str(public))
    return done.returncode, (done.stdout + done.stderr).strip()


def check_config(config: Path) -> tuple[int, list[str]]:
    done = run_kiosk("check-config", str(config))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [line for line in done.stderr.splitlines() if "warning" not in line]


def test_keygen_sign_verify_round_trip(tmp_path: Path, content_copy: Path) -> None:
    """The three commands as their own processes, as clinic IT runs them."""
    private, public = tmp_path / "content.key", tmp_path / "content.pub"
    made = run_kiosk("content", "keygen", str(private), str(public))
    assert made.returncode == 0, made.stderr
    if sys.platform != "win32":
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes() and b"PUBLIC KEY" in public.read_bytes()
    done = run_kiosk("content", "sign", str(content_copy), "--key", str(private))
    assert done.returncode == 0, done.stderr
    assert verify(content_copy, public) == (0, "verified: 3 files")
    manifest = json.loads((content_copy / signing.SIGNATURE_FILE).read_text())["files"]
    assert sorted(manifest) == ["ar/content.toml", "en/content.toml", "es/content.toml"]


def test_check_config_passes_a_signed_pack(config: Path) -> None:
    code, lines = check_config(config)
    assert (code, lines) == (0, [])


def test_a_pack_changed_by_one_byte_after_signing_fails_verify_and_check_config(
    signed: Path, keys: tuple[Path, Path], config: Path
) -> None:
    """The done-when line: one byte in the middle of the Spanish pack, nothing else."""
    target = signed / "es" / "content.toml"
    data = bytearray(target.read_bytes())
    middle = len(data) // 2
    data[middle] = data[middle] ^ 0x01
    target.write_bytes(bytes(data))
    code, said = verify(signed, keys[1])
    assert code == 2
    assert said == f'content verify: {signed}: "es/content.toml" was changed after signing'
    code, lines = check_config(config)
    assert code == 2
    assert lines == [f"{config}: content.public_key: {said.removeprefix('content verify: ')}"]


def _add(folder: Path) -> str:
    (folder / "en" / "extra.png").write_bytes(b"\x89PNG")
    return '"en/extra.png" was added after signing'


def _remove(folder: Path) -> str:
    (folder / "ar" / "content.toml").unlink()
    return '"ar/content.toml" was removed or renamed after signing'


def _rename(folder: Path) -> str:
    (folder / "es").rename(folder / "es-MX")
    return '"es-MX/content.toml" was added after signing'


def _unsigned(folder: Path) -> str:
    (folder / signing.SIGNATURE_FILE).unlink()
    return "not signed (no SIGNATURE.json; sign it with `content sign`)"


def _list_edited(folder: Path) -> str:
    """An attacker who changes a file and its line in the list: the signature fails."""
    path = folder / signing.SIGNATURE_FILE
    document = json.loads(path.read_text())
    document["files"]["en/content.toml"] = "0" * 64
    path.write_text(json.dumps(document))
    return "the signature does not match the public key"


@pytest.mark.parametrize(
    "alter",
    [_add, _remove, _rename, _unsigned, _list_edited],
    ids=["added", "removed", "renamed", "unsigned", "list-edited"],
)
def test_any_change_to_the_folder_fails_verify_and_check_config(  # type: ignore[no-untyped-def]
    signed: Path, keys: tuple[Path, Path], config: Path, alter: Callable[[Path], str], capsys
) -> None:
    """The command line in this process (the one-byte test above runs it as processes)."""
    why = alter(signed)
    assert cli.main(["content", "verify", str(signed), "--public-key", str(keys[1])]) == 2
    said = capsys.readouterr().err.strip()
    assert why in said and said.count("\n") == 0, said
    assert cli.main(["check-config", str(config)]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning" not in line]
    assert lines[0].startswith(f"{config}: content.public_key: ") and why in lines[0], lines


def test_another_key_and_an_unreadable_key_are_refused(  # type: ignore[no-untyped-def]
    tmp_path: Path, signed: Path, keys: tuple[Path, Path], capsys
) -> None:
    other_private, other_public = tmp_path / "other.key", tmp_path / "other.pub"
    other_private.write_bytes(signing.generate_keys()[0])
    other_public.write_bytes(signing.generate_keys()[1])
    cases = [
        (other_public, "the signature does not match the public key"),
        (keys[0], "not a PEM public key"),  # the private key where the public one goes
        (tmp_path / "missing.pub", "cannot read the key"),
    ]
    for public, why in cases:
        code = cli.main(["content", "verify", str(signed), "--public-key", str(public)])
        said = capsys.readouterr().err
        assert code == 2 and why in said, said
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key")
    assert cli.main(["content", "sign", str(signed), "--key", str(garbage)]) == 2
    assert "not an unencrypted PEM private key" in capsys.readouterr().err


def test_keygen_never_replaces_a_key(keys: tuple[Path, Path], tmp_path: Path) -> None:
    private, public = keys
    before = private.read_bytes(), public.read_bytes()
    for pair in ((private, tmp_path / "new.pub"), (tmp_path / "new.key", public)):
        done = run_kiosk("content", "keygen", *map(str, pair))
        assert done.returncode == 2 and "already exists; nothing was written" in done.stderr
    assert (private.read_bytes(), public.read_bytes()) == before
    assert not (tmp_path / "new.key").exists() and not (tmp_path / "new.pub").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_a_link_in_the_folder_is_refused_but_the_folder_may_be_one(
    tmp_path: Path, signed: Path, keys: tuple[Path, Path]
) -> None:
    """A link could point anywhere after signing; a rollout's ``current -> 2026.12`` is fine."""
    current = tmp_path / "current"
    current.symlink_to(signed, target_is_directory=True)
    key = signing.load_public_key(keys[1])
    assert len(signing.verify(current, key)) == 3
    os.symlink("/etc/hostname", signed / "en" / "logo.png")
    with pytest.raises(signing.SigningError, match=r'"en/logo\.png" is a symbolic link'):
        signing.verify(current, key)
    with pytest.raises(signing.SigningError, match="is a symbolic link"):
        signing.sign(signed, signing.load_private_key(keys[0]))


def test_public_key_needs_content_dir(  # type: ignore[no-untyped-def]
    write_config: Callable[[str], Path], keys: tuple[Path, Path], capsys
) -> None:
    config = write_config(DEMO_CLINIC + NOT_FULLSCREEN + f'[content]\npublic_key = "{keys[1]}"\n')
    assert cli.main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{config}: content.public_key: needs content.dir: the built-in content is not signed "
        "(it comes with the program); set content.dir to the signed folder, or remove public_key"
    ]


def test_the_kiosk_refuses_to_start_on_an_altered_pack(signed: Path, config: Path) -> None:
    (signed / "en" / "content.toml").write_bytes(
        (signed / "en" / "content.toml").read_bytes() + b"#"
    )
    done = run_kiosk("--config", str(config), "--windowed", env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f'{config}: content.public_key: {signed}: "en/content.toml" was changed after signing'
    )


def test_templates_must_be_signed_too(  # type: ignore[no-untyped-def]
    tmp_path: Path, write_config, signed: Path, keys: tuple[Path, Path], capsys
) -> None:
    """The summary's words: an unsigned templates folder is refused; one signed with the
    same key, or one inside the signed folder, is taken."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "summary.txt.j2").write_text("UNSIGNED WORDS\n", encoding="utf-8")

    def with_templates(folder: Path) -> Path:
        return write_config(
            DEMO_CLINIC
            + NOT_FULLSCREEN
            + f'[content]\ndir = "{signed}"\npublic_key = "{keys[1]}"\n'
            + f'templates = "{folder}"\n'
        )

    config = with_templates(templates)
    code, lines = check_config(config)
    assert code == 2
    assert lines == [
        f"{config}: content.templates: with public_key: {templates}: not signed (no "
        f"{signing.SIGNATURE_FILE}; sign it with `content sign`)"
    ]
    assert cli.main(["content", "sign", str(templates), "--key", str(keys[0])]) == 0
    assert check_config(config)[0] == 0
    (templates / "summary.txt.j2").write_text("CHANGED WORDS\n", encoding="utf-8")
    code, lines = check_config(config)
    assert code == 2 and lines[0].endswith('"summary.txt.j2" was changed after signing')
    inside = signed / "templates"  # inside the signed folder: its signature covers it
    inside.mkdir()
    (inside / "summary.txt.j2").write_text("SIGNED WORDS\n", encoding="utf-8")
    assert cli.main(["content", "sign", str(signed), "--key", str(keys[0])]) == 0
    capsys.readouterr()
    assert check_config(with_templates(inside))[0] == 0


SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>{}</text></svg>'


def test_pictures_are_shown_only_as_signed(  # type: ignore[no-untyped-def]
    qapp, tmp_path: Path, write_config, content_copy: Path, keys: tuple[Path, Path], capsys
) -> None:
    """The pictures load when a screen is built, long after the check: each is checked
    against the verified manifest as it is read, in the folder that was verified (a
    rollout's link switched later changes nothing in use)."""
    release = tmp_path / "2026.12"
    content_copy.rename(release)
    (release / "en" / "consultation.svg").write_text(SVG.format("signed"), encoding="utf-8")
    assert cli.main(["content", "sign", str(release), "--key", str(keys[0])]) == 0
    capsys.readouterr()
    current = tmp_path / "current"
    current.symlink_to(release, target_is_directory=True)
    config = write_config(
        DEMO_CLINIC + NOT_FULLSCREEN + f'[content]\ndir = "{current}"\npublic_key = "{keys[1]}"\n'
    )
    pack = app.load(config).packs["en"]
    built_in = resources.path("images", "health.svg")
    own = release.resolve() / "en" / "consultation.svg"
    assert pack.image("consultation.svg") == own  # the clinic's own, as signed
    assert pack.image("health.svg") == built_in
    (release / "en" / "health.svg").write_text(SVG.format("added"), encoding="utf-8")
    assert pack.image("health.svg") == built_in  # added after signing: not shown
    other = tmp_path / "other"
    (other / "en").mkdir(parents=True)
    (other / "en" / "consultation.svg").write_text(SVG.format("other"), encoding="utf-8")
    current.unlink()
    current.symlink_to(other, target_is_directory=True)
    assert pack.image("consultation.svg") == own  # the link switched: still the verified one
    own.write_text(SVG.format("changed"), encoding="utf-8")
    assert pack.image("consultation.svg") == resources.path("images", "consultation.svg")
    name = "consultation_only_here.svg"  # changed, and no built-in stand-in: nothing drawn
    assert not pictures.renderer(resources.path("images", name)).isValid()


@pytest.mark.parametrize(
    "crafted",
    [
        pytest.param("surrogate", id="a-name-that-is-no-utf-8"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested-too-deep"),
    ],
)
def test_a_crafted_signature_file_is_one_line_exit_2_everywhere(
    signed: Path, config: Path, keys: tuple[Path, Path], crafted: str
) -> None:
    """Valid JSON that no ``sign`` wrote: verify, check-config, the kiosk's start and its
    print job each say one line and exit 2, never a traceback."""
    path = signed / signing.SIGNATURE_FILE
    if crafted == "surrogate":
        document = json.loads(path.read_text(encoding="utf-8"))
        document["files"]["\ud800"] = "0" * 64  # json writes it escaped: a valid file
        crafted = json.dumps(document)
    path.write_text(crafted, encoding="utf-8")
    said = f"{path}: not a signature file of this program ({signing.FORMAT})"
    assert verify(signed, keys[1]) == (2, f"content verify: {said}")
    assert check_config(config) == (2, [f"{config}: content.public_key: {said}"])
    start = run_kiosk("--config", str(config), "--windowed", env={"QT_QPA_PLATFORM": "offscreen"})
    assert (start.returncode, start.stderr.strip()) == (2, f"{config}: content.public_key: {said}")
    job = run_kiosk(PRINT_JOB, "--config", str(config), input_text='{"answers": {}, "to": ""}')
    assert job.returncode == 2 and "Traceback" not in job.stderr, job.stderr
    assert f"content.public_key: {said}" in job.stdout + job.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero")
def test_a_key_path_that_never_ends_is_refused_not_waited_on(  # type: ignore[no-untyped-def]
    tmp_path: Path, signed: Path, write_config, capsys
) -> None:
    """/dev/zero, a FIFO nobody writes to, a huge file: a line and exit 2, at once."""
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.pem"
    huge.write_bytes(b"A" * (signing.KEY_MAX_BYTES + 1))
    for key, why in (
        (fifo, "cannot read the key: not a plain file"),
        (Path("/dev/zero"), "cannot read the key: not a plain file"),
        (huge, "not a key (larger than 64 KB)"),
    ):
        done = run_kiosk("content", "sign", str(signed), "--key", str(key), timeout=30)
        assert (done.returncode, done.stderr.strip()) == (2, f"content sign: {key}: {why}")
    config = write_config(
        DEMO_CLINIC + NOT_FULLSCREEN + f'[content]\ndir = "{signed}"\npublic_key = "{fifo}"\n'
    )
    start = run_kiosk(
        "--config", str(config), "--windowed", env={"QT_QPA_PLATFORM": "offscreen"}, timeout=30
    )
    assert (start.returncode, start.stderr.strip()) == (
        2,
        f"{config}: content.public_key: {fifo}: cannot read the key: not a plain file",
    )


def test_keygen_into_a_folder_that_does_not_exist_names_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no-such-folder"
    code = cli.main(["content", "keygen", str(missing / "c.key"), str(tmp_path / "c.pub")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"content keygen: {missing}: no such folder; nothing was written"
    )
    assert not (tmp_path / "c.pub").exists()
