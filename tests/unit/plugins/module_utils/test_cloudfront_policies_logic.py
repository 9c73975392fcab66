# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the CloudFront policy normalise/validate/compare logic (no AWS involved)."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudfront_policies as cp

NONE = {"behavior": "none", "items": []}


def cache(**overrides):
    params = {
        "name": "static",
        "comment": "",
        "min_ttl": 0,
        "default_ttl": None,
        "max_ttl": None,
        "headers": None,
        "cookies": None,
        "query_strings": None,
        "enable_accept_encoding_gzip": None,
        "enable_accept_encoding_brotli": None,
    }
    params.update(overrides)
    return cp.desired_policy("cache", params)


def origin(**overrides):
    params = {
        "name": "alb",
        "comment": "",
        "headers": {"behavior": "allExcept", "items": ["Host"]},
        "cookies": {"behavior": "all", "items": []},
        "query_strings": {"behavior": "all", "items": []},
    }
    params.update(overrides)
    return cp.desired_policy("origin_request", params)


@pytest.mark.parametrize(
    "given, expected",
    [
        ((0, None, None), (0, 86400, 31536000)),
        ((100000, None, None), (100000, 100000, 31536000)),
        ((0, None, 0), (0, 0, 0)),
        ((0, None, 3600), (0, 3600, 3600)),
        ((86400, 31536000, None), (86400, 31536000, 31536000)),
        ((0, 40000000, None), (0, 40000000, 40000000)),
        ((None, 60, 120), (0, 60, 120)),
    ],
)
def test_resolve_ttls(given, expected):
    assert cp.resolve_ttls(*given) == expected


@pytest.mark.parametrize(
    "overrides, gzip, brotli",
    [
        ({}, True, True),
        ({"max_ttl": 0}, False, False),
        ({"enable_accept_encoding_brotli": False}, True, False),
        ({"max_ttl": 0, "enable_accept_encoding_gzip": True}, True, False),
    ],
)
def test_compression_defaults(overrides, gzip, brotli):
    policy = cache(**overrides)
    assert (policy["enable_accept_encoding_gzip"], policy["enable_accept_encoding_brotli"]) == (gzip, brotli)


def test_items_are_sorted_and_header_names_lower_case():
    policy = cache(
        headers={"behavior": "whitelist", "items": ["X-B", "Origin", "x-a"]},
        cookies={"behavior": "whitelist", "items": ["b", "Session", "a"]},
    )
    assert policy["headers"] == {"behavior": "whitelist", "items": ["origin", "x-a", "x-b"]}
    assert policy["cookies"] == {"behavior": "whitelist", "items": ["a", "b", "Session"]}
    assert policy["query_strings"] == NONE


API_CACHE = {
    "Name": "static",
    "Comment": "long",
    "MinTTL": 1,
    "DefaultTTL": 86400,
    "MaxTTL": 31536000,
    "ParametersInCacheKeyAndForwardedToOrigin": {
        "EnableAcceptEncodingGzip": True,
        "EnableAcceptEncodingBrotli": False,
        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 2, "Items": ["X-B", "Origin"]}},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "allExcept", "QueryStrings": {"Quantity": 1, "Items": ["t"]}},
    },
}
API_ORIGIN = {
    "Name": "alb",
    "HeadersConfig": {"HeaderBehavior": "allExcept", "Headers": {"Quantity": 1, "Items": ["host"]}},
    "CookiesConfig": {"CookieBehavior": "all"},
    "QueryStringsConfig": {"QueryStringBehavior": "all"},
}


@pytest.mark.parametrize("kind, api", [("cache", API_CACHE), ("origin_request", API_ORIGIN)])
def test_api_round_trip(kind, api):
    policy = cp.from_api(kind, api)
    assert cp.from_api(kind, cp.to_api(kind, policy)) == policy
    assert policy["comment"] == api.get("Comment", "")


def test_from_api_normalises_like_the_input():
    assert cp.from_api("cache", API_CACHE) == cache(
        comment="long",
        min_ttl=1,
        headers={"behavior": "whitelist", "items": ["origin", "x-b"]},
        query_strings={"behavior": "allExcept", "items": ["t"]},
        enable_accept_encoding_brotli=False,
    )
    assert cp.from_api("origin_request", API_ORIGIN) == origin()


def test_to_api_shapes():
    api = cp.to_api("cache", cache(max_ttl=0))
    assert api["ParametersInCacheKeyAndForwardedToOrigin"] == {
        "HeadersConfig": {"HeaderBehavior": "none"},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "none"},
        "EnableAcceptEncodingGzip": False,
        "EnableAcceptEncodingBrotli": False,
    }
    assert (api["MinTTL"], api["DefaultTTL"], api["MaxTTL"]) == (0, 0, 0)
    assert cp.to_api("origin_request", origin())["HeadersConfig"] == {
        "HeaderBehavior": "allExcept",
        "Headers": {"Quantity": 1, "Items": ["host"]},
    }


WHITELIST = "whitelist"


@pytest.mark.parametrize(
    "kind, policies, message",
    [
        ("cache", [cache(), cache()], "cache_policies: name static is used more than once"),
        ("cache", [cache(name="has space")], "name must be 1 to 128 letters"),
        ("cache", [cache(comment="x" * 129)], "comment must not be longer than 128"),
        ("cache", [cache(headers={"behavior": WHITELIST, "items": []})], "headers.items must list at least one name"),
        (
            "cache",
            [cache(cookies={"behavior": "all", "items": ["a"]})],
            "cookies.items must be empty with behavior all",
        ),
        (
            "cache",
            [cache(query_strings={"behavior": WHITELIST, "items": ["q%d" % i for i in range(11)]})],
            "query_strings.items has 11 names; CloudFront allows at most 10",
        ),
        (
            "cache",
            [cache(cookies={"behavior": WHITELIST, "items": ["a", "a"]})],
            "cookies.items lists a more than once",
        ),
        (
            "cache",
            [cache(headers={"behavior": WHITELIST, "items": ["Accept-Encoding"]})],
            "do not list Accept-Encoding",
        ),
        (
            "cache",
            [cache(min_ttl=100, default_ttl=10, max_ttl=1000)],
            "need min_ttl <= default_ttl <= max_ttl, got 100, 10, 1000",
        ),
        ("cache", [cache(min_ttl=-1, default_ttl=0, max_ttl=0)], "must not be negative"),
        (
            "cache",
            [cache(max_ttl=0, headers={"behavior": WHITELIST, "items": ["Authorization"]})],
            "caching is disabled (max_ttl 0), so headers cannot be set",
        ),
        ("cache", [cache(max_ttl=0, enable_accept_encoding_gzip=True)], "so enable_accept_encoding_gzip cannot be set"),
        (
            "cache",
            [cache(headers={"behavior": "allViewer", "items": []})],
            "headers.behavior must be one of none, whitelist",
        ),
        (
            "origin_request",
            [origin(headers={"behavior": WHITELIST, "items": ["Authorization"]})],
            "an origin request policy cannot forward authorization",
        ),
        (
            "origin_request",
            [origin(headers={"behavior": "allViewerAndWhitelistCloudFront", "items": ["X-Other"]})],
            "may only name CloudFront-* headers, not x-other",
        ),
        (
            "origin_request",
            [origin(cookies={"behavior": "allExcept", "items": []})],
            "cookies.items must list at least one",
        ),
    ],
)
def test_validate_policies(kind, policies, message):
    errors = cp.validate_policies(kind, policies)
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize(
    "kind, policy",
    [
        ("cache", cache()),
        ("cache", cache(max_ttl=0)),
        ("cache", cache(min_ttl=86400, default_ttl=31536000, max_ttl=31536000)),
        ("origin_request", origin()),
        (
            "origin_request",
            origin(headers={"behavior": "allViewerAndWhitelistCloudFront", "items": ["CloudFront-Viewer-Country"]}),
        ),
    ],
)
def test_valid_policies(kind, policy):
    assert cp.validate_policies(kind, [policy]) == []


def test_names_only_for_deletion():
    assert cp.validate_policies("cache", [cache(name="has space")], names_only=True) == []
    assert cp.validate_policies("cache", [cache(), cache()], names_only=True) == [
        "cache_policies: name static is used more than once"
    ]


def test_existing_by_name_and_plan():
    summaries = [
        {"Type": "custom", "CachePolicy": {"Id": "id-1", "CachePolicyConfig": dict(API_CACHE, Name="same")}},
        {"Type": "custom", "CachePolicy": {"Id": "id-2", "CachePolicyConfig": dict(API_CACHE, Name="other")}},
    ]
    existing = cp.existing_by_name("cache", summaries)
    assert {name: p["id"] for name, p in existing.items()} == {"same": "id-1", "other": "id-2"}

    same = cp.from_api("cache", dict(API_CACHE, Name="same"))
    other = dict(cp.from_api("cache", dict(API_CACHE, Name="other")), max_ttl=60, default_ttl=60)
    new = cache(name="new")
    actions = cp.plan([same, other, new], existing, "present")
    assert [(a, p["name"], c and c["id"]) for a, p, c in actions] == [
        ("none", "same", "id-1"),
        ("update", "other", "id-2"),
        ("create", "new", None),
    ]
    actions = cp.plan([same, new], existing, "absent")
    assert [(a, p["name"], c and c["id"]) for a, p, c in actions] == [("delete", "same", "id-1"), ("none", "new", None)]


def test_item_order_and_header_case_do_not_make_a_change():
    existing = cp.existing_by_name(
        "origin_request",
        [
            {
                "OriginRequestPolicy": {
                    "Id": "id-1",
                    "OriginRequestPolicyConfig": dict(
                        API_ORIGIN,
                        HeadersConfig={
                            "HeaderBehavior": "whitelist",
                            "Headers": {"Quantity": 2, "Items": ["Origin", "X-Trace"]},
                        },
                    ),
                }
            }
        ],
    )
    desired = origin(headers={"behavior": "whitelist", "items": ["x-trace", "ORIGIN"]})
    assert cp.plan([desired], existing, "present")[0][0] == "none"


MANAGED = {
    "cache": {"Managed-CachingDisabled": "c-1", "UseOriginCacheControlHeaders": "c-2"},
    "origin_request": {"Managed-AllViewer": "o-1"},
}


@pytest.mark.parametrize(
    "names, found, missing",
    [
        (
            ["CachingDisabled", "Managed-AllViewer"],
            {"cache": {"CachingDisabled": "c-1"}, "origin_request": {"Managed-AllViewer": "o-1"}},
            [],
        ),
        (
            ["Managed-UseOriginCacheControlHeaders", "AllViewer"],
            {"cache": {"Managed-UseOriginCacheControlHeaders": "c-2"}, "origin_request": {"AllViewer": "o-1"}},
            [],
        ),
        (["CachingSometimes"], {"cache": {}, "origin_request": {}}, ["CachingSometimes"]),
    ],
)
def test_resolve_managed(names, found, missing):
    assert cp.resolve_managed(names, MANAGED) == (found, missing)
