# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.cloudfront_distributions against moto.

moto differences these tests live with (see the module_utils tests for the normalisation):
- moto echoes ``ForwardedValues``/TTLs next to a ``CachePolicyId`` and reports
  ``CloudFrontDefaultCertificate: true`` next to an ACM certificate;
- moto neither checks ``IfMatch`` nor changes the ETag on update, so the tests check the ``IfMatch`` sent;
- moto's distributions are ``Deployed`` on the first read and stay so after an update (AWS: ``InProgress``
  for minutes after each change); ``moto.moto_api.state_manager`` keeps them ``InProgress`` where needed;
- moto accepts an alias already used by another distribution (AWS: ``CNAMEAlreadyExists``) and deletes an
  enabled distribution (AWS: ``DistributionNotDisabled``).
"""

from __future__ import annotations

import functools
import json

import boto3
import pytest
from moto.moto_api import state_manager  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudfront as cf  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import cloudfront_distributions  # noqa: E402

SECRET = "origin-secret-VALUE-7f3a9c1e5b2d"
ROTATED = "origin-secret-ROTATED-4e6a0c8b1d3f"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
ALB = "internal-prod-alb-123456789.eu-west-2.elb.amazonaws.com"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
MANAGED = {"platform:managed-by": "rocketclub.platform"}


def behavior(**extra):
    spec = {"cache_policy_id": CACHING_DISABLED, "origin_request_policy_id": ALL_VIEWER}
    spec.update(extra)
    return spec


def module_args(secret=SECRET, **extra):
    args = {
        "origin_secret_header": {"name": "X-Origin-Verify", "value": secret},
        "tags": {"Environment": "test"},
        "distributions": [
            {
                "name": "portal",
                "aliases": ["portal.example.com"],
                "certificate_arn": CERT,
                "origin": {"domain_name": ALB},
                "default_behavior": behavior(),
                "behaviors": [
                    behavior(path_pattern="/api/*"),
                    {
                        "path_pattern": "/static/*",
                        "cache_policy_id": CACHING_OPTIMIZED,
                        "allowed_methods": ["HEAD", "GET"],
                    },
                ],
                "web_acl_id": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0123",
                "logging": {"bucket": "edge-logs", "prefix": "portal/"},
                "tags": {"App": "portal"},
            },
            {
                "name": "pipelines",
                "aliases": ["pipelines.example.com", "prefect.example.com"],
                "certificate_arn": CERT,
                "origin": {"domain_name": ALB},
                "default_behavior": behavior(),
            },
        ],
    }
    args.update(extra)
    return args


def run(run_module, args, **kwargs):
    return run_module(cloudfront_distributions.main, args, **kwargs)


@pytest.fixture
def cloudfront(moto_aws):
    return boto3.client("cloudfront", region_name="us-east-1")


@pytest.fixture
def in_progress():
    """Keep moto's distributions InProgress (as AWS does for minutes after a change) until reset."""
    state_manager.set_transition("cloudfront::distribution", {"progression": "manual", "times": 10**6})
    yield
    state_manager.unset_transition("cloudfront::distribution")


@pytest.fixture
def clock(monkeypatch, fake_clock):
    """The module's waits run on ``fake_clock``: no real sleep, and the timeout counts its time."""
    run_class = functools.partial(cloudfront_distributions.Run, clock=fake_clock, sleep=fake_clock.sleep)
    monkeypatch.setattr(cloudfront_distributions, "Run", run_class)
    return fake_clock


@pytest.fixture
def no_ansible_masking(monkeypatch):
    """Switch off Ansible's own masking of no_log values in results (except the echoed module arguments), to
    show that the module itself never outputs the secret."""
    from ansible.module_utils import basic

    def remove_invocation(value, no_log_strings, deferred_removals=None):
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k != "invocation"}
        return value

    monkeypatch.setattr(basic, "remove_values", remove_invocation)


def foreign_config(aliases, header_value=None):
    """A DistributionConfig made outside this module (no tags, other comment, legacy settings)."""
    headers = [{"HeaderName": "X-Origin-Verify", "HeaderValue": header_value}] if header_value else []
    return {
        "CallerReference": f"elsewhere-{aliases[0]}",
        "Comment": "made by terraform",
        "Enabled": True,
        "Aliases": {"Quantity": len(aliases), "Items": aliases},
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "alb",
                    "DomainName": ALB,
                    "CustomHeaders": {"Quantity": len(headers), "Items": headers},
                    "CustomOriginConfig": {
                        "HTTPPort": 80,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "https-only",
                        "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                    },
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "alb",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": CACHING_DISABLED,
        },
        "ViewerCertificate": {
            "ACMCertificateArn": CERT,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
    }


def by_alias(cloudfront):
    items = cloudfront.list_distributions()["DistributionList"].get("Items") or []
    return {d["Aliases"]["Items"][0]: d for d in items if d["Aliases"].get("Items")}


def config_of(cloudfront, alias):
    dist = by_alias(cloudfront)[alias]
    return cloudfront.get_distribution_config(Id=dist["Id"])["DistributionConfig"], dist


def assert_no_secret(result_run, *secrets):
    for secret in secrets or (SECRET, ROTATED):
        assert secret not in result_run.out


def test_four_way(cloudfront, run_module, api_calls):
    args = module_args()

    checked = run(run_module, args, check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True
    assert api_calls.writes() == []
    portal = checked.result["distributions"]["portal"]
    # CloudFront chooses them: check mode returns placeholders the dns role can predict with.
    assert portal["id"] == "pending:cloudfront-distribution/portal"
    assert portal["arn"] == "pending:cloudfront-distribution-arn/portal"
    assert portal["domain_name"] == "pending:cloudfront-domain-name/portal"
    assert portal["status"] == "InProgress" and portal["changes"] == ["created"]
    assert portal["origin_domain_name"] == ALB.lower()
    assert checked.result["diff"]["before"]["portal"] is None
    assert checked.result["diff"]["after"]["portal"]["origins"][0]["custom_headers"] == {"X-Origin-Verify": cf.MASK}
    assert by_alias(cloudfront) == {}

    applied = run(run_module, args, diff=True)
    assert applied.result["changed"] is True
    assert api_calls.writes() == ["CreateDistributionWithTags", "CreateDistributionWithTags"]
    results = applied.result["distributions"]
    assert set(results) == {"portal", "pipelines"}
    assert results["pipelines"]["aliases"] == ["pipelines.example.com", "prefect.example.com"]
    # The prediction of check mode, but for what CloudFront chooses.
    for key in ("status", "aliases", "origin_domain_name", "changes"):
        assert results["portal"][key] == portal[key]
    assert checked.result["diff"]["after"] == applied.result["diff"]["after"]

    config, summary = config_of(cloudfront, "portal.example.com")
    assert results["portal"]["id"] == summary["Id"] and results["portal"]["domain_name"] == summary["DomainName"]
    origin = config["Origins"]["Items"][0]
    assert config["Origins"]["Quantity"] == 1 and origin["DomainName"] == ALB.lower() and origin["Id"] == "alb"
    assert origin["CustomHeaders"]["Items"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": SECRET}]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSslProtocols"]["Items"] == ["TLSv1.2"]
    assert [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]] == ["/api/*", "/static/*"]
    static = config["CacheBehaviors"]["Items"][1]
    assert static["CachePolicyId"] == CACHING_OPTIMIZED and static["AllowedMethods"]["Items"] == ["GET", "HEAD"]
    default = config["DefaultCacheBehavior"]
    assert default["CachePolicyId"] == CACHING_DISABLED and default["OriginRequestPolicyId"] == ALL_VIEWER
    assert default["ViewerProtocolPolicy"] == "redirect-to-https" and default["Compress"] is True
    assert len(default["AllowedMethods"]["Items"]) == 7
    assert config["ViewerCertificate"]["ACMCertificateArn"] == CERT
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["ViewerCertificate"]["SSLSupportMethod"] == "sni-only"
    assert (config["HttpVersion"], config["IsIPV6Enabled"], config["PriceClass"]) == (
        "http2and3",
        True,
        "PriceClass_100",
    )
    assert config["WebACLId"].endswith("global/webacl/edge/0123")
    assert config["Logging"] == {
        "Enabled": True,
        "IncludeCookies": False,
        "Bucket": "edge-logs.s3.amazonaws.com",
        "Prefix": "portal/",
    }
    assert config["Comment"] == "portal"
    tags = cloudfront.list_tags_for_resource(Resource=summary["ARN"])["Tags"]["Items"]
    assert {t["Key"]: t["Value"] for t in tags} == dict(
        MANAGED, Environment="test", App="portal", **{"platform:distribution": "portal"}
    )

    api_calls.clear()
    again = run(run_module, args, check_mode=True, diff=True)
    assert again.result["changed"] is False and api_calls.writes() == []
    assert again.result["diff"]["before"] == again.result["diff"]["after"]
    assert again.result["distributions"]["portal"]["id"] == summary["Id"]

    api_calls.clear()
    last = run(run_module, args, diff=True)
    assert last.result["changed"] is False and api_calls.writes() == []
    assert sorted(api_calls.operations()) == sorted(
        ["ListDistributions"] + ["GetDistributionConfig", "ListTagsForResource"] * 2
    )
    assert last.result["distributions"] == again.result["distributions"]
    for result_run in (checked, applied, again, last):
        assert_no_secret(result_run)


def test_secret_rotation_detected_and_masked(cloudfront, run_module, api_calls, no_ansible_masking):
    run(run_module, module_args())
    rotated_args = module_args(secret=ROTATED)

    api_calls.clear()
    checked = run(run_module, rotated_args, check_mode=True, diff=True)
    assert checked.result["changed"] is True and api_calls.writes() == []
    for name in ("portal", "pipelines"):
        assert checked.result["distributions"][name]["changes"] == [cf.SECRET_CHANGE]

    api_calls.clear()
    applied = run(run_module, rotated_args, diff=True)
    assert applied.result["changed"] is True
    assert "invocation" not in applied.result  # Ansible's masking is really off in this test
    assert api_calls.writes() == ["UpdateDistribution", "UpdateDistribution"]
    for name in ("portal", "pipelines"):
        assert applied.result["distributions"][name]["changes"] == [cf.SECRET_CHANGE]
        before = applied.result["diff"]["before"][name]["origins"][0]["custom_headers"]
        after = applied.result["diff"]["after"][name]["origins"][0]["custom_headers"]
        assert before == {"X-Origin-Verify": cf.MASK}
        assert after == {"X-Origin-Verify": cf.ROTATED_MASK}
    config, summary = config_of(cloudfront, "portal.example.com")
    assert config["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]["HeaderValue"] == ROTATED
    # IfMatch is the ETag GetDistributionConfig returned (moto does not check it).
    update = [p for p in api_calls.named("UpdateDistribution") if p["Id"] == summary["Id"]][0]
    assert update["IfMatch"] == cloudfront.get_distribution_config(Id=summary["Id"])["ETag"]

    api_calls.clear()
    steady = run(run_module, rotated_args)
    assert steady.result["changed"] is False and api_calls.writes() == []
    for result_run in (checked, applied, steady):
        assert_no_secret(result_run)


def test_secret_read_from_ssm_parameter(cloudfront, run_module, api_calls, no_ansible_masking):
    """With origin_secret_header.parameter the module reads the SecureString itself: the value never
    passes through playbook variables, and a rotated parameter is applied like a rotated value."""
    ssm = boto3.client("ssm", region_name="eu-west-2")
    ssm.put_parameter(Name="/test/shared/cf_alb_secret", Value=SECRET, Type="SecureString")
    args = module_args(origin_secret_header={"name": "X-Origin-Verify", "parameter": "/test/shared/cf_alb_secret"})
    created = run(run_module, args, diff=True)
    assert created.result["changed"] is True
    config, dummy = config_of(cloudfront, "portal.example.com")
    assert config["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]["HeaderValue"] == SECRET

    api_calls.clear()
    assert run(run_module, args).result["changed"] is False
    assert api_calls.writes() == []
    assert [p["WithDecryption"] for p in api_calls.named("GetParameter")] == [True]

    ssm.put_parameter(Name="/test/shared/cf_alb_secret", Value=ROTATED, Type="SecureString", Overwrite=True)
    api_calls.clear()
    checked = run(run_module, args, check_mode=True, diff=True)
    # Check mode reads the parameter once, decrypted, like a real run.
    assert [p["WithDecryption"] for p in api_calls.named("GetParameter")] == [True]
    assert [d["changes"] for d in checked.result["distributions"].values()] == [[cf.SECRET_CHANGE]] * 2
    rotated = run(run_module, args, diff=True)
    assert [d["changes"] for d in rotated.result["distributions"].values()] == [[cf.SECRET_CHANGE]] * 2
    config, dummy = config_of(cloudfront, "portal.example.com")
    assert config["Origins"]["Items"][0]["CustomHeaders"]["Items"][0]["HeaderValue"] == ROTATED
    for result_run in (created, checked, rotated):
        assert_no_secret(result_run)


@pytest.mark.parametrize(
    "parameter, setup, message",
    [
        ("/test/missing", None, "SSM parameter /test/missing (origin_secret_header.parameter) does not exist"),
        ("/test/plain", "String", "must be a SecureString, not String"),
        ("/test/spaced", "SecureString", "origin_secret_header.value must be printable ASCII without spaces"),
    ],
)
def test_bad_secret_parameter_fails_before_any_write(cloudfront, run_module, api_calls, parameter, setup, message):
    if setup:
        value = "has spaces in it" if parameter.endswith("spaced") else SECRET
        boto3.client("ssm", region_name="eu-west-2").put_parameter(Name=parameter, Value=value, Type=setup)
    api_calls.clear()
    args = module_args(origin_secret_header={"name": "X-Origin-Verify", "parameter": parameter})
    failed = run(run_module, args)
    assert failed.result["failed"] is True and message in failed.result["msg"]
    assert api_calls.writes() == [] and "has spaces in it" not in failed.out
    if setup:  # check mode refuses an existing bad parameter the same way (a missing one is still to create)
        checked = run(run_module, args, check_mode=True)
        assert checked.result["failed"] is True and message in checked.result["msg"]
        assert "has spaces in it" not in checked.out and SECRET not in checked.out


def test_behavior_change_detected(cloudfront, run_module, api_calls):
    run(run_module, module_args())
    args = module_args()
    args["distributions"][0]["behaviors"][1]["cache_policy_id"] = CACHING_DISABLED

    api_calls.clear()
    applied = run(run_module, args, diff=True)
    assert applied.result["distributions"]["portal"]["changes"] == ["behavior /static/* cache_policy_id"]
    assert applied.result["distributions"]["pipelines"]["changed"] is False
    assert api_calls.writes() == ["UpdateDistribution"]
    config, dummy = config_of(cloudfront, "portal.example.com")
    assert config["CacheBehaviors"]["Items"][1]["CachePolicyId"] == CACHING_DISABLED

    args["distributions"][0]["behaviors"].reverse()
    reordered = run(run_module, args, check_mode=True)
    assert reordered.result["distributions"]["portal"]["changes"] == ["behaviors (path patterns or their order)"]


def test_drift_outside_ansible_is_repaired(cloudfront, run_module, api_calls):
    run(run_module, module_args())
    config, summary = config_of(cloudfront, "portal.example.com")
    etag = cloudfront.get_distribution_config(Id=summary["Id"])["ETag"]
    # (moto drops FunctionAssociations / LambdaFunctionAssociations; a real-time log config stands in for them.)
    config["DefaultCacheBehavior"]["RealtimeLogConfigArn"] = "arn:aws:cloudfront::123456789012:realtime-log-config/edge"
    config["HttpVersion"] = "http2"
    config["CustomErrorResponses"] = {"Quantity": 1, "Items": [{"ErrorCode": 404, "ErrorCachingMinTTL": 10}]}
    cloudfront.update_distribution(Id=summary["Id"], IfMatch=etag, DistributionConfig=config)
    cloudfront.tag_resource(Resource=summary["ARN"], Tags={"Items": [{"Key": "Owner", "Value": "someone"}]})

    api_calls.clear()
    applied = run(run_module, module_args())
    assert applied.result["distributions"]["portal"]["changes"] == [
        "http_version",
        "default_behavior unmanaged",
        "tags removed: Owner",
    ]
    assert sorted(api_calls.writes()) == ["UntagResource", "UpdateDistribution"]
    config, dummy = config_of(cloudfront, "portal.example.com")
    assert config["HttpVersion"] == "http2and3"
    assert config["DefaultCacheBehavior"]["RealtimeLogConfigArn"] == ""
    # Settings the module does not model are kept.
    assert config["CustomErrorResponses"]["Quantity"] == 1


def test_tags_only_change_uses_tag_calls(cloudfront, run_module, api_calls):
    run(run_module, module_args())
    args = module_args(tags={"Environment": "prod", "CostCentre": "edge"})
    api_calls.clear()
    applied = run(run_module, args)
    assert applied.result["distributions"]["pipelines"]["changes"] == ["tags set: CostCentre, Environment"]
    assert api_calls.writes() == ["TagResource", "TagResource"]
    dummy, summary = config_of(cloudfront, "pipelines.example.com")
    tags = {t["Key"]: t["Value"] for t in cloudfront.list_tags_for_resource(Resource=summary["ARN"])["Tags"]["Items"]}
    assert (
        tags["Environment"] == "prod" and tags["CostCentre"] == "edge" and tags["platform:distribution"] == "pipelines"
    )


def test_managed_and_name_tags_cannot_be_overridden_and_purge_off_keeps_others(cloudfront, run_module, api_calls):
    args = module_args(tags={"platform:managed-by": "me", "platform:distribution": "other", "Environment": "test"})
    args["distributions"][1]["tags"] = {"App": 7, "platform:distribution": "mine"}
    created = run(run_module, args, diff=True)
    assert created.result["diff"]["after"]["pipelines"]["tags"] == {
        "App": "7",
        "Environment": "test",
        "platform:distribution": "pipelines",
        **MANAGED,
    }
    dummy, summary = config_of(cloudfront, "pipelines.example.com")
    cloudfront.tag_resource(Resource=summary["ARN"], Tags={"Items": [{"Key": "Owner", "Value": "someone"}]})
    api_calls.clear()
    kept = run(run_module, dict(args, purge_tags=False))
    assert kept.result["changed"] is False and api_calls.writes() == []


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda a: a["distributions"][1]["aliases"].append("PORTAL.example.com"),
            "alias portal.example.com is declared more than once",
        ),
        (
            lambda a: a["distributions"][0]["behaviors"].append(behavior(path_pattern="/api/*")),
            "behaviors[].path_pattern '/api/*' is declared more than once",
        ),
        (
            lambda a: a["distributions"][0].pop("certificate_arn"),
            "distributions[0] (portal): certificate_arn is required when aliases are set",
        ),
        (
            lambda a: a["distributions"][0].update(certificate_arn=CERT.replace("us-east-1", "eu-west-2")),
            "certificate_arn must be the ARN of an ACM certificate in us-east-1",
        ),
        (
            lambda a: a["distributions"][1].pop("origin"),
            "distributions[1] (pipelines): origin is required with state=present",
        ),
        (lambda a: a["distributions"][1].update(name="portal"), "distributions[].name must be unique"),
        (
            lambda a: a["origin_secret_header"].update(name="Host"),
            "origin_secret_header.name Host is a header CloudFront cannot add",
        ),
        (
            lambda a: a["origin_secret_header"].update(value=SECRET + " x"),
            "origin_secret_header.value must be printable ASCII",
        ),
        (
            lambda a: a["distributions"][0]["default_behavior"].update(
                allowed_methods=["GET", "HEAD"], cached_methods=["GET", "HEAD", "OPTIONS"]
            ),
            "default_behavior.cached_methods must be a subset of",
        ),
    ],
)
def test_bad_input_fails_before_any_api_call(cloudfront, run_module, api_calls, no_ansible_masking, mutate, message):
    args = module_args()
    mutate(args)
    failed = run(run_module, args)
    assert failed.rc == 1 and message in failed.result["msg"]
    assert api_calls == []
    assert_no_secret(failed)


def test_alias_owned_by_another_distribution_fails_before_any_write(cloudfront, run_module, api_calls):
    run(run_module, module_args())
    args = module_args()
    args["distributions"][1]["aliases"].append("legacy.example.com")
    legacy = cloudfront.create_distribution(DistributionConfig=foreign_config(["legacy.example.com"]))["Distribution"][
        "Id"
    ]
    api_calls.clear()
    failed = run(run_module, args)
    assert failed.rc == 1
    assert f"alias legacy.example.com belongs to distribution {legacy} (made by terraform)" in failed.result["msg"]
    assert api_calls.writes() == []


def test_api_error_is_scrubbed(cloudfront, run_module, api_calls, monkeypatch, no_ansible_masking):
    """An error message that echoes the header value (as CloudFront's InvalidArgument may) never leaks."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def failing(self, operation_name, api_params):
        if operation_name == "CreateDistributionWithTags":
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "InvalidArgument", "Message": f"The header value {SECRET} is not valid"}},
                operation_name,
            )
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    failed = run(run_module, module_args())
    assert failed.rc == 1
    assert failed.result["msg"].startswith("Failed to manage distribution portal")
    assert f"The header value {cf.MASK} is not valid" in failed.result["msg"]
    assert_no_secret(failed)


def test_wait_for_deployed(cloudfront, run_module, api_calls):
    applied = run(run_module, module_args(wait=True))
    assert {r["status"] for r in applied.result["distributions"].values()} == {"Deployed"}
    assert api_calls.operations().count("GetDistribution") == 2


def test_wait_timeout(cloudfront, run_module, api_calls, clock, in_progress):
    failed = run(run_module, module_args(wait=True, wait_timeout=60))
    assert failed.rc == 1
    portal = failed.result["distributions"]["portal"]["id"]
    assert f"Distribution {portal} is not Deployed after 60 seconds (status InProgress)" in failed.result["msg"]
    # The sliced-wait contract: one GetDistribution every 30 seconds until the timeout, one status entry.
    assert failed.result["wait_timed_out"] is True and failed.result["status"] == f"{portal}: InProgress"
    assert failed.result["status_history"] == [{"elapsed": 0, "status": f"{portal}: InProgress"}]
    assert clock.sleeps == [30, 30] and api_calls.named("GetDistribution") == [{"Id": portal}] * 3
    # What was created is reported.
    assert failed.result["changed"] is True and failed.result["distributions"]["portal"]["id"]
    assert_no_secret(failed)


def test_absent_disables_then_deletes(cloudfront, run_module, api_calls, in_progress):
    run(run_module, module_args())
    absent = module_args(state="absent")
    for spec in absent["distributions"]:
        for option in ("origin", "default_behavior", "behaviors", "certificate_arn"):
            spec.pop(option, None)

    api_calls.clear()
    checked = run(run_module, absent, check_mode=True)
    assert checked.result["changed"] is True and api_calls.writes() == []
    assert checked.result["distributions"]["portal"]["changes"] == ["disabled"]

    # Still deploying: disabled, reported, kept.
    disabled = run(run_module, absent, diff=True)
    assert disabled.result["distributions"]["portal"]["status"] == "InProgress"
    assert api_calls.writes() == ["UpdateDistribution", "UpdateDistribution"]
    assert any("run again once it is Deployed" in w for w in disabled.warnings)
    config, dummy = config_of(cloudfront, "portal.example.com")
    assert config["Enabled"] is False
    assert disabled.result["diff"]["after"]["portal"]["enabled"] is False

    api_calls.clear()
    waiting = run(run_module, absent)
    assert waiting.result["changed"] is False and api_calls.writes() == []

    state_manager.unset_transition("cloudfront::distribution")  # deployed now
    deleted = run(run_module, absent, diff=True)
    assert deleted.result["distributions"]["portal"]["status"] == "Deleted"
    assert deleted.result["distributions"]["portal"]["changes"] == ["deleted"]
    assert deleted.result["diff"]["after"]["portal"] is None
    assert by_alias(cloudfront) == {}

    api_calls.clear()
    gone = run(run_module, absent)
    assert gone.result["changed"] is False and api_calls.writes() == []
    assert gone.result["distributions"]["portal"] == {
        "id": None,
        "arn": None,
        "domain_name": None,
        "status": "absent",
        "aliases": [],
        "origin_domain_name": None,
        "changed": False,
        "changes": [],
    }
    assert_no_secret(disabled)


def test_absent_with_wait_deletes_in_one_run(cloudfront, run_module, api_calls):
    run(run_module, module_args())
    absent = {"state": "absent", "wait": True, "distributions": [{"name": "portal", "aliases": ["portal.example.com"]}]}
    api_calls.clear()
    deleted = run(run_module, absent)
    assert deleted.result["distributions"]["portal"]["changes"] == ["disabled", "deleted"]
    assert api_calls.writes() == ["UpdateDistribution", "DeleteDistribution"]
    assert list(by_alias(cloudfront)) == ["pipelines.example.com"]


def test_absent_refuses_unmanaged_distribution(cloudfront, run_module, api_calls):
    run(run_module, module_args())
    dummy, summary = config_of(cloudfront, "portal.example.com")
    cloudfront.untag_resource(Resource=summary["ARN"], TagKeys={"Items": ["platform:managed-by"]})
    api_calls.clear()
    failed = run(
        run_module, {"state": "absent", "distributions": [{"name": "portal", "aliases": ["portal.example.com"]}]}
    )
    assert failed.rc == 1 and "is not tagged platform:managed-by=rocketclub.platform" in failed.result["msg"]
    assert api_calls.writes() == []


def test_adopts_existing_distribution_by_first_alias(cloudfront, run_module, api_calls, no_ansible_masking):
    """A distribution created elsewhere is found by its first declared alias, wherever CloudFront lists it."""
    config = foreign_config(["prefect.example.com", "PIPELINES.example.com"], header_value="old-value-from-terraform")
    cloudfront.create_distribution(DistributionConfig=config)
    args = module_args()
    args["distributions"] = args["distributions"][1:]
    api_calls.clear()
    adopted = run(run_module, args, diff=True)
    assert api_calls.writes() == ["UpdateDistribution", "TagResource"]
    changes = adopted.result["distributions"]["pipelines"]["changes"]
    assert changes[0] == "comment" and cf.SECRET_CHANGE in changes
    assert "old-value-from-terraform" not in adopted.out
    assert len(by_alias(cloudfront)) == 1
    api_calls.clear()
    assert run(run_module, args).result["changed"] is False and api_calls.writes() == []


def test_result_is_json_serialisable_and_keyed_by_name(cloudfront, run_module):
    applied = run(run_module, module_args())
    json.dumps(applied.result)
    assert list(applied.result["distributions"]) == ["portal", "pipelines"]


# -- check-mode placeholders (pending:<kind>/<name>) --------------------------------------------------------------

PENDING_CERT = "pending:acm-certificate/test-cloudfront"
PENDING_ALB = "pending:alb-dns-name/test-alb"
PENDING_POLICY = "pending:cloudfront-cache-policy/test-static-long"


def pending_args():
    """The role's arguments on an empty account in check mode: certificate, ALB and policy to be created."""
    args = module_args()
    for spec in args["distributions"]:
        spec["certificate_arn"] = PENDING_CERT
        spec["origin"] = {"domain_name": PENDING_ALB}
    args["distributions"][0]["behaviors"][1]["cache_policy_id"] = PENDING_POLICY
    return args


def no_placeholder_sent(api_calls):
    return not any("pending:" in json.dumps(params, default=str) for dummy, dummy, params in api_calls)


def test_check_mode_with_pending_inputs_predicts_creation(cloudfront, run_module, api_calls):
    checked = run(run_module, pending_args(), check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True
    assert api_calls.writes() == [] and no_placeholder_sent(api_calls)
    assert api_calls.operations() == ["ListDistributions"]
    for name in ("portal", "pipelines"):
        result = checked.result["distributions"][name]
        assert result["changes"] == ["created"]
        assert result["id"] == f"pending:cloudfront-distribution/{name}"
        assert result["domain_name"] == f"pending:cloudfront-domain-name/{name}"
        assert result["origin_domain_name"] == PENDING_ALB
        assert checked.result["diff"]["after"][name]["viewer_certificate"]["acm_certificate_arn"] == PENDING_CERT


def test_check_mode_with_pending_inputs_predicts_updates(cloudfront, run_module, api_calls):
    """Converged distributions, then a new certificate (SAN change) and a new policy: both would be updated."""
    run(run_module, module_args())
    args = module_args()
    for spec in args["distributions"]:
        spec["certificate_arn"] = PENDING_CERT
    args["distributions"][0]["behaviors"][1]["cache_policy_id"] = PENDING_POLICY
    api_calls.clear()
    checked = run(run_module, args, check_mode=True, diff=True)
    assert checked.result["changed"] is True
    assert api_calls.writes() == [] and no_placeholder_sent(api_calls)
    portal = checked.result["distributions"]["portal"]
    assert portal["changes"] == ["viewer_certificate", "behavior /static/* cache_policy_id"]
    assert checked.result["distributions"]["pipelines"]["changes"] == ["viewer_certificate"]
    assert not checked.result["distributions"]["portal"]["id"].startswith("pending:")


@pytest.mark.parametrize("where", ["certificate_arn", "origin", "policy"])
def test_real_run_refuses_a_placeholder_before_any_call(cloudfront, run_module, api_calls, where):
    args = module_args()
    spec = args["distributions"][0]
    if where == "certificate_arn":
        spec["certificate_arn"], option, value = PENDING_CERT, "distributions[0].certificate_arn", PENDING_CERT
    elif where == "origin":
        spec["origin"], option, value = {"domain_name": PENDING_ALB}, "distributions[0].origin.domain_name", PENDING_ALB
    else:
        spec["behaviors"][1]["cache_policy_id"] = PENDING_POLICY
        option, value = "distributions[0].behaviors[1].cache_policy_id", PENDING_POLICY
    failed = run(run_module, args)
    assert failed.result["failed"] is True
    assert f"{option}: '{value}' is a check-mode placeholder" in failed.result["msg"]
    assert api_calls == []


def test_check_mode_secret_parameter_still_to_create(cloudfront, run_module, api_calls, no_ansible_masking):
    """Check mode on an account without the SSM parameter (the secrets role would create it with a new value):
    a new distribution would be created, an existing one would get a new header value; a real run still fails."""
    parameter = "/test/shared/cf_alb_secret"
    args = module_args(origin_secret_header={"name": "X-Origin-Verify", "parameter": parameter})
    checked = run(run_module, args, check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True and api_calls.writes() == []
    assert [d["changes"] for d in checked.result["distributions"].values()] == [["created"]] * 2

    run(run_module, module_args())
    api_calls.clear()
    checked = run(run_module, args, check_mode=True, diff=True)
    assert [d["changes"] for d in checked.result["distributions"].values()] == [[cf.SECRET_CHANGE]] * 2
    assert api_calls.writes() == []
    assert_no_secret(checked)

    failed = run(run_module, args)
    assert failed.result["failed"] is True and f"SSM parameter {parameter}" in failed.result["msg"]


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(cloudfront_distributions) == []
