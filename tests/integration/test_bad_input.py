# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invalid inventory values stop every playbook before any API call, naming the variable the operator set.

Table-driven: each row of CASES is one operator mistake (the variables set, the playbook run, and a
fragment of the message, which names the variable). The whole table runs twice, on an empty account and
on a converged one (one real converge for the module). It is cheap: the rows run as the hosts of a few
concurrent ansible-playbook processes (one playbook each), each host carrying its row's variables as
inventory host vars on top of inventories/local. Ansible runs each host through the play on its own and a
failure stops only that host, so every host is one independent operator run. Each must fail in a
validation task with its message, every process must exit non-zero, and the AWS, Cloudflare and Kinde
request logs must stay empty for the whole batch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

IMAGES = {
    "backstage": "ghcr.io/rocketclub/backstage:1.0.0",
    "prefect": "prefecthq/prefect:3.4.11-python3.12",
    "prefect_deployer": "prefecthq/prefect:3.4.11-python3.12",
    "db_bootstrap": "public.ecr.aws/docker/library/postgres:16-alpine",
}
CERTIFICATE = "arn:aws:acm:{region}:123456789012:certificate/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f"
SIZES = {
    "backstage": {"cpu": 512, "memory": 1024, "desired": 1, "min": 1, "max": 3},
    "prefect": {"cpu": 256, "memory": 512, "desired": 1, "min": 1, "max": 2},
}


def _apps(**changes):
    """inventories/local's platform_apps with changes per application name ({name: {key: value}})."""
    apps = [
        {
            "name": "backstage",
            "host": "portal.rocketclub.local",
            "port": 7007,
            "priority": 10,
            "health_check_path": "/",
        },
        {
            "name": "prefect",
            "host": "pipelines.rocketclub.local",
            "port": 4200,
            "priority": 20,
            "health_check_path": "/",
        },
    ]
    return [dict(app, **changes.get(app["name"], {})) for app in apps]


def _size(app, **changes):
    return {**SIZES, app: dict(SIZES[app], **changes)}


SITE = "playbooks/site.yml"
PARK = "playbooks/park.yml"
UNPARK = "playbooks/unpark.yml"
ROTATE = "playbooks/rotate_kinde.yml"

# id: (playbook, variables, fragment of the message). The first rows are the misses of issue 11.
CASES = {
    # -- issue 11 ------------------------------------------------------------------------------------
    "zone not in the region": (
        SITE,
        {"network_availability_zones": ["eu-west-2a", "eu-west-2z"]},
        "network_availability_zones[1]: 'eu-west-2z' is not an availability zone of platform_region 'eu-west-2'",
    ),
    "unknown region": (SITE, {"platform_region": "eu-west-9"}, "platform_region: 'eu-west-9' is not an AWS region"),
    "empty Kinde client id": (SITE, {"kinde_client_id": ""}, "kinde_client_id: empty"),
    "unknown ALB SSL policy": (
        SITE,
        {"alb_ssl_policy": "ELBSecurityPolicy-TLS13-9-9-2099-01"},
        "alb_ssl_policy: 'ELBSecurityPolicy-TLS13-9-9-2099-01' is not a predefined ALB security policy",
    ),
    "ALB idle timeout 0": (SITE, {"alb_idle_timeout": 0}, "alb_idle_timeout: 0 is outside 1-4000"),
    "CPU target 150": (
        SITE,
        {"ecs_service_cpu_target": 150},
        "ecs_service_cpu_target: 150 is not a CPU utilisation target",
    ),
    "sizes given as a string": (
        SITE,
        {"ecs_service_sizes": "big"},
        "ecs_service_sizes: 'big' is a string; a mapping is expected",
    ),
    "park_aurora delete": (
        PARK,
        {"park_aurora": "delete"},
        "park_aurora: 'delete' is not a park mode (the park playbook's aurora_park_mode)",
    ),
    "flat Kinde secret name": (
        SITE,
        {"kinde_client_secret_name": "kinde-client-secret"},
        "kinde_client_secret_name: 'kinde-client-secret' does not follow the Secrets Manager naming convention",
    ),
    "empty platform domain": (SITE, {"platform_domain": ""}, "platform_domain: empty"),
    "Fargate memory not fitting the cpu": (
        SITE,
        {"ecs_service_sizes": _size("backstage", cpu=256, memory=4096)},
        "ecs_service_sizes.backstage.memory: 4096 does not fit cpu 256 on Fargate",
    ),
    "Fargate cpu that does not exist": (
        SITE,
        {"ecs_service_sizes": _size("prefect", cpu=300)},
        "ecs_service_sizes.prefect.cpu: 300 is not a Fargate size",
    ),
    "image without a tag": (
        SITE,
        {"ecs_service_images": dict(IMAGES, backstage="ghcr.io/rocketclub/backstage")},
        "ecs_service_images.backstage: 'ghcr.io/rocketclub/backstage' has no tag or digest",
    ),
    "negative static TTL": (
        SITE,
        {"cloudfront_static_default_ttl": -1},
        "cloudfront_static_default_ttl: -1 is outside 0-3153600000",
    ),
    # -- network ---------------------------------------------------------------------------------------
    "malformed CIDR": (
        SITE,
        {"network_vpc_cidr": "10.60.0.0/33"},
        "network_vpc_cidr: '10.60.0.0/33' is not a valid IPv4 CIDR",
    ),
    "overlapping CIDRs": (
        SITE,
        {"network_private_data_subnet_cidrs": ["10.60.20.0/24", "10.60.10.0/23"]},
        "network_private_data_subnet_cidrs[1]: 10.60.10.0/23 overlaps network_private_app_subnet_cidrs[0]",
    ),
    "subnet outside the VPC": (
        SITE,
        {"network_public_subnet_cidrs": ["10.60.0.0/24", "10.99.1.0/24"]},
        "network_public_subnet_cidrs[1]: 10.99.1.0/24 is outside network_vpc_cidr 10.60.0.0/16",
    ),
    "one availability zone": (
        SITE,
        {
            "network_availability_zones": ["eu-west-2a"],
            "network_public_subnet_cidrs": ["10.60.0.0/24"],
            "network_private_app_subnet_cidrs": ["10.60.10.0/24"],
            "network_private_data_subnet_cidrs": ["10.60.20.0/24"],
        },
        "network_availability_zones: 1 distinct zone(s) given; at least two are required",
    ),
    "zones of another region": (
        SITE,
        {"network_availability_zones": ["us-east-1a", "us-east-1b"]},
        "network_availability_zones[0]: 'us-east-1a' is not an availability zone of platform_region 'eu-west-2'",
    ),
    "zones given as a string": (
        SITE,
        {"network_availability_zones": "eu-west-2a,eu-west-2b"},
        "network_availability_zones: 'eu-west-2a,eu-west-2b' is a string; a list is expected",
    ),
    "unknown NAT mode": (SITE, {"network_nat_mode": "double"}, "network_nat_mode"),
    "database port AWS refuses": (SITE, {"network_db_port": 80}, "network_db_port: 80 is outside 1150-65535"),
    "app ports given as a string": (
        SITE,
        {"network_app_ports": "7007"},
        "network_app_ports: '7007' is a string; a list",
    ),
    "an interface-only service as a gateway endpoint": (
        SITE,
        {"network_gateway_endpoints": ["s3", "secretsmanager"]},
        "network_gateway_endpoints[1]: 'secretsmanager' has no gateway endpoint",
    ),
    "health check path without a slash": (
        SITE,
        {"platform_apps": _apps(prefect={"health_check_path": "api/health"})},
        "platform_apps[1].health_check_path: 'api/health' must start with '/'",
    ),
    # -- platform and secrets ----------------------------------------------------------------------------
    "unknown environment": (SITE, {"platform_env": "qa"}, "platform_env: 'qa' is not one of local, dev, staging, prod"),
    "platform name in capitals": (SITE, {"platform_name": "RocketClub"}, "platform_name: 'RocketClub' must be"),
    "platform name too long for a target group": (
        SITE,
        {"platform_name": "rocketclubplatform"},
        "target group name 'rocketclubplatform-local-backstage'",
    ),
    "tags given as a string": (SITE, {"platform_tags": "owner=me"}, "platform_tags: 'owner=me' is a string; a mapping"),
    "reserved tag prefix": (SITE, {"platform_tags": {"aws:owner": "me"}}, "platform_tags: key 'aws:owner'"),
    "secret of another environment": (
        SITE,
        {"kinde_client_secret_name": "prod/kinde/client-secret"},
        "kinde_client_secret_name: 'prod/kinde/client-secret' must start with 'local/'",
    ),
    "secret name with an ARN suffix": (
        SITE,
        {"kinde_client_secret_name": "local/kinde/client-secret-2pS4d3"},
        "kinde_client_secret_name: 'local/kinde/client-secret-2pS4d3' ends in '-2pS4d3'",
    ),
    "origin secret too long for an ALB condition": (
        SITE,
        {"secrets_cf_alb_secret_length": 200},
        "secrets_cf_alb_secret_length: 200 is outside 32-128",
    ),
    "origin secret shorter than 32 characters": (
        SITE,
        {"secrets_cf_alb_secret_length": 24},
        "secrets_cf_alb_secret_length: 24 is outside 32-128",
    ),
    # -- The edge topology ---------------------------------------------------------------------------
    "cloudflare topology with a CloudFront viewer certificate": (
        SITE,
        {"platform_edge": "cloudflare", "cloudfront_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/a"},
        "cloudfront_certificate_arn: 'arn:aws:acm:us-east-1:1:certificate/a' is a CloudFront setting, but "
        "platform_edge: cloudflare has no distribution",
    ),
    "cloudfront topology with Cloudflare's ranges on the ALB": (
        SITE,
        {"network_alb_ingress": "cloudflare"},
        "network_alb_ingress: 'cloudflare' contradicts platform_edge: 'cloudfront'",
    ),
    "unknown restore mode": (
        SITE,
        {"secrets_database_restore_mode_initial": "latest"},
        "secrets_database_restore_mode_initial",
    ),
    # -- Kinde and the ALB ---------------------------------------------------------------------------
    "Kinde client id with a space": (
        SITE,
        {"kinde_client_id": "my client"},
        "kinde_client_id: 'my client' is not a Kinde client id",
    ),
    "empty Kinde domain": (SITE, {"kinde_domain": ""}, "kinde_domain: empty"),
    "Kinde domain with a path": (
        SITE,
        {"kinde_domain": "acme.kinde.com/oauth2"},
        "kinde_domain: 'acme.kinde.com/oauth2' is not a host name",
    ),
    "non-HTTPS Kinde domain": (
        SITE,
        {"kinde_domain": "http://acme.kinde.com"},
        "kinde_domain: 'http://acme.kinde.com' is not HTTPS",
    ),
    "scope without openid": (
        SITE,
        {"alb_kinde_scope": "profile email"},
        "alb_kinde_scope: 'profile email' lacks 'openid'",
    ),
    "session longer than 7 days": (
        SITE,
        {"alb_kinde_session_timeout": 700000},
        "alb_kinde_session_timeout: 700000 is outside 1-604800",
    ),
    "ALB idle timeout above 4000": (SITE, {"alb_idle_timeout": 4001}, "alb_idle_timeout: 4001 is outside 1-4000"),
    "ALB certificate of another region": (
        SITE,
        {"alb_certificate_arn": CERTIFICATE.format(region="us-east-1")},
        f"alb_certificate_arn: '{CERTIFICATE.format(region='us-east-1')}' is in us-east-1",
    ),
    "access logs bucket AWS refuses": (
        SITE,
        {"alb_access_logs_bucket": "My_Logs"},
        "alb_access_logs_bucket: 'My_Logs' is not an S3 bucket name",
    ),
    "origin header with a space": (
        SITE,
        {"alb_origin_header_name": "X Origin"},
        "alb_origin_header_name: 'X Origin' is not a plain header name",
    ),
    "ALB apps given as a mapping": (
        SITE,
        {"platform_apps": {"name": "backstage"}},
        "platform_apps: {'name': 'backstage'} is a mapping",
    ),
    "duplicate ALB host": (
        SITE,
        {"platform_apps": _apps(prefect={"host": "portal.rocketclub.local"})},
        "platform_apps[1].host: 'portal.rocketclub.local' is already used by platform_apps[0]",
    ),
    "duplicate rule priority": (
        SITE,
        {"platform_apps": _apps(prefect={"priority": 10})},
        "platform_apps[1].priority: 10 is already used by platform_apps[0]",
    ),
    "app port the ECS group does not admit": (
        SITE,
        {"platform_apps": _apps(backstage={"port": 8080})},
        "platform_apps[0].port: 8080 is not one of network_app_ports [7007, 4200]",
    ),
    "app name with an underscore": (
        SITE,
        {"platform_apps": _apps(prefect={"name": "pre_fect"})},
        "platform_apps[1].name: 'pre_fect' must be lower-case letters",
    ),
    # -- ECS -----------------------------------------------------------------------------------------------
    "CPU target 0": (SITE, {"ecs_service_cpu_target": 0}, "ecs_service_cpu_target: 0 is not a CPU utilisation target"),
    "images given as a string": (
        SITE,
        {"ecs_service_images": "latest"},
        "ecs_service_images: 'latest' is a string; a mapping",
    ),
    "an image missing": (
        SITE,
        {"ecs_service_images": {k: v for k, v in IMAGES.items() if k != "prefect"}},
        "ecs_service_images.prefect: missing",
    ),
    "min above max": (
        SITE,
        {"ecs_service_sizes": _size("prefect", min=3, desired=3, max=2)},
        "ecs_service_sizes.prefect: need whole numbers 0 <= min <= desired <= max",
    ),
    "deployer size not fitting": (
        SITE,
        {"ecs_service_deployer": {"image": IMAGES["prefect_deployer"], "cpu": 256, "memory": 4096}},
        "ecs_service_deployer.memory: 4096 does not fit cpu 256 on Fargate",
    ),
    "a secret the secrets role does not define": (
        SITE,
        {
            "ecs_service_deployer": {
                "image": IMAGES["prefect_deployer"],
                "cpu": 256,
                "memory": 512,
                "secrets": {"GITHUB_TOKEN": "local/github/pat/typo"},
            }
        },
        "ecs_service_deployer.secrets: secret 'local/github/pat/typo' is not defined by the secrets role",
    ),
    "container port not matching the target group": (
        SITE,
        {"platform_apps": _apps(backstage={"port": 4200})},
        "ecs_service_apps[0].port: 7007 does not match the target group port 4200 of platform_apps 'backstage'",
    ),
    "log retention CloudWatch refuses": (SITE, {"ecs_service_log_retention_days": 8}, "ecs_service_log_retention_days"),
    # -- Aurora ------------------------------------------------------------------------------------------
    "Aurora minimum capacity above the maximum": (
        SITE,
        {"aurora_min_capacity": 8, "aurora_max_capacity": 2},
        "aurora_min_capacity: 8 ACU is above aurora_max_capacity 2 ACU",
    ),
    "Aurora capacity above 256 ACU": (
        SITE,
        {"aurora_max_capacity": 512},
        "aurora_max_capacity: 512 is not a Serverless v2 capacity",
    ),
    "0 ACU on a version without auto-pause": (
        SITE,
        {"aurora_min_capacity": 0, "aurora_engine_version": "15.4"},
        "aurora_min_capacity: 0 ACU (automatic pause) needs Aurora PostgreSQL",
    ),
    "16 readers": (SITE, {"aurora_reader_count": 16}, "aurora_reader_count: 16 must be a whole number from 0 to 15"),
    "no backup retention": (
        SITE,
        {"aurora_backup_retention_days": 0},
        "aurora_backup_retention_days: 0 must be a whole number",
    ),
    "cluster identifier RDS refuses": (
        SITE,
        {"aurora_cluster_identifier": "1bad--id"},
        "aurora_cluster_identifier: '1bad--id'",
    ),
    "instance class without db.": (
        SITE,
        {"aurora_instance_class": "r6g.large"},
        "aurora_instance_class: 'r6g.large' is not",
    ),
    "databases given as a string": (
        SITE,
        {"aurora_databases": "backstage"},
        "aurora_databases: 'backstage' is a string; a list",
    ),
    # -- CloudFront and Cloudflare ---------------------------------------------------------------------
    "static and dynamic behaviour on one path": (
        SITE,
        {"cloudfront_static_paths": ["/api/*"]},
        "cloudfront_static_paths: '/api/*' is also in cloudfront_dynamic_paths",
    ),
    "minimum TTL above the default": (
        SITE,
        {"cloudfront_static_min_ttl": 100, "cloudfront_static_default_ttl": 50},
        "cloudfront_static_min_ttl <=",
    ),
    "TTL above 100 years": (
        SITE,
        {"cloudfront_static_max_ttl": 4000000000},
        "cloudfront_static_max_ttl: 4000000000 is outside 0-3153600000",
    ),
    "origin read timeout 0": (
        SITE,
        {"cloudfront_origin_read_timeout": 0},
        "cloudfront_origin_read_timeout: 0 is outside 1-180",
    ),
    "CloudFront certificate outside us-east-1": (
        SITE,
        {"cloudfront_certificate_arn": CERTIFICATE.format(region="eu-west-2")},
        "cloudfront_certificate_arn: 'arn:aws:acm:eu-west-2:",
    ),
    "viewer TLS 1.0": (SITE, {"cloudfront_minimum_protocol_version": "TLSv1"}, "cloudfront_minimum_protocol_version"),
    "an application host outside the Cloudflare zone": (
        SITE,
        {"cloudflare_zone": "example.org"},
        "is not in the Cloudflare zone 'example.org' (dns_zone / cloudflare_zone)",
    ),
    "empty Cloudflare zone": (SITE, {"cloudflare_zone": ""}, "cloudflare_zone: empty"),
    "a proxied host two labels below the Cloudflare zone": (
        SITE,
        {"platform_apps": _apps(backstage={"host": "portal.dev.rocketclub.local"})},
        "platform_apps[0].host: 'portal.dev.rocketclub.local' is a proxied host 2 labels below the Cloudflare zone",
    ),
    "flexible SSL mode": (SITE, {"dns_ssl_mode": "flexible"}, "dns_ssl_mode: 'flexible' is not one of full, strict"),
    "no Cloudflare token": (
        SITE,
        {"cloudflare_api_token": ""},
        "cloudflare_api_token: not set and CLOUDFLARE_API_TOKEN is empty",
    ),
    # -- S3 ---------------------------------------------------------------------------------------------
    "layers without design-files": (
        SITE,
        {"s3_data_layers": ["raw", "clean"]},
        "s3_data_layers: design-files is missing",
    ),
    "bucket suffix S3 refuses": (
        SITE,
        {"s3_data_bucket_suffix": "_UPPER"},
        "s3_data_bucket_prefix / s3_data_bucket_suffix",
    ),
    # -- the runbooks ---------------------------------------------------------------------------------
    "park: empty park_aurora": (PARK, {"park_aurora": ""}, "park_aurora: '' is not a park mode"),
    "park: unknown region": (
        PARK,
        {"platform_region": "eu-west-9"},
        "platform_region: 'eu-west-9' is not an AWS region",
    ),
    "unpark: zone not in the region": (
        UNPARK,
        {"network_availability_zones": ["eu-west-2a", "eu-west-2z"]},
        "network_availability_zones[1]: 'eu-west-2z'",
    ),
    "unpark: CPU target 150": (UNPARK, {"ecs_service_cpu_target": 150}, "ecs_service_cpu_target: 150"),
    "rotate_kinde: flat Kinde secret name": (
        ROTATE,
        {"kinde_client_secret_name": "kinde-client-secret"},
        "kinde_client_secret_name: 'kinde-client-secret'",
    ),
    "rotate_kinde: secret name with an ARN suffix": (
        ROTATE,
        {"kinde_client_secret_name": "local/kinde/client-secret-2pS4d3"},
        "kinde_client_secret_name: 'local/kinde",
    ),
    "rotate_kinde: empty Kinde client id": (ROTATE, {"kinde_client_id": ""}, "kinde_client_id: empty"),
}
# Validation tasks: ours ("Validate ...") and Ansible's argument-spec check of each role's validate entry point.
VALIDATION_TASKS = ("Validate ", "Validating arguments against arg spec")


# Rows per ansible-playbook process, and processes at once: the controller's own loop is the bottleneck of
# a many-host run, so a few smaller processes use both cores of a small CI machine.
CHUNK = 20
WORKERS = 3


def _run_chunk(platform, inventory, playbook):
    """One ansible-playbook process (JSON results); return (rc, output). The request logs are not touched."""
    env = dict(platform.env)
    env.pop("CLOUDFLARE_API_TOKEN", None)  # a row sets no token at all; the others get it from the inventory
    env.update(
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
        PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        playbook,
        "-i",
        str(inventory),
        "--forks",
        "6",
        "-e",
        "kinde_new_client_secret=not-used-validation-fails-first",
    ]
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _failures(output, what):
    """{host: (name of the first task it failed in, message)} from the JSON callback's document."""
    start = output.find("{")
    document = json.JSONDecoder().raw_decode(output[start:])[0] if start >= 0 else {}
    assert "plays" in document, f"{what}: no JSON results\n{output[-3000:]}"
    failures = {}
    for play in document["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") and host not in failures:
                    failures[host] = (task["task"]["name"], str(result.get("msg", "")))
    return failures


def run_batch(platform, tmp_path, cases):
    """Run every row, as the hosts of a few concurrent ansible-playbook processes (one playbook each).

    Returns ({case id: (failed task name, message) or None}, {chunk: rc}, AWS, Cloudflare and Kinde calls of
    the whole batch)."""
    rows = {}
    for case_id, (playbook, variables, _fragment) in cases.items():
        rows.setdefault(playbook, []).append((case_id, variables))
    chunks = []
    for playbook, cases in rows.items():
        for first in range(0, len(cases), CHUNK):
            inventory = tmp_path / f"{os.path.basename(playbook)[:-4]}-{first}"
            shutil.copytree(os.path.join(REPO, "inventories", "local", "group_vars"), inventory / "group_vars")
            hosts = {
                f"case{index:02d}": dict(
                    variables, ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}"
                )
                for index, (dummy, variables) in enumerate(cases[first : first + CHUNK])
            }
            (inventory / "hosts.json").write_text(json.dumps({"all": {"children": {"platform": {"hosts": hosts}}}}))
            chunks.append((playbook, inventory, cases[first : first + CHUNK]))
    platform.cloud.clear_requests()
    platform.cloud.clear_cloudflare_requests()
    kinde_before = len(platform.cloud.kinde_requests())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda chunk: _run_chunk(platform, chunk[1], chunk[0]), chunks))
    calls = (
        platform.cloud.requests(),
        platform.cloud.cloudflare_requests(),
        platform.cloud.kinde_requests()[kinde_before:],
    )
    outcome, codes = {}, {}
    for (_playbook, inventory, cases), (rc, output) in zip(chunks, results):
        codes[inventory.name] = rc
        failures = _failures(output, inventory.name)
        for index, (case_id, dummy) in enumerate(cases):
            outcome[case_id] = failures.get(f"case{index:02d}")
    return outcome, codes, calls


def assert_all_refused(platform, tmp_path, cases=None):
    """Every row (of ``cases``, default all) fails in a validation task, naming its variable; not one AWS,
    Cloudflare or Kinde call."""
    cases = CASES if cases is None else cases
    started = time.monotonic()
    outcome, codes, (aws_calls, cloudflare_calls, kinde_calls) = run_batch(platform, tmp_path, cases)
    print(f"{len(cases)} rows in {len(codes)} processes: {time.monotonic() - started:.1f} s")
    assert aws_calls == [], f"AWS calls: {aws_calls[:10]}"
    assert cloudflare_calls == [], f"Cloudflare calls: {cloudflare_calls[:10]}"
    assert kinde_calls == [], f"Kinde calls: {kinde_calls[:10]}"
    assert all(rc != 0 for rc in codes.values()), codes
    wrong = []
    for case_id, (_playbook, variables, fragment) in cases.items():
        failure = outcome[case_id]
        if failure is None:
            wrong.append(f"{case_id}: did not fail")
        elif not failure[0].split(" : ")[-1].startswith(VALIDATION_TASKS):
            wrong.append(f"{case_id}: failed in {failure[0]!r}, not in a validation task: {failure[1][:300]}")
        elif fragment not in failure[1]:
            wrong.append(f"{case_id}: message lacks {fragment!r}: {failure[1][:600]}")
        elif not any(name in failure[1] for name in variables):
            wrong.append(f"{case_id}: message names none of {sorted(variables)}: {failure[1][:600]}")
    assert not wrong, "\n".join(wrong)


def test_the_table_is_large_enough():
    assert len(CASES) >= 50
    # Every playbook that takes inventory values validates them.
    assert {playbook for playbook, dummy, dummy_fragment in CASES.values()} == {SITE, PARK, UNPARK, ROTATE}


@pytest.fixture(scope="module")
def converged(platform):
    """A converged inventories/local (shared with the other files that leave it converged)."""
    return platform.converged()


# Validation reads nothing, so the state of the account cannot change its outcome; on a converged account a third
# of the table (every third row, and every row of the runbooks other than site.yml, which act on what exists)
# shows that nothing there is read before the inputs are checked either. The whole table runs on the empty account.
CONVERGED_CASES = {
    case_id: case for index, (case_id, case) in enumerate(CASES.items()) if index % 3 == 0 or case[0] != SITE
}


def test_bad_input_on_a_converged_account(platform, converged, tmp_path):
    assert_all_refused(platform, tmp_path, CONVERGED_CASES)


# After the converged account: emptying it first would cost the shared converge (Platform.converged()) its reuse.
def test_bad_input_on_an_empty_account(platform, tmp_path):
    platform.fresh_account()
    assert_all_refused(platform, tmp_path)
