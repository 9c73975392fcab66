# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data shaping of the application tier: IAM role specs, ECS module input, bucket parameters.

Pure functions of the role inputs and the facts earlier roles published, so that what a task
receives can be unit-tested without AWS.
"""

from __future__ import annotations

import re

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/([^:@]+)")


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
        "description": f"ECS task execution role of {name}: pull the image, read its declared secrets, write its log group",
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
                "description": f"ECS task role of {app['name']}: read/write the data buckets, read its application secrets",
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


def s3_data_bucket_parameters(buckets, env):
    """SSM parameters /<env>/blog-data/buckets/<layer> holding the bucket names (seed 001).

    ``buckets`` is the dict2items form of layer -> bucket name.
    """
    return [
        {
            "name": f"/{env}/blog-data/buckets/{item['key']}",
            "description": f"S3 bucket name of the blog-data {item['key']} layer",
            "value": item["value"],
        }
        for item in buckets
    ]


class FilterModule:
    """Application-tier data-shaping filters."""

    def filters(self):
        return {
            "ecs_service_iam_roles": ecs_service_iam_roles,
            "ecs_service_services": ecs_service_services,
            "ecs_service_task_definitions": ecs_service_task_definitions,
            "s3_data_bucket_parameters": s3_data_bucket_parameters,
        }
