# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of ``rocketclub.platform.wait_ready``: waits in slices and prints progress.

See ``plugins/plugin_utils/sliced_wait.py``: the module reads every resource once (``wait=false``); unless all are
ready it prints ``wait_ready <description>: waiting for <what, status, usual time>``, then waits in 20-second slices,
each printing ``wait_ready <description>: <what is still waited for, its status, usual time>, <elapsed> elapsed of
<wait_timeout>``; the task gets one merged result. A timeout names the state of every resource.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display

from ansible_collections.rocketclub.platform.plugins.plugin_utils.sliced_wait import SlicedWaitAction
from ansible_collections.rocketclub.platform.plugins.plugin_utils.sliced_wait import format_duration

display = Display()


def every_state(resources):
    return "; ".join(f"{r.get('name')}: {r.get('status')} ({r.get('state')})" for r in resources or [])


class ActionModule(SlicedWaitAction):
    SUBJECT_OPTION = "description"
    WAIT_DEFAULT = True
    WAIT_TIMEOUT_DEFAULT = 1800
    SLICE_SECONDS = 20

    def run(self, tmp=None, task_vars=None):
        # The subject of every progress line: the module's own default when the task names none.
        self._task.args.setdefault("description", "resources")
        return super().run(tmp, task_vars)

    def call(self, args, task_vars):
        # Each slice is a new module call: it learns how long the wait has lasted (from the first call), for the
        # module's missing_grace.
        if getattr(self, "_wait_started", None) is None:
            self._wait_started = self.clock()
        args = dict(args, waited_seconds=int(self.clock() - self._wait_started))
        result = super().call(args, task_vars)
        first = not boolean(args.get("wait", True), strict=False)
        if first and not self._task.check_mode and not result.get("failed") and not result.get("target_reached"):
            display.display(f"wait_ready {args.get('description')}: waiting for {result.get('status')}")
        return result

    def timed_out(self, calls, subject, budget):
        merged = super().timed_out(calls, subject, budget)
        resources = calls[-1][1].get("resources")
        merged["msg"] = (
            f"wait_ready {subject}: not ready after {format_duration(budget)} (wait_timeout={budget}). State of "
            f"every resource: {every_state(resources)}. Nothing was changed by this wait: running the task again "
            "waits again."
        )
        return merged
