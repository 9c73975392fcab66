# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the ecs_services input checks (no AWS involved)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import validation

SM_ARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod/db-AbCdEf"


@pytest.mark.parametrize(
    "image, ok",
    [
        ("nginx:1.27", True),
        ("123456789012.dkr.ecr.eu-west-2.amazonaws.com/backstage:1.42.0", True),
        ("registry.local:5000/team/app:2", True),
        ("example/app@sha256:" + "a" * 64, True),
        ("nginx", False),
        ("registry.local:5000/team/app", False),
        ("example/app:", False),
        ("", False),
        (None, False),
    ],
)
def test_image_problem(image, ok):
    assert (validation.image_problem(image) is None) is ok


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("prod/backstage/database-url", ("name", "prod/backstage/database-url")),
        (SM_ARN, ("secretsmanager", SM_ARN)),
        (SM_ARN + ":username::", ("secretsmanager", SM_ARN)),
        (
            "arn:aws:ssm:eu-west-2:123456789012:parameter/prod/shared/x",
            ("ssm", "arn:aws:ssm:eu-west-2:123456789012:parameter/prod/shared/x"),
        ),
        ("arn:aws:s3:::bucket", None),
        ("arn:aws:secretsmanager:eu-west-2:123456789012:secret:", None),
        ("name:with-colon", None),
        # check mode: the ARN of a secret an earlier task would create
        ("pending:secret/prod/backstage/db", ("pending", "pending:secret/prod/backstage/db")),
        ("", None),
    ],
)
def test_secret_reference(ref, expected):
    assert validation.secret_reference(ref) == expected


def item(**changes):
    base = {
        "name": "api",
        "family": None,
        "cpu": 256,
        "memory": 512,
        "container": {"image": "example/api:1", "port": 80, "environment": {"MODE": "x"}, "secrets": {"TOKEN": SM_ARN}},
        "execution_role_arn": "arn:aws:iam::123456789012:role/exec",
        "log_group": None,
        "log_retention_days": 30,
        "subnets": ["subnet-a"],
        "security_groups": ["sg-1"],
        "target_group_arn": "arn:tg",
        "container_port": None,
        "deployment": {"minimum_healthy_percent": 100, "maximum_percent": 200},
        "autoscaling": None,
    }
    base.update(changes)
    return base


def params(services=None, task_definitions=None, state="present"):
    return {"cluster": "prod", "state": state, "services": services or [], "task_definitions": task_definitions or []}


def container(**changes):
    return dict(item()["container"], **changes)


def test_valid_input_has_no_errors():
    task = {
        k: v for k, v in item(name="deployer").items() if k not in ("subnets", "security_groups", "target_group_arn")
    }
    assert validation.validate(params([item()], [task])) == []


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"container": container(image="example/api")},
            "services[api].container.image: 'example/api' has no tag or digest",
        ),
        (
            {"container": container(environment={"TOKEN": "x"})},
            "services[api].container.environment: TOKEN is also in container.secrets",
        ),
        (
            {"container": container(environment={"1BAD": "x"})},
            "services[api].container: '1BAD' is not a valid environment variable name",
        ),
        (
            {"container": container(secrets={"T": "arn:aws:iam::1:role/x"})},
            "services[api].container.secrets.T: 'arn:aws:iam::1:role/x' is neither",
        ),
        (
            {"autoscaling": {"min_capacity": 3, "max_capacity": 1, "cpu_target": 70.0}},
            "services[api].autoscaling: min_capacity (3) must be between 0 and",
        ),
        (
            {"autoscaling": {"min_capacity": -1, "max_capacity": 1, "cpu_target": 70.0}},
            "services[api].autoscaling: min_capacity (-1)",
        ),
        (
            {"autoscaling": {"min_capacity": 1, "max_capacity": 1, "cpu_target": 0.0}},
            "services[api].autoscaling.cpu_target: 0.0 must be above 0",
        ),
        ({"container_port": 8080}, "services[api].container_port: 8080 does not match container.port 80"),
        ({"container": container(port=None)}, "services[api].container.port: required with target_group_arn"),
        ({"cpu": "1 GB"}, "services[api].cpu: '1 GB' is not a Fargate CPU size"),
        ({"memory": 4096}, "services[api].memory: 4096 does not fit cpu 256 on Fargate (512, 1024, 2048 MiB)"),
        ({"log_retention_days": 0}, "services[api].log_retention_days: 0 is not one of 1, 3"),
        (
            {"deployment": {"minimum_healthy_percent": 100, "maximum_percent": 50}},
            "services[api].deployment: maximum_percent must be at least 100",
        ),
        ({"cpu": None, "container": None}, "services[api].cpu: required with state=present"),
        ({"container": None}, "services[api].container: required with state=present"),
    ],
)
def test_each_bad_input_names_its_option(changes, message):
    errors = validation.validate(params([item(**changes)]))
    assert any(e.startswith(message) for e in errors), errors


def test_missing_dependencies():
    task = {"name": "deployer", "execution_role_arn": None}
    assert validation.missing_dependencies(
        params([item(execution_role_arn=None, subnets=[], security_groups=None)], [task])
    ) == [
        "services[api].execution_role_arn: required with state=present",
        "services[api].subnets: required with state=present",
        "services[api].security_groups: required with state=present",
        "task_definitions[deployer].execution_role_arn: required with state=present",
    ]
    assert validation.missing_dependencies(params([item()])) == []
    assert validation.missing_dependencies(params([{"name": "api"}], state="absent")) == []


def test_duplicates_are_reported():
    errors = validation.validate(
        params([item(), item()], [dict(item(name="x"), family="prod-api", log_group="/ecs/prod/api")])
    )
    assert "services: the name api is used more than once" in errors
    assert (
        "family: prod-api is used by services[api] and services[api] and task_definitions[x]; each needs its own family"
        in errors
    )
    assert any(e.startswith("log_group: /ecs/prod/api is used by") for e in errors)


def test_absent_only_needs_names():
    assert validation.validate(params([{"name": "api"}], state="absent")) == []
    assert validation.validate(params([{"name": "api"}, {"name": "api"}], state="absent")) == [
        "services: the name api is used more than once"
    ]


def test_task_definitions_are_checked_like_services():
    task = copy.deepcopy(item(name="deployer", container=container(image="deployer")))
    errors = validation.validate(params([], [task]))
    assert errors[0].startswith("task_definitions[deployer].container.image:")


@pytest.mark.parametrize(
    "group, problems",
    [
        ({"TargetGroupName": "api", "TargetType": "ip", "Port": 80}, []),
        (
            {"TargetGroupName": "api", "TargetType": "instance", "Port": 80},
            ["target type instance; Fargate tasks need target type ip"],
        ),
        (
            {"TargetGroupName": "api", "TargetType": "ip", "Port": 8080},
            ["container port 80 does not match port 8080 of target group api"],
        ),
    ],
)
def test_target_group_problems(group, problems):
    found = validation.target_group_problems(item(), group)
    assert len(found) == len(problems)
    for text, expected in zip(found, problems):
        assert expected in text
