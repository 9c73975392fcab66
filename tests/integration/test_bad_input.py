# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invalid inventory values stop site.yml before any API call, naming the variable at fault."""

from __future__ import annotations

import json

import pytest

CASES = {
    "malformed CIDR": (
        {"network_vpc_cidr": "10.60.0.0/33"},
        "network_vpc_cidr: '10.60.0.0/33' is not a valid IPv4 CIDR",
    ),
    "overlapping CIDRs": (
        {"network_private_data_subnet_cidrs": ["10.60.20.0/24", "10.60.10.0/23"]},
        "network_private_data_subnet_cidrs[1]: 10.60.10.0/23 overlaps network_private_app_subnet_cidrs[0]",
    ),
    "subnet outside the VPC": (
        {"network_public_subnet_cidrs": ["10.60.0.0/24", "10.99.1.0/24"]},
        "network_public_subnet_cidrs[1]: 10.99.1.0/24 is outside network_vpc_cidr 10.60.0.0/16",
    ),
    "one availability zone": (
        {
            "network_availability_zones": ["eu-west-2a"],
            "network_public_subnet_cidrs": ["10.60.0.0/24"],
            "network_private_app_subnet_cidrs": ["10.60.10.0/24"],
            "network_private_data_subnet_cidrs": ["10.60.20.0/24"],
        },
        "network_availability_zones: 1 distinct zone(s) given; at least two are required",
    ),
    "unknown environment": (
        {"platform_env": "qa"},
        "value of platform_env must be one of: local, dev, staging, prod, got: qa",
    ),
    "secret name outside the convention": (
        {"kinde_client_secret_name": "kinde-client-secret"},
        "secrets_manager_entries[9].name: 'kinde-client-secret' does not follow the naming convention",
    ),
    "secret of another environment": (
        {"kinde_client_secret_name": "prod/kinde/client-secret"},
        "'prod/kinde/client-secret' must start with 'local/'",
    ),
    "duplicate ALB host": (
        {"alb_apps": [
            {"name": "backstage", "host": "portal.rocketclub.local", "port": 7007, "priority": 10, "health_check_path": "/"},
            {"name": "prefect", "host": "portal.rocketclub.local", "port": 4200, "priority": 20, "health_check_path": "/"},
        ]},
        "alb_apps[1].host: 'portal.rocketclub.local' is already used by alb_apps[0]",
    ),
    "duplicate rule priority": (
        {"alb_apps": [
            {"name": "backstage", "host": "portal.rocketclub.local", "port": 7007, "priority": 10, "health_check_path": "/"},
            {"name": "prefect", "host": "pipelines.rocketclub.local", "port": 4200, "priority": 10, "health_check_path": "/"},
        ]},
        "alb_apps[1].priority: 10 is already used by alb_apps[0]",
    ),
    "non-HTTPS Kinde domain": (
        {"kinde_domain": "http://acme.kinde.com"},
        "kinde_domain: 'http://acme.kinde.com' is not HTTPS",
    ),
    "app port the ECS group does not admit": (
        {"alb_apps": [
            {"name": "backstage", "host": "portal.rocketclub.local", "port": 8080, "priority": 10, "health_check_path": "/"},
        ]},
        "alb_apps[0].port: 8080 is not one of network_app_ports [7007, 4200]",
    ),
    # Issue 4: the application tier.
    "Aurora minimum capacity above the maximum": (
        {"aurora_min_capacity": 8, "aurora_max_capacity": 2},
        "aurora_min_capacity: 8 ACU is above aurora_max_capacity 2 ACU",
    ),
    "image without a tag or digest": (
        {"ecs_service_images": {
            "backstage": "ghcr.io/rocketclub/backstage", "prefect": "prefecthq/prefect:3.4.11-python3.12",
            "prefect_deployer": "prefecthq/prefect:3.4.11-python3.12", "db_bootstrap": "postgres:16-alpine",
        }},
        "ecs_service_apps[0].image: 'ghcr.io/rocketclub/backstage' has no tag or digest",
    ),
    "a secret the secrets role does not define": (
        {"ecs_service_deployer": {
            "image": "prefecthq/prefect:3.4.11-python3.12", "cpu": 256, "memory": 512,
            "secrets": {"GITHUB_TOKEN": "local/github/pat/typo"},
        }},
        "ecs_service_deployer.secrets: secret 'local/github/pat/typo' is not defined by the secrets role",
    ),
    "container port not matching the target group": (
        {"alb_apps": [
            {"name": "backstage", "host": "portal.rocketclub.local", "port": 4200, "priority": 10, "health_check_path": "/"},
            {"name": "prefect", "host": "pipelines.rocketclub.local", "port": 4200, "priority": 20, "health_check_path": "/"},
        ]},
        "ecs_service_apps[0].port: 7007 does not match the target group port 4200 of alb_apps 'backstage'",
    ),
    # Issue 5: the edge.
    "an application host outside the Cloudflare zone": (
        {"cloudflare_zone": "example.org"},
        "alb_apps host 'portal.rocketclub.local' is not in the Cloudflare zone 'example.org'",
    ),
    # Issue 10: Universal SSL covers the zone and one label below it only.
    "a proxied host two labels below the Cloudflare zone": (
        {"alb_apps": [
            {"name": "backstage", "host": "portal.dev.rocketclub.local", "port": 7007, "priority": 10,
             "health_check_path": "/"},
            {"name": "prefect", "host": "pipelines.rocketclub.local", "port": 4200, "priority": 20,
             "health_check_path": "/"},
        ]},
        "alb_apps[0].host: 'portal.dev.rocketclub.local' is a proxied host 2 labels below the Cloudflare zone "
        "'rocketclub.local'; Universal SSL covers the zone and one label below it only, so Cloudflare's edge would "
        "fail TLS for it. Use a one-label host such as portal-dev.rocketclub.local, or set dns_advanced_certificate: "
        "true",
    ),
    "static and dynamic behaviour on one path": (
        {"cloudfront_static_paths": ["/api/*"]},
        "cloudfront_static_paths: '/api/*' is also in cloudfront_dynamic_paths",
    ),
}


@pytest.mark.parametrize("extra_vars, message", CASES.values(), ids=CASES.keys())
def test_bad_input_fails_before_any_api_call(platform, extra_vars, message):
    run = platform.playbook("playbooks/site.yml", "-e", json.dumps(extra_vars))
    assert run.rc != 0, run.output[-3000:]
    assert message in run.output, run.output[-3000:]
    # Semantic checks say so; argument-spec errors come from Ansible's own validation task.
    assert "nothing was changed" in run.output or "Validation of arguments failed" in run.output
    # Not a single AWS call reached the local cloud, let alone a write.
    assert run.calls == []


def test_missing_cloudflare_token_fails_before_any_api_call(platform):
    run = platform.playbook("playbooks/site.yml", "-e", json.dumps({"cloudflare_api_token": ""}), env_overrides={"CLOUDFLARE_API_TOKEN": None})
    assert run.rc != 0, run.output[-3000:]
    assert "cloudflare_api_token: not set and CLOUDFLARE_API_TOKEN is empty" in run.output, run.output[-3000:]
    assert run.calls == []
