"""Under `./scripts/dev` a process that dies is started again with a growing pause, and nothing else stops: the
supervisor of `scripts/local_system.py` over a tiny child command that a test kills."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from workers.supervisor import Backoff, Supervised

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _restarted(child: Supervised, old_pid: int, within: float = 5.0) -> int:
    """Tends the child as the supervisor's loop does until it runs under a new pid."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        child.tend(time.monotonic())
        if child.pid not in (None, old_pid):
            assert child.pid is not None
            return child.pid
        time.sleep(0.02)
    raise AssertionError(f"{child.name} was not restarted within {within} s")


def _kill(child: Supervised) -> int:
    pid = child.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    return pid


def test_a_killed_worker_is_restarted_with_a_pause_that_doubles_up_to_its_cap(tmp_path: Path) -> None:
    worker = Supervised("worker", SLEEPER, tmp_path, tmp_path, Backoff(first_seconds=0.05, max_seconds=0.2))
    bystander = Supervised("api", SLEEPER, tmp_path, tmp_path)
    worker.start()
    bystander.start()
    try:
        api_pid = bystander.pid
        pid = worker.pid
        assert pid is not None
        for _ in range(4):
            pid = _restarted(worker, _kill(worker))
            bystander.tend(time.monotonic())
        assert bystander.pid == api_pid  # the API went on all along
        log = (tmp_path / "worker.log").read_text()
        pauses = [line.rsplit("restarting in ", 1)[1] for line in log.splitlines() if "exited" in line]
        assert pauses == ["0.05 s", "0.1 s", "0.2 s", "0.2 s"]
        assert log.count("--- supervisor: restarting worker") == 4
    finally:
        worker.stop()
        bystander.stop()


def test_a_worker_that_ran_steadily_before_it_died_waits_the_first_pause_again(tmp_path: Path) -> None:
    worker = Supervised("worker", SLEEPER, tmp_path, tmp_path, Backoff(first_seconds=0.05, steady_seconds=60))
    worker.start()
    try:
        _restarted(worker, _kill(worker))
        _restarted(worker, _kill(worker))  # two quick failures: the next pause would be 0.2 s
        old_pid = _kill(worker)
        while worker.pid is not None:
            time.sleep(0.02)
        an_hour_later = time.monotonic() + 3600  # a fast clock: this run lasted an hour
        worker.tend(an_hour_later)
        worker.tend(an_hour_later + 0.05)
        assert worker.pid not in (None, old_pid)
        assert (tmp_path / "worker.log").read_text().splitlines()[-2].endswith("restarting in 0.05 s")
    finally:
        worker.stop()


def test_a_stopped_process_is_not_restarted(tmp_path: Path) -> None:
    worker = Supervised("worker", SLEEPER, tmp_path, tmp_path, Backoff(first_seconds=0.01))
    worker.start()
    worker.stop()
    worker.tend(time.monotonic() + 1)
    assert worker.pid is None
