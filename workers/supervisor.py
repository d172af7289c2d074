"""Keeps the local system's long-running processes up (README command one, `scripts/local_system.py`).

A process that exits is started again after a pause that doubles with each quick failure (1 s, 2 s, 4 s … at most
30 s) and falls back to 1 s once a run has lasted a minute: a crashed worker comes back without taking the API
and Temporal down with it, and one that cannot start does not spin. Every exit and restart is logged, in the
supervisor's output and in the process's own log.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger("abate.supervisor")


@dataclass(frozen=True)
class Backoff:
    first_seconds: float = 1.0
    max_seconds: float = 30.0
    steady_seconds: float = 60.0  # a run at least this long was healthy: the next exit waits `first_seconds` again


class Supervised:
    def __init__(self, name: str, command: list[str], cwd: Path, log_dir: Path, backoff: Backoff = Backoff()) -> None:
        self.name = name
        self._command = command
        self._cwd = cwd
        self._backoff = backoff
        self._log_path = log_dir / f"{name}.log"
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0
        self._next_pause = backoff.first_seconds
        self._restart_at: float | None = None

    @property
    def pid(self) -> int | None:
        running = self._process is not None and self._process.poll() is None
        return self._process.pid if running and self._process is not None else None

    def start(self) -> None:
        if self._log is None:
            self._log = self._log_path.open("ab")
        # Own process group, so Ctrl-C in the terminal reaches the supervisor only and it stops children in order.
        self._process = subprocess.Popen(  # noqa: S603 - the commands are the local system's own, not input
            self._command, cwd=self._cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._started_at = time.monotonic()
        self._restart_at = None

    def tend(self, now: float) -> None:
        """Notices an exit and schedules the restart; starts the process again once its pause is over."""
        if self._restart_at is not None:
            if now >= self._restart_at:
                self._say(f"restarting {self.name}")
                self.start()
            return
        if self._process is None or self._process.poll() is None:
            return
        if now - self._started_at >= self._backoff.steady_seconds:
            self._next_pause = self._backoff.first_seconds
        pause = self._next_pause
        self._next_pause = min(pause * 2, self._backoff.max_seconds)
        self._restart_at = now + pause
        self._say(
            f"{self.name} exited (pid {self._process.pid}, code {self._process.returncode}); restarting in {pause:g} s"
        )

    def stop(self, timeout: float = 25.0) -> None:
        self._restart_at = None
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _say(self, line: str) -> None:
        log.warning(line)
        if self._log is not None:
            self._log.write(f"--- supervisor: {line}\n".encode())
            self._log.flush()
