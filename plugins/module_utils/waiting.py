# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One poll loop for every module that waits, in the shape the sliced-wait action plugins expect.

The module's side of that contract (``plugins/plugin_utils/sliced_wait.py``): a wait that times out
fails with ``wait_timed_out: true``, ``status`` (the last status seen) and ``status_history``, a list of
``{elapsed, status}`` entries counted from the start of the module run, one per status change. Running
the module again continues the change.
"""

from __future__ import annotations

import time


def format_duration(seconds):
    """``45s``, ``1m30s``, ``10m0s``, ``1h2m3s`` (as the progress lines of the sliced waits)."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


DELAY = 5


class Progress:
    """The ``status_history`` of one module run, counted from its start."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.started = clock()
        self.history = []
        self.status = None

    @property
    def elapsed(self):
        return self.clock() - self.started

    def record(self, status):
        """Add ``status`` unless it is the last one recorded."""
        self.status = status
        if not self.history or self.history[-1]["status"] != status:
            self.history.append({"elapsed": int(self.elapsed), "status": status})


class WaitTimedOut(Exception):
    """The deadline passed; ``status`` is the last status seen."""

    def __init__(self, what, status, timeout):
        super().__init__(
            f"Timed out after wait_timeout={timeout} seconds waiting for {what} (status: {status}). "
            "The change is under way: running the task again continues it safely."
        )
        self.what, self.status, self.timeout = what, status, timeout


def poll(probe, what, timeout, progress=None, delay=DELAY, sleep=time.sleep):
    """Call ``probe() -> (done, status, value)`` until ``done``; return ``value``.

    ``timeout`` counts from ``progress.started`` (the start of the module run, so several waits of one run
    share it). Each status goes to ``progress``. Raises ``WaitTimedOut`` at the deadline; the caller turns
    it into ``fail_wait(module, error, progress, ...)``. A probe fails the module itself on a terminal
    failure state.
    """
    progress = progress or Progress()
    while True:
        done, status, value = probe()
        progress.record(status)
        if done:
            return value
        remaining = timeout - progress.elapsed
        if remaining <= 0:
            raise WaitTimedOut(what, status, timeout)
        sleep(min(delay, remaining))


def fail_wait(module, error, progress, **result):
    """Fail the module for ``error`` (a ``WaitTimedOut``) with the contract's keys and ``result``."""
    module.fail_json(
        msg=str(error), wait_timed_out=True, status=error.status, status_history=progress.history, **result
    )
