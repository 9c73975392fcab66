# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.ecs_run_task`` in-process against moto.

moto 5.2.5 and ECS tasks: RunTask returns the task ``RUNNING`` at once; by default every DescribeTasks
moves it one step (DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED), without ``stopCode`` and with every
container ``PENDING`` and ``exitCode: 0``. The ``frozen_tasks`` fixture keeps tasks RUNNING and ``finish()``
stops them the way AWS does (stop code, exit codes, reasons) by editing moto's Task objects, called from
the module's sleep hook so the task stops while the module waits.
"""

from __future__ import annotations

import boto3
import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.ecs.models import ecs_backends  # noqa: E402
from moto.moto_api import state_manager  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import tasks as ecs_tasks  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import ecs_run_task  # noqa: E402

CLUSTER = "test-platform"
FAMILY = "test-db-bootstrap"
STARTED_BY = "rocketclub-platform"
SECRET_VALUE = "hunter2-plain-env-value"


@pytest.fixture
def cloud(ec2, aws_region, api_calls):
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    # moto's awsvpc RunTask needs DNS hostnames on the VPC (it reads the ENI's private DNS name).
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="bootstrap", Description="bootstrap", VpcId=vpc_id)["GroupId"]
    ecs = boto3.client("ecs", region_name=aws_region)
    ecs.create_cluster(clusterName=CLUSTER)
    secret = boto3.client("secretsmanager", region_name=aws_region).create_secret(
        Name="test/db", SecretString="s3cr3t"
    )["ARN"]
    cloud = {
        "ecs": ecs,
        "subnet": subnet,
        "sg": sg,
        "calls": api_calls,
        "backend": ecs_backends[DEFAULT_ACCOUNT_ID][aws_region],
    }
    cloud["td_arn"] = register(cloud, FAMILY, secret)
    register(cloud, "test-other-job")
    api_calls.clear()
    return cloud


def register(cloud, family, secret=None):
    container = {
        "name": "bootstrap",
        "image": "postgres:16",
        "essential": True,
        "memory": 512,  # moto's RunTask fails without a container-level memory (AWS does not need it on Fargate)
        "environment": [{"name": "DB_PASSWORD", "value": SECRET_VALUE}],
        "secrets": [{"name": "DATABASE_URL", "valueFrom": secret}] if secret else [],
    }
    return cloud["ecs"].register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]


@pytest.fixture
def frozen_tasks():
    """Keep moto's tasks RUNNING until ``finish()`` stops them."""
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    yield
    state_manager.unset_transition("ecs::task")


def moto_tasks(cloud):
    return cloud["backend"].tasks.get(CLUSTER, {})


def finish(
    cloud,
    exit_code=0,
    reason=None,
    stop_code="EssentialContainerExited",
    stopped_reason="Essential container in task exited",
):
    """Stop every running moto task as ECS would."""
    for task in moto_tasks(cloud).values():
        if task.last_status == "STOPPED":
            continue
        task.last_status = task.desired_status = "STOPPED"
        task.stop_code, task.stopped_reason = stop_code, stopped_reason
        for container in task.containers:
            container.last_status, container.exitCode, container.reason = "STOPPED", exit_code, reason


class FakeClock:
    """Replaces the module's sleep and clock: ``sleeps`` records each sleep, ``at[n]`` runs after the n-th."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []
        self.at = {}

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if len(self.sleeps) in self.at:
            self.at[len(self.sleeps)]()

    def clock(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(ecs_tasks, "default_sleep", fake.sleep)
    monkeypatch.setattr(ecs_tasks, "default_clock", fake.clock)
    return fake


def args(cloud, **extra):
    return dict(
        {
            "cluster": CLUSTER,
            "task_definition": FAMILY,
            "subnets": [cloud["subnet"]],
            "security_groups": [cloud["sg"]],
            "tags": {"platform:env": "test"},
        },
        **extra,
    )


def start_task(cloud, family=FAMILY, started_by=STARTED_BY):
    network = ecs_tasks.network_configuration([cloud["subnet"]], [cloud["sg"]], False)
    return cloud["ecs"].run_task(
        cluster=CLUSTER, taskDefinition=family, launchType="FARGATE", startedBy=started_by, networkConfiguration=network
    )["tasks"][0]["taskArn"]


def test_check_mode_then_run_until_success(cloud, frozen_tasks, clock, run_module):
    calls = cloud["calls"]
    result = run_module(ecs_run_task.main, args(cloud), check_mode=True).result
    assert result["changed"] is True and result["started"] is True
    assert result["task_arn"] is None and result["task_definition_arn"] == cloud["td_arn"]
    assert calls.writes() == [] and moto_tasks(cloud) == {}

    clock.at[2] = lambda: finish(cloud)
    result = run_module(ecs_run_task.main, args(cloud)).result
    assert result["changed"] is True and result["started"] is True
    assert (result["last_status"], result["stop_code"]) == ("STOPPED", "EssentialContainerExited")
    assert result["stopped_reason"] == "Essential container in task exited"
    assert result["containers"] == [{"name": "bootstrap", "exit_code": 0, "reason": None, "last_status": "STOPPED"}]
    assert result["waited_seconds"] == 12 and clock.sleeps == [6, 6]
    assert calls.writes() == ["RunTask"]
    request = calls.named("RunTask")[0]
    assert (request["taskDefinition"], request["launchType"], request["startedBy"], request["count"]) == (
        cloud["td_arn"],
        "FARGATE",
        STARTED_BY,
        1,
    )
    network = {"subnets": [cloud["subnet"]], "securityGroups": [cloud["sg"]], "assignPublicIp": "DISABLED"}
    assert request["networkConfiguration"]["awsvpcConfiguration"] == network
    task = moto_tasks(cloud)[result["task_arn"]]
    assert task.last_status == "STOPPED"
    assert {t["key"]: t["value"] for t in task.tags} == {
        "platform:managed-by": "rocketclub.platform",
        "platform:env": "test",
    }

    # A one-off job is a change every time: once the task stopped, check mode and a new run start another one.
    assert run_module(ecs_run_task.main, args(cloud), check_mode=True).result["changed"] is True
    clock.at[3] = lambda: finish(cloud)
    second = run_module(ecs_run_task.main, args(cloud)).result
    assert second["changed"] is True and second["task_arn"] != result["task_arn"]
    assert calls.writes() == ["RunTask", "RunTask"]


def test_failed_exit_code_reports_reasons_not_environment(cloud, frozen_tasks, clock, run_module):
    clock.at[1] = lambda: finish(cloud, exit_code=1, reason="psql: connection refused")
    run = run_module(ecs_run_task.main, args(cloud))
    assert run.rc == 1 and run.result["changed"] is True and run.result["started"] is True
    assert "essential container bootstrap exited with code 1 (psql: connection refused)" in run.result["msg"]
    assert "Stopped reason: Essential container in task exited" in run.result["msg"]
    assert run.result["containers"][0]["exit_code"] == 1
    assert SECRET_VALUE not in run.out and "DATABASE_URL" not in run.out and "s3cr3t" not in run.out


def test_succeed_exit_codes_and_stop_codes(cloud, frozen_tasks, clock, run_module):
    clock.at[1] = lambda: finish(cloud, exit_code=3)
    assert run_module(ecs_run_task.main, args(cloud, succeed_exit_codes=[0, 3])).rc == 0

    clock.at[2] = lambda: finish(
        cloud,
        exit_code=None,
        reason="CannotPullContainerError: pull access denied",
        stop_code="TaskFailedToStart",
        stopped_reason="Task failed to start",
    )
    run = run_module(ecs_run_task.main, args(cloud))
    assert run.rc == 1
    assert "stop code TaskFailedToStart" in run.result["msg"]
    assert (
        "essential container bootstrap has no exit code (CannotPullContainerError: pull access denied)"
        in run.result["msg"]
    )


def test_timeout_keeps_task_and_next_run_waits_for_it(cloud, frozen_tasks, clock, run_module):
    run = run_module(ecs_run_task.main, args(cloud, wait_timeout=30))
    arn = run.result["task_arn"]
    assert run.rc == 1 and run.result["changed"] is True and run.result["last_status"] == "RUNNING"
    for text in ("wait_timeout=30", arn, "keeps running", f"aws ecs stop-task --cluster {CLUSTER} --task {arn}"):
        assert text in run.result["msg"]
    assert clock.sleeps == [6, 6, 6, 6, 6] and run.result["waited_seconds"] == 30
    assert moto_tasks(cloud)[arn].last_status == "RUNNING"

    clock.at[len(clock.sleeps) + 1] = lambda: finish(cloud)
    result = run_module(ecs_run_task.main, args(cloud)).result
    assert (result["changed"], result["started"], result["task_arn"], result["last_status"]) == (
        False,
        False,
        arn,
        "STOPPED",
    )
    assert cloud["calls"].writes() == ["RunTask"]


def test_running_task_of_family_is_waited_for_not_duplicated(cloud, frozen_tasks, clock, run_module):
    mine = start_task(cloud)
    start_task(cloud, started_by="someone-else")
    start_task(cloud, family="test-other-job")
    new_arn = register(cloud, FAMILY)
    cloud["calls"].clear()

    run = run_module(ecs_run_task.main, args(cloud), check_mode=True)
    assert (run.result["changed"], run.result["started"], run.result["task_arn"]) == (False, False, mine)
    assert clock.sleeps == []

    clock.at[1] = lambda: finish(cloud)
    run = run_module(ecs_run_task.main, args(cloud))
    assert (run.result["changed"], run.result["started"], run.result["task_arn"]) == (False, False, mine)
    assert run.result["task_definition_arn"] == cloud["td_arn"]
    assert any(mine in w and new_arn in w for w in run.warnings)
    assert cloud["calls"].writes() == []
    # ListTasks rejects startedBy combined with another filter on AWS (moto accepts it): only startedBy is sent.
    assert [sorted(p) for p in cloud["calls"].named("ListTasks")] == [["cluster", "startedBy"]] * 2


def test_moto_default_lifecycle_stops_without_stop_code(cloud, clock, run_module):
    result = run_module(ecs_run_task.main, args(cloud)).result
    assert (result["changed"], result["last_status"], result["stop_code"]) == (True, "STOPPED", None)
    assert clock.sleeps == [6, 6, 6]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"started_by": "rocketclub.platform"}, "started_by='rocketclub.platform' is not accepted by ECS"),
        ({"subnets": []}, "subnets must not be empty"),
        ({"succeed_exit_codes": []}, "succeed_exit_codes must not be empty"),
        ({"wait_timeout": -1}, "wait_timeout must be 0 or more seconds"),
    ],
)
def test_bad_input_makes_no_api_call(cloud, run_module, extra, message):
    run = run_module(ecs_run_task.main, args(cloud, **extra))
    assert run.rc == 1 and message in run.result["msg"]
    assert cloud["calls"] == []


def test_unknown_task_definition(cloud, run_module):
    run = run_module(ecs_run_task.main, args(cloud, task_definition="test-missing"))
    assert run.rc == 1 and "task_definition test-missing not found" in run.result["msg"]
    assert cloud["calls"].writes() == []


# ------------------------------------------------------------------------------------ pure logic

ESSENTIAL = {"app"}


@pytest.mark.parametrize(
    "task, problems",
    [
        (
            {
                "stopCode": "EssentialContainerExited",
                "containers": [{"name": "app", "exitCode": 0}, {"name": "log", "exitCode": 137}],
            },
            [],
        ),
        ({"containers": [{"name": "app", "exitCode": 0}]}, []),
        (
            {"stopCode": "EssentialContainerExited", "containers": [{"name": "app", "exitCode": 2, "reason": "oops"}]},
            ["essential container app exited with code 2 (oops)"],
        ),
        ({"stopCode": "UserInitiated", "containers": [{"name": "app", "exitCode": 0}]}, ["stop code UserInitiated"]),
        (
            {"stopCode": "TaskFailedToStart", "containers": [{"name": "app"}]},
            ["stop code TaskFailedToStart", "essential container app has no exit code"],
        ),
    ],
)
def test_task_problems(task, problems):
    assert ecs_tasks.task_problems(task, ESSENTIAL, [0]) == problems


def test_essential_names_default_true():
    td = {
        "containerDefinitions": [
            {"name": "app"},
            {"name": "log", "essential": False},
            {"name": "init", "essential": True},
        ]
    }
    assert ecs_tasks.essential_names(td) == {"app", "init"}


def test_find_running_picks_oldest_live_task_of_family():
    td = "arn:aws:ecs:eu-west-2:1:task-definition/"

    def task(arn, family="job", status="RUNNING", by=STARTED_BY, created="2026-01-02"):
        return {
            "taskArn": arn,
            "taskDefinitionArn": f"{td}{family}:1",
            "lastStatus": status,
            "startedBy": by,
            "createdAt": created,
        }

    tasks = [
        task("new"),
        task("old", created="2026-01-01"),
        task("done", status="STOPPED", created="2025"),
        task("other", family="job2", created="2025"),
        task("theirs", by="x", created="2025"),
    ]
    assert ecs_tasks.find_running(tasks, "job", STARTED_BY)["taskArn"] == "old"
    assert ecs_tasks.find_running(tasks[2:], "job", STARTED_BY) is None


# -- check-mode placeholders of resources earlier tasks would create (docs/check_mode.md) ------------------------


def sent_placeholders(calls):
    return [(op, params) for _svc, op, params in calls if "pending:" in repr(params)]


def test_check_mode_with_a_pending_cluster_and_task_definition_predicts_the_run(cloud, run_module):
    """An empty account: the cluster, the bootstrap revision and the network are placeholders."""
    pending = args(
        cloud,
        cluster="pending:ecs-cluster/test-new",
        task_definition="pending:task-definition/test-new-db-bootstrap:1",
        subnets=["pending:subnet/test-private-app-a"],
        security_groups=["pending:security-group/test-ecs"],
    )
    result = run_module(ecs_run_task.main, pending, check_mode=True).result
    assert not result.get("failed"), result
    assert (result["changed"], result["started"], result["task_arn"]) == (True, True, None)
    assert result["task_definition_arn"] == "pending:task-definition/test-new-db-bootstrap:1"
    assert cloud["calls"] == []


def test_check_mode_with_a_new_revision_still_waits_for_a_running_task(cloud, frozen_tasks, run_module):
    """The bootstrap definition changes (new revision, a placeholder) while a task of the family still runs:
    a real run would wait for that task, so check mode predicts no start."""
    mine = start_task(cloud)
    cloud["calls"].clear()
    pending = args(cloud, task_definition=f"pending:task-definition/{FAMILY}:2")
    result = run_module(ecs_run_task.main, pending, check_mode=True).result
    assert (result["changed"], result["started"], result["task_arn"]) == (False, False, mine)
    assert sent_placeholders(cloud["calls"]) == [] and cloud["calls"].writes() == []


def test_check_mode_in_a_cluster_that_does_not_exist_yet(cloud, run_module):
    pending = args(cloud, cluster="test-not-there-yet", task_definition=f"pending:task-definition/{FAMILY}:2")
    result = run_module(ecs_run_task.main, pending, check_mode=True).result
    assert not result.get("failed"), result
    assert (result["changed"], result["started"]) == (True, True)


@pytest.mark.parametrize("option", ["cluster", "task_definition", "subnets", "security_groups"])
def test_a_real_run_refuses_a_placeholder_before_any_call(cloud, run_module, option):
    value = ["pending:subnet/test-a"] if option in ("subnets", "security_groups") else f"pending:{option}/test"
    run = run_module(ecs_run_task.main, args(cloud, **{option: value}))
    assert run.result.get("failed") is True
    assert option in run.result["msg"] and "placeholder" in run.result["msg"]
    assert cloud["calls"] == []
