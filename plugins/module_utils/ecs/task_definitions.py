# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS task definitions of ``rocketclub.platform.ecs_services``: the RegisterTaskDefinition parameters of a service or
one-off task, the view both they and a DescribeTaskDefinition result reduce to, and the reads and the write.

The parameters we would send and what DescribeTaskDefinition returns are reduced by the *same* ``task_definition_view``
to the settings the module manages, so anything AWS fills in on its own (``cpu: 0`` and ``mountPoints`` in containers,
``hostPort``, ``registeredAt``, ...) never shows up as a difference. A revision is registered only when the views
differ.
"""

from __future__ import annotations

import re

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.context import boto3_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.log_groups import log_group_of
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict

HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb)?\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------ names


def family_of(item, cluster):
    return item.get("family") or f"{cluster}-{item['name']}"


def container_name_of(item):
    return (item.get("container") or {}).get("name") or item["name"]


def container_port_of(item):
    """The container port registered in the target group (``container_port``, default ``container.port``)."""
    port = item.get("container_port")
    return port if port is not None else (item.get("container") or {}).get("port")


def arn_revision(arn):
    """Revision number of a task definition ARN (``...:task-definition/family:12`` -> 12)."""
    try:
        return int(arn.rsplit(":", 1)[1])
    except (AttributeError, IndexError, ValueError):
        return None


def arn_family(arn):
    """Family of a task definition ARN (``...:task-definition/family:12`` -> family)."""
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def with_revision(arn_or_family, revision):
    """``family:revision`` or the ARN of that revision, from the ARN of another revision of the family."""
    base = arn_or_family.rsplit(":", 1)[0] if "task-definition/" in arn_or_family else arn_or_family
    return f"{base}:{revision}"


# ------------------------------------------------------------------------------------------------ values


def parse_size(value, unit):
    """CPU units or MiB as an int: ``256``, ``"256"``, ``"0.25 vCPU"`` (unit vcpu), ``"1 GB"`` (unit gb)."""
    match = _SIZE.match(to_text(value)) if value is not None and not isinstance(value, bool) else None
    if not match or (match.group(2) and match.group(2).lower() != unit):
        return None
    number = float(match.group(1))
    return int(number * 1024) if match.group(2) else int(number) if number.is_integer() else None


def text_map(values):
    """A dict of str -> str (YAML may give numbers or booleans)."""
    result = {}
    for key, value in (values or {}).items():
        result[to_text(key)] = ("true" if value else "false") if isinstance(value, bool) else to_text(value)
    return result


# ------------------------------------------------------------------------------------------------ definitions


def container_definition(item, cluster, region, value_froms):
    """The single container of a task definition (RegisterTaskDefinition shape)."""
    container = item["container"]
    definition = {
        "name": container_name_of(item),
        "image": container["image"],
        "essential": container.get("essential", True),
        "environment": [{"name": k, "value": v} for k, v in sorted(text_map(container.get("environment")).items())],
        "secrets": [
            {"name": k, "valueFrom": value_froms.get(k, v)}
            for k, v in sorted(text_map(container.get("secrets")).items())
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_of(item, cluster),
                "awslogs-region": region,
                "awslogs-stream-prefix": item["name"],
            },
        },
    }
    if container.get("port") is not None:
        definition["portMappings"] = [{"containerPort": container["port"], "protocol": "tcp"}]
    if container.get("command"):
        definition["command"] = list(container["command"])
    health = container.get("health_check")
    if health:
        definition["healthCheck"] = {
            "command": list(health["command"]),
            "interval": health.get("interval") or HEALTH_CHECK_DEFAULTS["interval"],
            "timeout": health.get("timeout") or HEALTH_CHECK_DEFAULTS["timeout"],
            "retries": health.get("retries") or HEALTH_CHECK_DEFAULTS["retries"],
        }
        if health.get("start_period") is not None:
            definition["healthCheck"]["startPeriod"] = health["start_period"]
    return definition


def task_definition_params(item, cluster, region, value_froms=None):
    """RegisterTaskDefinition parameters (without tags) of a service or standalone task definition."""
    params = {
        "family": family_of(item, cluster),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(parse_size(item["cpu"], "vcpu")),
        "memory": str(parse_size(item["memory"], "gb")),
        "runtimePlatform": {
            "cpuArchitecture": item.get("cpu_architecture") or "X86_64",
            "operatingSystemFamily": "LINUX",
        },
        "executionRoleArn": item["execution_role_arn"],
        "containerDefinitions": [container_definition(item, cluster, region, value_froms or {})],
    }
    if item.get("task_role_arn"):
        params["taskRoleArn"] = item["task_role_arn"]
    return params


def _container_view(container):
    options = (container.get("logConfiguration") or {}).get("options") or {}
    health = container.get("healthCheck")
    if health:
        health = {
            "command": list(health.get("command") or []),
            "interval": health.get("interval", HEALTH_CHECK_DEFAULTS["interval"]),
            "timeout": health.get("timeout", HEALTH_CHECK_DEFAULTS["timeout"]),
            "retries": health.get("retries", HEALTH_CHECK_DEFAULTS["retries"]),
            "start_period": health.get("startPeriod"),
        }
    return {
        "name": container.get("name"),
        "image": container.get("image"),
        "essential": container.get("essential", True),
        "ports": sorted(p.get("containerPort") for p in container.get("portMappings") or []),
        "command": list(container.get("command") or []) or None,
        "environment": {e["name"]: e.get("value", "") for e in container.get("environment") or []},
        "secrets": {s["name"]: s["valueFrom"] for s in container.get("secrets") or []},
        "health_check": health or None,
        "log_driver": (container.get("logConfiguration") or {}).get("logDriver"),
        "log_group": options.get("awslogs-group"),
        "log_region": options.get("awslogs-region"),
        "log_stream_prefix": options.get("awslogs-stream-prefix"),
    }


def task_definition_view(definition):
    """The settings this module manages, from RegisterTaskDefinition params or a DescribeTaskDefinition result."""
    if not definition:
        return None
    containers = [_container_view(c) for c in definition.get("containerDefinitions") or []]
    platform = definition.get("runtimePlatform") or {}
    return {
        "family": definition.get("family"),
        "cpu": str(definition.get("cpu")),
        "memory": str(definition.get("memory")),
        "cpu_architecture": platform.get("cpuArchitecture") or "X86_64",
        "operating_system_family": platform.get("operatingSystemFamily") or "LINUX",
        "network_mode": definition.get("networkMode"),
        "requires_compatibilities": sorted(definition.get("requiresCompatibilities") or []),
        "execution_role_arn": definition.get("executionRoleArn"),
        "task_role_arn": definition.get("taskRoleArn"),
        "container": containers[0] if len(containers) == 1 else containers,
    }


def task_definition_before(current):
    """Diff entry of the latest ACTIVE revision (None when the family has none)."""
    if current is None:
        return None
    return dict(task_definition_view(current), arn=current["taskDefinitionArn"], tags=current["tags"])


# ------------------------------------------------------------------------------------------------ API


def describe_task_definition(ctx, family):
    """The latest ACTIVE revision of a family (with its ``tags`` as a dict), or None."""
    try:
        found = ctx.ecs.describe_task_definition(taskDefinition=family, include=["TAGS"], aws_retry=True)
        if found["taskDefinition"].get("status") == "ACTIVE":
            return dict(found["taskDefinition"], tags=as_dict(found.get("tags")))
    except is_boto3_error_code("ClientException"):
        pass
    # Not found, or (moto) the latest revision is INACTIVE: look for the latest ACTIVE one.
    arns = paginate(ctx.ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix=family, status="ACTIVE")
    arns = [a for a in arns if arn_family(a) == family]
    if not arns:
        return None
    found = ctx.ecs.describe_task_definition(
        taskDefinition=max(arns, key=arn_revision), include=["TAGS"], aws_retry=True
    )
    return dict(found["taskDefinition"], tags=as_dict(found.get("tags")))


def next_revision(ctx, family, current):
    """The revision RegisterTaskDefinition will create (revisions are never reused, INACTIVE ones count)."""
    inactive = ctx.ecs.list_task_definitions(familyPrefix=family, status="INACTIVE", sort="DESC", aws_retry=True)[
        "taskDefinitionArns"
    ]
    revisions = [arn_revision(a) for a in inactive if arn_family(a) == family]
    return max(revisions + [(current or {}).get("revision") or 0]) + 1


def ensure_task_definition(ctx, current, desired, tags, register, predicted_arn):
    """Register a revision when ``register`` (the views differ), else converge the tags of the current one.

    Returns ``(changed, ARN, tags after)``; in check mode a new revision's ARN is ``predicted_arn``.
    """
    if not register:
        changed, tags_after = ctx.apply_ecs_tags(current["taskDefinitionArn"], current["tags"], tags)
        return changed, current["taskDefinitionArn"], tags_after
    if ctx.check_mode:
        return True, predicted_arn, tags
    registered = ctx.ecs.register_task_definition(tags=boto3_tags(tags), aws_retry=True, **desired)
    return True, registered["taskDefinition"]["taskDefinitionArn"], tags
