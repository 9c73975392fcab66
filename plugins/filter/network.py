# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the network role: its input check and the plans of its module calls.

How subnets come from the inventory, all in this file: ``network_problems`` checks the five network_*
addressing variables before any API call, ``network_subnet_plan`` turns them into one entry per subnet
(tier, zone, CIDR, Name), ``network_subnet_specs`` is the ``subnets`` option of rocketclub.platform.vpc_subnets,
and ``network_registered_subnets`` puts the ids that module returned on the plan entries. The role calls
them from roles/network/vars/main.yml (``__network_subnet_problems``, ``__network_subnet_plan``,
``__network_subnets``).
"""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input

# The subnet tiers and the inventory variable giving one CIDR per availability zone for each.
SUBNET_TIERS = (
    ("public", "network_public_subnet_cidrs"),
    ("private-app", "network_private_app_subnet_cidrs"),
    ("private-data", "network_private_data_subnet_cidrs"),
)


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
    for dummy, tier in SUBNET_TIERS:
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


def network_subnet_plan(config, name_prefix):
    """One entry per subnet: tier, availability zone, CIDR and Name tag, in a stable order."""
    zones = config.get("network_availability_zones") or []
    plan = []
    for tier, varname in SUBNET_TIERS:
        cidrs = config.get(varname) or []
        if len(cidrs) != len(zones):
            raise AnsibleFilterError(f"{varname}: expected one CIDR per availability zone")
        for zone, cidr in zip(zones, cidrs):
            plan.append(
                {
                    "tier": tier,
                    "az": zone,
                    "cidr": cidr,
                    "name": f"{name_prefix}-{tier}-{zone[-1]}",
                }
            )
    return plan


def network_subnet_specs(plan):
    """The ``subnets`` option of rocketclub.platform.vpc_subnets for a subnet plan: public subnets map
    public IPs on launch, every subnet carries its tier in the ``platform:tier`` tag."""
    return [
        {
            "name": s["name"],
            "cidr": s["cidr"],
            "az": s["az"],
            "map_public": s["tier"] == "public",
            "tags": {"platform:tier": s["tier"]},
        }
        for s in plan
    ]


def network_registered_subnets(plan, subnets):
    """The subnet plan entries, each with the id rocketclub.platform.vpc_subnets returned for it (in check
    mode ``pending:subnet/<name>`` for a subnet to be created)."""
    ids = {s["name"]: s.get("id") for s in subnets or []}
    return [dict(entry, id=ids.get(entry["name"])) for entry in plan]


def network_nat_plan(subnets, nat_mode, name_prefix):
    """NAT gateways to declare: none, one in the first public subnet, or one per public subnet."""
    if nat_mode not in ("none", "single", "per_az"):
        raise AnsibleFilterError(f"network_nat_mode: {nat_mode!r} is not one of none, single, per_az")
    public = [s for s in subnets if s["tier"] == "public"]
    if nat_mode == "none":
        public = []
    elif nat_mode == "single":
        public = public[:1]
    return [{"name": f"{name_prefix}-nat-{s['az'][-1]}", "subnet_id": s["id"]} for s in public]


def network_route_table_plan(subnets, nat_gateways, igw_id, name_prefix, parked=False):
    """Route tables (the ``route_tables`` option of rocketclub.platform.vpc_route_tables): public (default
    route to the IGW, ``igw`` for the VPC's own), private-app per AZ (default route to the NAT of that AZ,
    or of the single NAT), private-data (no default route: the database tier never reaches the internet).
    ``parked``: the private-app routes are left as they are (their NAT gateways are deleted on purpose)."""
    plan = [
        {
            "name": f"{name_prefix}-public",
            "tags": {"platform:tier": "public"},
            "subnets": [s["id"] for s in subnets if s["tier"] == "public"],
            "routes": [{"dest": "0.0.0.0/0", "gateway_id": igw_id}],
        }
    ]
    az_of_subnet = {s["id"]: s["az"] for s in subnets}
    nat_by_az = {az_of_subnet.get(n["subnet_id"]): n["nat_gateway_id"] for n in nat_gateways}
    any_nat = nat_gateways[0]["nat_gateway_id"] if nat_gateways else None
    for subnet in (s for s in subnets if s["tier"] == "private-app"):
        nat = nat_by_az.get(subnet["az"], any_nat)
        routes = [{"dest": "0.0.0.0/0", "nat_gateway_id": nat}] if nat else []
        plan.append(
            {
                "name": f"{name_prefix}-private-app-{subnet['az'][-1]}",
                "tags": {"platform:tier": "private-app"},
                "subnets": [subnet["id"]],
                "routes": None if parked else routes,
            }
        )
    plan.append(
        {
            "name": f"{name_prefix}-private-data",
            "tags": {"platform:tier": "private-data"},
            "subnets": [s["id"] for s in subnets if s["tier"] == "private-data"],
            "routes": [],
        }
    )
    return plan


def network_security_group_ids(sg_results):
    """Map each security group's role (alb, ecs, aurora, endpoints) to its id: from the registered result of
    rocketclub.platform.security_groups (its ``group_ids``; in check mode ``pending:security-group/<name>`` for a
    group to be created), or from the ``results`` of an amazon.aws.ec2_security_group loop."""
    if isinstance(sg_results, dict):
        return dict(sg_results["group_ids"])
    return {r["item"]["role"]: r.get("group_id") for r in sg_results}


def network_private_route_table_ids(route_tables):
    """IDs of the private route tables (private-app, private-data) of a vpc_route_tables result."""
    return [t["route_table_id"] for t in route_tables if (t.get("tags") or {}).get("platform:tier") != "public"]


def network_endpoint_plan(gateway_services, interface_services, route_table_ids, subnets, security_groups):
    """Endpoint list for rocketclub.platform.vpc_endpoints: gateway endpoints on the private route
    tables, interface endpoints in the private-app subnets behind the endpoints security group.
    ``security_groups``: the security group ids by role, or what network_security_group_ids maps."""
    if not isinstance(security_groups, dict):
        security_groups = network_security_group_ids(security_groups)
    endpoint_sgs = [security_groups["endpoints"]]
    app_subnets = [s["id"] for s in subnets if s["tier"] == "private-app"]
    plan = [{"service": name, "type": "Gateway", "route_table_ids": list(route_table_ids)} for name in gateway_services]
    plan += [
        {"service": name, "type": "Interface", "subnet_ids": app_subnets, "security_group_ids": endpoint_sgs}
        for name in interface_services
    ]
    return plan


class FilterModule:
    """Filters of the network role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "network_problems": network_problems,
                "network_subnet_plan": network_subnet_plan,
                "network_subnet_specs": network_subnet_specs,
                "network_registered_subnets": network_registered_subnets,
                "network_nat_plan": network_nat_plan,
                "network_route_table_plan": network_route_table_plan,
                "network_security_group_ids": network_security_group_ids,
                "network_private_route_table_ids": network_private_route_table_ids,
                "network_endpoint_plan": network_endpoint_plan,
            }
        )
