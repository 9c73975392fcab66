# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudFront cache and origin request policies of the fidelity layer (moto 5.2.5 has none), with boto3."""

import pytest
from botocore.exceptions import ClientError

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"


def _section(prefix, behavior, items=()):
    section = {prefix + "Behavior": behavior}
    if items:
        key = {"Header": "Headers", "Cookie": "Cookies", "QueryString": "QueryStrings"}[prefix]
        section[key] = {"Quantity": len(items), "Items": list(items)}
    return section


def _parameters(headers=("none",), cookies=("none",), query_strings=("none",)):
    return {
        "HeadersConfig": _section("Header", headers[0], headers[1:]),
        "CookiesConfig": _section("Cookie", cookies[0], cookies[1:]),
        "QueryStringsConfig": _section("QueryString", query_strings[0], query_strings[1:]),
    }


def cache_config(name="static-long", ttls=(0, 86400, 31536000), gzip=True, brotli=True, **params):
    return {
        "Name": name,
        "Comment": "long cache",
        "MinTTL": ttls[0],
        "DefaultTTL": ttls[1],
        "MaxTTL": ttls[2],
        "ParametersInCacheKeyAndForwardedToOrigin": dict(
            _parameters(**params), EnableAcceptEncodingGzip=gzip, EnableAcceptEncodingBrotli=brotli
        ),
    }


def origin_config(name="alb-all", **params):
    params.setdefault("headers", ("allExcept", "host"))
    params.setdefault("cookies", ("all",))
    params.setdefault("query_strings", ("all",))
    return dict(_parameters(**params), Name=name, Comment="everything but Host")


# Both kinds have the same operations; each test runs for both through this table.
KINDS = {
    "cache": dict(
        noun="CachePolicy",
        plural="CachePolicies",
        config=cache_config,
        managed=CACHING_OPTIMIZED,
        managed_name="Managed-CachingOptimized",
    ),
    "origin_request": dict(
        noun="OriginRequestPolicy",
        plural="OriginRequestPolicies",
        config=origin_config,
        managed=ALL_VIEWER,
        managed_name="Managed-AllViewer",
    ),
}


class Api:
    """The boto3 calls of one kind, by the operation's name."""

    def __init__(self, client, kind):
        self.client, self.spec = client, KINDS[kind]
        self.noun = self.spec["noun"]
        self.config_key = self.noun + "Config"

    def __call__(self, template, **params):
        operation = template.format(noun=self.noun, plural=self.spec["plural"])
        method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
        return getattr(self.client, method)(**params)

    def create(self, config):
        return self("Create{noun}", **{self.config_key: config})

    def listed(self, kind_type):
        policy_list = self("List{plural}", Type=kind_type)[self.noun + "List"]
        return {item[self.noun]["Id"]: item for item in policy_list.get("Items", [])}


@pytest.fixture(params=sorted(KINDS))
def api(request, lc, aws):
    return Api(aws("cloudfront"), request.param)


def _error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_managed_policies_by_real_id_and_name(lc, aws):
    cloudfront = aws("cloudfront")
    cache = {
        i["CachePolicy"]["Id"]: i for i in cloudfront.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]
    }
    origin = {
        i["OriginRequestPolicy"]["Id"]: i
        for i in cloudfront.list_origin_request_policies(Type="managed")["OriginRequestPolicyList"]["Items"]
    }
    assert {
        ident: item["CachePolicy"]["CachePolicyConfig"]["Name"]
        for ident, item in cache.items()
        if ident in (CACHING_DISABLED, CACHING_OPTIMIZED)
    } == {CACHING_DISABLED: "Managed-CachingDisabled", CACHING_OPTIMIZED: "Managed-CachingOptimized"}
    assert {
        ident: item["OriginRequestPolicy"]["OriginRequestPolicyConfig"]["Name"]
        for ident, item in origin.items()
        if ident in (ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST, CORS_S3_ORIGIN)
    } == {
        ALL_VIEWER: "Managed-AllViewer",
        ALL_VIEWER_EXCEPT_HOST: "Managed-AllViewerExceptHostHeader",
        CORS_S3_ORIGIN: "Managed-CORS-S3Origin",
    }
    assert {i["Type"] for i in list(cache.values()) + list(origin.values())} == {"managed"}
    assert len(cache) == 7 and len(origin) == 8

    disabled = cloudfront.get_cache_policy(Id=CACHING_DISABLED)["CachePolicy"]["CachePolicyConfig"]
    assert (disabled["MinTTL"], disabled["DefaultTTL"], disabled["MaxTTL"]) == (0, 0, 0)
    assert disabled["ParametersInCacheKeyAndForwardedToOrigin"]["EnableAcceptEncodingGzip"] is False
    except_host = cloudfront.get_origin_request_policy_config(Id=ALL_VIEWER_EXCEPT_HOST)["OriginRequestPolicyConfig"]
    assert except_host["HeadersConfig"] == {
        "HeaderBehavior": "allExcept",
        "Headers": {"Quantity": 1, "Items": ["host"]},
    }
    assert except_host["CookiesConfig"] == {"CookieBehavior": "all"}
    assert cloudfront.list_cache_policies(Type="custom")["CachePolicyList"] == {"MaxItems": 100, "Quantity": 0}


def test_create_get_update_list_delete(api, lc):
    config = api.spec["config"]()
    created = api.create(config)
    policy = created[api.noun]
    ident, etag = policy["Id"], created["ETag"]
    assert created["Location"].endswith(
        "/2020-05-31/%s/%s" % ("cache-policy" if api.noun == "CachePolicy" else "origin-request-policy", ident)
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert policy[api.config_key] == config

    got = api("Get{noun}", Id=ident)
    assert (got["ETag"], got[api.noun][api.config_key]) == (etag, config)
    assert api("Get{noun}Config", Id=ident)[api.config_key] == config
    assert list(api.listed("custom")) == [ident]
    assert ident not in api.listed("managed")
    everything = {i[api.noun]["Id"]: i["Type"] for i in api("List{plural}")[api.noun + "List"]["Items"]}
    assert (everything[ident], everything[api.spec["managed"]]) == ("custom", "managed")

    changed = dict(config, Comment="changed")
    with pytest.raises(ClientError) as missing:
        api("Update{noun}", Id=ident, **{api.config_key: changed})
    with pytest.raises(ClientError) as stale:
        api("Update{noun}", Id=ident, IfMatch="ESTALE", **{api.config_key: changed})
    assert (_error(missing), _error(stale)) == (("InvalidIfMatchVersion", 400), ("PreconditionFailed", 412))
    updated = api("Update{noun}", Id=ident, IfMatch=etag, **{api.config_key: changed})
    assert updated["ETag"] != etag
    assert api("Get{noun}", Id=ident)[api.noun][api.config_key]["Comment"] == "changed"

    with pytest.raises(ClientError) as old_etag:
        api("Delete{noun}", Id=ident, IfMatch=etag)
    assert _error(old_etag) == ("PreconditionFailed", 412)
    api("Delete{noun}", Id=ident, IfMatch=updated["ETag"])
    assert api.listed("custom") == {}
    with pytest.raises(ClientError) as gone:
        api("Get{noun}", Id=ident)
    assert _error(gone) == ("NoSuch" + api.noun, 404)


def test_names_are_unique_and_managed_policies_read_only(api, lc):
    first = api.create(api.spec["config"]("one"))
    second = api.create(api.spec["config"]("two"))
    cases = {
        "duplicate": lambda: api.create(api.spec["config"]("one")),
        "managed name": lambda: api.create(api.spec["config"](api.spec["managed_name"])),
        "rename onto another": lambda: api(
            "Update{noun}",
            Id=second[api.noun]["Id"],
            IfMatch=second["ETag"],
            **{api.config_key: api.spec["config"]("one")},
        ),
        "update managed": lambda: api(
            "Update{noun}", Id=api.spec["managed"], IfMatch="E1", **{api.config_key: api.spec["config"]("x")}
        ),
        "delete managed": lambda: api("Delete{noun}", Id=api.spec["managed"], IfMatch="E1"),
        "unknown id": lambda: api("Delete{noun}", Id="00000000-0000-0000-0000-000000000000", IfMatch="E1"),
    }
    errors = {}
    for name, call in cases.items():
        with pytest.raises(ClientError) as excinfo:
            call()
        errors[name] = _error(excinfo)
    exists = (api.noun + "AlreadyExists", 409)
    assert errors == {
        "duplicate": exists,
        "managed name": exists,
        "rename onto another": exists,
        "update managed": ("IllegalUpdate", 400),
        "delete managed": ("IllegalDelete", 400),
        "unknown id": ("NoSuch" + api.noun, 404),
    }
    assert sorted(api.listed("custom")) == sorted([first[api.noun]["Id"], second[api.noun]["Id"]])


@pytest.mark.parametrize(
    "config, code",
    [
        (cache_config(ttls=(0, 0, 0)), "InvalidArgument"),  # compression with caching disabled
        (
            cache_config(ttls=(0, 0, 0), gzip=False, brotli=False, headers=("whitelist", "Authorization")),
            "InvalidArgument",
        ),
        (cache_config(ttls=(100, 10, 1000)), "InvalidArgument"),  # MinTTL > DefaultTTL
        (cache_config(headers=("whitelist",)), "InvalidArgument"),  # whitelist without items
        (cache_config(cookies=("all", "session")), "InvalidArgument"),  # items with "all"
        (cache_config(headers=("whitelist", "Accept-Encoding")), "InvalidArgument"),
        (cache_config(name="has space"), "InvalidArgument"),
        (cache_config(headers=("whitelist",) + tuple("X-H%d" % i for i in range(11))), "TooManyHeadersInCachePolicy"),
        (
            cache_config(query_strings=("whitelist",) + tuple("q%d" % i for i in range(11))),
            "TooManyQueryStringsInCachePolicy",
        ),
    ],
)
def test_cache_policy_errors(lc, aws, config, code):
    cloudfront = aws("cloudfront")
    with pytest.raises(ClientError) as excinfo:
        cloudfront.create_cache_policy(CachePolicyConfig=config)
    assert _error(excinfo) == (code, 400)
    assert cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Quantity"] == 0


@pytest.mark.parametrize(
    "config, code",
    [
        (origin_config(headers=("whitelist", "Authorization")), "InvalidArgument"),  # belongs in the cache policy
        (origin_config(headers=("allViewerAndWhitelistCloudFront", "X-Not-CloudFront")), "InvalidArgument"),
        (origin_config(cookies=("allExcept",)), "InvalidArgument"),
        (
            origin_config(cookies=("whitelist",) + tuple("c%d" % i for i in range(11))),
            "TooManyCookiesInOriginRequestPolicy",
        ),
    ],
)
def test_origin_request_policy_errors(lc, aws, config, code):
    with pytest.raises(ClientError) as excinfo:
        aws("cloudfront").create_origin_request_policy(OriginRequestPolicyConfig=config)
    assert _error(excinfo) == (code, 400)


def test_inconsistent_quantities_and_defaults(lc, aws):
    cloudfront = aws("cloudfront")
    config = cache_config(headers=("whitelist", "X-A", "X-B"))
    config["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]["Quantity"] = 1
    with pytest.raises(ClientError) as excinfo:
        cloudfront.create_cache_policy(CachePolicyConfig=config)
    assert _error(excinfo) == ("InconsistentQuantities", 400)

    # DefaultTTL and MaxTTL are filled in as AWS documents them
    config = cache_config(name="min-only")
    del config["DefaultTTL"], config["MaxTTL"]
    config["MinTTL"] = 100000
    stored = cloudfront.create_cache_policy(CachePolicyConfig=config)["CachePolicy"]["CachePolicyConfig"]
    assert (stored["MinTTL"], stored["DefaultTTL"], stored["MaxTTL"]) == (100000, 100000, 31536000)


def test_custom_policy_limit(lc, aws):
    cloudfront = aws("cloudfront")
    for index in range(20):
        cloudfront.create_origin_request_policy(OriginRequestPolicyConfig=origin_config("p%d" % index))
    with pytest.raises(ClientError) as excinfo:
        cloudfront.create_origin_request_policy(OriginRequestPolicyConfig=origin_config("p20"))
    assert _error(excinfo) == ("TooManyOriginRequestPolicies", 400)
    page = cloudfront.list_origin_request_policies(Type="custom", MaxItems="15")["OriginRequestPolicyList"]
    rest = cloudfront.list_origin_request_policies(Type="custom", Marker=page["NextMarker"])["OriginRequestPolicyList"]
    assert (page["Quantity"], rest["Quantity"], "NextMarker" in rest) == (15, 5, False)


def _distribution_config(reference, behaviour):
    origin = {
        "Id": "alb",
        "DomainName": "alb-123.eu-west-2.elb.amazonaws.com",
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
    }
    base = {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https"}
    return {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": dict(
            base, CachePolicyId=CACHING_DISABLED, OriginRequestPolicyId=ALL_VIEWER_EXCEPT_HOST
        ),
        "CacheBehaviors": {"Quantity": 1, "Items": [dict(base, PathPattern="/static/*", **behaviour)]},
    }


def test_distribution_uses_created_policies(lc, aws):
    cloudfront = aws("cloudfront")
    created = cloudfront.create_cache_policy(CachePolicyConfig=cache_config())
    policy_id, etag = created["CachePolicy"]["Id"], created["ETag"]
    distribution = cloudfront.create_distribution(
        DistributionConfig=_distribution_config("portal", {"CachePolicyId": policy_id})
    )["Distribution"]
    config = cloudfront.get_distribution_config(Id=distribution["Id"])["DistributionConfig"]
    default, static = config["DefaultCacheBehavior"], config["CacheBehaviors"]["Items"][0]
    assert (default["CachePolicyId"], default["OriginRequestPolicyId"]) == (CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST)
    assert static["CachePolicyId"] == policy_id
    # as in AWS: no legacy cache settings next to a cache policy, no empty origin request policy id
    for behaviour in (default, static):
        assert not set(behaviour) & {"ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL"}, behaviour
    assert "OriginRequestPolicyId" not in static

    by_policy = cloudfront.list_distributions_by_cache_policy_id(CachePolicyId=policy_id)["DistributionIdList"]
    assert by_policy["Items"] == [distribution["Id"]]
    by_origin = cloudfront.list_distributions_by_origin_request_policy_id(OriginRequestPolicyId=ALL_VIEWER_EXCEPT_HOST)[
        "DistributionIdList"
    ]
    assert by_origin["Items"] == [distribution["Id"]]
    with pytest.raises(ClientError) as in_use:
        cloudfront.delete_cache_policy(Id=policy_id, IfMatch=etag)
    assert _error(in_use) == ("CachePolicyInUse", 409)

    # detach it, then it can go
    dist_config = cloudfront.get_distribution_config(Id=distribution["Id"])
    dist_config["DistributionConfig"]["CacheBehaviors"]["Items"][0]["CachePolicyId"] = CACHING_OPTIMIZED
    cloudfront.update_distribution(
        Id=distribution["Id"], IfMatch=dist_config["ETag"], DistributionConfig=dist_config["DistributionConfig"]
    )
    cloudfront.delete_cache_policy(Id=policy_id, IfMatch=etag)
    assert cloudfront.list_cache_policies(Type="custom")["CachePolicyList"]["Quantity"] == 0


@pytest.mark.parametrize(
    "behaviour, code, status",
    [
        ({"CachePolicyId": "00000000-0000-0000-0000-000000000000"}, "NoSuchCachePolicy", 404),
        ({"CachePolicyId": CACHING_OPTIMIZED, "OriginRequestPolicyId": "nope"}, "NoSuchOriginRequestPolicy", 404),
        (
            {
                "CachePolicyId": CACHING_OPTIMIZED,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
            "InvalidArgument",
            400,
        ),
    ],
)
def test_distribution_policy_errors(lc, aws, behaviour, code, status):
    cloudfront = aws("cloudfront")
    with pytest.raises(ClientError) as excinfo:
        cloudfront.create_distribution(DistributionConfig=_distribution_config("bad", behaviour))
    assert _error(excinfo) == (code, status)
    assert cloudfront.list_distributions()["DistributionList"]["Quantity"] == 0


def test_request_log_reset_and_throttling(lc, aws):
    cloudfront = aws("cloudfront")
    lc.clear_requests()
    created = cloudfront.create_origin_request_policy(OriginRequestPolicyConfig=origin_config())
    ident, etag = created["OriginRequestPolicy"]["Id"], created["ETag"]
    cloudfront.get_origin_request_policy_config(Id=ident)
    cloudfront.update_origin_request_policy(Id=ident, IfMatch=etag, OriginRequestPolicyConfig=origin_config())
    cloudfront.list_origin_request_policies(Type="custom")
    cloudfront.list_distributions_by_origin_request_policy_id(OriginRequestPolicyId=ident)
    log = [(e["operation"], e["write"], e["status"]) for e in lc.requests(service="cloudfront")]
    assert log == [
        ("CreateOriginRequestPolicy", True, 201),
        ("GetOriginRequestPolicyConfig", False, 200),
        ("UpdateOriginRequestPolicy", True, 200),
        ("ListOriginRequestPolicies", False, 200),
        ("ListDistributionsByOriginRequestPolicyId", False, 200),
    ]

    lc.configure(throttle_fraction=1.0, throttle_services=["cloudfront"])
    with pytest.raises(ClientError) as throttled:
        cloudfront.list_cache_policies()
    assert _error(throttled) == ("Throttling", 400)
    assert lc.requests(service="cloudfront")[-1]["operation"] == "ListCachePolicies"

    lc.reset()
    assert cloudfront.list_origin_request_policies(Type="custom")["OriginRequestPolicyList"]["Quantity"] == 0
    assert len(cloudfront.list_origin_request_policies()["OriginRequestPolicyList"]["Items"]) == 8
