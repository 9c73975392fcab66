# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Semantic input checks for the platform roles.

Each filter returns a list of problems, one sentence each, naming the inventory variable at
fault and what is expected. Roles assert the list is empty before any API call.
"""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

SUBNET_TIERS = (
    "network_public_subnet_cidrs",
    "network_private_app_subnet_cidrs",
    "network_private_data_subnet_cidrs",
)

# Secrets Manager: `<env>/<service>/<thing>[/<more>]` (source document 001).
_SECRET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*){2,}$")
# SSM Parameter Store: `/<env>/<namespace>/<resource>[/<more>]`.
_PARAMETER_NAME = re.compile(r"^(/[A-Za-z0-9][A-Za-z0-9_.-]*){3,}$")


def _parse_network(value, varname, problems):
    """Return an IPv4Network, or None after recording why the value is not one."""
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        problems.append(f"{varname}: {value!r} is not a valid IPv4 CIDR (expected e.g. 10.20.0.0/16)")
        return None
    if network.version != 4:
        problems.append(f"{varname}: {value!r} is IPv6; an IPv4 CIDR is expected (e.g. 10.20.0.0/16)")
        return None
    if str(network) != str(value).strip():
        problems.append(f"{varname}: {value!r} has host bits set or is not canonical; use {network}")
        return None
    return network


def network_problems(config, region):
    """Check the network role's CIDR and availability-zone inputs.

    ``config`` maps the inventory variable names (network_vpc_cidr, network_availability_zones and
    the three subnet lists) to their values.
    """
    if not isinstance(config, dict):
        raise AnsibleFilterError("network_problems expects a dict of network_* variables")
    problems = []
    vpc = _parse_network(config.get("network_vpc_cidr"), "network_vpc_cidr", problems)
    if vpc is not None and not 16 <= vpc.prefixlen <= 28:
        problems.append(f"network_vpc_cidr: /{vpc.prefixlen} is outside what a VPC accepts (/16 to /28)")
        vpc = None

    zones = config.get("network_availability_zones") or []
    if len(set(zones)) < 2:
        problems.append(
            f"network_availability_zones: {len(set(zones))} distinct zone(s) given; at least two are "
            "required (e.g. [eu-west-2a, eu-west-2b])"
        )
    if len(set(zones)) != len(zones):
        problems.append("network_availability_zones: a zone is listed twice; list each zone once")
    for index, zone in enumerate(zones):
        if not re.match(rf"^{re.escape(str(region))}[a-z]$", str(zone)):
            problems.append(
                f"network_availability_zones[{index}]: {zone!r} is not a zone of platform_region {region!r}"
            )

    seen = []
    for tier in SUBNET_TIERS:
        cidrs = config.get(tier) or []
        if len(cidrs) != len(zones):
            problems.append(
                f"{tier}: {len(cidrs)} CIDR(s) for {len(zones)} availability zone(s); give exactly one per zone"
            )
        for index, cidr in enumerate(cidrs):
            name = f"{tier}[{index}]"
            subnet = _parse_network(cidr, name, problems)
            if subnet is None:
                continue
            if not 16 <= subnet.prefixlen <= 28:
                problems.append(f"{name}: /{subnet.prefixlen} is outside what a subnet accepts (/16 to /28)")
            if vpc is not None and not subnet.subnet_of(vpc):
                problems.append(f"{name}: {subnet} is outside network_vpc_cidr {vpc}")
            for other_name, other in seen:
                if subnet.overlaps(other):
                    problems.append(f"{name}: {subnet} overlaps {other_name} {other}; subnets must not overlap")
            seen.append((name, subnet))
    return problems


def secret_name_problems(entries, env, varname, kind="secretsmanager"):
    """Check Secrets Manager or SSM names against the `${env}/service/thing` conventions.

    Entries marked ``shared: true`` are account-wide (source document 001's `blog-data/...`
    secrets) and must not carry an environment prefix; every other name must start with the
    environment's own prefix.
    """
    if kind not in ("secretsmanager", "ssm"):
        raise AnsibleFilterError(f"secret_name_problems: unknown kind {kind!r}")
    problems = []
    pattern = _SECRET_NAME if kind == "secretsmanager" else _PARAMETER_NAME
    prefix = f"{env}/" if kind == "secretsmanager" else f"/{env}/"
    example = f"{env}/backstage/database-url" if kind == "secretsmanager" else f"/{env}/infra/park_mode"
    names = []
    for index, entry in enumerate(entries or []):
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        label = f"{varname}[{index}].name"
        if not name:
            problems.append(f"{label}: missing; every entry needs a name such as {example!r}")
            continue
        if not pattern.match(name):
            problems.append(f"{label}: {name!r} does not follow the naming convention (e.g. {example!r})")
        elif entry.get("shared"):
            if name.startswith(prefix):
                problems.append(f"{label}: {name!r} is marked shared but carries the {prefix!r} environment prefix")
        elif not name.startswith(prefix):
            problems.append(
                f"{label}: {name!r} must start with {prefix!r} (the platform_env prefix), e.g. {example!r}"
            )
        if name in names:
            problems.append(f"{label}: {name!r} is declared twice")
        names.append(name)
    return problems


_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def alb_problems(apps, app_ports, domain, kinde_domain, origin_header_name):
    """Check the alb role's applications, Kinde domain and origin header name."""
    problems = []
    if not apps:
        problems.append("alb_apps: empty; declare at least one application (name, host, port, priority)")
    seen = {"name": {}, "host": {}, "priority": {}}
    for index, app in enumerate(apps or []):
        label = f"alb_apps[{index}]"
        missing = [key for key in ("name", "host", "port", "priority") if app.get(key) in (None, "")]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}")
            continue
        for key in seen:
            value = str(app[key]).lower()
            if value in seen[key]:
                shown = repr(app[key]) if isinstance(app[key], str) else app[key]
                problems.append(f"{label}.{key}: {shown} is already used by alb_apps[{seen[key][value]}]")
            seen[key].setdefault(value, index)
        host = str(app["host"]).lower()
        if any(c in host for c in "*?"):
            problems.append(f"{label}.host: {app['host']!r} contains a wildcard; give the exact host name")
        if domain and not (host == domain or host.endswith("." + str(domain))):
            problems.append(f"{label}.host: {app['host']!r} is not in platform_domain {domain!r}")
        if int(app["port"]) not in [int(p) for p in app_ports]:
            problems.append(
                f"{label}.port: {app['port']} is not one of network_app_ports {list(app_ports)}; "
                "the ECS security group would not admit it"
            )
        if not 1 <= int(app["priority"]) <= 50000:
            problems.append(f"{label}.priority: {app['priority']} is outside 1..50000")
    kinde = str(kinde_domain or "")
    if not kinde:
        problems.append("kinde_domain: empty; give the Kinde domain, e.g. acme.kinde.com")
    elif "://" in kinde and not kinde.lower().startswith("https://"):
        problems.append(f"kinde_domain: {kinde!r} is not HTTPS; the ALB only accepts https:// OIDC endpoints")
    if not _HEADER_NAME.match(str(origin_header_name or "")):
        problems.append(
            f"alb_origin_header_name: {origin_header_name!r} is not a plain header name (letters, digits, '-')"
        )
    return problems


class FilterModule:
    """Platform input validation filters."""

    def filters(self):
        return {
            "network_problems": network_problems,
            "secret_name_problems": secret_name_problems,
            "alb_problems": alb_problems,
        }
