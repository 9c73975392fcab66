# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When an ECS service is ready after unpark (pure): the test of the ECS ``services_stable`` waiter, plus healthy
targets in its target groups."""

from __future__ import annotations


def target_group_name(arn):
    """``name`` of ``arn:...:targetgroup/<name>/<id>`` (the ARN itself when it is not one)."""
    parts = (arn or "").split("/")
    return parts[-2] if len(parts) >= 3 and parts[0].endswith(":targetgroup") else arn


def service_problems(service, healthy, check_targets):
    """Why one service is not ready yet (empty when it is).

    Ready: status ACTIVE, exactly one deployment and it is PRIMARY, ``runningCount == desiredCount`` (the test of the
    ECS ``services_stable`` waiter) and, with ``check_targets``, at least ``desiredCount`` healthy targets in every
    target group of the service.

    :param service: DescribeServices entry
    :param healthy: ``{target group ARN: number of healthy targets}``
    """
    name, desired, running = service["serviceName"], service.get("desiredCount", 0), service.get("runningCount", 0)
    problems = []
    if service.get("status") != "ACTIVE":
        problems.append(f"{name} is {service.get('status')}")
    deployments = service.get("deployments") or []
    if len(deployments) != 1 or deployments[0].get("status") != "PRIMARY":
        problems.append(f"{name} has {len(deployments)} deployments (a deployment is in progress)")
    if running != desired:
        problems.append(f"{name} has {running} of {desired} tasks running")
    if check_targets:
        for arn in sorted(
            {lb["targetGroupArn"] for lb in service.get("loadBalancers") or [] if lb.get("targetGroupArn")}
        ):
            if healthy.get(arn, 0) < desired:
                problems.append(
                    f"{name} has {healthy.get(arn, 0)} of {desired} healthy targets in {target_group_name(arn)}"
                )
    return problems


def readiness_status(problems):
    """``ready`` or the problems as one line (the status of progress lines and of a timeout)."""
    return "; ".join(problems) if problems else "ready"
