from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.core.config import load_config
from kiosk.core.content import AREA_IDS, KEY_PLACEHOLDERS, load_pack
from kiosk.core.errors import ProblemsError
from kiosk.core.signoff import sign_off_problems

from .helpers import DEMO_CLINIC

#: CONTENT_FACTS.md "claims not to show", as patterns that must never appear.
UNSUPPORTED = [
    r"\bpermanent",
    r"prevents? (wrinkles|lines|ageing|aging)",
    r"no side effects",
    r"100\s*%",
    r"completely safe",
    r"cannot spread",
    r"instant",
    r"safe (in|during) pregnancy",
    r"\begg",
    r"18\s*(-|to|–)\s*65",
    r"works better each time",
    r"trains? (the|your) muscles",
    r"skin (tone|texture|glow)",
    r"1\s*(-|to|–)\s*3 days",
    r"proven to prevent",
]


def test_english_pack_is_complete(pack) -> None:
    assert pack.language == "en"
    assert [a.id for a in pack.areas] == list(AREA_IDS)
    assert {a.id: a.product for a in pack.areas}["chronic_migraine"] == "medical"
    assert {a.id: a.product for a in pack.areas}["frown_lines"] == "cosmetic"
    assert len(pack.screening) >= 10
    assert pack.questions and pack.steps and pack.timeline
    assert [h.level for h in pack.help] == ["emergency", "doctor", "clinic"]
    assert pack.reviewed_by == "" and pack.reviewed_on is None  # a clinic signs it off


def test_help_titles_name_the_clinic_numbers(pack) -> None:
    titles = [pack.fill(h.title) for h in pack.help]
    assert "911" in titles[0]  # the demo clinic's emergency number
    assert any("555-0100" in t for t in titles[1:])


def test_pack_makes_no_unsupported_claim(pack) -> None:
    text = Path(pack.source).read_text(encoding="utf-8").lower()
    for pattern in UNSUPPORTED:
        assert not re.search(pattern, text), pattern


def _break(content: Path, old: str, new: str) -> Path:
    path = content / "en" / "content.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ('back = "Back"\n', "", "ui.back", "missing"),
        ('next = "Next"', 'next = "Next {nope}"', "ui.next", "unknown placeholder {nope}"),
        # a placeholder that exists, in a text that is never given it, would crash the screen
        (
            'next = "Next"',
            'next = "Next {first_name}"',
            "ui.next",
            "unknown placeholder {first_name}",
        ),
        ("reviewed_by = ", "reviewed_by = 3 #", "meta.reviewed_by", "must be text, not 3"),
        ('next = "Next"', "next = 3", "ui.next", "must be text, not 3"),
        ('language = "en"', 'language = "fr"', "meta.language", "is 'fr' but the folder"),
        (
            'id = "neck_bands"',
            'id = "jawline"',
            "consultation.areas[3].id",
            "unknown area 'jawline'",
        ),
        (
            'reviewed_by = ""',
            'reviewed_by = "Dr X"\nreviewed_on = "last week"',
            "meta.reviewed_on",
            "must be a date",
        ),
        ('level = "doctor"', 'level = "nurse"', "side_effects.help[1].level", "must be one of"),
        ("[done]\n", "[done]\nsparkle = 'x'\n", "done.sparkle", "unknown key"),
    ],
)
def test_broken_pack_names_file_and_key(content_copy: Path, old, new, key, message) -> None:
    path = _break(content_copy, old, new)
    with pytest.raises(ProblemsError) as info:
        load_pack(content_copy / "en")
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith(f"{path}: {key}: ") and message in line for line in lines), lines


def test_broken_pack_fails_check_config_with_exit_2(content_copy, write_config, capsys) -> None:
    path = _break(content_copy, 'finish = "Finish"\n', "")
    config = write_config(DEMO_CLINIC + f'[content]\ndir = "{content_copy}"\n')
    assert cli.main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err.strip() == f"{path}: ui.finish: missing"


def test_missing_language_pack_is_reported(content_copy, write_config, capsys) -> None:
    # French: a language the kiosk has no pack for (Spanish and Arabic have theirs)
    config = write_config(
        DEMO_CLINIC + f'[kiosk]\nlanguages = ["en", "fr"]\n[content]\ndir = "{content_copy}"\n'
    )
    assert cli.main(["check-config", str(config)]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"{content_copy / 'fr' / 'content.toml'}: (file): not found"
    )


def test_old_review_warns_but_passes(content_copy, write_config, capsys) -> None:
    _break(content_copy, 'reviewed_by = ""', 'reviewed_by = "Dr B. Old"\nreviewed_on = 2020-01-01')
    pack = load_pack(content_copy / "en")
    config = write_config(DEMO_CLINIC + f'[content]\ndir = "{content_copy}"\n')
    loaded = load_config(config)

    def review_problems(today: dt.date) -> list[str]:
        return [str(p) for p in sign_off_problems(pack, loaded, today) if "reviewed_on" in p.key]

    warnings = review_problems(dt.date(2026, 11, 26))
    assert len(warnings) == 1 and ": meta.reviewed_on: warning: " in warnings[0]
    assert review_problems(dt.date(2020, 6, 1)) == []
    assert cli.main(["check-config", str(config)]) == 0
    assert (
        "meta.reviewed_on: warning: clinical review is over a year old" in capsys.readouterr().err
    )


def test_every_problem_in_a_pack_is_reported(content_copy: Path) -> None:
    """Problems in different sections and tables of one pack all come out of one load."""
    path = _break(content_copy, 'back = "Back"\n', "")
    _break(content_copy, 'next = "Next"', "next = 3")
    _break(content_copy, 'id = "neck_bands"', 'id = "jawline"')
    _break(content_copy, 'level = "doctor"', 'level = "nurse"')
    _break(content_copy, "[done]\n", "[done]\nsparkle = 'x'\n")
    with pytest.raises(ProblemsError) as info:
        load_pack(content_copy / "en")
    keys = [p.key for p in info.value.problems]
    for key in (
        "ui.back",
        "ui.next",
        "consultation.areas[3].id",
        "consultation.areas",  # no entry for neck_bands now
        "side_effects.help[1].level",
        "done.sparkle",
    ):
        assert key in keys, keys
    assert all(p.file == str(path) for p in info.value.problems)
    assert f"{path}: ui.back: missing" in [str(p) for p in info.value.problems]


def test_a_pack_file_that_cannot_be_read_is_named_as_a_config_is(tmp_path: Path) -> None:
    """One TOML load path (kiosk.core.schema.read_toml) for config files and packs."""
    folder = tmp_path / "en"
    (folder / "content.toml").mkdir(parents=True)
    with pytest.raises(ProblemsError, match=r"content.toml: \(file\): is a folder, not a file"):
        load_pack(folder)
    (folder / "content.toml").rmdir()
    (folder / "content.toml").write_bytes(b"[meta]\nlanguage = '\xff'\n")
    with pytest.raises(ProblemsError, match=r"content.toml: \(file\): is not UTF-8 text"):
        load_pack(folder)


# A placeholder is a name alone: str.format would read more (issue 12, item 8).
@pytest.mark.parametrize(
    ("text", "message"),
    [
        # passed check-config, then crashed every summary: "Invalid format specifier"
        (
            "{clinic_phone:%s}",
            "placeholder {clinic_phone:%s} takes no format or conversion: write {clinic_phone}",
        ),
        ("{clinic_phone!r}", "placeholder {clinic_phone!r} takes no format or conversion"),
        ("{clinic_phone:>{clinic_name}}", "placeholder {clinic_phone:>{clinic_name}} takes no"),
        ("{clinic.name}", "placeholder {clinic.name} is not a name (no attribute, index or"),
        ("{clinic_phone[0]}", "placeholder {clinic_phone[0]} is not a name"),
        ("{0}", "placeholder {0} is not a name"),
        ("{}", "placeholder {} is not a name"),
        ("{patient}", "unknown placeholder {patient}"),
        ("{clinic_phone", "bad placeholder: expected '}' before end of string"),
        ("clinic_phone}", "bad placeholder: Single '}' encountered"),
    ],
)
def test_placeholders_the_kiosk_cannot_fill_are_named(
    content_copy: Path, write_config, capsys, text: str, message: str
) -> None:
    old = 'footer = "{clinic_name} · {clinic_phone}"'
    path = _break(content_copy, old, f'footer = "Call {text}"')
    with pytest.raises(ProblemsError) as info:
        load_pack(content_copy / "en")
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 1 and lines[0].startswith(f"{path}: summary.footer: {message}"), lines
    config = write_config(DEMO_CLINIC + f'[content]\ndir = "{content_copy}"\n')
    assert cli.main(["check-config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: summary.footer: ") and "Traceback" not in err


def test_every_placeholder_of_the_built_in_pack_fills(pack) -> None:
    """The rule above refuses nothing the built-in pack says: its texts all fill."""
    values = {name: "x" for names in KEY_PLACEHOLDERS.values() for name in names}
    filled = []
    for section, texts in pack.texts.items():
        for key, text in texts.items():
            get = pack.t if isinstance(text, str) else pack.items
            filled.append(get(f"{section}.{key}", **values))  # raises on a bad placeholder
    assert len(filled) > 150


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        # format_date takes the 7th weekday and the 12th month: fewer crashed the summary
        (
            '"Saturday", "Sunday"]',
            '"Saturday"]',
            "ui.weekdays",
            "must list 7 names, in order, not 6",
        ),
        ("from_days = 168", "from_days = 100000", "aftercare.timeline", "must be a whole number"),
        (
            "from_days = 168",
            "from_days = 168\nto_days = 99999999",
            "aftercare.timeline",
            "(0 to 730)",
        ),
        ('next = "Next"', 'next = "Ne\\u0000xt"', "ui.next", "must not hold U+0000"),
        ('next = "Next"', 'next = "Ne\\u007fxt"', "ui.next", "must not hold U+007F"),
    ],
)
def test_texts_and_days_the_kiosk_cannot_show_are_named(
    content_copy: Path, old: str, new: str, key: str, message: str
) -> None:
    path = _break(content_copy, old, new)
    with pytest.raises(ProblemsError) as info:
        load_pack(content_copy / "en")
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith(f"{path}: {key}") and message in line for line in lines), lines


def test_a_text_on_several_lines_is_still_a_text(content_copy: Path) -> None:
    """A pack may write a text over several lines (TOML's triple quotes): newlines and tabs
    are not refused as control characters are."""
    _break(content_copy, 'next = "Next"', 'next = """\nNext\tstep\n"""')
    assert load_pack(content_copy / "en").t("ui.next") == "Next\tstep\n"
