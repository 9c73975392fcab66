# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure (API free) logic of the ``rocketclub.platform.ecs_services`` module.

Everything here takes module parameters or boto3 shapes and returns plain data. The central idea:
the parameters we would send to ``RegisterTaskDefinition`` / ``CreateService`` and what
``DescribeTaskDefinition`` / ``DescribeServices`` return are reduced by the *same* ``*_view``
function to the settings this module manages, so anything AWS (or moto) fills in on its own
(``cpu: 0`` and ``mountPoints`` in containers, ``hostPort``, ``registeredAt``, alarms in the
deployment configuration, ...) never shows up as a difference.
"""

from __future__ import annotations

import hashlib
import re

from ansible.module_utils.common.text.converters import to_text

MANAGED_TAGS = {"platform:managed-by": "rocketclub.platform"}
SERVICE_NAMESPACE = "ecs"
SCALABLE_DIMENSION = "ecs:service:DesiredCount"
CPU_METRIC = "ECSServiceAverageCPUUtilization"
POLICY_SUFFIX = "-cpu-target-tracking"
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu|gb)?\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------ names


def family_of(item, cluster):
    return item.get("family") or f"{cluster}-{item['name']}"


def log_group_of(item, cluster):
    return item.get("log_group") or f"/ecs/{cluster}/{item['name']}"


def container_name_of(item):
    return (item.get("container") or {}).get("name") or item["name"]


def container_port_of(item):
    """The container port registered in the target group (``container_port``, default ``container.port``)."""
    port = item.get("container_port")
    return port if port is not None else (item.get("container") or {}).get("port")


def resource_id(cluster, service):
    return f"service/{cluster}/{service}"


def policy_name_of(service):
    return service + POLICY_SUFFIX


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


# ------------------------------------------------------------------------------------------------ task definitions


def container_definition(item, cluster, region, value_froms):
    """The single container of a task definition (RegisterTaskDefinition shape)."""
    container = item["container"]
    definition = {
        "name": container_name_of(item),
        "image": container["image"],
        "essential": container.get("essential", True),
        "environment": [{"name": k, "value": v} for k, v in sorted(text_map(container.get("environment")).items())],
        "secrets": [{"name": k, "valueFrom": value_froms.get(k, v)} for k, v in sorted(text_map(container.get("secrets")).items())],
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
        "runtimePlatform": {"cpuArchitecture": item.get("cpu_architecture") or "X86_64", "operatingSystemFamily": "LINUX"},
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


# ------------------------------------------------------------------------------------------------ services


def service_params(item, cluster, task_definition_arn):
    """CreateService parameters, without desiredCount and tags (UpdateService takes the same keys)."""
    deployment = item.get("deployment") or {}
    params = {
        "cluster": cluster,
        "serviceName": item["name"],
        "taskDefinition": task_definition_arn,
        "launchType": "FARGATE",
        "platformVersion": "LATEST",
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": sorted(item.get("subnets") or []),
                "securityGroups": sorted(item.get("security_groups") or []),
                "assignPublicIp": "ENABLED" if item.get("assign_public_ip") else "DISABLED",
            }
        },
        "loadBalancers": [],
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "minimumHealthyPercent": deployment.get("minimum_healthy_percent", 100),
            "maximumPercent": deployment.get("maximum_percent", 200),
        },
        "healthCheckGracePeriodSeconds": item.get("health_check_grace_period", 60),
        "propagateTags": "SERVICE",
        "enableExecuteCommand": False,
    }
    if item.get("target_group_arn"):
        params["loadBalancers"] = [
            {"targetGroupArn": item["target_group_arn"], "containerName": container_name_of(item), "containerPort": container_port_of(item)}
        ]
    return params


def service_view(service):
    """The settings this module manages, from CreateService params or a DescribeServices result (never desiredCount)."""
    if not service:
        return None
    network = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    deployment = service.get("deploymentConfiguration") or {}
    breaker = deployment.get("deploymentCircuitBreaker") or {}
    return {
        "task_definition": service.get("taskDefinition"),
        "launch_type": service.get("launchType"),
        "platform_version": service.get("platformVersion"),
        "subnets": sorted(network.get("subnets") or []),
        "security_groups": sorted(network.get("securityGroups") or []),
        "assign_public_ip": network.get("assignPublicIp", "DISABLED"),
        "load_balancers": sorted(
            (
                {"target_group_arn": lb.get("targetGroupArn"), "container_name": lb.get("containerName"), "container_port": lb.get("containerPort")}
                for lb in service.get("loadBalancers") or []
            ),
            key=lambda lb: (lb["target_group_arn"] or "", lb["container_name"] or "", lb["container_port"] or 0),
        ),
        "deployment": {
            "circuit_breaker": bool(breaker.get("enable")),
            "rollback": bool(breaker.get("rollback")),
            "minimum_healthy_percent": deployment.get("minimumHealthyPercent"),
            "maximum_percent": deployment.get("maximumPercent"),
        },
        "health_check_grace_period": service.get("healthCheckGracePeriodSeconds", 0),
        "propagate_tags": service.get("propagateTags", "NONE"),
        "enable_execute_command": bool(service.get("enableExecuteCommand")),
    }


# view key(s) -> UpdateService parameter carrying them
_UPDATE_GROUPS = (
    (("task_definition",), "taskDefinition"),
    (("subnets", "security_groups", "assign_public_ip"), "networkConfiguration"),
    (("load_balancers",), "loadBalancers"),
    (("deployment",), "deploymentConfiguration"),
    (("health_check_grace_period",), "healthCheckGracePeriodSeconds"),
    (("platform_version",), "platformVersion"),
    (("propagate_tags",), "propagateTags"),
    (("enable_execute_command",), "enableExecuteCommand"),
)


def service_update(current, desired):
    """UpdateService parameters (only the groups that differ) turning ``current`` into ``desired``.

    :param current: the DescribeServices entry
    :param desired: ``service_params()``
    :return: ``(params, errors)``; ``params`` is empty when nothing differs
    """
    name = desired["serviceName"]
    before, after = service_view(current), service_view(desired)
    errors = []
    if before["launch_type"] != after["launch_type"]:
        errors.append(
            f"services[{name}]: the service uses launch type {before['launch_type']}, not FARGATE; ECS cannot change the launch type "
            "of a service in place: delete it (state=absent) and converge again"
        )
    controller = (current.get("deploymentController") or {}).get("type", "ECS")
    if before["load_balancers"] != after["load_balancers"] and controller != "ECS":
        errors.append(
            f"services[{name}].target_group_arn: the service uses the {controller} deployment controller, with which ECS cannot "
            "update load balancers in place (only rolling-update services can); delete the service (state=absent) and converge again"
        )
    params = {}
    for keys, parameter in _UPDATE_GROUPS:
        if any(before[k] != after[k] for k in keys):
            params[parameter] = desired[parameter]
    if params:
        params = dict(params, cluster=desired["cluster"], service=name)
    return params, errors


def service_result(service, view, desired_count, log_group, autoscaling):
    """One entry of the ``services`` return value."""
    service, view = service or {}, view or {}
    return {
        "arn": service.get("serviceArn"),
        "task_definition_arn": view.get("task_definition"),
        "desired_count": service.get("desiredCount", desired_count),
        "running_count": service.get("runningCount", 0),
        "status": service.get("status", "ACTIVE"),
        "load_balancers": view.get("load_balancers", []),
        "subnets": view.get("subnets", []),
        "security_groups": view.get("security_groups", []),
        "log_group": log_group,
        "autoscaling": autoscaling,
    }


# ------------------------------------------------------------------------------------------------ autoscaling


def policy_configuration(scaling):
    """TargetTrackingScalingPolicyConfiguration of the CPU policy."""
    return {
        "TargetValue": float(scaling["cpu_target"]),
        "PredefinedMetricSpecification": {"PredefinedMetricType": CPU_METRIC},
        "ScaleInCooldown": scaling["scale_in_cooldown"],
        "ScaleOutCooldown": scaling["scale_out_cooldown"],
    }


def policy_view(configuration):
    if not configuration:
        return None
    return {
        "cpu_target": float(configuration.get("TargetValue", 0)),
        "metric": (configuration.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType"),
        "scale_in_cooldown": configuration.get("ScaleInCooldown"),
        "scale_out_cooldown": configuration.get("ScaleOutCooldown"),
        "disable_scale_in": bool(configuration.get("DisableScaleIn")),
    }


def plan_autoscaling(scaling, target, policy, service_exists, capacity):
    """Decide what to do with the scalable target and the CPU policy of one service.

    :param scaling: the ``autoscaling`` option (None: not managed)
    :param target: the DescribeScalableTargets entry, or None
    :param policy: the DescribeScalingPolicies entry of the CPU policy, or None
    :param service_exists: whether the service existed before this run
    :param capacity: ``enforce`` or ``preserve``
    :return: dict ``register`` (None or ``{"MinCapacity", "MaxCapacity", "create"}``), ``put_policy`` (bool),
        ``min_capacity``/``max_capacity`` (after the run) and ``warning`` (str or None)
    """
    plan = {"register": None, "put_policy": False, "min_capacity": None, "max_capacity": None, "warning": None}
    if not scaling:
        return plan
    wanted = {"MinCapacity": scaling["min_capacity"], "MaxCapacity": scaling["max_capacity"]}
    preserve = capacity == "preserve" and service_exists
    if target is None:
        if preserve:
            plan["warning"] = (
                "has no scalable target and capacity=preserve: autoscaling left unregistered "
                "(converge with capacity=enforce to register it)"
            )
            return plan
        plan["register"] = dict(wanted, create=True)
    elif not preserve and (target.get("MinCapacity"), target.get("MaxCapacity")) != (wanted["MinCapacity"], wanted["MaxCapacity"]):
        plan["register"] = dict(wanted, create=False)
    after = plan["register"] or target
    plan["min_capacity"], plan["max_capacity"] = after["MinCapacity"], after["MaxCapacity"]
    current = policy_view((policy or {}).get("TargetTrackingScalingPolicyConfiguration"))
    plan["put_policy"] = policy is None or policy.get("PolicyType") != "TargetTrackingScaling" or current != policy_view(policy_configuration(scaling))
    return plan


def autoscaling_view(min_capacity, max_capacity, configuration):
    """Diff entry of the autoscaling of a service."""
    if min_capacity is None and configuration is None:
        return None
    return {"min_capacity": min_capacity, "max_capacity": max_capacity, "policy": policy_view(configuration)}


# ------------------------------------------------------------------------------------------------ secret versions

# Tag of a service: the Secrets Manager versions its running task definition was deployed with (hashes only).
SECRET_VERSIONS_TAG = "platform:secret-versions"
# ECS tag values are at most 256 characters.
TAG_VALUE_LIMIT = 256
_ARN_KEY_LENGTH = 6
_VERSION_HASH_LENGTH = 8


def _digest(text):
    return hashlib.sha256(to_text(text).encode("utf-8")).hexdigest()


def secret_selector(value_from):
    """``(version stage, version id)`` a Secrets Manager ``valueFrom`` selects (ARN suffix
    ``:json-key:version-stage:version-id``); ``("AWSCURRENT", None)`` when it names none."""
    parts = (value_from or "").split(":")
    stage = parts[8] if len(parts) > 8 and parts[8] else None
    version_id = parts[9] if len(parts) > 9 and parts[9] else None
    return (None if version_id else stage or "AWSCURRENT"), version_id


def selected_version(stages, stage, version_id):
    """The version id a task starting now reads, from ``VersionIdsToStages`` of DescribeSecret; None when the
    secret has no such version (for ``AWSCURRENT``: the secret has no value)."""
    stages = stages or {}
    if version_id:
        return version_id if version_id in stages else None
    return next((v for v, labels in sorted(stages.items()) if stage in (labels or [])), None)


def secret_versions_tag(pairs):
    """Value of the ``platform:secret-versions`` tag of a service (None when it reads no Secrets Manager secret).

    ``pairs`` maps a key (the secret ARN, plus the selector when it is not ``AWSCURRENT``) to the version id.
    One ``<arn hash>=<version hash>`` entry per secret, sorted, space separated, so that a later run can tell
    which secret changed; above the tag value limit a single hash of everything (``all=<hash>``).
    """
    if not pairs:
        return None
    entries = sorted(
        f"{_digest(key)[:_ARN_KEY_LENGTH]}={_digest(key + '|' + to_text(version))[:_VERSION_HASH_LENGTH]}"
        for key, version in pairs.items()
    )
    value = " ".join(entries)
    if len(value) > TAG_VALUE_LIMIT:
        value = "all=" + _digest(" ".join(entries))[:32]
    return value


def changed_secret_keys(recorded, pairs):
    """Keys of ``pairs`` whose version differs from the ``recorded`` tag value (all of them when nothing is
    recorded or the recorded value is a single hash). Empty when the recorded value matches."""
    wanted = secret_versions_tag(pairs)
    if wanted is None or recorded == wanted:
        return []
    if not recorded or recorded.startswith("all=") or wanted.startswith("all="):
        return sorted(pairs)
    before = dict(entry.split("=", 1) for entry in recorded.split() if "=" in entry)
    changed = []
    for key, version in sorted(pairs.items()):
        arn_key = _digest(key)[:_ARN_KEY_LENGTH]
        if before.get(arn_key) != _digest(key + "|" + to_text(version))[:_VERSION_HASH_LENGTH]:
            changed.append(key)
    # Only a secret no longer read: its new task definition deploys anyway; name them all to be explicit.
    return changed or sorted(pairs)
