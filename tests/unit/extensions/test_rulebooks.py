# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rulebooks of extensions/eda/rulebooks: schema, Automation Platform and CLI variants alike, and their
conditions and action arguments evaluated by the real ansible-rulebook (Drools) engine on sample events.

For the engine run each rulebook is copied with its rules' conditions verbatim; only its source is replaced by
eda_sources/sample_events.py (the sample events) and each action by a ``debug`` whose message renders the action's
own templated arguments (job template or playbook name, extra vars), so a match prints what would have run."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
RULEBOOKS = os.path.join(REPO, "extensions", "eda", "rulebooks")
SAMPLE_SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "eda_sources")
VARIANTS = {
    "cloudflare_ranges": ("cloudflare_ranges.yml", "cloudflare_ranges_cli.yml"),
    "aurora_repark": ("aurora_repark.yml", "aurora_repark_cli.yml"),
}


def load(name):
    with open(os.path.join(RULEBOOKS, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def rds_event(
    event_id,
    identifier,
    detail_type="RDS DB Cluster Event",
    source_type="CLUSTER",
    arn_kind="cluster",
    source_identifier=None,
    message="DB cluster is being started due to it exceeding the maximum allowed time being stopped.",
):
    """An RDS event as EventBridge delivers it to SQS (the shape of the AWS documentation's DB cluster event example,
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-cloudwatch-events.sample.html)."""
    arn = f"arn:aws:rds:eu-west-2:123456789012:{arn_kind}:{identifier}"
    return {
        "version": "0",
        "id": "844e2571-85d4-695f-b930-0153b71dcb42",
        "detail-type": detail_type,
        "source": "aws.rds",
        "account": "123456789012",
        "time": "2026-12-06T02:00:13Z",
        "region": "eu-west-2",
        "resources": [arn],
        "detail": {
            "EventCategories": ["notification"],
            "SourceType": source_type,
            "SourceArn": arn,
            "Date": "2026-12-06T02:00:13.882Z",
            "Message": message,
            "SourceIdentifier": identifier if source_identifier is None else source_identifier,
            "EventID": event_id,
        },
    }


def sqs(message_id, body):
    """An event of amazon.aws.aws_sqs_queue: the message body parsed as JSON (or the raw string) and its id."""
    return {"body": body, "meta": {"MessageId": message_id}}


# (message id, event, the environment it re-parks or None)
RDS_SAMPLES = [
    ("dev-0153", sqs("dev-0153", rds_event("RDS-EVENT-0153", "rocketclub-dev")), "dev"),
    # The AWS documentation's example writes the identifier with an "rds:" prefix; the ARN is matched, not it.
    (
        "prod-0153",
        sqs("prod-0153", rds_event("RDS-EVENT-0153", "rocketclub-prod", source_identifier="rds:rocketclub-prod")),
        "prod",
    ),
    (
        "dev-0151-started",
        sqs("dev-0151-started", rds_event("RDS-EVENT-0151", "rocketclub-dev", message="DB cluster started.")),
        None,
    ),
    (
        "dev-0150-stopped",
        sqs("dev-0150-stopped", rds_event("RDS-EVENT-0150", "rocketclub-dev", message="DB cluster stopped.")),
        None,
    ),
    ("other-cluster-0153", sqs("other-cluster-0153", rds_event("RDS-EVENT-0153", "billing-prod")), None),
    ("clone-0153", sqs("clone-0153", rds_event("RDS-EVENT-0153", "rocketclub-dev-clone")), None),
    ("qa-0153", sqs("qa-0153", rds_event("RDS-EVENT-0153", "rocketclub-qa")), None),
    # The instance counterpart (RDS-EVENT-0154): the cluster event of the same start is what re-parks.
    (
        "instance-0154",
        sqs(
            "instance-0154",
            rds_event("RDS-EVENT-0154", "rocketclub-dev-1", "RDS DB Instance Event", "DB_INSTANCE", "db"),
        ),
        None,
    ),
    (
        "ec2-event",
        sqs(
            "ec2-event",
            {
                "source": "aws.ec2",
                "detail-type": "EC2 Instance State-change Notification",
                "detail": {"instance-id": "i-0123456789abcdef0", "state": "running"},
            },
        ),
        None,
    ),
    ("not-json", sqs("not-json", "hello from a person with the queue URL"), None),
    ("s3-test", sqs("s3-test", {"Service": "Amazon S3", "Event": "s3:TestEvent"}), None),
]

CLOUDFLARE_SAMPLES = [
    (
        "change-1",
        {
            "cloudflare_ips": {"etag": "e1", "previous_etag": "e0", "ipv4_cidrs": ["192.0.2.0/24"], "ipv6_cidrs": []},
            "meta": {"MessageId": "change-1"},
        },
        True,
    ),
    ("other", {"something": "else", "meta": {"MessageId": "other"}}, False),
]


@pytest.fixture
def galaxy_on_path(monkeypatch):
    """ansible-rulebook's parser looks collections up with ansible-galaxy of this virtualenv."""
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, ".collections"))


def test_rulebooks_validate_against_the_ansible_rulebook_schema(galaxy_on_path):
    from ansible_rulebook.rules_parser import parse_rule_sets
    from ansible_rulebook.validators import Validate

    names = sorted(os.listdir(RULEBOOKS))
    assert names == sorted(n for pair in VARIANTS.values() for n in pair)
    for name in names:
        data = load(name)
        Validate.rulebook(data)
        variables = {
            "platform_env": "dev",
            "rds_events_queue": "q",
            "aws_region": "eu-west-2",
            "RDS_EVENTS_QUEUE": "q",
            "AWS_REGION": "eu-west-2",
        }
        assert parse_rule_sets(data, variables), name


@pytest.mark.parametrize("kind", sorted(VARIANTS))
def test_cli_variant_has_the_same_rules(kind):
    """The ansible-rulebook CLI variant matches exactly what the Automation Platform one matches."""
    aap, cli = (load(name)[0] for name in VARIANTS[kind])
    assert [r["condition"] for r in aap["rules"]] == [r["condition"] for r in cli["rules"]]
    assert [list(s) for s in aap["sources"]] == [list(s) for s in cli["sources"]]
    assert all("run_job_template" in r["action"] for r in aap["rules"])
    assert all("run_playbook" in r["action"] for r in cli["rules"])
    for rule in aap["rules"]:
        assert rule["action"]["run_job_template"]["organization"]  # Automation Platform requires it


def engine_copy(name, events_file):
    """The ruleset of rulebook ``name`` with its conditions verbatim, the sample source, and debug actions
    rendering the real ones (``MATCH <rulebook> <message id> || <action> || <name> || <extra vars>``)."""
    ruleset = copy.deepcopy(load(name)[0])
    ruleset["name"] = name
    ruleset["sources"] = [{"name": "samples", "sample_events": {"file": events_file, "linger": 1}}]
    for rule in ruleset["rules"]:
        ((kind, args),) = rule.pop("action").items()
        extra = args.get("extra_vars") or args.get("job_args", {}).get("extra_vars", {})
        rendered = " || ".join([kind, args["name"]] + [f"{k}={v}" for k, v in sorted(extra.items())])
        rule["action"] = {"debug": {"msg": f"MATCH {name} {{{{ event.meta.MessageId }}}} || {rendered}"}}
    return ruleset


@pytest.fixture(scope="module")
def matches(rulebook, tmp_path_factory):
    """One ansible-rulebook run of the engine copies of all four rulebooks (one ruleset each, with its samples):
    {rulebook: {message id: rendered action}}."""
    argv, env = rulebook
    tmp_path = tmp_path_factory.mktemp("rulebooks")
    samples = {
        "aurora_repark": [event for _id, event, _env in RDS_SAMPLES],
        "cloudflare_ranges": [event for _id, event, _match in CLOUDFLARE_SAMPLES],
    }
    rulesets = []
    for kind, names in VARIANTS.items():
        events_file = tmp_path / (kind + ".json")
        events_file.write_text(json.dumps(samples[kind]))
        rulesets += [engine_copy(name, str(events_file)) for name in names]
    test_rulebook = tmp_path / "rulebook.yml"
    test_rulebook.write_text(yaml.safe_dump(rulesets, sort_keys=False))
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump({"platform_env": "dev"}))
    proc = subprocess.run(
        argv + ["-r", str(test_rulebook), "-S", SAMPLE_SOURCES, "-i", os.devnull, "-e", str(vars_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    if "ClassCastException" in output:
        import pyparsing  # pylint: disable=import-outside-toplevel

        output += (
            f"\nansible-rulebook turned a condition into something its rules engine rejects: pyparsing "
            f"{pyparsing.__version__} (3.3 and later) breaks ansible-rulebook 1.3.1's condition parser (`and`, "
            "`is regex`); pin pyparsing==3.2.5 in constraints.txt."
        )
    assert proc.returncode == 0, output
    assert "ERROR" not in output, output
    found = {name: {} for names in VARIANTS.values() for name in names}
    for name, message_id, rendered in re.findall(r"^MATCH (\S+) (\S+) \|\| (.*)$", output, re.M):
        assert message_id not in found[name], output  # one match per event
        found[name][message_id] = rendered
    return found


@pytest.mark.parametrize("name", VARIANTS["aurora_repark"])
def test_repark_condition_on_sample_events(matches, name):
    expected = {message_id: env for message_id, _event, env in RDS_SAMPLES if env}
    assert sorted(matches[name]) == sorted(expected)
    for message_id, env in expected.items():
        if name == "aurora_repark.yml":
            assert matches[name][message_id] == f"run_job_template || rocketclub {env} repark || repark_env={env}"
        else:
            assert matches[name][message_id] == f"run_playbook || playbooks/repark.yml || repark_env={env}"


@pytest.mark.parametrize("name", VARIANTS["cloudflare_ranges"])
def test_cloudflare_condition_on_sample_events(matches, name):
    assert sorted(matches[name]) == ["change-1"]
    if name == "cloudflare_ranges.yml":
        expected = "run_job_template || rocketclub dev sync_cloudflare_ranges || cloudflare_ips_etag=e1"
    else:
        expected = "run_playbook || playbooks/sync_cloudflare_ranges.yml || cloudflare_ips_etag=e1"
    assert matches[name]["change-1"] == expected


def test_aap_cloudflare_activation_without_platform_env_fails_at_start(galaxy_on_path):
    """The Automation Platform variant names the environment's job template: without platform_env it fails when
    the activation starts (rule names are rendered then), not at Cloudflare's next change."""
    from ansible_rulebook.rules_parser import parse_rule_sets

    with pytest.raises(Exception, match="platform_env"):
        parse_rule_sets(load("cloudflare_ranges.yml"), {})
