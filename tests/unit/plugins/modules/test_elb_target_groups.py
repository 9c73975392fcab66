# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.elb_target_groups against moto."""

from __future__ import annotations

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.modules import elb_target_groups

REGION = "eu-west-2"
MANAGED = {"platform:managed-by": "rocketclub.platform", "platform:component": "alb"}


@pytest.fixture
def cloud(ec2, api_calls):
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    api_calls.clear()
    return {"vpc": vpc, "elbv2": boto3.client("elbv2", region_name=REGION)}


def groups(**changes):
    backstage = {
        "name": "rc-test-backstage",
        "port": 7007,
        "health_check_path": "/.backstage/health/v1/liveness",
        "health_check_interval": 15,
        "healthy_threshold_count": 2,
        "unhealthy_threshold_count": 3,
        "deregistration_delay_timeout": 30,
        "tags": {"platform:app": "backstage"},
    }
    prefect = dict(
        backstage, name="rc-test-prefect", port=4200, health_check_path="/api/health", tags={"platform:app": "prefect"}
    )
    backstage.update(changes)
    return [backstage, prefect]


def args(cloud, **extra):
    result = {
        "vpc_id": cloud["vpc"],
        "target_groups": groups(),
        "tags": dict(MANAGED),
        "purge": True,
        "purge_match_tags": dict(MANAGED),
    }
    result.update(extra)
    return result


def live(cloud):
    elbv2 = cloud["elbv2"]
    found = {}
    for group in elbv2.describe_target_groups()["TargetGroups"]:
        arn = group["TargetGroupArn"]
        (tags,) = elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"]
        attributes = elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
        found[group["TargetGroupName"]] = dict(
            group,
            tags={t["Key"]: t["Value"] for t in tags["Tags"]},
            attributes={a["Key"]: a["Value"] for a in attributes},
        )
    return found


def test_create_then_noop_without_writes(run_module, cloud, api_calls):
    run = run_module(elb_target_groups.main, args(cloud), diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True
    assert [g["changes"] for g in run.result["target_groups"]] == [["created"], ["created"]]
    groups_now = live(cloud)
    assert set(groups_now) == {"rc-test-backstage", "rc-test-prefect"}
    backstage = groups_now["rc-test-backstage"]
    assert (backstage["Protocol"], backstage["Port"], backstage["TargetType"], backstage["VpcId"]) == (
        "HTTP",
        7007,
        "ip",
        cloud["vpc"],
    )
    assert backstage["HealthCheckPath"] == "/.backstage/health/v1/liveness"
    assert (
        backstage["HealthCheckIntervalSeconds"],
        backstage["HealthyThresholdCount"],
        backstage["UnhealthyThresholdCount"],
    ) == (15, 2, 3)
    assert backstage["Matcher"] == {"HttpCode": "200"}
    assert backstage["attributes"]["deregistration_delay.timeout_seconds"] == "30"
    assert backstage["tags"] == dict(MANAGED, **{"platform:app": "backstage"})
    assert run.result["target_group_arns"]["rc-test-backstage"] == backstage["TargetGroupArn"]
    assert set(run.result["diff"]["after"]) == {"rc-test-backstage", "rc-test-prefect"}

    api_calls.clear()
    again = run_module(elb_target_groups.main, args(cloud))
    assert again.rc == 0 and again.result["changed"] is False, again.result
    assert api_calls.writes() == []
    assert again.result["target_group_arns"] == run.result["target_group_arns"]
    # One start for all groups: one DescribeTargetGroups, one DescribeTags batch.
    assert api_calls.operations().count("DescribeTargetGroups") == 1
    assert api_calls.operations().count("DescribeTags") == 1


def test_check_mode_with_pending_vpc_predicts_creation_without_writes(run_module, cloud, api_calls):
    run = run_module(elb_target_groups.main, args(cloud, vpc_id="pending:vpc/rc-test"), check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True
    assert run.result["target_group_arns"] == {
        "rc-test-backstage": "pending:target-group/rc-test-backstage",
        "rc-test-prefect": "pending:target-group/rc-test-prefect",
    }
    assert run.result["diff"]["after"]["rc-test-backstage"]["vpc_id"] == "pending:vpc/rc-test"
    assert api_calls.writes() == []
    assert all("pending:" not in repr(params) for _svc, _op, params in api_calls)
    assert live(cloud) == {}


def test_real_run_refuses_a_placeholder(run_module, cloud, api_calls):
    run = run_module(elb_target_groups.main, args(cloud, vpc_id="pending:vpc/rc-test"))
    assert run.rc != 0
    assert "vpc_id" in run.result["msg"] and "placeholder" in run.result["msg"]
    assert api_calls == []


def test_check_mode_predicts_a_third_group_and_no_change_for_the_others(run_module, cloud, api_calls):
    assert run_module(elb_target_groups.main, args(cloud)).rc == 0
    existing = live(cloud)
    docs = dict(groups()[1], name="rc-test-docs", port=8080, health_check_path="/", tags={"platform:app": "docs"})
    api_calls.clear()
    run = run_module(elb_target_groups.main, args(cloud, target_groups=groups() + [docs]), check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert [(g["name"], g["changed"]) for g in run.result["target_groups"]] == [
        ("rc-test-backstage", False),
        ("rc-test-prefect", False),
        ("rc-test-docs", True),
    ]
    assert run.result["target_group_arns"]["rc-test-docs"] == "pending:target-group/rc-test-docs"
    assert run.result["target_group_arns"]["rc-test-backstage"] == existing["rc-test-backstage"]["TargetGroupArn"]
    assert api_calls.writes() == []
    real = run_module(elb_target_groups.main, args(cloud, target_groups=groups() + [docs]))
    assert [g["changed"] for g in real.result["target_groups"]] == [False, False, True]
    assert "rc-test-docs" in live(cloud)


def test_update_health_check_attributes_and_tags(run_module, cloud, api_calls):
    assert run_module(elb_target_groups.main, args(cloud)).rc == 0
    changed = groups(health_check_path="/healthz", deregistration_delay_timeout=60, tags={"platform:app": "portal"})
    check = run_module(elb_target_groups.main, args(cloud, target_groups=changed), check_mode=True, diff=True)
    api_calls.clear()
    run = run_module(elb_target_groups.main, args(cloud, target_groups=changed), diff=True)
    assert run.rc == 0, run.result
    assert check.result["target_groups"] == run.result["target_groups"]
    backstage = run.result["target_groups"][0]
    assert backstage["changed"] is True
    assert backstage["changes"] == [
        "health_check_path /.backstage/health/v1/liveness -> /healthz",
        "deregistration_delay_timeout 30 -> 60",
        "tags set platform:app",
    ]
    assert sorted(api_calls.writes()) == ["AddTags", "ModifyTargetGroup", "ModifyTargetGroupAttributes"]
    now = live(cloud)["rc-test-backstage"]
    assert now["HealthCheckPath"] == "/healthz"
    assert now["attributes"]["deregistration_delay.timeout_seconds"] == "60"
    assert now["tags"]["platform:app"] == "portal"
    assert run.result["diff"]["before"]["rc-test-backstage"]["health_check_path"] == "/.backstage/health/v1/liveness"
    assert run.result["diff"]["after"]["rc-test-backstage"]["health_check_path"] == "/healthz"
    assert run_module(elb_target_groups.main, args(cloud, target_groups=changed)).result["changed"] is False


def test_purge_deletes_only_managed_unlisted_groups(run_module, cloud, api_calls):
    elbv2 = cloud["elbv2"]
    assert run_module(elb_target_groups.main, args(cloud)).rc == 0
    foreign = elbv2.create_target_group(
        Name="someone-else",
        Protocol="HTTP",
        Port=80,
        VpcId=cloud["vpc"],
        TargetType="ip",
        Tags=[{"Key": "platform:managed-by", "Value": "other"}],
    )
    other_component = elbv2.create_target_group(
        Name="rc-test-nlb",
        Protocol="HTTP",
        Port=81,
        VpcId=cloud["vpc"],
        TargetType="ip",
        Tags=[{"Key": "platform:managed-by", "Value": "rocketclub.platform"}],
    )
    only_backstage = args(cloud, target_groups=groups()[:1])

    check = run_module(elb_target_groups.main, only_backstage, check_mode=True)
    prefect_arn = live(cloud)["rc-test-prefect"]["TargetGroupArn"]
    assert check.result["changed"] is True and check.result["deleted"] == [prefect_arn]
    assert "rc-test-prefect" in live(cloud)

    api_calls.clear()
    run = run_module(elb_target_groups.main, only_backstage)
    assert run.result["deleted"] == [prefect_arn]
    assert api_calls.writes() == ["DeleteTargetGroup"]
    assert set(live(cloud)) == {"rc-test-backstage", "someone-else", "rc-test-nlb"}
    assert foreign and other_component

    no_purge = run_module(elb_target_groups.main, dict(only_backstage, purge=False))
    assert no_purge.result["changed"] is False

    # Only names with the prefix: the managed rc-test-nlb is kept under another prefix.
    others = run_module(
        elb_target_groups.main,
        dict(
            only_backstage,
            purge_match_tags={"platform:managed-by": "rocketclub.platform"},
            purge_name_prefix="rc-test-b",
        ),
    )
    assert others.result["deleted"] == []


def test_only_purge_keeps_listed_groups_as_they_are(run_module, cloud, api_calls):
    assert run_module(elb_target_groups.main, args(cloud)).rc == 0
    arns = {n: g["TargetGroupArn"] for n, g in live(cloud).items()}
    api_calls.clear()
    changed = groups(health_check_path="/other")[:1]
    run = run_module(elb_target_groups.main, args(cloud, target_groups=changed, only_purge=True))
    assert run.rc == 0, run.result
    assert run.result["deleted"] == [arns["rc-test-prefect"]]
    assert run.result["target_group_arns"] == {"rc-test-backstage": arns["rc-test-backstage"]}
    assert api_calls.writes() == ["DeleteTargetGroup"]
    assert live(cloud)["rc-test-backstage"]["HealthCheckPath"] == "/.backstage/health/v1/liveness"


def test_fixed_settings_and_bad_input_fail_before_writes(run_module, cloud, api_calls):
    assert run_module(elb_target_groups.main, args(cloud)).rc == 0
    api_calls.clear()
    run = run_module(elb_target_groups.main, args(cloud, target_groups=groups(port=7008)))
    assert run.rc != 0 and "port 7007 -> 7008" in run.result["msg"]
    assert api_calls.writes() == []

    api_calls.clear()
    bad_groups = groups(name="-bad-name-", health_check_interval=2)
    bad = run_module(elb_target_groups.main, args(cloud, target_groups=bad_groups, purge_match_tags={}))
    assert bad.rc != 0
    assert "'-bad-name-'" in bad.result["msg"] and "health_check_interval 2" in bad.result["msg"]
    assert "purge_match_tags" in bad.result["msg"]
    assert api_calls == []


@pytest.mark.parametrize(
    "tags, match, expected",
    [
        (dict(MANAGED, Name="x"), MANAGED, True),
        ({"platform:managed-by": "rocketclub.platform"}, MANAGED, False),
        (dict(MANAGED), {}, False),
        (None, MANAGED, False),
        ({"port": "7007"}, {"port": 7007}, True),
    ],
)
def test_purge_match_tags_must_all_be_carried(tags, match, expected):
    assert carries(tags, match) is expected


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(elb_target_groups) == []


def test_unlisted_with_prefix_names_the_purge_candidates_without_purging(run_module, cloud, api_calls):
    """The converge task names the groups a later only_purge task could delete, from the listing it makes anyway."""
    no_purge = {"purge": False, "purge_match_tags": {}, "purge_name_prefix": "rc-test-"}
    assert run_module(elb_target_groups.main, args(cloud, **no_purge)).result["unlisted_with_prefix"] == []
    cloud["elbv2"].create_target_group(Name="other-app", Protocol="HTTP", Port=80, VpcId=cloud["vpc"], TargetType="ip")

    api_calls.clear()
    run = run_module(elb_target_groups.main, args(cloud, target_groups=groups()[:1], **no_purge))
    assert run.result["changed"] is False and api_calls.writes() == []
    assert run.result["unlisted_with_prefix"] == ["rc-test-prefect"]
    assert "rc-test-prefect" in live(cloud)
    # Without a prefix nothing is named: every group of the region would be a candidate.
    bare = run_module(elb_target_groups.main, args(cloud, purge=False, purge_match_tags={}))
    assert bare.result["unlisted_with_prefix"] == []
