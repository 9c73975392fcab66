# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the inventory validation filters."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.filter.validation import network_problems
from ansible_collections.rocketclub.platform.plugins.filter.validation import secret_name_problems

GOOD = {
    "network_vpc_cidr": "10.60.0.0/16",
    "network_availability_zones": ["eu-west-2a", "eu-west-2b"],
    "network_public_subnet_cidrs": ["10.60.0.0/24", "10.60.1.0/24"],
    "network_private_app_subnet_cidrs": ["10.60.10.0/24", "10.60.11.0/24"],
    "network_private_data_subnet_cidrs": ["10.60.20.0/24", "10.60.21.0/24"],
}


def test_good_network_has_no_problems():
    assert network_problems(GOOD, "eu-west-2") == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"network_vpc_cidr": "10.60.0.0/33"}, "network_vpc_cidr: '10.60.0.0/33' is not a valid IPv4 CIDR"),
        ({"network_vpc_cidr": "banana"}, "network_vpc_cidr: 'banana' is not a valid IPv4 CIDR"),
        ({"network_vpc_cidr": "10.60.0.1/16"}, "network_vpc_cidr: '10.60.0.1/16' has host bits set"),
        ({"network_vpc_cidr": "10.0.0.0/8"}, "network_vpc_cidr: /8 is outside what a VPC accepts"),
        ({"network_vpc_cidr": "fd00::/48"}, "network_vpc_cidr: 'fd00::/48' is IPv6"),
        (
            {"network_availability_zones": ["eu-west-2a"]},
            "network_availability_zones: 1 distinct zone(s) given; at least two are required",
        ),
        (
            {"network_availability_zones": ["eu-west-2a", "eu-west-2a"]},
            "network_availability_zones: a zone is listed twice",
        ),
        (
            {"network_availability_zones": ["eu-west-2a", "us-east-1b"]},
            "network_availability_zones[1]: 'us-east-1b' is not a zone of platform_region 'eu-west-2'",
        ),
        (
            {"network_public_subnet_cidrs": ["10.60.0.0/24"]},
            "network_public_subnet_cidrs: 1 CIDR(s) for 2 availability zone(s); give exactly one per zone",
        ),
        (
            {"network_private_app_subnet_cidrs": ["10.60.10.0/24", "10.61.11.0/24"]},
            "network_private_app_subnet_cidrs[1]: 10.61.11.0/24 is outside network_vpc_cidr 10.60.0.0/16",
        ),
        (
            {"network_private_data_subnet_cidrs": ["10.60.20.0/24", "10.60.0.0/23"]},
            "network_private_data_subnet_cidrs[1]: 10.60.0.0/23 overlaps network_public_subnet_cidrs[0] 10.60.0.0/24",
        ),
        (
            {"network_private_app_subnet_cidrs": ["10.60.10.0/24", "10.60.10.0/29x"]},
            "network_private_app_subnet_cidrs[1]: '10.60.10.0/29x' is not a valid IPv4 CIDR",
        ),
    ],
)
def test_bad_network_names_the_variable(change, expected):
    problems = network_problems(dict(GOOD, **change), "eu-west-2")
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    "entries, kind, expected",
    [
        ([{"name": "local/db/admin"}], "secretsmanager", []),
        ([{"name": "blog-data/neo4j/credentials", "shared": True}], "secretsmanager", []),
        ([{"name": "local/github/pat/blog_data_ci"}], "secretsmanager", []),
        ([{"name": "prod/db/admin"}], "secretsmanager", ["must start with 'local/'"]),
        ([{"name": "db-admin"}], "secretsmanager", ["does not follow the naming convention"]),
        ([{"name": "local/db"}], "secretsmanager", ["does not follow the naming convention"]),
        ([{"name": "local/db/admin", "shared": True}], "secretsmanager", ["marked shared but carries"]),
        ([{"name": "local/db/admin"}, {"name": "local/db/admin"}], "secretsmanager", ["declared twice"]),
        ([{"description": "no name"}], "secretsmanager", ["missing"]),
        ([{"name": "/local/infra/park_mode"}], "ssm", []),
        ([{"name": "local/infra/park_mode"}], "ssm", ["does not follow the naming convention"]),
        ([{"name": "/prod/infra/park_mode"}], "ssm", ["must start with '/local/'"]),
        ([{"name": "/local/park_mode"}], "ssm", ["does not follow the naming convention"]),
    ],
)
def test_secret_names(entries, kind, expected):
    problems = secret_name_problems(entries, "local", "my_var", kind=kind)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected):
        assert problem.startswith("my_var[")
        assert fragment in problem


APPS = [
    {"name": "backstage", "host": "portal.rocketclub.local", "port": 7007, "priority": 10},
    {"name": "prefect", "host": "pipelines.rocketclub.local", "port": 4200, "priority": 20},
]


def _alb(apps=None, kinde="acme.kinde.com", header="X-Origin-Verify"):
    from ansible_collections.rocketclub.platform.plugins.filter.validation import alb_problems

    return alb_problems(APPS if apps is None else apps, [7007, 4200], "rocketclub.local", kinde, header)


def test_good_alb_inputs():
    assert _alb() == []
    assert _alb(kinde="https://auth.rocketclub.online") == []
    assert _alb(kinde="127.0.0.1:4568") == []


@pytest.mark.parametrize(
    "apps, kinde, header, expected",
    [
        ([dict(APPS[0]), dict(APPS[1], host="PORTAL.rocketclub.local")], None, None,
         "alb_apps[1].host: 'PORTAL.rocketclub.local' is already used by alb_apps[0]"),
        ([dict(APPS[0]), dict(APPS[1], priority=10)], None, None, "alb_apps[1].priority: 10 is already used by alb_apps[0]"),
        ([dict(APPS[0]), dict(APPS[1], name="backstage")], None, None, "alb_apps[1].name: 'backstage' is already used"),
        ([dict(APPS[0], host="portal.example.com")], None, None, "alb_apps[0].host: 'portal.example.com' is not in platform_domain"),
        ([dict(APPS[0], host="*.rocketclub.local")], None, None, "alb_apps[0].host: '*.rocketclub.local' contains a wildcard"),
        ([dict(APPS[0], port=8080)], None, None, "alb_apps[0].port: 8080 is not one of network_app_ports"),
        ([dict(APPS[0], priority=0)], None, None, "alb_apps[0].priority: 0 is outside 1..50000"),
        ([{"name": "x"}], None, None, "alb_apps[0]: missing host, port, priority"),
        ([], None, None, "alb_apps: empty"),
        (None, "http://acme.kinde.com", None, "kinde_domain: 'http://acme.kinde.com' is not HTTPS"),
        (None, "", None, "kinde_domain: empty"),
        (None, None, "X-Origin*", "alb_origin_header_name: 'X-Origin*' is not a plain header name"),
    ],
)
def test_bad_alb_inputs(apps, kinde, header, expected):
    problems = _alb(apps, kinde if kinde is not None else "acme.kinde.com", header or "X-Origin-Verify")
    assert any(p.startswith(expected) for p in problems), problems
