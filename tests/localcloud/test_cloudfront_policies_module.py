# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rocketclub.platform.cloudfront_policies end to end: ansible against the local cloud's policy API."""

from localcloud.testing import ansible_module

MODULE = "rocketclub.platform.cloudfront_policies"

STATIC = {
    "name": "platform-static-long",
    "comment": "one year",
    "min_ttl": 86400,
    "default_ttl": 31536000,
    "max_ttl": 31536000,
}
OIDC = {
    "name": "platform-alb-oidc",
    "headers": {"behavior": "allExcept", "items": ["Host"]},
    "cookies": {"behavior": "all"},
    "query_strings": {"behavior": "all"},
}
MANAGED = ["CachingDisabled", "CachingOptimized", "AllViewerExceptHostHeader"]


def _ansible(env, *flags, **args):
    """Run the module once through ``ansible localhost``; return its result."""
    # region is ignored: CloudFront lives in us-east-1 whatever the caller's region
    args = dict({"endpoint_url": env["LOCALCLOUD_AWS_URL"], "region": "eu-west-2"}, **args)
    return ansible_module(env, MODULE, args, flags)


def _writes(lc, since):
    return [e["operation"] for e in lc.requests(service="cloudfront", writes_only=True, since=since)]


def _seq(lc):
    return max([e["seq"] for e in lc.requests()] or [0])


def test_four_ways_managed_ids_and_distribution(lc, env, aws):
    args = {"cache_policies": [STATIC], "origin_request_policies": [OIDC], "managed_policy_names": MANAGED}
    seq = _seq(lc)
    check = _ansible(env, "--check", "--diff", **args)
    assert check["changed"] is True, check
    # A policy check mode would create is handed on as a placeholder (docs/check_mode.md).
    assert (
        check["cache_policies"]["platform-static-long"]["id"] == "pending:cloudfront-cache-policy/platform-static-long"
    )
    assert _writes(lc, seq) == []

    seq = _seq(lc)
    applied = _ansible(env, "--diff", **args)
    assert applied["changed"] is True, applied
    assert _writes(lc, seq) == ["CreateCachePolicy", "CreateOriginRequestPolicy"]
    regions = {e["region"] for e in lc.requests(service="cloudfront", since=seq)}
    assert regions == {"us-east-1"}
    assert applied["managed_cache_policies"] == {
        "CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "CachingOptimized": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    }
    assert applied["managed_origin_request_policies"] == {
        "AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    }
    # one List per kind, without the Type filter: custom and managed policies in one answer, told apart by Type
    reads = [e["operation"] for e in lc.requests(service="cloudfront", since=seq) if not e["write"]]
    assert sorted(reads) == ["ListCachePolicies", "ListOriginRequestPolicies"]

    cloudfront = aws("cloudfront")
    static_id = applied["cache_policies"]["platform-static-long"]["id"]
    oidc_id = applied["origin_request_policies"]["platform-alb-oidc"]["id"]
    stored = cloudfront.get_origin_request_policy(Id=oidc_id)["OriginRequestPolicy"]["OriginRequestPolicyConfig"]
    assert stored["HeadersConfig"] == {"HeaderBehavior": "allExcept", "Headers": {"Quantity": 1, "Items": ["host"]}}
    stored = cloudfront.get_cache_policy(Id=static_id)["CachePolicy"]["CachePolicyConfig"]
    assert (stored["MinTTL"], stored["DefaultTTL"], stored["MaxTTL"]) == (86400, 31536000, 31536000)

    for flags in (("--check", "--diff"), ("--diff",)):
        seq = _seq(lc)
        again = _ansible(env, *flags, **args)
        assert again["changed"] is False, again
        assert again["cache_policies"] == applied["cache_policies"]
        assert _writes(lc, seq) == []

    # a changed comment is one UpdateCachePolicy, with the ETag
    seq = _seq(lc)
    changed = _ansible(env, cache_policies=[dict(STATIC, comment="one year, compressed")])
    assert changed["changed"] is True
    assert _writes(lc, seq) == ["UpdateCachePolicy"]

    # a distribution uses the policies: deleting them fails, before any deletion, naming it
    origin = {
        "Id": "alb",
        "DomainName": "alb.example.com",
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
    }
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "portal",
            "Comment": "portal",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "alb",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": applied["managed_cache_policies"]["CachingDisabled"],
                "OriginRequestPolicyId": oidc_id,
            },
            "CacheBehaviors": {
                "Quantity": 1,
                "Items": [
                    {
                        "PathPattern": "/static/*",
                        "TargetOriginId": "alb",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "CachePolicyId": static_id,
                    }
                ],
            },
        }
    )
    distribution = created["Distribution"]
    absent = {
        "state": "absent",
        "cache_policies": [{"name": STATIC["name"]}],
        "origin_request_policies": [{"name": OIDC["name"]}],
    }
    seq = _seq(lc)
    refused = _ansible(env, **absent)
    assert refused.get("failed") is True
    assert distribution["Id"] in refused["msg"] and "platform-alb-oidc" in refused["msg"], refused["msg"]
    assert _writes(lc, seq) == []

    cloudfront.delete_distribution(Id=distribution["Id"], IfMatch=created["ETag"])
    seq = _seq(lc)
    deleted = _ansible(env, **absent)
    assert deleted["changed"] is True, deleted
    assert sorted(_writes(lc, seq)) == ["DeleteCachePolicy", "DeleteOriginRequestPolicy"]
    assert cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Quantity"] == 0
    assert _ansible(env, **absent)["changed"] is False
