# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The public edge: CloudFront distribution specs, their input checks, and Cloudflare records.

Pure functions of the role inputs and the facts earlier roles published.
"""

from __future__ import annotations

import re

# A CloudFront path pattern: starts with '/', no spaces.
_PATH_PATTERN = re.compile(r"^/[^\s]*$")
_CERT_ARN = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$")
_WEB_ACL_ARN = re.compile(r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/[0-9a-f-]+$")


def _behavior(path, cache_policy_id, origin_request_policy_id, static):
    behavior = {"path_pattern": path, "cache_policy_id": cache_policy_id, "origin_request_policy_id": origin_request_policy_id}
    if static:
        behavior.update(allowed_methods=["GET", "HEAD"], cached_methods=["GET", "HEAD"])
    return behavior


def cloudfront_distribution_specs(apps, settings):
    """The ``distributions`` option of rocketclub.platform.cloudfront_distributions: one per
    application host, the ALB as origin, static paths cached, everything else forwarded whole."""
    dynamic = [_behavior(p, settings["uncached_policy_id"], settings["all_viewer_policy_id"], False) for p in settings["dynamic_paths"]]
    static = [_behavior(p, settings["static_cache_policy_id"], settings["static_origin_policy_id"], True) for p in settings["static_paths"]]
    specs = []
    for app in apps:
        spec = {
            "name": app["name"],
            "aliases": [app["host"]],
            "certificate_arn": settings["certificate_arn"],
            "minimum_protocol_version": settings["minimum_protocol_version"],
            "origin": {"domain_name": settings["origin_domain_name"], "read_timeout": int(settings["origin_read_timeout"])},
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
            spec["logging"] = {"bucket": settings["logging_bucket"], "prefix": f"{settings.get('logging_prefix') or ''}{app['name']}/"}
        specs.append(spec)
    return specs


def cloudfront_problems(config):
    """Check the cloudfront role's behaviour paths, TTLs, certificate and web ACL."""
    problems = []
    dynamic, static = list(config.get("dynamic_paths") or []), list(config.get("static_paths") or [])
    for var, paths in (("cloudfront_dynamic_paths", dynamic), ("cloudfront_static_paths", static)):
        for path in paths:
            if not _PATH_PATTERN.match(str(path)):
                problems.append(f"{var}: {path!r} is not a CloudFront path pattern (starts with '/', no spaces, e.g. /static/*)")
    for path in sorted(set(dynamic) & set(static)):
        problems.append(f"cloudfront_static_paths: {path!r} is also in cloudfront_dynamic_paths; a path takes one behaviour")
    ttls = {key: config.get(key) for key in ("min_ttl", "default_ttl", "max_ttl")}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ttls.values()):
        problems.append(f"cloudfront_static_min_ttl / _default_ttl / _max_ttl: whole seconds >= 0 expected, got {ttls}")
    elif not ttls["min_ttl"] <= ttls["default_ttl"] <= ttls["max_ttl"]:
        problems.append(
            "cloudfront_static_min_ttl <= cloudfront_static_default_ttl <= cloudfront_static_max_ttl must hold, got "
            f"{ttls['min_ttl']} / {ttls['default_ttl']} / {ttls['max_ttl']}"
        )
    cert = config.get("certificate_arn") or ""
    if cert and not _CERT_ARN.match(cert):
        problems.append(f"cloudfront_certificate_arn: {cert!r} is not an ACM certificate ARN in us-east-1 (CloudFront only uses those)")
    acl = config.get("web_acl_id") or ""
    if acl and not _WEB_ACL_ARN.match(acl):
        problems.append(f"cloudfront_web_acl_id: {acl!r} is not a WAFv2 web ACL ARN of scope CLOUDFRONT (arn:aws:wafv2:us-east-1:...:global/webacl/...)")
    return problems


def dns_records(apps, distributions, validation_records):
    """Records for rocketclub.platform.cloudflare_dns_record: a proxied CNAME per application host to
    its distribution, and the ACM validation CNAMEs (DNS only: ACM must resolve them itself)."""
    records = [
        {"name": app["host"], "type": "CNAME", "content": distributions[app["name"]]["domain_name"], "proxied": True,
         "comment": f"{app['name']} -> CloudFront (rocketclub.platform)"}
        for app in apps
        if (distributions.get(app["name"]) or {}).get("domain_name")
    ]
    seen = set()
    for record in validation_records:
        name = str(record["name"]).rstrip(".").lower()
        if name in seen:
            continue
        seen.add(name)
        records.append({"name": name, "type": "CNAME", "content": str(record["value"]).rstrip(".").lower(), "proxied": False,
                        "comment": "ACM DNS validation (rocketclub.platform)"})
    return records


def dns_zone_problems(hosts, zone):
    """Every application host must be in the Cloudflare zone."""
    zone = str(zone or "").rstrip(".").lower()
    if not zone:
        return ["dns_zone (cloudflare_zone): empty; give the Cloudflare zone name, e.g. rocketclub.online"]
    return [
        f"alb_apps host {host!r} is not in the Cloudflare zone {zone!r} (dns_zone / cloudflare_zone)"
        for host in hosts
        if not (str(host).lower() == zone or str(host).lower().endswith("." + zone))
    ]


# Cloudflare SSL/TLS encryption modes the platform accepts: CloudFront answers only HTTPS for the
# origin connection to work; `off` and `flexible` make Cloudflare speak HTTP to it.
DNS_SSL_MODES = ("full", "strict")


def dns_edge_problems(apps, zone, advanced_certificate=False, ssl_mode="strict"):
    """Cloudflare edge checks of the application hosts and the zone's SSL/TLS encryption mode.

    Universal SSL covers the zone apex and names one label below it only
    (https://developers.cloudflare.com/ssl/edge-certificates/universal-ssl/limitations/); a proxied
    host deeper than that fails TLS at Cloudflare's edge unless the zone has an advanced (Advanced
    Certificate Manager, Total TLS) or custom certificate for it. Every application host is proxied.
    """
    problems = []
    zone = str(zone or "").rstrip(".").lower()
    if zone and not advanced_certificate:
        for index, app in enumerate(apps or []):
            host = str((app or {}).get("host") or "").rstrip(".").lower()
            if not host.endswith("." + zone):
                continue  # the apex, or outside the zone (dns_zone_problems says so)
            labels = host[: -len(zone) - 1].split(".")
            if len(labels) < 2:
                continue
            example = "-".join(labels) + "." + zone
            problems.append(
                f"alb_apps[{index}].host: {app.get('host')!r} is a proxied host {len(labels)} labels below the "
                f"Cloudflare zone {zone!r}; Universal SSL covers the zone and one label below it only, so "
                f"Cloudflare's edge would fail TLS for it. Use a one-label host such as {example}, or set "
                "dns_advanced_certificate: true after ordering an advanced certificate (Advanced Certificate "
                "Manager) or uploading a custom certificate that covers it"
            )
    mode = str(ssl_mode or "")
    if mode not in DNS_SSL_MODES:
        problems.append(
            f"dns_ssl_mode: {ssl_mode!r} is not one of {', '.join(DNS_SSL_MODES)}; with off or flexible Cloudflare "
            "reaches CloudFront over HTTP, which redirects to HTTPS, so every request loops. Use strict (the default)"
        )
    return problems


class FilterModule:
    """Edge (CloudFront, Cloudflare) filters."""

    def filters(self):
        return {
            "cloudfront_distribution_specs": cloudfront_distribution_specs,
            "cloudfront_problems": cloudfront_problems,
            "dns_records": dns_records,
            "dns_zone_problems": dns_zone_problems,
            "dns_edge_problems": dns_edge_problems,
        }
