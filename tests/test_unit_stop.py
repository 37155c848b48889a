"""The systemd units give the kiosk time to finish a print or email at a stop.

At SIGTERM the kiosk lets a job in hand finish (``ChildJobs.shutdown``'s wait) before it
quits; a unit whose ``TimeoutStopSec`` is shorter has systemd SIGKILL it mid-job (a print
half made, an email neither sent nor queued). Debian's default, 90 s, covers it where a unit
sets none.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from kiosk.services.jobs import ChildJobs

UNITS = Path(__file__).resolve().parent.parent / "deploy" / "linux"
SYSTEMD_DEFAULT_S = 90


def _seconds(value: str) -> float:
    """A systemd time span as the units write it: 45, 45s, 2min, 1min 30s."""
    total = 0.0
    for part in value.split():
        for suffix, factor in (("min", 60), ("ms", 0.001), ("s", 1)):
            if part.endswith(suffix):
                total += float(part[: -len(suffix)]) * factor
                break
        else:
            total += float(part)
    return total


@pytest.mark.parametrize("unit", ["botox-kiosk.service", "botox-kiosk-x11.service"])
def test_the_unit_waits_for_the_job_in_hand_at_a_stop(unit: str) -> None:
    wait_ms = inspect.signature(ChildJobs.shutdown).parameters["wait_ms"].default
    lines = (UNITS / unit).read_text().splitlines()
    given = [line.split("=", 1)[1] for line in lines if line.startswith("TimeoutStopSec=")]
    timeout = _seconds(given[-1]) if given else SYSTEMD_DEFAULT_S
    # the job's wait, then the kiosk's wipe and quit, and (cage) the compositor's exit
    assert timeout >= wait_ms / 1000 + 10, f"{unit}: TimeoutStopSec {timeout:g} s"


def test_time_spans_are_read_as_systemd_reads_them() -> None:
    assert [_seconds(v) for v in ("15", "45s", "2min", "1min 30s")] == [15, 45, 120, 90]
