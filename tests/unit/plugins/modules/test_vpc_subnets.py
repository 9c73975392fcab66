# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.vpc_subnets against moto."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import vpc_subnets

REGION = "eu-west-2"
MANAGED = {"platform:managed-by": "rocketclub.platform"}


@pytest.fixture
def vpc(ec2, api_calls):
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    api_calls.clear()
    return vpc_id


def declared(azs="ab"):
    subnets = []
    for tier, base, public in (("public", 0, True), ("private-app", 10, False)):
        for index, az in enumerate(azs):
            subnets.append(
                {
                    "name": f"rc-{tier}-{az}",
                    "cidr": f"10.60.{base + index}.0/24",
                    "az": f"{REGION}{az}",
                    "map_public": public,
                    "tags": {"platform:tier": tier},
                }
            )
    return subnets


def args(vpc_id, subnets=None, **extra):
    return dict({"vpc_id": vpc_id, "subnets": subnets or declared(), "tags": {"platform:env": "test"}}, **extra)


def live(ec2, vpc_id):
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return {s["CidrBlock"]: dict(s, Tags={t["Key"]: t["Value"] for t in s.get("Tags", [])}) for s in subnets}


def test_create_then_noop_with_no_write(ec2, vpc, run_module, api_calls):
    first = run_module(vpc_subnets.main, args(vpc), diff=True).result
    assert first["changed"] is True, first
    assert sorted(set(api_calls.writes())) == ["CreateSubnet", "ModifySubnetAttribute"]
    assert len(api_calls.named("CreateSubnet")) == 4
    # MapPublicIpOnLaunch only for the public ones
    assert len(api_calls.named("ModifySubnetAttribute")) == 2
    state = live(ec2, vpc)
    assert sorted(state) == ["10.60.0.0/24", "10.60.1.0/24", "10.60.10.0/24", "10.60.11.0/24"]
    assert state["10.60.0.0/24"]["MapPublicIpOnLaunch"] is True
    assert state["10.60.10.0/24"]["MapPublicIpOnLaunch"] is False
    assert state["10.60.11.0/24"]["Tags"] == {
        "Name": "rc-private-app-b",
        "platform:tier": "private-app",
        "platform:env": "test",
        **MANAGED,
    }
    assert [s["name"] for s in first["subnets"]] == [s["name"] for s in declared()]
    assert all(s["id"].startswith("subnet-") and s["state"] == "available" for s in first["subnets"])
    assert first["diff"]["before"]["rc-public-a"] is None
    assert first["diff"]["after"]["rc-public-a"]["cidr"] == "10.60.0.0/24"

    api_calls.clear()
    second = run_module(vpc_subnets.main, args(vpc), diff=True).result
    assert second["changed"] is False, second
    assert api_calls.writes() == []
    # One read for the whole VPC.
    assert api_calls.operations() == ["DescribeSubnets"]
    assert [s["id"] for s in second["subnets"]] == [s["id"] for s in first["subnets"]]
    assert second["diff"]["before"] == second["diff"]["after"]


def test_update_tags_and_map_public_in_place(ec2, vpc, run_module, api_calls):
    first = run_module(vpc_subnets.main, args(vpc)).result
    changed = declared()
    changed[0]["map_public"] = False
    changed[2]["name"] = "rc-app-a"
    ec2.create_tags(Resources=[first["subnets"][3]["id"]], Tags=[{"Key": "stray", "Value": "x"}])
    api_calls.clear()

    check = run_module(vpc_subnets.main, args(vpc, changed), check_mode=True, diff=True).result
    assert check["changed"] is True and api_calls.writes() == []
    assert [s["changed"] for s in check["subnets"]] == [True, False, True, True]
    assert check["diff"]["after"]["rc-app-a"]["tags"]["Name"] == "rc-app-a"

    real = run_module(vpc_subnets.main, args(vpc, changed)).result
    assert [s["changed"] for s in real["subnets"]] == [True, False, True, True]
    assert "CreateSubnet" not in api_calls.writes()
    assert [s["id"] for s in real["subnets"]] == [s["id"] for s in first["subnets"]]
    state = live(ec2, vpc)
    assert state["10.60.0.0/24"]["MapPublicIpOnLaunch"] is False
    assert state["10.60.10.0/24"]["Tags"]["Name"] == "rc-app-a"
    assert "stray" not in state["10.60.11.0/24"]["Tags"]
    # The check predicted the real run's results exactly.
    assert [(s["id"], s["map_public"], s["tags"]) for s in check["subnets"]] == [
        (s["id"], s["map_public"], s["tags"]) for s in real["subnets"]
    ]


def test_check_mode_with_pending_vpc_reads_nothing(run_module, api_calls, aws_env):
    result = run_module(vpc_subnets.main, args("pending:vpc/rc"), check_mode=True, diff=True).result
    assert result["changed"] is True, result
    assert api_calls == []
    assert [s["id"] for s in result["subnets"]] == [f"pending:subnet/{s['name']}" for s in declared()]
    assert all(s["changed"] and s["state"] is None for s in result["subnets"])
    assert result["diff"]["before"] == {s["name"]: None for s in declared()}
    assert result["diff"]["after"]["rc-public-b"]["map_public"] is True


def test_real_run_refuses_a_placeholder(run_module, api_calls, aws_env):
    run = run_module(vpc_subnets.main, args("pending:vpc/rc"))
    assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
    assert api_calls == []


def test_check_mode_on_a_converged_vpc_predicts_a_third_zone(ec2, vpc, run_module, api_calls):
    run_module(vpc_subnets.main, args(vpc))
    api_calls.clear()
    result = run_module(vpc_subnets.main, args(vpc, declared("abc")), check_mode=True).result
    assert api_calls.writes() == []
    assert [s["changed"] for s in result["subnets"]] == [False, False, True, False, False, True]
    assert result["subnets"][2]["id"] == "pending:subnet/rc-public-c"
    assert result["subnets"][0]["id"].startswith("subnet-")


def test_purge_deletes_only_managed_undeclared_subnets(ec2, vpc, run_module, api_calls):
    run_module(vpc_subnets.main, args(vpc))
    foreign = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.50.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]
    keep = declared()[:3]
    dropped = live(ec2, vpc)["10.60.11.0/24"]["SubnetId"]
    api_calls.clear()

    check = run_module(vpc_subnets.main, args(vpc, keep, purge_subnets=True), check_mode=True, diff=True).result
    assert check["deleted"] == [dropped] and api_calls.writes() == []
    assert check["diff"]["after"]["rc-private-app-b"] is None

    result = run_module(vpc_subnets.main, args(vpc, keep, purge_subnets=True)).result
    assert result["changed"] is True and result["deleted"] == [dropped]
    assert api_calls.writes() == ["DeleteSubnet"]
    assert sorted(live(ec2, vpc)) == ["10.60.0.0/24", "10.60.1.0/24", "10.60.10.0/24", "10.60.50.0/24"]
    assert foreign["SubnetId"] in {s["SubnetId"] for s in live(ec2, vpc).values()}

    # Without purge, an undeclared subnet is left alone.
    api_calls.clear()
    assert run_module(vpc_subnets.main, args(vpc, keep[:2])).result["changed"] is False
    assert api_calls.writes() == []


def test_moving_a_subnet_to_another_zone_is_refused_before_any_write(ec2, vpc, run_module, api_calls):
    run_module(vpc_subnets.main, args(vpc))
    moved = declared()
    moved[0]["az"] = f"{REGION}c"
    api_calls.clear()
    run = run_module(vpc_subnets.main, args(vpc, moved))
    assert run.rc == 1
    assert "rc-public-a" in run.result["msg"] and "cannot move to another zone" in run.result["msg"]
    assert api_calls.writes() == []


def test_duplicates_are_refused_before_any_call(run_module, api_calls, aws_env):
    subnets = declared()
    subnets[1]["cidr"] = subnets[0]["cidr"]
    run = run_module(vpc_subnets.main, args("vpc-1", subnets))
    assert run.rc == 1 and "10.60.0.0/24" in run.result["msg"] and "subnets[0, 1]" in run.result["msg"]
    assert api_calls == []
