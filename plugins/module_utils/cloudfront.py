# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compare / plan logic of the ``rocketclub.platform.cloudfront_distributions`` module.

Everything here is pure (no API call).

A distribution is brought into a *comparable* form: a plain dict of the settings the module manages,
with the values CloudFront (or moto) fills in normalised away (``Quantity`` wrappers, method and
protocol ordering, alias case, ``ForwardedValues``/TTLs echoed next to a cache policy, ...).
``desired_config`` builds it from the module parameters, ``normalize_config`` from what
``GetDistributionConfig`` returned; ``config_changes`` names the differences and ``build_config``
turns the desired form back into a boto3 ``DistributionConfig``.

The origin secret header value is in the comparable form (it is compared by value, so a rotation is
detected) and nowhere else: ``public_view`` masks every custom header value, ``config_changes`` only
names what differs, and every message about the header names the option, never the value.
"""

from __future__ import annotations

import copy

from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import MASK
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ORIGIN_HEADER_NAME
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import acm_certificate_region
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

# The tag that carries the distribution's name (besides the Comment); tags.py adds the managed tag.
DISTRIBUTION_TAG = "platform:distribution"
ROTATED_MASK = MASK + " (changed: origin secret header value)"
SECRET_CHANGE = "origin secret header value"

# In the order CloudFront documents them; method lists are compared and sent in this order.
ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")
ALLOWED_METHOD_SETS = (("GET", "HEAD"), ("GET", "HEAD", "OPTIONS"), ALL_METHODS)
CACHED_METHOD_SETS = (("GET", "HEAD"), ("GET", "HEAD", "OPTIONS"))

# CloudFront only uses ACM certificates of us-east-1.
CERTIFICATE_REGION = "us-east-1"
# Custom origin headers CloudFront refuses (AWS "Custom headers that CloudFront can't add to origin requests").
FORBIDDEN_HEADERS = frozenset(
    h.lower()
    for h in (
        "Cache-Control",
        "Connection",
        "Content-Length",
        "Cookie",
        "Host",
        "If-Match",
        "If-Modified-Since",
        "If-None-Match",
        "If-Range",
        "If-Unmodified-Since",
        "Max-Forwards",
        "Pragma",
        "Proxy-Authorization",
        "Proxy-Connection",
        "Range",
        "Request-Range",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Via",
        "X-Real-Ip",
    )
)
FORBIDDEN_HEADER_PREFIXES = ("x-amz-", "x-edge-")
MAX_HEADER_VALUE_LENGTH = 1783


# ------------------------------------------------------------------------------------------------ input


def _methods(methods):
    wanted = {str(m).upper() for m in methods or []}
    return [m for m in ALL_METHODS if m in wanted]


def _validate_behavior(behavior, where):
    errors = []
    allowed = tuple(_methods(behavior["allowed_methods"]))
    cached = tuple(_methods(behavior["cached_methods"]))
    if allowed not in ALLOWED_METHOD_SETS:
        errors.append(f"{where}.allowed_methods must be [GET, HEAD], [GET, HEAD, OPTIONS] or all seven methods")
    if cached not in CACHED_METHOD_SETS:
        errors.append(f"{where}.cached_methods must be [GET, HEAD] or [GET, HEAD, OPTIONS]")
    elif allowed in ALLOWED_METHOD_SETS and not set(cached) <= set(allowed):
        errors.append(f"{where}.cached_methods must be a subset of its allowed_methods")
    if not behavior["cache_policy_id"]:
        errors.append(f"{where}.cache_policy_id must not be empty")
    return errors


def _validate_present(spec, label):
    errors = []
    if spec["aliases"] and not spec["certificate_arn"]:
        errors.append(
            f"{label}: certificate_arn is required when aliases are set; give the ARN of an ACM certificate "
            "in us-east-1 that covers every alias"
        )
    certificate_arn = spec["certificate_arn"]
    if (
        certificate_arn
        and not is_pending(certificate_arn)
        and acm_certificate_region(certificate_arn) != CERTIFICATE_REGION
    ):
        errors.append(
            f"{label}: certificate_arn must be the ARN of an ACM certificate in us-east-1 (CloudFront only uses "
            f"certificates from us-east-1), got {spec['certificate_arn']}"
        )
    web_acl_id = spec["web_acl_id"] or ""
    if ":wafv2:" in web_acl_id and not (":wafv2:us-east-1:" in web_acl_id and ":global/webacl/" in web_acl_id):
        errors.append(f"{label}: web_acl_id must be a WAFv2 web ACL of scope CLOUDFRONT (us-east-1, global/webacl)")
    if spec["logging"] is not None and not spec["logging"]["bucket"]:
        errors.append(f"{label}: logging.bucket must not be empty")
    if spec["origin"] is None:
        errors.append(f"{label}: origin is required with state=present")
    elif not spec["origin"]["domain_name"]:
        errors.append(f"{label}: origin.domain_name must not be empty (the load balancer's DNS name)")
    if spec["default_behavior"] is None:
        errors.append(f"{label}: default_behavior is required with state=present")
    else:
        errors.extend(_validate_behavior(spec["default_behavior"], f"{label}: default_behavior"))
    behaviors = spec["behaviors"] or []
    for path in find_duplicates([b["path_pattern"] for b in behaviors]):
        errors.append(
            f"{label}: behaviors[].path_pattern {path!r} is declared more than once; each path takes one behavior"
        )
    for index, behavior in enumerate(behaviors):
        if not behavior["path_pattern"]:
            errors.append(f"{label}: behaviors[{index}].path_pattern must not be empty")
        errors.extend(_validate_behavior(behavior, f"{label}: behaviors[{index}]"))
    return errors


def pending_inputs(distributions):
    """``{option: value}`` of every check-mode placeholder among the ids the distributions refer to (a
    certificate, an origin, policies, a web ACL that a real run would create first)."""
    found = {}
    for index, spec in enumerate(distributions):
        label = f"distributions[{index}]"
        candidates = {
            f"{label}.certificate_arn": spec.get("certificate_arn"),
            f"{label}.web_acl_id": spec.get("web_acl_id"),
            f"{label}.origin.domain_name": (spec.get("origin") or {}).get("domain_name"),
        }
        behaviors = [("default_behavior", spec.get("default_behavior") or {})]
        behaviors += [(f"behaviors[{i}]", b) for i, b in enumerate(spec.get("behaviors") or [])]
        for where, behavior in behaviors:
            for key in ("cache_policy_id", "origin_request_policy_id", "response_headers_policy_id"):
                candidates[f"{label}.{where}.{key}"] = behavior.get(key)
        found.update((option, value) for option, value in candidates.items() if is_pending(value))
    return found


def pending_distribution(name):
    """The id, ARN and domain name check mode returns for a distribution a real run would create
    (CloudFront chooses them)."""
    return {
        "Id": pending_id("cloudfront-distribution", name),
        "ARN": pending_id("cloudfront-distribution-arn", name),
        "DomainName": pending_id("cloudfront-domain-name", name),
    }


def validate_secret_header(header):
    """Errors of O(origin_secret_header); they name the option, never the value."""
    if header is None:
        return []
    errors = []
    name, value = header["name"] or "", header["value"] or ""
    if not ORIGIN_HEADER_NAME.match(name):
        errors.append(
            "origin_secret_header.name must be a header name made of letters, digits and '-', at most 40 characters "
            "(the ALB rules match it in an http-header condition)"
        )
    elif name.lower() in FORBIDDEN_HEADERS or name.lower().startswith(FORBIDDEN_HEADER_PREFIXES):
        errors.append(
            f"origin_secret_header.name {name} is a header CloudFront cannot add; use for example X-Origin-Verify"
        )
    if not value:
        errors.append("origin_secret_header.value must not be empty")
    elif len(value) > MAX_HEADER_VALUE_LENGTH:
        errors.append(f"origin_secret_header.value is longer than {MAX_HEADER_VALUE_LENGTH} characters")
    elif any(not 32 < ord(c) < 127 for c in value):
        errors.append("origin_secret_header.value must be printable ASCII without spaces (use letters and digits)")
    return errors


def validate_distributions(distributions, secret_header, state):
    """Every input error found without an API call, each naming the option at fault."""
    errors = []
    for name, indexes in find_duplicates([d["name"] for d in distributions]).items():
        errors.append(f"distributions[].name must be unique: {name!r} is used by distributions{indexes}")
    owners = {}
    for index, spec in enumerate(distributions):
        label = f"distributions[{index}] ({spec['name']})"
        if not spec["name"]:
            errors.append(f"distributions[{index}].name must not be empty")
        for alias in spec["aliases"]:
            if not alias:
                errors.append(f"{label}: aliases must not contain an empty name")
            owners.setdefault(alias.lower(), []).append(label)
        if state == "present":
            errors.extend(_validate_present(spec, label))
    for alias, labels in owners.items():
        if len(labels) > 1:
            errors.append(
                f"alias {alias} is declared more than once ({', '.join(labels)}); "
                "an alias belongs to one distribution only"
            )
    if state == "present":
        errors.extend(validate_secret_header(secret_header))
    return errors


# ------------------------------------------------------------------------------------------------ comparable form


def _items(wrapper):
    return list((wrapper or {}).get("Items") or [])


def _quantity(items, **extra):
    return dict(Quantity=len(items), Items=list(items), **extra)


def _headers(headers):
    return sorted(({"name": h["name"], "value": h["value"]} for h in headers), key=lambda h: h["name"].lower())


def _logging_bucket(bucket):
    """A bucket name or domain as CloudFront wants it (``<bucket>.s3.amazonaws.com``)."""
    return bucket if bucket.endswith(".amazonaws.com") else f"{bucket}.s3.amazonaws.com"


def _desired_behavior(behavior, origin_id, path_pattern=None):
    result = {"path_pattern": path_pattern} if path_pattern is not None else {}
    result.update(
        target_origin_id=origin_id,
        viewer_protocol_policy=behavior["viewer_protocol_policy"],
        allowed_methods=_methods(behavior["allowed_methods"]),
        cached_methods=_methods(behavior["cached_methods"]),
        compress=behavior["compress"],
        cache_policy_id=behavior["cache_policy_id"],
        origin_request_policy_id=behavior["origin_request_policy_id"] or "",
        response_headers_policy_id=behavior["response_headers_policy_id"] or "",
        unmanaged=[],
    )
    return result


def desired_config(spec, secret_header):
    """Comparable form of a declared distribution (state=present)."""
    origin = spec["origin"]
    if spec["certificate_arn"]:
        certificate = {
            "acm_certificate_arn": spec["certificate_arn"],
            "ssl_support_method": spec["ssl_support_method"],
            "minimum_protocol_version": spec["minimum_protocol_version"],
        }
    else:
        certificate = {"cloudfront_default_certificate": True}
    logging = spec["logging"]
    if logging is not None:
        logging = {
            "bucket": _logging_bucket(logging["bucket"]),
            "prefix": logging["prefix"] or "",
            "include_cookies": logging["include_cookies"],
        }
    return {
        "comment": spec["name"],
        "enabled": spec["enabled"],
        "aliases": sorted({a.lower() for a in spec["aliases"]}),
        "default_root_object": spec["default_root_object"] or "",
        "price_class": spec["price_class"],
        "http_version": spec["http_version"],
        "ipv6": spec["ipv6"],
        "web_acl_id": spec["web_acl_id"] or "",
        "viewer_certificate": certificate,
        "logging": logging,
        "origins": [
            {
                "id": origin["id"],
                "domain_name": origin["domain_name"].lower(),
                "origin_path": "",
                "protocol_policy": origin["protocol_policy"],
                "ssl_protocols": sorted(set(origin["ssl_protocols"])),
                "read_timeout": origin["read_timeout"],
                "keepalive_timeout": origin["keepalive_timeout"],
                "http_port": origin["http_port"],
                "https_port": origin["https_port"],
                "connection_attempts": origin["connection_attempts"],
                "connection_timeout": origin["connection_timeout"],
                "custom_headers": _headers([secret_header] if secret_header else []),
                "unmanaged": [],
            }
        ],
        "default_behavior": _desired_behavior(spec["default_behavior"], origin["id"]),
        "behaviors": [_desired_behavior(b, origin["id"], b["path_pattern"]) for b in spec["behaviors"] or []],
    }


def _unmanaged_behavior_settings(behavior):
    """Settings of a cache behaviour this module does not manage (and would remove) that are in use."""
    used = {
        "LambdaFunctionAssociations": (behavior.get("LambdaFunctionAssociations") or {}).get("Quantity"),
        "FunctionAssociations": (behavior.get("FunctionAssociations") or {}).get("Quantity"),
        "TrustedSigners": (behavior.get("TrustedSigners") or {}).get("Enabled"),
        "TrustedKeyGroups": (behavior.get("TrustedKeyGroups") or {}).get("Enabled"),
        "FieldLevelEncryptionId": behavior.get("FieldLevelEncryptionId"),
        "RealtimeLogConfigArn": behavior.get("RealtimeLogConfigArn"),
        "SmoothStreaming": behavior.get("SmoothStreaming"),
        "GrpcConfig": (behavior.get("GrpcConfig") or {}).get("Enabled"),
    }
    return sorted(name for name, value in used.items() if value)


def _normalize_behavior(behavior, with_path):
    # ForwardedValues and the TTLs are ignored: they only matter without a cache policy, and then
    # cache_policy_id differs anyway (moto also echoes them next to a cache policy, AWS does not).
    methods = behavior.get("AllowedMethods") or {}
    result = {"path_pattern": behavior.get("PathPattern")} if with_path else {}
    result.update(
        target_origin_id=behavior.get("TargetOriginId"),
        viewer_protocol_policy=behavior.get("ViewerProtocolPolicy"),
        allowed_methods=_methods(_items(methods)) or ["GET", "HEAD"],
        cached_methods=_methods(_items(methods.get("CachedMethods"))) or ["GET", "HEAD"],
        compress=bool(behavior.get("Compress")),
        cache_policy_id=behavior.get("CachePolicyId") or "",
        origin_request_policy_id=behavior.get("OriginRequestPolicyId") or "",
        response_headers_policy_id=behavior.get("ResponseHeadersPolicyId") or "",
        unmanaged=_unmanaged_behavior_settings(behavior),
    )
    return result


def _normalize_origin(origin):
    custom = origin.get("CustomOriginConfig") or {}
    used = {
        "S3OriginConfig": origin.get("S3OriginConfig"),
        "VpcOriginConfig": origin.get("VpcOriginConfig"),
        "OriginAccessControlId": origin.get("OriginAccessControlId"),
        "OriginShield": (origin.get("OriginShield") or {}).get("Enabled"),
        "OriginMtlsConfig": custom.get("OriginMtlsConfig"),
    }
    return {
        "id": origin.get("Id"),
        "domain_name": (origin.get("DomainName") or "").lower(),
        "origin_path": origin.get("OriginPath") or "",
        "protocol_policy": custom.get("OriginProtocolPolicy"),
        "ssl_protocols": sorted(_items(custom.get("OriginSslProtocols"))),
        "read_timeout": custom.get("OriginReadTimeout", 30),
        "keepalive_timeout": custom.get("OriginKeepaliveTimeout", 5),
        "http_port": custom.get("HTTPPort"),
        "https_port": custom.get("HTTPSPort"),
        "connection_attempts": origin.get("ConnectionAttempts", 3),
        "connection_timeout": origin.get("ConnectionTimeout", 10),
        "custom_headers": _headers(
            {"name": h.get("HeaderName"), "value": h.get("HeaderValue")} for h in _items(origin.get("CustomHeaders"))
        ),
        "unmanaged": sorted(name for name, value in used.items() if value),
    }


def normalize_config(config):
    """Comparable form of a ``DistributionConfig`` as returned by ``GetDistributionConfig``."""
    certificate = config.get("ViewerCertificate") or {}
    if certificate.get("ACMCertificateArn"):
        # CloudFrontDefaultCertificate / CertificateSource are derived (and wrong in moto): ignored.
        viewer_certificate = {
            "acm_certificate_arn": certificate["ACMCertificateArn"],
            "ssl_support_method": certificate.get("SSLSupportMethod"),
            "minimum_protocol_version": certificate.get("MinimumProtocolVersion"),
        }
    elif certificate.get("IAMCertificateId"):
        viewer_certificate = {"iam_certificate_id": certificate["IAMCertificateId"]}
    else:
        viewer_certificate = {"cloudfront_default_certificate": True}
    logging = config.get("Logging") or {}
    if logging.get("Enabled"):
        logging = {
            "bucket": logging.get("Bucket") or "",
            "prefix": logging.get("Prefix") or "",
            "include_cookies": bool(logging.get("IncludeCookies")),
        }
    else:
        logging = None
    return {
        "comment": config.get("Comment") or "",
        "enabled": bool(config.get("Enabled")),
        "aliases": sorted({a.lower() for a in _items(config.get("Aliases"))}),
        "default_root_object": config.get("DefaultRootObject") or "",
        "price_class": config.get("PriceClass") or "PriceClass_All",
        "http_version": config.get("HttpVersion") or "http2",
        "ipv6": bool(config.get("IsIPV6Enabled")),
        "web_acl_id": config.get("WebACLId") or "",
        "viewer_certificate": viewer_certificate,
        "logging": logging,
        "origins": [_normalize_origin(o) for o in _items(config.get("Origins"))],
        "default_behavior": _normalize_behavior(config.get("DefaultCacheBehavior") or {}, False),
        "behaviors": [_normalize_behavior(b, True) for b in _items(config.get("CacheBehaviors"))],
    }


def header_values(comparable):
    """Every custom origin header value of a comparable config (to register as no_log values)."""
    return [h["value"] for origin in comparable["origins"] for h in origin["custom_headers"] if h["value"]]


# ------------------------------------------------------------------------------------------------ compare


def _field_changes(prefix, current, desired):
    return [f"{prefix} {key}" for key in desired if current.get(key) != desired[key]]


def _origin_changes(current, desired, secret_name):
    if [o["id"] for o in current] != [o["id"] for o in desired]:
        return ["origins"]
    changes = []
    for cur, want in zip(current, desired):
        prefix = f"origin {want['id']}"
        changes.extend(_field_changes(prefix, cur, {k: v for k, v in want.items() if k != "custom_headers"}))
        cur_headers, want_headers = cur["custom_headers"], want["custom_headers"]
        if cur_headers == want_headers:
            continue
        if [h["name"] for h in cur_headers] != [h["name"] for h in want_headers]:
            changes.append(f"{prefix} custom header names")
            continue
        for cur_header, want_header in zip(cur_headers, want_headers):
            if cur_header["value"] != want_header["value"]:
                # The header name is never secret; the value never appears.
                is_secret = secret_name is not None and want_header["name"].lower() == secret_name.lower()
                changes.append(SECRET_CHANGE if is_secret else f"{prefix} custom header {want_header['name']} value")
    return changes


def config_changes(current, desired, secret_name=None):
    """Names of the settings that differ between two comparable configs (never a value)."""
    changes = []
    for key, wanted in desired.items():
        if key == "origins":
            changes.extend(_origin_changes(current["origins"], wanted, secret_name))
        elif key == "default_behavior":
            changes.extend(_field_changes("default_behavior", current[key], wanted))
        elif key == "behaviors":
            if [b["path_pattern"] for b in current[key]] != [b["path_pattern"] for b in wanted]:
                changes.append("behaviors (path patterns or their order)")
            else:
                for cur, want in zip(current[key], wanted):
                    changes.extend(_field_changes(f"behavior {want['path_pattern']}", cur, want))
        elif current.get(key) != wanted:
            changes.append(key)
    return changes


def public_view(comparable, rotated_header=None):
    """The comparable config with every custom header value masked (for diffs).

    ``rotated_header`` names a header whose value changed; it is shown as ROTATED_MASK.
    """
    if comparable is None:
        return None
    view = copy.deepcopy(comparable)
    for origin in view["origins"]:
        origin["custom_headers"] = {
            h["name"]: ROTATED_MASK if rotated_header and h["name"].lower() == rotated_header.lower() else MASK
            for h in origin["custom_headers"]
        }
    return view


# ------------------------------------------------------------------------------------------------ boto3 shapes


def _build_behavior(behavior):
    result = {"PathPattern": behavior["path_pattern"]} if "path_pattern" in behavior else {}
    result.update(
        TargetOriginId=behavior["target_origin_id"],
        ViewerProtocolPolicy=behavior["viewer_protocol_policy"],
        AllowedMethods=_quantity(behavior["allowed_methods"], CachedMethods=_quantity(behavior["cached_methods"])),
        Compress=behavior["compress"],
        CachePolicyId=behavior["cache_policy_id"],
        TrustedSigners={"Enabled": False, "Quantity": 0},
        TrustedKeyGroups={"Enabled": False, "Quantity": 0},
        SmoothStreaming=False,
        LambdaFunctionAssociations={"Quantity": 0},
        FunctionAssociations={"Quantity": 0},
        FieldLevelEncryptionId="",
    )
    optional_policies = (
        ("OriginRequestPolicyId", "origin_request_policy_id"),
        ("ResponseHeadersPolicyId", "response_headers_policy_id"),
    )
    for key, option in optional_policies:
        if behavior[option]:
            result[key] = behavior[option]
    return result


def _build_origin(origin):
    return {
        "Id": origin["id"],
        "DomainName": origin["domain_name"],
        "OriginPath": origin["origin_path"],
        "CustomHeaders": _quantity(
            [{"HeaderName": h["name"], "HeaderValue": h["value"]} for h in origin["custom_headers"]]
        ),
        "CustomOriginConfig": {
            "HTTPPort": origin["http_port"],
            "HTTPSPort": origin["https_port"],
            "OriginProtocolPolicy": origin["protocol_policy"],
            "OriginSslProtocols": _quantity(origin["ssl_protocols"]),
            "OriginReadTimeout": origin["read_timeout"],
            "OriginKeepaliveTimeout": origin["keepalive_timeout"],
        },
        "ConnectionAttempts": origin["connection_attempts"],
        "ConnectionTimeout": origin["connection_timeout"],
        "OriginShield": {"Enabled": False},
    }


def _build_certificate(certificate):
    if "acm_certificate_arn" not in certificate:
        return {"CloudFrontDefaultCertificate": True}
    return {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": certificate["acm_certificate_arn"],
        "SSLSupportMethod": certificate["ssl_support_method"],
        "MinimumProtocolVersion": certificate["minimum_protocol_version"],
    }


def build_config(desired, current_config=None, caller_reference=None):
    """The ``DistributionConfig`` to send: ``current_config`` (kept for the settings this module does not
    manage, such as custom error responses or geo restrictions) with every managed setting replaced."""
    config = copy.deepcopy(current_config) if current_config else {"CallerReference": caller_reference}
    logging = desired["logging"] or {"bucket": "", "prefix": "", "include_cookies": False}
    config.update(
        Comment=desired["comment"],
        Enabled=desired["enabled"],
        Aliases=_quantity(desired["aliases"]),
        DefaultRootObject=desired["default_root_object"],
        Origins=_quantity([_build_origin(o) for o in desired["origins"]]),
        DefaultCacheBehavior=_build_behavior(desired["default_behavior"]),
        CacheBehaviors=_quantity([_build_behavior(b) for b in desired["behaviors"]]),
        Logging={
            "Enabled": desired["logging"] is not None,
            "IncludeCookies": logging["include_cookies"],
            "Bucket": logging["bucket"],
            "Prefix": logging["prefix"],
        },
        PriceClass=desired["price_class"],
        ViewerCertificate=_build_certificate(desired["viewer_certificate"]),
        WebACLId=desired["web_acl_id"],
        HttpVersion=desired["http_version"],
        IsIPV6Enabled=desired["ipv6"],
    )
    return config


# ------------------------------------------------------------------------------------------------ identity


def index_distributions(summaries):
    """``(by_alias, by_comment)`` of ListDistributions summaries; by_comment only holds alias-less ones."""
    by_alias, by_comment = {}, {}
    for summary in summaries:
        aliases = _items(summary.get("Aliases"))
        for alias in aliases:
            by_alias[alias.lower()] = summary
        if not aliases:
            by_comment.setdefault(summary.get("Comment") or "", []).append(summary)
    return by_alias, by_comment


def find_distribution(spec, index, label):
    """``(summary or None, errors)``: the distribution holding the first alias (alias-less: comment == name)."""
    by_alias, by_comment = index
    aliases = [a.lower() for a in spec["aliases"]]
    errors = []
    if aliases:
        found = by_alias.get(aliases[0])
    else:
        candidates = by_comment.get(spec["name"], [])
        if len(candidates) > 1:
            ids = ", ".join(c["Id"] for c in candidates)
            errors.append(f"{label}: several distributions without aliases have the comment {spec['name']!r} ({ids})")
        found = candidates[0] if candidates else None
    for alias in aliases[1:]:
        owner = by_alias.get(alias)
        if owner is not None and (found is None or owner["Id"] != found["Id"]):
            errors.append(
                f"{label}: alias {alias} belongs to distribution {owner['Id']} "
                f"({owner.get('Comment') or 'no comment'}), "
                f"which does not hold the first alias {aliases[0]}; remove the alias from that distribution first"
            )
    return found, errors
