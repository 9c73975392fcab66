# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""park.yml and unpark.yml (issue 6) against a fresh local cloud, read back with boto3.

Sequence (module-scoped fixtures, file order): the prod confirmation refuses before any AWS call ->
fresh converge, then capacities that are not the inventory's (set as autoscaling or an operator would)
-> park -> unpark twice with park_aurora=stop (the first time a second park and a park --check on
the parked environment change nothing, then AWS starts the stopped cluster and repark.yml, --check first,
stops it with one write and changes nothing the second time; the second park is killed mid-run and finished
by a second run, then a site.yml converge of the parked environment changes nothing and leaves it parked) ->
twice with park_aurora=snapshot and database_restore_mode=from_final_snapshot (the first time a
site.yml converge of the parked environment changes nothing) -> unpark and unpark --check on the
unparked environment change nothing, and so does repark.yml. Park and unpark run with --diff, as an
operator runs them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

ENV = "local"
CLUSTER = "rocketclub-local"
SERVICES = ("backstage", "prefect")
# Not the inventory's sizes (backstage 1 / 1-3, prefect 1 / 1-2): park must record what runs, not what is declared.
ORIGINAL = {
    "backstage": {"desired_count": 2, "min_capacity": 2, "max_capacity": 4},
    "prefect": {"desired_count": 3, "min_capacity": 1, "max_capacity": 5},
}
PARKED = {name: {"desired_count": 0, "min_capacity": 0, "max_capacity": 0} for name in SERVICES}
RECORD_PREFIX = f"/{ENV}/infra/park/ecs"
CYCLES = 2
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def ssm_value(platform, name):
    try:
        return platform.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    except platform.client("ssm").exceptions.ParameterNotFound:
        return None


def observe(platform):
    """What park and unpark change, as the local cloud holds it."""
    ecs, scaling, ec2, rds = (platform.client(s) for s in ("ecs", "application-autoscaling", "ec2", "rds"))
    services = {
        s["serviceName"]: s for s in ecs.describe_services(cluster=CLUSTER, services=list(SERVICES))["services"]
    }
    targets = {
        t["ResourceId"].rsplit("/", 1)[-1]: t
        for t in scaling.describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[f"service/{CLUSTER}/{name}" for name in SERVICES]
        )["ScalableTargets"]
    }
    capacity = {
        name: {
            "desired_count": services[name]["desiredCount"],
            "min_capacity": targets[name]["MinCapacity"],
            "max_capacity": targets[name]["MaxCapacity"],
        }
        for name in SERVICES
    }
    records = platform.client("ssm").get_parameters_by_path(Path=RECORD_PREFIX)["Parameters"]
    clusters = [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"] == CLUSTER]
    snapshots = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [CLUSTER]}])["Vpcs"][0]["VpcId"]
    nats = ec2.describe_nat_gateways(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "state", "Values": ["pending", "available"]}]
    )["NatGateways"]
    routes = [
        route
        for table in ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "tag:platform:tier", "Values": ["private-app"]}]
        )["RouteTables"]
        for route in table["Routes"]
        if route.get("DestinationCidrBlock") == "0.0.0.0/0"
    ]
    eips = ec2.describe_addresses(Filters=[{"Name": "tag-key", "Values": ["platform:nat-key"]}])["Addresses"]
    return {
        "capacity": capacity,
        "records": {p["Name"].rsplit("/", 1)[-1]: p["Value"] for p in records},
        "park_mode": ssm_value(platform, f"/{ENV}/infra/park_mode"),
        "aurora_record": ssm_value(platform, f"/{ENV}/infra/park/aurora"),
        "cluster": clusters[0] if clusters else None,
        "final_snapshots": sorted(
            (s["DBClusterSnapshotIdentifier"], s["Status"])
            for s in snapshots
            if s["DBClusterSnapshotIdentifier"].startswith(f"{CLUSTER}-final-")
        ),
        "nat_ips": sorted(a["PublicIp"] for n in nats for a in n["NatGatewayAddresses"]),
        "nat_ids": sorted(n["NatGatewayId"] for n in nats),
        "route_nat_ids": sorted({r.get("NatGatewayId") for r in routes if r.get("State") == "active"} - {None}),
        "eip_ips": sorted(a["PublicIp"] for a in eips),
        "database_url": platform.client("secretsmanager").get_secret_value(SecretId=f"{ENV}/backstage/database-url")[
            "SecretString"
        ],
    }


def run_ok(platform, playbook, *args):
    run = platform.playbook(playbook, *args)
    assert run.rc == 0, run.output[-4000:]
    return run


def cycle(platform, mode, between=None, interrupt=False):
    """park (mode; with ``interrupt`` killed mid-run first) -> [between(platform)] -> unpark; what each run did
    and the state after it (``extra``: what the interrupted park left and what ``between`` returned)."""
    extra = interrupted_park(platform, mode) if interrupt else None
    park = run_ok(platform, "playbooks/park.yml", "--diff", "-e", f"park_aurora={mode}")
    parked = observe(platform)
    if between:
        extra = dict(extra, **between(platform)) if extra else between(platform)
    unpark = run_ok(platform, "playbooks/unpark.yml", "--diff")
    return {"park": park, "parked": parked, "extra": extra, "unpark": unpark, "unparked": observe(platform)}


# --- confirmation and bad input: refused before any AWS call --------------------------------------------


@pytest.mark.parametrize(
    "playbook, args, expected",
    [
        ("playbooks/park.yml", ["-e", "platform_env=prod"], "-e park_confirm=prod"),
        ("playbooks/park.yml", ["-e", "platform_env=prod", "-e", "park_confirm=local"], "-e park_confirm=prod"),
        ("playbooks/unpark.yml", ["-e", "platform_env=prod", "-e", "park_confirm=prod"], "-e unpark_confirm=prod"),
        ("playbooks/park.yml", ["-e", "park_aurora=delete"], "aurora_park_mode"),
    ],
    ids=["park-prod-unconfirmed", "park-prod-wrong-confirmation", "unpark-prod-unconfirmed", "park-bad-aurora-mode"],
)
def test_refused_before_any_aws_call(platform, playbook, args, expected):
    run = platform.playbook(playbook, *args)
    assert run.rc != 0 and run.failed == 1, run.output[-4000:]
    assert expected in run.output, run.output[-4000:]
    assert "nothing was changed" in run.output or "Validation of arguments failed" in run.output
    assert run.calls == [], run.calls


# --- a converged environment running more than the inventory declares ----------------------------------


@pytest.fixture(scope="module")
def baseline(platform):
    platform.fresh_account()
    run_ok(platform, "playbooks/site.yml")
    ecs, scaling = platform.client("ecs"), platform.client("application-autoscaling")
    for name, wanted in ORIGINAL.items():
        scaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/{CLUSTER}/{name}",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=wanted["min_capacity"],
            MaxCapacity=wanted["max_capacity"],
        )
        ecs.update_service(cluster=CLUSTER, service=name, desiredCount=wanted["desired_count"])
    platform.client("ssm").put_parameter(
        Name=f"/{ENV}/infra/database_restore_mode", Value="from_final_snapshot", Type="String", Overwrite=True
    )
    state = observe(platform)
    assert state["capacity"] == ORIGINAL
    assert state["park_mode"] == "unparked" and state["cluster"]["Status"] == "available"
    assert len(state["nat_ips"]) == 1 and state["eip_ips"] == state["nat_ips"]
    return state


def assert_parked(state, baseline):
    assert state["park_mode"] == "parked"
    assert state["capacity"] == PARKED
    # The records hold the capacity from before the park, exactly.
    assert {name: json.loads(value) for name, value in state["records"].items()} == ORIGINAL
    assert state["nat_ids"] == [] and state["eip_ips"] == baseline["eip_ips"]


def assert_unparked(state, baseline):
    assert state["park_mode"] == "unparked"
    assert state["capacity"] == ORIGINAL
    assert state["records"] == {}
    assert state["cluster"]["Status"] == "available"
    # Recreated with the kept Elastic IP: the outbound address partners allow-list is the same.
    assert state["nat_ips"] == baseline["nat_ips"] and state["eip_ips"] == baseline["eip_ips"]
    assert state["route_nat_ids"] == state["nat_ids"]
    assert state["cluster"]["Endpoint"] in state["database_url"]


@pytest.fixture(scope="module")
def stop_cycles(platform, baseline):
    def park_again(platform):
        result = {
            "again": platform.playbook("playbooks/park.yml", "--diff"),
            "check": platform.playbook("playbooks/park.yml", "--check", "--diff"),
        }
        # AWS starts a stopped cluster after seven days (RDS-EVENT-0153); the EDA rulebook then runs repark.yml.
        platform.client("rds").start_db_cluster(DBClusterIdentifier=CLUSTER)
        result["repark_check"] = platform.playbook("playbooks/repark.yml", "--check", "--diff")
        result["repark"] = platform.playbook("playbooks/repark.yml", "--diff", "-e", f"repark_env={ENV}")
        result["reparked"] = observe(platform)
        result["repark_again"] = platform.playbook("playbooks/repark.yml")
        return result

    def converge_parked(platform):
        # A stopped cluster and no NAT gateway: a converge must neither start nor recreate them.
        return {"converge": platform.playbook("playbooks/site.yml", "--diff"), "state": observe(platform)}

    between = {0: park_again, 1: converge_parked}
    return [
        cycle(platform, "stop", between=between.get(index), interrupt=index == CYCLES - 1) for index in range(CYCLES)
    ]


def test_stop_mode_parks_everything(stop_cycles, baseline):
    for result in stop_cycles:
        state = result["parked"]
        assert_parked(state, baseline)
        assert state["cluster"]["Status"] == "stopped" and state["aurora_record"] == "stop"
        assert state["final_snapshots"] == []
        assert result["park"].changed > 0


def test_park_on_a_parked_environment_changes_nothing(stop_cycles):
    stop_cycles[0]["extra"]["again"].assert_noop()
    stop_cycles[0]["extra"]["check"].assert_noop()


def test_repark_stops_the_cluster_aws_started_and_nothing_else(stop_cycles, baseline):
    extra = stop_cycles[0]["extra"]
    check, real = extra["repark_check"], extra["repark"]
    assert check.rc == 0 and check.failed == 0 and check.writes == [], check.tail()
    assert real.rc == 0 and real.failed == 0, real.tail()
    assert check.changed_tasks == real.changed_tasks and real.changed_tasks, (check.changed_tasks, real.changed_tasks)
    assert [call["operation"] for call in real.writes] == ["StopDBCluster"], real.writes
    assert_parked(extra["reparked"], baseline)
    assert extra["reparked"]["cluster"]["Status"] == "stopped"
    extra["repark_again"].assert_noop()


def test_site_converge_of_a_stop_parked_environment_changes_nothing(stop_cycles, baseline):
    converged = stop_cycles[1]["extra"]
    converged["converge"].assert_noop()
    assert_parked(converged["state"], baseline)
    assert converged["state"]["cluster"]["Status"] == "stopped" and converged["state"]["aurora_record"] == "stop"


def test_stop_mode_unparks_exactly_as_before(stop_cycles, baseline):
    for result in stop_cycles:
        state = result["unparked"]
        assert_unparked(state, baseline)
        # Started, not recreated: the same cluster and endpoint.
        assert state["cluster"]["Endpoint"] == baseline["cluster"]["Endpoint"]
        assert state["cluster"]["DbClusterResourceId"] == baseline["cluster"]["DbClusterResourceId"]
        assert "ALB target health not checked" in result["unpark"].output


@pytest.fixture(scope="module")
def snapshot_cycles(platform, stop_cycles):
    def converge_parked(platform):
        return platform.playbook("playbooks/site.yml")

    return [cycle(platform, "snapshot", converge_parked if index == 0 else None) for index in range(CYCLES)]


def test_snapshot_mode_deletes_after_a_final_snapshot(snapshot_cycles, baseline):
    for index, result in enumerate(snapshot_cycles):
        state = result["parked"]
        assert_parked(state, baseline)
        assert state["cluster"] is None and state["aurora_record"] == "snapshot"
        # One more named final snapshot per park, all of them kept and available.
        assert len(state["final_snapshots"]) == index + 1
        assert {status for _name, status in state["final_snapshots"]} == {"available"}
        assert f"final_snapshot: {state['final_snapshots'][-1][0]}" in result["park"].output


def test_site_converge_of_a_parked_environment_changes_nothing(snapshot_cycles):
    # No NAT gateway, no cluster: a converge must neither recreate nor restore them.
    snapshot_cycles[0]["extra"].assert_noop()


def test_snapshot_mode_unpark_restores_the_newest_final_snapshot(snapshot_cycles, baseline):
    for result in snapshot_cycles:
        state = result["unparked"]
        assert_unparked(state, baseline)
        newest = result["parked"]["final_snapshots"][-1][0]
        assert f"restored_from: {newest}" in result["unpark"].output
        # Restored under the same identifier: AWS serves it on the same endpoint.
        assert state["cluster"]["Endpoint"] == baseline["cluster"]["Endpoint"]
        tags = {t["Key"]: t["Value"] for t in state["cluster"]["TagList"]}
        assert tags["platform:restored-from"] == newest
        # AWS keeps <cluster>.cluster-<account-and-region id>.<region>.rds.amazonaws.com for a restored cluster
        # of the same identifier; the local cloud draws a new id, so only the form and the URLs are checked.
        assert state["cluster"]["Endpoint"].startswith(f"{CLUSTER}.cluster-")


# --- an interrupted park ---------------------------------------------------------------------------------


def playbook_process(platform, playbook, *args):
    """ansible-playbook started as Platform.playbook runs it, in its own process group, without waiting."""
    env = dict(
        platform.env, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1"
    )
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        playbook,
        "-i",
        "inventories/local",
        *args,
    ]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def descendants(pid):
    """Every process below ``pid`` (from /proc), children first found first."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def kill_at_first(platform, proc, operations, timeout=120):
    """Kill the run as soon as the request log shows one of ``operations``: its process group and every process
    below it. The Mitogen strategy's multiplexer is a child in a session of its own, which the group kill misses
    and which would otherwise outlive the test. Returns the exit status and what still runs of those processes."""
    deadline = time.monotonic() + timeout
    below = []
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if any(call["operation"] in operations for call in platform.cloud.requests()):
                below = descendants(proc.pid)
                os.killpg(proc.pid, signal.SIGKILL)
                for pid in below:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                break
            time.sleep(0.05)
    finally:
        proc.wait(timeout=30)
    return proc.returncode, survivors(below)


def survivors(pids, timeout=10):
    """The processes of ``pids`` still running (not gone, not a zombie) after up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        running = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                    if handle.read().rsplit(")", 1)[1].split()[0] != "Z":
                        running.append(pid)
            except (OSError, IndexError):
                continue
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.2)


def interrupted_park(platform, mode):
    """park.yml killed as soon as it changes the first ECS service; the state it left."""
    platform.cloud.clear_requests()
    proc = playbook_process(platform, "playbooks/park.yml", "-e", f"park_aurora={mode}")
    returncode, left = kill_at_first(platform, proc, {"RegisterScalableTarget", "UpdateService"})
    return {"returncode": returncode, "survivors": left, "killed": observe(platform)}


def test_an_interrupted_park_is_finished_by_a_second_run(stop_cycles, baseline):
    result = stop_cycles[-1]
    assert result["extra"]["returncode"] == -signal.SIGKILL
    assert result["extra"]["survivors"] == [], "processes of the killed run outlived it"
    killed = result["extra"]["killed"]
    # Killed in the ECS step: the later steps had not run.
    assert killed["park_mode"] == "unparked" and killed["nat_ips"] == baseline["nat_ips"]
    assert killed["cluster"]["Status"] == "available"
    assert killed["capacity"] != ORIGINAL and killed["records"]
    assert result["park"].changed > 0
    # The second run parked everything and kept the capacity recorded before the kill, not the zeros
    # (assert_parked, test_stop_mode_parks_everything); unpark restored it (test_stop_mode_unparks_exactly_as_before).
    assert_parked(result["parked"], baseline)


def test_unpark_on_an_unparked_environment_changes_nothing(platform, snapshot_cycles):
    platform.playbook("playbooks/unpark.yml", "--diff").assert_noop()
    platform.playbook("playbooks/unpark.yml", "--check", "--diff").assert_noop()
    # Not parked: repark.yml says so and changes nothing (an event that raced an unpark).
    repark = platform.playbook("playbooks/repark.yml", "-e", f"repark_env={ENV}")
    repark.assert_noop()
    assert "is not parked" in repark.output, repark.tail()
    assert observe(platform)["capacity"] == ORIGINAL
