# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Input checks of the ``rocketclub.platform.ecs_services`` module (pure: ``validate`` runs before any API call,
``target_group_problems`` on the described target groups before any write).

Every message names the option at fault (``services[<name>].container.image: ...``) and the fix.
"""

from __future__ import annotations

import re

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.log_groups import log_group_of
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import container_port_of
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import family_of
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import parse_size
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import text_map
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import FARGATE_SIZES
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import LOG_RETENTION_DAYS
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import fargate_size_problem
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import image_pin_problem

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def image_problem(image):
    """Why an image reference is not pinned to a tag or a sha256 digest (module_utils/validation.py), or None."""
    problem = image_pin_problem(image)
    return "is empty" if problem == "empty" else problem


def secret_reference(ref):
    """Classify a secret reference: ``("secretsmanager", base_arn)``, ``("ssm", arn)``, ``("name", name)``,
    ``("pending", ref)`` (check mode: the ARN of a secret an earlier task would create) or None."""
    ref = (ref or "").strip()
    if is_pending(ref):
        return "pending", ref
    if not ref.startswith("arn:"):
        return ("name", ref) if ref and ":" not in ref else None
    parts = ref.split(":")
    if len(parts) >= 7 and parts[2] == "secretsmanager" and parts[5] == "secret" and parts[6]:
        # ARN of the secret, without an optional :json-key:version-stage:version-id suffix
        return "secretsmanager", ":".join(parts[:7])
    if len(parts) >= 6 and parts[2] == "ssm" and parts[5].startswith("parameter/"):
        return "ssm", ref
    return None


# Options required with state=present: what the caller writes, and what other roles create (dependencies,
# which a check run against an empty account may not know yet).
REQUIRED = {"services": ("cpu", "memory", "container"), "task_definitions": ("cpu", "memory", "container")}
DEPENDENCIES = {
    "services": ("execution_role_arn", "subnets", "security_groups"),
    "task_definitions": ("execution_role_arn",),
}


def _missing(params, keys_by_kind):
    return [
        f"{kind}[{item['name']}].{key}: required with state=present"
        for kind in ("services", "task_definitions")
        for item in params.get(kind) or []
        for key in keys_by_kind[kind]
        if item.get(key) in (None, "", [])
    ]


def missing_dependencies(params):
    """Messages for missing role ARNs, subnets and security groups: errors, except in check mode (warnings)."""
    return _missing(params, DEPENDENCIES) if params.get("state") == "present" else []


def _validate_item(kind, item, errors):
    where = f"{kind}[{item['name']}]"
    cpu = parse_size(item.get("cpu"), "vcpu")
    memory = parse_size(item.get("memory"), "gb")
    size_problem = fargate_size_problem(cpu, memory)
    if size_problem and size_problem[0] == "cpu":
        sizes = ", ".join(map(str, FARGATE_SIZES))
        errors.append(f"{where}.cpu: {item.get('cpu')!r} is not a Fargate CPU size ({sizes} or e.g. '0.5 vCPU')")
    elif size_problem:
        errors.append(f"{where}.memory: {item.get('memory')!r} {size_problem[1]}")
    container = item["container"]
    problem = image_problem(container.get("image"))
    if problem:
        errors.append(f"{where}.container.image: {problem}")
    environment = text_map(container.get("environment"))
    secrets = text_map(container.get("secrets"))
    for key in sorted(set(environment) & set(secrets)):
        errors.append(
            f"{where}.container.environment: {key} is also in container.secrets; "
            "a secret must only be in secrets (valueFrom)"
        )
    for key in sorted(k for k in list(environment) + list(secrets) if not _ENV_NAME.match(k)):
        errors.append(f"{where}.container: {key!r} is not a valid environment variable name")
    for key, ref in sorted(secrets.items()):
        if secret_reference(ref) is None:
            errors.append(
                f"{where}.container.secrets.{key}: {ref!r} is neither a Secrets Manager secret name or ARN "
                "nor an SSM parameter ARN"
            )
    if item.get("log_retention_days") not in LOG_RETENTION_DAYS:
        days = ", ".join(map(str, LOG_RETENTION_DAYS))
        errors.append(f"{where}.log_retention_days: {item.get('log_retention_days')} is not one of {days}")


def _validate_service(item, errors):
    where = f"services[{item['name']}]"
    container_port = (item.get("container") or {}).get("port")
    if (
        item.get("container_port") is not None
        and container_port is not None
        and item["container_port"] != container_port
    ):
        errors.append(
            f"{where}.container_port: {item['container_port']} does not match container.port {container_port}; "
            "the load balancer can only reach the port the container exposes"
        )
    if item.get("target_group_arn") and container_port_of(item) is None:
        errors.append(f"{where}.container.port: required with target_group_arn (the port the target group forwards to)")
    deployment = item.get("deployment") or {}
    if deployment.get("maximum_percent", 200) < 100 or deployment.get("minimum_healthy_percent", 100) < 0:
        errors.append(
            f"{where}.deployment: maximum_percent must be at least 100 and minimum_healthy_percent at least 0"
        )
    scaling = item.get("autoscaling")
    if scaling:
        if scaling["min_capacity"] < 0 or scaling["min_capacity"] > scaling["max_capacity"]:
            errors.append(
                f"{where}.autoscaling: min_capacity ({scaling['min_capacity']}) must be between 0 and "
                f"max_capacity ({scaling['max_capacity']})"
            )
        if not 0 < scaling["cpu_target"] <= 100:
            errors.append(
                f"{where}.autoscaling.cpu_target: {scaling['cpu_target']} must be above 0 and at most 100 (percent)"
            )


def validate(params):
    """Every check that needs no API call. Returns a list of messages, each naming the option at fault."""
    errors = []
    cluster = params["cluster"]
    services = params.get("services") or []
    definitions = params.get("task_definitions") or []
    for kind, items in (("services", services), ("task_definitions", definitions)):
        for name in find_duplicates([item["name"] for item in items]):
            errors.append(f"{kind}: the name {name} is used more than once")
    if params.get("state") != "present":
        return errors
    items = [("services", s) for s in services] + [("task_definitions", t) for t in definitions]
    missing = _missing(params, REQUIRED)
    if missing:
        return errors + missing
    for option, name_of, noun in (("family", family_of, "family"), ("log_group", log_group_of, "log group")):
        for value, indexes in find_duplicates([name_of(item, cluster) for dummy, item in items]).items():
            users = " and ".join(f"{items[i][0]}[{items[i][1]['name']}]" for i in indexes)
            errors.append(f"{option}: {value} is used by {users}; each needs its own {noun}")
    for kind, item in items:
        _validate_item(kind, item, errors)
    for item in services:
        _validate_service(item, errors)
    return errors


def target_group_problems(item, target_group):
    """Mismatches between a service and the target group it registers in (DescribeTargetGroups shape)."""
    where = f"services[{item['name']}]"
    problems = []
    if target_group.get("TargetType") != "ip":
        problems.append(
            f"{where}.target_group_arn: target group {target_group.get('TargetGroupName')} has target type "
            f"{target_group.get('TargetType')}; Fargate tasks need target type ip"
        )
    port = container_port_of(item)
    if target_group.get("Port") is not None and port != target_group["Port"]:
        problems.append(
            f"{where}.container_port: container port {port} does not match port {target_group['Port']} of target group "
            f"{target_group.get('TargetGroupName')}; fix the container port or the target group"
        )
    return problems


def empty_secret_message(where, key, name, stage, version_id):
    """Why a task reading ``name`` would not start, and the command that fixes it."""
    if version_id:
        what = f"has no version {version_id}"
    elif stage == "AWSCURRENT":
        what = "has no value (no version labelled AWSCURRENT)"
    else:
        what = f"has no version labelled {stage}"
    return (
        f"{where}.container.secrets.{key}: Secrets Manager secret {name} {what}, so ECS could not start its tasks "
        f"(ResourceInitializationError: unable to pull secrets). Put the value in with "
        f"`aws secretsmanager put-secret-value --secret-id {name} --secret-string '<value>'` "
        "(or in the Secrets Manager console), then converge again"
    )
