# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.acm_certificate_request against moto."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.modules import acm_certificate_request as mod

REGION = "eu-west-2"
DOMAIN = "origin.example.com"
SANS = ["api.example.com", "www.example.com"]


@pytest.fixture
def acm(moto_aws, aws_region):
    """A boto3 ACM client on moto, in ``aws_region``."""
    import boto3

    return boto3.client("acm", region_name=aws_region)


@pytest.fixture
def acm_backend(acm, aws_region):
    """moto's ACM backend, to change what the API cannot (status, InUseBy)."""
    from moto.acm.models import acm_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return acm_backends[DEFAULT_ACCOUNT_ID][aws_region]


@pytest.fixture
def no_auto_issue(monkeypatch):
    """moto issues a pending certificate after MOTO_ACM_VALIDATION_WAIT (60 s): never do so in a test."""
    from moto import settings

    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", 10**9)


class FakeTime:
    """Replaces the module's ``time``: ``sleep`` advances the clock and runs ``on_sleep``."""

    def __init__(self, on_sleep=None):
        self.now = 1000.0
        self.sleeps = []
        self.on_sleep = on_sleep

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(len(self.sleeps))


@pytest.fixture
def fake_time(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(mod, "time", clock)
    return clock


def args(**overrides):
    base = {
        "domain_name": DOMAIN,
        "subject_alternative_names": list(SANS),
        "name_tag": "prod-alb-origin",
        "tags": {"Environment": "test"},
    }
    base.update(overrides)
    return base


def tags_of(acm, arn):
    return {t["Key"]: t.get("Value") for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]}


def all_arns(acm):
    return sorted(c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"])


def test_request_then_idempotent(run_module, acm, api_calls, fake_time):
    run = run_module(mod.main, args(), diff=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    arn = result["certificate_arn"]
    assert arn.startswith(f"arn:aws:acm:{REGION}:")
    assert result["replaced_arn"] is None
    assert result["deleted_arns"] == []
    assert result["status"] == "PENDING_VALIDATION"
    assert result["domain_name"] == DOMAIN
    assert result["subject_alternative_names"][0] == DOMAIN
    assert sorted(result["subject_alternative_names"]) == sorted([DOMAIN] + SANS)
    assert result["key_algorithm"] == "RSA_2048"
    assert result["tags"] == {"Name": "prod-alb-origin", "Environment": "test"}

    records = result["validation_records"]
    assert sorted(r["domain_name"] for r in records) == sorted([DOMAIN] + SANS)
    for record in records:
        assert set(record) == {"domain_name", "name", "type", "value", "validation_status"}
        assert record["type"] == "CNAME"
        assert record["name"].endswith(record["domain_name"] + ".")
        assert record["validation_status"] == "PENDING_VALIDATION"
    assert fake_time.sleeps == [], "moto returns the records at once, no polling needed"

    (request,) = api_calls.named("RequestCertificate")
    assert request["DomainName"] == DOMAIN
    assert request["SubjectAlternativeNames"] == SANS
    assert request["ValidationMethod"] == "DNS"
    assert request["KeyAlgorithm"] == "RSA_2048"
    assert len(request["IdempotencyToken"]) == 32
    assert {t["Key"]: t["Value"] for t in request["Tags"]} == result["tags"]
    (listing,) = api_calls.named("ListCertificates")
    assert set(listing["Includes"]["keyTypes"]) >= {"RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1"}
    assert set(listing["CertificateStatuses"]) == {"PENDING_VALIDATION", "ISSUED", "INACTIVE"}

    # boto3 sees it with the Name tag and the names
    cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert sorted(cert["SubjectAlternativeNames"]) == sorted([DOMAIN] + SANS)
    assert tags_of(acm, arn) == {"Name": "prod-alb-origin", "Environment": "test"}

    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["certificate_arn"] == arn
    assert result["diff"]["after"]["status"] == "PENDING_VALIDATION"

    # same input again, names in another order and the domain listed as SAN: nothing to do, only reads
    api_calls.clear()
    run = run_module(mod.main, args(subject_alternative_names=[SANS[1], DOMAIN.upper(), SANS[0]]), diff=True)
    again = run.result
    assert run.rc == 0, again
    assert again["changed"] is False
    assert api_calls, "the call recorder must see the module's API calls"
    assert api_calls.writes() == []
    assert again["certificate_arn"] == arn
    assert again["replaced_arn"] is None
    assert again["validation_records"] == records
    assert again["diff"]["before"] == again["diff"]["after"]
    assert all_arns(acm) == [arn]


def test_san_change_requests_new_certificate_and_keeps_old(run_module, acm, api_calls, fake_time):
    first = run_module(mod.main, args()).result
    old_arn = first["certificate_arn"]

    api_calls.clear()
    new_sans = SANS + ["admin.example.com"]
    run = run_module(mod.main, args(subject_alternative_names=new_sans), diff=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    new_arn = result["certificate_arn"]
    assert new_arn != old_arn
    assert result["replaced_arn"] == old_arn
    assert "admin.example.com" in result["subject_alternative_names"]
    assert api_calls.writes() == ["RequestCertificate"]
    (request,) = api_calls.named("RequestCertificate")
    assert request["SubjectAlternativeNames"] == new_sans
    assert result["diff"]["before"]["certificate_arn"] == old_arn
    assert result["diff"]["after"]["certificate_arn"] == new_arn

    # the old certificate is left in place, tags and all
    assert all_arns(acm) == sorted([old_arn, new_arn])
    assert tags_of(acm, old_arn)["Name"] == "prod-alb-origin"

    # converged: the matching certificate is found among the two tagged ones
    api_calls.clear()
    again = run_module(mod.main, args(subject_alternative_names=new_sans)).result
    assert again["changed"] is False
    assert again["certificate_arn"] == new_arn
    assert again["replaced_arn"] is None
    assert api_calls.writes() == []

    # going back to the old names picks the old certificate again instead of requesting a third
    api_calls.clear()
    back = run_module(mod.main, args()).result
    assert back["changed"] is False
    assert back["certificate_arn"] == old_arn
    assert api_calls.writes() == []


def test_domain_name_change_requests_new_certificate(run_module, acm, fake_time):
    first = run_module(mod.main, args(subject_alternative_names=[])).result
    result = run_module(mod.main, args(domain_name="edge.example.com", subject_alternative_names=[])).result
    assert result["changed"] is True
    assert result["replaced_arn"] == first["certificate_arn"]
    assert result["domain_name"] == "edge.example.com"
    assert len(all_arns(acm)) == 2


def test_tag_change_only_updates_tags(run_module, acm, api_calls, fake_time):
    first = run_module(mod.main, args(tags={"Environment": "test", "Team": "platform"})).result
    arn = first["certificate_arn"]
    acm.add_tags_to_certificate(CertificateArn=arn, Tags=[{"Key": "manual", "Value": "yes"}])

    api_calls.clear()
    run = run_module(mod.main, args(tags={"Environment": "prod", "Team": "platform"}), diff=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["certificate_arn"] == arn
    assert result["replaced_arn"] is None
    assert result["tags"] == {"Name": "prod-alb-origin", "Environment": "prod", "Team": "platform"}
    assert api_calls.named("RequestCertificate") == []
    assert api_calls.named("RemoveTagsFromCertificate") == [{"CertificateArn": arn, "Tags": [{"Key": "manual"}]}]
    assert api_calls.named("AddTagsToCertificate") == [
        {"CertificateArn": arn, "Tags": [{"Key": "Environment", "Value": "prod"}]}
    ]
    assert tags_of(acm, arn) == result["tags"]
    assert result["diff"]["before"]["tags"]["manual"] == "yes"
    assert result["diff"]["after"]["tags"] == result["tags"]

    # purge_tags=false only adds
    acm.add_tags_to_certificate(CertificateArn=arn, Tags=[{"Key": "manual", "Value": "again"}])
    api_calls.clear()
    result = run_module(mod.main, args(tags={"Extra": "1"}, purge_tags=False)).result
    assert result["changed"] is True
    assert api_calls.writes() == ["AddTagsToCertificate"]
    assert tags_of(acm, arn) == {
        "Name": "prod-alb-origin",
        "Environment": "prod",
        "Team": "platform",
        "manual": "again",
        "Extra": "1",
    }

    api_calls.clear()
    assert run_module(mod.main, args(tags={"Extra": "1"}, purge_tags=False)).result["changed"] is False
    assert api_calls.writes() == []


def test_check_mode_on_empty_account(run_module, acm, api_calls, fake_time):
    run = run_module(mod.main, args(), check_mode=True, diff=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["certificate_arn"] == "pending:certificate/prod-alb-origin"
    assert result["status"] == "PENDING_VALIDATION"
    assert result["replaced_arn"] is None
    assert result["domain_name"] == DOMAIN
    assert result["subject_alternative_names"] == [DOMAIN] + SANS
    # No certificate names them yet: the record names and values are placeholders, one record per name.
    assert result["validation_records"] == [
        {
            "domain_name": name,
            "name": f"pending:acm-validation-record/{name}",
            "type": "CNAME",
            "value": f"pending:acm-validation-value/{name}",
            "validation_status": "PENDING_VALIDATION",
        }
        for name in [DOMAIN] + SANS
    ]
    assert result["tags"] == {"Name": "prod-alb-origin", "Environment": "test"}
    assert api_calls.writes() == []
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["subject_alternative_names"] == [DOMAIN] + SANS
    assert all_arns(acm) == []

    # wait is ignored in check mode
    assert run_module(mod.main, args(wait=True), check_mode=True).result["changed"] is True
    assert fake_time.sleeps == []


def acm_records(acm, arn):
    return acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"]


def test_check_mode_predicts_replacement_and_tag_change(run_module, acm, api_calls, fake_time):
    old_arn = run_module(mod.main, args()).result["certificate_arn"]

    api_calls.clear()
    old_records = {r["DomainName"]: r for r in acm_records(acm, old_arn)}
    replace = run_module(mod.main, args(subject_alternative_names=["other.example.com"]), check_mode=True).result
    assert replace["changed"] is True
    assert replace["certificate_arn"] == "pending:certificate/prod-alb-origin"
    assert replace["replaced_arn"] == old_arn
    # The domain keeps its validation record (ACM reuses a name's CNAME in the account); the new name's is unknown.
    predicted = {r["domain_name"]: r for r in replace["validation_records"]}
    assert set(predicted) == {DOMAIN, "other.example.com"}
    assert (predicted[DOMAIN]["name"], predicted[DOMAIN]["value"]) == (
        old_records[DOMAIN]["ResourceRecord"]["Name"],
        old_records[DOMAIN]["ResourceRecord"]["Value"],
    )
    assert predicted["other.example.com"]["name"] == "pending:acm-validation-record/other.example.com"
    real = run_module(mod.main, args(subject_alternative_names=["other.example.com"])).result
    real_records = {r["domain_name"]: r for r in real["validation_records"]}
    assert (real_records[DOMAIN]["name"], real_records[DOMAIN]["value"]) == (
        predicted[DOMAIN]["name"],
        predicted[DOMAIN]["value"],
    )
    api_calls.clear()

    retag = run_module(mod.main, args(tags={"Environment": "prod"}), check_mode=True, diff=True).result
    assert retag["changed"] is True
    assert retag["certificate_arn"] == old_arn
    assert retag["tags"] == {"Name": "prod-alb-origin", "Environment": "prod"}
    assert retag["diff"]["before"]["tags"]["Environment"] == "test"
    assert api_calls.writes() == []
    assert old_arn in all_arns(acm) and len(all_arns(acm)) == 2
    assert tags_of(acm, old_arn)["Environment"] == "test"


def test_absent_deletes_every_tagged_certificate(run_module, acm, api_calls, fake_time):
    old_arn = run_module(mod.main, args()).result["certificate_arn"]
    new_arn = run_module(mod.main, args(subject_alternative_names=[])).result["certificate_arn"]
    other = acm.request_certificate(DomainName="other.example.com", Tags=[{"Key": "Name", "Value": "other"}])[
        "CertificateArn"
    ]
    untagged = acm.request_certificate(DomainName="untagged.example.com")["CertificateArn"]

    check = run_module(mod.main, args(state="absent"), check_mode=True).result
    assert check["changed"] is True
    assert check["deleted_arns"] == sorted([old_arn, new_arn])
    assert len(all_arns(acm)) == 4

    api_calls.clear()
    run = run_module(mod.main, args(state="absent"), diff=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["deleted_arns"] == sorted([old_arn, new_arn])
    assert result["certificate_arn"] is None
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["certificate_arn"] in (old_arn, new_arn)
    assert sorted(p["CertificateArn"] for p in api_calls.named("DeleteCertificate")) == sorted([old_arn, new_arn])
    (listing,) = api_calls.named("ListCertificates")
    assert "FAILED" in listing["CertificateStatuses"]
    assert all_arns(acm) == sorted([other, untagged])

    api_calls.clear()
    again = run_module(mod.main, args(state="absent")).result
    assert again["changed"] is False
    assert again["deleted_arns"] == []
    assert api_calls.writes() == []


def test_absent_certificate_in_use_fails_clearly(run_module, acm, acm_backend, monkeypatch, fake_time):
    from moto.core.exceptions import AWSError

    arn = run_module(mod.main, args()).result["certificate_arn"]
    listener = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/app/origin/0123456789abcdef"
    acm_backend.set_certificate_in_use_by(arn, listener)

    def in_use(self, cert_arn):
        raise AWSError(f"Certificate arn:{cert_arn} is in use.", exception_type="ResourceInUseException")

    # moto does not refuse to delete a certificate in use, AWS does
    monkeypatch.setattr(type(acm_backend), "delete_certificate", in_use)
    run = run_module(mod.main, args(state="absent"))
    result = run.result
    assert run.rc != 0
    assert arn in result["msg"]
    assert listener in result["msg"]
    assert "in use" in result["msg"]
    assert result["in_use_arns"] == [arn]
    assert result["deleted_arns"] == []


def test_failed_certificate_in_idempotency_window_gets_new_request(run_module, acm, acm_backend, api_calls, fake_time):
    failed_arn = run_module(mod.main, args()).result["certificate_arn"]
    acm_backend._certificates[failed_arn].status = "FAILED"

    api_calls.clear()
    result = run_module(mod.main, args()).result
    assert result["changed"] is True
    assert result["certificate_arn"] != failed_arn
    assert result["replaced_arn"] is None, "a failed certificate is not a live one that is replaced"
    first, second = api_calls.named("RequestCertificate")
    assert first["IdempotencyToken"] != second["IdempotencyToken"]
    assert result["status"] == "PENDING_VALIDATION"


def test_validation_records_polled_until_present(run_module, acm, acm_backend, api_calls, monkeypatch, fake_time):
    from moto.acm.models import CertBundle

    original = CertBundle.describe
    calls = {"n": 0}

    def late_records(self):
        # AWS fills DomainValidationOptions[].ResourceRecord in a few seconds after the request
        described = original(self)
        calls["n"] += 1
        if calls["n"] <= 2:
            for option in described["Certificate"].get("DomainValidationOptions", []):
                option.pop("ResourceRecord", None)
        return described

    monkeypatch.setattr(CertBundle, "describe", late_records)
    result = run_module(mod.main, args()).result
    assert result["changed"] is True
    assert len(result["validation_records"]) == 3
    assert fake_time.sleeps == [mod.RECORDS_DELAY, mod.RECORDS_DELAY]
    assert len(api_calls.named("DescribeCertificate")) == 3


def test_wait_times_out_naming_status_and_records(run_module, acm, no_auto_issue, fake_time):
    run = run_module(mod.main, args(wait=True, wait_timeout=60))
    result = run.result
    assert run.rc != 0
    assert "Timed out after 60s" in result["msg"]
    assert "PENDING_VALIDATION" in result["msg"]
    assert result["certificate_arn"] in result["msg"]
    for record in result["validation_records"]:
        assert record["name"] in result["msg"]
        assert record["value"] in result["msg"]
    assert sum(fake_time.sleeps) == 60
    # the sliced-wait contract of waiting.poll: flagged as a timeout, with the progress of the run
    assert result["wait_timed_out"] is True
    assert result["status_history"] == [{"elapsed": 0, "status": "PENDING_VALIDATION, 0 of 3 names validated"}]
    # the certificate has been requested; a rerun finds it
    assert len(all_arns(acm)) == 1


def test_wait_until_issued(run_module, acm, acm_backend, no_auto_issue, fake_time):
    def issue(count):
        if count == 2:
            for cert in acm_backend._certificates.values():
                cert.status = "ISSUED"

    fake_time.on_sleep = issue
    run = run_module(mod.main, args(wait=True))
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["status"] == "ISSUED"
    assert all(r["validation_status"] == "SUCCESS" for r in result["validation_records"])
    assert fake_time.sleeps == [mod.WAIT_DELAY, mod.WAIT_DELAY]
    assert result["status_history"] == [
        {"elapsed": 0, "status": "PENDING_VALIDATION, 0 of 3 names validated"},
        {"elapsed": 2 * mod.WAIT_DELAY, "status": "ISSUED, 3 of 3 names validated"},
    ]

    # an issued certificate needs no waiting
    fake_time.sleeps.clear()
    again = run_module(mod.main, args(wait=True)).result
    assert again["changed"] is False and again["status"] == "ISSUED"
    assert fake_time.sleeps == []


def test_wait_fails_on_terminal_status(run_module, acm, acm_backend, no_auto_issue, fake_time):
    def fail(count):
        for cert in acm_backend._certificates.values():
            cert.status = "VALIDATION_TIMED_OUT"

    fake_time.on_sleep = fail
    run = run_module(mod.main, args(wait=True))
    assert run.rc != 0
    assert "VALIDATION_TIMED_OUT" in run.result["msg"]
    assert "will not be issued" in run.result["msg"]
    assert run.result["certificate_arn"] in run.result["msg"]
    assert len(fake_time.sleeps) == 1


def test_invalid_input_fails_before_any_api_call(run_module, acm, api_calls):
    run = run_module(mod.main, args(tags={"Name": "something-else"}))
    assert run.rc != 0
    assert "conflicts with name_tag" in run.result["msg"]
    assert api_calls == []


def test_other_name_tag_is_not_touched(run_module, acm, api_calls, fake_time):
    other = acm.request_certificate(
        DomainName=DOMAIN, SubjectAlternativeNames=SANS, Tags=[{"Key": "Name", "Value": "someone-else"}]
    )["CertificateArn"]
    result = run_module(mod.main, args()).result
    assert result["changed"] is True
    assert result["certificate_arn"] != other
    assert result["replaced_arn"] is None
    assert tags_of(acm, other) == {"Name": "someone-else"}


def _aws_key_algorithm(monkeypatch):
    """Make moto answer DescribeCertificate/ListCertificates as AWS does: ``RSA-2048``, not ``RSA_2048``."""
    from moto.acm import responses

    def hyphenated(original):
        def handler(self):
            result = original(self)
            body = result.result
            certificates = [body["Certificate"]] if "Certificate" in body else body.get("CertificateSummaryList", [])
            for certificate in certificates:
                if certificate.get("KeyAlgorithm"):
                    certificate["KeyAlgorithm"] = certificate["KeyAlgorithm"].replace("_", "-", 1)
            return result

        return handler

    cls = responses.AWSCertificateManagerResponse
    monkeypatch.setattr(cls, "describe_certificate", hyphenated(cls.describe_certificate))
    monkeypatch.setattr(cls, "list_certificates", hyphenated(cls.list_certificates))


def test_hyphenated_key_algorithm_keeps_the_certificate(run_module, acm, api_calls, monkeypatch, fake_time):
    _aws_key_algorithm(monkeypatch)
    first = run_module(mod.main, args()).result
    arn = first["certificate_arn"]
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["KeyAlgorithm"] == "RSA-2048"
    assert first["key_algorithm"] == "RSA_2048"

    api_calls.clear()
    run = run_module(mod.main, args(), diff=True)
    again = run.result
    assert run.rc == 0, again
    assert again["changed"] is False
    assert again["certificate_arn"] == arn
    assert again["replaced_arn"] is None
    assert again["key_algorithm"] == "RSA_2048"
    assert api_calls.named("RequestCertificate") == []
    assert api_calls.writes() == []
    assert all_arns(acm) == [arn]

    # the option may be given in either spelling
    api_calls.clear()
    assert run_module(mod.main, args(key_algorithm="RSA-2048")).result["changed"] is False
    assert api_calls.writes() == []


def _late_records(monkeypatch, describes_without_records):
    """AWS assigns DomainValidationOptions[].ResourceRecord asynchronously after RequestCertificate."""
    from moto.acm.models import CertBundle

    original = CertBundle.describe
    calls = {"n": 0}

    def late(self):
        described = original(self)
        calls["n"] += 1
        if calls["n"] <= describes_without_records:
            for option in described["Certificate"].get("DomainValidationOptions", []):
                option.pop("ResourceRecord", None)
        return described

    monkeypatch.setattr(CertBundle, "describe", late)


def test_validation_records_wait_default_bound_is_five_minutes(run_module, acm, monkeypatch, fake_time):
    _late_records(monkeypatch, 10**6)
    run = run_module(mod.main, args())
    result = run.result
    assert run.rc != 0
    assert sum(fake_time.sleeps) == 300 == mod.RECORDS_TIMEOUT
    arn = result["certificate_arn"]
    assert arn and arn in result["msg"]
    assert "validation_records_timeout=300" in result["msg"]
    assert "0 of 3 names" in result["msg"]
    assert result["wait_timed_out"] is True
    assert result["status_history"] == [
        {"elapsed": 0, "status": "PENDING_VALIDATION, DNS validation records for 0 of 3 names"}
    ]
    assert result["validation_records"] == []
    # the certificate has been requested: a rerun finds it instead of requesting another
    assert all_arns(acm) == [arn]


def test_validation_records_wait_bound_is_an_option(run_module, acm, monkeypatch, fake_time):
    _late_records(monkeypatch, 10**6)
    run = run_module(mod.main, args(validation_records_timeout=30))
    assert run.rc != 0
    assert sum(fake_time.sleeps) == 30
    assert "within 30s" in run.result["msg"]


def test_validation_records_wait_reports_progress(run_module, acm, monkeypatch, fake_time):
    _late_records(monkeypatch, 3)
    result = run_module(mod.main, args()).result
    assert result["changed"] is True
    assert len(result["validation_records"]) == 3
    assert fake_time.sleeps == [mod.RECORDS_DELAY] * 3
    assert result["status_history"] == [
        {"elapsed": 0, "status": "PENDING_VALIDATION, DNS validation records for 0 of 3 names"},
        {"elapsed": 3 * mod.RECORDS_DELAY, "status": "PENDING_VALIDATION, DNS validation records for 3 of 3 names"},
    ]


def test_negative_records_timeout_fails_before_any_api_call(run_module, acm, api_calls):
    run = run_module(mod.main, args(validation_records_timeout=-1))
    assert run.rc != 0
    assert "validation_records_timeout must not be negative (-1)" in run.result["msg"]
    assert api_calls == []


def test_check_mode_never_waits_for_records_or_issue(run_module, acm, monkeypatch, no_auto_issue, fake_time):
    arn = run_module(mod.main, args()).result["certificate_arn"]
    _late_records(monkeypatch, 10**6)  # an existing certificate whose records are not there (yet)

    run = run_module(mod.main, args(wait=True, validation_records_timeout=300), check_mode=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is False
    assert result["certificate_arn"] == arn
    assert result["status"] == "PENDING_VALIDATION"
    assert fake_time.sleeps == []

    # a certificate that would be requested: nothing to wait for either
    run = run_module(mod.main, args(name_tag="other", wait=True), check_mode=True)
    assert run.rc == 0 and run.result["changed"] is True
    assert fake_time.sleeps == []


class FakeTagClient:
    def __init__(self):
        self.calls = []

    def add_tags_to_certificate(self, aws_retry, CertificateArn, Tags):
        self.calls.append(("AddTagsToCertificate", Tags))

    def remove_tags_from_certificate(self, aws_retry, CertificateArn, Tags):
        self.calls.append(("RemoveTagsFromCertificate", Tags))


@pytest.mark.parametrize("check_mode", [False, True])
def test_certificate_tags_keep_name_and_write_nothing_in_check_mode(check_mode):
    client = FakeTagClient()
    current = {
        "certificate_arn": "arn:aws:acm:eu-west-2:123456789012:certificate/x",
        "tags": {"Name": "origin", "Old": "x", "Env": "a"},
    }
    changed, view = mod.apply_certificate_tags(client, current, {"Env": "b"}, True, check_mode)
    assert changed is True
    assert view["tags"] == {"Name": "origin", "Env": "b"}
    expected = [
        ("RemoveTagsFromCertificate", [{"Key": "Old"}]),
        ("AddTagsToCertificate", [{"Key": "Env", "Value": "b"}]),
    ]
    assert client.calls == ([] if check_mode else expected)
    assert mod.apply_certificate_tags(client, view, {"Env": "b"}, True, check_mode) == (False, view)


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(mod) == []
