# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task timer of the benchmark: when each task started and ended, written as JSON for benchmarks/bench.py.

ansible.posix.profile_tasks (bundled with the ansible package) shows the same per-task times on screen, but
pads and cuts task names to the terminal width; this callback writes them where a script can read them:
the file named by BENCH_TIMER_FILE, at the end of the run. Times are seconds (time.time(), the clock the local
cloud stamps its request log with). Enabled only by the benchmark (ANSIBLE_CALLBACK_PLUGINS=benchmarks/
callback_plugins, ANSIBLE_CALLBACKS_ENABLED=bench_timer); it prints nothing.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: bench_timer
    type: aggregate
    short_description: write the start and end of every task to a JSON file (benchmarks only)
    description:
      - "Writes the start and end of the playbook and of each task (name, role, file, start, end, status) as JSON
        to the file named by the environment variable E(BENCH_TIMER_FILE) when the playbook ends."
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("BENCH_TIMER_FILE")
        self._started = None
        self._tasks = []
        self._current = None

    def v2_playbook_on_start(self, playbook):
        self._started = time.time()

    def _begin(self, task):
        self._close(None)
        role = task._role.get_name(include_role_fqcn=False) if task._role else None
        path = task.get_path() or ""
        self._current = {
            "name": task.name or task.get_name(),  # without the "role : " prefix: the role has its own key
            "role": role,
            "file": "/".join(path.split(":")[0].split("/")[-3:]),
            "start": time.time(),
            "end": None,
            "status": None,
        }
        self._tasks.append(self._current)

    def _close(self, status):
        if self._current is not None and self._current["end"] is None and status is not None:
            self._current["end"] = time.time()
            self._current["status"] = status

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._begin(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._begin(task)

    def v2_runner_on_ok(self, result):
        self._close("changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._close("ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._close("skipped")

    def v2_runner_on_unreachable(self, result):
        self._close("unreachable")

    def v2_playbook_on_stats(self, stats):
        end = time.time()
        for task in self._tasks:
            if task["end"] is None:
                task["end"] = end
        if self._path:
            with open(self._path, "w", encoding="utf-8") as handle:
                json.dump({"playbook_start": self._started, "playbook_end": end, "tasks": self._tasks}, handle)
