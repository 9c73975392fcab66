# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.ecs_capacity`` in-process against moto, and its action plugin with fake module calls.

moto, as found here (5.2.5): CreateService starts a service with ``runningCount`` 0 (the local cloud's patch makes it
steady); UpdateService sets ``runningCount`` to the new desired count at once (so an unparked service is stable at
once) but leaves the PRIMARY deployment's counts as they were; RegisterScalableTarget does not clamp the desired
count into the new minimum/maximum (AWS does); registered ``ip`` targets are always ``healthy``. The tests change
moto's state directly (``cloud.set_running``, ``cloud.register_targets``) to make services not ready, and the fake
clock's sleep runs a hook, so a wait sees the services become ready over time.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import botocore.client  # noqa: E402
import pytest
from ansible.module_utils import _internal  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.ecs.models import ecs_backends  # noqa: E402

_WAS_CONTROLLER = _internal.is_controller
from ansible_collections.rocketclub.platform.plugins.action import ecs_capacity as action_plugin  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import ecs_capacity  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.plugin_utils import sliced_wait  # noqa: E402

# Importing controller code (ansible.plugins.action) marks the process as the controller; the in-process module
# runs of this session must not inherit that (see tests/unit/plugins/plugin_utils/test_sliced_wait.py).
_internal.is_controller = _WAS_CONTROLLER

CLUSTER = "test-platform"
PREFIX = "/test/infra/park/ecs"
DIMENSION = "ecs:service:DesiredCount"
MANAGED = {"platform:managed-by": "rocketclub.platform"}
ORIGINAL = {
    "api": {"desired_count": 2, "min_capacity": 1, "max_capacity": 4},
    "worker": {"desired_count": 1, "min_capacity": None, "max_capacity": None},  # no scalable target
}
WRITES = ("PutParameter", "RegisterScalableTarget", "UpdateService", "DeleteParameter")


@pytest.fixture
def cloud(ec2, aws_region, api_calls, monkeypatch, fake_clock):
    clock = fake_clock
    clock.now = 1000.0
    monkeypatch.setattr(ecs_capacity, "time", clock)
    ecs = boto3.client("ecs", region_name=aws_region)
    aas = boto3.client("application-autoscaling", region_name=aws_region)
    elbv2 = boto3.client("elbv2", region_name=aws_region)
    vpc_id = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    group = elbv2.create_target_group(Name="test-api", Protocol="HTTP", Port=8080, VpcId=vpc_id, TargetType="ip")[
        "TargetGroups"
    ][0]
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(
        family="app",
        containerDefinitions=[
            {"name": "app", "image": "example/app:1.0", "memory": 512, "portMappings": [{"containerPort": 8080}]}
        ],
    )
    ecs.create_service(
        cluster=CLUSTER,
        serviceName="api",
        taskDefinition="app",
        desiredCount=2,
        loadBalancers=[{"targetGroupArn": group["TargetGroupArn"], "containerName": "app", "containerPort": 8080}],
    )
    ecs.create_service(cluster=CLUSTER, serviceName="worker", taskDefinition="app", desiredCount=1)
    aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{CLUSTER}/api",
        ScalableDimension=DIMENSION,
        MinCapacity=1,
        MaxCapacity=4,
    )

    def moto_service(name):
        return ecs_backends[DEFAULT_ACCOUNT_ID][aws_region].services[f"{CLUSTER}:{name}"]

    def set_running(name, count):
        """moto state hook: the service's running tasks (moto starts services with none)."""
        moto_service(name).running_count = count

    def register_targets(count):
        targets = [{"Id": f"10.43.0.{10 + i}", "Port": 8080} for i in range(count)]
        if targets:
            elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=targets)

    set_running("api", 2)
    set_running("worker", 1)
    api_calls.clear()
    return SimpleNamespace(
        ecs=ecs,
        aas=aas,
        ssm=boto3.client("ssm", region_name=aws_region),
        elbv2=elbv2,
        group=group,
        calls=api_calls,
        clock=clock,
        set_running=set_running,
        register_targets=register_targets,
    )


def args(state, **extra):
    return dict(
        {
            "cluster": CLUSTER,
            "services": ["api", "worker"],
            "record_prefix": PREFIX,
            "state": state,
            "tags": {"platform:env": "test"},
        },
        **extra,
    )


@pytest.fixture
def run(run_module, cloud):
    def _run(state, check_mode=False, **extra):
        cloud.calls.clear()
        return run_module(ecs_capacity.main, args(state, **extra), check_mode=check_mode, diff=True)

    return _run


def capacity_in_moto(cloud):
    """``{service: {desired_count, min_capacity, max_capacity}}`` read back from moto."""
    services = {
        s["serviceName"]: s for s in cloud.ecs.describe_services(cluster=CLUSTER, services=list(ORIGINAL))["services"]
    }
    targets = cloud.aas.describe_scalable_targets(ServiceNamespace="ecs", ScalableDimension=DIMENSION)[
        "ScalableTargets"
    ]
    targets = {t["ResourceId"].rsplit("/", 1)[-1]: t for t in targets}
    return {
        name: {
            "desired_count": services[name]["desiredCount"],
            "min_capacity": targets.get(name, {}).get("MinCapacity"),
            "max_capacity": targets.get(name, {}).get("MaxCapacity"),
        }
        for name in ORIGINAL
    }


def records_in_moto(cloud):
    found = cloud.ssm.get_parameters_by_path(Path=PREFIX)["Parameters"]
    return {p["Name"].rsplit("/", 1)[-1]: json.loads(p["Value"]) for p in found}


PARKED = {
    "api": {"desired_count": 0, "min_capacity": 0, "max_capacity": 0},
    "worker": {"desired_count": 0, "min_capacity": None, "max_capacity": None},
}


def write_calls(cloud):
    return cloud.calls.writes()


# ------------------------------------------------------------------------------------------------ park / unpark


def test_park_four_way(run, cloud):
    check = run("parked", check_mode=True)
    assert check.rc == 0 and check.result["changed"] is True and write_calls(cloud) == []
    predicted = check.result["services"]
    assert predicted == {name: dict(PARKED[name], recorded=ORIGINAL[name], changed=True) for name in ORIGINAL}
    assert capacity_in_moto(cloud) == ORIGINAL and records_in_moto(cloud) == {}
    assert check.result["diff"]["before"]["api"] == dict(ORIGINAL["api"], recorded=None)
    assert check.result["diff"]["after"]["api"] == dict(PARKED["api"], recorded=ORIGINAL["api"])

    applied = run("parked")
    assert applied.result["changed"] is True and applied.result["services"] == predicted
    assert applied.result["target_reached"] is True
    # worker has no scalable target: nothing registered for it; every write in the safe order per service
    assert write_calls(cloud) == [
        "PutParameter",
        "RegisterScalableTarget",
        "UpdateService",
        "PutParameter",
        "UpdateService",
    ]
    assert capacity_in_moto(cloud) == PARKED and records_in_moto(cloud) == ORIGINAL
    parameter = cloud.ssm.get_parameter(Name=f"{PREFIX}/api")["Parameter"]
    assert parameter["Type"] == "String"
    tags = {
        t["Key"]: t["Value"]
        for t in cloud.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{PREFIX}/api")["TagList"]
    }
    assert tags == dict(MANAGED, **{"platform:env": "test"})

    for check_mode in (True, False):
        again = run("parked", check_mode=check_mode)
        assert again.result["changed"] is False and write_calls(cloud) == []
        assert again.result["services"] == {
            name: dict(PARKED[name], recorded=ORIGINAL[name], changed=False) for name in ORIGINAL
        }
        assert again.result["diff"]["before"] == again.result["diff"]["after"]
    assert capacity_in_moto(cloud) == PARKED and records_in_moto(cloud) == ORIGINAL


def test_unpark_four_way(run, cloud):
    run("parked")
    check = run("unparked", check_mode=True)
    assert check.result["changed"] is True and write_calls(cloud) == []
    assert check.result["services"] == {name: dict(ORIGINAL[name], recorded=None, changed=True) for name in ORIGINAL}
    assert check.result["target_reached"] is False  # the predicted desired counts are not running yet
    assert capacity_in_moto(cloud) == PARKED and records_in_moto(cloud) == ORIGINAL

    applied = run("unparked", wait_healthy_targets=False)
    assert applied.result["changed"] is True and applied.result["services"] == check.result["services"]
    assert write_calls(cloud) == [
        "RegisterScalableTarget",
        "UpdateService",
        "DeleteParameter",
        "UpdateService",
        "DeleteParameter",
    ]
    assert capacity_in_moto(cloud) == ORIGINAL and records_in_moto(cloud) == {}
    assert applied.result["diff"]["before"]["api"] == dict(PARKED["api"], recorded=ORIGINAL["api"])
    assert applied.result["target_reached"] is True  # moto: UpdateService sets runningCount at once

    for check_mode in (True, False):
        again = run("unparked", check_mode=check_mode, wait_healthy_targets=False)
        assert again.result["changed"] is False and write_calls(cloud) == []
        assert again.result["services"] == {
            name: dict(ORIGINAL[name], recorded=None, changed=False) for name in ORIGINAL
        }
    assert capacity_in_moto(cloud) == ORIGINAL


def test_three_park_unpark_cycles_restore_exactly(run, cloud):
    cloud.aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{CLUSTER}/api",
        ScalableDimension=DIMENSION,
        MinCapacity=3,
        MaxCapacity=7,
    )
    cloud.ecs.update_service(cluster=CLUSTER, service="api", desiredCount=5)
    original = dict(ORIGINAL, api={"desired_count": 5, "min_capacity": 3, "max_capacity": 7})
    for cycle in range(3):
        assert run("parked").result["changed"] is True, cycle
        assert capacity_in_moto(cloud) == PARKED and records_in_moto(cloud) == original
        assert run("unparked", wait=True, wait_healthy_targets=False).result["changed"] is True
        assert capacity_in_moto(cloud) == original and records_in_moto(cloud) == {}


# ------------------------------------------------------------------------------------------------ resumability


def fail_once(monkeypatch, operation):
    """The next call of ``operation`` fails (the run is interrupted there)."""
    original = botocore.client.BaseClient._make_api_call
    pending = [operation]

    def failing(self, name, params):
        if name in pending:
            pending.remove(name)
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "interrupted"}}, name)
        return original(self, name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)


def test_interrupted_park_is_completed_and_keeps_the_original_record(run, cloud, monkeypatch):
    fail_once(monkeypatch, "UpdateService")
    interrupted = run("parked")
    assert interrupted.rc != 0 and "interrupted" in interrupted.result["msg"]
    assert records_in_moto(cloud) == {"api": ORIGINAL["api"]}
    assert capacity_in_moto(cloud)["api"] == {"desired_count": 2, "min_capacity": 0, "max_capacity": 0}  # not yet zero
    # meanwhile something moves the count: the record must still hold the values from before the park
    cloud.ecs.update_service(cluster=CLUSTER, service="api", desiredCount=3)

    resumed = run("parked")
    assert resumed.result["changed"] is True
    assert resumed.result["services"]["api"] == dict(PARKED["api"], recorded=ORIGINAL["api"], changed=True)
    assert write_calls(cloud) == ["UpdateService", "PutParameter", "UpdateService"]  # api: no record put, no register
    assert capacity_in_moto(cloud) == PARKED and records_in_moto(cloud) == ORIGINAL

    run("unparked", wait_healthy_targets=False)
    assert capacity_in_moto(cloud) == ORIGINAL


def test_record_exists_but_capacity_not_zero_yet(run, cloud):
    """A park interrupted right after the record: the record is never overwritten."""
    cloud.ssm.put_parameter(Name=f"{PREFIX}/api", Type="String", Value=json.dumps(ORIGINAL["api"]))
    cloud.aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{CLUSTER}/api",
        ScalableDimension=DIMENSION,
        MinCapacity=2,
        MaxCapacity=6,
    )
    result = run("parked").result
    assert result["changed"] is True and result["services"]["api"]["recorded"] == ORIGINAL["api"]
    assert [p["Name"] for p in cloud.calls.named("PutParameter")] == [f"{PREFIX}/worker"]
    assert records_in_moto(cloud) == ORIGINAL and capacity_in_moto(cloud) == PARKED


def test_interrupted_unpark_deletes_the_record_on_the_next_run(run, cloud, monkeypatch):
    run("parked")
    fail_once(monkeypatch, "DeleteParameter")
    interrupted = run("unparked", wait_healthy_targets=False)
    assert interrupted.rc != 0
    assert capacity_in_moto(cloud)["api"] == ORIGINAL["api"] and set(records_in_moto(cloud)) == {"api", "worker"}

    resumed = run("unparked", wait_healthy_targets=False)
    assert resumed.result["changed"] is True
    assert write_calls(cloud) == [
        "DeleteParameter",
        "UpdateService",
        "DeleteParameter",
    ]  # api: restored already, only deleted
    assert resumed.result["services"]["api"] == dict(ORIGINAL["api"], recorded=None, changed=True)
    assert capacity_in_moto(cloud) == ORIGINAL and records_in_moto(cloud) == {}
    assert run("unparked", wait_healthy_targets=False).result["changed"] is False and write_calls(cloud) == []


def test_unpark_registers_a_deregistered_scalable_target_again_with_tags(run, cloud):
    run("parked")
    cloud.aas.deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId=f"service/{CLUSTER}/api", ScalableDimension=DIMENSION
    )
    run("unparked", wait_healthy_targets=False)
    assert capacity_in_moto(cloud) == ORIGINAL
    assert cloud.calls.named("RegisterScalableTarget")[0]["Tags"] == dict(MANAGED, **{"platform:env": "test"})


def test_unpark_warns_about_a_scalable_target_registered_after_the_park(run, cloud):
    run("parked")
    cloud.aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{CLUSTER}/worker",
        ScalableDimension=DIMENSION,
        MinCapacity=0,
        MaxCapacity=0,
    )
    result = run("unparked", wait_healthy_targets=False)
    assert result.result["services"]["worker"] == {
        "desired_count": 1,
        "min_capacity": 0,
        "max_capacity": 0,
        "recorded": None,
        "changed": True,
    }
    assert any("services[worker]" in w and "parked=false" in w for w in result.warnings)


# ----------------------------------------------------------------------------------------------- failures before writes


@pytest.mark.parametrize("state", ["parked", "unparked"])
def test_missing_service_fails_naming_it_without_writing(run, cloud, state):
    cloud.ecs.delete_service(cluster=CLUSTER, service="worker", force=True)
    result = run(state, services=["api", "worker", "ghost"])
    assert result.rc != 0 and write_calls(cloud) == []
    assert (
        "worker, ghost not found in ECS cluster test-platform" in result.result["msg"]
        and "nothing was changed" in result.result["msg"]
    )
    assert capacity_in_moto(cloud)["api"] == ORIGINAL["api"] and records_in_moto(cloud) == {}


def test_missing_cluster_fails_clearly(run, cloud):
    result = run("parked", cluster="no-such-cluster")
    assert (
        result.rc != 0
        and "ECS cluster no-such-cluster does not exist" in result.result["msg"]
        and write_calls(cloud) == []
    )


def test_invalid_record_fails_before_any_write(run, cloud):
    cloud.ssm.put_parameter(Name=f"{PREFIX}/worker", Type="String", Value='{"desired_count": "one"}')
    for state in ("parked", "unparked"):
        result = run(state)
        assert result.rc != 0 and write_calls(cloud) == []
        assert f"record {PREFIX}/worker is not a JSON object" in result.result["msg"]
    assert capacity_in_moto(cloud) == ORIGINAL


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ({"record_prefix": "test/park"}, "record_prefix: 'test/park'"),
        ({"services": ["api", "api"]}, "services: api is listed more than once"),
        ({"wait_timeout": -5}, "wait_timeout: -5"),
    ],
)
def test_bad_input_makes_no_api_call(run, cloud, extra, fragment):
    result = run("parked", **extra)
    assert result.rc != 0 and fragment in result.result["msg"] and cloud.calls == []


def test_no_services_is_a_no_op(run, cloud):
    result = run("unparked", services=[], wait=True)
    assert result.result["changed"] is False and result.result["services"] == {} and cloud.calls.writes() == []


# ------------------------------------------------------------------------------------------------ waiting


def test_moto_updates_running_count_with_the_desired_count(cloud):
    """What the local cloud does (no patch needed): the stability check sees an unparked service steady at once."""
    cloud.ecs.update_service(cluster=CLUSTER, service="api", desiredCount=3)
    service = cloud.ecs.describe_services(cluster=CLUSTER, services=["api"])["services"][0]
    assert (service["desiredCount"], service["runningCount"], len(service["deployments"])) == (3, 3, 1)


def test_wait_times_out_naming_wait_timeout_and_what_is_not_ready(run, cloud):
    run("parked")
    result = run("unparked", wait=True, wait_timeout=60)
    assert result.rc != 0 and result.result["wait_timed_out"] is True
    assert result.result["status"] == "api has 0 of 2 healthy targets in test-api"
    assert (
        "wait_timeout=60" in result.result["msg"]
        and "api has 0 of 2 healthy targets in test-api" in result.result["msg"]
    )
    assert result.result["services"]["api"]["changed"] is True  # restored before waiting
    assert capacity_in_moto(cloud) == ORIGINAL and records_in_moto(cloud) == {}
    assert cloud.clock.now >= 1060


def tasks_start_later(monkeypatch, cloud):
    """moto state hook: like AWS, UpdateService leaves the tasks to start later (moto would run them at once)."""
    original = botocore.client.BaseClient._make_api_call

    def update_then_stop(self, name, params):
        response = original(self, name, params)
        if name == "UpdateService":
            cloud.set_running(params["service"], 0)
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", update_then_stop)


def test_wait_until_tasks_run_and_targets_are_healthy(run, cloud, monkeypatch):
    run("parked")
    tasks_start_later(monkeypatch, cloud)

    def tasks_start(now):  # one task per sleep; the targets register one sleep after the tasks run
        running = min(2, int((now - 1000) // ecs_capacity.WAIT_DELAY))
        cloud.set_running("api", running)
        cloud.set_running("worker", min(1, running))
        if now >= 1000 + 3 * ecs_capacity.WAIT_DELAY:
            cloud.register_targets(2)

    cloud.clock.on_sleep = tasks_start
    result = run("unparked", wait=True, wait_timeout=300)
    assert result.rc == 0 and result.result["target_reached"] is True and result.result["changed"] is True
    assert result.result["status_history"] == [
        {
            "elapsed": 0,
            "status": (
                "api has 0 of 2 tasks running; api has 0 of 2 healthy targets in test-api; "
                "worker has 0 of 1 tasks running"
            ),
        },
        {
            "elapsed": ecs_capacity.WAIT_DELAY,
            "status": "api has 1 of 2 tasks running; api has 0 of 2 healthy targets in test-api",
        },
        {"elapsed": 2 * ecs_capacity.WAIT_DELAY, "status": "api has 0 of 2 healthy targets in test-api"},
        {"elapsed": 3 * ecs_capacity.WAIT_DELAY, "status": "ready"},
    ]


def test_wait_without_healthy_targets_for_the_local_cloud(run, cloud, monkeypatch):
    run("parked")
    tasks_start_later(monkeypatch, cloud)
    cloud.clock.on_sleep = lambda now: (cloud.set_running("api", 2), cloud.set_running("worker", 1))
    result = run("unparked", wait=True, wait_healthy_targets=False)
    assert result.rc == 0 and [h["status"] for h in result.result["status_history"]] == [
        "api has 0 of 2 tasks running; worker has 0 of 1 tasks running",
        "ready",
    ]
    assert "DescribeTargetHealth" not in cloud.calls.operations()


def test_parked_never_waits(run, cloud):
    result = run("parked", wait=True, wait_timeout=1)
    assert result.rc == 0 and result.result["target_reached"] is True and result.result["status_history"] == []
    assert "DescribeTargetHealth" not in cloud.calls.operations()


# ------------------------------------------------------------------------------------------------ action plugin


def action_for(task_args, results, check_mode=False):
    action = action_plugin.ActionModule.__new__(action_plugin.ActionModule)
    action._task = SimpleNamespace(
        args=task_args,
        check_mode=check_mode,
        action="rocketclub.platform.ecs_capacity",
        resolved_action="rocketclub.platform.ecs_capacity",
    )
    clock = SimpleNamespace(now=0.0)
    action.clock = lambda: clock.now
    action.calls = []
    answers = iter(results)

    def call(module_args, task_vars):
        action.calls.append(dict(module_args))
        clock.now += module_args["wait_timeout"] if module_args.get("wait") is True else 1
        return dict(next(answers))

    action.call = call
    return action


def test_action_plugin_prints_progress_and_keeps_the_changed_services(monkeypatch):
    lines = []
    monkeypatch.setattr(sliced_wait.display, "display", lambda msg, *a, **k: lines.append(msg))
    changed = {"api": {"desired_count": 2, "min_capacity": 1, "max_capacity": 4, "recorded": None, "changed": True}}
    unchanged = {"api": dict(changed["api"], changed=False)}
    not_ready = "api has 0 of 2 healthy targets in test-api"
    results = [
        {"changed": True, "services": changed, "target_reached": False},
        {"failed": True, "wait_timed_out": True, "status": not_ready, "changed": False, "services": unchanged},
        {
            "changed": False,
            "services": unchanged,
            "target_reached": True,
            "status_history": [{"elapsed": 0, "status": "ready"}],
        },
    ]
    action = action_for(args("unparked", wait=True, wait_timeout=120), results)
    result = action.run_sliced({})
    assert [(c["wait"], c["wait_timeout"]) for c in action.calls] == [(False, 120), (True, 30), (True, 30)]
    assert lines == [f"ecs_capacity {CLUSTER}: {not_ready}, 31s elapsed of 2m0s"]
    assert result["changed"] is True and result["services"] == changed and not result.get("failed")


def test_action_plugin_makes_one_plain_call_without_wait():
    action = action_for(args("parked"), [{"changed": True, "target_reached": True}])
    assert action.run_sliced({}) == {"changed": True, "target_reached": True}
    assert action.calls == [args("parked")]
