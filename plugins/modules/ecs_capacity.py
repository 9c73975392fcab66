# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_capacity
version_added: 0.1.0
short_description: Park ECS services (desired count and autoscaling to zero, recorded in SSM) and unpark them
description:
  - Parks or unparks the ECS services O(services) of the cluster O(cluster), for the park and unpark runbooks.
  - Park (O(state=parked)), per service - (1) when the SSM C(String) parameter C(<record_prefix>/<service>) (the
    I(record)) does not exist, it is written with a JSON object of C(desired_count), C(min_capacity) and C(max_capacity)
    read from C(DescribeServices) and C(DescribeScalableTargets) (the minimum and maximum V(null) when the service has
    no Application Auto Scaling target), for example C({"desired_count":2,"min_capacity":1,"max_capacity":4}). An
    existing record is B(never) overwritten - it is left by an interrupted park and holds the values from before it; (2)
    the scalable target (C(service/<cluster>/<service>), dimension C(ecs:service:DesiredCount)) is set to minimum 0 and
    maximum 0, unless it already is; (3) the desired count is set to 0 (C(UpdateService)), unless it already is.
  - Unpark (O(state=unparked)), per service with a record - the scalable target gets the recorded minimum and maximum
    (when they are not V(null)), the service the recorded desired count, and only then is the record deleted. A service
    without a record is not parked - nothing is done.
  - Both are idempotent and resumable - a parked environment parked again, or an unparked one unparked again, makes no
    write call; a run interrupted at any point is finished by the next run of the same task, and the recorded values
    are never lost.
  - Nothing is written when a service of O(services) does not exist (or is not C(ACTIVE)) or a record is not valid;
    the module fails naming them.
  - With O(wait), unpark waits until the services are ready; progress is shown by the action plugin of the same name,
    which calls this module in 30-second waiting slices and prints one line per slice.
author:
  - rocketclub platform team (@rocketclub)
options:
  cluster:
    description:
      - Name (or ARN) of the ECS cluster of the services.
    type: str
    required: true
  services:
    description:
      - Names of the services to park or unpark, processed in this order.
    type: list
    elements: str
    required: true
  record_prefix:
    description:
      - SSM parameter path under which the record of each service is kept, as C(<record_prefix>/<service>), for example
        V(/prod/infra/park/ecs).
    type: str
    required: true
  state:
    description:
      - V(parked) records the capacity of each service and sets it to zero.
      - V(unparked) restores the recorded capacity and deletes the records.
    type: str
    choices: [parked, unparked]
    required: true
  tags:
    description:
      - Tags of the record parameters (set when a record is written), with C(platform:managed-by=rocketclub.platform).
        They also tag a scalable target that unpark has to register again because it was deregistered meanwhile.
    type: dict
    default: {}
  wait:
    description:
      - With O(state=unparked), wait until every service is ready - status C(ACTIVE), one deployment (C(PRIMARY)),
        running count equal to the desired count and, with O(wait_healthy_targets), at least the desired count of
        healthy targets in each of its target groups.
      - Ignored with O(state=parked) (the tasks stop on their own).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, for the whole run. On timeout the module fails with RV(wait_timed_out=true) and a message
        naming O(wait_timeout) and what is not ready yet; the capacity is restored by then, running the task again just
        waits again.
    type: int
    default: 600
  wait_healthy_targets:
    description:
      - Whether waiting also requires healthy load balancer targets (C(DescribeTargetHealth)). Set it to V(false) where
        no task really runs (the local cloud).
    type: bool
    default: true
notes:
  - Supports C(check_mode) (the predicted capacities and records are returned) and C(diff) mode (per service the
    desired count, minimum, maximum and record before and after). Records hold no secret.
  - Required permissions - C(ecs:DescribeServices), C(ecs:UpdateService),
    C(application-autoscaling:DescribeScalableTargets), C(application-autoscaling:RegisterScalableTarget),
    C(ssm:GetParameters), C(ssm:PutParameter), C(ssm:AddTagsToResource), C(ssm:DeleteParameter) and, with
    O(wait_healthy_targets), C(elasticloadbalancing:DescribeTargetHealth).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Park the services of prod
  rocketclub.platform.ecs_capacity:
    cluster: prod-platform
    services: [backstage, prefect-api]
    record_prefix: /prod/infra/park/ecs
    state: parked
    tags:
      platform:env: prod

- name: Unpark them and wait (with progress) until they run and their targets are healthy
  rocketclub.platform.ecs_capacity:
    cluster: prod-platform
    services: [backstage, prefect-api]
    record_prefix: /prod/infra/park/ecs
    state: unparked
    wait: true
    wait_timeout: 900
  register: ecs_capacity
"""

RETURN = r"""
services:
  description: The services of O(services), keyed by name, after the run (predicted in check mode).
  returned: always
  type: dict
  sample:
    backstage:
      desired_count: 0
      min_capacity: 0
      max_capacity: 0
      recorded: {"desired_count": 2, "min_capacity": 1, "max_capacity": 4}
      changed: true
  contains:
    desired_count:
      description: Desired count of the service.
      returned: always
      type: int
      sample: 0
    min_capacity:
      description: Minimum capacity of the scalable target of the service, V(null) when it has none.
      returned: always
      type: int
      sample: 0
    max_capacity:
      description: Maximum capacity of the scalable target of the service, V(null) when it has none.
      returned: always
      type: int
      sample: 0
    recorded:
      description: The record of the service (its capacity before the park), V(null) when there is none (not parked).
      returned: always
      type: dict
      sample: {"desired_count": 2, "min_capacity": 1, "max_capacity": 4}
    changed:
      description: Whether this service (or its record) was, or would be, changed.
      returned: always
      type: bool
      sample: true
status_history:
  description: The readiness statuses seen while waiting, each with the seconds elapsed since the start of the run.
  returned: always
  type: list
  elements: dict
  sample: [{"elapsed": 0, "status": "backstage has 0 of 2 tasks running"}, {"elapsed": 60, "status": "ready"}]
target_reached:
  description:
    - Whether nothing is left to wait for - always V(true) with O(state=parked); with O(state=unparked) whether every
      service is ready (see O(wait); in check mode for the predicted desired counts). The action plugin uses it to skip
      waiting.
  returned: always
  type: bool
  sample: true
wait_timed_out:
  description: Set (with C(failed)) when O(wait_timeout) passed before the services were ready.
  returned: on wait timeout
  type: bool
  sample: true
status:
  description: What was not ready when the wait timed out.
  returned: on wait timeout
  type: str
  sample: backstage has 1 of 2 healthy targets in prod-backstage
"""

import time

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.warnings import warn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import capacity as logic
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import readiness
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.autoscaling import SCALABLE_DIMENSION
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.autoscaling import SERVICE_NAMESPACE
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.autoscaling import resource_id
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import REGISTER_SCALABLE_TARGET
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import retry_propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import Progress
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import WaitTimedOut
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import fail_wait
from ansible_collections.rocketclub.platform.plugins.module_utils.waiting import poll

# Seconds between two reads while waiting for the services: terraform-provider-aws waits for a stable service with a
# StateChangeConf, whose reads back off to at most 10 s apart; botocore's services_stable waiter polls every 15 s,
# which ended an unpark up to 15 s after the services were ready.
WAIT_DELAY = 10
DESCRIBE_SERVICES_BATCH = 10  # DescribeServices limit
GET_PARAMETERS_BATCH = 10  # GetParameters limit


class EcsCapacity:
    """Reads, planned writes and the wait of one run."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.cluster = module.params["cluster"]
        self.cluster_name = self.cluster.rsplit("/", 1)[-1]  # a name, or the name in an ARN
        self.names = module.params["services"]
        # The clock is read through this module's ``time`` at each call (tests replace it).
        self.progress = Progress(lambda: time.monotonic())  # pylint: disable=unnecessary-lambda
        self.changed = False
        retry = AWSRetry.jittered_backoff()
        self.ecs = module.client("ecs", retry_decorator=retry)
        self.scaling = module.client("application-autoscaling", retry_decorator=retry)
        self.ssm = module.client("ssm", retry_decorator=retry)
        self.elbv2 = None  # only when waiting for healthy targets

    # -------------------------------------------------------------------------------------------- reads

    def describe_services(self):
        """``{name: DescribeServices entry}`` of the services of O(services) that exist (not INACTIVE)."""
        services = {}
        try:
            for batch in chunks(self.names, DESCRIBE_SERVICES_BATCH):
                found = self.ecs.describe_services(cluster=self.cluster, services=batch, aws_retry=True)["services"]
                services.update((s["serviceName"], s) for s in found if s.get("status") != "INACTIVE")
        except is_boto3_error_code("ClusterNotFoundException"):
            self.module.fail_json(msg=f"cluster: ECS cluster {self.cluster} does not exist; nothing was changed")
        return services

    def describe_targets(self):
        """``{name: DescribeScalableTargets entry}`` of the services that have a scalable target."""
        ids = {resource_id(self.cluster_name, n): n for n in self.names}
        targets = paginate(
            self.scaling,
            "describe_scalable_targets",
            "ScalableTargets",
            ServiceNamespace=SERVICE_NAMESPACE,
            ResourceIds=sorted(ids),
            ScalableDimension=SCALABLE_DIMENSION,
        )
        return {ids[t["ResourceId"]]: t for t in targets if t["ResourceId"] in ids}

    def read_records(self):
        """``{name: value}`` of the record parameters that exist."""
        names = {logic.record_name(self.params["record_prefix"], n): n for n in self.names}
        records = {}
        for batch in chunks(sorted(names), GET_PARAMETERS_BATCH):
            for parameter in self.ssm.get_parameters(Names=batch, aws_retry=True)["Parameters"]:
                records[names[parameter["Name"]]] = parameter["Value"]
        return records

    def healthy_targets(self, services):
        """``{target group ARN: healthy targets}`` of the target groups of ``services``."""
        groups = sorted(
            {lb["targetGroupArn"] for s in services for lb in s.get("loadBalancers") or [] if lb.get("targetGroupArn")}
        )
        if groups and self.elbv2 is None:
            self.elbv2 = self.module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
        healthy = {}
        for arn in groups:
            descriptions = self.elbv2.describe_target_health(TargetGroupArn=arn, aws_retry=True)[
                "TargetHealthDescriptions"
            ]
            healthy[arn] = sum(1 for d in descriptions if (d.get("TargetHealth") or {}).get("State") == "healthy")
        return healthy

    def read(self):
        """Services, scalable targets and records; fails before any write on a missing service or a bad record."""
        services = self.describe_services()
        missing = [n for n in self.names if n not in services]
        draining = [n for n in self.names if n in services and services[n].get("status") != "ACTIVE"]
        problems = []
        if missing:
            problems.append(f"services: {', '.join(missing)} not found in ECS cluster {self.cluster}")
        if draining:
            problems.append(f"services: {', '.join(draining)} being deleted (not ACTIVE) in ECS cluster {self.cluster}")
        if problems:
            self.module.fail_json(
                msg="; ".join(problems)
                + "; nothing was changed. Remove them from services, or create them first (ecs_services)"
            )
        targets = self.describe_targets() if self.names else {}
        records = {}
        for name, text in self.read_records().items():
            records[name], problem = logic.decode_record(text)
            if problem:
                problems.append(f"record {logic.record_name(self.params['record_prefix'], name)} {problem}")
        if problems:
            self.module.fail_json(
                msg="; ".join(problems)
                + "; nothing was changed. Put the capacity from before the park back in the record "
                '(JSON {"desired_count": n, "min_capacity": a, "max_capacity": b}, null min/max without autoscaling) '
                "or delete it if the current capacity is the real one"
            )
        return services, targets, records

    # -------------------------------------------------------------------------------------------- writes

    def apply(self, name, plan, target_exists):
        """The writes of one service's plan, in the safe order: record, scalable target, desired count, record
        deletion."""
        if self.check_mode or not logic.plan_changes(plan):
            return
        parameter = logic.record_name(self.params["record_prefix"], name)
        if plan["put_record"]:
            self.ssm.put_parameter(
                Name=parameter,
                Type="String",
                Tier="Standard",
                Value=logic.encode_record(plan["put_record"]),
                Description=(
                    f"Capacity of ECS service {name} of cluster {self.cluster} before it was parked (deleted by unpark)"
                ),
                Tags=ansible_dict_to_boto3_tag_list(desired_tags(self.params["tags"])),
                aws_retry=True,
            )
        if plan["register"]:
            extra = {} if target_exists else {"Tags": desired_tags(self.params["tags"])}
            # A service created moments ago may not be visible to Application Auto Scaling yet.
            target = f"scalable target {resource_id(self.cluster_name, name)}"
            retry_propagation(self.module, REGISTER_SCALABLE_TARGET, target)(self.scaling.register_scalable_target)(
                ServiceNamespace=SERVICE_NAMESPACE,
                ResourceId=resource_id(self.cluster_name, name),
                ScalableDimension=SCALABLE_DIMENSION,
                MinCapacity=plan["register"][0],
                MaxCapacity=plan["register"][1],
                aws_retry=True,
                **extra,
            )
        if plan["desired_count"] is not None:
            self.ecs.update_service(
                cluster=self.cluster, service=name, desiredCount=plan["desired_count"], aws_retry=True
            )
        if plan["delete_record"]:
            try:
                self.ssm.delete_parameter(Name=parameter, aws_retry=True)
            except is_boto3_error_code("ParameterNotFound"):
                pass  # deleted meanwhile: the goal is reached

    # -------------------------------------------------------------------------------------------- waiting

    def probe(self, predicted=None):
        """``(ready, status)`` of the services, read now (or, with ``predicted`` desired counts, from the run's
        reads)."""
        problems = []
        if predicted is None:
            found = self.describe_services()
            services = list(found.values())
            problems = [f"{n} is missing" for n in self.names if n not in found]
        else:
            services = [dict(service, desiredCount=count) for service, count in predicted]
        check_targets = self.params["wait_healthy_targets"]
        healthy = self.healthy_targets(services) if check_targets else {}
        problems = [p for s in services for p in readiness.service_problems(s, healthy, check_targets)] + problems
        return not problems, readiness.readiness_status(problems)

    def wait_ready(self, result):
        """Wait (``waiting.poll``) until every service is ready; at ``wait_timeout`` fail with the sliced-wait keys."""

        def probe():
            ready, status = self.probe()
            return ready, status, None

        what = f"the services of ECS cluster {self.cluster} to be ready (the capacity is restored)"
        try:
            poll(
                probe,
                what,
                self.params["wait_timeout"],
                progress=self.progress,
                delay=WAIT_DELAY,
                sleep=lambda seconds: time.sleep(seconds),  # pylint: disable=unnecessary-lambda
            )
        except WaitTimedOut as e:
            fail_wait(self.module, e, self.progress, **result)

    # -------------------------------------------------------------------------------------------- run

    def run(self):
        unpark = self.params["state"] == logic.UNPARKED
        services, targets, records = self.read()
        planner = logic.plan_unpark if unpark else logic.plan_park
        before, after, results, predicted = {}, {}, {}, []
        for name in self.names:
            plan = planner(logic.capacity(services[name]["desiredCount"], targets.get(name)), records.get(name))
            changed = logic.plan_changes(plan)
            self.apply(name, plan, name in targets)
            self.changed |= changed
            message = logic.unrecorded_target_warning(name, plan)
            if message:
                warn(message)
            before[name], after[name] = plan["before"], plan["after"]
            results[name] = dict(plan["after"], changed=changed)
            predicted.append((services[name], plan["after"]["desired_count"]))
        result = {"changed": self.changed, "services": results, "diff": {"before": before, "after": after}}
        target_reached = True
        if unpark and self.check_mode:
            target_reached = self.probe(predicted)[0]
        elif unpark and self.params["wait"]:
            self.wait_ready(result)
        elif unpark:
            target_reached, status = self.probe()
            self.progress.record(status)
        return dict(result, status_history=self.progress.history, target_reached=target_reached)


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        services=dict(type="list", elements="str", required=True),
        record_prefix=dict(type="str", required=True),
        state=dict(type="str", choices=[logic.PARKED, logic.UNPARKED], required=True),
        tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        wait_healthy_targets=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = logic.validate(module.params)
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    try:
        result = EcsCapacity(module).run()
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(
            e,
            msg=(
                f"Failed to set the capacity of the ECS services of cluster {module.params['cluster']} "
                f"to {module.params['state']}"
            ),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
