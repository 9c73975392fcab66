# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the ACM certificate request planning logic (no AWS involved)."""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import acm_request as acm
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import NAME_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

ARN = "arn:aws:acm:eu-west-2:123456789012:certificate/"


def params(**overrides):
    base = {
        "domain_name": "origin.example.com",
        "subject_alternative_names": ["api.example.com"],
        "validation_method": "DNS",
        "key_algorithm": "RSA_2048",
        "name_tag": "origin",
        "tags": {"Environment": "test"},
    }
    base.update(overrides)
    return base


def option(name, record=True, status="PENDING_VALIDATION", method="DNS"):
    opt = {"DomainName": name, "ValidationDomain": name, "ValidationStatus": status, "ValidationMethod": method}
    if record:
        opt["ResourceRecord"] = {"Name": f"_x.{name}.", "Type": "CNAME", "Value": f"_y.{name}.acm-validations.aws."}
    return opt


def described(
    arn_suffix="a",
    domain="origin.example.com",
    sans=None,
    key="RSA_2048",
    status="PENDING_VALIDATION",
    options=None,
    created=1,
):
    sans = [domain, "api.example.com"] if sans is None else sans
    return {
        "CertificateArn": ARN + arn_suffix,
        "DomainName": domain,
        "SubjectAlternativeNames": sans,
        "KeyAlgorithm": key,
        "Status": status,
        "DomainValidationOptions": [option(n) for n in sans] if options is None else options,
        "CreatedAt": datetime.datetime(2025, 1, created, tzinfo=datetime.timezone.utc),
    }


def view(**kwargs):
    tags = kwargs.pop("tags", {"Name": "origin"})
    return acm.certificate_view(described(**kwargs), tags)


class TestNames:
    @pytest.mark.parametrize(
        "domain, sans, expected",
        [
            ("example.com", [], ["example.com"]),
            ("Example.COM.", ["www.example.com"], ["example.com", "www.example.com"]),
            ("example.com", ["example.com", "www.example.com", "WWW.example.com."], ["example.com", "www.example.com"]),
            ("example.com", ["b.example.com", "a.example.com"], ["example.com", "b.example.com", "a.example.com"]),
            ("example.com", None, ["example.com"]),
        ],
    )
    def test_requested_names(self, domain, sans, expected):
        assert acm.requested_names(domain, sans) == expected

    def test_request_params_leave_the_domain_to_aws(self):
        desired = acm.desired_certificate(params(subject_alternative_names=["origin.example.com", "api.example.com"]))
        assert acm.request_params(desired, "tok") == {
            "DomainName": "origin.example.com",
            "SubjectAlternativeNames": ["api.example.com"],
            "ValidationMethod": "DNS",
            "KeyAlgorithm": "RSA_2048",
            "IdempotencyToken": "tok",
        }
        alone = acm.desired_certificate(params(subject_alternative_names=[]))
        assert "SubjectAlternativeNames" not in acm.request_params(alone, "tok")


class TestIdempotencyToken:
    def token(self, **overrides):
        p = params(**overrides)
        return acm.idempotency_token(p["name_tag"], acm.desired_certificate(p))

    def test_shape(self):
        assert re.fullmatch(r"\w{32}", self.token())

    def test_order_and_case_insensitive(self):
        assert self.token(subject_alternative_names=["b.example.com", "a.example.com"]) == self.token(
            subject_alternative_names=["A.example.com", "b.example.com"]
        )

    @pytest.mark.parametrize(
        "overrides",
        [
            {"name_tag": "other"},
            {"domain_name": "other.example.com"},
            {"subject_alternative_names": ["api.example.com", "extra.example.com"]},
            {"key_algorithm": "EC_prime256v1"},
            {"validation_method": "EMAIL"},
        ],
    )
    def test_differs(self, overrides):
        assert self.token(**overrides) != self.token()

    def test_tags_do_not_matter(self):
        assert self.token(tags={"Other": "x"}) == self.token()


COMPARE_CASES = [
    pytest.param({}, {}, [], id="identical"),
    pytest.param(
        {"sans": ["api.example.com", "origin.example.com"]},
        {},
        [],
        id="same-names-other-order",
    ),
    pytest.param(
        {"sans": ["ORIGIN.example.com", "api.example.com."]},
        {},
        [],
        id="case-and-trailing-dot",
    ),
    pytest.param(
        {},
        {"subject_alternative_names": ["api.example.com", "extra.example.com"]},
        ["subject_alternative_names"],
        id="extra-san",
    ),
    pytest.param(
        {},
        {"subject_alternative_names": []},
        ["subject_alternative_names"],
        id="san-removed",
    ),
    pytest.param(
        {},
        {"subject_alternative_names": ["origin.example.com", "api.example.com"]},
        [],
        id="domain-listed-as-san",
    ),
    pytest.param(
        {},
        {"domain_name": "api.example.com", "subject_alternative_names": ["origin.example.com"]},
        ["domain_name"],
        id="domain-swapped-with-san",
    ),
    pytest.param({}, {"key_algorithm": "EC_prime256v1"}, ["key_algorithm"], id="other-key-algorithm"),
    pytest.param(
        {"key": "EC_secp384r1", "sans": ["origin.example.com"]},
        {},
        ["subject_alternative_names", "key_algorithm"],
        id="names-and-key",
    ),
    pytest.param({}, {"tags": {"Other": "x"}, "validation_method": "EMAIL"}, [], id="tags-and-method-ignored"),
]


@pytest.mark.parametrize("current_kwargs, param_overrides, expected", COMPARE_CASES)
def test_certificate_differences(current_kwargs, param_overrides, expected):
    current = view(**current_kwargs)
    desired = acm.desired_certificate(params(**param_overrides))
    assert acm.certificate_differences(current, desired) == expected


class TestSelect:
    desired = acm.desired_certificate(params())

    def test_nothing(self):
        assert acm.select_certificate([], self.desired) == (None, None)

    def test_match_kept(self):
        cert = view()
        assert acm.select_certificate([cert], self.desired) == (cert, None)

    def test_mismatch_replaced(self):
        old = view(sans=["origin.example.com"])
        assert acm.select_certificate([old], self.desired) == (None, old)

    def test_match_wins_over_newer_mismatch(self):
        old = view(arn_suffix="old", sans=["origin.example.com"], created=5)
        new = view(arn_suffix="new", created=2)
        assert acm.select_certificate([old, new], self.desired) == (new, None)

    def test_issued_preferred_then_newest(self):
        pending_new = view(arn_suffix="p", created=9)
        issued_old = view(arn_suffix="i", status="ISSUED", created=1)
        issued_new = view(arn_suffix="j", status="ISSUED", created=3)
        current, replaced = acm.select_certificate([pending_new, issued_old, issued_new], self.desired)
        assert current["certificate_arn"] == ARN + "j" and replaced is None

    def test_newest_mismatch_is_replaced(self):
        older = view(arn_suffix="1", sans=["origin.example.com"], created=1)
        newer = view(arn_suffix="2", sans=["origin.example.com", "x.example.com"], created=2)
        assert acm.select_certificate([newer, older], self.desired) == (None, newer)


TAG_CASES = [
    pytest.param({"Name": "origin"}, {"Name": "origin"}, True, {}, [], {"Name": "origin"}, id="same"),
    pytest.param(
        {"Name": "origin", "Env": "a"},
        {"Name": "origin", "Env": "b"},
        True,
        {"Env": "b"},
        [],
        {"Name": "origin", "Env": "b"},
        id="value-changed",
    ),
    pytest.param(
        {"Name": "origin", "Old": "x", "aws:cloudformation:stack-name": "s"},
        {"Name": "origin"},
        True,
        {},
        ["Old"],
        {"Name": "origin", "aws:cloudformation:stack-name": "s"},
        id="purged-except-aws",
    ),
    pytest.param(
        {"Name": "origin", "Old": "x"},
        {"Name": "origin", "New": "y"},
        False,
        {"New": "y"},
        [],
        {"Name": "origin", "Old": "x", "New": "y"},
        id="no-purge",
    ),
    pytest.param({}, {"Name": "origin"}, True, {"Name": "origin"}, [], {"Name": "origin"}, id="name-added"),
]


@pytest.mark.parametrize("current, wanted, purge, to_set, to_unset, result", TAG_CASES)
def test_certificate_tag_plan(current, wanted, purge, to_set, to_unset, result):
    """The module plans certificate tags with the shared core, keeping ``Name`` (``keep=(NAME_TAG,)``)."""
    assert plan_tags(current, wanted, purge, keep=(NAME_TAG,)) == (to_set, to_unset, result)


def test_certificate_tag_plan_never_removes_name():
    assert plan_tags({"Name": "origin", "x": "1"}, {}, True, keep=(NAME_TAG,)) == ({}, ["x"], {"Name": "origin"})


class TestValidation:
    def test_desired_tags(self):
        assert acm.desired_certificate(params(tags={"Env": "x"}))["tags"] == {"Env": "x", "Name": "origin"}
        assert acm.desired_certificate(params(tags=None))["tags"] == {"Name": "origin"}

    @pytest.mark.parametrize(
        "overrides, expected",
        [
            ({}, []),
            ({"tags": {"Name": "origin"}}, []),
            (
                {"tags": {"Name": "other"}},
                ["tags.Name ('other') conflicts with name_tag ('origin'); the Name tag is set from name_tag"],
            ),
            ({"domain_name": " "}, ["domain_name must not be empty"]),
            ({"name_tag": ""}, ["name_tag must not be empty"]),
            ({"tags": {"aws:x": "y"}}, ["tag key 'aws:x' is reserved by AWS"]),
        ],
    )
    def test_validate_params(self, overrides, expected):
        assert acm.validate_params(params(**overrides)) == expected


class TestValidationRecords:
    def test_extracted(self):
        cert = described(options=[option("origin.example.com", status="SUCCESS"), option("api.example.com")])
        assert acm.validation_records(cert) == [
            {
                "domain_name": "origin.example.com",
                "name": "_x.origin.example.com.",
                "type": "CNAME",
                "value": "_y.origin.example.com.acm-validations.aws.",
                "validation_status": "SUCCESS",
            },
            {
                "domain_name": "api.example.com",
                "name": "_x.api.example.com.",
                "type": "CNAME",
                "value": "_y.api.example.com.acm-validations.aws.",
                "validation_status": "PENDING_VALIDATION",
            },
        ]

    def test_missing_resource_record_tolerated(self):
        cert = described(options=[option("origin.example.com", record=False), option("api.example.com")])
        assert [r["domain_name"] for r in acm.validation_records(cert)] == ["api.example.com"]

    @pytest.mark.parametrize("cert", [{}, None, {"DomainValidationOptions": None}, {"DomainValidationOptions": []}])
    def test_no_options(self, cert):
        assert acm.validation_records(cert) == []

    @pytest.mark.parametrize(
        "cert_kwargs, method, expected",
        [
            pytest.param({}, "DNS", False, id="complete"),
            pytest.param({"options": []}, "DNS", True, id="no-options-yet"),
            pytest.param({"options": []}, "EMAIL", False, id="email-never-has-records"),
            pytest.param(
                {"options": [option("origin.example.com", record=False), option("api.example.com")]},
                "DNS",
                True,
                id="one-missing",
            ),
            pytest.param({"options": [option("origin.example.com")]}, "DNS", True, id="name-not-covered-yet"),
            pytest.param(
                {
                    "options": [
                        option("origin.example.com", record=False, method="EMAIL"),
                        option("api.example.com", record=False, method="EMAIL"),
                    ]
                },
                "DNS",
                False,
                id="existing-email-certificate",
            ),
            pytest.param({"options": [], "status": "ISSUED"}, "DNS", False, id="issued"),
        ],
    )
    def test_records_pending(self, cert_kwargs, method, expected):
        assert acm.records_pending(described(**cert_kwargs), method) is expected

    def test_format_records(self):
        records = acm.validation_records(described(options=[option("api.example.com")]))
        assert (
            acm.format_records(records)
            == "api.example.com: _x.api.example.com. CNAME _y.api.example.com.acm-validations.aws. (PENDING_VALIDATION)"
        )
        assert acm.format_records([]) == "no DNS validation records (yet)"

    def test_pending_records(self):
        records = acm.validation_records(
            described(options=[option("origin.example.com", status="SUCCESS"), option("api.example.com")])
        )
        assert [r["domain_name"] for r in acm.pending_records(records)] == ["api.example.com"]


def test_certificate_view():
    v = acm.certificate_view(
        described(sans=["Origin.example.com", "api.example.com"], domain="Origin.example.com"),
        [{"Key": "Name", "Value": "origin"}],
    )
    assert v["certificate_arn"] == ARN + "a"
    assert v["domain_name"] == "origin.example.com"
    assert v["subject_alternative_names"] == ["origin.example.com", "api.example.com"]
    assert v["tags"] == {"Name": "origin"}
    assert v["validation_method"] == "DNS"
    assert v["records_pending"] is False
    assert v["created_at"] == "2025-01-01T00:00:00+00:00"
    assert acm.diff_view(v) == {
        "certificate_arn": ARN + "a",
        "domain_name": "origin.example.com",
        "subject_alternative_names": ["origin.example.com", "api.example.com"],
        "status": "PENDING_VALIDATION",
        "tags": {"Name": "origin"},
    }
    assert acm.diff_view(None) == {}


class TestKeyAlgorithm:
    """DescribeCertificate answers ``RSA-2048`` / ``EC-prime256v1`` although RequestCertificate takes ``RSA_2048``."""

    @pytest.mark.parametrize(
        "answered, requested",
        [
            ("RSA-2048", "RSA_2048"),
            ("RSA_2048", "RSA_2048"),
            ("EC-prime256v1", "EC_prime256v1"),
            ("EC-secp384r1", "EC_secp384r1"),
            ("RSA-4096", "RSA_4096"),
            ("RSA-2048", "RSA-2048"),
        ],
    )
    def test_both_spellings_match(self, answered, requested):
        current = view(key=answered)
        desired = acm.desired_certificate(params(key_algorithm=requested))
        assert acm.certificate_differences(current, desired) == []
        assert acm.select_certificate([current], desired) == (current, None)

    @pytest.mark.parametrize(
        "answered, requested",
        [("RSA-2048", "EC_prime256v1"), ("EC-secp384r1", "EC_prime256v1"), ("RSA-4096", "RSA_2048")],
    )
    def test_other_algorithm_still_differs(self, answered, requested):
        current = view(key=answered)
        desired = acm.desired_certificate(params(key_algorithm=requested))
        assert acm.certificate_differences(current, desired) == ["key_algorithm"]

    @pytest.mark.parametrize(
        "value, expected",
        [("RSA-2048", "RSA_2048"), ("EC-prime256v1", "EC_prime256v1"), ("RSA_3072", "RSA_3072"), (None, None)],
    )
    def test_normalized_to_the_request_spelling(self, value, expected):
        assert acm.normalize_key_algorithm(value) == expected

    def test_view_and_request_use_the_request_spelling(self):
        assert view(key="EC-secp384r1")["key_algorithm"] == "EC_secp384r1"
        desired = acm.desired_certificate(params(key_algorithm="RSA-2048"))
        assert acm.request_params(desired, "tok")["KeyAlgorithm"] == "RSA_2048"

    def test_token_does_not_depend_on_the_spelling(self):
        hyphen = params(key_algorithm="RSA-2048")
        underscore = params(key_algorithm="RSA_2048")
        assert acm.idempotency_token("origin", acm.desired_certificate(hyphen)) == acm.idempotency_token(
            "origin", acm.desired_certificate(underscore)
        )


class TestRecordsProgress:
    def test_records_progress(self):
        cert = described(options=[option("origin.example.com"), option("api.example.com", record=False)])
        assert acm.records_progress(cert) == (1, 2)
        assert acm.records_progress(described(options=[])) == (0, 2)
        assert acm.records_progress(described()) == (2, 2)

    def test_records_status(self):
        cert = described(options=[option("origin.example.com"), option("api.example.com", record=False)])
        assert acm.records_status(cert) == "PENDING_VALIDATION, DNS validation records for 1 of 2 names"


def test_predicted_validation_records_reuse_known_names_and_mark_new_ones_pending():
    desired = acm.desired_certificate(
        {
            "domain_name": "portal.example.com",
            "subject_alternative_names": ["*.example.com", "docs.example.com"],
            "name_tag": "alb",
            "tags": {},
            "validation_method": "DNS",
        }
    )
    replaced = {
        "validation_records": [
            {
                "domain_name": "portal.example.com",
                "name": "_a.portal.example.com.",
                "type": "CNAME",
                "value": "_b.acm-validations.aws.",
                "validation_status": "SUCCESS",
            },
            {
                "domain_name": "example.com",
                "name": "_c.example.com.",
                "type": "CNAME",
                "value": "_d.acm-validations.aws.",
                "validation_status": "SUCCESS",
            },
        ]
    }
    records = acm.predicted_validation_records(desired, [replaced])
    assert [(r["domain_name"], r["name"], r["value"]) for r in records] == [
        ("portal.example.com", "_a.portal.example.com.", "_b.acm-validations.aws."),
        # A wildcard is validated by its base name's record.
        ("*.example.com", "_c.example.com.", "_d.acm-validations.aws."),
        (
            "docs.example.com",
            "pending:acm-validation-record/docs.example.com",
            "pending:acm-validation-value/docs.example.com",
        ),
    ]
    assert {r["validation_status"] for r in records} == {"PENDING_VALIDATION"}
    assert acm.predicted_validation_records(dict(desired, validation_method="EMAIL"), [replaced]) == []
