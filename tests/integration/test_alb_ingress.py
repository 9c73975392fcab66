# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ALB security group admits 443 only from the chosen source: CloudFront or Cloudflare.

Sequence (one fresh local cloud): converge with network_alb_ingress=cloudflare -> again (changed=0)
-> Cloudflare publishes new ranges -> converge (only the delta) -> back to cloudfront (prefix list only).
"""

from __future__ import annotations

import json
import urllib.request

import pytest

PREFIX = "rocketclub-local"
CLOUDFLARE = json.dumps({"network_alb_ingress": "cloudflare"})
NEW_IPV4 = ["173.245.48.0/20", "104.16.0.0/13"]
NEW_IPV6 = ["2400:cb00::/32"]


def alb_ingress(platform):
    """{(port, source)} of the ALB group's ingress rules."""
    ec2 = platform.client("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-alb"]}])[
        "SecurityGroups"
    ][0]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])[
        "SecurityGroupRules"
    ]
    return {
        (
            r["FromPort"],
            r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId") or r["ReferencedGroupInfo"]["GroupId"],
        )
        for r in rules
        if not r["IsEgress"]
    }


@pytest.fixture(scope="module")
def cloudflare_runs(platform):
    platform.fresh_account()
    first = platform.playbook("playbooks/site.yml", "-e", CLOUDFLARE)
    assert first.rc == 0, first.output[-4000:]
    with urllib.request.urlopen(platform.env["LOCALCLOUD_CLOUDFLARE_URL"] + "/ips", timeout=10) as answer:
        published = json.load(answer)["result"]
    rules_first = alb_ingress(platform)
    again = platform.playbook("playbooks/site.yml", "-e", CLOUDFLARE)
    platform.cloud.cloudflare_set_ips(ipv4_cidrs=NEW_IPV4, ipv6_cidrs=NEW_IPV6)
    moved = platform.playbook("playbooks/site.yml", "-e", CLOUDFLARE)
    rules_moved = alb_ingress(platform)
    back = platform.playbook("playbooks/site.yml")
    assert back.rc == 0, back.output[-4000:]
    return {
        "published": published,
        "rules_first": rules_first,
        "again": again,
        "moved": moved,
        "rules_moved": rules_moved,
        "rules_back": alb_ingress(platform),
    }


def test_cloudflare_mode_admits_exactly_the_published_ranges(cloudflare_runs):
    ips = cloudflare_runs["published"]
    expected = {(443, cidr) for cidr in ips["ipv4_cidrs"] + ips["ipv6_cidrs"]}
    assert cloudflare_runs["rules_first"] == expected


def test_cloudflare_mode_is_idempotent(cloudflare_runs):
    cloudflare_runs["again"].assert_noop()


def test_new_ranges_replace_the_stale_ones(cloudflare_runs):
    assert cloudflare_runs["moved"].rc == 0
    assert cloudflare_runs["rules_moved"] == {(443, cidr) for cidr in NEW_IPV4 + NEW_IPV6}
    operations = {w["operation"] for w in cloudflare_runs["moved"].writes}
    assert operations == {"RevokeSecurityGroupIngress"}  # only removals: the new ranges were already there


def test_back_to_cloudfront_admits_only_the_prefix_list(platform, cloudflare_runs):
    prefix_list = platform.client("ec2").describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}]
    )["PrefixLists"][0]["PrefixListId"]
    assert cloudflare_runs["rules_back"] == {(443, prefix_list)}
