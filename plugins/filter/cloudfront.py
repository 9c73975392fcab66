# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the cloudfront role: its input check and the specs of its distributions."""

from __future__ import annotations

import re

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import acm_certificate_region
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input

# A CloudFront path pattern: starts with '/', no spaces.
_PATH_PATTERN = re.compile(r"^/[^\s]*$")
_WEB_ACL_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/[0-9a-f-]+$")


def _behavior(path, cache_policy_id, origin_request_policy_id, static):
    behavior = {
        "path_pattern": path,
        "cache_policy_id": cache_policy_id,
        "origin_request_policy_id": origin_request_policy_id,
    }
    if static:
        behavior.update(allowed_methods=["GET", "HEAD"], cached_methods=["GET", "HEAD"])
    return behavior


def cloudfront_distribution_ref(app):
    """The part of a distribution spec that finds an application's distribution (its name and alias): what
    rocketclub.platform.cloudfront_distributions needs with ``state: absent``."""
    return {"name": app["name"], "aliases": [app["host"]]}


def cloudfront_distribution_specs(apps, settings):
    """The ``distributions`` option of rocketclub.platform.cloudfront_distributions: one per
    application host, the ALB as origin, static paths cached, everything else forwarded whole."""
    dynamic = [
        _behavior(p, settings["uncached_policy_id"], settings["all_viewer_policy_id"], False)
        for p in settings["dynamic_paths"]
    ]
    static = [
        _behavior(p, settings["static_cache_policy_id"], settings["static_origin_policy_id"], True)
        for p in settings["static_paths"]
    ]
    specs = []
    for app in apps:
        spec = {
            "name": app["name"],
            "aliases": [app["host"]],
            "certificate_arn": settings["certificate_arn"],
            "minimum_protocol_version": settings["minimum_protocol_version"],
            "origin": {
                "domain_name": settings["origin_domain_name"],
                "read_timeout": int(settings["origin_read_timeout"]),
            },
            "default_behavior": {
                "cache_policy_id": settings["uncached_policy_id"],
                "origin_request_policy_id": settings["all_viewer_policy_id"],
            },
            # Static paths first: CloudFront takes the first pattern that matches.
            "behaviors": static + dynamic,
            "http_version": settings["http_version"],
            "ipv6": bool(settings["ipv6"]),
            "price_class": settings["price_class"],
            "tags": {"platform:app": app["name"]},
        }
        if settings.get("web_acl_id"):
            spec["web_acl_id"] = settings["web_acl_id"]
        if settings.get("logging_bucket"):
            spec["logging"] = {
                "bucket": settings["logging_bucket"],
                "prefix": f"{settings.get('logging_prefix') or ''}{app['name']}/",
            }
        specs.append(spec)
    return specs


def cloudfront_problems(config):
    """Check the cloudfront role's behaviour paths, TTLs, certificate and web ACL."""
    problems = []
    dynamic, static = list(config.get("dynamic_paths") or []), list(config.get("static_paths") or [])
    for var, paths in (("cloudfront_dynamic_paths", dynamic), ("cloudfront_static_paths", static)):
        for path in paths:
            if not _PATH_PATTERN.match(str(path)):
                problems.append(
                    f"{var}: {path!r} is not a CloudFront path pattern (starts with '/', no spaces, e.g. /static/*)"
                )
    for path in sorted(set(dynamic) & set(static)):
        problems.append(
            f"cloudfront_static_paths: {path!r} is also in cloudfront_dynamic_paths; a path takes one behaviour"
        )
    ttls = {key: config.get(key) for key in ("min_ttl", "default_ttl", "max_ttl")}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ttls.values()):
        problems.append(f"cloudfront_static_min_ttl / _default_ttl / _max_ttl: whole seconds >= 0 expected, got {ttls}")
    elif not ttls["min_ttl"] <= ttls["default_ttl"] <= ttls["max_ttl"]:
        problems.append(
            "cloudfront_static_min_ttl <= cloudfront_static_default_ttl <= cloudfront_static_max_ttl must hold, got "
            f"{ttls['min_ttl']} / {ttls['default_ttl']} / {ttls['max_ttl']}"
        )
    cert = config.get("certificate_arn") or ""
    if cert and acm_certificate_region(cert) != "us-east-1":
        problems.append(
            f"cloudfront_certificate_arn: {cert!r} is not an ACM certificate ARN in us-east-1 "
            "(CloudFront only uses those)"
        )
    acl = config.get("web_acl_id") or ""
    if acl and not _WEB_ACL_ARN.match(acl):
        problems.append(
            f"cloudfront_web_acl_id: {acl!r} is not a WAFv2 web ACL ARN of scope CLOUDFRONT "
            "(arn:aws:wafv2:us-east-1:...:global/webacl/...)"
        )
    return problems


class FilterModule:
    """Filters of the cloudfront role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "cloudfront_distribution_ref": cloudfront_distribution_ref,
                "cloudfront_distribution_specs": cloudfront_distribution_specs,
                "cloudfront_problems": cloudfront_problems,
            }
        )
