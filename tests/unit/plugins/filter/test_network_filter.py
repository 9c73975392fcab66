# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the data-shaping filters behind the network and secrets roles."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.filter import alb
from ansible_collections.rocketclub.platform.plugins.filter import network
from ansible_collections.rocketclub.platform.plugins.filter import secrets

CONFIG = {
    "network_availability_zones": ["eu-west-2a", "eu-west-2b"],
    "network_public_subnet_cidrs": ["10.0.0.0/24", "10.0.1.0/24"],
    "network_private_app_subnet_cidrs": ["10.0.10.0/24", "10.0.11.0/24"],
    "network_private_data_subnet_cidrs": ["10.0.20.0/24", "10.0.21.0/24"],
}


def subnets():
    plan = network.network_subnet_plan(CONFIG, "rc-local")
    return [dict(s, id=f"subnet-{i}") for i, s in enumerate(plan)]


def test_subnet_plan_orders_tiers_and_names():
    plan = network.network_subnet_plan(CONFIG, "rc-local")
    assert [(s["tier"], s["az"], s["cidr"], s["name"]) for s in plan] == [
        ("public", "eu-west-2a", "10.0.0.0/24", "rc-local-public-a"),
        ("public", "eu-west-2b", "10.0.1.0/24", "rc-local-public-b"),
        ("private-app", "eu-west-2a", "10.0.10.0/24", "rc-local-private-app-a"),
        ("private-app", "eu-west-2b", "10.0.11.0/24", "rc-local-private-app-b"),
        ("private-data", "eu-west-2a", "10.0.20.0/24", "rc-local-private-data-a"),
        ("private-data", "eu-west-2b", "10.0.21.0/24", "rc-local-private-data-b"),
    ]


def test_subnet_specs_for_vpc_subnets():
    specs = network.network_subnet_specs(network.network_subnet_plan(CONFIG, "rc-local"))
    assert specs[0] == {
        "name": "rc-local-public-a",
        "cidr": "10.0.0.0/24",
        "az": "eu-west-2a",
        "map_public": True,
        "tags": {"platform:tier": "public"},
    }
    assert [s["map_public"] for s in specs] == [True, True, False, False, False, False]
    assert specs[5]["tags"] == {"platform:tier": "private-data"}


def test_registered_subnets_carry_ids_and_check_mode_placeholders():
    plan = network.network_subnet_plan(CONFIG, "rc-local")[:2]
    returned = [
        {"name": "rc-local-public-a", "id": "subnet-1"},
        {"name": "rc-local-public-b", "id": "pending:subnet/rc-local-public-b"},
    ]
    assert [(s["tier"], s["az"], s["id"]) for s in network.network_registered_subnets(plan, returned)] == [
        ("public", "eu-west-2a", "subnet-1"),
        ("public", "eu-west-2b", "pending:subnet/rc-local-public-b"),
    ]


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("none", []),
        ("single", [{"name": "rc-local-nat-a", "subnet_id": "subnet-0"}]),
        (
            "per_az",
            [{"name": "rc-local-nat-a", "subnet_id": "subnet-0"}, {"name": "rc-local-nat-b", "subnet_id": "subnet-1"}],
        ),
    ],
)
def test_nat_plan(mode, expected):
    assert network.network_nat_plan(subnets(), mode, "rc-local") == expected


def test_nat_plan_rejects_unknown_mode():
    with pytest.raises(AnsibleFilterError, match="network_nat_mode"):
        network.network_nat_plan(subnets(), "two", "rc-local")


def test_route_table_plan_single_nat_serves_every_app_subnet():
    nats = [{"subnet_id": "subnet-0", "nat_gateway_id": "nat-1"}]
    plan = network.network_route_table_plan(subnets(), nats, "igw-1", "rc-local")
    assert [(p["name"], p["subnets"], p["routes"]) for p in plan] == [
        ("rc-local-public", ["subnet-0", "subnet-1"], [{"dest": "0.0.0.0/0", "gateway_id": "igw-1"}]),
        ("rc-local-private-app-a", ["subnet-2"], [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-1"}]),
        ("rc-local-private-app-b", ["subnet-3"], [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-1"}]),
        ("rc-local-private-data", ["subnet-4", "subnet-5"], []),
    ]


def test_route_table_plan_per_az_nat_and_no_nat():
    nats = [{"subnet_id": "subnet-0", "nat_gateway_id": "nat-a"}, {"subnet_id": "subnet-1", "nat_gateway_id": "nat-b"}]
    plan = network.network_route_table_plan(subnets(), nats, "igw-1", "rc-local")
    assert [p["routes"] for p in plan[1:3]] == [
        [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-a"}],
        [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-b"}],
    ]
    plan = network.network_route_table_plan(subnets(), [], "igw-1", "rc-local")
    assert [p["routes"] for p in plan[1:3]] == [[], []]


def test_route_table_plan_tags_tiers_and_parked_leaves_app_routes():
    nats = [{"subnet_id": "subnet-0", "nat_gateway_id": "nat-1"}]
    plan = network.network_route_table_plan(subnets(), nats, "igw", "rc-local")
    tiers = ("public", "private-app", "private-app", "private-data")
    assert [p["tags"] for p in plan] == [{"platform:tier": t} for t in tiers]
    parked = network.network_route_table_plan(subnets(), [], "igw", "rc-local", True)
    assert [p["routes"] for p in parked] == [[{"dest": "0.0.0.0/0", "gateway_id": "igw"}], None, None, []]
    assert [p["subnets"] for p in parked] == [p["subnets"] for p in plan]


def test_private_route_table_ids():
    tables = [
        {"route_table_id": "rtb-p", "tags": {"platform:tier": "public"}},
        {"route_table_id": "rtb-a", "tags": {"platform:tier": "private-app"}},
        {"route_table_id": "pending:route-table/rc-d", "tags": {"platform:tier": "private-data"}},
    ]
    assert network.network_private_route_table_ids(tables) == ["rtb-a", "pending:route-table/rc-d"]


def test_endpoint_plan():
    sg_results = [{"item": {"role": "ecs"}, "group_id": "sg-ecs"}, {"item": {"role": "endpoints"}, "group_id": "sg-ep"}]
    plan = network.network_endpoint_plan(["s3"], ["ssm"], ["rtb-1", "rtb-2"], subnets(), sg_results)
    assert plan == [
        {"service": "s3", "type": "Gateway", "route_table_ids": ["rtb-1", "rtb-2"]},
        {
            "service": "ssm",
            "type": "Interface",
            "subnet_ids": ["subnet-2", "subnet-3"],
            "security_group_ids": ["sg-ep"],
        },
    ]
    # The security group ids by role are taken as they are.
    by_role = {"ecs": "sg-ecs", "endpoints": "sg-ep"}
    assert network.network_endpoint_plan(["s3"], ["ssm"], ["rtb-1", "rtb-2"], subnets(), by_role) == plan


def test_secrets_module_input_marks_shared_and_drops_the_marker():
    shaped = secrets.secrets_module_input(
        [{"name": "local/db/admin"}, {"name": "blog-data/neo4j/credentials", "shared": True, "tags": {"a": "b"}}]
    )
    assert shaped == [
        {"name": "local/db/admin"},
        {"name": "blog-data/neo4j/credentials", "tags": {"a": "b", "platform:env": "shared"}},
    ]


def test_security_group_ids_by_role():
    results = [{"item": {"role": "alb"}, "group_id": "sg-1"}, {"item": {"role": "endpoints"}, "group_id": "sg-2"}]
    assert network.network_security_group_ids(results) == {"alb": "sg-1", "endpoints": "sg-2"}
    # The registered result of rocketclub.platform.security_groups (check mode: a placeholder for a new group).
    registered = {"changed": True, "group_ids": {"alb": "sg-1", "endpoints": "pending:security-group/x-endpoints"}}
    assert network.network_security_group_ids(registered) == registered["group_ids"]


def test_alb_target_groups_and_rule_apps():
    results = [
        {"item": {"name": "backstage"}, "target_group_arn": "arn:tg/backstage"},
        {"item": {"name": "prefect"}},  # check mode: predicted, no ARN yet
    ]
    arns = alb.alb_target_group_arns(results)
    assert arns == {"backstage": "arn:tg/backstage", "prefect": None}
    existing = [{"target_group_name": "rc-local-prefect", "target_group_arn": "arn:tg/prefect"}]
    assert alb.alb_target_group_arns(results, existing, "rc-local") == {
        "backstage": "arn:tg/backstage",
        "prefect": "arn:tg/prefect",
    }
    apps = [{"name": "backstage", "host": "portal.x", "port": 7007, "priority": "10", "health_check_path": "/"}]
    assert alb.alb_rule_apps(apps, arns, {"scope": "openid"}) == [
        {
            "scope": "openid",
            "name": "backstage",
            "hosts": ["portal.x"],
            "priority": 10,
            "target_group_arn": "arn:tg/backstage",
        }
    ]
