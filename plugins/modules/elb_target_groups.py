#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: elb_target_groups
version_added: 0.1.0
short_description: Manage all the target groups of an Application Load Balancer in one task
description:
  - Ensures a list of ELBv2 target groups (instance, IP or Lambda targets of an Application Load Balancer)
    exists with the given protocol, port, VPC, health check, deregistration delay and tags, in one task;
    one C(DescribeTargetGroups) (paginated), one C(DescribeTags) per 20 groups and one
    C(DescribeTargetGroupAttributes) per existing group, and writes only for what differs.
  - It replaces a loop over M(community.aws.elb_target_group), one module start per group, and unlike that
    module it predicts in check mode what a real run does and returns the ARN of every group, a placeholder
    C(pending:target-group/<name>) for a group that would be created.
  - Targets are not managed (ECS registers them). Protocol, port, VPC and target type cannot change on an
    existing group (AWS has no API for it); a group whose values differ fails the module before any write,
    naming the group.
  - With O(purge=true), the groups that carry every tag of O(purge_match_tags) and are not listed are deleted.
    Groups without those tags are never touched.
author:
  - rocketclub platform team (@rocketclub)
options:
  vpc_id:
    description:
      - ID of the VPC of the groups (not used for O(target_groups[].target_type=lambda)).
      - In check mode a placeholder C(pending:vpc/<name>) (a VPC that a real run would create) is accepted;
        every group then would be created. A real run refuses a placeholder.
    type: str
  target_groups:
    description:
      - The target groups, returned in this order.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name of the group, unique in the region; at most 32 letters, digits and hyphens, not beginning or
            ending with a hyphen.
        type: str
        required: true
      protocol:
        description:
          - Protocol of the targets.
        type: str
        choices: ['HTTP', 'HTTPS']
        default: HTTP
      port:
        description:
          - Port of the targets.
        type: int
        required: true
      target_type:
        description:
          - Type of the targets.
        type: str
        choices: ['instance', 'ip', 'lambda']
        default: ip
      health_check_protocol:
        description:
          - Protocol of the health check.
        type: str
        choices: ['HTTP', 'HTTPS']
        default: HTTP
      health_check_port:
        description:
          - Port of the health check; V(traffic-port) is the port of each target.
        type: str
        default: traffic-port
      health_check_path:
        description:
          - Path of the health check.
        type: str
        default: /
      health_check_interval:
        description:
          - Seconds between health checks, 5 to 300.
        type: int
        default: 30
      health_check_timeout:
        description:
          - Seconds without a response that count as a failed check, 2 to 120. Not sent (AWS keeps its
            default, 5 seconds for an HTTP group) when not set.
        type: int
      healthy_threshold_count:
        description:
          - Consecutive successful checks before a target is healthy, 2 to 10.
        type: int
        default: 5
      unhealthy_threshold_count:
        description:
          - Consecutive failed checks before a target is unhealthy, 2 to 10.
        type: int
        default: 2
      successful_response_codes:
        description:
          - HTTP codes of a healthy response, for example V(200), V(200,302) or V(200-299).
        type: str
        default: "200"
      deregistration_delay_timeout:
        description:
          - Seconds a draining target keeps its connections (attribute C(deregistration_delay.timeout_seconds)),
            0 to 3600.
        type: int
        default: 300
      tags:
        description:
          - Tags of this group, merged over O(tags).
        type: dict
        default: {}
  tags:
    description:
      - Tags of every group.
    type: dict
    default: {}
  purge_tags:
    description:
      - Remove the tags of a listed group that are not in O(tags) or O(target_groups[].tags). Tags starting with
        C(aws:) are never removed.
    type: bool
    default: true
  purge:
    description:
      - Delete the target groups of the region that carry every tag of O(purge_match_tags) and are not in
        O(target_groups).
      - AWS refuses to delete a group a listener or rule still forwards to (C(ResourceInUse)); remove those first.
    type: bool
    default: false
  purge_match_tags:
    description:
      - The tags (all of them, key and value) that mark a group as managed by the caller. Required with
        O(purge=true); must not be empty.
    type: dict
    default: {}
  purge_name_prefix:
    description:
      - With O(purge=true), only groups whose name begins with this prefix are deleted (in addition to
        O(purge_match_tags)), for example the name of the load balancer followed by a hyphen.
      - Without O(purge), it only names the groups RV(unlisted_with_prefix) returns.
    type: str
    default: ""
  only_purge:
    description:
      - Only delete (with O(purge=true)); the listed groups are neither created nor modified, they are just kept.
      - For a second task after the listener rules that forwarded to a removed group have been deleted.
    type: bool
    default: false
notes:
  - Supports check mode (the result predicts the groups; a group that would be created has
    RV(target_groups[].target_group_arn=pending:target-group/<name>)) and diff mode (before/after keyed by name).
  - A second run with the same input makes no write API call.
  - Required IAM actions are C(elasticloadbalancing:DescribeTargetGroups), C(DescribeTargetGroupAttributes),
    C(DescribeTags), C(CreateTargetGroup), C(ModifyTargetGroup), C(ModifyTargetGroupAttributes), C(AddTags),
    C(RemoveTags) and C(DeleteTargetGroup).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The target groups of the ALB's applications
  rocketclub.platform.elb_target_groups:
    vpc_id: "{{ vpc_id }}"
    tags:
      platform:managed-by: rocketclub.platform
    target_groups:
      - name: platform-prod-backstage
        port: 7007
        health_check_path: /.backstage/health/v1/liveness
        health_check_interval: 15
        healthy_threshold_count: 2
        unhealthy_threshold_count: 3
        deregistration_delay_timeout: 30
        tags:
          platform:app: backstage
      - name: platform-prod-prefect
        port: 4200
        health_check_path: /api/health
    purge: true
    purge_match_tags:
      platform:managed-by: rocketclub.platform
      platform:component: alb
  register: target_groups

- name: Use the ARNs (placeholders in check mode for groups that would be created)
  ansible.builtin.debug:
    msg: "{{ target_groups.target_group_arns['platform-prod-backstage'] }}"
"""

RETURN = r"""
target_groups:
  description:
    - The listed groups as they are after the run (or would be, in check mode), in the order of O(target_groups).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "platform-prod-backstage", "target_group_arn": "pending:target-group/platform-prod-backstage",
            "changed": true, "changes": ["created"]}]
  contains:
    name:
      description: Name of the group.
      returned: always
      type: str
      sample: platform-prod-backstage
    target_group_arn:
      description: ARN of the group; C(pending:target-group/<name>) for a group check mode would create.
      returned: always
      type: str
      sample: arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/platform-prod-backstage/73e2d6bc24d8a067
    changed:
      description: Whether the group was (or would be) created or modified.
      returned: always
      type: bool
      sample: false
    changes:
      description: What was (or would be) changed, for example V(created), V(health_check_path / -> /health).
      returned: always
      type: list
      elements: str
      sample: ["health_check_interval 30 -> 15"]
target_group_arns:
  description: Name to ARN (or placeholder) of every listed group.
  returned: always
  type: dict
  sample:
    prod-backstage: arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/prod-backstage/73e2d6bc24d8a067
deleted:
  description: ARNs of the groups that were (or would be) deleted by O(purge).
  returned: always
  type: list
  elements: str
  sample: []
unlisted_with_prefix:
  description:
    - Names of the groups of the region, as found before the run, that are not in O(target_groups) and whose name
      begins with O(purge_name_prefix); empty when O(purge_name_prefix) is not set. They are the only candidates
      a purge with that prefix would delete (it also needs O(purge_match_tags)), so a later O(only_purge) task can
      be skipped when this is empty, without listing the groups again.
  returned: always
  type: list
  elements: str
  sample: [prod-platform-oldapp]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.elbv2_rules import describe_tags_by_arn
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import apply_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ELB_NAME

DEREGISTRATION_DELAY = "deregistration_delay.timeout_seconds"
# (module option, DescribeTargetGroups / ModifyTargetGroup key)
HEALTH_CHECK_FIELDS = (
    ("health_check_protocol", "HealthCheckProtocol"),
    ("health_check_port", "HealthCheckPort"),
    ("health_check_path", "HealthCheckPath"),
    ("health_check_interval", "HealthCheckIntervalSeconds"),
    ("health_check_timeout", "HealthCheckTimeoutSeconds"),
    ("healthy_threshold_count", "HealthyThresholdCount"),
    ("unhealthy_threshold_count", "UnhealthyThresholdCount"),
)
# Set at creation, never modifiable.
FIXED_FIELDS = (("protocol", "Protocol"), ("port", "Port"), ("target_type", "TargetType"))


# ------------------------------------------------------------------------------------------------ plan


def validate(params):
    """Input errors (strings); no API call."""
    errors = []
    names = [g["name"] for g in params["target_groups"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(f"target group {name!r} is listed more than once")
    for group in params["target_groups"]:
        where = f"target group {group['name']!r}"
        if not ELB_NAME.match(group["name"] or ""):
            errors.append(
                f"{where}: a name has 1 to 32 letters, digits and hyphens and neither begins nor ends with a hyphen"
            )
        if not 1 <= group["port"] <= 65535:
            errors.append(f"{where}: port {group['port']} is outside 1..65535")
        if not 5 <= group["health_check_interval"] <= 300:
            errors.append(f"{where}: health_check_interval {group['health_check_interval']} is outside 5..300")
        timeout = group.get("health_check_timeout")
        if timeout is not None and not 2 <= timeout <= 120:
            errors.append(f"{where}: health_check_timeout {timeout} is outside 2..120")
        for option in ("healthy_threshold_count", "unhealthy_threshold_count"):
            if not 2 <= group[option] <= 10:
                errors.append(f"{where}: {option} {group[option]} is outside 2..10")
        if not 0 <= group["deregistration_delay_timeout"] <= 3600:
            delay = group["deregistration_delay_timeout"]
            errors.append(f"{where}: deregistration_delay_timeout {delay} is outside 0..3600")
        if not str(group["health_check_path"] or "").startswith("/"):
            errors.append(f"{where}: health_check_path must begin with '/'")
        for key in group.get("tags") or {}:
            if str(key).startswith("aws:"):
                errors.append(f"{where}: tag key {key!r} is reserved by AWS")
    for key in params["tags"] or {}:
        if str(key).startswith("aws:"):
            errors.append(f"tag key {key!r} is reserved by AWS")
    if params["purge"] and not params["purge_match_tags"]:
        errors.append(
            "purge=true needs purge_match_tags (the tags that mark a group as managed), so that no "
            "foreign target group is deleted"
        )
    if params["only_purge"] and not params["purge"]:
        errors.append("only_purge=true needs purge=true")
    needs_vpc = any(g["target_type"] != "lambda" for g in params["target_groups"])
    if needs_vpc and not params["only_purge"] and not params["vpc_id"]:
        errors.append("vpc_id is required for instance and ip target groups")
    return errors


def desired_state(group, vpc_id, common_tags):
    state = {
        "name": group["name"],
        "protocol": group["protocol"],
        "port": group["port"],
        "target_type": group["target_type"],
        "vpc_id": vpc_id if group["target_type"] != "lambda" else None,
        "successful_response_codes": str(group["successful_response_codes"]),
        "deregistration_delay_timeout": int(group["deregistration_delay_timeout"]),
        # The group's tags over the common ones; the role's common tags carry the managed tag.
        "tags": desired_tags(common_tags, group.get("tags"), managed=False),
    }
    for option, _key in HEALTH_CHECK_FIELDS:
        state[option] = group.get(option)
    return state


def current_state(group, tags, attributes):
    """State of an existing group (DescribeTargetGroups item) with its tags and attributes."""
    state = {
        "name": group["TargetGroupName"],
        "target_group_arn": group["TargetGroupArn"],
        "protocol": group.get("Protocol"),
        "port": group.get("Port"),
        "target_type": group.get("TargetType"),
        "vpc_id": group.get("VpcId"),
        "successful_response_codes": (group.get("Matcher") or {}).get("HttpCode"),
        "deregistration_delay_timeout": None,
        "tags": dict(tags or {}),
        "load_balancer_arns": list(group.get("LoadBalancerArns") or []),
    }
    for option, key in HEALTH_CHECK_FIELDS:
        value = group.get(key)
        state[option] = str(value) if option == "health_check_port" and value is not None else value
    delay = (attributes or {}).get(DEREGISTRATION_DELAY)
    if delay is not None:
        state["deregistration_delay_timeout"] = int(delay)
    return state


def fixed_differences(current, desired):
    """Differences that would need a new group (errors)."""
    problems = [
        f"{option} {current[option]} -> {desired[option]}"
        for option, _key in FIXED_FIELDS
        if current[option] != desired[option]
    ]
    if desired["vpc_id"] is not None and current["vpc_id"] != desired["vpc_id"]:
        problems.append(f"vpc_id {current['vpc_id']} -> {desired['vpc_id']}")
    return problems


def compare(current, desired):
    """``(modify_params, attributes, changes)`` of an existing group: what ModifyTargetGroup and
    ModifyTargetGroupAttributes must send (empty when nothing) and readable changes."""
    modify, attributes, changes = {}, {}, []
    for option, key in HEALTH_CHECK_FIELDS:
        wanted = desired[option]
        if wanted is None:
            continue  # not managed (AWS default kept)
        if current[option] != wanted:
            modify[key] = wanted
            changes.append(f"{option} {current[option]} -> {wanted}")
    if current["successful_response_codes"] != desired["successful_response_codes"]:
        modify["Matcher"] = {"HttpCode": desired["successful_response_codes"]}
        changes.append(
            f"successful_response_codes {current['successful_response_codes']} -> "
            f"{desired['successful_response_codes']}"
        )
    if current["deregistration_delay_timeout"] != desired["deregistration_delay_timeout"]:
        attributes[DEREGISTRATION_DELAY] = str(desired["deregistration_delay_timeout"])
        changes.append(
            f"deregistration_delay_timeout {current['deregistration_delay_timeout']} -> "
            f"{desired['deregistration_delay_timeout']}"
        )
    return modify, attributes, changes


def create_params(desired):
    params = {
        "Name": desired["name"],
        "Protocol": desired["protocol"],
        "Port": desired["port"],
        "TargetType": desired["target_type"],
        "HealthCheckEnabled": True,
        "Matcher": {"HttpCode": desired["successful_response_codes"]},
    }
    if desired["vpc_id"] is not None:
        params["VpcId"] = desired["vpc_id"]
    for option, key in HEALTH_CHECK_FIELDS:
        if desired[option] is not None:
            params[key] = desired[option]
    if desired["tags"]:
        params["Tags"] = ansible_dict_to_boto3_tag_list(desired["tags"])
    return params


def view(state):
    """Diff view of a state (no ARN of the load balancers)."""
    if state is None:
        return None
    keys = [
        "target_group_arn",
        "protocol",
        "port",
        "target_type",
        "vpc_id",
        "successful_response_codes",
        "deregistration_delay_timeout",
        "tags",
    ] + [option for option, _key in HEALTH_CHECK_FIELDS]
    return {k: state.get(k) for k in keys}


# ------------------------------------------------------------------------------------------------ AWS


def describe_attributes(client, arn):
    answer = client.describe_target_group_attributes(TargetGroupArn=arn, aws_retry=True)
    return {a["Key"]: a["Value"] for a in answer.get("Attributes") or []}


def ensure_created(module, client, desired):
    if module.check_mode:
        return pending_id("target-group", desired["name"])
    created = client.create_target_group(aws_retry=True, **create_params(desired))["TargetGroups"][0]
    arn = created["TargetGroupArn"]
    client.modify_target_group_attributes(
        TargetGroupArn=arn,
        Attributes=[{"Key": DEREGISTRATION_DELAY, "Value": str(desired["deregistration_delay_timeout"])}],
        aws_retry=True,
    )
    return arn


def ensure_updated(module, client, current, desired):
    """Returns ``(changed, changes, resulting tags)``."""
    modify, attributes, changes = compare(current, desired)
    tags = plan_tags(current["tags"], desired["tags"], module.params["purge_tags"])
    if tags.to_set:
        changes.append("tags set " + ", ".join(sorted(tags.to_set)))
    if tags.to_unset:
        changes.append("tags removed " + ", ".join(tags.to_unset))
    arn = current["target_group_arn"]
    if not module.check_mode:
        if modify:
            client.modify_target_group(TargetGroupArn=arn, aws_retry=True, **modify)
        if attributes:
            client.modify_target_group_attributes(
                TargetGroupArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()], aws_retry=True
            )
    apply_tags(
        tags,
        tag=lambda to_set: client.add_tags(
            ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True
        ),
        untag=lambda keys: client.remove_tags(ResourceArns=[arn], TagKeys=keys, aws_retry=True),
        check_mode=module.check_mode,
    )
    return bool(changes), changes, tags.result


def ensure_deleted(module, client, groups):
    deleted = []
    for group in groups:
        if not module.check_mode:
            try:
                client.delete_target_group(TargetGroupArn=group["target_group_arn"], aws_retry=True)
            except is_boto3_error_code("TargetGroupNotFound"):
                continue
        deleted.append(group["target_group_arn"])
    return deleted


# ------------------------------------------------------------------------------------------------ main


def main():
    group_options = dict(
        name=dict(type="str", required=True),
        protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
        port=dict(type="int", required=True),
        target_type=dict(type="str", choices=["instance", "ip", "lambda"], default="ip"),
        health_check_protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
        health_check_port=dict(type="str", default="traffic-port"),
        health_check_path=dict(type="str", default="/"),
        health_check_interval=dict(type="int", default=30),
        health_check_timeout=dict(type="int"),
        healthy_threshold_count=dict(type="int", default=5),
        unhealthy_threshold_count=dict(type="int", default=2),
        successful_response_codes=dict(type="str", default="200"),
        deregistration_delay_timeout=dict(type="int", default=300),
        tags=dict(type="dict", default={}),
    )
    argument_spec = dict(
        vpc_id=dict(type="str"),
        target_groups=dict(type="list", elements="dict", default=[], options=group_options),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=True),
        purge=dict(type="bool", default=False),
        purge_match_tags=dict(type="dict", default={}),
        purge_name_prefix=dict(type="str", default=""),
        only_purge=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    errors = validate(params)
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)
    fail_if_pending(module, vpc_id=params["vpc_id"])

    desired = [desired_state(g, params["vpc_id"], params["tags"]) for g in params["target_groups"]]
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    results, deleted, before, after = [], [], {}, {}
    any_changed = False
    step = "read the target groups"
    try:
        existing = paginate(client, "describe_target_groups", "TargetGroups")
        wanted_names = {d["name"] for d in desired}
        # Tags only of the listed groups and, for purge, of every other group (the managed ones are found by tag).
        to_tag = [g["TargetGroupArn"] for g in existing if params["purge"] or g["TargetGroupName"] in wanted_names]
        tags_by_arn = describe_tags_by_arn(client, to_tag)
        by_name = {g["TargetGroupName"]: g for g in existing}
        prefix = params["purge_name_prefix"]
        unlisted = sorted(name for name in by_name if prefix and name.startswith(prefix) and name not in wanted_names)

        current = {}
        problems = []
        for wanted in desired:
            group = by_name.get(wanted["name"])
            if group is None or params["only_purge"]:
                continue
            arn = group["TargetGroupArn"]
            state = current_state(group, tags_by_arn.get(arn, {}), describe_attributes(client, arn))
            fixed = fixed_differences(state, wanted)
            if fixed:
                problems.append(
                    f"target group {wanted['name']} ({arn}) has {', '.join(fixed)}; these cannot change on an existing "
                    "group: delete it (after removing the rules that forward to it) or give the group another name"
                )
            current[wanted["name"]] = state
        if problems:
            module.fail_json(msg="Cannot manage the target groups: " + "; ".join(problems), errors=problems)

        stale = []
        if params["purge"]:
            stale = [
                current_state(g, tags_by_arn.get(g["TargetGroupArn"], {}), {})
                for g in existing
                if g["TargetGroupName"] not in wanted_names
                and g["TargetGroupName"].startswith(params["purge_name_prefix"] or "")
                and carries(tags_by_arn.get(g["TargetGroupArn"]), params["purge_match_tags"])
            ]

        for wanted in desired:
            step = f"manage target group {wanted['name']}"
            if params["only_purge"]:
                group = by_name.get(wanted["name"])
                arn = group["TargetGroupArn"] if group else pending_id("target-group", wanted["name"])
                results.append({"name": wanted["name"], "target_group_arn": arn, "changed": False, "changes": []})
                continue
            existing_state = current.get(wanted["name"])
            if existing_state is None:
                arn = ensure_created(module, client, wanted)
                changed, changes = True, ["created"]
                after[wanted["name"]] = view(dict(wanted, target_group_arn=arn))
            else:
                arn = existing_state["target_group_arn"]
                changed, changes, tags = ensure_updated(module, client, existing_state, wanted)
                before[wanted["name"]] = view(existing_state)
                result_state = dict(existing_state)
                result_state.update({k: v for k, v in wanted.items() if v is not None and k != "vpc_id"})
                result_state["tags"] = tags
                after[wanted["name"]] = view(result_state)
            any_changed |= changed
            results.append({"name": wanted["name"], "target_group_arn": arn, "changed": changed, "changes": changes})

        step = "delete the managed target groups that are not listed"
        for group in stale:
            before[group["name"]] = view(group)
        deleted = ensure_deleted(module, client, stale)
        any_changed |= bool(deleted)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to {step}", target_groups=results, deleted=deleted, changed=any_changed)

    module.exit_json(
        changed=any_changed,
        target_groups=results,
        target_group_arns={r["name"]: r["target_group_arn"] for r in results},
        deleted=deleted,
        unlisted_with_prefix=unlisted,
        diff={"before": before, "after": after},
    )


if __name__ == "__main__":
    main()
