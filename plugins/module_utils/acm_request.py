# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning logic for the ``rocketclub.platform.acm_certificate_request`` module.

Everything here is pure: it takes what ``DescribeCertificate`` and ``ListTagsForCertificate`` returned
(boto3 shapes) plus the module parameters and decides what to do. The module makes the API calls.

A certificate is identified by its ``Name`` tag only, never by a stored ARN. When the requested names
or key algorithm change, a new certificate is requested and the old one is left in place (it may still
be attached to a listener or distribution), so several certificates may carry the same ``Name`` tag.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import NAME_TAG
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags

# ListCertificates only returns RSA_1024 and RSA_2048 certificates unless Includes.keyTypes says otherwise.
KEY_TYPES = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)
# Statuses from which a certificate can still be (or already is) valid.
LIVE_STATUSES = ("PENDING_VALIDATION", "ISSUED", "INACTIVE")
# Statuses from which a certificate can never become valid again.
DEAD_STATUSES = ("EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED")
ALL_STATUSES = LIVE_STATUSES + DEAD_STATUSES
# Statuses that end a wait for ISSUED with a failure.
WAIT_FAILURE_STATUSES = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED")

DIFF_KEYS = ("certificate_arn", "domain_name", "subject_alternative_names", "status", "tags")


def normalize_key_algorithm(value):
    """A key algorithm in the spelling of RequestCertificate and of the botocore model (``RSA_2048``).

    ``DescribeCertificate`` and ``ListCertificates`` answer ``RSA-2048``, ``EC-prime256v1``, ``EC-secp384r1``
    although the model's ``KeyAlgorithm`` enum lists ``RSA_2048`` ...; terraform-provider-aws normalises the
    same way (internal/service/acm/certificate.go). Both spellings are one algorithm.
    """
    if not value:
        return None
    return str(value).strip().replace("-", "_")


def normalize_name(name):
    """DNS names are case-insensitive and ACM does not use the trailing dot."""
    return (name or "").strip().rstrip(".").lower()


def requested_names(domain_name, subject_alternative_names):
    """The full SAN list of a request: the domain name first, then the other names once each, in input order.

    AWS puts the domain name into the SAN list of every certificate, so it is included here too.
    """
    domain = normalize_name(domain_name)
    names = [domain]
    for name in subject_alternative_names or []:
        name = normalize_name(name)
        if name and name not in names:
            names.append(name)
    return names


def validate_params(params):
    """All input checks; returns a list of error messages. No API call is made."""
    errors = []
    if not normalize_name(params.get("domain_name")):
        errors.append("domain_name must not be empty")
    if not (params.get("name_tag") or "").strip():
        errors.append("name_tag must not be empty")
    tags = params.get("tags") or {}
    if NAME_TAG in tags and tags[NAME_TAG] != params.get("name_tag"):
        errors.append(
            f"tags.{NAME_TAG} ({tags[NAME_TAG]!r}) conflicts with name_tag ({params.get('name_tag')!r}); "
            f"the {NAME_TAG} tag is set from name_tag"
        )
    for key in tags:
        if key.startswith("aws:"):
            errors.append(f"tag key {key!r} is reserved by AWS")
    for option in ("validation_records_timeout", "wait_timeout"):
        value = params.get(option)
        if value is not None and value < 0:
            errors.append(f"{option} must not be negative ({value})")
    return errors


def desired_certificate(params):
    """The certificate the parameters describe, in the normalized view (no ARN, no status)."""
    names = requested_names(params["domain_name"], params.get("subject_alternative_names"))
    return {
        "certificate_arn": None,
        "domain_name": names[0],
        "subject_alternative_names": names,
        "key_algorithm": normalize_key_algorithm(params.get("key_algorithm")) or "RSA_2048",
        "status": None,
        "validation_method": params.get("validation_method") or "DNS",
        # ``tags`` plus ``Name=<name_tag>``; a certificate carries no managed tag (it is found by its Name tag).
        "tags": desired_tags(params.get("tags"), name=params["name_tag"], managed=False),
        "validation_records": [],
        "records_pending": False,
        "progress": None,
        "failure_reason": None,
        "in_use_by": [],
        "created_at": None,
    }


def idempotency_token(name_tag, desired):
    """A RequestCertificate IdempotencyToken (``\\w{32}``) derived from the name tag and what is requested.

    A retried or repeated request for the same names within AWS's one hour window returns the same
    certificate instead of a second one; a request for other names or another key algorithm gets a
    different token.
    """
    material = json.dumps(
        [
            name_tag,
            desired["domain_name"],
            sorted(desired["subject_alternative_names"]),
            desired["key_algorithm"],
            desired["validation_method"],
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def request_params(desired, token):
    """RequestCertificate parameters (without ``Tags``) for ``desired``."""
    params = {
        "DomainName": desired["domain_name"],
        "ValidationMethod": desired["validation_method"],
        "KeyAlgorithm": desired["key_algorithm"],
        "IdempotencyToken": token,
    }
    others = desired["subject_alternative_names"][1:]
    if others:
        # AWS adds the domain name to the SAN list itself.
        params["SubjectAlternativeNames"] = others
    return params


def validation_records(certificate):
    """``DomainValidationOptions[].ResourceRecord`` as a list of dicts; options without a record are skipped."""
    records = []
    for option in (certificate or {}).get("DomainValidationOptions") or []:
        record = option.get("ResourceRecord")
        if not record:
            continue
        records.append(
            {
                "domain_name": option.get("DomainName"),
                "name": record.get("Name"),
                "type": record.get("Type"),
                "value": record.get("Value"),
                "validation_status": option.get("ValidationStatus"),
            }
        )
    return records


def records_pending(certificate, expected_method="DNS"):
    """Whether AWS has not filled in all DNS validation records of a pending certificate yet.

    Right after RequestCertificate, ``DomainValidationOptions`` may be missing or lack ``ResourceRecord``
    for a few seconds. Certificates validated by e-mail never get records.
    """
    certificate = certificate or {}
    if certificate.get("Status") != "PENDING_VALIDATION":
        return False
    options = certificate.get("DomainValidationOptions") or []
    if not options:
        return expected_method == "DNS"
    names = {normalize_name(n) for n in certificate.get("SubjectAlternativeNames") or []}
    covered = {normalize_name(o.get("DomainName")) for o in options}
    for option in options:
        method = option.get("ValidationMethod") or expected_method
        if method == "DNS" and not option.get("ResourceRecord"):
            return True
    return expected_method == "DNS" and not names <= covered


def records_progress(certificate):
    """``(names with a DNS validation record, names of the certificate)``."""
    certificate = certificate or {}
    names = {normalize_name(n) for n in certificate.get("SubjectAlternativeNames") or []}
    with_record = {
        normalize_name(o.get("DomainName"))
        for o in certificate.get("DomainValidationOptions") or []
        if o.get("ResourceRecord")
    }
    names |= with_record
    return len(with_record), len(names)


def records_status(certificate):
    """Progress line of the wait for validation records, e.g. ``PENDING_VALIDATION, ... for 1 of 3 names``."""
    found, total = records_progress(certificate)
    return f"{(certificate or {}).get('Status')}, DNS validation records for {found} of {total} names"


def certificate_view(certificate, tags, expected_method="DNS"):
    """Normalized view of a ``DescribeCertificate`` result plus its tags (boto3 list or dict).

    ``key_algorithm`` is in the request spelling (``RSA_2048``) whatever AWS answered. ``expected_method`` is
    the validation method asked for, used while AWS has not filled in ``DomainValidationOptions`` yet.
    """
    tags = as_dict(tags)
    domain = normalize_name(certificate.get("DomainName"))
    names = requested_names(domain, certificate.get("SubjectAlternativeNames"))
    options = certificate.get("DomainValidationOptions") or []
    methods = sorted({o["ValidationMethod"] for o in options if o.get("ValidationMethod")})
    created = certificate.get("CreatedAt")
    return {
        "certificate_arn": certificate.get("CertificateArn"),
        "domain_name": domain,
        "subject_alternative_names": names,
        "key_algorithm": normalize_key_algorithm(certificate.get("KeyAlgorithm")),
        "status": certificate.get("Status"),
        "validation_method": methods[0] if len(methods) == 1 else None,
        "tags": dict(tags or {}),
        "validation_records": validation_records(certificate),
        "records_pending": records_pending(certificate, expected_method),
        "progress": records_status(certificate),
        "failure_reason": certificate.get("FailureReason"),
        "in_use_by": sorted(certificate.get("InUseBy") or []),
        "created_at": created.isoformat() if hasattr(created, "isoformat") else created,
    }


def certificate_differences(current, desired):
    """Names of the properties that force a new certificate: [] when ``current`` can be kept.

    The SAN list is compared as a set (AWS keeps the domain name in it), the domain name itself must be
    equal because it becomes the certificate's subject. Key algorithms are compared normalised (``RSA-2048``
    as AWS answers it equals ``RSA_2048`` as it is requested).
    """
    differences = []
    if current["domain_name"] != desired["domain_name"]:
        differences.append("domain_name")
    if set(current["subject_alternative_names"]) != set(desired["subject_alternative_names"]):
        differences.append("subject_alternative_names")
    if normalize_key_algorithm(current["key_algorithm"]) != normalize_key_algorithm(desired["key_algorithm"]):
        differences.append("key_algorithm")
    return differences


def _preference(view):
    # Prefer an issued certificate, then the newest one; the ARN makes the order total.
    return (view["status"] == "ISSUED", view["created_at"] or "", view["certificate_arn"] or "")


def preferred_certificate(views):
    """The certificate that stands for the name tag among several: issued first, then the newest."""
    return max(views, key=_preference) if views else None


def select_certificate(candidates, desired):
    """Choose among the live certificates carrying the name tag.

    Returns ``(current, replaced)``: ``current`` is the certificate to keep (one that needs no new
    request) or ``None``; ``replaced`` is, when ``current`` is ``None``, the certificate a new request
    supersedes (the preferred non-matching one) or ``None``.
    """
    matching = [c for c in candidates if not certificate_differences(c, desired)]
    if matching:
        return preferred_certificate(matching), None
    return None, preferred_certificate(candidates)


def diff_view(view):
    if not view:
        return {}
    return {k: view.get(k) for k in DIFF_KEYS}


def format_records(records):
    """Human readable list of validation records for error messages."""
    if not records:
        return "no DNS validation records (yet)"
    return "; ".join(
        f"{r['domain_name']}: {r['name']} {r['type']} {r['value']} ({r['validation_status']})" for r in records
    )


def issue_status(view):
    """Progress line of the wait for ``ISSUED``, e.g. ``PENDING_VALIDATION, 1 of 3 names validated``."""
    records = view.get("validation_records") or []
    done = len([r for r in records if r.get("validation_status") == "SUCCESS"])
    total = len(view.get("subject_alternative_names") or []) or len(records)
    return f"{view.get('status')}, {done} of {total} names validated"


def _validation_key(name):
    """A wildcard name is validated by the record of its base name (``*.example.com`` -> ``example.com``)."""
    name = normalize_name(name)
    return name[2:] if name.startswith("*.") else name


def predicted_validation_records(desired, candidates, arn_placeholder_kind="acm-validation-record"):
    """The DNS validation records a certificate check mode would request is predicted to get.

    ACM gives a domain name the same validation CNAME in every certificate of the account that names it
    (observed in dflook/cloudformation-dns-certificate#7; this is what lets ACM renew a certificate while the
    record stays), so a name that a live certificate of the same ``Name`` tag already has a record for gets
    that record. Any other name gets placeholders ``pending:<kind>/<name>`` for the record's name and value
    (AWS derives them from the account and name; they cannot be computed). E-mail validation has no records.
    """
    if desired.get("validation_method") != "DNS":
        return []
    known = {}
    for candidate in candidates or []:
        for record in candidate.get("validation_records") or []:
            if record.get("name") and record.get("value"):
                known.setdefault(_validation_key(record.get("domain_name")), record)
    records = []
    for name in desired["subject_alternative_names"]:
        record = known.get(_validation_key(name))
        if record is not None:
            records.append(
                {
                    "domain_name": name,
                    "name": record["name"],
                    "type": record.get("type") or "CNAME",
                    "value": record["value"],
                    "validation_status": "PENDING_VALIDATION",
                }
            )
        else:
            key = _validation_key(name)
            records.append(
                {
                    "domain_name": name,
                    "name": pending_id(arn_placeholder_kind, key),
                    "type": "CNAME",
                    "value": pending_id("acm-validation-value", key),
                    "validation_status": "PENDING_VALIDATION",
                }
            )
    return records


def pending_records(records):
    return [r for r in records if r.get("validation_status") != "SUCCESS"]
