# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the application-tier data-shaping filters, fed with the roles' own defaults."""

from __future__ import annotations

import copy
import functools
import pathlib

import pytest
import yaml
from ansible.template import Templar
from ansible.template import trust_as_template

from ansible_collections.rocketclub.platform.plugins.filter import ecs_service
from ansible_collections.rocketclub.platform.plugins.filter import s3_data

REPO = pathlib.Path(__file__).resolve().parents[4]
# The inventory variables the role defaults are templated with (inventories/local).
PLATFORM = {
    "platform_name": "rc",
    "platform_env": "local",
    "platform_region": "eu-west-2",
    "platform_domain": "rocketclub.local",
    "kinde_client_secret_name": "local/kinde/client-secret",
    # The applications and their hosts, a platform input every inventory declares.
    "platform_apps": yaml.safe_load(
        (REPO / "inventories" / "local" / "group_vars" / "all" / "platform.yml").read_text(encoding="utf-8")
    )["platform_apps"],
}
ACCOUNT = "123456789012"
# The file lookup needs Ansible's plugin loader; the script text does not matter to the filters.
_BOOTSTRAP_LOOKUP = "lookup('ansible.builtin.file', 'db_bootstrap.sh')"


def _trusted(data):
    """Role YAML as Ansible loads it: every string may be a template."""
    if isinstance(data, dict):
        return {key: _trusted(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_trusted(value) for value in data]
    return trust_as_template(data) if isinstance(data, str) else data


def _role_file(role, kind):
    path = REPO / "roles" / role / kind / "main.yml"
    if not path.exists():
        return {}
    return _trusted(yaml.safe_load(path.read_text(encoding="utf-8").replace(_BOOTSTRAP_LOOKUP, "'#!/bin/sh'")))


@functools.lru_cache(maxsize=None)
def _role_variables():
    # The platform-level variables every runbook loads (vars_files), then the roles' defaults and vars.
    variables = _trusted(yaml.safe_load((REPO / "playbooks" / "vars" / "platform.yml").read_text(encoding="utf-8")))
    for role in ("secrets", "alb", "aurora", "s3_data", "ecs_service"):
        variables.update(_role_file(role, "defaults"))
        variables.update(_role_file(role, "vars"))
    return variables


def role_inputs(**overrides):
    """Render role variables as the roles see them: their defaults and vars, the local inventory,
    plus ``overrides`` (the facts earlier roles published, or changed inputs)."""
    variables = {**_role_variables(), **PLATFORM, **overrides}
    templar = Templar(variables=variables)
    return lambda name: copy.deepcopy(templar.template(variables[name]))


def _arn(service, resource):
    return f"arn:aws:{service}:eu-west-2:{ACCOUNT}:{resource}"


BUCKETS = {layer: f"rc-local-blog-data-{layer}" for layer in ("raw", "clean", "cache", "design-files")}
# What the network, alb, secrets, s3_data, iam and aurora roles published before ecs_service runs.
# Some ARNs are deliberately missing: a name stands in for a secret, None for a role.
FACTS = {
    "platform_network": {
        "subnet_ids": {"private_app": ["subnet-a", "subnet-b"]},
        "security_group_ids": {"ecs": "sg-ecs"},
    },
    "platform_alb": {
        "target_group_arns": {
            "backstage": _arn("elasticloadbalancing", "targetgroup/rc-local-backstage/1"),
            "prefect": _arn("elasticloadbalancing", "targetgroup/rc-local-prefect/2"),
        }
    },
    "platform_secrets": {
        "secret_arns": {
            "local/backstage/database-url": _arn("secretsmanager", "secret:local/backstage/database-url-AbCdEf"),
            "local/github/pat/blog_data_ci": _arn("secretsmanager", "secret:local/github/pat/blog_data_ci-GhIjKl"),
        }
    },
    "platform_s3_data": {"buckets": BUCKETS},
    "platform_iam": {
        "role_arns": {
            f"rc-local-{name}": f"arn:aws:iam::{ACCOUNT}:role/rc-local-{name}"
            for name in ("backstage-execution", "backstage-task", "prefect-deployer-execution")
        }
    },
    "platform_aurora": {"endpoint": "rc-local.cluster-abc.eu-west-2.rds.amazonaws.com", "port": 5432},
}


@pytest.fixture(name="role")
def fixture_role():
    return role_inputs(**FACTS)


def _by_name(items):
    return {item["name"]: item for item in items}


def _iam_roles(role):
    return ecs_service.ecs_service_iam_roles(
        role("ecs_service_apps"), role("__ecs_service_one_offs"), role("__ecs_service_context")
    )


def test_filter_module_exposes_the_filters():
    assert sorted(ecs_service.FilterModule().filters()) == [
        "ecs_service_iam_roles",
        "ecs_service_problems",
        "ecs_service_services",
        "ecs_service_task_definitions",
    ]
    assert sorted(s3_data.FilterModule().filters()) == ["s3_data_bucket_parameters", "s3_data_problems"]


def test_every_service_gets_two_roles_and_one_off_tasks_only_an_execution_role(role):
    assert [r["name"] for r in _iam_roles(role)] == [
        "backstage-execution",
        "backstage-task",
        "prefect-execution",
        "prefect-task",
        "prefect-deployer-execution",
        "db-bootstrap-execution",
    ]


def test_execution_role_reads_exactly_the_declared_secrets_and_writes_its_log_group(role):
    roles = _by_name(_iam_roles(role))
    assert roles["backstage-execution"] == {
        "name": "backstage-execution",
        "principal": "ecs-tasks",
        "description": roles["backstage-execution"]["description"],
        "read_secrets": [
            "local/backstage/database-url",
            "local/backstage/session-secret",
            "local/circleci/pat/backstage",
            "local/github/pat/blog_data_ci",
        ],
        "kms_decrypt": True,
        "log_groups": ["/ecs/rc-local/backstage"],
        "ecr_pull": False,
    }
    assert roles["prefect-execution"]["read_secrets"] == ["local/prefect/database-url"]
    assert roles["prefect-deployer-execution"]["read_secrets"] == [
        "local/github/pat/blog_data_ci",
        "local/prefect/api-auth",
    ]
    assert roles["db-bootstrap-execution"]["read_secrets"] == [
        "local/backstage/db",
        "local/db/admin",
        "local/prefect/db",
    ]
    assert roles["db-bootstrap-execution"]["log_groups"] == ["/ecs/rc-local/db-bootstrap"]


def test_execution_role_deduplicates_secrets_and_needs_no_kms_without_secrets(role):
    apps = role("ecs_service_apps")
    apps[1]["secrets"] = {"A": "local/prefect/api-auth", "B": "local/db/admin", "C": "local/prefect/api-auth"}
    one_offs = [{"name": "noop", "spec": {"image": "busybox:1.36", "cpu": 256, "memory": 512}}]
    roles = _by_name(ecs_service.ecs_service_iam_roles(apps, one_offs, role("__ecs_service_context")))
    assert roles["prefect-execution"]["read_secrets"] == ["local/db/admin", "local/prefect/api-auth"]
    assert roles["noop-execution"]["read_secrets"] == []
    assert roles["noop-execution"]["kms_decrypt"] is False


@pytest.mark.parametrize(
    "image, ecr_pull",
    [
        (f"{ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/rocketclub/backstage:1.0.0", ["rocketclub/backstage"]),
        (f"{ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/backstage@sha256:{'a' * 64}", ["backstage"]),
        (f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1", ["app"]),
        ("public.ecr.aws/docker/library/postgres:16-alpine", False),
        ("ghcr.io/rocketclub/backstage:1.0.0", False),
        ("prefecthq/prefect:3.4.11-python3.12", False),
        (f"registry.example.com/{ACCOUNT}.dkr.ecr.eu-west-2.amazonaws.com/app:1", False),
    ],
)
def test_execution_role_pulls_only_from_its_ecr_repository(role, image, ecr_pull):
    one_offs = [{"name": "job", "spec": {"image": image, "cpu": 256, "memory": 512}}]
    (execution,) = ecs_service.ecs_service_iam_roles([], one_offs, role("__ecs_service_context"))
    assert execution["ecr_pull"] == ecr_pull


def test_task_role_gets_every_bucket_and_only_its_runtime_secrets(role):
    roles = _by_name(_iam_roles(role))
    assert roles["prefect-task"] == {
        "name": "prefect-task",
        "principal": "ecs-tasks",
        "description": roles["prefect-task"]["description"],
        "buckets_rw": sorted(BUCKETS.values()),
        "read_secrets": ["blog-data/cloudinary/credentials", "blog-data/neo4j/credentials"],
        "kms_decrypt": True,
    }
    assert roles["backstage-task"]["read_secrets"] == []
    assert roles["backstage-task"]["buckets_rw"] == sorted(BUCKETS.values())


def test_roles_before_the_buckets_exist():
    """Check mode on an empty account: nothing published yet, the filters still shape the input."""
    bare = role_inputs()
    roles = _by_name(_iam_roles(bare))
    assert roles["prefect-task"]["buckets_rw"] == []
    services = _by_name(ecs_service.ecs_service_services(bare("ecs_service_apps"), bare("__ecs_service_context")))
    backstage = services["backstage"]
    assert backstage["execution_role_arn"] is None and backstage["task_role_arn"] is None
    assert backstage["target_group_arn"] is None
    assert backstage["subnets"] == []
    assert backstage["container"]["secrets"]["BACKSTAGE_DATABASE_URL"] == "local/backstage/database-url"


def test_service_carries_everything_the_ecs_module_needs(role):
    services = _by_name(ecs_service.ecs_service_services(role("ecs_service_apps"), role("__ecs_service_context")))
    assert list(services) == ["backstage", "prefect"]
    assert services["backstage"] == {
        "name": "backstage",
        "cpu": "512",
        "memory": "1024",
        "container": {
            "name": "backstage",
            "image": "ghcr.io/rocketclub/backstage:1.0.0",
            "environment": {
                "NODE_ENV": "production",
                "APP_CONFIG_app_baseUrl": "https://portal.rocketclub.local",
                "APP_CONFIG_backend_baseUrl": "https://portal.rocketclub.local",
            },
            "secrets": {
                "BACKSTAGE_DATABASE_URL": _arn("secretsmanager", "secret:local/backstage/database-url-AbCdEf"),
                "AUTH_SESSION_SECRET": "local/backstage/session-secret",
                "GITHUB_TOKEN": _arn("secretsmanager", "secret:local/github/pat/blog_data_ci-GhIjKl"),
                "CIRCLECI_AUTH_TOKEN": "local/circleci/pat/backstage",
            },
            "port": 7007,
        },
        "execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/rc-local-backstage-execution",
        "task_role_arn": f"arn:aws:iam::{ACCOUNT}:role/rc-local-backstage-task",
        "log_group": "/ecs/rc-local/backstage",
        "log_retention_days": 30,
        "subnets": ["subnet-a", "subnet-b"],
        "security_groups": ["sg-ecs"],
        "assign_public_ip": False,
        "target_group_arn": _arn("elasticloadbalancing", "targetgroup/rc-local-backstage/1"),
        "health_check_grace_period": 120,
        "desired_count": 1,
        "autoscaling": {"min_capacity": 1, "max_capacity": 2, "cpu_target": 70.0},
    }
    prefect = services["prefect"]
    # prefect's roles are not in platform_iam: unknown ARNs stay None instead of another role's.
    assert prefect["execution_role_arn"] is None and prefect["task_role_arn"] is None
    assert prefect["container"]["command"] == ["prefect", "server", "start", "--host", "0.0.0.0", "--port", "4200"]
    assert prefect["target_group_arn"] == _arn("elasticloadbalancing", "targetgroup/rc-local-prefect/2")


def test_service_sizes_types_and_defaults(role):
    app = {
        "name": "worker",
        "image": "busybox:1.36",
        "port": "8080",
        "command": ["sleep", 5],
        "size": {"cpu": 1024, "memory": 3072, "desired": "2", "min": 1, "max": "4"},
        "environment": {"WORKERS": 4, "RATIO": 0.5, "MODE": "batch"},
    }
    (service,) = ecs_service.ecs_service_services([app], dict(role("__ecs_service_context"), cpu_target="55"))
    assert (service["cpu"], service["memory"]) == ("1024", "3072")
    assert service["desired_count"] == 2
    assert service["autoscaling"] == {"min_capacity": 1, "max_capacity": 4, "cpu_target": 55.0}
    assert service["container"]["environment"] == {"WORKERS": "4", "RATIO": "0.5", "MODE": "batch"}
    assert service["container"]["command"] == ["sleep", "5"]
    assert service["container"]["port"] == 8080
    assert service["container"]["secrets"] == {}
    assert service["health_check_grace_period"] == 60
    # No platform_apps entry and no roles yet: nothing borrowed from another application.
    assert service["target_group_arn"] is None and service["task_role_arn"] is None


def test_task_definitions_for_the_one_off_tasks(role):
    tasks = _by_name(
        ecs_service.ecs_service_task_definitions(role("__ecs_service_one_offs"), role("__ecs_service_context"))
    )
    assert list(tasks) == ["prefect-deployer", "db-bootstrap"]
    deployer = tasks["prefect-deployer"]
    assert deployer == {
        "name": "prefect-deployer",
        "cpu": "256",
        "memory": "512",
        "container": {
            "name": "prefect-deployer",
            "image": "prefecthq/prefect:3.4.11-python3.12",
            "environment": {"PREFECT_API_URL": "https://pipelines.rocketclub.local/api"},
            "secrets": {
                "GITHUB_TOKEN": _arn("secretsmanager", "secret:local/github/pat/blog_data_ci-GhIjKl"),
                "PREFECT_API_KEY": "local/prefect/api-auth",
            },
            "command": ["prefect", "deploy", "--all"],
        },
        "execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/rc-local-prefect-deployer-execution",
        "log_group": "/ecs/rc-local/prefect-deployer",
        "log_retention_days": 30,
    }
    bootstrap = tasks["db-bootstrap"]
    assert "task_role_arn" not in bootstrap and "port" not in bootstrap["container"]
    assert bootstrap["execution_role_arn"] is None
    assert bootstrap["container"]["environment"] == {
        "DB_HOST": "rc-local.cluster-abc.eu-west-2.rds.amazonaws.com",
        "DB_PORT": "5432",
    }
    assert bootstrap["container"]["command"] == ["sh", "-c", "#!/bin/sh"]
    assert sorted(bootstrap["container"]["secrets"]) == [
        "BACKSTAGE_DB_SECRET_JSON",
        "DB_ADMIN_SECRET_JSON",
        "PREFECT_DB_SECRET_JSON",
    ]


def test_bucket_parameters_name_each_layer(role):
    buckets = [{"key": k, "value": v} for k, v in role("__s3_data_buckets").items()]
    parameters = s3_data.s3_data_bucket_parameters(buckets, "local")
    assert [(p["name"], p["value"]) for p in parameters] == [
        ("/local/blog-data/buckets/raw", "rc-local-blog-data-raw"),
        ("/local/blog-data/buckets/clean", "rc-local-blog-data-clean"),
        ("/local/blog-data/buckets/cache", "rc-local-blog-data-cache"),
        ("/local/blog-data/buckets/design-files", "rc-local-blog-data-design-files"),
    ]
    assert parameters[3]["description"] == "S3 bucket name of the blog-data design-files layer"
    assert s3_data.s3_data_bucket_parameters([], "local") == []
