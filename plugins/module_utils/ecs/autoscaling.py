# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Application Auto Scaling of the desired count of an ECS service: the scalable target
(``ecs:service:DesiredCount`` of ``service/<cluster>/<name>``) and one CPU target-tracking policy.

Parked (the park runbook set desired counts and scalable targets to 0): the minimum and maximum of existing
scalable targets are left as they are, everything else still converges.
"""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils import eventual_consistency as consistency
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id

SERVICE_NAMESPACE = "ecs"

SCALABLE_DIMENSION = "ecs:service:DesiredCount"

CPU_METRIC = "ECSServiceAverageCPUUtilization"

POLICY_SUFFIX = "-cpu-target-tracking"


def resource_id(cluster, service):
    return f"service/{cluster}/{service}"


def policy_name_of(service):
    return service + POLICY_SUFFIX


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


def plan_autoscaling(scaling, target, policy, service_exists, parked):
    """Decide what to do with the scalable target and the CPU policy of one service.

    :param scaling: the ``autoscaling`` option (None: not managed)
    :param target: the DescribeScalableTargets entry, or None
    :param policy: the DescribeScalingPolicies entry of the CPU policy, or None
    :param service_exists: whether the service existed before this run
    :param parked: whether the environment is parked (the minimum and maximum of an existing service are kept)
    :return: dict ``register`` (None or ``{"MinCapacity", "MaxCapacity", "create"}``), ``put_policy`` (bool),
        ``min_capacity``/``max_capacity`` (after the run) and ``warning`` (str or None)
    """
    plan = {"register": None, "put_policy": False, "min_capacity": None, "max_capacity": None, "warning": None}
    if not scaling:
        return plan
    wanted = {"MinCapacity": scaling["min_capacity"], "MaxCapacity": scaling["max_capacity"]}
    preserve = parked and service_exists
    if target is None:
        if preserve:
            plan["warning"] = (
                "has no scalable target and the environment is parked (parked=true): autoscaling left unregistered "
                "(converge with parked=false, as unpark does, to register it)"
            )
            return plan
        plan["register"] = dict(wanted, create=True)
    elif not preserve and (target.get("MinCapacity"), target.get("MaxCapacity")) != (
        wanted["MinCapacity"],
        wanted["MaxCapacity"],
    ):
        plan["register"] = dict(wanted, create=False)
    after = plan["register"] or target
    plan["min_capacity"], plan["max_capacity"] = after["MinCapacity"], after["MaxCapacity"]
    current = policy_view((policy or {}).get("TargetTrackingScalingPolicyConfiguration"))
    plan["put_policy"] = (
        policy is None
        or policy.get("PolicyType") != "TargetTrackingScaling"
        or current != policy_view(policy_configuration(scaling))
    )
    return plan


def autoscaling_view(min_capacity, max_capacity, configuration):
    """Diff entry of the autoscaling of a service."""
    if min_capacity is None and configuration is None:
        return None
    return {"min_capacity": min_capacity, "max_capacity": max_capacity, "policy": policy_view(configuration)}


def autoscaling_before(target, policy):
    """Diff entry of the autoscaling of a service as found."""
    return autoscaling_view(
        (target or {}).get("MinCapacity"),
        (target or {}).get("MaxCapacity"),
        (policy or {}).get("TargetTrackingScalingPolicyConfiguration"),
    )


# ------------------------------------------------------------------------------------------------ API


def describe_autoscaling(ctx, names):
    """``({service: scalable target}, {service: CPU policy})`` of the services ``names``."""
    if not names:
        return {}, {}
    ids = {resource_id(ctx.cluster, n): n for n in names}
    targets = paginate(
        ctx.scaling,
        "describe_scalable_targets",
        "ScalableTargets",
        ServiceNamespace=SERVICE_NAMESPACE,
        ResourceIds=sorted(ids),
        ScalableDimension=SCALABLE_DIMENSION,
    )
    policies = paginate(
        ctx.scaling,
        "describe_scaling_policies",
        "ScalingPolicies",
        ServiceNamespace=SERVICE_NAMESPACE,
        PolicyNames=sorted(policy_name_of(n) for n in names),
    )
    by_target = {ids[t["ResourceId"]]: t for t in targets if t["ResourceId"] in ids}
    by_policy = {
        ids[p["ResourceId"]]: p
        for p in policies
        if p["ResourceId"] in ids
        and p["PolicyName"] == policy_name_of(ids[p["ResourceId"]])
        and p.get("ScalableDimension") == SCALABLE_DIMENSION
    }
    return by_target, by_policy


def ensure_autoscaling(ctx, item, target, policy, service_exists, tags, parked):
    """Scalable target and CPU policy of the service ``item``. Returns ``(changed, result entry, policy configuration
    after)``; ``(False, None, None)`` without ``autoscaling`` or when a parked service has no scalable target."""
    scaling = item.get("autoscaling")
    if not scaling:
        return False, None, None
    decided = plan_autoscaling(scaling, target, policy, service_exists, parked)
    if decided["warning"]:
        ctx.module.warn(f"services[{item['name']}]: {decided['warning']}")
        return False, None, None
    resource = resource_id(ctx.cluster, item["name"])
    common = {"ServiceNamespace": SERVICE_NAMESPACE, "ResourceId": resource, "ScalableDimension": SCALABLE_DIMENSION}
    register = decided["register"]
    if register and not ctx.check_mode:
        extra = {"Tags": tags} if register["create"] else {}
        # Right after CreateService, Application Auto Scaling may not see the service yet.
        consistency.retry_propagation(ctx.module, consistency.REGISTER_SCALABLE_TARGET, f"scalable target {resource}")(
            ctx.scaling.register_scalable_target
        )(MinCapacity=register["MinCapacity"], MaxCapacity=register["MaxCapacity"], aws_retry=True, **common, **extra)
    name = policy_name_of(item["name"])
    configuration = policy_configuration(scaling)
    policy_arn = (policy or {}).get("PolicyARN")
    if policy_arn is None and ctx.check_mode:
        policy_arn = pending_id("scaling-policy", f"{resource}/{name}")
    if decided["put_policy"] and not ctx.check_mode:
        # Right after RegisterScalableTarget, the target may not be found yet.
        policy_arn = consistency.retry_propagation(
            ctx.module, consistency.PUT_SCALING_POLICY, f"scaling policy {name} of {resource}"
        )(ctx.scaling.put_scaling_policy)(
            PolicyName=name,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=configuration,
            aws_retry=True,
            **common,
        )["PolicyARN"]
    result = {
        "min_capacity": decided["min_capacity"],
        "max_capacity": decided["max_capacity"],
        "policy_name": name,
        "policy_arn": policy_arn,
    }
    return bool(register or decided["put_policy"]), result, configuration
