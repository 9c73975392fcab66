# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``rocketclub.platform.eventbridge_rule``: its ``main()`` in-process against moto in-process, with the local cloud's
EventBridge corrections patched in (``localcloud.events_fidelity``: five targets per rule, ten entries per call,
armed partial ``PutTargets`` failures), so that no test depends on moto's leniency. The state is read back with
boto3, and the module's own calls are recorded (the test's reads and writes are not). The same corrections in the
local cloud's daemon (wiring, control endpoint, reset) are tests/localcloud/test_events_fidelity.py."""

from __future__ import annotations

import json

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import eventbridge_rule

REGION = "eu-west-2"
RULE = "rc-test-aurora-auto-start"
QUEUE_ARN = "arn:aws:sqs:eu-west-2:123456789012:rc-test-rds-events"
OTHER_ARN = "arn:aws:sqs:eu-west-2:123456789012:rc-test-other"
PATTERN = {
    "source": ["aws.rds"],
    "detail-type": ["RDS DB Cluster Event"],
    "detail": {"EventID": ["RDS-EVENT-0153"], "SourceType": ["CLUSTER"]},
    "resources": [{"suffix": ":cluster:rc-test"}],
}
TAGS = {"platform:env": "test", "platform:managed-by": "rocketclub.platform", "platform:component": "eda"}
DESCRIPTION = "AWS started the stopped Aurora cluster rc-test (RDS-EVENT-0153): re-park"
NOOP_READS = ["DescribeRule", "ListTargetsByRule", "ListTagsForResource"]


READS = ("Describe", "List", "Get")


class Cloud:
    """boto3 ``events`` for the test, and the operations the module called, in order."""

    def __init__(self, events):
        self.events = events
        self.options = {}  # moto intercepts the module's own client: no endpoint, the environment's credentials
        self.calls = []

    def operations(self):
        return list(self.calls)

    def writes(self):
        return [operation for operation in self.calls if not operation.startswith(READS)]

    def clear(self):
        self.calls.clear()

    def rule(self):
        try:
            return self.events.describe_rule(Name=RULE)
        except self.events.exceptions.ResourceNotFoundException:
            return None

    def pattern(self):
        return json.loads(self.rule()["EventPattern"])

    def targets(self):
        return {t["Id"]: t for t in self.events.list_targets_by_rule(Rule=RULE)["Targets"]}

    def tags(self):
        arn = self.rule()["Arn"]
        return {t["Key"]: t["Value"] for t in self.events.list_tags_for_resource(ResourceARN=arn)["Tags"]}

    @staticmethod
    def fail_put_targets(*target_ids):
        """Arm a partial PutTargets failure for these ids (localcloud.events_fidelity)."""
        from localcloud import events_fidelity

        return events_fidelity.arm_failures(target_ids)


@pytest.fixture
def cloud(moto_aws, monkeypatch):
    import boto3
    import botocore.client

    from localcloud import events_fidelity

    events_fidelity.patch(monkeypatch.setattr)
    cloud = Cloud(boto3.client("events", region_name=REGION))
    original = botocore.client.BaseClient._make_api_call

    def recording(client, operation_name, api_params):
        if client is not cloud.events:
            cloud.calls.append(operation_name)
        return original(client, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    yield cloud
    events_fidelity.clear_failures()


@pytest.fixture
def run(run_module, cloud):
    def _run(args, check_mode=False, diff=True):
        return run_module(eventbridge_rule.main, dict(args, **cloud.options), check_mode=check_mode, diff=diff).result

    return _run


def args(**extra):
    """The options of playbooks/eda_rds_events.yml's rule task."""
    base = {
        "name": RULE,
        "description": DESCRIPTION,
        "event_pattern": PATTERN,
        "targets": [{"id": "rds-events-queue", "arn": QUEUE_ARN}],
        "tags": dict(TAGS),
    }
    base.update(extra)
    return base


@pytest.fixture
def converged(cloud, run):
    result = run(args())
    assert result["changed"] is True and not result.get("failed"), result
    cloud.clear()
    return result


# ------------------------------------------------------------------------------------------------ create, no-op


def test_create_then_a_second_run_writes_nothing(cloud, run):
    first = run(args())
    assert first["changed"] is True, first
    assert cloud.writes() == ["PutRule", "PutTargets"]  # tags go with PutRule
    rule = cloud.rule()
    assert cloud.pattern() == PATTERN and rule["State"] == "ENABLED" and rule["Description"] == DESCRIPTION
    assert {i: t["Arn"] for i, t in cloud.targets().items()} == {"rds-events-queue": QUEUE_ARN}
    assert cloud.tags() == TAGS
    assert first["rule"]["arn"] == rule["Arn"]
    assert first["diff"]["before"] == {}
    assert first["diff"]["after"]["targets"] == [{"id": "rds-events-queue", "arn": QUEUE_ARN}]
    assert first["diff"]["after"]["event_pattern"] == PATTERN and first["diff"]["after"]["tags"] == TAGS

    cloud.clear()
    second = run(args())
    assert second["changed"] is False, second
    assert cloud.writes() == []
    assert cloud.operations() == NOOP_READS
    assert second["diff"]["before"] == second["diff"]["after"]
    assert second["rule"]["arn"] == rule["Arn"]


def test_pattern_given_as_json_text_in_another_key_order_is_the_same(cloud, converged, run):
    text = json.dumps(dict(reversed(list(PATTERN.items()))), indent=4)
    result = run(args(event_pattern=text))
    assert result["changed"] is False and cloud.writes() == [], result


# ------------------------------------------------------------------------------------------------ check mode


def test_check_mode_on_an_empty_account_predicts_the_create_and_writes_nothing(cloud, run):
    cloud.clear()
    check = run(args(), check_mode=True)
    assert check["changed"] is True, check
    assert cloud.writes() == [] and cloud.operations() == ["DescribeRule"]
    assert cloud.rule() is None
    assert check["rule"]["arn"] is None
    assert check["diff"]["before"] == {}
    after = check["diff"]["after"]
    assert after["event_pattern"] == PATTERN and after["state"] == "ENABLED" and after["tags"] == TAGS
    assert after["targets"] == [{"id": "rds-events-queue", "arn": QUEUE_ARN}]

    real = run(args())
    assert real["changed"] is True
    assert {k: v for k, v in real["diff"]["after"].items() if k != "arn"} == {
        k: v for k, v in after.items() if k != "arn"
    }


def test_check_mode_on_a_partial_rule_predicts_only_what_is_missing(cloud, run):
    # The rule exists (pattern sent in another key order and spacing), without target and tags.
    cloud.events.put_rule(
        Name=RULE, EventPattern=json.dumps(dict(reversed(list(PATTERN.items())))), Description=DESCRIPTION
    )
    cloud.clear()
    check = run(args(), check_mode=True)
    assert check["changed"] is True and cloud.writes() == [], check
    assert check["diff"]["before"]["targets"] == [] and check["diff"]["before"]["tags"] == {}
    assert check["diff"]["before"]["event_pattern"] == check["diff"]["after"]["event_pattern"] == PATTERN
    assert cloud.targets() == {}

    cloud.clear()
    real = run(args())
    assert real["changed"] is True
    assert cloud.writes() == ["PutTargets", "TagResource"]  # no PutRule: the pattern is the same
    assert cloud.tags() == TAGS and list(cloud.targets()) == ["rds-events-queue"]


def test_check_mode_on_a_converged_rule_reports_no_change(cloud, converged, run):
    check = run(args(), check_mode=True)
    assert check["changed"] is False and cloud.writes() == [], check
    assert check["diff"]["before"] == check["diff"]["after"]


def test_a_pattern_changed_out_of_band_is_seen_by_check_and_restored(cloud, converged, run):
    cloud.events.put_rule(Name=RULE, EventPattern=json.dumps({"source": ["aws.ec2"]}), Description=DESCRIPTION)
    cloud.clear()
    check = run(args(), check_mode=True)
    assert check["changed"] is True and cloud.writes() == []
    assert check["diff"]["before"]["event_pattern"] == {"source": ["aws.ec2"]}
    assert check["diff"]["after"]["event_pattern"] == PATTERN
    assert cloud.pattern() == {"source": ["aws.ec2"]}

    real = run(args())
    assert real["changed"] is True and cloud.writes() == ["PutRule"]
    assert cloud.pattern() == PATTERN and cloud.rule()["Description"] == DESCRIPTION
    assert list(cloud.targets()) == ["rds-events-queue"] and cloud.tags() == TAGS  # PutRule kept both


def test_state_and_description(cloud, converged, run):
    result = run(args(rule_state="DISABLED"))
    assert result["changed"] is True and cloud.writes() == ["PutRule"]
    assert cloud.rule()["State"] == "DISABLED"
    # description not set: the rule keeps its own (PutRule would empty it if it were not sent)
    cloud.clear()
    kept = run(args(rule_state="DISABLED", description=None))
    assert kept["changed"] is False and cloud.writes() == []
    assert cloud.rule()["Description"] == DESCRIPTION


def test_an_update_keeps_the_rule_role_it_does_not_manage(cloud, converged, run):
    """PutRule replaces the whole rule: a RoleArn set outside the module is null after an update without it (moto
    does the same, so this fails without the module sending it back)."""
    role = "arn:aws:iam::123456789012:role/events-cross-account"
    cloud.events.put_rule(Name=RULE, EventPattern=json.dumps(PATTERN), Description=DESCRIPTION, RoleArn=role)
    cloud.events.put_rule(Name="probe", EventPattern=json.dumps(PATTERN), RoleArn=role)
    cloud.events.put_rule(Name="probe", EventPattern=json.dumps(PATTERN))
    assert "RoleArn" not in cloud.events.describe_rule(Name="probe")  # the emulator drops an unsent role, as AWS does
    cloud.clear()
    result = run(args(rule_state="DISABLED"))
    assert result["changed"] is True and cloud.writes() == ["PutRule"]
    assert cloud.rule()["State"] == "DISABLED"
    assert cloud.rule()["RoleArn"] == role
    cloud.clear()
    for check_mode in (True, False):  # the role is not a difference: --check and a second run change nothing
        again = run(args(rule_state="DISABLED"), check_mode=check_mode)
        assert again["changed"] is False and cloud.writes() == []
    assert cloud.rule()["RoleArn"] == role


# ------------------------------------------------------------------------------------------------ targets, tags


def test_targets_are_added_changed_and_purged(cloud, converged, run):
    cloud.events.put_targets(Rule=RULE, Targets=[{"Id": "stray", "Arn": OTHER_ARN}])
    targets = [
        {"id": "rds-events-queue", "arn": OTHER_ARN},
        {"id": "second", "arn": QUEUE_ARN, "input": '{"a": 1}'},
    ]
    cloud.clear()
    check = run(args(targets=targets), check_mode=True)
    assert check["changed"] is True and cloud.writes() == []
    assert [t["id"] for t in check["diff"]["before"]["targets"]] == ["rds-events-queue", "stray"]
    assert [t["id"] for t in check["diff"]["after"]["targets"]] == ["rds-events-queue", "second"]

    real = run(args(targets=targets))
    assert real["changed"] is True
    assert cloud.writes() == ["RemoveTargets", "PutTargets"]  # removed first: a rule never exceeds five
    live = cloud.targets()
    assert sorted(live) == ["rds-events-queue", "second"]
    assert live["rds-events-queue"]["Arn"] == OTHER_ARN and json.loads(live["second"]["Input"]) == {"a": 1}

    # the input compared as JSON: other spacing is no change
    cloud.clear()
    same = run(args(targets=[targets[0], dict(targets[1], input='{ "a" : 1 }')]))
    assert same["changed"] is False and cloud.writes() == []


def test_purge_targets_false_keeps_other_targets(cloud, converged, run):
    cloud.events.put_targets(Rule=RULE, Targets=[{"Id": "kept", "Arn": OTHER_ARN}])
    cloud.clear()
    result = run(args(purge_targets=False))
    assert result["changed"] is False and cloud.writes() == []
    assert sorted(cloud.targets()) == ["kept", "rds-events-queue"]


def test_more_than_five_targets_with_the_kept_ones_fails_before_any_write(cloud, converged, run):
    cloud.events.put_targets(Rule=RULE, Targets=[{"Id": f"kept{i}", "Arn": OTHER_ARN} for i in range(3)])
    cloud.clear()
    more = [{"id": "rds-events-queue", "arn": QUEUE_ARN}, {"id": "a", "arn": QUEUE_ARN}, {"id": "b", "arn": QUEUE_ARN}]
    result = run(args(targets=more, purge_targets=False))
    assert result["failed"] is True and "at most 5" in result["msg"] and "purge_targets" in result["msg"]
    assert cloud.writes() == []


def test_tags_are_repaired_and_purged(cloud, converged, run):
    arn = cloud.rule()["Arn"]
    cloud.events.tag_resource(
        ResourceARN=arn, Tags=[{"Key": "stray", "Value": "x"}, {"Key": "platform:env", "Value": "other"}]
    )
    cloud.clear()
    check = run(args(), check_mode=True)
    assert check["changed"] is True and cloud.writes() == []
    assert check["diff"]["before"]["tags"] == dict(TAGS, stray="x", **{"platform:env": "other"})
    assert check["diff"]["after"]["tags"] == TAGS

    real = run(args())
    assert real["changed"] is True and cloud.writes() == ["UntagResource", "TagResource"]
    assert cloud.tags() == TAGS

    cloud.events.tag_resource(ResourceARN=arn, Tags=[{"Key": "stray", "Value": "x"}])
    cloud.clear()
    kept = run(args(purge_tags=False))
    assert kept["changed"] is False and cloud.writes() == [] and cloud.tags()["stray"] == "x"
    # tags not set: not read, not changed
    cloud.clear()
    untouched = run(args(tags=None))
    assert untouched["changed"] is False and "ListTagsForResource" not in cloud.operations()


# ------------------------------------------------------------------------------------------------ absent


def test_absent_removes_the_targets_first_then_the_rule(cloud, converged, run):
    cloud.events.put_targets(Rule=RULE, Targets=[{"Id": "second", "Arn": OTHER_ARN}])
    cloud.clear()
    check = run({"name": RULE, "state": "absent"}, check_mode=True)
    assert check["changed"] is True and cloud.writes() == [] and cloud.rule() is not None
    assert check["diff"]["after"] == {} and check["diff"]["before"]["name"] == RULE

    real = run({"name": RULE, "state": "absent"})
    assert real["changed"] is True and real["rule"] is None
    assert cloud.writes() == ["RemoveTargets", "DeleteRule"]
    assert cloud.rule() is None

    cloud.clear()
    again = run({"name": RULE, "state": "absent"})
    assert again["changed"] is False and cloud.writes() == [] and cloud.operations() == ["DescribeRule"]


def test_deleting_a_rule_with_targets_is_refused_as_aws_does(cloud, converged):
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError) as error:
        cloud.events.delete_rule(Name=RULE)
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "has targets" in error.value.response["Error"]["Message"]


# ------------------------------------------------------------------------------------------------ AWS answers


def test_a_partial_put_targets_failure_fails_the_module(cloud, converged, run):
    cloud.fail_put_targets("second")
    targets = [{"id": "rds-events-queue", "arn": QUEUE_ARN}, {"id": "first", "arn": OTHER_ARN}]
    targets.append({"id": "second", "arn": OTHER_ARN})
    cloud.clear()
    result = run(args(targets=targets))
    assert result["failed"] is True, result
    assert "PutTargets" in result["msg"] and "second: ConcurrentModificationException" in result["msg"]
    assert result["failed_entries"][0]["TargetId"] == "second"
    assert result["changed"] is True  # the other entry of the call was applied
    assert sorted(cloud.targets()) == ["first", "rds-events-queue"]

    # the next run puts the missing one only
    cloud.clear()
    again = run(args(targets=targets))
    assert again["changed"] is True and cloud.writes() == ["PutTargets"]
    assert sorted(cloud.targets()) == ["first", "rds-events-queue", "second"]


def test_a_rule_is_kept_at_five_targets_as_aws_does(cloud, converged):
    import botocore.exceptions

    targets = [{"Id": f"t{i}", "Arn": OTHER_ARN} for i in range(5)]
    with pytest.raises(botocore.exceptions.ClientError) as error:
        cloud.events.put_targets(Rule=RULE, Targets=targets)  # 1 + 5
    assert error.value.response["Error"]["Code"] == "LimitExceededException"
    assert list(cloud.targets()) == ["rds-events-queue"]


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "extra, words",
    [
        ({"event_pattern": "{not json"}, ["event_pattern is not valid JSON", "dict or a JSON object string"]),
        ({"event_pattern": "[1, 2]"}, ["event_pattern must be a non-empty JSON object"]),
        ({"event_pattern": None}, ["event_pattern is required with state=present"]),
        ({"targets": [{"id": "x"}]}, ["targets[0]: arn is missing", "every target needs id and arn"]),
        ({"targets": [{"arn": QUEUE_ARN}]}, ["targets[0]: id is missing"]),
        (
            {"targets": [{"id": f"t{i}", "arn": QUEUE_ARN} for i in range(6)]},
            ["targets lists 6 targets", "at most 5"],
        ),
        ({"targets": [{"id": "a", "arn": QUEUE_ARN}] * 2}, ["targets[1].id 'a' is listed twice"]),
        ({"targets": [{"id": "a", "arn": "sqs-queue"}]}, ["targets[0].arn 'sqs-queue' must be an ARN"]),
        ({"targets": [{"id": "a", "arn": QUEUE_ARN, "input": "{x"}]}, ["targets[0].input is not valid JSON"]),
        ({"name": "bad name"}, ["name 'bad name' must be 1 to 64 characters"]),
        ({"description": "d" * 513}, ["description is 513 characters"]),
        ({"tags": {"aws:x": "y"}}, ["tags: key 'aws:x'"]),
    ],
)
def test_bad_input_fails_before_any_call(cloud, run, extra, words):
    cloud.clear()
    result = run(args(**extra))
    assert result["failed"] is True, result
    for word in words:
        assert word in result["msg"], result["msg"]
    assert cloud.operations() == []


# ------------------------------------------------------------------------------------------------ pure parts


def test_plan_targets():
    current = {"a": {"id": "a", "arn": "arn:1"}, "b": {"id": "b", "arn": "arn:2", "RetryPolicy": {"x": 1}}}
    specs = [{"id": "a", "arn": "arn:1", "input": None, "role_arn": None}, {"id": "b", "arn": "arn:2"}]
    to_put, to_remove, after = eventbridge_rule.plan_targets(current, specs, purge=True)
    # a hand-made retry policy on b is not declared: b is put again with exactly the declared fields
    assert to_put == [{"id": "b", "arn": "arn:2"}] and to_remove == []
    assert after == [{"id": "a", "arn": "arn:1"}, {"id": "b", "arn": "arn:2"}]
    assert eventbridge_rule.plan_targets(current, [], purge=True)[1] == ["a", "b"]
    assert eventbridge_rule.plan_targets(current, [], purge=False)[1] == []


def test_parse_pattern():
    assert eventbridge_rule.parse_pattern('{"b": [1], "a": ["x"]}') == ({"b": [1], "a": ["x"]}, None)
    assert eventbridge_rule.parse_pattern({"a": ["x"]}) == ({"a": ["x"]}, None)
    assert "at most 4096" in eventbridge_rule.parse_pattern({"a": ["x" * 5000]})[1]
    assert "must be a dict" in eventbridge_rule.parse_pattern(5)[1]


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(eventbridge_rule) == []
