# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the CloudFront distribution compare/normalise logic (no AWS involved)."""

from __future__ import annotations

import copy
import json

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudfront as cf
from ansible_collections.rocketclub.platform.plugins.modules.cloudfront_distributions import argument_spec

SECRET = "origin-secret-0123456789abcdef"
HEADER = {"name": "X-Origin-Verify", "value": SECRET}
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
ALB = "internal-alb-1.eu-west-2.elb.amazonaws.com"


def spec(**extra):
    """A distributions[] item as the module receives it (defaults filled in by the argument spec)."""
    raw = {
        "name": "portal",
        "aliases": ["portal.example.com", "www.portal.example.com"],
        "certificate_arn": CERT,
        "origin": {"domain_name": ALB},
        "default_behavior": {"cache_policy_id": "cp-disabled", "origin_request_policy_id": "orp-all"},
        "behaviors": [
            {"path_pattern": "/api/*", "cache_policy_id": "cp-disabled", "origin_request_policy_id": "orp-all"},
            {"path_pattern": "/static/*", "cache_policy_id": "cp-optimized", "allowed_methods": ["GET", "HEAD"]},
        ],
    }
    raw.update(extra)
    result = ArgumentSpecValidator(argument_spec()["distributions"]["options"]).validate(copy.deepcopy(raw))
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


def desired(header="default", **extra):
    return cf.desired_config(spec(**extra), HEADER if header == "default" else header)


def aws_shape(config):
    """What real AWS returns for a config we sent: Quantity everywhere, other method/alias order, derived
    certificate fields, extra empty settings."""
    config = copy.deepcopy(config)
    config["Aliases"]["Items"] = [a.upper() for a in reversed(config["Aliases"]["Items"])]
    for behavior in [config["DefaultCacheBehavior"]] + config["CacheBehaviors"]["Items"]:
        methods = behavior["AllowedMethods"]
        methods["Items"] = list(reversed(methods["Items"]))
        methods["CachedMethods"]["Items"] = list(reversed(methods["CachedMethods"]["Items"]))
        behavior["GrpcConfig"] = {"Enabled": False}
        behavior.setdefault("OriginRequestPolicyId", "")
    config["ViewerCertificate"].update(CertificateSource="acm", Certificate=CERT)
    config.update(
        OriginGroups={"Quantity": 0},
        CustomErrorResponses={"Quantity": 0},
        Restrictions={"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        ContinuousDeploymentPolicyId="",
        Staging=False,
        ConnectionMode="direct",
    )
    return config


def moto_shape(config):
    """What moto 5.2 returns: ForwardedValues and TTLs next to a cache policy, CloudFrontDefaultCertificate true."""
    config = copy.deepcopy(config)
    for behavior in [config["DefaultCacheBehavior"]] + config["CacheBehaviors"]["Items"]:
        behavior.update(
            ForwardedValues={"QueryString": False, "Cookies": {"Forward": "none"}}, MinTTL=0, DefaultTTL=0, MaxTTL=0
        )
    config["ViewerCertificate"].update(
        CloudFrontDefaultCertificate=True, CertificateSource="cloudfront", IAMCertificateId=""
    )
    return config


# ------------------------------------------------------------------------------------------------ normalisation


@pytest.mark.parametrize("shape", [lambda c: c, aws_shape, moto_shape], ids=["as-sent", "aws", "moto"])
@pytest.mark.parametrize(
    "extra, header",
    [
        ({}, HEADER),
        ({}, None),
        ({"aliases": [], "certificate_arn": None}, HEADER),
        ({"logging": {"bucket": "logs.s3.amazonaws.com", "include_cookies": True}, "web_acl_id": "acl"}, HEADER),
        ({"default_root_object": "index.html", "enabled": False, "ipv6": False, "http_version": "http2"}, HEADER),
    ],
)
def test_normalized_read_back_equals_desired(shape, extra, header):
    wanted = desired(header, **extra)
    read_back = cf.normalize_config(shape(cf.build_config(wanted, caller_reference="ref")))
    assert read_back == wanted
    assert cf.config_changes(read_back, wanted, "X-Origin-Verify") == []


def test_desired_config_normalises_input():
    wanted = desired(
        aliases=["Portal.Example.com"],
        origin={"domain_name": ALB.upper(), "ssl_protocols": ["TLSv1.2", "TLSv1.1", "TLSv1.2"]},
        default_behavior={
            "cache_policy_id": "cp",
            "allowed_methods": ["OPTIONS", "HEAD", "GET"],
            "cached_methods": ["HEAD", "GET"],
        },
        logging={"bucket": "my-logs"},
    )
    assert wanted["aliases"] == ["portal.example.com"]
    assert wanted["origins"][0]["domain_name"] == ALB and wanted["origins"][0]["ssl_protocols"] == [
        "TLSv1.1",
        "TLSv1.2",
    ]
    assert wanted["default_behavior"]["allowed_methods"] == ["GET", "HEAD", "OPTIONS"]
    assert wanted["default_behavior"]["cached_methods"] == ["GET", "HEAD"]
    assert wanted["logging"] == {"bucket": "my-logs.s3.amazonaws.com", "prefix": "", "include_cookies": False}
    assert wanted["comment"] == "portal" and wanted["behaviors"][1]["path_pattern"] == "/static/*"


def test_unmanaged_settings_are_reported():
    config = aws_shape(cf.build_config(desired(), caller_reference="ref"))
    config["DefaultCacheBehavior"]["FunctionAssociations"] = {
        "Quantity": 1,
        "Items": [{"FunctionARN": "f", "EventType": "viewer-request"}],
    }
    config["CacheBehaviors"]["Items"][0]["TrustedKeyGroups"] = {"Enabled": True, "Quantity": 1, "Items": ["kg"]}
    config["Origins"]["Items"][0]["OriginShield"] = {"Enabled": True, "OriginShieldRegion": "eu-west-2"}
    current = cf.normalize_config(config)
    assert current["default_behavior"]["unmanaged"] == ["FunctionAssociations"]
    assert cf.config_changes(current, desired()) == [
        "origin alb unmanaged",
        "default_behavior unmanaged",
        "behavior /api/* unmanaged",
    ]


# ------------------------------------------------------------------------------------------------ compare


def _rotate(config):
    config["origins"][0]["custom_headers"][0]["value"] = "another-secret"


def _other_header_value(config):
    config["origins"][0]["custom_headers"].append({"name": "X-Other", "value": "a"})


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (_rotate, [cf.SECRET_CHANGE]),
        (lambda c: c["origins"][0]["custom_headers"].clear(), ["origin alb custom header names"]),
        (lambda c: c["origins"][0].update(domain_name="other-alb"), ["origin alb domain_name"]),
        (lambda c: c["origins"][0].update(id="old"), ["origins"]),
        (lambda c: c["behaviors"].reverse(), ["behaviors (path patterns or their order)"]),
        (lambda c: c["behaviors"].pop(), ["behaviors (path patterns or their order)"]),
        (lambda c: c["behaviors"][1].update(cache_policy_id="x"), ["behavior /static/* cache_policy_id"]),
        (lambda c: c["default_behavior"].update(compress=False), ["default_behavior compress"]),
        (lambda c: c["viewer_certificate"].update(minimum_protocol_version="TLSv1"), ["viewer_certificate"]),
        (lambda c: c.update(aliases=["portal.example.com"], web_acl_id="acl"), ["aliases", "web_acl_id"]),
        (lambda c: c.update(logging=None, comment="made by hand"), ["comment", "logging"]),
    ],
)
def test_config_changes(mutate, expected):
    wanted = desired(logging={"bucket": "logs"})
    current = copy.deepcopy(wanted)
    mutate(current)
    changes = cf.config_changes(current, wanted, "x-origin-verify")
    assert changes == expected
    assert SECRET not in json.dumps(changes)


def test_other_header_value_change_is_named_without_value():
    wanted = desired()
    wanted["origins"][0]["custom_headers"].append({"name": "X-Other", "value": "new-value"})
    current = copy.deepcopy(wanted)
    current["origins"][0]["custom_headers"][1]["value"] = "old-value"
    assert cf.config_changes(current, wanted, "X-Origin-Verify") == ["origin alb custom header X-Other value"]


def test_public_view_masks_every_header_value():
    wanted = desired()
    wanted["origins"][0]["custom_headers"].append({"name": "X-Other", "value": "other-value"})
    view = cf.public_view(wanted)
    assert view["origins"][0]["custom_headers"] == {"X-Origin-Verify": cf.MASK, "X-Other": cf.MASK}
    rotated = cf.public_view(wanted, "x-origin-verify")
    assert rotated["origins"][0]["custom_headers"]["X-Origin-Verify"] == cf.ROTATED_MASK
    assert SECRET not in json.dumps([view, rotated]) and "other-value" not in json.dumps(view)
    assert wanted["origins"][0]["custom_headers"][0]["value"] == SECRET  # not modified
    assert cf.public_view(None) is None
    assert cf.header_values(wanted) == [SECRET, "other-value"]


# ------------------------------------------------------------------------------------------------ build


def test_build_config_keeps_unmodelled_settings_and_replaces_managed_ones():
    current = aws_shape(cf.build_config(desired(), caller_reference="original-ref"))
    current["CustomErrorResponses"] = {"Quantity": 1, "Items": [{"ErrorCode": 404}]}
    current["DefaultCacheBehavior"]["FunctionAssociations"] = {"Quantity": 1, "Items": [{"FunctionARN": "f"}]}
    built = cf.build_config(desired(aliases=[], certificate_arn=None, logging=None), current)
    assert built["CallerReference"] == "original-ref"
    assert built["CustomErrorResponses"]["Quantity"] == 1 and built["ConnectionMode"] == "direct"
    assert built["DefaultCacheBehavior"]["FunctionAssociations"] == {"Quantity": 0}
    assert built["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert built["Aliases"] == {"Quantity": 0, "Items": []}
    assert built["Logging"] == {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    static = built["CacheBehaviors"]["Items"][1]
    assert "OriginRequestPolicyId" not in static and "ResponseHeadersPolicyId" not in static
    assert static["AllowedMethods"] == {
        "Quantity": 2,
        "Items": ["GET", "HEAD"],
        "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
    }
    assert current["Aliases"]["Quantity"] == 2  # input untouched


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "distributions, header, expected",
    [
        ([spec()], HEADER, []),
        (
            [spec(), spec(name="pipelines", aliases=["WWW.portal.example.com"])],
            HEADER,
            ["alias www.portal.example.com is declared more than once"],
        ),
        ([spec(), spec(aliases=["p.example.com"])], HEADER, ["distributions[].name must be unique: 'portal'"]),
        ([spec(certificate_arn=None)], HEADER, ["certificate_arn is required when aliases are set"]),
        ([spec(aliases=[], certificate_arn=None)], HEADER, []),
        (
            [spec(certificate_arn=CERT.replace("acm", "iam"))],
            HEADER,
            ["must be the ARN of an ACM certificate in us-east-1"],
        ),
        ([spec(certificate_arn=CERT.replace("us-east-1", "eu-west-2"))], HEADER, ["ACM certificate in us-east-1"]),
        (
            [spec(web_acl_id="arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/a/1")],
            HEADER,
            ["web_acl_id must be a WAFv2 web ACL of scope CLOUDFRONT"],
        ),
        ([spec(origin=None)], HEADER, ["origin is required with state=present"]),
        ([spec(default_behavior=None)], HEADER, ["default_behavior is required with state=present"]),
        (
            [
                spec(
                    behaviors=[
                        {"path_pattern": "/a/*", "cache_policy_id": "c"},
                        {"path_pattern": "/a/*", "cache_policy_id": "d"},
                    ]
                )
            ],
            HEADER,
            ["behaviors[].path_pattern '/a/*' is declared more than once"],
        ),
        (
            [spec(behaviors=[{"path_pattern": "/a/*", "cache_policy_id": "c", "allowed_methods": ["GET", "POST"]}])],
            HEADER,
            ["behaviors[0].allowed_methods must be"],
        ),
        (
            [
                spec(
                    default_behavior={
                        "cache_policy_id": "",
                        "allowed_methods": ["GET", "HEAD"],
                        "cached_methods": ["GET", "HEAD", "OPTIONS"],
                    }
                )
            ],
            HEADER,
            [
                "default_behavior.cached_methods must be a subset of",
                "default_behavior.cache_policy_id must not be empty",
            ],
        ),
        (
            [spec()],
            {"name": "X-Amz-Secret", "value": SECRET},
            ["origin_secret_header.name X-Amz-Secret is a header CloudFront cannot add"],
        ),
        ([spec()], {"name": "X Origin", "value": SECRET}, ["origin_secret_header.name must be a header name"]),
        ([spec()], {"name": "X-Origin-Verify", "value": ""}, ["origin_secret_header.value must not be empty"]),
        (
            [spec()],
            {"name": "X-Origin-Verify", "value": SECRET + "\n"},
            ["origin_secret_header.value must be printable ASCII"],
        ),
        (
            [spec()],
            {"name": "X-Origin-Verify", "value": SECRET * 100},
            ["origin_secret_header.value is longer than 1783"],
        ),
    ],
)
def test_validate_distributions(distributions, header, expected):
    errors = cf.validate_distributions(distributions, header, "present")
    assert len(errors) == len(expected), errors
    for error, fragment in zip(errors, expected):
        assert fragment in error
    assert not any(header["value"] and header["value"] in e for e in errors)


def test_absent_needs_only_names_and_aliases():
    assert (
        cf.validate_distributions([spec(origin=None, default_behavior=None, certificate_arn=None)], None, "absent")
        == []
    )
    errors = cf.validate_distributions([spec(), spec(name="b")], None, "absent")
    assert len(errors) == 2 and "is declared more than once" in errors[0]


# ------------------------------------------------------------------------------------------------ identity and tags


def summary(distribution_id, aliases, comment=""):
    return {
        "Id": distribution_id,
        "Comment": comment,
        "Aliases": {"Quantity": len(aliases), "Items": aliases} if aliases else {"Quantity": 0},
    }


@pytest.mark.parametrize(
    "declared, summaries, found, errors",
    [
        (spec(), [summary("E1", ["WWW.portal.example.com", "portal.example.com"])], "E1", []),
        (spec(), [summary("E1", ["other.example.com"], comment="portal")], None, []),
        (spec(aliases=[]), [summary("E1", [], comment="portal"), summary("E2", [], comment="x")], "E1", []),
        (
            spec(aliases=[]),
            [summary("E1", [], comment="portal"), summary("E2", [], comment="portal")],
            "E1",
            ["several distributions without aliases"],
        ),
        (
            spec(),
            [summary("E1", ["portal.example.com"]), summary("E2", ["www.portal.example.com"], comment="legacy")],
            "E1",
            ["alias www.portal.example.com belongs to distribution E2 (legacy)"],
        ),
        (
            spec(),
            [summary("E2", ["www.portal.example.com"])],
            None,
            ["alias www.portal.example.com belongs to distribution E2"],
        ),
    ],
)
def test_find_distribution(declared, summaries, found, errors):
    result, problems = cf.find_distribution(declared, cf.index_distributions(summaries), "distributions[0] (portal)")
    assert (result or {}).get("Id") == found
    assert len(problems) == len(errors)
    for problem, fragment in zip(problems, errors):
        assert fragment in problem and problem.startswith("distributions[0] (portal): ")


def test_pending_inputs_are_accepted_and_listed():
    """Check-mode placeholders pass validation (the module refuses them in a real run) and are all found."""
    pending = spec(
        certificate_arn="pending:acm-certificate/cf",
        origin={"domain_name": "pending:alb-dns-name/alb"},
        default_behavior={"cache_policy_id": "cp-disabled", "origin_request_policy_id": "pending:orp/x"},
    )
    assert cf.validate_distributions([pending], HEADER, "present") == []
    assert cf.pending_inputs([spec(), pending]) == {
        "distributions[1].certificate_arn": "pending:acm-certificate/cf",
        "distributions[1].origin.domain_name": "pending:alb-dns-name/alb",
        "distributions[1].default_behavior.origin_request_policy_id": "pending:orp/x",
    }
    assert cf.pending_distribution("docs")["DomainName"] == "pending:cloudfront-domain-name/docs"
