"""bin/run's supervisor: a dying worker, scheduler or reference server is started again with a
growing pause; the web server's death or a crash loop stops everything."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from config.runner.__main__ import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


@pytest.fixture
def supervisor():
    running = Supervisor(dict(os.environ))
    yield running
    running.stop_all(timeout=5)


def _wait_dead(process, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is not None


def test_killed_worker_is_restarted_after_a_pause_and_the_web_keeps_running(supervisor, capsys):
    """SIGKILL of the worker: no stop, a restart after 1 s, the web server untouched."""
    supervisor.start("web", SLEEPER, critical=True)
    supervisor.start("worker", SLEEPER)
    web, worker = supervisor.children
    first_pid = worker.process.pid
    os.kill(first_pid, signal.SIGKILL)
    _wait_dead(worker.process)
    now = time.monotonic()
    assert supervisor.supervise(now) is None
    assert "worker hat sich beendet (Code -9); Neustart in 1 s" in capsys.readouterr().out
    assert supervisor.supervise(now + 0.5) is None and worker.process.pid == first_pid
    assert supervisor.supervise(now + 1.0) is None
    assert worker.process.pid != first_pid and worker.process.poll() is None
    assert "worker neu gestartet (Neustart 1)" in capsys.readouterr().out
    assert web.process.poll() is None


def test_pause_doubles_and_a_crash_loop_stops_everything(supervisor, capsys):
    """1, 2, 4 … s between restarts; after RESTART_LIMIT deaths in the window: give up."""
    supervisor.start("scheduler", CRASHER)
    child = supervisor.children[0]
    now = time.monotonic()
    pauses = []
    for _ in range(Supervisor.RESTART_LIMIT):
        _wait_dead(child.process)
        assert supervisor.supervise(now) is None
        pauses.append(child.restart_at - now)
        now = child.restart_at
        assert supervisor.supervise(now) is None  # restarted
    assert pauses[:4] == [1.0, 2.0, 4.0, 8.0]
    _wait_dead(child.process)
    assert supervisor.supervise(now) == ("scheduler", 3)
    assert "gebe auf" in capsys.readouterr().out


def test_death_of_the_web_server_stops_the_portal(supervisor):
    supervisor.start("web", CRASHER, critical=True)
    _wait_dead(supervisor.children[0].process)
    assert supervisor.supervise() == ("web", 3)
