"""systemd's notifications: the protocol (``kiosk.services.notify``) and the real kiosk
process under a real AF_UNIX datagram socket as ``NOTIFY_SOCKET``, watchdog included."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.services.notify import Notifier
from kiosk.services.ops import FREEZE_FOR_TESTS

from .helpers import DEMO_CLINIC, REPO

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="AF_UNIX datagrams, signals")


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[socket.socket]:
    """A datagram socket bound in tmp_path, as systemd binds its notify socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    yield sock
    sock.close()


def received(sock: socket.socket, timeout: float) -> str | None:
    """The next datagram, or None when none came within ``timeout`` seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode("utf-8")
    except TimeoutError:
        return None


def test_without_notify_socket_nothing_is_sent() -> None:
    env: dict[str, str] = {"WATCHDOG_USEC": "400000"}
    notifier = Notifier.from_environ(env)
    assert not notifier.enabled and notifier.ping_interval_ms is None
    notifier.ready()  # no socket to send to: nothing happens, nothing raises
    notifier.ping()


def test_messages_reach_an_abstract_socket_and_the_variables_leave_the_environment() -> None:
    name = f"botox-kiosk-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    try:
        env = {"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "30000000", "OTHER": "kept"}
        notifier = Notifier.from_environ(env)
        assert env == {"OTHER": "kept"}  # the child jobs are not the service
        assert notifier.ping_interval_ms == 15_000  # half of WatchdogSec=30s
        notifier.ready()
        assert received(sock, 5) == "READY=1\nSTATUS=ready"
        notifier.status("session in progress,\n  outbox 3 queued")
        assert received(sock, 5) == "STATUS=session in progress, outbox 3 queued"
        notifier.stopping()
        assert received(sock, 5) == "STOPPING=1\nSTATUS=stopping"
        notifier.close()
    finally:
        sock.close()


def test_a_watchdog_meant_for_another_process_is_not_ours(listener: socket.socket) -> None:
    """WATCHDOG_PID names the service's main process; a wrapper's child must not ping."""
    address = listener.getsockname()
    for pid, ours in ((os.getpid(), True), (os.getpid() + 1, False), ("x", False)):
        env = {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": str(pid)}
        notifier = Notifier.from_environ(env)
        notifier.close()
        assert (notifier.ping_interval_ms == 200) is ours, pid


def test_a_socket_that_is_gone_is_logged_once_and_never_raises(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier.from_environ({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    for _ in range(3):
        notifier.ping()
    notifier.close()
    assert [r.getMessage() for r in caplog.records].count(
        "cannot notify the service manager: No such file or directory"
    ) == 1


def test_a_full_queue_never_holds_up_the_sender(listener: socket.socket, caplog) -> None:  # type: ignore[no-untyped-def]
    """systemd busy, its queue full: pings are dropped (logged once), the GUI thread that
    sends them never waits."""
    notifier = Notifier(listener.getsockname(), 400_000)
    start = time.monotonic()
    for _ in range(500):  # far more than a datagram queue holds (Linux: 10 by default)
        notifier.ping()
    notifier.close()
    assert time.monotonic() - start < 5
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.notify"]
    assert len(said) == 1 and said[0].startswith("cannot notify the service manager"), said
    assert received(listener, 1) == "WATCHDOG=1"  # what fitted was delivered


def test_a_message_sent_in_the_middle_of_another_goes_through(listener: socket.socket) -> None:
    """SIGTERM's handler runs on the GUI thread between two bytecodes, perhaps in the middle
    of a ping: its STOPPING=1 must not wait for the ping (a lock there hung the kiosk)."""
    notifier = Notifier(listener.getsockname(), 400_000)
    real = notifier._sock
    assert real is not None

    class Interrupted:
        """The socket, with SIGTERM's handler running within the first send."""

        def __init__(self) -> None:
            self.nested = False

        def sendto(self, data: bytes, flags: int, address: str) -> int:
            if not self.nested:
                self.nested = True
                notifier.stopping()
            return real.sendto(data, flags, address)

        def close(self) -> None:
            real.close()

    notifier._sock = Interrupted()  # type: ignore[assignment]
    done = threading.Thread(target=notifier.ping, daemon=True)
    done.start()
    done.join(timeout=10)
    assert not done.is_alive(), "the nested message waited for the first"
    assert received(listener, 5) == "STOPPING=1\nSTATUS=stopping"
    assert received(listener, 5) == "WATCHDOG=1"
    real.close()


#: WATCHDOG_USEC in the test: pings every 200 ms.
WATCHDOG_USEC = 400_000
PING_S = WATCHDOG_USEC / 2e6


def pings(sock: socket.socket, seconds: float) -> list[float]:
    """The times of the WATCHDOG=1 pings received over ``seconds`` (other messages pass)."""
    times = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        message = received(sock, left)
        if message is not None and "WATCHDOG=1" in message.splitlines():
            times.append(time.monotonic())
    return times


def cpu_wait_s(pid: int) -> float:
    """Seconds the process's main thread (the GUI thread) spent runnable but waiting for a
    CPU (Linux schedstat; 0 where the kernel does not say)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def settled(sock: socket.socket, deadline_s: float = 60) -> None:
    """Return once five pings in a row came on time: the work that follows the first paint
    (the other screens, the fonts, the staff tools) holds the loop for a moment, as it
    should, and the rate is measured after it."""
    on_time = 0
    last = time.monotonic()
    end = last + deadline_s
    while on_time < 5:
        assert time.monotonic() < end, "the pings never settled"
        (now,) = pings_until_one(sock, end - time.monotonic())
        on_time = on_time + 1 if now - last < 1.5 * PING_S else 0
        last = now


def pings_until_one(sock: socket.socket, seconds: float) -> list[float]:
    """The time of the next WATCHDOG=1 (within ``seconds``)."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        message = received(sock, left)
        if message is not None and "WATCHDOG=1" in message.splitlines():
            return [time.monotonic()]
    raise AssertionError("no ping came")


def test_the_real_kiosk_is_ready_pings_from_its_event_loop_and_stops_when_it_freezes(
    tmp_path: Path, listener: socket.socket
) -> None:
    """READY=1 after the first paint; WATCHDOG=1 every half WATCHDOG_USEC; none while the
    GUI thread is blocked (a test hook blocks it in a read of a FIFO, in a signal handler
    Python runs from Qt's loop; the metrics thread runs on), and again once it is free;
    STOPPING=1 at SIGTERM. The socket is read with timeouts, never slept on."""
    fifo = tmp_path / "thaw"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "NOTIFY_SOCKET": listener.getsockname(),
        "WATCHDOG_USEC": str(WATCHDOG_USEC),
        FREEZE_FOR_TESTS: str(fifo),
    }
    # the demo's clinic without email: no outbox round (a child job the kiosk lets finish, up
    # to 30 s, as it quits) starts if this test outlives a minute on a busy machine
    config = tmp_path / "kiosk.toml"
    config.write_text(
        DEMO_CLINIC + '[kiosk]\nfullscreen = false\n[print]\noutput_dir = "{data}/p"\n'
    )
    with (tmp_path / "stderr").open("w") as err:
        kiosk = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--windowed", "--config", str(config)],
            cwd=REPO,
            env=env,
            stderr=err,
        )
    try:
        first = received(listener, 60)
        assert first == "READY=1\nSTATUS=ready", (tmp_path / "stderr").read_text()

        settled(listener)
        window_s = 1.6
        waited = cpu_wait_s(kiosk.pid)
        beats = pings(listener, window_s)
        # The pings the loop owed in the time it had a CPU: on a busy test machine the kiosk
        # may wait for one, which is not its loop stalling (the systemd timeout is 30 s).
        owed = (window_s - (cpu_wait_s(kiosk.pid) - waited)) / PING_S
        assert owed * 0.6 <= len(beats) <= window_s / PING_S + 2, (owed, beats)

        kiosk.send_signal(signal.SIGUSR1)  # the GUI thread blocks
        late = pings(listener, 4 * PING_S)  # pings already on their way
        assert len(late) <= 2, late
        frozen = pings(listener, 5 * PING_S)
        assert frozen == [], "pings came while the event loop was blocked"
        assert kiosk.poll() is None

        threading.Thread(target=fifo.write_bytes, args=(b"go",), daemon=True).start()
        after = received(listener, 10)
        while after is not None and "WATCHDOG=1" not in after:
            after = received(listener, 10)
        assert after is not None, "the pings did not come back"
        assert len(pings(listener, 0.8)) >= 2

        kiosk.terminate()
        said = [received(listener, 20)]
        while said[-1] is not None and said[-1].startswith(("WATCHDOG=1", "STATUS=")):
            said.append(received(listener, 20))
        try:
            code = kiosk.wait(timeout=30)
        except subprocess.TimeoutExpired:  # where it hangs: faulthandler's dump on SIGABRT
            kiosk.send_signal(signal.SIGABRT)
            kiosk.wait(timeout=30)
            crash = tmp_path / "state" / "botox-kiosk" / "log" / "crash.log"
            pytest.fail(f"{said[-3:]}: no exit 30 s after SIGTERM:\n{crash.read_text()}")
        why = f"{said[-3:]}, exit {code}:\n{(tmp_path / 'stderr').read_text()}"
        assert said[-1] == "STOPPING=1\nSTATUS=stopping", why
        assert code == 0, why
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()


UNITS = REPO / "deploy" / "linux"


@pytest.mark.parametrize(
    ("unit", "access", "reload"),
    [
        ("botox-kiosk-x11.service", "main", "ExecReload=/bin/kill -HUP $MAINPID"),
        # the kiosk is cage's child: it speaks for the unit, and SIGHUP goes to it, not cage
        (
            "botox-kiosk.service",
            "all",
            "ExecReload=/bin/sh -c 'pkill -HUP -P \"$MAINPID\" -x botox-kiosk'",
        ),
    ],
)
def test_the_units_wait_for_ready_and_watch_the_kiosk(
    tmp_path: Path, unit: str, access: str, reload: str
) -> None:
    text = (UNITS / unit).read_text()
    lines = text.splitlines()
    for line in ("Type=notify", f"NotifyAccess={access}", "WatchdogSec=30s", reload):
        assert line in lines, line
    assert "Restart=always" in lines
    (start,) = [line for line in lines if line.startswith("ExecStart=")]
    if access == "all":  # systemd names cage in WATCHDOG_PID: the kiosk must not see it
        assert "env -u WATCHDOG_PID /opt/botox-kiosk/botox-kiosk" in start
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    copy = tmp_path / unit
    copy.write_text(text)
    verified = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    # the bundle is not installed here: only complaints about the unit itself count
    said = [
        line
        for line in verified.stderr.splitlines()
        if "/opt/botox-kiosk" not in line and "/usr/bin/cage" not in line and line.strip()
    ]
    assert said == [], verified.stderr
