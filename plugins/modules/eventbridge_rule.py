#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: eventbridge_rule
version_added: 0.1.0
short_description: Manage one EventBridge rule with an event pattern, its targets and tags, with check mode and diff
description:
  - Creates, reconciles or deletes one Amazon EventBridge rule (event pattern, description, state), its targets and
    its tags.
  - Closes the gap of M(amazon.aws.cloudwatchevent_rule), which has no check mode (under C(--check) the task is
    skipped, so C(--check) cannot predict the rule) and no diff. This module reads the rule
    (C(DescribeRule), C(ListTargetsByRule), C(ListTagsForResource)), plans, and writes only what differs; check
    mode makes the same plan and reports the same C(changed) without any write call, and C(--diff) shows the rule
    fields, targets and tags before and after.
  - The event pattern is compared semantically. AWS returns C(EventPattern) as a JSON string whose key order and
    whitespace may differ from what was sent (and terraform-provider-aws C(internal/service/events/rule.go)
    normalises it the same way); both sides are parsed with C(json.loads) and compared as data.
  - C(PutRule) replaces the whole rule; a field it is not given becomes empty (PutRule documentation in botocore's
    C(events) model). The module therefore always sends the pattern, the description (the current one when
    O(description) is not set) and the state, and, when it updates a rule that has one, the rule's role
    (C(RoleArn)), which it does not manage but must not drop.
  - Right after C(PutRule) creates a rule, C(DescribeRule) may still answer C(ResourceNotFoundException)
    (eventual consistency), so the module retries it for up to 2 minutes before writing targets or tags, as
    terraform-provider-aws C(resourceRuleCreate) does.
  - Targets are removed before targets are added, so that a rule never needs more than five at once (the AWS
    quota). C(PutTargets) and C(RemoveTargets) answer HTTP 200 with C(FailedEntryCount) when some entries were
    not applied (for example C(ConcurrentModificationException)); the module then fails naming each failed
    target, its error code and message, and which writes were already made. It never reports such a call as a
    success.
  - O(state=absent) removes every target first (C(DeleteRule) fails while a rule has targets) and then deletes the
    rule, retrying C(ValidationException) "Rule can't be deleted since it has targets" for up to 5 minutes, as
    terraform-provider-aws C(resourceRuleDelete) does.
  - All input is checked before the first API call (names, lengths and patterns of botocore's C(events) model, the
    event pattern as a JSON object, at most five targets, target input as JSON); each message names the option
    and the fix.
author:
  - rocketclub platform team (@rocketclub)
options:
  name:
    description:
      - Name of the rule, 1 to 64 characters of C(A-Z a-z 0-9 . - _).
    type: str
    required: true
  description:
    description:
      - Description of the rule, at most 512 characters.
      - Not set, an existing rule keeps its description and a new one has none.
    type: str
  event_pattern:
    description:
      - The event pattern, as a dict or as a JSON object string.
      - Required with O(state=present). At most 4096 characters once serialised.
    type: raw
  rule_state:
    description:
      - State of the rule with O(state=present).
    type: str
    choices: ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']
    default: ENABLED
  state:
    description:
      - V(present) creates or reconciles the rule; V(absent) removes its targets and deletes it.
    type: str
    choices: ['present', 'absent']
    default: present
  targets:
    description:
      - The targets of the rule, at most five (the AWS quota per rule).
      - Not set, the targets are left as they are.
      - A target whose live definition differs in any field (also fields this module does not set, such as a retry
        policy added by hand) is put again with exactly these fields.
    type: list
    elements: dict
    suboptions:
      id:
        description:
          - Required. Id of the target within the rule, 1 to 64 characters of C(A-Z a-z 0-9 . - _).
        type: str
      arn:
        description:
          - Required. ARN of the target (for example an SQS queue), at most 1600 characters.
        type: str
      input:
        description:
          - Constant JSON text sent to the target instead of the event, at most 8192 characters. Compared as
            JSON data.
        type: str
      role_arn:
        description:
          - IAM role EventBridge assumes to invoke this target (not needed for SQS, SNS, Lambda or CloudWatch Logs
            targets, which resource policies authorise).
        type: str
  purge_targets:
    description:
      - Remove the targets of the rule that O(targets) does not list. Only with O(targets) set.
    type: bool
    default: true
  tags:
    description:
      - Tags of the rule (at most 50; keys 1 to 128 characters, values at most 256; no C(aws:) keys).
      - Not set, the tags are left as they are.
    type: dict
  purge_tags:
    description:
      - Remove the tags O(tags) does not name (never C(aws:) tags). Only with O(tags) set.
    type: bool
    default: true
  event_bus_name:
    description:
      - Name or ARN of the event bus of the rule.
    type: str
    default: default
notes:
  - Supports check mode and diff mode. Check mode returns RV(rule.arn) V(null) for a rule it would create.
  - Required IAM actions are C(events:DescribeRule), C(events:ListTargetsByRule), C(events:ListTagsForResource) and,
    for changes, C(events:PutRule), C(events:PutTargets), C(events:RemoveTargets), C(events:DeleteRule),
    C(events:TagResource), C(events:UntagResource).
  - Rules with a schedule expression, managed rules (C(Force)), input paths, input transformers and the other
    target parameters are out of scope; an existing rule's schedule expression is kept by C(PutRule) only if sent,
    so the module refuses to update a rule that has one.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send RDS-EVENT-0153 of the cluster to the queue
  rocketclub.platform.eventbridge_rule:
    name: rocketclub-dev-aurora-auto-start
    description: AWS started the stopped Aurora cluster (RDS-EVENT-0153)
    event_pattern:
      source: [aws.rds]
      detail-type: [RDS DB Cluster Event]
      detail: {EventID: [RDS-EVENT-0153], SourceType: [CLUSTER]}
      resources: [{suffix: ":cluster:rocketclub-dev"}]
    targets:
      - id: rds-events-queue
        arn: arn:aws:sqs:eu-west-2:123456789012:rocketclub-dev-rds-events
    tags:
      platform:env: dev
  register: rule

- name: Remove the rule (its targets first)
  rocketclub.platform.eventbridge_rule:
    name: rocketclub-dev-aurora-auto-start
    state: absent
"""

RETURN = r"""
rule:
  description:
    - The rule once the task is done (in check mode, as predicted); V(null) with O(state=absent).
  returned: always
  type: dict
  sample: {"name": "rocketclub-dev-aurora-auto-start", "arn": "arn:aws:events:eu-west-2:123456789012:rule/x",
           "description": "re-park", "event_pattern": {"source": ["aws.rds"]}, "state": "ENABLED",
           "event_bus_name": "default", "targets": [{"id": "q", "arn": "arn:aws:sqs:eu-west-2:123456789012:q"}],
           "tags": {"platform:env": "dev"}}
  contains:
    name:
      description: Name of the rule.
      returned: always
      type: str
      sample: rocketclub-dev-aurora-auto-start
    arn:
      description: ARN of the rule; V(null) in check mode for a rule that would be created.
      returned: always
      type: str
      sample: arn:aws:events:eu-west-2:123456789012:rule/rocketclub-dev-aurora-auto-start
    description:
      description: Description of the rule.
      returned: always
      type: str
      sample: re-park
    event_pattern:
      description: The event pattern, parsed.
      returned: always
      type: dict
      sample: {"source": ["aws.rds"]}
    state:
      description: State of the rule.
      returned: always
      type: str
      sample: ENABLED
    event_bus_name:
      description: The event bus of the rule, as given.
      returned: always
      type: str
      sample: default
    targets:
      description: The targets, sorted by id (C(input) and C(role_arn) only when set).
      returned: always
      type: list
      elements: dict
      sample: [{"id": "q", "arn": "arn:aws:sqs:eu-west-2:123456789012:q"}]
    tags:
      description: Tags of the rule; V(null) when O(tags) is not set (they are not read then).
      returned: always
      type: dict
      sample: {"platform:env": "dev"}
"""

import json
import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import Propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.eventual_consistency import retry_propagation
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

# Limits of botocore's events model (events/2015-10-07/service-2.json) and its PutTargets documentation.
NAME_RE = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
BUS_RE = re.compile(r"^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus/)?[/.\-_A-Za-z0-9]{1,1600}$")
MAX_DESCRIPTION = 512
MAX_PATTERN = 4096
MAX_TARGET_ARN = 1600
MAX_INPUT = 8192
MAX_TARGETS_PER_RULE = 5  # "Each rule can have up to five (5) targets associated with it at one time."
MAX_ENTRIES_PER_CALL = 10  # PutTargets and RemoveTargets: "The maximum number of entries per request is 10."
MAX_TAGS = 50
TARGET_KEYS = {"Id": "id", "Arn": "arn", "Input": "input", "RoleArn": "role_arn"}

# terraform-provider-aws internal/service/events/rule.go: resourceRuleCreate retries DescribeRule while it answers
# "not found" for 2 minutes; resourceRuleDelete retries DeleteRule on ValidationException "Rule can't be deleted
# since it has targets" for 5 minutes (RemoveTargets is eventually consistent too).
DESCRIBE_NEW_RULE = Propagation(
    "events:DescribeRule",
    (("ResourceNotFoundException", None),),
    budget=120,
    source="terraform-provider-aws internal/service/events/rule.go (resourceRuleCreate)",
)
DELETE_RULE = Propagation(
    "events:DeleteRule",
    (("ValidationException", "Rule can't be deleted since it has targets"),),
    budget=300,
    source="terraform-provider-aws internal/service/events/rule.go (resourceRuleDelete)",
)


class EntryFailures(Exception):
    """A PutTargets or RemoveTargets answer with FailedEntryCount > 0."""

    def __init__(self, operation, entries):
        super().__init__(operation)
        self.operation = operation
        self.entries = entries


# ------------------------------------------------------------------------------------------------ input


def parse_pattern(value):
    """(pattern dict, None) or (None, problem) for the event_pattern option (dict or JSON object string)."""
    example = 'for example {"source": ["aws.rds"]}'
    if isinstance(value, dict):
        pattern = value
    elif isinstance(value, str):
        try:
            pattern = json.loads(value)
        except ValueError as e:
            return None, f"event_pattern is not valid JSON ({e}): give a dict or a JSON object string, {example}"
    else:
        return None, f"event_pattern must be a dict or a JSON object string, not {type(value).__name__}: {example}"
    if not isinstance(pattern, dict) or not pattern:
        return None, f"event_pattern must be a non-empty JSON object, not {json.dumps(pattern)}: {example}"
    try:
        text = json.dumps(pattern, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        return None, f"event_pattern cannot be serialised as JSON ({e}): use only strings, numbers, lists and dicts"
    if len(text) > MAX_PATTERN:
        return None, f"event_pattern is {len(text)} characters as JSON; EventBridge takes at most {MAX_PATTERN}"
    return pattern, None


def normalise_json_text(text):
    """JSON text parsed (for semantic comparison), or the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def validate(params):
    """Every problem of the options, as messages naming the option and the fix; [] when none. No API call."""
    problems = []
    if not NAME_RE.match(params["name"] or ""):
        problems.append(
            f"name {params['name']!r} must be 1 to 64 characters of A-Z a-z 0-9 . - _ (the EventBridge rule name)"
        )
    if not BUS_RE.match(params["event_bus_name"] or ""):
        problems.append(f"event_bus_name {params['event_bus_name']!r} is not an event bus name or ARN, e.g. default")
    if params["state"] == "absent":
        return problems
    if params["description"] is not None and len(params["description"]) > MAX_DESCRIPTION:
        problems.append(f"description is {len(params['description'])} characters; EventBridge takes at most 512")
    if params["event_pattern"] is None:
        problems.append('event_pattern is required with state=present, e.g. {"source": ["aws.rds"]}')
    else:
        problems.extend(p for p in [parse_pattern(params["event_pattern"])[1]] if p)
    targets = params["targets"] or []
    if len(targets) > MAX_TARGETS_PER_RULE:
        problems.append(
            f"targets lists {len(targets)} targets; an EventBridge rule can have at most {MAX_TARGETS_PER_RULE}: "
            "split them over several rules"
        )
    seen = set()
    for index, target in enumerate(targets):
        where = f"targets[{index}]"
        for key in ("id", "arn"):
            if not target.get(key):
                problems.append(
                    f"{where}: {key} is missing; every target needs id and arn, e.g. {{id: queue, arn: "
                    "arn:aws:sqs:eu-west-2:123456789012:queue}"
                )
        target_id, arn = target.get("id") or "", target.get("arn") or ""
        if target_id and not NAME_RE.match(target_id):
            problems.append(f"{where}.id {target_id!r} must be 1 to 64 characters of A-Z a-z 0-9 . - _")
        if target_id in seen:
            problems.append(f"{where}.id {target_id!r} is listed twice; target ids are unique within a rule")
        seen.add(target_id)
        if arn and (not arn.startswith("arn:") or len(arn) > MAX_TARGET_ARN):
            problems.append(f"{where}.arn {arn!r} must be an ARN (arn:...) of at most {MAX_TARGET_ARN} characters")
        if target.get("role_arn") and not target["role_arn"].startswith("arn:"):
            problems.append(f"{where}.role_arn {target['role_arn']!r} must be an IAM role ARN (arn:...)")
        text = target.get("input")
        if text is not None:
            if len(text) > MAX_INPUT:
                problems.append(f"{where}.input is {len(text)} characters; EventBridge takes at most {MAX_INPUT}")
            try:
                json.loads(text)
            except ValueError as e:
                problems.append(f'{where}.input is not valid JSON ({e}): give JSON text, e.g. \'{{"action": "x"}}\'')
    tags = params["tags"]
    if tags is not None:
        if len(tags) > MAX_TAGS:
            problems.append(f"tags has {len(tags)} tags; an EventBridge rule takes at most {MAX_TAGS}")
        for key, value in as_dict(tags).items():
            if not 1 <= len(key) <= 128 or key.startswith("aws:"):
                problems.append(f"tags: key {key!r} must be 1 to 128 characters and not start with aws:")
            if len(value) > 256:
                problems.append(f"tags: the value of {key!r} is {len(value)} characters; at most 256")
    return problems


# ------------------------------------------------------------------------------------------------ state


def target_view(target):
    """A target (API shape) as the module shows it: id, arn, input, role_arn when set; other fields kept
    (camel case as AWS names them), so that a hand-made retry policy shows in the diff."""
    view = {}
    for key, value in target.items():
        if value in (None, ""):
            continue
        view[TARGET_KEYS.get(key, key)] = value
    return view


def desired_target(spec):
    view = {"id": spec["id"], "arn": spec["arn"]}
    if spec.get("input") is not None:
        view["input"] = spec["input"]
    if spec.get("role_arn"):
        view["role_arn"] = spec["role_arn"]
    return view


def comparable(view):
    return dict(view, input=normalise_json_text(view["input"])) if "input" in view else view


def to_api_target(view):
    back = {v: k for k, v in TARGET_KEYS.items()}
    return {back[k]: v for k, v in view.items() if k in back}


def plan_targets(current, specs, purge):
    """(to_put [views], to_remove [ids], after [views]) to make ``current`` (views by id) carry ``specs``."""
    desired = {s["id"]: desired_target(s) for s in specs}
    to_put = [v for i, v in sorted(desired.items()) if i not in current or comparable(current[i]) != comparable(v)]
    to_remove = sorted(i for i in current if i not in desired) if purge else []
    after = {i: v for i, v in current.items() if i not in to_remove}
    after.update(desired)
    return to_put, to_remove, [after[i] for i in sorted(after)]


def rule_view(describe, targets, tags):
    return {
        "name": describe.get("Name"),
        "arn": describe.get("Arn"),
        "description": describe.get("Description") or "",
        "event_pattern": normalise_json_text(describe.get("EventPattern")) if describe.get("EventPattern") else None,
        "state": describe.get("State"),
        "event_bus_name": describe.get("EventBusName"),
        "targets": targets,
        "tags": tags,
    }


# ------------------------------------------------------------------------------------------------ API


class Rule:
    """Reads and writes of one rule; every write is skipped in check mode."""

    def __init__(self, module, client, sleep=None):
        self.module = module
        self.client = client
        self.sleep = sleep
        self.params = module.params
        self.bus = {"EventBusName": module.params["event_bus_name"]}
        self.writes = []

    def describe(self):
        try:
            return self.client.describe_rule(aws_retry=True, Name=self.params["name"], **self.bus)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None

    def describe_new(self):
        """DescribeRule right after PutRule created the rule: 'not found' is retried (eventual consistency)."""
        call = retry_propagation(self.module, DESCRIBE_NEW_RULE, f"rule {self.params['name']}", sleep=self.sleep)
        return call(self.client.describe_rule)(aws_retry=True, Name=self.params["name"], **self.bus)

    def targets(self):
        found = paginate(self.client, "list_targets_by_rule", "Targets", Rule=self.params["name"], **self.bus)
        return {t["Id"]: target_view(t) for t in found}

    def tags(self, arn):
        return as_dict(self.client.list_tags_for_resource(aws_retry=True, ResourceARN=arn).get("Tags"))

    def put_rule(self, pattern, description, state, tags=None, role_arn=None):
        params = {
            "Name": self.params["name"],
            "EventPattern": json.dumps(pattern, separators=(",", ":")),
            "Description": description,
            "State": state,
        }
        params.update(self.bus)
        if role_arn:
            params["RoleArn"] = role_arn
        if tags:
            params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
        self.writes.append("PutRule")
        return self.client.put_rule(aws_retry=True, **params)["RuleArn"]

    def remove_targets(self, ids):
        for batch in chunks(ids, MAX_ENTRIES_PER_CALL):
            self.writes.append("RemoveTargets")
            answer = self.client.remove_targets(aws_retry=True, Rule=self.params["name"], Ids=batch, **self.bus)
            if answer.get("FailedEntryCount"):
                raise EntryFailures("RemoveTargets", answer.get("FailedEntries") or [])

    def put_targets(self, views):
        for batch in chunks(views, MAX_ENTRIES_PER_CALL):
            self.writes.append("PutTargets")
            answer = self.client.put_targets(
                aws_retry=True, Rule=self.params["name"], Targets=[to_api_target(v) for v in batch], **self.bus
            )
            if answer.get("FailedEntryCount"):
                raise EntryFailures("PutTargets", answer.get("FailedEntries") or [])

    def delete(self):
        call = retry_propagation(self.module, DELETE_RULE, f"rule {self.params['name']}", sleep=self.sleep)
        self.writes.append("DeleteRule")
        call(self.client.delete_rule)(aws_retry=True, Name=self.params["name"], **self.bus)

    def tag(self, arn, tags):
        self.writes.append("TagResource")
        self.client.tag_resource(aws_retry=True, ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(tags))

    def untag(self, arn, keys):
        self.writes.append("UntagResource")
        self.client.untag_resource(aws_retry=True, ResourceARN=arn, TagKeys=list(keys))


def run_absent(module, rule):
    describe = rule.describe()
    if describe is None:
        return {"changed": False, "rule": None, "diff": {"before": {}, "after": {}}}
    current = rule.targets()
    before = rule_view(describe, [current[i] for i in sorted(current)], None)
    if not module.check_mode:
        if current:
            rule.remove_targets(sorted(current))
        rule.delete()
    return {"changed": True, "rule": None, "diff": {"before": before, "after": {}}}


def run_present(module, rule):
    params = module.params
    pattern = parse_pattern(params["event_pattern"])[0]
    manage_targets, manage_tags = params["targets"] is not None, params["tags"] is not None
    describe = rule.describe()
    check = module.check_mode
    if describe is None:
        description = params["description"] or ""
        tags = as_dict(params["tags"]) if manage_tags else None
        targets = [desired_target(s) for s in sorted(params["targets"] or [], key=lambda s: s["id"])]
        after = {
            "name": params["name"],
            "arn": None,
            "description": description,
            "event_pattern": pattern,
            "state": params["rule_state"],
            "event_bus_name": params["event_bus_name"],
            "targets": targets,
            "tags": tags,
        }
        if not check:
            after["arn"] = rule.put_rule(pattern, description, params["rule_state"], tags)
            rule.describe_new()
            if targets:
                rule.put_targets(targets)
        return {"changed": True, "rule": after, "diff": {"before": {}, "after": after}}

    if describe.get("ScheduleExpression"):
        module.fail_json(
            msg=f"Rule {params['name']} has the schedule expression {describe['ScheduleExpression']!r}; this module "
            "manages event-pattern rules only and would drop it (PutRule replaces the whole rule). Manage this rule "
            "with amazon.aws.cloudwatchevent_rule, or give another name"
        )
    if describe.get("ManagedBy"):
        module.fail_json(msg=f"Rule {params['name']} is managed by {describe['ManagedBy']}; it is left alone")
    arn = describe["Arn"]
    current_targets = rule.targets()
    current_tags = rule.tags(arn) if manage_tags else None
    before = rule_view(describe, [current_targets[i] for i in sorted(current_targets)], current_tags)
    description = params["description"] if params["description"] is not None else before["description"]
    rule_changed = (
        before["event_pattern"] != pattern
        or before["description"] != description
        or before["state"] != params["rule_state"]
    )
    to_put, to_remove, targets_after = [], [], before["targets"]
    if manage_targets:
        to_put, to_remove, targets_after = plan_targets(current_targets, params["targets"], params["purge_targets"])
        if len(targets_after) > MAX_TARGETS_PER_RULE:
            module.fail_json(
                msg=f"Rule {params['name']} would have {len(targets_after)} targets "
                f"({', '.join(t['id'] for t in targets_after)}); EventBridge allows at most {MAX_TARGETS_PER_RULE} "
                "per rule: set purge_targets=true or list fewer targets. Nothing was changed"
            )
    tag_plan = plan_tags(current_tags, params["tags"], params["purge_tags"]) if manage_tags else None
    after = dict(
        before,
        description=description,
        event_pattern=pattern,
        state=params["rule_state"],
        targets=targets_after,
        tags=tag_plan.result if tag_plan else None,
    )
    changed = rule_changed or bool(to_put or to_remove) or bool(tag_plan and tag_plan.changed)
    if not check:
        if rule_changed:
            rule.put_rule(pattern, description, params["rule_state"], role_arn=describe.get("RoleArn"))
        if to_remove:
            rule.remove_targets(to_remove)
        if to_put:
            rule.put_targets(to_put)
        if tag_plan and tag_plan.to_unset:
            rule.untag(arn, tag_plan.to_unset)
        if tag_plan and tag_plan.to_set:
            rule.tag(arn, tag_plan.to_set)
    return {"changed": changed, "rule": after, "diff": {"before": before, "after": after}}


def entry_failure_message(params, error, writes):
    failed = "; ".join(
        f"{e.get('TargetId')}: {e.get('ErrorCode')} {e.get('ErrorMessage') or ''}".strip() for e in error.entries
    )
    return (
        f"{error.operation} on rule {params['name']} failed for {len(error.entries)} target(s): {failed}. AWS applied "
        f"the other entries of the call (writes made: {', '.join(writes)}). Run the task again; "
        "ConcurrentModificationException means too many requests at the same time"
    )


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        event_pattern=dict(type="raw"),
        rule_state=dict(
            type="str",
            choices=["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"],
            default="ENABLED",
        ),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        targets=dict(
            type="list",
            elements="dict",
            options=dict(
                id=dict(type="str"),
                arn=dict(type="str"),
                input=dict(type="str"),
                role_arn=dict(type="str"),
            ),
        ),
        purge_targets=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        event_bus_name=dict(type="str", default="default"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problems = validate(module.params)
    if problems:
        module.fail_json(msg="Invalid eventbridge_rule options: " + "; ".join(problems), errors=problems)
    client = module.client("events", retry_decorator=AWSRetry.jittered_backoff())
    rule = Rule(module, client)
    try:
        if module.params["state"] == "absent":
            result = run_absent(module, rule)
        else:
            result = run_present(module, rule)
    except EntryFailures as e:
        module.fail_json(
            msg=entry_failure_message(module.params, e, rule.writes),
            failed_entries=e.entries,
            changed=bool(rule.writes),
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e,
            msg=f"Failed to manage the EventBridge rule {module.params['name']} (writes made: "
            f"{', '.join(rule.writes) or 'none'})",
            changed=bool(rule.writes),
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
