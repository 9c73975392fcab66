# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM as AWS issues certificates (localcloud.acm_fidelity); each test fails against plain moto."""

import hashlib
import json
import os
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from localcloud.testing import aws_client
from localcloud.testing import running
from localcloud.testing import sleep_until

ZONE = "rocketclub.local"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
REGION = "eu-west-2"
DOMAIN = "portal." + ZONE
SANS = ["pipelines." + ZONE]
UNSUPPORTED = (
    "The certificate '%s' must have a fully-qualified domain name, a supported signature, and a supported key size."
)
INVALID_VIEWER = (
    "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, "
    "or doesn't include a valid certificate chain."
)


def _error(excinfo):
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"].get("Message")


def _cloudflare(env, method, path, data=None):
    request = urllib.request.Request(
        env["LOCALCLOUD_CLOUDFLARE_URL"] + path,
        method=method,
        data=json.dumps(data).encode() if data is not None else None,
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + env["CLOUDFLARE_API_TOKEN"]},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(exc.read().decode()) from exc


def _cname(env, record, proxied=False, content=None):
    return _cloudflare(
        env,
        "POST",
        "/zones/%s/dns_records" % ZONE_ID,
        {
            "type": "CNAME",
            "name": record["Name"].rstrip("."),
            "content": content or record["Value"].rstrip("."),
            "proxied": proxied,
            "ttl": 1,
        },
    )["result"]


def _describe(acm, arn):
    return acm.describe_certificate(CertificateArn=arn)["Certificate"]


def _records(acm, arn):
    return [option["ResourceRecord"] for option in _describe(acm, arn)["DomainValidationOptions"]]


def _request(acm, domain=DOMAIN, sans=None, **kwargs):
    return acm.request_certificate(
        DomainName=domain, SubjectAlternativeNames=sans or SANS, ValidationMethod="DNS", **kwargs
    )["CertificateArn"]


def _issued(acm, env, arn):
    for record in _records(acm, arn):
        _cname(env, record)
    assert _describe(acm, arn)["Status"] == "ISSUED"
    return arn


@pytest.fixture
def no_delay(lc):
    lc.configure(acm_record_delay_seconds=0)
    return lc


def test_key_algorithm_answered_hyphenated(no_delay, aws):
    acm = aws("acm", region=REGION)
    rsa = _request(acm)
    ec = _request(acm, domain="ec." + ZONE, sans=["ec." + ZONE], KeyAlgorithm="EC_prime256v1")
    assert _describe(acm, rsa)["KeyAlgorithm"] == "RSA-2048"
    assert _describe(acm, ec)["KeyAlgorithm"] == "EC-prime256v1"

    # the Includes.keyTypes filter takes the model's spelling; the summaries answer AWS's
    listed = acm.list_certificates(Includes={"keyTypes": ["RSA_2048", "EC_prime256v1"]})["CertificateSummaryList"]
    assert {(c["CertificateArn"], c["KeyAlgorithm"]) for c in listed} == {(rsa, "RSA-2048"), (ec, "EC-prime256v1")}
    only_ec = acm.list_certificates(Includes={"keyTypes": ["EC_prime256v1"]})["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in only_ec] == [ec]


def test_pending_until_every_cname_exists_in_cloudflare(no_delay, aws, env):
    acm = aws("acm", region=REGION)
    arn = _request(acm)
    certificate = _describe(acm, arn)
    assert certificate["Status"] == "PENDING_VALIDATION"
    options = {o["DomainName"]: o for o in certificate["DomainValidationOptions"]}
    assert sorted(options) == sorted([DOMAIN] + SANS)
    assert {o["ValidationStatus"] for o in options.values()} == {"PENDING_VALIDATION"}

    # a proxied record does not resolve to the CNAME, nor does one with another value
    portal = options[DOMAIN]["ResourceRecord"]
    _cname(env, portal, proxied=True)
    _cname(env, options[SANS[0]]["ResourceRecord"], content="elsewhere.example.com")
    assert _describe(acm, arn)["Status"] == "PENDING_VALIDATION"
    listed = acm.list_certificates(CertificateStatuses=["PENDING_VALIDATION"])["CertificateSummaryList"]
    assert [c["CertificateArn"] for c in listed] == [arn]

    # one name validated, the other still pending
    _cloudflare(
        env,
        "DELETE",
        "/zones/%s/dns_records/%s"
        % (ZONE_ID, [r["id"] for r in no_delay.cloudflare_state()["records"] if r["proxied"]][0]),
    )
    _cname(env, portal)
    certificate = _describe(acm, arn)
    assert certificate["Status"] == "PENDING_VALIDATION"
    assert {o["DomainName"]: o["ValidationStatus"] for o in certificate["DomainValidationOptions"]} == {
        DOMAIN: "SUCCESS",
        SANS[0]: "PENDING_VALIDATION",
    }

    for record in no_delay.cloudflare_state()["records"]:
        if record["content"] == "elsewhere.example.com":
            _cloudflare(env, "DELETE", "/zones/%s/dns_records/%s" % (ZONE_ID, record["id"]))
    _cname(env, options[SANS[0]]["ResourceRecord"])
    certificate = _describe(acm, arn)
    assert certificate["Status"] == "ISSUED"
    assert {o["ValidationStatus"] for o in certificate["DomainValidationOptions"]} == {"SUCCESS"}
    assert [
        c["CertificateArn"] for c in acm.list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]
    ] == [arn]

    # issued stays issued
    for record in no_delay.cloudflare_state()["records"]:
        _cloudflare(env, "DELETE", "/zones/%s/dns_records/%s" % (ZONE_ID, record["id"]))
    assert _describe(acm, arn)["Status"] == "ISSUED"


def test_never_issued_by_moto_timer(tmp_path, monkeypatch):
    """moto issues any requested certificate after MOTO_ACM_VALIDATION_WAIT seconds; AWS only through DNS."""
    monkeypatch.setenv("MOTO_ACM_VALIDATION_WAIT", "0")
    with running(str(tmp_path / "timer")) as (client, env):
        client.configure(acm_record_delay_seconds=0)
        acm = aws_client(env, "acm", REGION)
        arn = _request(acm)
        time.sleep(1.1)
        assert _describe(acm, arn)["Status"] == "PENDING_VALIDATION"
        _issued(acm, env, arn)


def test_validation_records_assigned_after_the_delay(lc, aws, env):
    assert lc.config()["acm_record_delay_seconds"] == 1  # the default
    # 3 s: the describe below must land inside the delay, even on two cores busy with the other suites
    lc.configure(acm_record_delay_seconds=3)
    acm = aws("acm", region=REGION)
    # records that already resolve do not validate the certificate before ACM has assigned them
    probe = _request(acm, domain="probe." + ZONE, sans=["probe." + ZONE])
    sleep_until(time.monotonic() + 3)
    for record in _records(acm, probe):
        _cname(env, record)
    started = time.monotonic()
    arn = _request(acm, domain="probe." + ZONE, sans=["probe." + ZONE], IdempotencyToken="second")
    requested = time.monotonic()
    certificate = _describe(acm, arn)
    assert time.monotonic() - started < 3, "too slow to observe the delay"
    assert certificate["Status"] == "PENDING_VALIDATION"
    assert certificate["DomainValidationOptions"], "the names are listed at once"
    assert all("ResourceRecord" not in o for o in certificate["DomainValidationOptions"])
    sleep_until(requested + 3)
    certificate = _describe(acm, arn)
    assert all(o["ResourceRecord"]["Type"] == "CNAME" for o in certificate["DomainValidationOptions"])
    assert certificate["Status"] == "ISSUED"

    with pytest.raises(Exception) as bad:
        lc.configure(acm_record_delay_seconds=-1)
    assert "acm_record_delay_seconds must not be negative" in str(bad.value)


def _alb(aws):
    ec2, elbv2 = aws("ec2", region=REGION), aws("elbv2", region=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.%d.0/24" % i, AvailabilityZone=REGION + az)["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    lb = elbv2.create_load_balancer(Name="acm-lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    return elbv2, lb


FIXED_403 = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain"}}]


def test_listener_refuses_a_certificate_not_issued(no_delay, aws, env):
    acm = aws("acm", region=REGION)
    elbv2, lb = _alb(aws)
    pending = _request(acm)

    with pytest.raises(ClientError) as refused:
        elbv2.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTPS",
            Port=443,
            DefaultActions=FIXED_403,
            Certificates=[{"CertificateArn": pending}],
        )
    assert _error(refused) == ("UnsupportedCertificate", 400, UNSUPPORTED % pending)
    assert elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"] == []

    _issued(acm, env, pending)
    listener = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=443,
        DefaultActions=FIXED_403,
        Certificates=[{"CertificateArn": pending}],
    )["Listeners"][0]["ListenerArn"]

    other = _request(acm, domain="other." + ZONE, sans=["other." + ZONE])
    with pytest.raises(ClientError) as modify:
        elbv2.modify_listener(ListenerArn=listener, Certificates=[{"CertificateArn": other}])
    assert _error(modify) == ("UnsupportedCertificate", 400, UNSUPPORTED % other)
    with pytest.raises(ClientError) as add:
        elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": other}])
    assert _error(add) == ("UnsupportedCertificate", 400, UNSUPPORTED % other)
    [kept] = elbv2.describe_listeners(ListenerArns=[listener])["Listeners"]
    assert [c["CertificateArn"] for c in kept["Certificates"]] == [pending]

    _issued(acm, env, other)
    elbv2.modify_listener(ListenerArn=listener, Certificates=[{"CertificateArn": other}])
    elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": pending}])


def _distribution_config(reference, certificate_arn):
    origin = {
        "Id": "alb",
        "DomainName": "alb-123.eu-west-2.elb.amazonaws.com",
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
    }
    return {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": [DOMAIN]},
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "alb",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        },
        "ViewerCertificate": {
            "ACMCertificateArn": certificate_arn,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
    }


def test_distribution_refuses_a_certificate_not_issued(no_delay, aws, env):
    cloudfront = aws("cloudfront")
    edge = aws("acm", region="us-east-1")
    pending = _request(edge)
    # issued, but in another region (its names differ: ACM's validation records are per account and name)
    regional = aws("acm", region=REGION)
    elsewhere = _issued(regional, env, _request(regional, domain="elsewhere." + ZONE, sans=["elsewhere." + ZONE]))
    assert _describe(edge, pending)["Status"] == "PENDING_VALIDATION"

    for arn in (pending, elsewhere, pending.replace("certificate/", "certificate/0")):
        with pytest.raises(ClientError) as refused:
            cloudfront.create_distribution(DistributionConfig=_distribution_config("portal", arn))
        assert _error(refused) == ("InvalidViewerCertificate", 400, INVALID_VIEWER)
    assert cloudfront.list_distributions()["DistributionList"]["Quantity"] == 0

    _issued(edge, env, pending)
    created = cloudfront.create_distribution(DistributionConfig=_distribution_config("portal", pending))
    distribution_id, etag = created["Distribution"]["Id"], created["ETag"]

    other = _request(edge, domain="other." + ZONE, sans=["other." + ZONE])
    with pytest.raises(ClientError) as update:
        cloudfront.update_distribution(
            Id=distribution_id, IfMatch=etag, DistributionConfig=_distribution_config("portal", other)
        )
    assert _error(update) == ("InvalidViewerCertificate", 400, INVALID_VIEWER)
    config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    assert config["ViewerCertificate"]["ACMCertificateArn"] == pending


def test_patch_is_guarded():
    """The patch checks the moto internals it wraps (it must never silently do nothing)."""
    from localcloud import acm_fidelity
    from localcloud import moto_patches

    assert moto_patches._patch_acm_fidelity in moto_patches.PATCHES  # pylint: disable=protected-access
    calls = []
    acm_fidelity.patch(lambda owner, name, value: calls.append((owner.__name__, name)))
    assert sorted(calls) == sorted(
        [
            ("CertBundle", "check"),
            ("CertBundle", "describe"),
            ("AWSCertificateManagerResponse", "request_certificate"),
            ("AWSCertificateManagerResponse", "describe_certificate"),
            ("AWSCertificateManagerResponse", "list_certificates"),
            ("ELBv2Backend", "create_listener"),
            ("ELBv2Backend", "modify_listener"),
            ("ELBv2Backend", "add_listener_certificates"),
            ("CloudFrontBackend", "create_distribution_with_tags"),
            ("CloudFrontBackend", "update_distribution"),
        ]
    )
    assert os.path.basename(acm_fidelity.__file__) == "acm_fidelity.py"
