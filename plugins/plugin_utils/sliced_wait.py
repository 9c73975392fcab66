# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a module that waits (``wait``/``wait_timeout`` options) in short slices, with a progress line each.

A long wait inside one module call shows nothing until it ends. ``SlicedWaitAction`` runs the module
once with ``wait=false`` (make the change), then, unless that result says ``target_reached``, again
with ``wait=true`` and a ``wait_timeout`` of one slice (at most ``SLICE_SECONDS``, never beyond the
task's budget) until a call finishes. Each slice that times out prints one line, e.g.
``aurora_cluster rocketclub-local: creating, 1m30s elapsed of 30m0s``. The task gets ONE result.

The module's side of the contract: running it again continues the change (it is resumable); a wait
that times out fails with ``wait_timed_out: true`` and ``status`` (the last status seen); a result may
say ``target_reached: true`` when nothing is left to wait for; ``status_history`` entries are
``{elapsed, status}`` with ``elapsed`` counted from the start of that call. A module keeps its side with
``plugins/module_utils/waiting.py`` (``Progress``, ``poll``, ``fail_wait``).
"""

from __future__ import annotations

import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import format_duration

display = Display()

MERGED_LISTS = ("warnings", "deprecations")


def next_slice(remaining, slice_seconds):
    """Seconds the next call may wait: one slice, bounded by the remaining budget; None when it is spent."""
    if remaining < 1:
        return None
    return int(min(slice_seconds, remaining))


def progress_line(label, subject, status, elapsed, budget):
    return f"{label} {subject}: {status}, {format_duration(elapsed)} elapsed of {format_duration(budget)}"


def _message_key(message):
    """Text of a warning or deprecation, whatever its form (str, dict, ansible-core 2.19 summary object)."""
    if isinstance(message, str):
        return message
    event = message.get("event") if isinstance(message, dict) else getattr(message, "event", None)
    text = (event.get("msg") if isinstance(event, dict) else getattr(event, "msg", None)) if event is not None else None
    if text is None and isinstance(message, dict):
        text = message.get("msg")
    return text if text is not None else repr(message)


def merge_results(calls, sticky_keys=()):
    """One task result from ``[(offset_seconds, result), ...]`` of successive calls of a module.

    The last result gives the final state; ``changed`` is true when any call changed something;
    warnings and deprecations of every call are kept once each; ``status_history`` of every call
    is put on one clock (offset = when the call started); the diff goes from the first call's
    ``before`` to the last call's ``after``; each of ``sticky_keys`` keeps its first non-null value.
    """
    results = [result for _offset, result in calls]
    merged = dict(results[-1])
    merged["changed"] = any(r.get("changed") for r in results)
    for key in MERGED_LISTS:
        seen, items = set(), []
        for result in results:
            for item in result.get(key) or []:
                if _message_key(item) not in seen:
                    seen.add(_message_key(item))
                    items.append(item)
        if items:
            merged[key] = items
    history = []
    for offset, result in calls:
        for entry in result.get("status_history") or []:
            if not history or history[-1]["status"] != entry["status"]:
                history.append({"elapsed": int(offset + entry["elapsed"]), "status": entry["status"]})
    if history or "status_history" in merged:
        merged["status_history"] = history
    diffs = [r["diff"] for r in results if isinstance(r.get("diff"), dict)]
    if diffs:
        merged["diff"] = {"before": diffs[0].get("before"), "after": diffs[-1].get("after")}
    for key in sticky_keys:
        if any(key in r for r in results):
            merged[key] = next((r[key] for r in results if r.get(key) is not None), None)
    return merged


class SlicedWaitAction(ActionBase):
    """Base of the action plugins of waiting modules; a subclass sets ``SUBJECT_OPTION`` and defaults."""

    _supports_check_mode = True
    _supports_async = False

    SUBJECT_OPTION = None  # the option naming the resource in progress lines
    WAIT_DEFAULT = True  # the module's defaults for wait / wait_timeout
    WAIT_TIMEOUT_DEFAULT = 600
    SLICE_SECONDS = 30
    STICKY_KEYS = ()  # result keys set by the call that made the change, kept in the merged result

    clock = staticmethod(time.monotonic)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        try:
            result.update(self.run_sliced(task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    @property
    def label(self):
        return (self._task.resolved_action or self._task.action).rsplit(".", 1)[-1]

    def call(self, args, task_vars):
        return self._execute_module(
            module_name=self._task.resolved_action or self._task.action, module_args=args, task_vars=task_vars
        )

    def run_sliced(self, task_vars):
        args = dict(self._task.args)
        try:
            wait = boolean(args.get("wait", self.WAIT_DEFAULT), strict=True)
            budget = int(args.get("wait_timeout", self.WAIT_TIMEOUT_DEFAULT))
        except (TypeError, ValueError):
            wait, budget = False, 0  # one plain call: the module reports the bad value
        if self._task.check_mode or not wait or budget < 1:
            return self.call(args, task_vars)

        started = self.clock()
        subject = args.get(self.SUBJECT_OPTION, "")
        first = self.call(dict(args, wait=False), task_vars)
        calls = [(0, first)]
        if first.get("failed") or first.get("target_reached"):
            return merge_results(calls, self.STICKY_KEYS)
        while True:
            offset = self.clock() - started
            seconds = next_slice(budget - offset, self.SLICE_SECONDS)
            if seconds is None:
                return self.timed_out(calls, subject, budget)
            result = self.call(dict(args, wait=True, wait_timeout=seconds), task_vars)
            calls.append((offset, result))
            if not result.get("wait_timed_out"):
                return merge_results(calls, self.STICKY_KEYS)
            display.display(progress_line(self.label, subject, result.get("status"), self.clock() - started, budget))

    def timed_out(self, calls, subject, budget):
        merged = merge_results(calls, self.STICKY_KEYS)
        merged.pop("exception", None)  # the last slice's error: ansible-core 2.19 would show it instead of msg
        status = calls[-1][1].get("status", "unknown")
        merged.update(
            failed=True,
            wait_timed_out=True,
            msg=(
                f"{self.label} {subject}: still {status} after {format_duration(budget)} (wait_timeout={budget}). "
                "The change is under way: running the task again continues it safely."
            ),
        )
        return merged
