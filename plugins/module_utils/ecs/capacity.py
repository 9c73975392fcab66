# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure (API free) logic of the ``rocketclub.platform.ecs_capacity`` module (park / unpark ECS services).

A *capacity* is ``{"desired_count", "min_capacity", "max_capacity"}`` of one service: its desired count
(DescribeServices) and the minimum and maximum of its Application Auto Scaling target (DescribeScalableTargets;
both None when the service has none). Park records the capacity once in an SSM String parameter (the *record*)
and sets everything to zero; unpark puts the recorded capacity back and then deletes the record. The planners
here decide the writes from the capacity read now and the record, so that every run, including one resuming an
interrupted run, does only what is left.
"""

from __future__ import annotations

import json
import re

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

CAPACITY_KEYS = ("desired_count", "min_capacity", "max_capacity")
PARKED = "parked"
UNPARKED = "unparked"

_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9_.-]+)+/?$")


# ------------------------------------------------------------------------------------------------ inputs


def record_name(prefix, service):
    """SSM parameter name of the record of ``service``: ``<record_prefix>/<service>``."""
    return f"{prefix.rstrip('/')}/{service}"


def validate(params):
    """Every check that needs no API call. Returns a list of messages, each naming the option at fault."""
    errors = []
    prefix = params.get("record_prefix") or ""
    if not _PREFIX.match(prefix):
        errors.append(
            f"record_prefix: {prefix!r} is not an SSM parameter path; use a path such as /prod/infra/park/ecs "
            "(starts with /, letters, digits, '_', '.', '-' between the slashes)"
        )
    for name in params.get("services") or []:
        if not _SERVICE_NAME.match(name or ""):
            errors.append(f"services: {name!r} is not an ECS service name (up to 255 letters, digits, '_' and '-')")
    for name in find_duplicates(params.get("services") or []):
        errors.append(f"services: {name} is listed more than once")
    if params.get("wait_timeout", 0) < 0:
        errors.append(f"wait_timeout: {params['wait_timeout']} must be 0 or more (seconds)")
    return errors


# ------------------------------------------------------------------------------------------------ records


def capacity(desired_count, target=None):
    """The capacity of a service from its desired count and its scalable target (DescribeScalableTargets entry or
    None)."""
    target = target or {}
    return {
        "desired_count": desired_count,
        "min_capacity": target.get("MinCapacity"),
        "max_capacity": target.get("MaxCapacity"),
    }


def encode_record(record):
    """The value of a record parameter (JSON, keys in a fixed order)."""
    return json.dumps({key: record[key] for key in CAPACITY_KEYS})


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def decode_record(text):
    """``(record, None)`` from the value of a record parameter, or ``(None, problem)``."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict) or set(value) != set(CAPACITY_KEYS):
        return None, f"is not a JSON object with exactly the keys {', '.join(CAPACITY_KEYS)}"
    if not _count(value["desired_count"]):
        return None, f"desired_count {value['desired_count']!r} is not a count (an integer, 0 or more)"
    low, high = value["min_capacity"], value["max_capacity"]
    if (low is None) != (high is None):
        return None, "min_capacity and max_capacity must both be null (no scalable target) or both be counts"
    if low is not None and not (_count(low) and _count(high) and low <= high):
        return None, f"min_capacity {low!r} and max_capacity {high!r} must be counts with min_capacity <= max_capacity"
    return {key: value[key] for key in CAPACITY_KEYS}, None


# ------------------------------------------------------------------------------------------------ planning


def _plan(current, record, after, register, desired, put_record=None, delete_record=False):
    return {
        "put_record": put_record,
        "register": register,
        "desired_count": desired,
        "delete_record": delete_record,
        "before": dict(current, recorded=record),
        "after": after,
    }


def plan_park(current, record):
    """Writes parking one service, from its ``current`` capacity and its ``record`` (dict or None).

    :return: dict ``put_record`` (the capacity to record, or None: an existing record is never overwritten, it holds
        the values from before an interrupted park), ``register`` (``(min, max)`` for RegisterScalableTarget or None),
        ``desired_count`` (for UpdateService, or None), ``delete_record`` (False), ``before`` and ``after``
        (capacity plus ``recorded``)
    """
    kept = record if record is not None else current
    has_target = current["min_capacity"] is not None
    zero = 0 if has_target else None
    register = (0, 0) if has_target and (current["min_capacity"], current["max_capacity"]) != (0, 0) else None
    after = {"desired_count": 0, "min_capacity": zero, "max_capacity": zero, "recorded": kept}
    return _plan(
        current,
        record,
        after,
        register,
        0 if current["desired_count"] != 0 else None,
        put_record=current if record is None else None,
    )


def plan_unpark(current, record):
    """Writes unparking one service: the recorded capacity is put back, then the record is deleted.

    Without a record the service is not parked and nothing is done. A recorded min/max of None (the service had no
    scalable target when it was parked) leaves the scalable target as it is. Same return value as ``plan_park``.
    """
    if record is None:
        return _plan(current, None, dict(current, recorded=None), None, None)
    low, high = record["min_capacity"], record["max_capacity"]
    register = (
        (low, high) if low is not None and (current["min_capacity"], current["max_capacity"]) != (low, high) else None
    )
    desired = record["desired_count"] if current["desired_count"] != record["desired_count"] else None
    after = {
        "desired_count": record["desired_count"],
        "min_capacity": current["min_capacity"] if low is None else low,
        "max_capacity": current["max_capacity"] if low is None else high,
        "recorded": None,
    }
    return _plan(current, record, after, register, desired, delete_record=True)


def plan_changes(plan):
    """Whether a plan writes anything."""
    return bool(plan["put_record"] or plan["register"] or plan["desired_count"] is not None or plan["delete_record"])


def unrecorded_target_warning(service, plan):
    """A warning when unpark leaves a scalable target at 0/0 that the record does not know (registered after the
    park)."""
    after = plan["after"]
    if (
        plan["delete_record"]
        and plan["before"]["recorded"]["min_capacity"] is None
        and (after["min_capacity"], after["max_capacity"]) == (0, 0)
    ):
        return (
            f"services[{service}]: has a scalable target with min 0 and max 0 that was registered after the park "
            "(the record has none); it is left as it is: converge the ECS services with parked=false (as unpark does) "
            "to restore its autoscaling"
        )
    return None
