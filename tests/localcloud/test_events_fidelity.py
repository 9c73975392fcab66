# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EventBridge in the local cloud's daemon as AWS answers it (localcloud.events_fidelity, hooked in through
moto_patches): five targets per rule, ten entries per PutTargets, partial failures armed through the control
endpoint and disarmed by a reset; DeleteRule refused while the rule has targets (moto's own behaviour, as AWS)."""

import json

import pytest
from botocore.exceptions import ClientError

from localcloud.client import LocalCloudError

RULE = "lc-events-rule"
ARN = "arn:aws:sqs:us-east-1:123456789012:lc-events-queue"


@pytest.fixture
def events(lc, aws):
    client = aws("events")
    client.put_rule(Name=RULE, EventPattern=json.dumps({"source": ["aws.rds"]}))
    return client


def _ids(events):
    return sorted(t["Id"] for t in events.list_targets_by_rule(Rule=RULE)["Targets"])


def test_a_rule_keeps_at_most_five_targets(events):
    events.put_targets(Rule=RULE, Targets=[{"Id": f"t{i}", "Arn": ARN} for i in range(5)])
    with pytest.raises(ClientError) as refused:
        events.put_targets(Rule=RULE, Targets=[{"Id": "t5", "Arn": ARN}])
    assert refused.value.response["Error"]["Code"] == "LimitExceededException"
    assert _ids(events) == [f"t{i}" for i in range(5)]  # nothing changed
    events.put_targets(Rule=RULE, Targets=[{"Id": "t0", "Arn": ARN, "Input": "{}"}])  # an update is no sixth
    with pytest.raises(ClientError) as too_many:
        events.put_targets(Rule=RULE, Targets=[{"Id": f"n{i}", "Arn": ARN} for i in range(11)])
    assert too_many.value.response["Error"]["Code"] == "ValidationException"


def test_an_armed_partial_failure_applies_the_other_entries(lc, events):
    armed = lc.call(lc.aws_url, "POST", "events/put-targets-failures", {"target_ids": ["b"]})
    assert armed["armed"] == ["b"] and armed["error_code"] == "ConcurrentModificationException"
    answer = events.put_targets(Rule=RULE, Targets=[{"Id": "a", "Arn": ARN}, {"Id": "b", "Arn": ARN}])
    assert answer["FailedEntryCount"] == 1
    assert answer["FailedEntries"][0]["TargetId"] == "b"
    assert answer["FailedEntries"][0]["ErrorCode"] == "ConcurrentModificationException"
    assert _ids(events) == ["a"]
    assert events.put_targets(Rule=RULE, Targets=[{"Id": "b", "Arn": ARN}])["FailedEntryCount"] == 0  # used up
    assert _ids(events) == ["a", "b"]


def test_a_reset_disarms_the_failures(lc, aws):
    lc.call(lc.aws_url, "POST", "events/put-targets-failures", {"target_ids": ["a"]})
    lc.reset()
    events = aws("events")
    events.put_rule(Name=RULE, EventPattern=json.dumps({"source": ["aws.rds"]}))
    assert events.put_targets(Rule=RULE, Targets=[{"Id": "a", "Arn": ARN}])["FailedEntryCount"] == 0


def test_the_control_endpoint_refuses_a_call_without_target_ids(lc):
    with pytest.raises(LocalCloudError):
        lc.call(lc.aws_url, "POST", "events/put-targets-failures", {"target_ids": []})


def test_delete_rule_is_refused_while_the_rule_has_targets(events):
    events.put_targets(Rule=RULE, Targets=[{"Id": "a", "Arn": ARN}])
    with pytest.raises(ClientError) as refused:
        events.delete_rule(Name=RULE)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "has targets" in refused.value.response["Error"]["Message"]
    events.remove_targets(Rule=RULE, Ids=["a"])
    events.delete_rule(Name=RULE)
    assert events.list_rules()["Rules"] == []
