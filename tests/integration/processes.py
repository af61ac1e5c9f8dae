"""Child processes of the tests (workers, Prometheus, Alertmanager): started in a session
of their own with their output in a log file, stopped as a group, their log's tail shown
when a wait times out."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Managed:
    """Mixed into a dataclass with `proc` and `_logf` fields and a `log_path()`."""

    proc: subprocess.Popen[bytes] | None
    _logf: Any

    def log_path(self) -> Path:
        raise NotImplementedError

    def _launch(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        logf = open(self.log_path(), "ab")  # noqa: SIM115 - closed in stop()
        self._logf = logf
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _ready(self, url: str, what: str) -> Callable[[], bool]:
        """A check for wait_for: the process is alive and `url` answers 200."""

        def check() -> bool:
            assert self.proc is not None and self.proc.poll() is None, f"{what} exited"
            with urllib.request.urlopen(url, timeout=2) as resp:
                return bool(resp.status == 200)

        return check

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self._logf:
            self._logf.close()
            self._logf = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path().read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
