# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.vpc_endpoints against moto."""

from __future__ import annotations

import functools
import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import waiting
from ansible_collections.rocketclub.platform.plugins.modules import vpc_endpoints

REGION = "eu-west-2"
MANAGED = {"platform:managed-by": "rocketclub.platform"}


@pytest.fixture
def network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    rtbs = [ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for _idx in range(3)]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("abc", start=1)
    ]
    sgs = [ec2.create_security_group(VpcId=vpc, GroupName=f"vpce-{i}", Description="vpce")["GroupId"] for i in range(2)]
    return {"client": ec2, "vpc": vpc, "rtbs": rtbs, "subnets": subnets, "sgs": sgs}


def base_endpoints(net):
    return [
        {"service": "s3", "type": "Gateway", "route_table_ids": [net["rtbs"][0], net["rtbs"][1]]},
        {
            "service": "ecr.api",
            "subnet_ids": net["subnets"][:2],
            "security_group_ids": [net["sgs"][0]],
            "tags": {"Name": "ecr-api"},
        },
        {
            "service": "com.amazonaws.eu-west-2.logs",
            "subnet_ids": net["subnets"][:2],
            "security_group_ids": [net["sgs"][0]],
            "private_dns_enabled": False,
        },
    ]


def live_endpoints(client, vpc):
    eps = client.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    return [e for e in eps if e["State"] not in ("deleted", "deleting")]


def tags_of(ep):
    return {t["Key"]: t["Value"] for t in ep.get("Tags", [])}


def test_create_then_idempotent(run_module, network, api_calls):
    net = network
    args = {"vpc_id": net["vpc"], "endpoints": base_endpoints(net), "tags": {"Environment": "test"}}

    run = run_module(vpc_endpoints.main, args)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["deleted"] == []
    assert [e["service"] for e in result["endpoints"]] == ["s3", "ecr.api", "com.amazonaws.eu-west-2.logs"]
    assert all(e["changed"] for e in result["endpoints"])
    assert len(api_calls.named("CreateVpcEndpoint")) == 3
    assert len(api_calls.named("DescribeVpcEndpoints")) == 2  # initial read + read back

    live = {e["VpcEndpointId"]: e for e in live_endpoints(net["client"], net["vpc"])}
    assert len(live) == 3
    s3, ecr, logs = result["endpoints"]

    assert s3["service_name"] == "com.amazonaws.eu-west-2.s3"
    assert s3["type"] == "Gateway"
    assert s3["route_table_ids"] == sorted(net["rtbs"][:2])
    assert s3["private_dns_enabled"] is None
    assert sorted(live[s3["vpc_endpoint_id"]]["RouteTableIds"]) == s3["route_table_ids"]
    assert live[s3["vpc_endpoint_id"]]["VpcEndpointType"] == "Gateway"

    assert ecr["service_name"] == "com.amazonaws.eu-west-2.ecr.api"
    assert ecr["subnet_ids"] == sorted(net["subnets"][:2])
    assert ecr["security_group_ids"] == [net["sgs"][0]]
    assert ecr["private_dns_enabled"] is True
    assert ecr["state"] == "available"
    assert ecr["tags"] == {"Environment": "test", "Name": "ecr-api", **MANAGED}
    live_ecr = live[ecr["vpc_endpoint_id"]]
    assert sorted(live_ecr["SubnetIds"]) == ecr["subnet_ids"]
    assert [g["GroupId"] for g in live_ecr["Groups"]] == ecr["security_group_ids"]
    assert tags_of(live_ecr) == ecr["tags"]

    assert logs["private_dns_enabled"] is False
    assert live[logs["vpc_endpoint_id"]]["PrivateDnsEnabled"] is False
    assert tags_of(live[logs["vpc_endpoint_id"]]) == {"Environment": "test", **MANAGED}

    # diff: nothing before, three endpoints after, keyed by service/type
    assert result["diff"]["before"] == {}
    assert set(result["diff"]["after"]) == {
        "com.amazonaws.eu-west-2.s3/Gateway",
        "com.amazonaws.eu-west-2.ecr.api/Interface",
        "com.amazonaws.eu-west-2.logs/Interface",
    }

    # second identical run: no change, and only reads went to the API
    api_calls.clear()
    run = run_module(vpc_endpoints.main, args)
    again = run.result
    assert run.rc == 0, again
    assert again["changed"] is False
    assert not any(e["changed"] for e in again["endpoints"])
    assert api_calls, "the call recorder must see the module's API calls"
    assert api_calls.writes() == []
    assert api_calls.operations() == ["DescribeVpcEndpoints"]
    assert [e["vpc_endpoint_id"] for e in again["endpoints"]] == [e["vpc_endpoint_id"] for e in result["endpoints"]]
    assert again["diff"]["before"] == again["diff"]["after"]
    for first, second in zip(result["endpoints"], again["endpoints"]):
        assert dict(first, changed=False) == second


def test_gateway_route_tables_modified_in_place(run_module, network, api_calls):
    net = network
    endpoints = base_endpoints(net)[:1]
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints})
    first = run.result
    assert run.rc == 0, first
    endpoint_id = first["endpoints"][0]["vpc_endpoint_id"]

    api_calls.clear()
    endpoints[0]["route_table_ids"] = [net["rtbs"][1], net["rtbs"][2]]
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints})
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["endpoints"][0]["vpc_endpoint_id"] == endpoint_id
    assert result["endpoints"][0]["route_table_ids"] == sorted(net["rtbs"][1:])
    assert api_calls.named("CreateVpcEndpoint") == []
    assert api_calls.named("ModifyVpcEndpoint") == [
        {"VpcEndpointId": endpoint_id, "AddRouteTableIds": [net["rtbs"][2]], "RemoveRouteTableIds": [net["rtbs"][0]]}
    ]
    before = result["diff"]["before"]["com.amazonaws.eu-west-2.s3/Gateway"]
    after = result["diff"]["after"]["com.amazonaws.eu-west-2.s3/Gateway"]
    assert before["route_table_ids"] == sorted(net["rtbs"][:2])
    assert after["route_table_ids"] == sorted(net["rtbs"][1:])

    live = live_endpoints(net["client"], net["vpc"])
    assert [e["VpcEndpointId"] for e in live] == [endpoint_id]
    assert sorted(live[0]["RouteTableIds"]) == sorted(net["rtbs"][1:])

    again = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}).result
    assert again["changed"] is False


def test_interface_subnets_security_groups_policy_tags_modified(run_module, network, api_calls):
    net = network
    endpoints = base_endpoints(net)[1:2]
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints})
    first = run.result
    assert run.rc == 0, first
    endpoint_id = first["endpoints"][0]["vpc_endpoint_id"]

    # add a foreign tag by hand; purge_tags removes it
    net["client"].create_tags(Resources=[endpoint_id], Tags=[{"Key": "manual", "Value": "yes"}])

    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*", "Resource": "*"}],
    }
    endpoints[0].update(
        subnet_ids=[net["subnets"][1], net["subnets"][2]],
        security_group_ids=[net["sgs"][1]],
        policy=json.dumps(policy),
        tags={"Name": "ecr-api-2"},
    )
    api_calls.clear()
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints})
    result = run.result
    assert run.rc == 0, result
    ep = result["endpoints"][0]
    assert result["changed"] is True and ep["changed"] is True
    assert ep["vpc_endpoint_id"] == endpoint_id
    assert ep["subnet_ids"] == sorted(net["subnets"][1:])
    assert ep["security_group_ids"] == [net["sgs"][1]]
    assert ep["tags"] == {"Name": "ecr-api-2", **MANAGED}
    assert api_calls.named("CreateVpcEndpoint") == []
    (modify,) = api_calls.named("ModifyVpcEndpoint")
    assert modify["AddSubnetIds"] == [net["subnets"][2]]
    assert modify["RemoveSubnetIds"] == [net["subnets"][0]]
    assert modify["AddSecurityGroupIds"] == [net["sgs"][1]]
    assert modify["RemoveSecurityGroupIds"] == [net["sgs"][0]]
    assert json.loads(modify["PolicyDocument"]) == policy
    assert "PrivateDnsEnabled" not in modify
    assert api_calls.named("DeleteTags") == [{"Resources": [endpoint_id], "Tags": [{"Key": "manual"}]}]
    assert len(api_calls.named("CreateTags")) == 1

    (live,) = live_endpoints(net["client"], net["vpc"])
    assert sorted(live["SubnetIds"]) == sorted(net["subnets"][1:])
    assert [g["GroupId"] for g in live["Groups"]] == [net["sgs"][1]]
    assert json.loads(live["PolicyDocument"]) == policy
    assert tags_of(live) == {"Name": "ecr-api-2", **MANAGED}

    # same policy, formatted differently and with scalar/list variations: still idempotent
    endpoints[0]["policy"] = json.dumps(
        {
            "Statement": [{"Resource": ["*"], "Action": ["ecr:*"], "Principal": "*", "Effect": "Allow"}],
            "Version": "2012-10-17",
        },
        indent=2,
    )
    api_calls.clear()
    again = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}).result
    assert again["changed"] is False
    assert api_calls.writes() == []

    # omitting the policy leaves it alone
    del endpoints[0]["policy"]
    api_calls.clear()
    again = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}).result
    assert again["changed"] is False
    assert api_calls.writes() == []


def test_purge_endpoints_only_deletes_managed(run_module, network, api_calls):
    net = network
    client = net["client"]
    foreign = client.create_vpc_endpoint(
        VpcId=net["vpc"],
        ServiceName=f"com.amazonaws.{REGION}.ssm",
        VpcEndpointType="Interface",
        SubnetIds=[net["subnets"][0]],
    )["VpcEndpoint"]["VpcEndpointId"]

    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": base_endpoints(net)})
    first = run.result
    assert run.rc == 0, first
    ids = {e["service"]: e["vpc_endpoint_id"] for e in first["endpoints"]}

    # drop ecr.api and logs from the declaration; without purge_endpoints nothing is deleted
    keep = base_endpoints(net)[:1]
    api_calls.clear()
    result = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": keep}).result
    assert result["changed"] is False and result["deleted"] == []
    assert api_calls.writes() == []

    # check mode predicts the purge but deletes nothing
    api_calls.clear()
    run = run_module(
        vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": keep, "purge_endpoints": True}, check_mode=True
    )
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["deleted"] == sorted([ids["ecr.api"], ids["com.amazonaws.eu-west-2.logs"]])
    assert api_calls.writes() == []
    assert len(live_endpoints(client, net["vpc"])) == 4

    api_calls.clear()
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": keep, "purge_endpoints": True})
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["deleted"] == sorted([ids["ecr.api"], ids["com.amazonaws.eu-west-2.logs"]])
    assert api_calls.named("DeleteVpcEndpoints") == [{"VpcEndpointIds": result["deleted"]}]
    assert set(result["diff"]["before"]) == {
        "com.amazonaws.eu-west-2.s3/Gateway",
        "com.amazonaws.eu-west-2.ecr.api/Interface",
        "com.amazonaws.eu-west-2.logs/Interface",
    }
    assert set(result["diff"]["after"]) == {"com.amazonaws.eu-west-2.s3/Gateway"}

    remaining = sorted(e["VpcEndpointId"] for e in live_endpoints(client, net["vpc"]))
    assert remaining == sorted([foreign, ids["s3"]])

    api_calls.clear()
    again = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": keep, "purge_endpoints": True}).result
    assert again["changed"] is False and again["deleted"] == []
    assert api_calls.writes() == []


def test_check_mode_on_empty_vpc(run_module, network, api_calls):
    net = network
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": base_endpoints(net)}, check_mode=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert api_calls.writes() == []
    assert api_calls.operations() == ["DescribeVpcEndpoints"]
    assert live_endpoints(net["client"], net["vpc"]) == []
    s3, ecr, logs = result["endpoints"]
    assert [e["vpc_endpoint_id"] for e in result["endpoints"]] == [
        "pending:vpc-endpoint/s3",
        "pending:vpc-endpoint/ecr.api",
        "pending:vpc-endpoint/com.amazonaws.eu-west-2.logs",
    ]
    assert all(e["changed"] for e in result["endpoints"])
    assert s3["route_table_ids"] == sorted(net["rtbs"][:2])
    assert ecr["subnet_ids"] == sorted(net["subnets"][:2])
    assert ecr["security_group_ids"] == [net["sgs"][0]]
    assert ecr["tags"] == {"Name": "ecr-api", **MANAGED}
    assert logs["private_dns_enabled"] is False
    assert result["diff"]["before"] == {}
    assert len(result["diff"]["after"]) == 3


def test_check_mode_predicts_modification(run_module, network, api_calls):
    net = network
    endpoints = base_endpoints(net)[:1]
    first = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}).result
    endpoints[0]["route_table_ids"] = [net["rtbs"][2]]
    api_calls.clear()
    result = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}, check_mode=True).result
    assert result["changed"] is True
    assert result["endpoints"][0]["route_table_ids"] == [net["rtbs"][2]]
    assert result["endpoints"][0]["vpc_endpoint_id"] == first["endpoints"][0]["vpc_endpoint_id"]
    assert api_calls.writes() == []
    (live,) = live_endpoints(net["client"], net["vpc"])
    assert sorted(live["RouteTableIds"]) == sorted(net["rtbs"][:2])


def test_ambiguous_existing_endpoints_fail_before_writes(run_module, network, api_calls):
    net = network
    client = net["client"]
    ids = sorted(
        client.create_vpc_endpoint(
            VpcId=net["vpc"], ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[rtb]
        )["VpcEndpoint"]["VpcEndpointId"]
        for rtb in net["rtbs"][:2]
    )
    api_calls.clear()
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": base_endpoints(net)})
    result = run.result
    assert run.rc == 1
    assert "More than one live VPC endpoint" in result["msg"]
    assert ids[0] in result["msg"] and ids[1] in result["msg"]
    assert api_calls.writes() == []


def test_wait_for_available(run_module, network, api_calls):
    net = network
    run = run_module(
        vpc_endpoints.main,
        {"vpc_id": net["vpc"], "endpoints": base_endpoints(net)[:1], "wait": True, "wait_timeout": 30},
    )
    result = run.result
    assert run.rc == 0, result
    assert result["endpoints"][0]["state"] == "available"
    # initial read + one poll that already sees "available" (it doubles as the read back)
    assert len(api_calls.named("DescribeVpcEndpoints")) == 2


def moto_endpoint(endpoint_id):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    return ec2_backends[DEFAULT_ACCOUNT_ID][REGION].vpc_end_points[endpoint_id]


def test_wait_polls_until_available(run_module, network, api_calls, monkeypatch):
    net = network
    endpoints = base_endpoints(net)[:1]
    first = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}).result
    endpoint_id = first["endpoints"][0]["vpc_endpoint_id"]
    moto_endpoint(endpoint_id).state = "pending"  # moto never leaves "available" on its own

    sleeps = []

    def fake_sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            moto_endpoint(endpoint_id).state = "available"

    monkeypatch.setattr(vpc_endpoints, "poll", functools.partial(waiting.poll, sleep=fake_sleep))
    endpoints[0]["route_table_ids"] = [net["rtbs"][2]]
    api_calls.clear()
    run = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints, "wait": True})
    result = run.result
    assert run.rc == 0, result
    assert len(sleeps) == 2
    assert result["endpoints"][0]["state"] == "available"
    assert len(api_calls.named("DescribeVpcEndpoints")) == 1 + 3


def test_wait_times_out_naming_the_endpoint(run_module, network, monkeypatch):
    net = network
    endpoints = base_endpoints(net)[:1]
    first = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints}).result
    endpoint_id = first["endpoints"][0]["vpc_endpoint_id"]
    moto_endpoint(endpoint_id).state = "pending"
    monkeypatch.setattr(vpc_endpoints, "WAIT_DELAY", 0.01)
    endpoints[0]["route_table_ids"] = [net["rtbs"][2]]
    run = run_module(
        vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": endpoints, "wait": True, "wait_timeout": 0}
    )
    result = run.result
    assert run.rc == 1
    assert "Timed out" in result["msg"] and f"{endpoint_id} (pending)" in result["msg"]
    # The sliced-wait contract of the shared core: the last status and its history.
    assert result["wait_timed_out"] is True
    assert result["status"] == f"{endpoint_id} (pending)"
    assert result["status_history"] == [{"elapsed": 0, "status": f"{endpoint_id} (pending)"}]


@pytest.mark.parametrize(
    "endpoints, extra, fragments",
    [
        (
            [{"service": "s3", "type": "Gateway"}, {"service": "logs", "route_table_ids": ["rtb-1"]}],
            {},
            ["endpoints[1] (service=logs, type=Interface)", "route_table_ids"],
        ),
        (
            [{"service": "s3", "type": "Gateway", "security_group_ids": ["sg-1"]}],
            {},
            ["endpoints[0] (service=s3, type=Gateway)", "security_group_ids"],
        ),
        (
            [{"service": "s3", "type": "Gateway"}, {"service": "com.amazonaws.eu-west-2.s3", "type": "Gateway"}],
            {},
            ["Duplicate", "com.amazonaws.eu-west-2.s3/Gateway", "[0, 1]"],
        ),
        ([{"service": "logs", "policy": "{not json"}], {}, ["endpoints[0] (service=logs, type=Interface)", "policy"]),
        ([{"service": "logs", "type": "GatewayLoadBalancer"}], {}, ["type", "one of"]),
        ([{"type": "Gateway"}], {}, ["service"]),
        ([{"service": "s3", "type": "Gateway"}], {"purge_endpoints": True, "managed_tag": {}}, ["managed_tag"]),
        (
            [{"service": "s3", "route_table_ids": ["rtb-1"], "subnet_ids": ["subnet-1"]}],
            {},
            ["mutually exclusive", "route_table_ids", "subnet_ids"],
        ),
    ],
)
def test_bad_input_fails_before_any_api_call(run_module, network, api_calls, endpoints, extra, fragments):
    api_calls.clear()
    run = run_module(vpc_endpoints.main, dict({"vpc_id": network["vpc"], "endpoints": endpoints}, **extra))
    result = run.result
    assert run.rc == 1
    assert result["failed"] is True
    for fragment in fragments:
        assert fragment in result["msg"]
    assert api_calls == []


def test_check_mode_with_pending_vpc_and_references(run_module, api_calls, aws_env):
    endpoints = [
        {"service": "s3", "type": "Gateway", "route_table_ids": ["pending:route-table/rc-data"]},
        {
            "service": "ssm",
            "subnet_ids": ["pending:subnet/rc-app-a"],
            "security_group_ids": ["pending:security-group/ep"],
        },
    ]
    args = {"vpc_id": "pending:vpc/rc", "endpoints": endpoints}
    run = run_module(vpc_endpoints.main, args, check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True
    # The placeholder VPC is not read, and no call carries a placeholder.
    assert api_calls == []
    assert [e["vpc_endpoint_id"] for e in run.result["endpoints"]] == [
        "pending:vpc-endpoint/s3",
        "pending:vpc-endpoint/ssm",
    ]
    assert run.result["endpoints"][1]["subnet_ids"] == ["pending:subnet/rc-app-a"]
    assert run.result["diff"]["before"] == {}

    # A real run refuses them before any call.
    run = run_module(vpc_endpoints.main, {"vpc_id": "vpc-1", "endpoints": endpoints})
    assert run.rc == 1 and "check-mode placeholder" in run.result["msg"]
    assert api_calls == []


def test_check_mode_with_a_pending_subnet_predicts_a_modify(run_module, network, api_calls):
    net = network
    run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": base_endpoints(net)})
    grown = base_endpoints(net)
    grown[1]["subnet_ids"] = grown[1]["subnet_ids"] + ["pending:subnet/rc-app-c"]
    api_calls.clear()
    result = run_module(vpc_endpoints.main, {"vpc_id": net["vpc"], "endpoints": grown}, check_mode=True).result
    assert api_calls.writes() == []
    assert [e["changed"] for e in result["endpoints"]] == [False, True, False]
    assert "pending:subnet/rc-app-c" in result["endpoints"][1]["subnet_ids"]
