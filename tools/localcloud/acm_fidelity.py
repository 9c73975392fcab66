# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ACM certificates as AWS issues them, and the services that refuse one that is not issued yet.

moto 5.2.5 differs from AWS in four ways that hide real failures:

* ``DescribeCertificate`` / ``ListCertificates`` answer ``KeyAlgorithm`` ``RSA_2048`` (the botocore model's
  enum); AWS answers ``RSA-2048``, ``EC-prime256v1``, ``EC-secp384r1`` (terraform-provider-aws normalises it
  when it reads a certificate: internal/service/acm/certificate.go, "ACM DescribeCertificate returns
  hyphenated string values instead of underscore separated"; seen in ``aws acm list-certificates`` output,
  e.g. pulumi/pulumi-aws#5649). moto also ignores the requested ``KeyAlgorithm`` (always RSA 2048); here a
  requested certificate reports the algorithm it was requested with.
* a requested certificate becomes ``ISSUED`` after ``MOTO_ACM_VALIDATION_WAIT`` (60 s) whatever DNS says;
  AWS issues it once every DNS validation CNAME resolves. Here a DNS-validated certificate stays
  ``PENDING_VALIDATION`` until every ``DomainValidationOptions[].ResourceRecord`` exists, with that value and
  DNS-only (a proxied Cloudflare record does not resolve to the CNAME), in the Cloudflare emulator of the
  same process; then it is ``ISSUED`` and every name's ``ValidationStatus`` is ``SUCCESS``. A name whose
  record exists is ``SUCCESS`` before the others. Nothing depends on time except the record delay below and,
  with the fidelity config ``latency_profile`` on, its ``acm.issuance`` seconds: a record counts only once it
  has existed (unchanged, DNS-only) for that long (``localcloud.latency``).
* moto fills in ``ResourceRecord`` at once; AWS assigns the records asynchronously (terraform-provider-aws
  waits up to ``certificateDNSValidationAssignmentTimeout`` = 5 minutes for them). Here they are left out of
  ``DescribeCertificate`` / ``ListCertificates`` for ``acm_record_delay_seconds`` (fidelity config, default
  1 s) after ``RequestCertificate``.
* ELBv2 and CloudFront accept any certificate. AWS refuses one that is not ``ISSUED``:
  ``CreateListener`` / ``ModifyListener`` / ``AddListenerCertificates`` answer ``UnsupportedCertificate``
  (HTTP 400, "The certificate '<arn>' must have a fully-qualified domain name, a supported signature, and a
  supported key size."; an error code the botocore model does not list, as reported in
  hashicorp/terraform-provider-aws#41789 and #26245), and ``CreateDistribution`` / ``UpdateDistribution``
  answer ``InvalidViewerCertificate`` (HTTP 400 in the botocore model, "The specified SSL certificate
  doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.",
  hashicorp/terraform-provider-aws#40260), also for an ACM certificate outside us-east-1 or unknown.

``patch(setter)`` wraps moto's ACM model and responses, ``ELBv2Backend`` and ``CloudFrontBackend`` (hooked in
through ``moto_patches.PATCHES``); ``install(cloudflare, config)`` (called by ``aws.build_app``) gives the ACM
layer read access to the Cloudflare emulator's records and to the fidelity configuration.
"""

import datetime
import functools
import inspect
import re
import threading
import time

from localcloud import latency

CONFIG_KEY = "acm_record_delay_seconds"
ISSUANCE_KEY = "acm.issuance"  # latency profile key: how long every validation record must exist before ISSUED
DEFAULT_RECORD_DELAY = 1
CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"
UNSUPPORTED_CERTIFICATE = (
    "The certificate '%s' must have a fully-qualified domain name, a supported signature, and a supported key size."
)
INVALID_VIEWER_CERTIFICATE = (
    "The specified SSL certificate doesn't exist, isn't in us-east-1 region, "
    "isn't valid, or doesn't include a valid certificate chain."
)
ACM_ARN_RE = re.compile(r"^arn:[^:]+:acm:(?P<region>[^:]+):(?P<account>\d*):certificate/")
# Attribute of a moto CertBundle holding the KeyAlgorithm it was requested with.
REQUESTED_KEY_ALGORITHM = "localcloud_key_algorithm"

_LOCK = threading.Lock()
_STATE = {"cnames": None, "config": None}


# ------------------------------------------------------------------------------------------------ wiring


def parse_record_delay(value):
    """Validate ``acm_record_delay_seconds`` (a non-negative number of seconds)."""
    try:
        delay = float(value or 0)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number of seconds, not %r" % (CONFIG_KEY, value)) from None
    if delay < 0:
        raise ValueError("%s must not be negative" % CONFIG_KEY)
    return int(delay) if delay == int(delay) else delay


def _epoch(stamp):
    """Seconds since the epoch of a Cloudflare timestamp (``2024-01-01T00:00:00.000000Z``), 0 when unknown."""
    try:
        return (
            datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
        )
    except (TypeError, ValueError):
        return 0.0


def cloudflare_cnames(emulator):
    """Return ``lookup(name) -> {target: since}`` of the DNS-only CNAME records ``emulator`` serves for ``name``
    (``since``: when the record last changed, seconds since the epoch: it has resolved to ``target`` since then).

    Reads the emulator's record store under its lock (read only)."""

    def lookup(name):
        wanted = _dns_name(name)
        found = {}
        with emulator.lock:
            for records in emulator.records.values():
                for record in records.values():
                    if (
                        record.get("type") == "CNAME"
                        and not record.get("proxied")
                        and _dns_name(record.get("name")) == wanted
                    ):
                        target = _dns_name(record.get("content"))
                        since = _epoch(record.get("modified_on") or record.get("created_on"))
                        found[target] = min(since, found.get(target, since))
        return found

    return lookup


def install(cloudflare=None, config=None):
    """Connect the ACM layer to the Cloudflare emulator (validation records) and the fidelity config.

    ``cloudflare`` is a ``CloudflareEmulator`` (or a ``lookup(name) -> {targets}`` callable, a set of targets or
    a ``{target: since}`` mapping, ``since`` in seconds since the epoch; a set's records count as old); ``config`` a
    callable returning the current fidelity configuration (a dict with ``acm_record_delay_seconds``)."""
    if hasattr(cloudflare, "records"):  # the emulator itself (a WSGI app, so callable too)
        cloudflare = cloudflare_cnames(cloudflare)
    with _LOCK:
        _STATE["cnames"] = cloudflare
        _STATE["config"] = config


def record_delay():
    """Seconds after RequestCertificate during which ACM has not assigned the validation records."""
    config = _STATE["config"]
    if config is None:
        return DEFAULT_RECORD_DELAY
    return float((config() or {}).get(CONFIG_KEY, DEFAULT_RECORD_DELAY) or 0)


def _dns_name(name):
    return str(name or "").strip().lower().rstrip(".")


def _cname_exists(record):
    """Whether the validation ``record`` ({Name, Type, Value}) resolves as a CNAME to its value, and has for the
    ``acm.issuance`` seconds of the latency profile (``localcloud.latency``; none when the profile is off)."""
    lookup = _STATE["cnames"]
    if lookup is None or not record or record.get("Type", "CNAME") != "CNAME":
        return False
    targets = lookup(record.get("Name"))
    target = _dns_name(record.get("Value"))
    if target not in targets:
        return False
    window = latency.seconds(ISSUANCE_KEY)
    if not window or not isinstance(targets, dict):
        return True
    return time.time() - targets[target] >= window


# ------------------------------------------------------------------------------------------------ ACM model


def hyphenated(algorithm):
    """``RSA_2048`` -> ``RSA-2048``, ``EC_prime256v1`` -> ``EC-prime256v1`` (AWS's answer spelling)."""
    return algorithm.replace("_", "-", 1) if isinstance(algorithm, str) else algorithm


def _age_seconds(bundle):
    from moto.core.utils import utcnow

    return (utcnow() - bundle.created_at).total_seconds()


def _records_assigned(bundle):
    return _age_seconds(bundle) >= record_delay()


def _dns_validated(bundle, describe):
    """Whether every validation record of a requested (``AMAZON_ISSUED``) certificate exists in DNS."""
    if not _records_assigned(bundle):
        return False
    options = describe(bundle)["Certificate"].get("DomainValidationOptions") or []
    return bool(options) and all(_cname_exists(option.get("ResourceRecord")) for option in options)


def _require(owner, name, params=()):
    from localcloud.moto_patches import _require as require  # pylint: disable=import-outside-toplevel

    return require(owner, name, params)


def _patch_acm_model(setter):
    from moto.acm.models import CertBundle

    original_check = _require(CertBundle, "check")
    original_describe = _require(CertBundle, "describe")

    @functools.wraps(original_check)
    def check(self):
        before = self.status
        original_check(self)
        if self.type != "AMAZON_ISSUED":
            return
        if before == "PENDING_VALIDATION" and self.status == "ISSUED":
            self.status = before  # moto's timer (MOTO_ACM_VALIDATION_WAIT); AWS issues through DNS only
        if self.status == "PENDING_VALIDATION" and _dns_validated(self, original_describe):
            self.status = "ISSUED"

    @functools.wraps(original_describe)
    def describe(self):
        result = original_describe(self)
        certificate = result.get("Certificate") or {}
        requested = getattr(self, REQUESTED_KEY_ALGORITHM, None)
        if requested:
            certificate["KeyAlgorithm"] = requested
        if self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION":
            assigned = _records_assigned(self)
            for option in certificate.get("DomainValidationOptions") or []:
                if not assigned:
                    option.pop("ResourceRecord", None)
                elif _cname_exists(option.get("ResourceRecord")):
                    option["ValidationStatus"] = "SUCCESS"
        return result

    setter(CertBundle, "check", check)
    setter(CertBundle, "describe", describe)


def _patch_acm_responses(setter):
    from moto.acm.responses import AWSCertificateManagerResponse as Response

    original_request = _require(Response, "request_certificate")
    original_describe = _require(Response, "describe_certificate")
    original_list = _require(Response, "list_certificates")

    @functools.wraps(original_request)
    def request_certificate(self):
        algorithm = self._get_param("KeyAlgorithm")  # pylint: disable=protected-access
        result = original_request(self)
        arn = (getattr(result, "result", None) or {}).get("CertificateArn")
        bundle = self.acm_backend._certificates.get(arn)  # pylint: disable=protected-access
        if algorithm and bundle is not None and not getattr(bundle, REQUESTED_KEY_ALGORITHM, None):
            setattr(bundle, REQUESTED_KEY_ALGORITHM, algorithm.replace("-", "_"))
        return result

    def answering_hyphenated(original):
        @functools.wraps(original)
        def handler(self):
            result = original(self)
            body = getattr(result, "result", None) or {}
            certificates = [body["Certificate"]] if "Certificate" in body else body.get("CertificateSummaryList", [])
            for certificate in certificates:
                certificate["KeyAlgorithm"] = hyphenated(certificate.get("KeyAlgorithm"))
            return result

        return handler

    setter(Response, "request_certificate", request_certificate)
    setter(Response, "describe_certificate", answering_hyphenated(original_describe))
    setter(Response, "list_certificates", answering_hyphenated(original_list))


# ------------------------------------------------------------------------------------------------ users


def _acm_status(account_id, arn, region=None):
    """Status of the ACM certificate ``arn`` (``None`` when not an ACM ARN or not found)."""
    from moto.acm.models import CertificateNotFound
    from moto.acm.models import acm_backends

    match = ACM_ARN_RE.match(arn or "")
    if not match:
        return None
    region = region or match.group("region")
    if match.group("region") != region:
        return None
    try:
        return acm_backends[account_id][region].get_certificate(arn).status
    except CertificateNotFound:
        return None


def _patch_elbv2(setter):
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import ELBv2Backend

    def refuse_pending(backend, arns):
        for arn in arns:
            if ACM_ARN_RE.match(arn or ""):
                status = _acm_status(backend.account_id, arn)
                if status is not None and status != "ISSUED":
                    raise ELBClientError("UnsupportedCertificate", UNSUPPORTED_CERTIFICATE % arn)

    def wrap(name, params, arns_of):
        original = _require(ELBv2Backend, name, params)
        signature = inspect.signature(original)

        @functools.wraps(original)
        def method(self, *args, **kwargs):
            arguments = signature.bind(self, *args, **kwargs).arguments
            refuse_pending(self, arns_of(arguments))
            return original(self, *args, **kwargs)

        setter(ELBv2Backend, name, method)

    def listed(key):
        return lambda arguments: [c.get("CertificateArn") for c in arguments.get(key) or [] if isinstance(c, dict)]

    wrap("create_listener", ("certificate",), lambda arguments: [arguments.get("certificate")])
    wrap("modify_listener", ("certificates",), listed("certificates"))
    wrap("add_listener_certificates", ("certificates",), listed("certificates"))


def _viewer_certificate_arn(config):
    viewer = (config or {}).get("ViewerCertificate") or {}
    return viewer.get("ACMCertificateArn") if isinstance(viewer, dict) else None


def _patch_cloudfront(setter):
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import CloudFrontBackend

    def refuse_invalid(backend, config):
        arn = _viewer_certificate_arn(config)
        if arn and _acm_status(backend.account_id, arn, CLOUDFRONT_CERTIFICATE_REGION) != "ISSUED":
            raise CloudFrontException("InvalidViewerCertificate", INVALID_VIEWER_CERTIFICATE)

    create = _require(CloudFrontBackend, "create_distribution_with_tags", ("distribution_config",))
    update = _require(CloudFrontBackend, "update_distribution", ("dist_config",))

    @functools.wraps(create)
    def create_distribution_with_tags(self, distribution_config, *args, **kwargs):
        refuse_invalid(self, distribution_config)
        return create(self, distribution_config, *args, **kwargs)

    @functools.wraps(update)
    def update_distribution(self, dist_config, *args, **kwargs):
        refuse_invalid(self, dist_config)
        return update(self, dist_config, *args, **kwargs)

    setter(CloudFrontBackend, "create_distribution_with_tags", create_distribution_with_tags)
    setter(CloudFrontBackend, "update_distribution", update_distribution)


def patch(setter=setattr):
    """Apply every correction of this module (``setter=monkeypatch.setattr`` in tests to undo them)."""
    _patch_acm_model(setter)
    _patch_acm_responses(setter)
    _patch_elbv2(setter)
    _patch_cloudfront(setter)
