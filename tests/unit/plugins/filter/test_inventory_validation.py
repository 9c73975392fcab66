# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of inventory_problems: the inventory's own values, checked before any API call."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.rocketclub.platform.plugins.filter.ecs_service import ecs_service_problems
from ansible_collections.rocketclub.platform.plugins.filter.secrets import secret_name_problems
from ansible_collections.rocketclub.platform.plugins.filter.validation import ALB_SSL_POLICIES
from ansible_collections.rocketclub.platform.plugins.filter.validation import AVAILABILITY_ZONES
from ansible_collections.rocketclub.platform.plugins.filter.validation import LISTS
from ansible_collections.rocketclub.platform.plugins.filter.validation import MAPPINGS
from ansible_collections.rocketclub.platform.plugins.filter.validation import RENAMED
from ansible_collections.rocketclub.platform.plugins.filter.validation import SCALARS
from ansible_collections.rocketclub.platform.plugins.filter.validation import inventory_problems
from ansible_collections.rocketclub.platform.plugins.filter.validation import platform_input_problems

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
IMAGES = {
    "backstage": "ghcr.io/rocketclub/backstage:1.0.0",
    "prefect": "prefecthq/prefect:3.4.11-python3.12",
    "prefect_deployer": "prefecthq/prefect:3.4.11-python3.12",
    "db_bootstrap": "public.ecr.aws/docker/library/postgres:16-alpine",
}
SIZES = {
    "backstage": {"cpu": 512, "memory": 1024, "desired": 1, "min": 1, "max": 2},
    "prefect": {"cpu": 512, "memory": 1024, "desired": 1, "min": 1, "max": 2},
}
# inventories/local with the roles' defaults, as playbooks/tasks/validate_inventory.yml hands them over.
GOOD = {
    "platform_env": "local",
    "platform_name": "rocketclub",
    "platform_region": "eu-west-2",
    "platform_domain": "rocketclub.local",
    "platform_tags": {"platform:owner": "platform-team"},
    "kinde_domain": "127.0.0.1:4568",
    "kinde_client_id": "localcloud-kinde-client",
    "kinde_client_secret_name": "local/kinde/client-secret",
    "cloudflare_zone": "rocketclub.local",
    "network_availability_zones": ["eu-west-2a", "eu-west-2b"],
    "network_db_port": 5432,
    "network_app_ports": [7007, 4200],
    "platform_apps": [
        {"name": "backstage", "host": "portal.rocketclub.local", "port": 7007, "priority": 10},
        {"name": "prefect", "host": "pipelines.rocketclub.local", "port": 4200, "priority": 20},
    ],
    "alb_ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "alb_idle_timeout": 60,
    "alb_kinde_scope": "openid profile email",
    "alb_kinde_session_timeout": 604800,
    "alb_kinde_session_cookie_name": "AWSELBAuthSessionCookie",
    "alb_certificate_arn": "",
    "alb_access_logs_bucket": "",
    "secrets_cf_alb_secret_length": 48,
    "ecs_service_cpu_target": 70,
    "ecs_service_images": IMAGES,
    "ecs_service_sizes": SIZES,
    "ecs_service_deployer": {"image": IMAGES["prefect_deployer"], "cpu": 256, "memory": 512},
    "aurora_min_capacity": 0.5,
    "aurora_max_capacity": 4,
    "aurora_engine_version": "",
    "aurora_cluster_identifier": "rocketclub-local",
    "cloudfront_static_min_ttl": 0,
    "cloudfront_static_default_ttl": 86400,
    "cloudfront_static_max_ttl": 31536000,
    "cloudfront_origin_read_timeout": 30,
    "park_aurora": None,
}


def test_good_inventory_has_no_problems():
    assert inventory_problems(GOOD) == []


def test_variables_a_playbook_does_not_use_are_not_checked():
    assert inventory_problems({name: None for name in GOOD}) == []


def test_real_ssl_policy_names_are_accepted():
    for policy in ALB_SSL_POLICIES:
        assert inventory_problems(dict(GOOD, alb_ssl_policy=policy)) == [], policy


def test_every_zone_of_the_table_is_accepted():
    for region, letters in AVAILABILITY_ZONES.items():
        zones = [f"{region}{letter}" for letter in letters]
        assert inventory_problems(dict(GOOD, platform_region=region, network_availability_zones=zones)) == [], region


def test_extra_zones_and_regions_extend_the_table():
    extra = {"eu-west-2": ["eu-west-2d"], "xx-test-1": ["xx-test-1a", "xx-test-1b"]}
    assert inventory_problems(dict(GOOD, network_availability_zones=["eu-west-2a", "eu-west-2d"]), extra) == []
    assert (
        inventory_problems(
            dict(GOOD, platform_region="xx-test-1", network_availability_zones=["xx-test-1a", "xx-test-1b"]), extra
        )
        == []
    )
    problems = inventory_problems(GOOD, "eu-west-2d")
    assert problems and problems[0].startswith("platform_extra_availability_zones: 'eu-west-2d' is a string")


def test_extra_ssl_policies_extend_the_list():
    policy = "ELBSecurityPolicy-TLS13-1-3-PQ-2027-01"
    assert inventory_problems(dict(GOOD, alb_ssl_policy=policy))
    assert inventory_problems(dict(GOOD, alb_ssl_policy=policy, alb_extra_ssl_policies=[policy])) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        pytest.param(
            {"platform_region": "eu-west-9"},
            "platform_region: 'eu-west-9' is not an AWS region this platform knows; expected a region code "
            "such as eu-west-1, eu-west-2, eu-west-3",
            id="unknown-region",
        ),
        pytest.param(
            {"network_availability_zones": ["eu-west-2a", "eu-west-2z"]},
            "network_availability_zones[1]: 'eu-west-2z' is not an availability zone of platform_region "
            "'eu-west-2'; expected one of eu-west-2a, eu-west-2b, eu-west-2c, e.g. eu-west-2a",
            id="unknown-zone",
        ),
        pytest.param(
            {"network_availability_zones": ["eu-west-2a", "eu-west-2-lhr-1a"]},
            "network_availability_zones[1]: 'eu-west-2-lhr-1a' is not an availability zone",
            id="local-zone",
        ),
        pytest.param({"platform_env": "qa"}, "platform_env: 'qa' is not one of local, dev, staging, prod", id="env"),
        pytest.param({"platform_name": "Rocket_Club"}, "platform_name: 'Rocket_Club' must be", id="name-chars"),
        pytest.param(
            {"platform_name": "rocketclubplatform"},
            "platform_apps[0].name: 'backstage' makes the target group name 'rocketclubplatform-local-backstage' "
            "34 characters long; ELB allows 32: shorten it or platform_name",
            id="target-group-too-long",
        ),
        pytest.param(
            {"platform_domain": ""},
            "platform_domain: empty; give a domain name, e.g. rocketclub.online",
            id="empty-domain",
        ),
        pytest.param(
            {"platform_domain": "localhost"}, "platform_domain: 'localhost' is not a domain name", id="one-label"
        ),
        pytest.param(
            {"cloudflare_zone": "-bad.example"}, "cloudflare_zone: '-bad.example' is not a domain name", id="zone"
        ),
        pytest.param(
            {"platform_tags": "owner=me"},
            "platform_tags: 'owner=me' is a string; a mapping is expected, e.g. platform_tags: ",
            id="tags-type",
        ),
        pytest.param({"platform_tags": {"aws:x": "y"}}, "platform_tags: key 'aws:x' must be", id="tag-aws-prefix"),
        pytest.param({"platform_tags": {"k": "v" * 257}}, "platform_tags.k: ", id="tag-value-length"),
        pytest.param({"kinde_client_id": ""}, "kinde_client_id: empty; give the Client ID", id="empty-client-id"),
        pytest.param({"kinde_client_id": "  "}, "kinde_client_id: empty", id="blank-client-id"),
        pytest.param(
            {"kinde_client_id": "a b"}, "kinde_client_id: 'a b' is not a Kinde client id", id="client-id-space"
        ),
        pytest.param({"kinde_domain": ""}, "kinde_domain: empty", id="empty-kinde-domain"),
        pytest.param(
            {"kinde_domain": "acme.kinde.com/x"}, "kinde_domain: 'acme.kinde.com/x' is not a host name", id="kinde-path"
        ),
        pytest.param({"kinde_domain": "acme.kinde.com:99999"}, "kinde_domain: 'acme.kinde.com:99999'", id="kinde-port"),
        pytest.param(
            {"kinde_client_secret_name": "kinde-client-secret"},
            "kinde_client_secret_name: 'kinde-client-secret' does not follow the Secrets Manager naming "
            "convention <env>/<service>/<thing>; e.g. kinde_client_secret_name: local/kinde/client-secret",
            id="flat-secret-name",
        ),
        pytest.param(
            {"kinde_client_secret_name": "dev/kinde/client-secret"},
            "kinde_client_secret_name: 'dev/kinde/client-secret' must start with 'local/'",
            id="other-env",
        ),
        pytest.param(
            {"kinde_client_secret_name": "local/kinde/client-secret-2pS4d3"},
            "kinde_client_secret_name: 'local/kinde/client-secret-2pS4d3' ends in '-2pS4d3'",
            id="arn-suffix",
        ),
        pytest.param(
            {"alb_ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2099-01"},
            "alb_ssl_policy: 'ELBSecurityPolicy-TLS13-1-2-2099-01' is not a predefined ALB security policy",
            id="ssl-policy",
        ),
        pytest.param(
            {"alb_ssl_policy": "elbsecuritypolicy-tls13-1-2-2021-06"}, "alb_ssl_policy: ", id="ssl-policy-case"
        ),
        pytest.param({"alb_idle_timeout": 0}, "alb_idle_timeout: 0 is outside 1-4000", id="idle-0"),
        pytest.param({"alb_idle_timeout": 4001}, "alb_idle_timeout: 4001 is outside 1-4000", id="idle-4001"),
        pytest.param({"alb_idle_timeout": "sixty"}, "alb_idle_timeout: 'sixty' is outside 1-4000", id="idle-text"),
        pytest.param({"alb_idle_timeout": 1.5}, "alb_idle_timeout: 1.5 is outside", id="idle-fraction"),
        pytest.param(
            {"alb_idle_timeout": [60]}, "alb_idle_timeout: [60] is a list; a single value is expected", id="idle-list"
        ),
        pytest.param(
            {"alb_kinde_session_timeout": 604801}, "alb_kinde_session_timeout: 604801 is outside 1-604800", id="session"
        ),
        pytest.param({"alb_kinde_scope": "email"}, "alb_kinde_scope: 'email' lacks 'openid'", id="scope"),
        pytest.param(
            {"alb_kinde_session_cookie_name": "my cookie"}, "alb_kinde_session_cookie_name: 'my cookie'", id="cookie"
        ),
        pytest.param(
            {"alb_certificate_arn": "arn:aws:acm:eu-west-2:123:certificate/x"},
            "alb_certificate_arn: 'arn:aws:acm:eu-west-2:123:certificate/x' is not an ACM certificate ARN",
            id="certificate-arn",
        ),
        pytest.param(
            {
                "alb_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/"
                "0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"
            },
            "is in us-east-1; an ALB only uses",
            id="certificate-region",
        ),
        pytest.param(
            {"alb_access_logs_bucket": "Logs"}, "alb_access_logs_bucket: 'Logs' is not an S3 bucket name", id="bucket"
        ),
        pytest.param(
            {"platform_apps": {"name": "backstage"}},
            "platform_apps: {'name': 'backstage'} is a mapping; a list",
            id="apps-type",
        ),
        pytest.param(
            {"platform_apps": ["backstage"]},
            "platform_apps[0]: 'backstage' is a string; a mapping is expected",
            id="app-type",
        ),
        pytest.param(
            {"platform_apps": [{"name": "Back_stage"}]}, "platform_apps[0].name: 'Back_stage' must be", id="app-name"
        ),
        pytest.param(
            {"secrets_cf_alb_secret_length": 129},
            "secrets_cf_alb_secret_length: 129 is outside 32-128",
            id="origin-secret-length",
        ),
        pytest.param(
            {"secrets_cf_alb_secret_length": 31},
            "secrets_cf_alb_secret_length: 31 is outside 32-128",
            id="origin-secret-too-short",
        ),
        pytest.param(
            {"platform_edge": "akamai"},
            "platform_edge: 'akamai' is not an edge topology; expected cloudfront",
            id="edge-unknown",
        ),
        pytest.param(
            {"platform_edge": "cloudflare", "network_alb_ingress": "cloudfront"},
            "network_alb_ingress: 'cloudfront' contradicts platform_edge: 'cloudflare'",
            id="edge-cloudflare-with-cloudfront-ingress",
        ),
        pytest.param(
            {"network_alb_ingress": "cloudflare"},
            "network_alb_ingress: 'cloudflare' contradicts platform_edge: 'cloudfront'",
            id="edge-cloudfront-with-cloudflare-ingress",
        ),
        pytest.param(
            {"platform_edge": "cloudflare", "cloudfront_web_acl_id": "arn:aws:wafv2:us-east-1:1:global/webacl/a/b"},
            "cloudfront_web_acl_id: 'arn:aws:wafv2:us-east-1:1:global/webacl/a/b' is a CloudFront setting, but "
            "platform_edge: cloudflare has no distribution",
            id="edge-cloudflare-with-waf",
        ),
        pytest.param(
            {"platform_edge": "cloudflare", "cloudfront_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/a"},
            "cloudfront_certificate_arn: 'arn:aws:acm:us-east-1:1:certificate/a' is a CloudFront setting",
            id="edge-cloudflare-with-viewer-certificate",
        ),
        pytest.param(
            {"platform_edge": "cloudflare", "dns_ssl_mode": "full"},
            "dns_ssl_mode: 'full' with platform_edge: cloudflare",
            id="edge-cloudflare-ssl-full",
        ),
        pytest.param({"network_db_port": 1149}, "network_db_port: 1149 is outside 1150-65535", id="db-port"),
        pytest.param(
            {"network_app_ports": 7007}, "network_app_ports: 7007 is a number; a list is expected", id="ports"
        ),
        pytest.param(
            {"ecs_service_cpu_target": 150},
            "ecs_service_cpu_target: 150 is not a CPU utilisation target; expected a percentage above 0 and "
            "at most 100, e.g. ecs_service_cpu_target: 70",
            id="cpu-target-150",
        ),
        pytest.param({"ecs_service_cpu_target": 0}, "ecs_service_cpu_target: 0 is not", id="cpu-target-0"),
        pytest.param({"ecs_service_cpu_target": True}, "ecs_service_cpu_target: True is not", id="cpu-target-bool"),
        pytest.param(
            {"ecs_service_sizes": "big"},
            "ecs_service_sizes: 'big' is a string; a mapping is expected, e.g. ecs_service_sizes: "
            "{backstage: {cpu: 512",
            id="sizes-string",
        ),
        pytest.param(
            {"ecs_service_sizes": {"backstage": SIZES["backstage"]}},
            "ecs_service_sizes.prefect: missing",
            id="sizes-missing-app",
        ),
        pytest.param(
            {"ecs_service_sizes": dict(SIZES, prefect="small")},
            "ecs_service_sizes.prefect: 'small' is a string; a mapping",
            id="size-string",
        ),
        pytest.param(
            {"ecs_service_sizes": dict(SIZES, prefect={"cpu": 256})},
            "ecs_service_sizes.prefect: memory, desired, min, max missing",
            id="size-keys",
        ),
        pytest.param(
            {"ecs_service_sizes": dict(SIZES, prefect=dict(SIZES["prefect"], memory=512))},
            "ecs_service_sizes.prefect.memory: 512 does not fit cpu 512 on Fargate (1024..4096 MiB in steps "
            "of 1024), e.g. memory: 1024",
            id="fargate-memory",
        ),
        pytest.param(
            {"ecs_service_sizes": dict(SIZES, prefect=dict(SIZES["prefect"], cpu=384))},
            "ecs_service_sizes.prefect.cpu: 384 is not a Fargate size",
            id="fargate-cpu",
        ),
        pytest.param(
            {"ecs_service_sizes": dict(SIZES, prefect=dict(SIZES["prefect"], min=3))},
            "ecs_service_sizes.prefect: need whole numbers 0 <= min <= desired <= max",
            id="counts",
        ),
        pytest.param(
            {"ecs_service_images": "latest"}, "ecs_service_images: 'latest' is a string; a mapping", id="images-string"
        ),
        pytest.param(
            {"ecs_service_images": dict(IMAGES, backstage="ghcr.io/rocketclub/backstage")},
            "ecs_service_images.backstage: 'ghcr.io/rocketclub/backstage' has no tag or digest",
            id="untagged",
        ),
        pytest.param(
            {"ecs_service_images": {k: v for k, v in IMAGES.items() if k != "db_bootstrap"}},
            "ecs_service_images.db_bootstrap: missing",
            id="image-missing",
        ),
        pytest.param(
            {"ecs_service_deployer": {"image": IMAGES["prefect"], "cpu": 256, "memory": 3072}},
            "ecs_service_deployer.memory: 3072 does not fit cpu 256",
            id="deployer-size",
        ),
        pytest.param(
            {"aurora_cluster_identifier": "a--b"}, "aurora_cluster_identifier: 'a--b' must be", id="cluster-id"
        ),
        pytest.param(
            {"aurora_min_capacity": 0, "aurora_engine_version": "16.2"},
            "aurora_min_capacity: 0 ACU (automatic pause) needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or "
            "later, but aurora_engine_version is '16.2'; use 0.5, or aurora_engine_version: \"16.3\"",
            id="zero-acu-old-minor",
        ),
        pytest.param(
            {"aurora_min_capacity": 0, "aurora_engine_version": "12.22"},
            "aurora_min_capacity: 0 ACU",
            id="zero-acu-old-major",
        ),
        pytest.param(
            {"cloudfront_static_default_ttl": -1},
            "cloudfront_static_default_ttl: -1 is outside 0-3153600000",
            id="negative-ttl",
        ),
        pytest.param(
            {"cloudfront_static_max_ttl": 3153600001},
            "cloudfront_static_max_ttl: 3153600001 is outside",
            id="ttl-above-100-years",
        ),
        pytest.param(
            {"cloudfront_origin_read_timeout": 181},
            "cloudfront_origin_read_timeout: 181 is outside 1-180",
            id="read-timeout",
        ),
        pytest.param(
            {"network_gateway_endpoints": ["s3", "ssm"]},
            "network_gateway_endpoints[1]: 'ssm' has no gateway",
            id="gateway-endpoint",
        ),
        pytest.param(
            {"network_alb_idp_egress_cidrs": ["10.0.0.1/8"]},
            "network_alb_idp_egress_cidrs[0]: '10.0.0.1/8'",
            id="egress-cidr",
        ),
        pytest.param({"network_app_ports": [7007, 70000]}, "network_app_ports[1]: 70000 is not a port", id="app-port"),
        pytest.param(
            {"alb_access_logs_prefix": "AWSLogs/alb"},
            "alb_access_logs_prefix: 'AWSLogs/alb' must not",
            id="logs-prefix",
        ),
        pytest.param(
            {"platform_apps": [{"name": "backstage", "health_check_path": "health"}]},
            "platform_apps[0].health_check_path: 'health' must start with '/'",
            id="health-path",
        ),
        pytest.param(
            {"park_aurora": "delete"},
            "park_aurora: 'delete' is not a park mode (the park playbook's aurora_park_mode); expected stop",
            id="park-aurora",
        ),
    ],
)
def test_bad_values_name_the_variable(change, expected):
    problems = inventory_problems(dict(GOOD, **change))
    assert any(problem.startswith(expected) or expected in problem for problem in problems), problems


@pytest.mark.parametrize("version", ["", "16", "16.3", "16.4", "15.7", "14.12", "13.15", "17.4"])
def test_zero_acu_on_versions_with_auto_pause(version):
    assert inventory_problems(dict(GOOD, aurora_min_capacity=0, aurora_engine_version=version)) == []


def test_a_type_problem_stops_the_other_checks_of_that_variable():
    problems = inventory_problems(dict(GOOD, ecs_service_sizes=["big"]))
    assert problems == [
        "ecs_service_sizes: ['big'] is a list; a mapping is expected, e.g. ecs_service_sizes: "
        "{backstage: {cpu: 512, memory: 1024, desired: 1, min: 1, max: 2}, prefect: {...}}"
    ]


def test_every_type_table_entry_is_in_the_task_file():
    """playbooks/tasks/validate_inventory.yml hands over every variable the filter has a rule for."""
    with open(os.path.join(REPO, "playbooks", "tasks", "validate_inventory.yml"), encoding="utf-8") as handle:
        task = handle.read()
    handed = set(re.findall(r"^      ([a-z0-9_]+): \"\{\{ \1 \| default\(none\) \}\}\"$", task, re.M))
    wanted = (set(SCALARS) | set(MAPPINGS) | set(LISTS) | set(RENAMED)) - {"platform_extra_availability_zones"}
    assert wanted == handed
    assert set(PLATFORM_INPUTS) <= handed


def test_docs_list_every_region_and_policy():
    with open(os.path.join(REPO, "docs", "inputs.md"), encoding="utf-8") as handle:
        docs = handle.read()
    for region in AVAILABILITY_ZONES:
        assert f"| `{region}` |" in docs, region
    for policy in ALB_SSL_POLICIES:
        assert f"| `{policy}` |" in docs, policy


def test_secret_problems_name_the_variable_the_operator_set():
    problems = secret_name_problems(
        [{"name": "a/b"}, {"name": "kinde-secret"}],
        "local",
        "secrets_manager_entries",
        variables={"kinde-secret": "kinde_client_secret_name"},
    )
    assert problems[1].startswith("kinde_client_secret_name (secrets_manager_entries[1].name): 'kinde-secret'")


def test_ecs_service_problems_name_sizes_and_images():
    apps = [
        {
            "name": "backstage",
            "image": "ghcr.io/rocketclub/backstage",
            "port": 7007,
            "size": {"cpu": 256, "memory": 4096, "desired": 1, "min": 1, "max": 2},
        }
    ]
    sizes = {"backstage": apps[0]["size"]}
    images = {"backstage": apps[0]["image"], "prefect_deployer": "prefecthq/prefect"}
    one_offs = [
        {
            "name": "prefect-deployer",
            "var": "ecs_service_deployer",
            "spec": {"image": "prefecthq/prefect", "cpu": 256, "memory": 512},
        }
    ]
    problems = ecs_service_problems(
        apps, one_offs, [{"name": "backstage", "port": 7007}], [], sizes=sizes, images=images
    )
    assert any(
        p.startswith("ecs_service_images.backstage: 'ghcr.io/rocketclub/backstage' has no tag") for p in problems
    )
    assert any(p.startswith("ecs_service_sizes.backstage.memory: 4096 does not fit cpu 256") for p in problems)
    assert any(p.startswith("ecs_service_images.prefect_deployer: 'prefecthq/prefect' has no tag") for p in problems)
    # A service with its own size and image keeps the ecs_service_apps label.
    problems = ecs_service_problems(apps, [], [{"name": "backstage", "port": 7007}], [], sizes={}, images={})
    assert any(p.startswith("ecs_service_apps[0].image:") for p in problems)
    assert any(p.startswith("ecs_service_apps[0].memory:") for p in problems)


PLATFORM_INPUTS = {
    "platform_env": "dev",
    "platform_name": "rocketclub",
    "platform_region": "eu-west-2",
    "platform_domain": "rocketclub.online",
    "platform_apps": [{"name": "backstage", "host": "portal.rocketclub.online", "port": 7007, "priority": 10}],
    "alb_apps": None,
}


def test_the_platform_inputs_are_declared_once_in_the_inventory():
    assert platform_input_problems(PLATFORM_INPUTS) == []


@pytest.mark.parametrize(
    "var", ["platform_env", "platform_name", "platform_region", "platform_domain", "platform_apps"]
)
def test_a_missing_platform_input_is_named(var):
    problems = platform_input_problems(dict(PLATFORM_INPUTS, **{var: None}))
    assert len(problems) == 1 and problems[0].startswith(f"{var}: missing; every inventory declares it"), problems


def test_the_old_name_of_the_applications_is_refused():
    apps = PLATFORM_INPUTS["platform_apps"]
    assert platform_input_problems(dict(PLATFORM_INPUTS, alb_apps=apps)) == [
        "alb_apps: was renamed platform_apps (a platform input every role reads, not only the alb role); rename it in "
        "the inventory"
    ]


@pytest.mark.parametrize("version", ["16.x", "v16", "16.", "latest"])
def test_engine_version_format_is_checked_once_before_any_role(version):
    problems = inventory_problems(dict(GOOD, aurora_engine_version=version))
    assert problems == [
        f'aurora_engine_version: {version!r} is not an engine version: write it quoted, such as "16.4" (the floor '
        'the cluster is kept at) or "16" (any 16.x)'
    ]


@pytest.mark.parametrize("version", ["", "16", "16.4", "11.9.limitless_pg.1"])
def test_engine_versions_aurora_takes_pass(version):
    assert inventory_problems(dict(GOOD, aurora_engine_version=version)) == []
