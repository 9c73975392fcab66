# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.vpc_route_tables against moto."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import vpc_route_tables

REGION = "eu-west-2"
MANAGED = {"platform:managed-by": "rocketclub.platform"}


@pytest.fixture
def net(ec2, api_calls):
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets = {
        name: ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{name[-1]}")["Subnet"]["SubnetId"]
        for name, cidr in (
            ("public-a", "10.60.0.0/24"),
            ("public-b", "10.60.1.0/24"),
            ("app-a", "10.60.10.0/24"),
            ("app-b", "10.60.11.0/24"),
            ("data-a", "10.60.20.0/24"),
            ("data-b", "10.60.21.0/24"),
        )
    }
    nats = []
    for name in ("public-a", "public-b"):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nats.append(
            ec2.create_nat_gateway(SubnetId=subnets[name], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        )
    api_calls.clear()
    return {"ec2": ec2, "vpc": vpc, "subnets": subnets, "nats": nats}


def tables(net, nat=None):
    s = net["subnets"]
    nat = nat or net["nats"][0]
    return [
        {
            "name": "rc-public",
            "tags": {"platform:tier": "public"},
            "subnets": [s["public-a"], s["public-b"]],
            "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw"}],
        },
        {"name": "rc-app-a", "subnets": [s["app-a"]], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": nat}]},
        {"name": "rc-app-b", "subnets": [s["app-b"]], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": nat}]},
        {"name": "rc-data", "subnets": [s["data-a"], s["data-b"]], "routes": []},
    ]


def args(vpc_id, route_tables, **extra):
    base = {
        "vpc_id": vpc_id,
        "internet_gateway": {"name": "rc-igw"},
        "route_tables": route_tables,
        "tags": {"platform:env": "test"},
    }
    base.update(extra)
    return base


def live_tables(ec2, vpc):
    found = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    result = {}
    for table in found:
        tags = {t["Key"]: t["Value"] for t in table.get("Tags", [])}
        if "Name" not in tags:
            continue
        result[tags["Name"]] = {
            "id": table["RouteTableId"],
            "tags": tags,
            "subnets": sorted(a["SubnetId"] for a in table["Associations"] if a.get("SubnetId")),
            "routes": sorted(
                (r["DestinationCidrBlock"], r.get("GatewayId") or r.get("NatGatewayId"))
                for r in table["Routes"]
                if r.get("GatewayId") != "local" and r.get("DestinationCidrBlock")
            ),
        }
    return result


def igws(ec2, vpc):
    return ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]


def test_create_then_noop_with_two_reads_and_no_write(net, run_module, api_calls):
    ec2, vpc, s = net["ec2"], net["vpc"], net["subnets"]
    first = run_module(vpc_route_tables.main, args(vpc, tables(net)), diff=True).result
    assert first["changed"] is True, first
    assert sorted(set(api_calls.writes())) == [
        "AssociateRouteTable",
        "AttachInternetGateway",
        "CreateInternetGateway",
        "CreateRoute",
        "CreateRouteTable",
    ]
    (igw,) = igws(ec2, vpc)
    assert first["internet_gateway"]["gateway_id"] == igw["InternetGatewayId"]
    assert {t["Key"]: t["Value"] for t in igw["Tags"]} == {"Name": "rc-igw", "platform:env": "test", **MANAGED}
    state = live_tables(ec2, vpc)
    assert state["rc-public"]["routes"] == [("0.0.0.0/0", igw["InternetGatewayId"])]
    assert state["rc-public"]["subnets"] == sorted([s["public-a"], s["public-b"]])
    assert state["rc-public"]["tags"] == {
        "Name": "rc-public",
        "platform:tier": "public",
        "platform:env": "test",
        **MANAGED,
    }
    assert state["rc-app-b"]["routes"] == [("0.0.0.0/0", net["nats"][0])]
    assert state["rc-data"]["routes"] == [] and state["rc-data"]["subnets"] == sorted([s["data-a"], s["data-b"]])
    assert [t["route_table_id"] for t in first["route_tables"]] == [state[t["name"]]["id"] for t in tables(net)]
    assert first["diff"]["before"]["rc-public"] is None
    assert first["diff"]["after"]["rc-app-a"]["routes"] == [
        {"dest": "0.0.0.0/0", "gateway_id": None, "nat_gateway_id": net["nats"][0]}
    ]

    api_calls.clear()
    second = run_module(vpc_route_tables.main, args(vpc, tables(net)), diff=True).result
    assert second["changed"] is False, second
    assert api_calls.writes() == []
    assert sorted(api_calls.operations()) == ["DescribeInternetGateways", "DescribeRouteTables"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert [t["route_table_id"] for t in second["route_tables"]] == [t["route_table_id"] for t in first["route_tables"]]


def test_gateway_endpoint_routes_are_left_alone(net, run_module, api_calls):
    ec2, vpc = net["ec2"], net["vpc"]
    run_module(vpc_route_tables.main, args(vpc, tables(net)))
    state = live_tables(ec2, vpc)
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[state["rc-app-a"]["id"], state["rc-data"]["id"]],
    )
    api_calls.clear()
    result = run_module(vpc_route_tables.main, args(vpc, tables(net))).result
    assert result["changed"] is False and api_calls.writes() == []


def test_update_routes_associations_and_tags(net, run_module, api_calls):
    ec2, vpc, s = net["ec2"], net["vpc"], net["subnets"]
    run_module(vpc_route_tables.main, args(vpc, tables(net)))
    before = live_tables(ec2, vpc)
    # NAT b for the app tables; app-b moves to the data table; a stray route and tag to purge.
    wanted = tables(net, nat=net["nats"][1])
    wanted[2]["subnets"] = []
    wanted[3]["subnets"].append(s["app-b"])
    ec2.create_route(
        RouteTableId=before["rc-data"]["id"], DestinationCidrBlock="192.168.0.0/16", NatGatewayId=net["nats"][0]
    )
    ec2.create_tags(Resources=[before["rc-public"]["id"]], Tags=[{"Key": "stray", "Value": "x"}])
    api_calls.clear()

    check = run_module(vpc_route_tables.main, args(vpc, wanted), check_mode=True, diff=True).result
    assert check["changed"] is True and api_calls.writes() == []
    assert [t["changed"] for t in check["route_tables"]] == [True, True, True, True]

    real = run_module(vpc_route_tables.main, args(vpc, wanted), diff=True).result
    assert sorted(api_calls.writes()) == [
        "DeleteRoute",
        "DeleteTags",
        "ReplaceRoute",
        "ReplaceRoute",
        "ReplaceRouteTableAssociation",
    ]
    after = live_tables(ec2, vpc)
    assert after["rc-app-a"]["routes"] == after["rc-app-b"]["routes"] == [("0.0.0.0/0", net["nats"][1])]
    assert after["rc-app-b"]["subnets"] == []
    assert after["rc-data"]["subnets"] == sorted([s["data-a"], s["data-b"], s["app-b"]])
    assert after["rc-data"]["routes"] == []
    assert "stray" not in after["rc-public"]["tags"]
    assert {k: v["id"] for k, v in after.items()} == {k: v["id"] for k, v in before.items()}
    # The check predicted the real run exactly.
    assert check["diff"]["after"] == real["diff"]["after"]
    assert [(t["changed"], t["subnets"], t["routes"]) for t in check["route_tables"]] == [
        (t["changed"], t["subnets"], t["routes"]) for t in real["route_tables"]
    ]


def test_routes_null_leaves_routes_alone(net, run_module, api_calls):
    vpc = net["vpc"]
    run_module(vpc_route_tables.main, args(vpc, tables(net)))
    parked = tables(net, nat=net["nats"][1])
    parked[1]["routes"] = parked[2]["routes"] = None
    api_calls.clear()
    result = run_module(vpc_route_tables.main, args(vpc, parked)).result
    assert result["changed"] is False and api_calls.writes() == []
    assert result["route_tables"][1]["routes"] == [
        {"dest": "0.0.0.0/0", "gateway_id": None, "nat_gateway_id": net["nats"][0]}
    ]


def test_check_mode_with_pending_vpc_reads_nothing(run_module, api_calls, aws_env):
    pending = {
        "public-a": "pending:subnet/rc-public-a",
        "app-a": "pending:subnet/rc-app-a",
        "data-a": "pending:subnet/rc-data-a",
    }
    route_tables = [
        {"name": "rc-public", "subnets": [pending["public-a"]], "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw"}]},
        {
            "name": "rc-app-a",
            "subnets": [pending["app-a"]],
            "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "pending:nat-gateway/rc-nat-a"}],
        },
        {"name": "rc-data", "subnets": [pending["data-a"]], "routes": []},
    ]
    result = run_module(vpc_route_tables.main, args("pending:vpc/rc", route_tables), check_mode=True, diff=True).result
    assert result["changed"] is True, result
    assert api_calls == []
    assert result["internet_gateway"]["gateway_id"] == "pending:internet-gateway/rc-igw"
    assert [t["route_table_id"] for t in result["route_tables"]] == [
        "pending:route-table/rc-public",
        "pending:route-table/rc-app-a",
        "pending:route-table/rc-data",
    ]
    assert result["route_tables"][0]["routes"] == [
        {"dest": "0.0.0.0/0", "gateway_id": "pending:internet-gateway/rc-igw", "nat_gateway_id": None}
    ]
    assert result["diff"]["before"]["rc-app-a"] is None
    assert result["diff"]["after"]["rc-app-a"]["subnets"] == [pending["app-a"]]


def test_check_mode_predicts_a_third_zone_on_a_converged_vpc(net, run_module, api_calls):
    vpc = net["vpc"]
    run_module(vpc_route_tables.main, args(vpc, tables(net)))
    wanted = tables(net)
    wanted[0]["subnets"].append("pending:subnet/rc-public-c")
    wanted[3]["subnets"].append("pending:subnet/rc-data-c")
    wanted.insert(
        3,
        {
            "name": "rc-app-c",
            "subnets": ["pending:subnet/rc-app-c"],
            "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": net["nats"][0]}],
        },
    )
    api_calls.clear()
    result = run_module(vpc_route_tables.main, args(vpc, wanted), check_mode=True).result
    assert api_calls.writes() == []
    assert [t["changed"] for t in result["route_tables"]] == [True, False, False, True, True]
    assert result["route_tables"][3]["route_table_id"] == "pending:route-table/rc-app-c"
    assert "pending:subnet/rc-public-c" in result["route_tables"][0]["subnets"]
    assert result["internet_gateway"]["changed"] is False

    # A real run refuses the placeholders before any call.
    api_calls.clear()
    run = run_module(vpc_route_tables.main, args(vpc, wanted))
    assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
    assert api_calls == []


def test_purge_route_tables_deletes_only_managed_undeclared(net, run_module, api_calls):
    ec2, vpc, s = net["ec2"], net["vpc"], net["subnets"]
    run_module(vpc_route_tables.main, args(vpc, tables(net)))
    foreign = ec2.create_route_table(
        VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "other"}]}]
    )["RouteTable"]["RouteTableId"]
    state = live_tables(ec2, vpc)
    kept = [t for t in tables(net) if t["name"] != "rc-app-b"]
    api_calls.clear()

    check = run_module(vpc_route_tables.main, args(vpc, kept, purge_route_tables=True), check_mode=True).result
    assert check["deleted"] == [state["rc-app-b"]["id"]] and api_calls.writes() == []

    result = run_module(vpc_route_tables.main, args(vpc, kept, purge_route_tables=True)).result
    assert result["deleted"] == [state["rc-app-b"]["id"]]
    assert sorted(api_calls.writes()) == ["DeleteRouteTable", "DisassociateRouteTable"]
    after = live_tables(ec2, vpc)
    assert "rc-app-b" not in after and after["other"]["id"] == foreign
    assert s["app-b"] not in {sub for t in after.values() for sub in t["subnets"]}


def test_bad_input_is_refused_before_any_call(run_module, api_calls, aws_env):
    route_tables = [
        {"name": "a", "subnets": ["subnet-1"], "routes": [{"dest": "0.0.0.0/0"}]},
        {"name": "b", "subnets": ["subnet-1"], "routes": []},
    ]
    run = run_module(vpc_route_tables.main, args("vpc-1", route_tables))
    assert run.rc == 1
    assert "subnet-1 is declared in more than one route table (a, b)" in run.result["msg"]
    assert "give exactly one of gateway_id, nat_gateway_id" in run.result["msg"]
    assert api_calls == []
