# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS Fargate services: CreateService / UpdateService parameters, the view both they and a DescribeServices result
reduce to (never the desired count: set only when a service is created), the target group check and the writes."""

from __future__ import annotations

try:
    from botocore.exceptions import WaiterError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.rocketclub.platform.plugins.module_utils import eventual_consistency as consistency
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import validation
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.context import boto3_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import container_name_of
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import container_port_of
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending

DESCRIBE_SERVICES_BATCH = 10  # DescribeServices takes at most 10 services
WAIT_DELAY = 15


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
            {
                "targetGroupArn": item["target_group_arn"],
                "containerName": container_name_of(item),
                "containerPort": container_port_of(item),
            }
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
                {
                    "target_group_arn": lb.get("targetGroupArn"),
                    "container_name": lb.get("containerName"),
                    "container_port": lb.get("containerPort"),
                }
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
            f"services[{name}]: the service uses launch type {before['launch_type']}, not FARGATE; ECS cannot change "
            "the launch type of a service in place: delete it (state=absent) and converge again"
        )
    controller = (current.get("deploymentController") or {}).get("type", "ECS")
    if before["load_balancers"] != after["load_balancers"] and controller != "ECS":
        errors.append(
            f"services[{name}].target_group_arn: the service uses the {controller} deployment controller, with which "
            "ECS cannot update load balancers in place (only rolling-update services can); delete the service "
            "(state=absent) and converge again"
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


# ------------------------------------------------------------------------------------------------ API


def describe_services(ctx, names, include_tags=True):
    """``{name: DescribeServices entry}`` of the services ``names`` that exist (not INACTIVE)."""
    services = {}
    extra = {"include": ["TAGS"]} if include_tags else {}
    for batch in chunks(names, DESCRIBE_SERVICES_BATCH):
        found = ctx.ecs.describe_services(cluster=ctx.cluster, services=batch, aws_retry=True, **extra)["services"]
        services.update((s["serviceName"], s) for s in found if s.get("status") != "INACTIVE")
    return services


# Target group ARNs per DescribeTargetGroups call: the ELBv2 API reference sets no limit on TargetGroupArns; 20 keeps
# every answer on one page (PageSize 1-400) and matches DescribeTags' limit of 20 ARNs.
DESCRIBE_TARGET_GROUPS_BATCH = 20


def check_target_groups(ctx, services):
    """Record in ``ctx.errors`` (before any write) a target group that is missing or does not match its service."""
    # A placeholder (check mode) is a target group an earlier task would create: nothing to describe.
    wanted = {s.get("target_group_arn") for s in services} - {None, ""}
    wanted = {arn for arn in wanted if not is_pending(arn)}
    if not wanted:
        return
    elbv2 = ctx.module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    found = {}
    # One call for all of them; when one does not exist the call fails as a whole (TargetGroupNotFound), and
    # each is then read alone to name the missing one.
    try:
        for batch in chunks(sorted(wanted), DESCRIBE_TARGET_GROUPS_BATCH):
            groups = elbv2.describe_target_groups(TargetGroupArns=batch, aws_retry=True)["TargetGroups"]
            found.update((group["TargetGroupArn"], group) for group in groups)
    except is_boto3_error_code("TargetGroupNotFound"):
        for arn in sorted(wanted):
            try:
                found[arn] = elbv2.describe_target_groups(TargetGroupArns=[arn], aws_retry=True)["TargetGroups"][0]
            except is_boto3_error_code("TargetGroupNotFound"):
                found[arn] = None
    for item in services:
        group = found.get(item.get("target_group_arn"), False)
        if group is None:
            ctx.problem(
                f"services[{item['name']}].target_group_arn: target group {item['target_group_arn']} does not exist"
            )
        elif group:
            ctx.errors.extend(validation.target_group_problems(item, group))


def ensure_service(ctx, item, current, td_arn, tags, redeploy):
    """Create the service (with ``desired_count``) or update what differs (never the desired count); ``redeploy``
    forces a new deployment. Returns ``(changed, service after or None in check mode, view source after, tags after)``.
    """
    desired = service_params(item, ctx.cluster, td_arn)
    if current is None:
        created = None
        if not ctx.check_mode:
            # Right after CreateCluster, ECS may not find the cluster yet (eventual consistency).
            create = consistency.retry_propagation(
                ctx.module, consistency.CREATE_SERVICE, f"service {item['name']} of ECS cluster {ctx.cluster}"
            )(ctx.ecs.create_service)
            created = create(desiredCount=item["desired_count"], tags=boto3_tags(tags), aws_retry=True, **desired)[
                "service"
            ]
        return True, created, desired, tags
    update, dummy = service_update(current, desired)
    if redeploy:  # a secret changed: only a new deployment's tasks read the new value
        update = dict(update or {"cluster": ctx.cluster, "service": item["name"]}, forceNewDeployment=True)
    after = current
    if update and not ctx.check_mode:
        after = ctx.ecs.update_service(aws_retry=True, **update)["service"]
    tags_changed, tags_after = ctx.apply_ecs_tags(after["serviceArn"], current.get("tags"), tags)
    return bool(update) or tags_changed, after, desired if update else after, tags_after


def delete_service(ctx, name, service):
    """Scale the service to 0, then delete it (not in check mode). Returns the DRAINING service."""
    if service.get("desiredCount"):
        ctx.ecs.update_service(cluster=ctx.cluster, service=name, desiredCount=0, aws_retry=True)
    return ctx.ecs.delete_service(cluster=ctx.cluster, service=name, force=True, aws_retry=True)["service"]


def wait_for(ctx, waiter_name, names, timeout):
    """Wait with the ECS waiter ``services_stable`` or ``services_inactive``; fail the module at ``timeout``."""
    if not names:
        return
    config = {"Delay": WAIT_DELAY, "MaxAttempts": max(1, -(-timeout // max(WAIT_DELAY, 1)))}
    try:
        for batch in chunks(sorted(names), DESCRIBE_SERVICES_BATCH):
            ctx.ecs.get_waiter(waiter_name).wait(cluster=ctx.cluster, services=batch, WaiterConfig=config)
    except WaiterError as e:
        what = "stable" if waiter_name == "services_stable" else "deleted"
        ctx.module.fail_json(
            msg=f"Timeout after {timeout} seconds waiting for services {', '.join(sorted(names))} to be {what}: {e}"
        )
