# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the dns role: its input checks and the Cloudflare records of the application hosts."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input


def dns_records(apps, distributions, validation_records, alb_dns_name=None):
    """Records for rocketclub.platform.cloudflare_dns_record: a proxied CNAME per application host to
    its distribution (edge topology cloudfront) or, given ``alb_dns_name``, to the ALB (topology cloudflare),
    and the ACM validation CNAMEs (DNS only: ACM must resolve them itself)."""
    if alb_dns_name:
        targets = {app["name"]: (str(alb_dns_name).rstrip(".").lower(), "ALB") for app in apps}
    else:
        targets = {
            name: (distribution["domain_name"], "CloudFront")
            for name, distribution in distributions.items()
            if (distribution or {}).get("domain_name")
        }
    records = [
        {
            "name": app["host"],
            "type": "CNAME",
            "content": targets[app["name"]][0],
            "proxied": True,
            "comment": f"{app['name']} -> {targets[app['name']][1]} (rocketclub.platform)",
        }
        for app in apps
        if app["name"] in targets
    ]
    seen = set()
    for record in validation_records:
        name = str(record["name"]).rstrip(".").lower()
        if name in seen:
            continue
        seen.add(name)
        records.append(
            {
                "name": name,
                "type": "CNAME",
                "content": str(record["value"]).rstrip(".").lower(),
                "proxied": False,
                "comment": "ACM DNS validation (rocketclub.platform)",
            }
        )
    return records


def dns_zone_problems(hosts, zone):
    """Every application host must be in the Cloudflare zone."""
    zone = str(zone or "").rstrip(".").lower()
    if not zone:
        return ["dns_zone (cloudflare_zone): empty; give the Cloudflare zone name, e.g. rocketclub.online"]
    return [
        f"platform_apps host {host!r} is not in the Cloudflare zone {zone!r} (dns_zone / cloudflare_zone)"
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
                f"platform_apps[{index}].host: {app.get('host')!r} is a proxied host {len(labels)} labels below the "
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
    """Filters of the dns role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "dns_records": dns_records,
                "dns_zone_problems": dns_zone_problems,
                "dns_edge_problems": dns_edge_problems,
            }
        )
