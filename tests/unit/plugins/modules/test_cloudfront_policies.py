# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.cloudfront_policies with botocore's Stubber.

moto 5.2.5 has no cache or origin request policy API, so each test scripts the exact CloudFront calls it
expects (Stubber fails on any other call, or on other parameters). The same module runs against the
local cloud's emulation of the real API in tests/localcloud/test_cloudfront_policies_module.py.
"""

from __future__ import annotations

import datetime

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper  # noqa: E402
from botocore import stub

from ansible_collections.rocketclub.platform.plugins.module_utils.cloudfront_policies import from_api  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import cloudfront_policies  # noqa: E402

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
STATIC_ID = "2e6a8d40-6b7f-4a0c-9a40-3c64ee3d4c1a"
ORIGIN_ID = "0d5c4b1e-8f3a-4a55-9d1b-3b8f6b6b2f10"
STATIC = {
    "name": "static-long",
    "comment": "one year",
    "min_ttl": 86400,
    "default_ttl": 31536000,
    "max_ttl": 31536000,
    "query_strings": {"behavior": "whitelist", "items": ["v"]},
}
STATIC_API = {
    "Name": "static-long",
    "Comment": "one year",
    "MinTTL": 86400,
    "DefaultTTL": 31536000,
    "MaxTTL": 31536000,
    "ParametersInCacheKeyAndForwardedToOrigin": {
        "HeadersConfig": {"HeaderBehavior": "none"},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": {"Quantity": 1, "Items": ["v"]}},
        "EnableAcceptEncodingGzip": True,
        "EnableAcceptEncodingBrotli": True,
    },
}
ORIGIN = {
    "name": "alb-oidc",
    "headers": {"behavior": "allExcept", "items": ["Host"]},
    "cookies": {"behavior": "all"},
    "query_strings": {"behavior": "all"},
}
ORIGIN_API = {
    "Name": "alb-oidc",
    "Comment": "",
    "HeadersConfig": {"HeaderBehavior": "allExcept", "Headers": {"Quantity": 1, "Items": ["host"]}},
    "CookiesConfig": {"CookieBehavior": "all"},
    "QueryStringsConfig": {"QueryStringBehavior": "all"},
}


class CloudFront:
    """A Stubber on a real cloudfront client, plus what the module asked ``module.client`` for."""

    def __init__(self):
        self.client = boto3.client("cloudfront", region_name="us-east-1")
        self.stubber = stub.Stubber(self.client)
        self.client_kwargs = {}

    def expect(self, operation, params, response=None):
        self.stubber.add_response(operation, response or {}, params)

    def policy_list(self, kind, policy_type, configs, typed=None):
        """One List*Policies answer: with the filter Type=policy_type, or, with policy_type None, unfiltered, its
        items typed by ``typed`` (``[(type, id, config)]``)."""
        noun = "CachePolicy" if kind == "cache" else "OriginRequestPolicy"
        entries = typed if policy_type is None else [(policy_type, ident, config) for ident, config in configs]
        items = [
            {"Type": item_type, noun: {"Id": ident, "LastModifiedTime": NOW, noun + "Config": config}}
            for item_type, ident, config in entries
        ]
        body = {"MaxItems": 100, "Quantity": len(items)}
        if items:
            body["Items"] = items
        operation = "list_cache_policies" if kind == "cache" else "list_origin_request_policies"
        self.expect(operation, {"Type": policy_type} if policy_type else {}, {noun + "List": body})


@pytest.fixture
def cloudfront(monkeypatch, aws_env, api_calls):
    fake = CloudFront()

    def client(self, service, retry_decorator=None, **extra):
        fake.client_kwargs = dict(extra, service=service)
        return RetryingBotoClientWrapper(fake.client, retry_decorator)

    monkeypatch.setattr(cloudfront_policies.AnsibleAWSModule, "client", client)
    with fake.stubber:
        yield fake
    fake.stubber.assert_no_pending_responses()


def run(run_module, check_mode=False, **args):
    return run_module(cloudfront_policies.main, args, check_mode=check_mode, diff=True).result


def test_create_then_no_change_four_ways(run_module, cloudfront, api_calls):
    # check mode against an empty account: one List per listed kind, nothing written, the policy predicted
    cloudfront.policy_list("cache", "custom", [])
    result = run(run_module, check_mode=True, cache_policies=[STATIC])
    assert result["changed"] is True
    # The id CloudFront would choose is a check-mode placeholder the distributions task predicts with.
    assert result["cache_policies"]["static-long"]["id"] == "pending:cloudfront-cache-policy/static-long"
    assert result["cache_policies"]["static-long"]["config"]["query_strings"] == {
        "behavior": "whitelist",
        "items": ["v"],
    }
    assert result["diff"] == {
        "before": {"cache_policies": {}, "origin_request_policies": {}},
        "after": {
            "cache_policies": {"static-long": result["cache_policies"]["static-long"]["config"]},
            "origin_request_policies": {},
        },
    }
    assert api_calls.writes() == []
    assert cloudfront.client_kwargs == {"service": "cloudfront", "region": "us-east-1"}

    # apply: exactly one CreateCachePolicy with the full config
    cloudfront.policy_list("cache", "custom", [])
    cloudfront.expect(
        "create_cache_policy",
        {"CachePolicyConfig": STATIC_API},
        {
            "CachePolicy": {"Id": STATIC_ID, "LastModifiedTime": NOW, "CachePolicyConfig": STATIC_API},
            "ETag": "E1",
            "Location": "https://cloudfront.amazonaws.com/2020-05-31/cache-policy/" + STATIC_ID,
        },
    )
    applied = run(run_module, cache_policies=[STATIC])
    assert applied["changed"] is True
    assert applied["cache_policies"]["static-long"] == {
        "id": STATIC_ID,
        "config": result["cache_policies"]["static-long"]["config"],
    }
    assert api_calls.writes() == ["CreateCachePolicy"]

    # check mode and apply again: AWS has it (items in another order, same meaning): no change, no write
    for check_mode in (True, False):
        cloudfront.policy_list("cache", "custom", [(STATIC_ID, STATIC_API)])
        again = run(run_module, check_mode=check_mode, cache_policies=[STATIC])
        assert again["changed"] is False, again
        assert again["cache_policies"] == applied["cache_policies"]
    assert api_calls.writes() == ["CreateCachePolicy"]


def test_update_uses_the_current_etag(run_module, cloudfront, api_calls):
    stored = dict(ORIGIN_API, Comment="old")
    cloudfront.policy_list("origin_request", "custom", [(ORIGIN_ID, stored)])
    cloudfront.expect(
        "get_origin_request_policy",
        {"Id": ORIGIN_ID},
        {
            "OriginRequestPolicy": {"Id": ORIGIN_ID, "LastModifiedTime": NOW, "OriginRequestPolicyConfig": stored},
            "ETag": "E2OLD",
        },
    )
    cloudfront.expect(
        "update_origin_request_policy",
        {"Id": ORIGIN_ID, "IfMatch": "E2OLD", "OriginRequestPolicyConfig": ORIGIN_API},
        {
            "OriginRequestPolicy": {"Id": ORIGIN_ID, "LastModifiedTime": NOW, "OriginRequestPolicyConfig": ORIGIN_API},
            "ETag": "E2NEW",
        },
    )
    result = run(run_module, origin_request_policies=[ORIGIN])
    assert result["changed"] is True
    assert result["diff"]["before"]["origin_request_policies"]["alb-oidc"]["comment"] == "old"
    assert result["origin_request_policies"]["alb-oidc"]["config"]["headers"] == {
        "behavior": "allExcept",
        "items": ["host"],
    }
    assert api_calls.writes() == ["UpdateOriginRequestPolicy"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"cache_policies": [dict(STATIC, max_ttl=0, min_ttl=0, default_ttl=0)]},
            "caching is disabled (max_ttl 0), so query_strings cannot be set",
        ),
        ({"cache_policies": [STATIC, STATIC]}, "cache_policies: name static-long is used more than once"),
        (
            {"origin_request_policies": [dict(ORIGIN, headers={"behavior": "whitelist", "items": ["Authorization"]})]},
            "an origin request policy cannot forward authorization",
        ),
        ({"cache_policies": [dict(STATIC, name="static long")]}, "name must be 1 to 128 letters"),
    ],
)
def test_bad_input_fails_before_any_call(run_module, cloudfront, api_calls, args, message):
    result = run(run_module, **args)
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert api_calls == []


def test_managed_policy_names(run_module, cloudfront, api_calls):
    def managed():
        cloudfront.policy_list(
            "cache",
            "managed",
            [
                ("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", dict(STATIC_API, Name="Managed-CachingDisabled")),
                ("83da9c7e-98b4-4e11-a168-04f0df8e2c65", dict(STATIC_API, Name="UseOriginCacheControlHeaders")),
            ],
        )
        cloudfront.policy_list(
            "origin_request",
            "managed",
            [("b689b0a8-53d0-40ab-baf2-68738e2966ac", dict(ORIGIN_API, Name="Managed-AllViewerExceptHostHeader"))],
        )

    managed()
    result = run(
        run_module,
        managed_policy_names=["CachingDisabled", "Managed-AllViewerExceptHostHeader", "UseOriginCacheControlHeaders"],
    )
    assert result["changed"] is False
    assert result["managed_cache_policies"] == {
        "CachingDisabled": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
    }
    assert result["managed_origin_request_policies"] == {
        "Managed-AllViewerExceptHostHeader": "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    }

    # custom cache policies and managed names in one task: one unfiltered listing of the cache policies, split by
    # each summary's Type (a managed policy never counts as the custom one of the same name)
    disabled = ("managed", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", dict(STATIC_API, Name="Managed-CachingDisabled"))
    managed_static = ("managed", "0e6a8d40-0000-4a0c-9a40-3c64ee3d4c1a", STATIC_API)
    cloudfront.policy_list("cache", None, [], typed=[disabled, managed_static, ("custom", STATIC_ID, STATIC_API)])
    cloudfront.policy_list("origin_request", "managed", [("b689b0a8-53d0-40ab-baf2-68738e2966ac", ORIGIN_API)])
    api_calls.clear()
    both = run(run_module, cache_policies=[STATIC], managed_policy_names=["CachingDisabled"])
    assert both["changed"] is False, both
    assert both["cache_policies"]["static-long"]["id"] == STATIC_ID
    assert both["managed_cache_policies"] == {"CachingDisabled": disabled[1]}
    assert api_calls.operations() == ["ListCachePolicies", "ListOriginRequestPolicies"]

    # an unknown name fails before the policy in the same task is created
    cloudfront.policy_list(
        "cache",
        None,
        [],
        typed=[
            ("managed", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", dict(STATIC_API, Name="Managed-CachingDisabled")),
            ("managed", "83da9c7e-98b4-4e11-a168-04f0df8e2c65", dict(STATIC_API, Name="UseOriginCacheControlHeaders")),
        ],
    )
    cloudfront.policy_list(
        "origin_request",
        "managed",
        [("b689b0a8-53d0-40ab-baf2-68738e2966ac", dict(ORIGIN_API, Name="Managed-AllViewerExceptHostHeader"))],
    )
    failed = run(run_module, cache_policies=[STATIC], managed_policy_names=["CachingSometimes"])
    assert failed["failed"] is True
    assert "no AWS managed policy named CachingSometimes; available: Managed-AllViewerExceptHostHeader" in failed["msg"]
    assert api_calls.writes() == []


def test_absent_deletes_unused_policies_only(run_module, cloudfront, api_calls):
    # in use: the module names the distribution and deletes nothing, in check mode as well
    for check_mode in (True, False):
        cloudfront.policy_list("cache", "custom", [(STATIC_ID, STATIC_API)])
        cloudfront.expect(
            "list_distributions_by_cache_policy_id",
            {"CachePolicyId": STATIC_ID},
            {
                "DistributionIdList": {
                    "Marker": "",
                    "MaxItems": 100,
                    "IsTruncated": False,
                    "Quantity": 1,
                    "Items": ["E2QWRUHAPOMQZL"],
                }
            },
        )
        failed = run(run_module, check_mode=check_mode, state="absent", cache_policies=[{"name": "static-long"}])
        assert failed["failed"] is True
        assert (
            "cache policy static-long (%s) is attached to cache behaviours of distribution(s) E2QWRUHAPOMQZL"
            % STATIC_ID
            in failed["msg"]
        )
    assert api_calls.writes() == []

    unused = {"DistributionIdList": {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 0}}
    cloudfront.policy_list("cache", "custom", [(STATIC_ID, STATIC_API)])
    cloudfront.expect("list_distributions_by_cache_policy_id", {"CachePolicyId": STATIC_ID}, unused)
    predicted = run(
        run_module, check_mode=True, state="absent", cache_policies=[{"name": "static-long"}, {"name": "gone"}]
    )
    assert (predicted["changed"], predicted["cache_policies"]) == (True, {})
    assert predicted["diff"]["before"]["cache_policies"] == {"static-long": from_api("cache", STATIC_API)}
    assert predicted["diff"]["after"]["cache_policies"] == {}

    cloudfront.policy_list("cache", "custom", [(STATIC_ID, STATIC_API)])
    cloudfront.expect("list_distributions_by_cache_policy_id", {"CachePolicyId": STATIC_ID}, unused)
    cloudfront.expect(
        "get_cache_policy",
        {"Id": STATIC_ID},
        {"CachePolicy": {"Id": STATIC_ID, "LastModifiedTime": NOW, "CachePolicyConfig": STATIC_API}, "ETag": "E3"},
    )
    cloudfront.expect("delete_cache_policy", {"Id": STATIC_ID, "IfMatch": "E3"})
    deleted = run(run_module, state="absent", cache_policies=[{"name": "static-long"}])
    assert deleted["changed"] is True
    assert api_calls.writes() == ["DeleteCachePolicy"]

    cloudfront.policy_list("cache", "custom", [])
    assert run(run_module, state="absent", cache_policies=[{"name": "static-long"}])["changed"] is False


def test_api_error_is_reported(run_module, cloudfront):
    cloudfront.policy_list("cache", "custom", [])
    cloudfront.stubber.add_client_error(
        "create_cache_policy", "TooManyCachePolicies", "You have reached the maximum", http_status_code=400
    )
    result = run(run_module, cache_policies=[STATIC])
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to create cache policy static-long")
    assert result["error"]["code"] == "TooManyCachePolicies"


def test_check_mode_origin_request_policy_to_create_has_a_placeholder_id(run_module, cloudfront, api_calls):
    cloudfront.policy_list("cache", "custom", [(STATIC_ID, STATIC_API)])
    cloudfront.policy_list("origin_request", "custom", [])
    result = run(run_module, check_mode=True, cache_policies=[STATIC], origin_request_policies=[ORIGIN])
    assert result["changed"] is True and api_calls.writes() == []
    assert result["cache_policies"]["static-long"]["id"] == STATIC_ID
    assert result["origin_request_policies"]["alb-oidc"]["id"] == "pending:cloudfront-origin-request-policy/alb-oidc"


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(cloudfront_policies) == []
