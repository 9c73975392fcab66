# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rocketclub.platform.cloudflare_ip_ranges_ingress end to end: ansible, local AWS and local Cloudflare."""

import pytest

from localcloud.testing import ansible_module

MODULE = "rocketclub.platform.cloudflare_ip_ranges_ingress"
REGION = "us-east-1"


def _ansible(env, **args):
    """One run of the module against the local AWS and Cloudflare of ``env``; its result."""
    defaults = {
        "endpoint_url": env["LOCALCLOUD_AWS_URL"],
        "region": REGION,
        "api_base_url": env["LOCALCLOUD_CLOUDFLARE_URL"],
    }
    return ansible_module(env, MODULE, dict(defaults, **args))


def _cidrs(ec2, group_id):
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])[
        "SecurityGroupRules"
    ]
    return {
        r.get("CidrIpv4") or r.get("CidrIpv6"): r.get("Description")
        for r in rules
        if not r["IsEgress"] and r["FromPort"] == 443
    }


@pytest.fixture
def group(lc, aws):
    ec2 = aws("ec2", region=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(VpcId=vpc, GroupName="alb", Description="alb")["GroupId"]
    return ec2, group_id


def test_sync_rerun_and_delta(lc, env, group):
    ec2, group_id = group
    published = lc.cloudflare_set_ips()  # the emulator's defaults: Cloudflare's real ranges
    lc.clear_requests()
    lc.clear_cloudflare_requests()

    first = _ansible(env, group_id=group_id)
    assert first.get("failed") is not True, first
    assert first["changed"] is True
    assert first["etag"] == published["etag"]
    assert sorted(first["ipv4_cidrs"]) == sorted(published["ipv4_cidrs"])
    assert len(first["added"]) == len(published["ipv4_cidrs"]) + len(published["ipv6_cidrs"])
    assert _cidrs(ec2, group_id) == {c: "Cloudflare" for c in published["ipv4_cidrs"] + published["ipv6_cidrs"]}
    assert [r["path"] for r in lc.cloudflare_requests()] == ["/client/v4/ips"]

    seq = max(r["seq"] for r in lc.requests())
    second = _ansible(env, group_id=group_id)
    assert second["changed"] is False, second
    assert lc.requests(service="ec2", writes_only=True, since=seq) == []

    # Cloudflare changes its ranges, and throttles the first call: only the delta is written
    lc.cloudflare_set_ips(["192.0.2.0/24", "173.245.48.0/20"], ["2400:cb00::/32"])
    lc.cloudflare_fault(429, count=1, retry_after=1)
    seq = max(r["seq"] for r in lc.requests())
    third = _ansible(env, group_id=group_id)
    assert third["changed"] is True, third
    assert third["added"] == [{"port": 443, "cidr": "192.0.2.0/24"}]
    assert len(third["removed"]) == len(first["added"]) - 2
    assert third["rule_count"] == {"ipv4": 2, "ipv6": 1}
    assert _cidrs(ec2, group_id) == {
        "192.0.2.0/24": "Cloudflare",
        "173.245.48.0/20": "Cloudflare",
        "2400:cb00::/32": "Cloudflare",
    }
    assert [r["status"] for r in lc.cloudflare_requests()][-2:] == [429, 200]
    writes = [r["operation"] for r in lc.requests(service="ec2", writes_only=True, since=seq)]
    assert writes == ["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress"]
