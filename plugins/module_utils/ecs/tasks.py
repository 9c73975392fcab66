# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One-off ECS tasks (``rocketclub.platform.ecs_run_task``): run one and judge how it stopped.

Everything except ``wait_until_stopped`` is pure (boto3 shapes in, plain data out). The views built
here carry names, statuses, exit codes and reasons only: never a task's overrides, environment or
secrets, which DescribeTasks and DescribeTaskDefinition return.
"""

from __future__ import annotations

import re
import time

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import arn_family
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

STOPPED = "STOPPED"
SUCCESS_STOP_CODE = "EssentialContainerExited"
# DescribeTasks answers for at most 100 tasks; the AWS waiter ``tasks_stopped`` polls every 6 seconds.
DESCRIBE_TASKS_BATCH = 100
POLL_DELAY = 6
# RunTask ``startedBy``: up to 128 letters, digits, hyphens, forward slashes and underscores.
_STARTED_BY = re.compile(r"^[A-Za-z0-9_/-]{1,128}$")


def default_sleep(seconds):
    """Sleep between two polls (tests patch this)."""
    time.sleep(seconds)


def default_clock():
    """Seconds on a monotonic clock (tests patch this together with ``default_sleep``)."""
    return time.monotonic()


def validate(params):
    """Input errors of the module parameters, each naming the option and the fix."""
    errors = []
    if not _STARTED_BY.match(params["started_by"] or ""):
        errors.append(
            f"started_by={params['started_by']!r} is not accepted by ECS: use 1 to 128 letters, digits, "
            "'-', '/' or '_' (no dots or spaces)"
        )
    for option in ("subnets", "security_groups", "succeed_exit_codes"):
        if not params[option]:
            errors.append(f"{option} must not be empty")
    if params["wait_timeout"] < 0:
        errors.append(f"wait_timeout must be 0 or more seconds, got {params['wait_timeout']}")
    return errors


def network_configuration(subnets, security_groups, assign_public_ip):
    """The ``networkConfiguration`` of RunTask for an ``awsvpc`` (Fargate) task."""
    return {
        "awsvpcConfiguration": {
            "subnets": list(subnets),
            "securityGroups": list(security_groups),
            "assignPublicIp": "ENABLED" if assign_public_ip else "DISABLED",
        }
    }


def essential_names(task_definition):
    """Names of the essential containers of a task definition (``essential`` defaults to true)."""
    return {c["name"] for c in task_definition.get("containerDefinitions", []) if c.get("essential", True)}


def container_view(container):
    return {
        "name": container.get("name"),
        "exit_code": container.get("exitCode"),
        "reason": container.get("reason"),
        "last_status": container.get("lastStatus"),
    }


def task_view(task):
    """What the module returns about a task (``None``: no task, as in check mode)."""
    task = task or {}
    return {
        "task_arn": task.get("taskArn"),
        "task_definition_arn": task.get("taskDefinitionArn"),
        "last_status": task.get("lastStatus"),
        "stop_code": task.get("stopCode"),
        "stopped_reason": task.get("stoppedReason") or None,
        "containers": sorted((container_view(c) for c in task.get("containers", [])), key=lambda c: c["name"] or ""),
    }


def find_running(tasks, family, started_by):
    """The oldest task of ``tasks`` (DescribeTasks shapes) of ``family`` started by ``started_by`` that has not
    stopped, or None."""
    running = [
        t
        for t in tasks
        if t.get("lastStatus") != STOPPED
        and t.get("desiredStatus") != STOPPED
        and t.get("startedBy") == started_by
        and arn_family(t.get("taskDefinitionArn", "")) == family
    ]
    return min(running, key=lambda t: (str(t.get("createdAt", "")), t["taskArn"]), default=None)


def task_problems(task, essential, succeed_exit_codes):
    """Why a STOPPED task counts as failed (empty list: success).

    A success needs the stop code ``EssentialContainerExited`` (or none at all, which some ECS emulators
    return) and every essential container stopped with an exit code in ``succeed_exit_codes``.
    """
    problems = []
    stop_code = task.get("stopCode")
    if stop_code not in (None, SUCCESS_STOP_CODE):
        problems.append(f"stop code {stop_code}")
    for container in sorted(task.get("containers", []), key=lambda c: c.get("name") or ""):
        if container.get("name") not in essential:
            continue
        code = container.get("exitCode")
        reason = f" ({container['reason']})" if container.get("reason") else ""
        if code is None:
            problems.append(f"essential container {container.get('name')} has no exit code{reason}")
        elif code not in succeed_exit_codes:
            problems.append(f"essential container {container.get('name')} exited with code {code}{reason}")
    return problems


def failure_message(task, problems):
    reason = task.get("stoppedReason")
    return (
        f"ECS task {task.get('taskArn')} failed: "
        + "; ".join(problems)
        + (f". Stopped reason: {reason}" if reason else "")
    )


def wait_until_stopped(describe, timeout, delay=POLL_DELAY):
    """Call ``describe()`` (-> task dict, or None when ECS no longer knows it) until the task is STOPPED or
    ``timeout`` seconds have passed (``waiting.poll``). Returns ``(last task seen, seconds waited)``: at the
    timeout the task is the one still running, for the caller's message."""
    progress = Progress(default_clock)
    seen = {}

    def probe():
        task = seen["task"] = describe()
        seen["waited"] = progress.elapsed
        done = task is None or task.get("lastStatus") == STOPPED
        return done, (task or {}).get("lastStatus") or "gone", task

    try:
        poll(probe, "the task to stop", timeout, progress=progress, delay=delay, sleep=default_sleep)
    except WaitTimedOut:
        pass
    return seen["task"], int(round(seen["waited"]))
