# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ecs_service role: its input check, the IAM role specs of its tasks and the input of
rocketclub.platform.ecs_services.

Pure functions of the role inputs and the facts earlier roles published, so that what a task
receives can be unit-tested without AWS.
"""

from __future__ import annotations

import re

from ansible_collections.rocketclub.platform.plugins.filter.validation import fargate_size_problem
from ansible_collections.rocketclub.platform.plugins.filter.validation import image_problem
from ansible_collections.rocketclub.platform.plugins.filter.validation import number
from ansible_collections.rocketclub.platform.plugins.filter.validation import unknown_secrets
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/([^:@]+)")


def _task_problems(label, spec, known_secrets, size_label=None, image_label=None):
    problems = []
    problem = image_problem(image_label or f"{label}.image", spec.get("image"))
    if problem:
        problems.append(problem)
    problem = fargate_size_problem(size_label or label, spec.get("cpu"), spec.get("memory"))
    if problem:
        problems.append(problem)
    secrets = spec.get("secrets") or {}
    problems += unknown_secrets(f"{label}.secrets", secrets.values(), known_secrets)
    clash = sorted(set(spec.get("environment") or {}) & set(secrets))
    if clash:
        problems.append(
            f"{label}.environment: {', '.join(clash)} also in secrets; a secret is injected only as valueFrom"
        )
    return problems


def ecs_service_problems(apps, one_offs, platform_apps, secret_names, sizes=None, images=None):
    """Check the ecs_service role's services and one-off tasks against the ALB apps and the secrets
    catalogue.

    ``sizes`` and ``images`` are ecs_service_sizes and ecs_service_images: a service whose size or image is
    the entry of its name there (the defaults of ecs_service_apps) is reported under that variable, the one
    the operator set, not under the derived ecs_service_apps[i].
    """
    problems = []
    sizes = sizes if isinstance(sizes, dict) else {}
    images = images if isinstance(images, dict) else {}
    known = set(secret_names or [])
    alb_ports = {a.get("name"): a.get("port") for a in platform_apps or []}
    seen = set()
    for index, app in enumerate(apps or []):
        label = f"ecs_service_apps[{index}]"
        name = app.get("name")
        if not name or name in seen:
            problems.append(f"{label}.name: {name!r} is empty or already used")
            continue
        seen.add(name)
        size = app.get("size") or {}
        size_label = f"ecs_service_sizes.{name}" if sizes.get(name) == size else f"{label}.size"
        image_label = f"ecs_service_images.{name}" if images.get(name) == app.get("image") else None
        problems += _task_problems(
            label,
            dict(app, cpu=size.get("cpu"), memory=size.get("memory")),
            known,
            size_label=size_label if sizes.get(name) == size else label,
            image_label=image_label,
        )
        problems += unknown_secrets(f"{label}.read_secrets", app.get("read_secrets") or [], known)
        if name not in alb_ports:
            problems.append(f"{label}: no platform_apps entry named {name!r}, so no target group to register in")
        elif int(number(app.get("port")) or -1) != int(number(alb_ports[name]) or -2):
            problems.append(
                f"{label}.port: {app.get('port')} does not match the target group port {alb_ports[name]} "
                f"of platform_apps {name!r}"
            )
        counts = [number(size.get(key)) for key in ("min", "desired", "max")]
        if None in counts or not 0 <= counts[0] <= counts[1] <= counts[2] or counts[2] < 1:
            problems.append(
                f"{size_label}: need 0 <= min <= desired <= max and max >= 1, got min={size.get('min')!r} "
                f"desired={size.get('desired')!r} max={size.get('max')!r} (ecs_service_sizes)"
            )
    image_keys = {"ecs_service_deployer": "prefect_deployer", "ecs_service_db_bootstrap": "db_bootstrap"}
    for one_off in one_offs or []:
        label = one_off.get("var") or f"ecs_service one-off task {one_off['name']}"
        spec = one_off.get("spec") or {}
        key = image_keys.get(label)
        image_label = f"ecs_service_images.{key}" if key and images.get(key) == spec.get("image") else None
        problems += _task_problems(label, spec, known, image_label=image_label)
    return problems


def _log_group(ctx, name):
    return f"/ecs/{ctx['cluster']}/{name}"


def _ecr_repositories(image):
    """The ECR repository an image is pulled from, as a list (empty for other registries)."""
    match = _ECR_IMAGE.match(str(image))
    return [match.group(1)] if match else []


def _env_value(value):
    """Environment values are strings; YAML booleans become the lowercase words apps expect."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _secret_ref(ctx, name):
    """valueFrom of a Secrets Manager secret: its ARN once known (the name in check mode)."""
    return (ctx.get("secret_arns") or {}).get(name) or name


def _execution_role(ctx, name, spec):
    secrets = sorted(set((spec.get("secrets") or {}).values()))
    return {
        "name": f"{name}-execution",
        "principal": "ecs-tasks",
        "description": (
            f"ECS task execution role of {name}: pull the image, read its declared secrets, write its log group"
        ),
        "read_secrets": secrets,
        "kms_decrypt": bool(secrets),
        "log_groups": [_log_group(ctx, name)],
        "ecr_pull": _ecr_repositories(spec.get("image")) or False,
    }


def ecs_service_iam_roles(apps, one_offs, ctx):
    """IAM role specs (rocketclub.platform.iam_role_plan input) for the services and one-off tasks.

    Every task gets an execution role limited to the secrets it declares and its log group; each
    service also gets a task role for the data buckets and the secrets it reads at runtime. One-off
    tasks get no task role: they call no AWS API.
    """
    roles = []
    for app in apps:
        roles.append(_execution_role(ctx, app["name"], app))
        runtime_secrets = sorted(set(app.get("read_secrets") or []))
        roles.append(
            {
                "name": f"{app['name']}-task",
                "principal": "ecs-tasks",
                "description": (
                    f"ECS task role of {app['name']}: read/write the data buckets, read its application secrets"
                ),
                "buckets_rw": sorted(ctx.get("buckets") or []),
                "read_secrets": runtime_secrets,
                "kms_decrypt": True,
            }
        )
    roles += [_execution_role(ctx, one_off["name"], one_off["spec"]) for one_off in one_offs]
    return roles


def _role_arn(ctx, name):
    return (ctx.get("role_arns") or {}).get(f"{ctx['name_prefix']}-{name}")


def _task(ctx, name, spec, cpu, memory):
    container = {
        "name": name,
        "image": spec["image"],
        "environment": {k: _env_value(v) for k, v in (spec.get("environment") or {}).items()},
        "secrets": {env: _secret_ref(ctx, secret) for env, secret in (spec.get("secrets") or {}).items()},
    }
    if spec.get("port"):
        container["port"] = int(spec["port"])
    if spec.get("command"):
        container["command"] = [str(part) for part in spec["command"]]
    return {
        "name": name,
        "cpu": str(cpu),
        "memory": str(memory),
        "container": container,
        "execution_role_arn": _role_arn(ctx, f"{name}-execution"),
        "log_group": _log_group(ctx, name),
        "log_retention_days": int(ctx["log_retention_days"]),
    }


def ecs_service_services(apps, ctx):
    """The ``services`` option of rocketclub.platform.ecs_services."""
    services = []
    for app in apps:
        size = app["size"]
        service = _task(ctx, app["name"], app, size["cpu"], size["memory"])
        service.update(
            task_role_arn=_role_arn(ctx, f"{app['name']}-task"),
            subnets=list(ctx["subnets"]),
            security_groups=list(ctx["security_groups"]),
            assign_public_ip=False,
            target_group_arn=(ctx.get("target_group_arns") or {}).get(app["name"]),
            health_check_grace_period=int(app.get("health_check_grace_period", 60)),
            desired_count=int(size["desired"]),
            autoscaling={
                "min_capacity": int(size["min"]),
                "max_capacity": int(size["max"]),
                "cpu_target": float(ctx["cpu_target"]),
            },
        )
        services.append(service)
    return services


def ecs_service_task_definitions(one_offs, ctx):
    """The ``task_definitions`` option of rocketclub.platform.ecs_services (one-off tasks)."""
    return [_task(ctx, o["name"], o["spec"], o["spec"]["cpu"], o["spec"]["memory"]) for o in one_offs]


class FilterModule:
    """Filters of the ecs_service role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "ecs_service_problems": ecs_service_problems,
                "ecs_service_iam_roles": ecs_service_iam_roles,
                "ecs_service_services": ecs_service_services,
                "ecs_service_task_definitions": ecs_service_task_definitions,
            }
        )
