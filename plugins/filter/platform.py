# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data-shaping filters for the platform roles.

They turn the inventory's flat, per-tier variables into the lists one module call (or one loop)
consumes, so the roles stay free of long Jinja chains.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

_TIERS = (
    ("public", "network_public_subnet_cidrs"),
    ("private-app", "network_private_app_subnet_cidrs"),
    ("private-data", "network_private_data_subnet_cidrs"),
)


def network_subnet_plan(config, name_prefix):
    """One entry per subnet: tier, availability zone, CIDR and Name tag, in a stable order."""
    zones = config.get("network_availability_zones") or []
    plan = []
    for tier, varname in _TIERS:
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
    return [
        t["route_table_id"] for t in route_tables if (t.get("tags") or {}).get("platform:tier") != "public"
    ]


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


def alb_target_group_arns(tg_results, existing=None, name_prefix=""):
    """Map each application's name to its target group ARN.

    In check mode elb_target_group returns no ARN; ``existing`` (elb_target_group_info's
    target_groups) fills those in, and a group check mode only predicts stays None.
    """
    by_name = {g["target_group_name"]: g["target_group_arn"] for g in existing or []}
    return {
        r["item"]["name"]: r.get("target_group_arn") or by_name.get(f"{name_prefix}-{r['item']['name']}")
        for r in tg_results
    }


def alb_rule_apps(apps, target_group_arns, settings=None):
    """The application list of rocketclub.platform.kinde_oidc_rules; ``settings`` (scope, session
    options) apply to every application."""
    return [
        dict(
            settings or {},
            name=app["name"],
            hosts=[app["host"]],
            priority=int(app["priority"]),
            target_group_arn=target_group_arns[app["name"]],
        )
        for app in apps
    ]


def secrets_module_input(entries):
    """Shape the secrets catalogue for rocketclub.platform.secretsmanager_secrets.

    `shared` is a naming-convention marker, not a module option: shared secrets are tagged
    `platform:env=shared` instead of the environment.
    """
    shaped = []
    for entry in entries:
        item = {k: v for k, v in entry.items() if k != "shared"}
        if entry.get("shared"):
            item["tags"] = dict(entry.get("tags") or {}, **{"platform:env": "shared"})
        shaped.append(item)
    return shaped


class FilterModule:
    """Platform data-shaping filters."""

    def filters(self):
        return {
            "network_subnet_plan": network_subnet_plan,
            "network_subnet_specs": network_subnet_specs,
            "network_registered_subnets": network_registered_subnets,
            "network_private_route_table_ids": network_private_route_table_ids,
            "network_nat_plan": network_nat_plan,
            "network_route_table_plan": network_route_table_plan,
            "network_endpoint_plan": network_endpoint_plan,
            "network_security_group_ids": network_security_group_ids,
            "secrets_module_input": secrets_module_input,
            "alb_target_group_arns": alb_target_group_arns,
            "alb_rule_apps": alb_rule_apps,
        }
