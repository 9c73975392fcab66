# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drive ``rocketclub.platform.wait_ready`` in-process against moto, and its action plugin with fake module calls.

moto, as found here (5.2.5): a cluster answers ``creating`` once and ``available`` after, a clustered instance is
``available`` at once, a NAT gateway is ``available`` at once, a load balancer ``provisioning`` until changed, a DNS
certificate ``PENDING_VALIDATION``, a service starts with ``runningCount`` 0. The tests set moto's state directly
(``cloud.set``) and the fake clock's sleep runs a hook, so a wait sees resources become ready over time.
"""

from __future__ import annotations

from types import SimpleNamespace

import boto3
import pytest
from ansible.module_utils import _internal
from moto.acm.models import acm_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.rds.models import rds_backends

_WAS_CONTROLLER = _internal.is_controller
from ansible_collections.rocketclub.platform.plugins.action import wait_ready as action_plugin  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import wait_ready  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.plugin_utils import sliced_wait  # noqa: E402

# Importing controller code (ansible.plugins.action) marks the process as the controller; the in-process module
# runs of this session must not inherit that (see tests/unit/plugins/plugin_utils/test_sliced_wait.py).
_internal.is_controller = _WAS_CONTROLLER

CLUSTER = "test-platform"


@pytest.fixture
def cloud(ec2, aws_region, api_calls, monkeypatch, fake_clock):
    clock = fake_clock
    clock.now = 1000.0
    monkeypatch.setattr(wait_ready, "time", clock)
    account = DEFAULT_ACCOUNT_ID
    rds = boto3.client("rds", region_name=aws_region)
    rds.create_db_cluster(
        DBClusterIdentifier="db", Engine="aurora-postgresql", MasterUsername="admin", MasterUserPassword="x" * 16
    )
    rds.create_db_instance(
        DBInstanceIdentifier="db-1",
        DBClusterIdentifier="db",
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
    )
    rds.describe_db_clusters(DBClusterIdentifier="db")  # moto answers creating once, then available
    acm = boto3.client("acm", region_name="us-east-1")
    certificate = acm.request_certificate(DomainName="portal.example.com", ValidationMethod="DNS")["CertificateArn"]
    vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
    subnet_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.0.0/24", AvailabilityZone=f"{aws_region}a")["Subnet"]
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.1.0/24", AvailabilityZone=f"{aws_region}b")["Subnet"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet_a["SubnetId"], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    elbv2 = boto3.client("elbv2", region_name=aws_region)
    lb = elbv2.create_load_balancer(Name="lb", Subnets=[subnet_a["SubnetId"], subnet_b["SubnetId"]])["LoadBalancers"][
        0
    ]["LoadBalancerArn"]
    ecs = boto3.client("ecs", region_name=aws_region)
    ecs.create_cluster(clusterName=CLUSTER)
    ecs.register_task_definition(
        family="app", containerDefinitions=[{"name": "app", "image": "example/app:1.0", "memory": 512}]
    )
    for name in ("api", "worker"):
        ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition="app", desiredCount=1)

    def set_state(kind, ident, value):
        """moto state hook."""
        if kind == "aurora_cluster":
            rds_backends[account][aws_region].clusters[ident]._status = value
        elif kind == "aurora_instance":
            rds_backends[account][aws_region].databases[ident].status = value
        elif kind == "acm_certificate":
            acm_backends[account]["us-east-1"]._certificates[ident].status = value
        elif kind == "nat_gateway":
            ec2_backends[account][aws_region].nat_gateways[ident].state = value
        elif kind == "load_balancer":
            elbv2_backends[account][aws_region].load_balancers[ident].state = value
        elif kind == "ecs_service":
            ecs_backends[account][aws_region].services[f"{CLUSTER}:{ident}"].running_count = value

    set_state("load_balancer", lb, "active")
    # moto turns provisioning into active on the first DescribeLoadBalancers; the tests decide when instead
    monkeypatch.setattr(type(elbv2_backends[account][aws_region].load_balancers[lb]), "activate", lambda self: None)
    for name in ("api", "worker"):
        set_state("ecs_service", name, 1)
    cloudfront = boto3.client("cloudfront", region_name=aws_region)
    origin = {"Id": "alb", "DomainName": "alb.example.com", "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
              "OriginProtocolPolicy": "https-only"}}  # fmt: skip
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "wait-ready",
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "https-only", "MinTTL": 0},
            "Comment": "",
            "Enabled": True,
        }
    )["Distribution"]["Id"]
    api_calls.clear()
    return SimpleNamespace(
        clock=clock,
        calls=api_calls,
        set=set_state,
        certificate=certificate,
        nat=nat,
        lb=lb,
        distribution=distribution,
    )


def resource(kind, ident, **extra):
    return dict({"kind": kind, "id": ident}, **extra)


@pytest.fixture
def run(run_module, cloud):
    def _run(resources, check_mode=False, **extra):
        return run_module(
            wait_ready.main, dict({"resources": resources, "description": "test", "delay": 5}, **extra), check_mode
        ).result

    return _run


def every_kind(cloud):
    return [
        resource("aurora_cluster", "db"),
        resource("acm_certificate", cloud.certificate, region="us-east-1"),
        resource("cloudfront_distribution", cloud.distribution),
        resource("nat_gateway", cloud.nat),
        resource("load_balancer", cloud.lb),
        resource("ecs_service", "api", cluster=CLUSTER),
    ]


def test_documentation_matches_the_argument_spec(doc_problems):
    assert doc_problems(wait_ready) == []


# -- each kind ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, waiting, ready",
    [
        ("aurora_cluster", "modifying", "available"),
        ("acm_certificate", "PENDING_VALIDATION", "ISSUED"),
        ("nat_gateway", "pending", "available"),
        ("load_balancer", "provisioning", "active"),
        ("ecs_service", 0, 1),
    ],
)
def test_each_kind_is_waited_for_until_its_target_state(run, cloud, kind, waiting, ready):
    spec = next(r for r in every_kind(cloud) if r["kind"] == kind)
    ident = spec["id"]
    cloud.set(kind, ident, waiting)
    cloud.clock.on_sleep = lambda now: cloud.set(kind, ident, ready) if now >= 1020 else None
    result = run([spec])
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["target_reached"] is True and result["waiting_for"] == []
    assert result["resources"][0]["state"] == "ready"
    assert [entry["status"] for entry in result["status_history"]][-1] == "ready"
    assert len(result["status_history"]) == 2  # waiting, then ready
    assert cloud.calls.writes() == []


def test_a_cloudfront_distribution_is_waited_for_until_deployed(run, cloud, monkeypatch):
    statuses = iter(["InProgress", "InProgress", "Deployed"])
    original = wait_ready.assess_distribution
    monkeypatch.setattr(wait_ready, "assess_distribution", lambda d: original(dict(d, Status=next(statuses))))
    result = run([resource("cloudfront_distribution", cloud.distribution)])
    assert result["target_reached"] is True
    assert [e["status"] for e in result["status_history"]] == [
        f"cloudfront_distribution {cloud.distribution} InProgress (usually 5m0s)",
        "ready",
    ]
    assert cloud.calls.operations() == ["GetDistribution"] * 3


def test_the_aurora_instances_are_read_once_the_cluster_is_available(run, cloud):
    cloud.set("aurora_cluster", "db", "modifying")

    def later(now):
        if now >= 1010:
            cloud.set("aurora_cluster", "db", "available")
            cloud.set("aurora_instance", "db-1", "available" if now >= 1020 else "creating")

    cloud.set("aurora_instance", "db-1", "creating")
    cloud.clock.on_sleep = later
    result = run([resource("aurora_cluster", "db", expected_seconds=60)])
    assert result["target_reached"] is True
    assert [e["status"] for e in result["status_history"]] == [
        "aurora_cluster db modifying (usually 1m0s)",
        "aurora_cluster db available; instances db-1 creating (usually 1m0s)",
        "ready",
    ]
    # 1000 and 1005 modifying: the cluster only; 1010, 1015 and 1020: the cluster and its instances
    assert cloud.calls.operations() == ["DescribeDBClusters"] * 2 + ["DescribeDBClusters", "DescribeDBInstances"] * 3


# -- together -------------------------------------------------------------------------------------------------


def test_every_kind_together_one_read_each_and_only_what_is_not_ready_is_read_again(run, cloud):
    cloud.set("aurora_cluster", "db", "modifying")
    cloud.set("ecs_service", "api", 0)
    cloud.set("nat_gateway", cloud.nat, "pending")
    cloud.set("acm_certificate", cloud.certificate, "ISSUED")

    def later(now):
        if now >= 1010:
            cloud.set("nat_gateway", cloud.nat, "available")
        if now >= 1020:
            cloud.set("ecs_service", "api", 1)
        if now >= 1030:
            cloud.set("aurora_cluster", "db", "available")

    cloud.clock.on_sleep = later
    result = run(every_kind(cloud))
    assert not result.get("failed"), result
    assert result["target_reached"] is True
    assert {r["name"]: r["state"] for r in result["resources"]} == {
        "aurora_cluster db": "ready",
        f"acm_certificate {cloud.certificate}": "ready",
        f"cloudfront_distribution {cloud.distribution}": "ready",
        f"nat_gateway {cloud.nat}": "ready",
        f"load_balancer {cloud.lb}": "ready",
        "ecs_service api": "ready",
    }
    # ready at 1030 (the slowest), not at the sum of the waits
    assert cloud.clock.now == 1030
    first = cloud.calls.operations()[:6]
    assert sorted(first) == sorted(
        ["DescribeDBClusters", "DescribeCertificate", "GetDistribution", "DescribeNatGateways"]
        + ["DescribeLoadBalancers", "DescribeServices"]
    )
    # what was ready at the first read is never read again
    assert cloud.calls.operations().count("DescribeCertificate") == 1
    assert cloud.calls.operations().count("DescribeLoadBalancers") == 1
    assert cloud.calls.operations().count("DescribeNatGateways") == 3  # pending, pending, available
    status_lines = [e["status"] for e in result["status_history"]]
    assert status_lines[0] == (
        "aurora_cluster db modifying (usually 10m0s); "
        f"nat_gateway {cloud.nat} pending (usually 2m0s); ecs_service api 0 of 1 tasks running (usually 5m0s)"
    )
    assert status_lines[-1] == "ready"


def test_the_services_of_one_cluster_are_read_in_one_call(run, cloud):
    result = run([resource("ecs_service", name, cluster=CLUSTER) for name in ("api", "worker")])
    assert result["target_reached"] is True
    assert cloud.calls.operations() == ["DescribeServices"]


def test_nothing_to_wait_for_reads_nothing(run, cloud):
    result = run([])
    assert result == dict(result, changed=False, target_reached=True, status="ready", resources=[])
    assert cloud.calls.operations() == []


def test_without_wait_one_read_reports_what_is_not_ready(run, cloud):
    cloud.set("nat_gateway", cloud.nat, "pending")
    result = run([resource("nat_gateway", cloud.nat), resource("ecs_service", "api", cluster=CLUSTER)], wait=False)
    assert not result.get("failed")
    assert result["target_reached"] is False
    assert result["waiting_for"] == [f"nat_gateway {cloud.nat}"]
    assert result["status"] == f"nat_gateway {cloud.nat} pending (usually 2m0s)"
    assert cloud.clock.now == 1000  # no sleep


# -- failures -------------------------------------------------------------------------------------------------


def test_a_failed_resource_ends_the_wait_naming_every_resource(run, cloud):
    cloud.set("nat_gateway", cloud.nat, "pending")
    cloud.set("ecs_service", "api", 0)
    cloud.clock.on_sleep = lambda now: cloud.set("nat_gateway", cloud.nat, "failed")
    result = run([resource("nat_gateway", cloud.nat, name="NAT a"), resource("ecs_service", "api", cluster=CLUSTER)])
    assert result["failed"] is True
    assert "wait_timed_out" not in result
    assert result["msg"] == (
        "wait_ready test: NAT a will not become ready. State of every resource: NAT a: failed (failed); "
        "ecs_service api: 0 of 1 tasks running (waiting). Nothing was changed by this wait: fix the cause, then run "
        "again (the wait resumes with what is not ready yet)."
    )
    assert result["changed"] is False
    assert cloud.clock.now == 1005  # one delay, not the whole budget


@pytest.mark.parametrize(
    "spec, fault, expected",
    [
        (resource("aurora_cluster", "gone"), None, "aurora_cluster gone: does not exist (failed)"),
        (resource("aurora_cluster", "db"), ("aurora_cluster", "db", "stopped"), "aurora_cluster db: stopped (failed)"),
        (resource("ecs_service", "nope", cluster=CLUSTER), None, "ecs_service nope: missing (failed)"),
        (resource("nat_gateway", "nat-0123456789abcdef0"), None, "nat-0123456789abcdef0: does not exist (failed)"),
        (
            resource("load_balancer", "arn:aws:elasticloadbalancing:eu-west-2:123456789012:loadbalancer/app/x/1"),
            None,
            "loadbalancer/app/x/1: does not exist (failed)",
        ),
        (resource("cloudfront_distribution", "E0000000000000"), None, "E0000000000000: does not exist (failed)"),
    ],
)
def test_failure_states(run, cloud, spec, fault, expected):
    if fault:
        cloud.set(*fault)
    started = cloud.clock.now
    result = run([spec])
    assert result["failed"] is True
    assert expected in result["msg"]
    if fault is None:
        # Not found: waited for during missing_grace (AWS is eventually consistent right after a create), then a
        # failure; one read per delay meanwhile.
        assert cloud.clock.now - started == 120


def test_resources_not_visible_yet_are_waited_for_until_they_appear(run, cloud, monkeypatch):
    """Right after a create (or a restore), AWS may answer not found for a while: the wait goes on."""
    real_read = wait_ready.Reader.read
    reads = []

    def lagging(self, specs):
        reads.append(len(specs))
        if len(reads) <= 2:
            return {wait_ready.resource_name(spec): (wait_ready.MISSING, "does not exist") for spec in specs}
        return real_read(self, specs)

    monkeypatch.setattr(wait_ready.Reader, "read", lagging)
    cloud.set("acm_certificate", cloud.certificate, "ISSUED")
    started = cloud.clock.now
    result = run(every_kind(cloud), missing_grace=60)
    assert result.get("failed") is not True, result
    assert result["target_reached"] is True
    assert cloud.clock.now - started == 10  # two not-found reads waited through, then ready
    assert any("not visible yet" in entry["status"] for entry in result["status_history"])


def test_missing_grace_zero_fails_at_the_first_not_found(run, cloud):
    started = cloud.clock.now
    result = run([resource("aurora_cluster", "gone")], missing_grace=0)
    assert result["failed"] is True and "aurora_cluster gone: does not exist (failed)" in result["msg"]
    assert cloud.clock.now == started


def test_the_grace_counts_the_slices_already_waited(run, cloud):
    started = cloud.clock.now
    result = run([resource("aurora_cluster", "gone")], missing_grace=120, waited_seconds=110)
    assert result["failed"] is True and "does not exist" in result["msg"]
    assert cloud.clock.now - started == 10


def test_a_failed_certificate_names_its_status(run, cloud):
    cloud.set("acm_certificate", cloud.certificate, "FAILED")
    result = run([resource("acm_certificate", cloud.certificate, region="us-east-1", name="viewer certificate")])
    assert result["failed"] is True
    assert "viewer certificate: FAILED, 0 of 1 names validated (failed)" in result["msg"]


def test_a_timeout_names_every_resource_and_says_a_rerun_waits_again(run, cloud):
    cloud.set("nat_gateway", cloud.nat, "pending")
    result = run([resource("nat_gateway", cloud.nat), resource("ecs_service", "api", cluster=CLUSTER)], wait_timeout=20)
    assert result["failed"] is True and result["wait_timed_out"] is True
    assert result["status"] == f"nat_gateway {cloud.nat} pending (usually 2m0s)"
    assert result["msg"] == (
        "wait_ready test: timed out after wait_timeout=20 seconds. State of every resource: "
        f"nat_gateway {cloud.nat}: pending (waiting); ecs_service api: stable (ready). Nothing was changed by this "
        "wait: running the task again waits again."
    )
    assert result["waiting_for"] == [f"nat_gateway {cloud.nat}"]


@pytest.mark.parametrize(
    "resources, message",
    [
        ([resource("ecs_service", "api")], "kind ecs_service needs cluster"),
        ([resource("nat_gateway", "nat-1"), resource("nat_gateway", "nat-1")], "nat_gateway nat-1 is listed twice"),
    ],
)
def test_bad_input_fails_before_any_call(run, cloud, resources, message):
    result = run(resources)
    assert result["failed"] is True and message in result["msg"]
    assert cloud.calls.operations() == []


def test_a_real_run_refuses_a_placeholder(run, cloud):
    result = run([resource("aurora_cluster", "pending:rds-cluster/db")])
    assert result["failed"] is True and "check-mode placeholder" in result["msg"]
    assert cloud.calls.operations() == []


# -- check mode -----------------------------------------------------------------------------------------------


def test_check_mode_reads_nothing_and_reports_what_it_would_wait_for(run, cloud):
    resources = [resource("aurora_cluster", "pending:rds-cluster/db"), resource("ecs_service", "api", cluster=CLUSTER)]
    result = run(resources, check_mode=True)
    assert not result.get("failed")
    assert result["changed"] is False
    assert result["would_wait_for"] == ["aurora_cluster pending:rds-cluster/db", "ecs_service api"]
    assert result["status"] == "check mode: nothing waited for"
    assert cloud.calls.operations() == []
    assert cloud.clock.now == 1000


# -- the action plugin ----------------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def action_for(args, results, check_mode=False):
    """The action plugin with its module runs answered from ``results`` (each waiting call takes its slice)."""
    action = action_plugin.ActionModule.__new__(action_plugin.ActionModule)
    action._task = SimpleNamespace(
        args=args,
        check_mode=check_mode,
        action="rocketclub.platform.wait_ready",
        resolved_action="rocketclub.platform.wait_ready",
    )
    clock = Clock()
    action.clock = clock
    action.calls = []
    answers = iter(results)

    def execute(module_name, module_args, task_vars):
        action.calls.append(dict(module_args))
        clock.now += module_args["wait_timeout"] if module_args.get("wait") is True else 1
        return dict(next(answers))

    action._execute_module = execute
    return action


@pytest.fixture
def lines(monkeypatch):
    printed = []
    monkeypatch.setattr(sliced_wait.display, "display", lambda msg, *a, **k: printed.append(msg))
    monkeypatch.setattr(action_plugin.display, "display", lambda msg, *a, **k: printed.append(msg))
    return printed


WAITING = {"changed": False, "target_reached": False, "status": "aurora_cluster db creating (usually 10m0s)"}


def test_action_plugin_prints_one_line_per_slice(lines):
    sliced = dict(WAITING, failed=True, wait_timed_out=True)
    ready = {"changed": False, "target_reached": True, "status": "ready"}
    action = action_for({"resources": [], "description": "Aurora"}, [WAITING, sliced, ready])
    result = action.run_sliced({})
    assert result["target_reached"] is True and not result.get("failed")
    assert lines == [
        "wait_ready Aurora: waiting for aurora_cluster db creating (usually 10m0s)",
        "wait_ready Aurora: aurora_cluster db creating (usually 10m0s), 21s elapsed of 30m0s",
    ]
    assert [c["wait"] for c in action.calls] == [False, True, True]
    assert action.calls[1]["wait_timeout"] == 20
    # Each slice is told how long the wait has lasted, for missing_grace.
    assert [c["waited_seconds"] for c in action.calls] == [0, 1, 21]


def test_action_plugin_timeout_names_every_resource(lines):
    states = [
        {"name": "aurora_cluster db", "status": "creating", "state": "waiting"},
        {"name": "ecs_service api", "status": "stable", "state": "ready"},
    ]
    sliced = dict(WAITING, failed=True, wait_timed_out=True, resources=states)
    action = action_for({"resources": [], "description": "Aurora", "wait_timeout": 30}, [WAITING, sliced, sliced])
    result = action.run_sliced({})
    assert result["failed"] is True and result["wait_timed_out"] is True
    assert result["msg"] == (
        "wait_ready Aurora: not ready after 30s (wait_timeout=30). State of every resource: aurora_cluster db: "
        "creating (waiting); ecs_service api: stable (ready). Nothing was changed by this wait: running the task "
        "again waits again."
    )


def test_action_plugin_in_check_mode_makes_one_call_and_prints_nothing(lines):
    answer = {"changed": False, "target_reached": False, "would_wait_for": ["x"]}
    action = action_for({"resources": [], "description": "Aurora"}, [answer], check_mode=True)
    assert action.run_sliced({})["would_wait_for"] == ["x"]
    assert len(action.calls) == 1 and lines == []


def test_a_failed_load_balancer_ends_the_wait(run, cloud):
    cloud.set("load_balancer", cloud.lb, "failed")
    result = run([resource("load_balancer", cloud.lb, name="ALB")])
    assert result["failed"] is True and "ALB: failed (failed)" in result["msg"]


@pytest.mark.parametrize(
    "service, expected",
    [
        ({"status": "ACTIVE", "desiredCount": 2, "runningCount": 2, "deployments": [{"status": "PRIMARY"}]},
         ("ready", "stable")),
        ({"status": "ACTIVE", "desiredCount": 2, "runningCount": 1, "deployments": [{"status": "PRIMARY"}] * 2},
         ("waiting", "2 deployments (a deployment is in progress), 1 of 2 tasks running")),
        ({"status": "ACTIVE", "desiredCount": 1, "runningCount": 0,
          "deployments": [{"status": "PRIMARY", "rolloutState": "FAILED", "rolloutStateReason": "circuit breaker"}]},
         ("failed", "deployment FAILED: circuit breaker")),
        ({"status": "DRAINING", "desiredCount": 0, "runningCount": 0, "deployments": []}, ("failed", "DRAINING")),
        (None, ("missing", "missing")),
    ],
)  # fmt: skip
def test_the_services_stable_test(service, expected):
    assert wait_ready.assess_service(service, {"reason": "MISSING"} if service is None else None) == expected
