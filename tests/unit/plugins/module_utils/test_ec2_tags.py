# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags of EC2 resources: a core tag plan applied with CreateTags / DeleteTags, and the managed-tag match."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from ansible_collections.rocketclub.platform.plugins.module_utils.ec2_tags import apply_ec2_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

MANAGED = {"platform:managed-by": "rocketclub.platform"}


@pytest.mark.parametrize(
    "tags, marker, expected",
    [
        (MANAGED, MANAGED, True),
        ({**MANAGED, "x": "y"}, MANAGED, True),
        ([{"Key": "platform:managed-by", "Value": "rocketclub.platform"}], MANAGED, True),
        ({"platform:managed-by": "other"}, MANAGED, False),
        ({}, MANAGED, False),
        (None, MANAGED, False),
        ({"a": "b"}, {}, False),
        ({"a": "b"}, None, False),
        ({"a": "b", "c": "d"}, {"a": "b", "c": "d"}, True),
        ({"a": "b"}, {"a": "b", "c": "d"}, False),
        ({"n": "1"}, {"n": 1}, True),
    ],
)
def test_carries_every_tag_of_the_marker_and_an_empty_marker_never_matches(tags, marker, expected):
    assert carries(tags, marker) is expected


class Recorder:
    """An EC2 client that records the tag calls (and the aws_retry flag of the amazon.aws wrapper)."""

    def __init__(self):
        self.calls = []

    def create_tags(self, **kwargs):
        self.calls.append(("CreateTags", kwargs))

    def delete_tags(self, **kwargs):
        self.calls.append(("DeleteTags", kwargs))


def test_apply_ec2_tags_untags_then_tags_with_retries():
    client = Recorder()
    plan = plan_tags({"old": "x", "keep": "1"}, {"keep": "1", "new": "y"})
    assert apply_ec2_tags(client, "subnet-1", plan, check_mode=False) is True
    assert client.calls == [
        ("DeleteTags", {"aws_retry": True, "Resources": ["subnet-1"], "Tags": [{"Key": "old"}]}),
        ("CreateTags", {"aws_retry": True, "Resources": ["subnet-1"], "Tags": [{"Key": "new", "Value": "y"}]}),
    ]


def test_apply_ec2_tags_in_check_mode_or_without_change_calls_nothing():
    client = Recorder()
    assert apply_ec2_tags(client, "subnet-1", plan_tags({}, {"a": "1"}), check_mode=True) is True
    assert apply_ec2_tags(client, "subnet-1", plan_tags({"a": "1"}, {"a": "1"}), check_mode=False) is False
    assert client.calls == []


class Retrying:
    """What ``module.client(...)`` returns: calls take ``aws_retry``; this one just drops it."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        method = getattr(self.client, name)
        return lambda aws_retry=False, **kwargs: method(**kwargs)


@mock_aws
def test_apply_ec2_tags_against_ec2():
    ec2 = boto3.client("ec2", region_name="eu-west-2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "old", "Value": "x"}, {"Key": "Name", "Value": "v"}])
    plan = plan_tags({"old": "x", "Name": "v"}, {"Name": "v", **MANAGED})
    assert apply_ec2_tags(Retrying(ec2), vpc_id, plan, check_mode=False)
    tags = {t["Key"]: t["Value"] for t in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"]}
    assert tags == plan.result == {"Name": "v", **MANAGED}
