# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the park / unpark planning of ``rocketclub.platform.ecs_capacity`` (no AWS involved)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import capacity as logic
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import readiness

TG = "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/prod-backstage/0123456789abcdef"


def cap(desired, low=None, high=None):
    return {"desired_count": desired, "min_capacity": low, "max_capacity": high}


def writes(plan):
    return {k: plan[k] for k in ("put_record", "register", "desired_count", "delete_record")}


@pytest.mark.parametrize(
    "current, record, expected_writes, after",
    [
        # unparked service with autoscaling: record, 0/0, desired 0
        (
            cap(2, 1, 4),
            None,
            {"put_record": cap(2, 1, 4), "register": (0, 0), "desired_count": 0, "delete_record": False},
            cap(0, 0, 0),
        ),
        # no scalable target: nothing to register, min/max stay null
        (cap(1), None, {"put_record": cap(1), "register": None, "desired_count": 0, "delete_record": False}, cap(0)),
        # interrupted after the record: the record is kept (not overwritten), the rest is done
        (
            cap(2, 1, 4),
            cap(2, 1, 4),
            {"put_record": None, "register": (0, 0), "desired_count": 0, "delete_record": False},
            cap(0, 0, 0),
        ),
        # interrupted after the scalable target; autoscaling had moved the count meanwhile: the ORIGINAL record stays
        (
            cap(3, 0, 0),
            cap(2, 1, 4),
            {"put_record": None, "register": None, "desired_count": 0, "delete_record": False},
            cap(0, 0, 0),
        ),
        # parked: nothing to do
        (
            cap(0, 0, 0),
            cap(2, 1, 4),
            {"put_record": None, "register": None, "desired_count": None, "delete_record": False},
            cap(0, 0, 0),
        ),
        # a service already at zero is recorded as it is (unpark puts zero back)
        (
            cap(0, 0, 2),
            None,
            {"put_record": cap(0, 0, 2), "register": (0, 0), "desired_count": None, "delete_record": False},
            cap(0, 0, 0),
        ),
    ],
)
def test_plan_park(current, record, expected_writes, after):
    plan = logic.plan_park(current, record)
    assert writes(plan) == expected_writes
    kept = record if record is not None else current
    assert plan["after"] == dict(after, recorded=kept)
    assert plan["before"] == dict(current, recorded=record)
    assert logic.plan_changes(plan) == any(v is not None and v is not False for v in expected_writes.values())


@pytest.mark.parametrize(
    "current, record, expected_writes, after",
    [
        (
            cap(0, 0, 0),
            cap(2, 1, 4),
            {"put_record": None, "register": (1, 4), "desired_count": 2, "delete_record": True},
            cap(2, 1, 4),
        ),
        (cap(0), cap(1), {"put_record": None, "register": None, "desired_count": 1, "delete_record": True}, cap(1)),
        # interrupted after restoring, before deleting the record: only the deletion is left
        (
            cap(2, 1, 4),
            cap(2, 1, 4),
            {"put_record": None, "register": None, "desired_count": None, "delete_record": True},
            cap(2, 1, 4),
        ),
        # interrupted after the scalable target
        (
            cap(1, 1, 4),
            cap(2, 1, 4),
            {"put_record": None, "register": None, "desired_count": 2, "delete_record": True},
            cap(2, 1, 4),
        ),
        # recorded without autoscaling: a scalable target registered since is left as it is
        (
            cap(0, 0, 0),
            cap(1),
            {"put_record": None, "register": None, "desired_count": 1, "delete_record": True},
            cap(1, 0, 0),
        ),
        # not parked: nothing to do
        (
            cap(2, 1, 4),
            None,
            {"put_record": None, "register": None, "desired_count": None, "delete_record": False},
            cap(2, 1, 4),
        ),
    ],
)
def test_plan_unpark(current, record, expected_writes, after):
    plan = logic.plan_unpark(current, record)
    assert writes(plan) == expected_writes
    assert plan["after"] == dict(after, recorded=None)
    assert logic.plan_changes(plan) == (record is not None)


def test_unrecorded_target_warning_only_for_a_target_the_record_does_not_know():
    assert "parked=false" in logic.unrecorded_target_warning("api", logic.plan_unpark(cap(0, 0, 0), cap(1)))
    assert logic.unrecorded_target_warning("api", logic.plan_unpark(cap(0, 0, 0), cap(1, 1, 2))) is None
    assert logic.unrecorded_target_warning("api", logic.plan_unpark(cap(0), cap(1))) is None
    assert logic.unrecorded_target_warning("api", logic.plan_park(cap(1, 1, 2), None)) is None


@pytest.mark.parametrize("record", [cap(2, 1, 4), cap(0), cap(0, 0, 0)])
def test_record_round_trip(record):
    text = logic.encode_record(record)
    assert list(json.loads(text)) == list(logic.CAPACITY_KEYS)
    assert logic.decode_record(text) == (record, None)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("not json", "exactly the keys"),
        ('{"desired_count": 1}', "exactly the keys"),
        ('{"desired_count": 1, "min_capacity": null, "max_capacity": null, "x": 1}', "exactly the keys"),
        ('{"desired_count": -1, "min_capacity": null, "max_capacity": null}', "desired_count -1"),
        ('{"desired_count": true, "min_capacity": null, "max_capacity": null}', "desired_count True"),
        ('{"desired_count": 1, "min_capacity": 1, "max_capacity": null}', "both be null"),
        ('{"desired_count": 1, "min_capacity": 3, "max_capacity": 2}', "min_capacity <= max_capacity"),
        ('{"desired_count": 1, "min_capacity": "1", "max_capacity": 2}', "must be counts"),
        ("[1, 2, 3]", "exactly the keys"),
    ],
)
def test_decode_record_problems(text, problem):
    record, message = logic.decode_record(text)
    assert record is None and problem in message


@pytest.mark.parametrize(
    "params, fragments",
    [
        ({"record_prefix": "/prod/infra/park/ecs", "services": ["api", "web_1"], "wait_timeout": 600}, []),
        ({"record_prefix": "/prod/infra/park/ecs/", "services": [], "wait_timeout": 0}, []),
        ({"record_prefix": "prod/infra", "services": ["api"], "wait_timeout": 600}, ["record_prefix: 'prod/infra'"]),
        ({"record_prefix": "/prod//x", "services": ["api"], "wait_timeout": 600}, ["record_prefix"]),
        (
            {"record_prefix": "/p", "services": ["api", "api", "bad name"], "wait_timeout": -1},
            [
                "services: 'bad name' is not an ECS service name",
                "services: api is listed more than once",
                "wait_timeout: -1",
            ],
        ),
    ],
)
def test_validate(params, fragments):
    errors = logic.validate(params)
    assert len(errors) == len(fragments)
    for error, fragment in zip(errors, fragments):
        assert fragment in error


def test_record_name():
    assert logic.record_name("/prod/infra/park/ecs", "api") == "/prod/infra/park/ecs/api"
    assert logic.record_name("/prod/infra/park/ecs/", "api") == "/prod/infra/park/ecs/api"


def test_capacity():
    assert logic.capacity(2, {"MinCapacity": 1, "MaxCapacity": 4}) == cap(2, 1, 4)
    assert logic.capacity(2, None) == cap(2)


def service(desired=2, running=2, deployments=("PRIMARY",), status="ACTIVE", groups=(TG,)):
    return {
        "serviceName": "backstage",
        "status": status,
        "desiredCount": desired,
        "runningCount": running,
        "deployments": [{"status": s} for s in deployments],
        "loadBalancers": [{"targetGroupArn": g, "containerName": "backstage", "containerPort": 7007} for g in groups],
    }


@pytest.mark.parametrize(
    "svc, healthy, check_targets, problems",
    [
        (service(), {TG: 2}, True, []),
        (service(), {TG: 3}, True, []),
        (service(), {}, False, []),
        (service(desired=0, running=0), {}, True, []),
        (service(running=1), {TG: 2}, True, ["backstage has 1 of 2 tasks running"]),
        (service(), {TG: 1}, True, ["backstage has 1 of 2 healthy targets in prod-backstage"]),
        (
            service(deployments=("PRIMARY", "ACTIVE")),
            {TG: 2},
            True,
            ["backstage has 2 deployments (a deployment is in progress)"],
        ),
        (service(deployments=()), {}, False, ["backstage has 0 deployments (a deployment is in progress)"]),
        (
            service(status="DRAINING", running=0),
            {},
            False,
            ["backstage is DRAINING", "backstage has 0 of 2 tasks running"],
        ),
        (service(groups=()), {}, True, []),
    ],
)
def test_service_problems(svc, healthy, check_targets, problems):
    assert readiness.service_problems(svc, healthy, check_targets) == problems
    assert readiness.readiness_status(problems) == ("; ".join(problems) if problems else "ready")


@pytest.mark.parametrize("arn, name", [(TG, "prod-backstage"), ("tg-without-arn", "tg-without-arn"), (None, None)])
def test_target_group_name(arn, name):
    assert readiness.target_group_name(arn) == name
