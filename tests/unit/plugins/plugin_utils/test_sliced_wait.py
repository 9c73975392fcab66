# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting in slices with one progress line each (plugin_utils/sliced_wait.py), through the aurora_cluster action
plugin.

(Not tests/unit/plugins/action/test_aurora_cluster.py: plain pytest would see two test modules of that name.)
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible.module_utils import _internal

_WAS_CONTROLLER = _internal.is_controller
from ansible_collections.rocketclub.platform.plugins.action import aurora_cluster  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.plugin_utils import sliced_wait  # noqa: E402

# Importing controller code (ansible.plugins.action) marks the process as the controller, after which
# ansible-core sends module warnings to the display instead of the result; the in-process module tests
# collected in the same session must not inherit that.
_internal.is_controller = _WAS_CONTROLLER


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0s"), (45, "45s"), (59.6, "1m0s"), (90, "1m30s"), (1800, "30m0s"), (3723, "1h2m3s"), (-3, "0s")],
)
def test_format_duration(seconds, text):
    assert sliced_wait.format_duration(seconds) == text


@pytest.mark.parametrize(
    "remaining, slice_seconds, expected",
    [(1800, 30, 30), (12.7, 30, 12), (1, 30, 1), (0.9, 30, None), (-5, 30, None)],
)
def test_next_slice(remaining, slice_seconds, expected):
    assert sliced_wait.next_slice(remaining, slice_seconds) == expected


def test_progress_line():
    line = sliced_wait.progress_line("aurora_cluster", "rocketclub-local", "creating", 90, 1800)
    assert line == "aurora_cluster rocketclub-local: creating, 1m30s elapsed of 30m0s"


def test_merge_results():
    summary = SimpleNamespace(event=SimpleNamespace(msg="clean cluster"))
    calls = [
        (
            0,
            {
                "changed": True,
                "restored_from": "snap-1",
                "warnings": [summary],
                "pending": ["password later"],
                "diff": {"before": {}, "after": {"status": "creating"}},
            },
        ),
        (
            2,
            {
                "changed": False,
                "failed": True,
                "wait_timed_out": True,
                "status": "creating",
                "status_history": [{"elapsed": 0, "status": "creating"}],
                "warnings": ["clean cluster"],
            },
        ),
        (
            33,
            {
                "changed": True,
                "restored_from": None,
                "cluster": {"status": "available"},
                "pending": [],
                "status_history": [{"elapsed": 0, "status": "creating"}, {"elapsed": 20, "status": "available"}],
                "warnings": [{"msg": "other"}],
                "diff": {"before": {"status": "creating"}, "after": {"status": "available"}},
            },
        ),
    ]
    merged = sliced_wait.merge_results(calls, sticky_keys=("restored_from", "final_snapshot"))
    assert merged["changed"] is True and not merged.get("failed") and "wait_timed_out" not in merged
    assert merged["cluster"] == {"status": "available"} and merged["pending"] == []
    assert merged["restored_from"] == "snap-1" and "final_snapshot" not in merged
    assert merged["warnings"] == [summary, {"msg": "other"}]  # once each, whatever their form
    assert merged["status_history"] == [{"elapsed": 2, "status": "creating"}, {"elapsed": 53, "status": "available"}]
    assert merged["diff"] == {"before": {}, "after": {"status": "available"}}


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def action_for(args, results, check_mode=False, call_seconds=None):
    """The action plugin with its module calls answered from ``results`` (each call takes
    ``call_seconds`` of the fake clock, by default the slice it was given)."""
    action = aurora_cluster.ActionModule.__new__(aurora_cluster.ActionModule)
    action._task = SimpleNamespace(
        args=args,
        check_mode=check_mode,
        action="rocketclub.platform.aurora_cluster",
        resolved_action="rocketclub.platform.aurora_cluster",
    )
    clock = Clock()
    action.clock = clock
    action.calls = []
    answers = iter(results)

    def call(module_args, task_vars):
        action.calls.append(dict(module_args))
        clock.now += (
            call_seconds
            if call_seconds is not None
            else (module_args["wait_timeout"] if module_args.get("wait") is True else 1)
        )
        return dict(next(answers))

    action.call = call
    return action


@pytest.fixture
def lines(monkeypatch):
    shown = []
    monkeypatch.setattr(sliced_wait.display, "display", lambda msg, *a, **k: shown.append(msg))
    return shown


TIMED_OUT = {"failed": True, "wait_timed_out": True, "status": "creating", "changed": False, "msg": "Timed out"}


def test_slices_with_one_progress_line_each_and_one_result(lines):
    args = {"cluster_identifier": "rocketclub-local", "wait_timeout": 100}
    done = {
        "changed": False,
        "cluster": {"status": "available"},
        "target_reached": True,
        "status_history": [{"elapsed": 0, "status": "creating"}, {"elapsed": 5, "status": "available"}],
    }
    action = action_for(
        args,
        [{"changed": True, "restored_from": "snap-1", "target_reached": False}, TIMED_OUT, TIMED_OUT, done],
        call_seconds=None,
    )
    result = action.run_sliced({})
    assert [(c.get("wait"), c.get("wait_timeout")) for c in action.calls] == [
        (False, 100),
        (True, 30),
        (True, 30),
        (True, 30),
    ]
    assert all(c["cluster_identifier"] == "rocketclub-local" for c in action.calls)
    assert lines == [
        "aurora_cluster rocketclub-local: creating, 31s elapsed of 1m40s",
        "aurora_cluster rocketclub-local: creating, 1m1s elapsed of 1m40s",
    ]
    assert (
        result["changed"] is True
        and result["restored_from"] == "snap-1"
        and result["cluster"] == {"status": "available"}
    )
    assert not result.get("failed")


def test_last_slice_is_bounded_by_the_budget_then_fails_clearly(lines):
    action = action_for(
        {"cluster_identifier": "c1", "wait_timeout": 75}, [{"changed": True}, TIMED_OUT, TIMED_OUT, TIMED_OUT]
    )
    result = action.run_sliced({})
    assert [c.get("wait_timeout") for c in action.calls] == [75, 30, 30, 14]
    assert len(lines) == 3
    assert result["failed"] is True and result["wait_timed_out"] is True and result["changed"] is True
    assert (
        "still creating after 1m15s (wait_timeout=75)" in result["msg"]
        and "running the task again continues" in result["msg"]
    )


def test_no_wait_when_nothing_to_wait_for(lines):
    action = action_for({"cluster_identifier": "c1"}, [{"changed": False, "target_reached": True}])
    assert action.run_sliced({}) == {"changed": False, "target_reached": True}
    assert [c["wait"] for c in action.calls] == [False] and lines == []


@pytest.mark.parametrize(
    "args, check_mode",
    [
        ({"cluster_identifier": "c1"}, True),
        ({"cluster_identifier": "c1", "wait": False}, False),
        ({"cluster_identifier": "c1", "wait": "maybe"}, False),
    ],
)
def test_one_plain_call_in_check_mode_or_without_wait(lines, args, check_mode):
    action = action_for(args, [{"changed": True}], check_mode=check_mode)
    assert action.run_sliced({}) == {"changed": True}
    assert action.calls == [args] and lines == []


def test_a_failure_that_is_not_a_timeout_ends_the_task(lines):
    failure = {"failed": True, "msg": "Cluster c1 is inaccessible-encryption-credentials"}
    action = action_for({"cluster_identifier": "c1"}, [{"changed": True}, failure])
    result = action.run_sliced({})
    assert result["failed"] is True and result["msg"] == failure["msg"] and result["changed"] is True
    assert len(action.calls) == 2 and lines == []
