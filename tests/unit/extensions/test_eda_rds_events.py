# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/eda_rds_events.yml against a private local cloud (free ports): ``--check`` on an empty account predicts
both the SQS queue and the EventBridge rule (rocketclub.platform.eventbridge_rule has check mode) and writes nothing;
the run creates the queue (policy: only the rule may send) and the rule for RDS-EVENT-0153 of the environment's
cluster, read back from the local cloud; a second run, and ``--check --diff``, change nothing and write nothing; a
pattern changed out of band is reported by ``--check`` and restored by the run."""

from __future__ import annotations

import json
import os

from localcloud.testing import ansible_playbook
from localcloud.testing import aws_client
from localcloud.testing import parse_recap
from localcloud.testing import running

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
REGION = "eu-west-2"
QUEUE = "rocketclub-local-rds-events"
RULE = "rocketclub-local-aurora-auto-start"


def playbook(env, *args):
    rc, output = ansible_playbook("playbooks/eda_rds_events.yml", *args, env=env)
    recap = parse_recap(output)
    assert rc == 0 and recap, output[-4000:]  # a run without a recap is never read as a success
    return recap["localhost"]["changed"], output


PATTERN = {
    "source": ["aws.rds"],
    "detail-type": ["RDS DB Cluster Event"],
    "detail": {"EventID": ["RDS-EVENT-0153"], "SourceType": ["CLUSTER"]},
    "resources": [{"suffix": ":cluster:rocketclub-local"}],
}
TAGS = {"platform:env": "local", "platform:managed-by": "rocketclub.platform", "platform:component": "eda"}


def clients(env):
    return aws_client(env, "sqs", REGION), aws_client(env, "events", REGION)


def test_check_then_run_then_a_second_run(tmp_path):
    """One test, not three: the unit suite's pytest-xdist workers hand out single tests, so the phases share one
    private local cloud only inside one test."""
    with running(str(tmp_path / "localcloud")) as (client, env):
        # --check on an empty account: the queue and the rule both predicted, no write.
        client.clear_requests()
        changed, output = playbook(env, "--check")
        assert changed == 2, output[-3000:]
        assert client.write_requests() == [], client.write_requests()

        changed, output = playbook(env)
        assert changed == 2, output[-3000:]
        sqs, events = clients(env)
        url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        rule = events.describe_rule(Name=RULE)
        # Only the rule may send to the queue.
        (statement,) = json.loads(attributes["Policy"])["Statement"]
        assert statement["Effect"] == "Allow" and statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage" and statement["Resource"] == attributes["QueueArn"]
        assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule["Arn"]}}
        # The rule matches only RDS-EVENT-0153 of this environment's cluster and sends it to the queue.
        assert json.loads(rule["EventPattern"]) == PATTERN
        assert rule["State"] == "ENABLED"
        targets = events.list_targets_by_rule(Rule=RULE)["Targets"]
        assert [(t["Id"], t["Arn"]) for t in targets] == [("rds-events-queue", attributes["QueueArn"])]
        tags = events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
        # The queue's tags: the platform's (platform_tags, platform:env, platform:managed-by) and the component.
        queue_tags = sqs.list_queue_tags(QueueUrl=url)["Tags"]
        assert {t["Key"]: t["Value"] for t in tags} == queue_tags and TAGS.items() <= queue_tags.items()

        client.clear_requests()
        changed, output = playbook(env)
        assert changed == 0, output[-3000:]
        assert client.write_requests() == [], client.write_requests()

        changed, output = playbook(env, "--check", "--diff")
        assert changed == 0, output[-3000:]
        assert client.write_requests() == [], client.write_requests()


def test_a_pattern_changed_out_of_band_is_predicted_and_restored(tmp_path):
    with running(str(tmp_path / "localcloud")) as (client, env):
        changed, output = playbook(env)
        assert changed == 2, output[-3000:]
        _sqs, events = clients(env)
        description = events.describe_rule(Name=RULE)["Description"]
        events.put_rule(Name=RULE, EventPattern=json.dumps({"source": ["aws.ec2"]}), Description=description)

        client.clear_requests()
        changed, output = playbook(env, "--check", "--diff")
        assert changed == 1, output[-3000:]
        assert client.write_requests() == [], client.write_requests()
        assert "aws.ec2" in output and "RDS-EVENT-0153" in output  # the diff shows both patterns
        assert json.loads(events.describe_rule(Name=RULE)["EventPattern"]) == {"source": ["aws.ec2"]}

        changed, output = playbook(env)
        assert changed == 1, output[-3000:]
        assert [w["operation"] for w in client.write_requests()] == ["PutRule"]
        rule = events.describe_rule(Name=RULE)
        assert json.loads(rule["EventPattern"]) == PATTERN and rule["Description"] == description
        assert [t["Id"] for t in events.list_targets_by_rule(Rule=RULE)["Targets"]] == ["rds-events-queue"]
