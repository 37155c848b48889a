"""Anonymous usage counters: counts per day, persisted, nothing personal, exportable as CSV.

Time is a fake ``today``; the file lives in tmp_path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import stat
import sys
from pathlib import Path

import pytest

from kiosk.core.counters import MAX_DAYS, OUTCOMES, SCREENS, Tally, dump, load_days, parse
from kiosk.core.flow import Screen
from kiosk.services.counters_store import CountersFile

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
DAY0 = dt.date(2026, 3, 2)


class Clock:
    def __init__(self, date: dt.date = DAY0) -> None:
        self.date = date

    def __call__(self) -> dt.date:
        return self.date

    def advance(self, days: int = 1) -> None:
        self.date += dt.timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "sub" / "counters.json"


def walk(counters: CountersFile) -> None:
    """Three sessions: one printed (two copies), one abandoned on consultation, one emailed."""
    counters.started("en")
    counters.printed()
    counters.printed()
    counters.finished("print")
    counters.started("es")
    counters.abandoned("consultation")
    counters.started("en")
    counters.finished("email")


def test_counts_accumulate_and_persist_across_instances(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    assert counters.day() == {
        "sessions_started": 0,
        "sessions_finished": 0,
        "print_jobs": 0,
        "stopped_at": dict.fromkeys(SCREENS, 0),
        "outcome": dict.fromkeys(OUTCOMES, 0),
        "language": {},
    }
    walk(counters)
    counters.abandoned(Screen.SUMMARY)  # the enum is accepted too
    expected = {
        "sessions_started": 3,
        "sessions_finished": 2,
        "print_jobs": 2,
        "stopped_at": {**dict.fromkeys(SCREENS, 0), "consultation": 1, "summary": 1},
        "outcome": {"print": 1, "email": 1, "both": 0, "neither": 0},
        "language": {"en": 2, "es": 1},
    }
    assert counters.day() == expected
    assert path.is_file()  # the parent folders were created

    again = CountersFile(path, today=clock)
    assert again.day() == expected
    again.finished("both")
    again.finished("neither")
    assert CountersFile(path, today=clock).day()["outcome"] == {
        "print": 1,
        "email": 1,
        "both": 1,
        "neither": 1,
    }


def test_a_file_from_before_print_jobs_were_counted_still_loads(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    walk(counters)
    data = json.loads(path.read_text(encoding="utf-8"))
    for day in data["days"].values():
        del day["print_jobs"]  # as the first file format wrote it
    path.write_text(json.dumps(data), encoding="utf-8")
    again = CountersFile(path, today=clock)
    assert again.day()["sessions_started"] == 3  # not set aside as corrupt
    assert again.day()["print_jobs"] == 0
    assert not list(path.parent.glob("*.corrupt*"))


def test_day_returns_a_copy(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    counters.started("en")
    day = counters.day()
    day["language"]["en"] = 99
    day["stopped_at"]["done"] = 99
    assert counters.day()["language"] == {"en": 1}
    assert counters.day()["stopped_at"]["done"] == 0


def test_a_new_day_starts_fresh_and_old_days_stay(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    walk(counters)
    clock.advance()
    assert counters.day()["sessions_started"] == 0
    counters.started("fr")
    assert counters.day()["sessions_started"] == 1
    assert counters.day()["language"] == {"fr": 1}
    reopened = CountersFile(path, today=clock)
    assert reopened.day(DAY0)["sessions_started"] == 3
    assert reopened.day(DAY0)["language"] == {"en": 2, "es": 1}
    assert reopened.day()["language"] == {"fr": 1}
    assert reopened.day(DAY0 - dt.timedelta(days=1))["sessions_started"] == 0


def test_csv_header_and_rows(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    walk(counters)
    clock.advance(2)
    counters.started("pt-BR")
    counters.abandoned("privacy")
    csv_text = counters.to_csv(days=4)
    assert csv_text == (
        "date,started,finished,"
        "stopped_at_attract,stopped_at_privacy,stopped_at_consultation,stopped_at_areas,"
        "stopped_at_health,stopped_at_questions,stopped_at_treatment,stopped_at_aftercare,"
        "stopped_at_timeline,stopped_at_side_effects,stopped_at_summary,stopped_at_done,"
        "outcome_print,outcome_email,outcome_both,outcome_neither,print_jobs,"
        "lang_en,lang_es,lang_pt-BR\r\n"
        "2026-03-01,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n"
        "2026-03-02,3,2,0,0,1,0,0,0,0,0,0,0,0,0,1,1,0,0,2,2,1,0\r\n"
        "2026-03-03,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n"
        "2026-03-04,1,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1\r\n"
    )
    # Language columns are only the codes seen in the range.
    assert counters.to_csv(days=1).splitlines()[0].endswith("print_jobs,lang_pt-BR")
    header = counters.to_csv().splitlines()
    assert len(header) == 31  # header + 30 days by default, newest last
    assert header[-1].startswith("2026-03-04,")

    out = path.parent / "export" / "counters.csv"
    out.parent.mkdir()
    counters.export_csv(out, days=4)
    assert out.read_bytes() == csv_text.encode("utf-8")

    with pytest.raises(ValueError):
        counters.to_csv(days=0)


def test_csv_with_no_language_seen_has_only_fixed_columns(path: Path, clock: Clock) -> None:
    header = CountersFile(path, today=clock).to_csv(days=1).splitlines()[0].split(",")
    assert header == [
        "date",
        "started",
        "finished",
        *(f"stopped_at_{s}" for s in SCREENS),
        "outcome_print",
        "outcome_email",
        "outcome_both",
        "outcome_neither",
        "print_jobs",
    ]


@pytest.mark.parametrize(
    "language",
    ["", "e", "english", "EN", "en-", "en-USA", "en_US", "en\n", "ana maria", "é", "e1", 42, None],
)
def test_invalid_language_is_not_counted(path: Path, clock: Clock, language: object) -> None:
    counters = CountersFile(path, today=clock)
    counters.started(language)  # type: ignore[arg-type]
    assert counters.day()["sessions_started"] == 1  # the session still counts
    assert counters.day()["language"] == {}
    assert json.loads(path.read_text())["days"][DAY0.isoformat()]["language"] == {}


def test_valid_language_codes(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    for code in ("en", "deu", "pt-BR", "zh-tw"):
        counters.started(code)
    assert counters.day()["language"] == {"deu": 1, "en": 1, "pt-BR": 1, "zh-tw": 1}


def test_languages_allowlist(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock, languages=["en", "es"])
    counters.started("es")
    counters.started("ana")  # matches the code pattern, but is not a kiosk language
    assert counters.day()["language"] == {"es": 1}
    assert counters.day()["sessions_started"] == 2


@pytest.mark.parametrize("screen", ["", "Consultation", "checkout", "summary ", "ana@x.com", 3])
def test_invalid_screen_is_ignored(path: Path, clock: Clock, screen: object) -> None:
    counters = CountersFile(path, today=clock)
    counters.abandoned(screen)  # type: ignore[arg-type]
    assert counters.day()["stopped_at"] == dict.fromkeys(SCREENS, 0)
    assert not path.exists()  # nothing was counted, nothing written


def test_invalid_outcome_counts_the_finish_only(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    counters.finished("fax")  # type: ignore[arg-type]
    assert counters.day()["sessions_finished"] == 1
    assert counters.day()["outcome"] == dict.fromkeys(OUTCOMES, 0)


def test_rejected_values_are_never_logged(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.counters")
    counters = CountersFile(path, today=clock)
    counters.started("Ana Maria")
    counters.abandoned("ana@example.com")
    counters.finished("Ana")  # type: ignore[arg-type]
    assert caplog.records  # ignored at debug level...
    assert all(r.levelno == logging.DEBUG for r in caplog.records)
    assert "ana" not in caplog.text.lower()  # ...without the value


def _walk_json(value: object, keys: set[str]) -> None:
    """Every key and leaf of the counters file is a fixed name, a date or a count."""
    if isinstance(value, dict):
        for key, child in value.items():
            keys.add(key)
            _walk_json(child, keys)
    else:
        assert type(value) is int, value


def test_file_holds_nothing_but_counts(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    walk(counters)
    counters.started("Ana Maria Lopez")
    counters.started("ana@example.com")
    counters.abandoned("ana@example.com")
    clock.advance()
    counters.started("pt-BR")
    counters.finished("both")

    text = path.read_text(encoding="ascii")
    assert "ana" not in text.lower() and "@" not in text
    data = json.loads(text)
    assert set(data) == {"version", "days"}
    keys: set[str] = set()
    _walk_json(data, keys)
    vocabulary = {
        "version",
        "days",
        "sessions_started",
        "print_jobs",
        "sessions_finished",
        "stopped_at",
        "outcome",
        "language",
        *SCREENS,
        *OUTCOMES,
    }
    dates = {k for k in keys if re.fullmatch(r"\d{4}-\d{2}-\d{2}", k)}
    codes = {k for k in keys if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2})?", k)}
    assert dates == {"2026-03-02", "2026-03-03"}
    assert keys - vocabulary - dates - codes == set()
    assert codes - vocabulary == {"en", "es", "pt-BR"}


@POSIX
def test_file_mode_is_0600(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    counters.started("en")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    counters.finished("neither")  # rewritten, still 0600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["counters.json"]  # no temp file left


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"\xff\xfe garbage",
        b"[1, 2, 3]",
        b'{"version": 2, "days": {}}',
        b'{"version": 1, "days": {"yesterday": {}}}',
        b'{"version": 1, "days": {"2026-03-01": {"sessions_started": -1}}}',
        b'{"version": 1, "days": {"2026-03-01": {"sessions_started": 1, "sessions_finished": 0,'
        b' "stopped_at": {"name": 1}, "outcome": {}, "language": {}}}}',
        b'{"version": 1, "days": {"2026-03-01": {"sessions_started": true, "sessions_finished":'
        b' 0, "stopped_at": {}, "outcome": {}, "language": {}}}}',
        b"[" * 100_000,
    ],
)
def test_corrupt_file_is_set_aside(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="kiosk.counters"):
        counters = CountersFile(path, today=clock)
    assert "moved to" in caplog.text
    aside = path.with_name("counters.json.corrupt")
    assert aside.read_bytes() == content
    assert not path.exists()
    assert counters.day()["sessions_started"] == 0
    counters.started("en")  # counting restarts
    assert CountersFile(path, today=clock).day()["sessions_started"] == 1


def test_a_second_corrupt_file_does_not_replace_the_first(path: Path, clock: Clock) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("first")
    CountersFile(path, today=clock)
    path.write_text("second")
    CountersFile(path, today=clock)
    assert path.with_name("counters.json.corrupt").read_text() == "first"
    assert path.with_name("counters.json.1.corrupt").read_text() == "second"


def test_a_corrupt_file_that_cannot_be_moved_is_never_overwritten(
    path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("{damaged")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("kiosk.services.counters_store.os.replace", refuse)
    with caplog.at_level(logging.WARNING, logger="kiosk.counters"):
        counters = CountersFile(path, today=clock)
    assert "counting in memory only" in caplog.text
    monkeypatch.undo()
    counters.started("en")
    assert counters.day()["sessions_started"] == 1
    assert path.read_text() == "{damaged"


def test_a_partial_day_from_an_older_version_loads(path: Path, clock: Clock) -> None:
    """Screens or outcomes missing from a stored day read as zero."""
    path.parent.mkdir(parents=True)
    day = {
        "sessions_started": 2,
        "sessions_finished": 1,
        "stopped_at": {"treatment": 1},
        "outcome": {"email": 1},
        "language": {"en": 2},
    }
    path.write_text(json.dumps({"version": 1, "days": {DAY0.isoformat(): day}}))
    counts = CountersFile(path, today=clock).day()
    assert counts["stopped_at"] == {**dict.fromkeys(SCREENS, 0), "treatment": 1}
    assert counts["outcome"] == {**dict.fromkeys(OUTCOMES, 0), "email": 1}


def test_a_failing_write_never_reaches_the_kiosk(
    tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    counters = CountersFile(blocker / "counters.json", today=clock)
    with caplog.at_level(logging.WARNING, logger="kiosk.counters"):
        counters.started("en")
        counters.finished("print")
    assert "could not write" in caplog.text
    assert counters.day()["sessions_finished"] == 1  # still counted in memory


def test_a_failing_clock_never_reaches_the_kiosk(path: Path) -> None:
    def broken() -> dt.date:
        raise RuntimeError("clock")

    counters = CountersFile(path, today=broken)
    counters.started("en")
    counters.abandoned("treatment")
    counters.finished("email")


def test_pruning_keeps_at_most_400_days(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    counters.started("en")  # DAY0
    clock.advance()
    counters.started("es")  # DAY0 + 1
    clock.date = DAY0 + dt.timedelta(days=MAX_DAYS - 1)
    counters.started("fr")  # DAY0 is still within the last 400 days
    assert counters.day(DAY0)["sessions_started"] == 1
    assert len(json.loads(path.read_text())["days"]) == 3

    clock.advance()  # DAY0 + 400: DAY0 falls out on this write
    counters.started("de")
    stored = json.loads(path.read_text())["days"]
    assert DAY0.isoformat() not in stored
    assert sorted(stored) == [
        (DAY0 + dt.timedelta(days=1)).isoformat(),
        (DAY0 + dt.timedelta(days=MAX_DAYS - 1)).isoformat(),
        (DAY0 + dt.timedelta(days=MAX_DAYS)).isoformat(),
    ]
    assert CountersFile(path, today=clock).day(DAY0)["sessions_started"] == 0


def test_pruning_a_year_of_daily_use(path: Path, clock: Clock) -> None:
    counters = CountersFile(path, today=clock)
    for _ in range(MAX_DAYS + 30):
        counters.started("en")
        clock.advance()
    counters.started("en")
    stored = json.loads(path.read_text())["days"]
    assert len(stored) == MAX_DAYS
    assert max(stored) == clock.date.isoformat()
    assert path.stat().st_size < 400_000


# -- the pure part: counting in memory, the file's text -----------------------------------


def test_a_tally_counts_in_memory_and_round_trips_through_its_text(clock: Clock) -> None:
    tally = Tally(today=clock, languages=["en", "es"])
    assert tally.started("en") and tally.started("xx") and tally.printed()
    assert tally.finished("print") and tally.finished("fax")  # type: ignore[arg-type]
    assert tally.abandoned("privacy")
    assert not tally.abandoned("ana@example.com")  # nothing counted: nothing to save
    again = Tally(parse(tally.to_json()), today=clock)
    assert (
        again.day()
        == tally.day()
        == {
            "sessions_started": 2,
            "sessions_finished": 2,
            "print_jobs": 1,
            "stopped_at": {**dict.fromkeys(SCREENS, 0), "privacy": 1},
            "outcome": {"print": 1, "email": 0, "both": 0, "neither": 0},
            "language": {"en": 1},
        }
    )
    assert tally.to_json() == dump(load_days(json.loads(tally.to_json())))
    assert again.to_csv(days=2) == tally.to_csv(days=2)


def test_a_tally_keeps_its_own_copy_of_the_days_it_is_given(clock: Clock) -> None:
    first = Tally(today=clock)
    first.started("en")
    days = parse(first.to_json())
    Tally(days, today=clock).started("en")
    assert days[DAY0]["sessions_started"] == 1
