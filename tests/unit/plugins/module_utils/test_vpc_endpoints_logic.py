# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pure planning of VPC endpoints (``module_utils/vpc_endpoints.py``), table-driven."""

from __future__ import annotations

import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import vpc_endpoints as h

MANAGED = {"platform:managed-by": "rocketclub.platform"}


@pytest.mark.parametrize(
    "service, region, expected",
    [
        ("s3", "eu-west-2", "com.amazonaws.eu-west-2.s3"),
        ("secretsmanager", "eu-west-2", "com.amazonaws.eu-west-2.secretsmanager"),
        ("ecr.api", "eu-west-2", "com.amazonaws.eu-west-2.ecr.api"),
        ("ecr.dkr", "us-east-1", "com.amazonaws.us-east-1.ecr.dkr"),
        (" logs ", "eu-west-2", "com.amazonaws.eu-west-2.logs"),
        ("com.amazonaws.eu-west-2.s3", "us-east-1", "com.amazonaws.eu-west-2.s3"),
        ("com.amazonaws.vpce.eu-west-2.vpce-svc-0123", "eu-west-2", "com.amazonaws.vpce.eu-west-2.vpce-svc-0123"),
        ("aws.sagemaker.eu-west-2.notebook", "eu-west-2", "aws.sagemaker.eu-west-2.notebook"),
        ("com.amazonaws.s3-global.accesspoint", None, "com.amazonaws.s3-global.accesspoint"),
    ],
)
def test_expand_service_name(service, region, expected):
    assert h.expand_service_name(service, region) == expected


@pytest.mark.parametrize("service, region", [("", "eu-west-2"), ("   ", "eu-west-2"), ("s3", None), ("s3", "")])
def test_expand_service_name_errors(service, region):
    with pytest.raises(ValueError):
        h.expand_service_name(service, region)


@pytest.mark.parametrize(
    "current, desired, to_add, to_remove",
    [
        (["a", "b"], ["a", "b"], [], []),
        (["b", "a"], ["a", "b"], [], []),
        (["a"], ["a", "c", "b"], ["b", "c"], []),
        (["a", "b", "c"], ["b"], [], ["a", "c"]),
        (["a", "b"], ["c", "b"], ["c"], ["a"]),
        ([], [], [], []),
        (None, ["a"], ["a"], []),
        (["a", "b"], [], [], ["a", "b"]),
        (["a", "b"], None, [], []),
        (["a"], ["a", "a"], [], []),
    ],
)
def test_list_changes(current, desired, to_add, to_remove):
    assert h.list_changes(current, desired) == (to_add, to_remove)


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}],
}
AWS_DEFAULT = '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'


@pytest.mark.parametrize(
    "current, desired, differ",
    [
        # no desired policy: never touch the existing one
        (AWS_DEFAULT, None, False),
        (None, None, False),
        ("", None, False),
        # identical as dict / differently formatted text
        (json.dumps(POLICY), POLICY, False),
        (json.dumps(POLICY, indent=4, sort_keys=True), json.dumps(POLICY), False),
        # scalar vs single element list is the same policy
        (
            json.dumps(POLICY),
            {
                **POLICY,
                "Statement": [{**POLICY["Statement"][0], "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
            },
            False,
        ),
        # missing Version equals AWS' default 2008-10-17
        (AWS_DEFAULT, {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}, False),
        # real differences
        (AWS_DEFAULT, POLICY, True),
        (json.dumps(POLICY), {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": ["s3:PutObject"]}]}, True),
        (None, POLICY, True),
    ],
)
def test_policies_differ(current, desired, differ):
    assert h.policies_differ(current, desired) is differ


@pytest.mark.parametrize(
    "policy, expected",
    [
        (None, None),
        ("", None),
        ('{"b": 1, "a": [1, 2]}', '{"a":[1,2],"b":1}'),
        ({"b": 1, "a": {"d": 1, "c": 2}}, '{"a":{"c":2,"d":1},"b":1}'),
    ],
)
def test_normalize_policy(policy, expected):
    assert h.normalize_policy(policy) == expected


def spec(**kwargs):
    base = dict(
        service="s3",
        type="Interface",
        route_table_ids=None,
        subnet_ids=None,
        security_group_ids=None,
        private_dns_enabled=True,
        policy=None,
        tags={},
    )
    base.update(kwargs)
    return base


@pytest.mark.parametrize(
    "endpoints, fragments",
    [
        ([spec(type="Gateway", route_table_ids=["rtb-1"])], []),
        ([spec(service="logs", subnet_ids=["subnet-1"], security_group_ids=["sg-1"])], []),
        ([spec(route_table_ids=["rtb-1"])], ["endpoints[0] (service=s3, type=Interface): route_table_ids"]),
        (
            [spec(type="Gateway"), spec(service="s3", type="Gateway", subnet_ids=["subnet-1"])],
            ["endpoints[1] (service=s3, type=Gateway): subnet_ids"],
        ),
        (
            [spec(type="Gateway", security_group_ids=[])],
            ["endpoints[0] (service=s3, type=Gateway): security_group_ids"],
        ),
        ([spec(service="  ")], ["endpoints[0]: service must not be empty"]),
        ([spec(policy="{not json")], ["endpoints[0] (service=s3, type=Interface): policy is not valid JSON"]),
        ([spec(policy="[1, 2]")], ["policy must be a JSON object"]),
        ([spec(policy=json.dumps(POLICY))], []),
    ],
)
def test_validate_endpoint_specs(endpoints, fragments):
    errors = h.validate_endpoint_specs(endpoints)
    assert len(errors) == len(fragments)
    for error, fragment in zip(errors, fragments):
        assert fragment in error


def boto_endpoint(endpoint_id, service, etype="Interface", state="available", **extra):
    ep = {
        "VpcEndpointId": endpoint_id,
        "VpcEndpointType": etype,
        "VpcId": "vpc-1",
        "ServiceName": service,
        "State": state,
        "PolicyDocument": AWS_DEFAULT,
        "RouteTableIds": [],
        "SubnetIds": [],
        "Groups": [],
        "PrivateDnsEnabled": True,
        "Tags": [],
        "CreationTimestamp": "2024-01-01T00:00:00Z",
    }
    ep.update(extra)
    return ep


def test_normalize_endpoint_sorts_and_drops_timestamps():
    ep = boto_endpoint(
        "vpce-1",
        "com.amazonaws.eu-west-2.logs",
        SubnetIds=["subnet-b", "subnet-a"],
        Groups=[{"GroupId": "sg-2", "GroupName": "b"}, {"GroupId": "sg-1", "GroupName": "a"}],
        Tags=[{"Key": "k", "Value": "v"}],
        PrivateDnsEnabled=False,
    )
    assert h.normalize_endpoint(ep) == {
        "vpc_endpoint_id": "vpce-1",
        "service_name": "com.amazonaws.eu-west-2.logs",
        "type": "Interface",
        "state": "available",
        "route_table_ids": [],
        "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_ids": ["sg-1", "sg-2"],
        "private_dns_enabled": False,
        "policy": json.loads(AWS_DEFAULT),
        "tags": {"k": "v"},
    }
    gateway = h.normalize_endpoint(boto_endpoint("vpce-2", "s3", "Gateway", RouteTableIds=["rtb-2", "rtb-1"]))
    assert gateway["route_table_ids"] == ["rtb-1", "rtb-2"]
    assert gateway["private_dns_enabled"] is None


def test_index_live_endpoints_matching():
    s3 = "com.amazonaws.eu-west-2.s3"
    endpoints = [
        boto_endpoint("vpce-3", s3, "Gateway"),
        boto_endpoint("vpce-1", s3, "Gateway"),
        boto_endpoint("vpce-2", s3, "Interface"),
        boto_endpoint("vpce-4", s3, "Gateway", state="deleted"),
        boto_endpoint("vpce-5", s3, "Gateway", state="deleting"),
        boto_endpoint("vpce-6", s3, "Gateway", state="Failed"),
        boto_endpoint("vpce-7", s3, "Gateway", state="rejected"),
        boto_endpoint("vpce-8", "com.amazonaws.eu-west-2.logs", state="pending"),
        boto_endpoint("vpce-9", "com.amazonaws.eu-west-2.logs", state="Expired"),
    ]
    index = h.index_live_endpoints(endpoints)
    assert {k: [e["vpc_endpoint_id"] for e in v] for k, v in index.items()} == {
        f"{s3}/Gateway": ["vpce-1", "vpce-3"],
        f"{s3}/Interface": ["vpce-2"],
        "com.amazonaws.eu-west-2.logs/Interface": ["vpce-8"],
    }


def test_desired_endpoint_ignores_options_of_the_other_type():
    gw = h.desired_endpoint(spec(type="Gateway", route_table_ids=["rtb-2", "rtb-1"]), "svc", {"a": "b"})
    assert gw["route_table_ids"] == ["rtb-1", "rtb-2"]
    assert gw["subnet_ids"] is None and gw["security_group_ids"] is None and gw["private_dns_enabled"] is None
    itf = h.desired_endpoint(spec(subnet_ids=["s-2", "s-1"], private_dns_enabled=False), "svc", {})
    assert itf["route_table_ids"] is None
    assert itf["subnet_ids"] == ["s-1", "s-2"]
    assert itf["security_group_ids"] is None
    assert itf["private_dns_enabled"] is False


def test_plan_create():
    desired = h.desired_endpoint(
        spec(service="logs", subnet_ids=["s-2", "s-1"], security_group_ids=["sg-1"], policy=json.dumps(POLICY)),
        "com.amazonaws.eu-west-2.logs",
        MANAGED,
    )
    params, predicted = h.plan_create(desired, "vpc-1")
    assert params == {
        "VpcId": "vpc-1",
        "ServiceName": "com.amazonaws.eu-west-2.logs",
        "VpcEndpointType": "Interface",
        "SubnetIds": ["s-1", "s-2"],
        "SecurityGroupIds": ["sg-1"],
        "PrivateDnsEnabled": True,
        "PolicyDocument": h.normalize_policy(POLICY),
    }
    assert predicted["vpc_endpoint_id"] is None
    assert predicted["subnet_ids"] == ["s-1", "s-2"]
    assert predicted["tags"] == MANAGED

    gw = h.desired_endpoint(spec(type="Gateway", route_table_ids=["rtb-1"]), "com.amazonaws.eu-west-2.s3", {})
    params, predicted = h.plan_create(gw, "vpc-1")
    assert params == {
        "VpcId": "vpc-1",
        "ServiceName": "com.amazonaws.eu-west-2.s3",
        "VpcEndpointType": "Gateway",
        "RouteTableIds": ["rtb-1"],
    }
    assert predicted["private_dns_enabled"] is None


def current_state(**kwargs):
    state = {
        "vpc_endpoint_id": "vpce-1",
        "service_name": "svc",
        "type": "Interface",
        "state": "available",
        "route_table_ids": [],
        "subnet_ids": ["s-1", "s-2"],
        "security_group_ids": ["sg-1"],
        "private_dns_enabled": True,
        "policy": json.loads(AWS_DEFAULT),
        "tags": dict(MANAGED),
    }
    state.update(kwargs)
    return state


@pytest.mark.parametrize(
    "current, endpoint_spec, expected_params",
    [
        # nothing to do
        (current_state(), spec(subnet_ids=["s-2", "s-1"], security_group_ids=["sg-1"]), {}),
        # unmanaged lists are left alone
        (current_state(), spec(), {}),
        (
            current_state(),
            spec(subnet_ids=["s-2", "s-3"], security_group_ids=["sg-2"]),
            {
                "VpcEndpointId": "vpce-1",
                "AddSubnetIds": ["s-3"],
                "RemoveSubnetIds": ["s-1"],
                "AddSecurityGroupIds": ["sg-2"],
                "RemoveSecurityGroupIds": ["sg-1"],
            },
        ),
        (current_state(), spec(private_dns_enabled=False), {"VpcEndpointId": "vpce-1", "PrivateDnsEnabled": False}),
        (
            current_state(
                type="Gateway",
                route_table_ids=["rtb-1", "rtb-2"],
                subnet_ids=[],
                security_group_ids=[],
                private_dns_enabled=None,
            ),
            spec(type="Gateway", route_table_ids=["rtb-3", "rtb-2"]),
            {"VpcEndpointId": "vpce-1", "AddRouteTableIds": ["rtb-3"], "RemoveRouteTableIds": ["rtb-1"]},
        ),
        (
            current_state(type="Gateway", route_table_ids=["rtb-1"], private_dns_enabled=None),
            spec(type="Gateway", route_table_ids=["rtb-1"]),
            {},
        ),
        (current_state(), spec(policy=AWS_DEFAULT), {}),
        (
            current_state(),
            spec(policy=json.dumps(POLICY)),
            {"VpcEndpointId": "vpce-1", "PolicyDocument": h.normalize_policy(POLICY)},
        ),
    ],
)
def test_plan_modify(current, endpoint_spec, expected_params):
    desired = h.desired_endpoint(endpoint_spec, "svc", MANAGED)
    params, predicted = h.plan_modify(current, desired)
    assert params == expected_params
    for key in ("route_table_ids", "subnet_ids", "security_group_ids"):
        if desired[key] is not None:
            assert predicted[key] == desired[key]
        else:
            assert predicted[key] == current[key]
    assert predicted["vpc_endpoint_id"] == "vpce-1"


def test_diff_view_is_stable():
    state = current_state(subnet_ids=["s-2", "s-1"], state="pending")
    view = h.diff_view(state)
    assert "state" not in view
    assert view["subnet_ids"] == ["s-1", "s-2"]
    assert set(view) == set(h.DIFF_KEYS)
    assert h.diff_view(None) is None
