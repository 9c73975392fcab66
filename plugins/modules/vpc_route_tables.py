# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: vpc_route_tables
version_added: 0.1.0
short_description: Manage all route tables of one VPC, their routes and subnet associations, and its internet gateway
description:
  - Declares the route tables of one VPC with their routes and subnet associations, and optionally the
    VPC's internet gateway, and reconciles them in one call. The whole VPC is read with one
    C(DescribeRouteTables) (routes and associations included) and, with O(internet_gateway), one
    C(DescribeInternetGateways); nothing is written when everything is already as declared.
  - A declared route table is the route table of the VPC whose C(Name) tag is O(route_tables[].name). Two
    route tables of the VPC with that name are an error.
  - A subnet declared in a route table but associated with another route table of the VPC is moved with
    C(ReplaceRouteTableAssociation), as AWS allows one route table per subnet.
  - Routes C(local) to the VPC, routes of VPC gateway endpoints (a prefix list destination) and propagated
    routes are never changed.
  - Every declared route table carries O(managed_tag). With O(purge_route_tables=true) the route tables of
    the VPC that carry O(managed_tag) but are no longer declared are deleted (their subnet associations
    first). Other route tables are never deleted.
  - In check mode a route table or internet gateway to be created is returned with a placeholder id
    (C(pending:route-table/<name>), C(pending:internet-gateway/<name>)). A VPC given as a placeholder
    (C(pending:vpc/<name>)) is not read; everything would be created. A subnet, NAT gateway or gateway given
    as a placeholder differs from whatever is live; its association or route would be created or replaced.
  - All input is validated before the first API call.
author:
  - rocketclub platform team (@rocketclub)
options:
  vpc_id:
    description:
      - ID of the VPC, or in check mode the placeholder of a VPC to be created.
    type: str
    required: true
  internet_gateway:
    description:
      - The internet gateway of the VPC. When given, an internet gateway is created and attached if none is
        attached to the VPC, and the attached one is tagged with O(tags), O(managed_tag) and the C(Name) tag
        O(internet_gateway.name).
      - When not given, the internet gateway is not changed (it is read only when a route refers to V(igw)).
    type: dict
    suboptions:
      name:
        description:
          - C(Name) tag of the internet gateway.
        type: str
        required: true
      tags:
        description:
          - Tags of the internet gateway, merged over O(tags).
        type: dict
        default: {}
  route_tables:
    description:
      - The route tables the VPC should have.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - C(Name) tag of the route table; identifies it in the VPC. Unique in the list.
        type: str
        required: true
      tags:
        description:
          - Tags of this route table, merged over O(tags); O(managed_tag) and the C(Name) tag win.
        type: dict
        default: {}
      subnets:
        description:
          - IDs of the subnets associated with the route table. A subnet may appear in one route table only.
          - With O(purge_subnets=true) the other subnet associations of the route table are removed (the
            subnet then uses the VPC's main route table).
        type: list
        elements: str
        default: []
      routes:
        description:
          - The routes of the route table besides its C(local) route.
          - V(null) (the default) leaves the routes as they are, for example while the NAT gateways they
            point to are deleted on purpose.
          - With O(purge_routes=true) other created routes of the route table are deleted.
        type: list
        elements: dict
        suboptions:
          dest:
            description:
              - Destination IPv4 (or IPv6) CIDR block.
            type: str
            required: true
          gateway_id:
            description:
              - Internet gateway (or virtual private gateway) ID, or V(igw) for the internet gateway of the VPC.
            type: str
          nat_gateway_id:
            description:
              - NAT gateway ID.
            type: str
  tags:
    description:
      - Tags of every route table and of the internet gateway.
    type: dict
    default: {}
    aliases: ["resource_tags"]
  purge_tags:
    description:
      - Remove tags that are not in the merged tags (tags starting with C(aws:) are kept).
    type: bool
    default: true
  purge_routes:
    description:
      - Delete the created routes of a declared route table (with O(route_tables[].routes) given) that are not declared.
    type: bool
    default: true
  purge_subnets:
    description:
      - Remove the subnet associations of a declared route table whose subnet is declared in no route table.
    type: bool
    default: true
  purge_route_tables:
    description:
      - Delete the route tables of the VPC that carry O(managed_tag) and are not declared.
    type: bool
    default: false
  managed_tag:
    description:
      - Tags marking the route tables and internet gateway this module manages; applied to them and used by
        O(purge_route_tables).
    type: dict
    default: {"platform:managed-by": "rocketclub.platform"}
notes:
  - Supports C(check_mode) (with placeholder ids for what would be created) and C(diff) mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Internet gateway, public and private route tables
  rocketclub.platform.vpc_route_tables:
    vpc_id: "{{ vpc_id }}"
    internet_gateway:
      name: prod-igw
    route_tables:
      - name: prod-public
        subnets: "{{ public_subnet_ids }}"
        routes:
          - dest: 0.0.0.0/0
            gateway_id: igw
      - name: prod-private-app-a
        subnets: ["{{ app_subnet_a }}"]
        routes:
          - dest: 0.0.0.0/0
            nat_gateway_id: "{{ nat_a }}"
      - name: prod-private-data
        subnets: "{{ data_subnet_ids }}"
        routes: []
    tags:
      platform:env: prod
  register: routing
"""

RETURN = r"""
internet_gateway:
  description: The internet gateway of the VPC (V(null) when there is none and O(internet_gateway) is not given).
  returned: always
  type: dict
  contains:
    gateway_id:
      description: Its ID; in check mode C(pending:internet-gateway/<name>) for one to be created.
      type: str
      sample: igw-0123456789abcdef0
    tags:
      description: Its tags.
      type: dict
      sample: {"Name": "prod-igw"}
    changed:
      description: Whether it was (or would be) created, attached or retagged.
      type: bool
      sample: false
route_tables:
  description: The declared route tables, in the order of O(route_tables).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the route table.
      returned: always
      type: str
      sample: prod-public
    route_table_id:
      description: Its ID; in check mode C(pending:route-table/<name>) for one to be created.
      returned: always
      type: str
      sample: rtb-0123456789abcdef0
    subnets:
      description: Sorted IDs of the subnets associated with it.
      returned: always
      type: list
      elements: str
      sample: ["subnet-0123456789abcdef0"]
    routes:
      description: Its created routes (not C(local), endpoint or propagated ones), sorted by destination.
      returned: always
      type: list
      elements: dict
      sample: [{"dest": "0.0.0.0/0", "gateway_id": "igw-0123456789abcdef0", "nat_gateway_id": null}]
    tags:
      description: Its tags.
      returned: always
      type: dict
      sample: {"Name": "prod-public"}
    changed:
      description: Whether it was (or would be) created or changed.
      returned: always
      type: bool
      sample: false
deleted:
  description: IDs of the route tables deleted by O(purge_route_tables) (in check mode, to be deleted).
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

from ansible_collections.rocketclub.platform.plugins.module_utils.aws_module import AnsibleAWSModule
from ansible_collections.rocketclub.platform.plugins.module_utils.ec2_tags import apply_ec2_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import paginate
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAGS
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import carries
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

# A resource created moments ago (the route table, the gateway, the NAT gateway, the subnet) can be
# invisible to the next call for a while: terraform-provider-aws retries these codes (ec2/vpc_route.go,
# ec2/vpc_route_table.go).
NOT_FOUND_CODES = [
    "InvalidRouteTableID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidNatGatewayID.NotFound",
    "InvalidGatewayID.NotFound",
    "InvalidSubnetID.NotFound",
]
IGW = "igw"
TARGETS = (("gateway_id", "GatewayId"), ("nat_gateway_id", "NatGatewayId"))


def describe_route_tables(client, vpc_id):
    return paginate(client, "describe_route_tables", "RouteTables", Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])


def describe_internet_gateways(client, vpc_id):
    filters = [{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    return paginate(client, "describe_internet_gateways", "InternetGateways", Filters=filters)


def tags_of(resource):
    return as_dict((resource or {}).get("Tags"))


def route_dest(route):
    return route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")


def managed_routes(table):
    """The routes of a boto3 RouteTable this module manages: created ones with a CIDR destination
    (not the local route, not a gateway endpoint's prefix-list route, not a propagated route)."""
    return [
        r
        for r in table.get("Routes") or []
        if route_dest(r) and r.get("Origin") != "EnableVgwRoutePropagation" and r.get("GatewayId") != "local"
    ]


def route_view(route):
    return {
        "dest": route_dest(route),
        "gateway_id": route.get("GatewayId"),
        "nat_gateway_id": route.get("NatGatewayId"),
    }


def subnet_associations(table):
    return {
        a["SubnetId"]: a["RouteTableAssociationId"]
        for a in table.get("Associations") or []
        if not a.get("Main") and a.get("SubnetId") and (a.get("AssociationState") or {}).get("State") != "disassociated"
    }


def table_view(table_id, tags, subnets, routes):
    return {
        "route_table_id": table_id,
        "subnets": sorted(subnets),
        "routes": sorted(routes, key=lambda r: r["dest"]),
        "tags": dict(tags),
    }


def validate(module):
    params = module.params
    errors = []
    tables = params["route_tables"]
    for key, indexes in find_duplicates([t["name"] for t in tables]).items():
        errors.append(f"route_tables{indexes}: name {key!r} is declared more than once")
    claims = [s for t in tables for s in t["subnets"]]
    for key, _indexes in find_duplicates(claims).items():
        owners = [t["name"] for t in tables if key in t["subnets"]]
        errors.append(f"subnet {key} is declared in more than one route table ({', '.join(owners)})")
    for t_index, table in enumerate(tables):
        for key, _indexes in find_duplicates([r["dest"] for r in table["routes"] or []]).items():
            errors.append(f"route_tables[{t_index}] ({table['name']}): route to {key} is declared more than once")
        for r_index, route in enumerate(table["routes"] or []):
            targets = [k for k, _boto in TARGETS if route.get(k)]
            if len(targets) != 1:
                errors.append(
                    f"route_tables[{t_index}].routes[{r_index}] ({table['name']} to {route['dest']}): give exactly one "
                    "of gateway_id, nat_gateway_id"
                )
    if params["purge_route_tables"] and not params["managed_tag"]:
        errors.append("managed_tag must not be empty when purge_route_tables=true")
    if errors:
        module.fail_json(msg="Invalid route tables: " + "; ".join(errors), errors=errors)
    fail_if_pending(
        module,
        vpc_id=params["vpc_id"],
        subnets=claims,
        routes=[route.get(k) or "" for t in tables for route in t["routes"] or [] for k, _boto in TARGETS],
    )


class Reconciler:
    """Plans and (unless in check mode) applies; every write goes through here."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.check_mode = module.check_mode
        self.params = module.params
        self.vpc_id = self.params["vpc_id"]

    # --- internet gateway -------------------------------------------------------------------------

    def internet_gateway(self):
        """(igw id or None, result dict or None, before, after)."""
        spec = self.params["internet_gateway"]
        needs_igw = spec is not None or any(
            r.get("gateway_id") == IGW for t in self.params["route_tables"] for r in t["routes"] or []
        )
        if not needs_igw:
            return None, None, None, None
        live = [] if is_pending(self.vpc_id) else describe_internet_gateways(self.client, self.vpc_id)
        if len(live) > 1:
            self.module.fail_json(
                msg=f"More than one internet gateway is attached to {self.vpc_id}: "
                + ", ".join(g["InternetGatewayId"] for g in live)
            )
        current = live[0] if live else None
        if spec is None:
            if current is None:
                if is_pending(self.vpc_id) and self.check_mode:
                    return pending_id("internet-gateway", self.vpc_id.split("/", 1)[-1]), None, None, None
                self.module.fail_json(
                    msg=f"A route refers to igw, but no internet gateway is attached to {self.vpc_id}"
                )
            return current["InternetGatewayId"], None, None, None
        tags = self.wanted_tags(spec)
        if current is None:
            result = {"gateway_id": pending_id("internet-gateway", spec["name"]), "tags": tags, "changed": True}
            if not self.check_mode:
                igw = self.client.create_internet_gateway(
                    aws_retry=True, TagSpecifications=boto3_tag_specifications(tags, ["internet-gateway"])
                )["InternetGateway"]
                result["gateway_id"] = igw["InternetGatewayId"]
                self.client.attach_internet_gateway(
                    aws_retry=True, InternetGatewayId=result["gateway_id"], VpcId=self.vpc_id
                )
            return result["gateway_id"], result, None, {"gateway_id": result["gateway_id"], "tags": tags}
        gateway_id = current["InternetGatewayId"]
        current_tags = tags_of(current)
        new_tags, changed = self.retag(gateway_id, current_tags, tags)
        before = {"gateway_id": gateway_id, "tags": current_tags}
        after = {"gateway_id": gateway_id, "tags": new_tags}
        return gateway_id, {"gateway_id": gateway_id, "tags": new_tags, "changed": changed}, before, after

    def wanted_tags(self, spec):
        """Tags of a declared gateway or table: its own over the common ones, then managed_tag and Name."""
        params = self.params
        return desired_tags(params["tags"], spec["tags"], params["managed_tag"], name=spec["name"], managed=False)

    def retag(self, resource_id, current, wanted):
        plan = plan_tags(current, wanted, self.params["purge_tags"])
        return dict(plan.result), apply_ec2_tags(self.client, resource_id, plan, self.check_mode)

    # --- route tables -----------------------------------------------------------------------------

    def find_tables(self, live):
        by_name = {}
        for table in live:
            name = tags_of(table).get("Name")
            if name is not None:
                by_name.setdefault(name, []).append(table)
        ambiguous = {
            t["name"]: [r["RouteTableId"] for r in by_name[t["name"]]]
            for t in self.params["route_tables"]
            if len(by_name.get(t["name"], [])) > 1
        }
        if ambiguous:
            self.module.fail_json(
                msg="More than one route table of the VPC has the Name of a declared route table, resolve this "
                "manually: " + "; ".join(f"{name}: {', '.join(ids)}" for name, ids in ambiguous.items()),
                ambiguous=ambiguous,
            )
        return {name: tables[0] for name, tables in by_name.items()}

    def ensure_table(self, spec, current, tags):
        """Create the table or retag it; returns (table id, tags, changed)."""
        if current is None:
            if self.check_mode:
                return pending_id("route-table", spec["name"]), tags, True
            table = self.client.create_route_table(
                aws_retry=True,
                VpcId=self.vpc_id,
                TagSpecifications=boto3_tag_specifications(tags, ["route-table"]),
            )["RouteTable"]
            return table["RouteTableId"], tags, True
        new_tags, changed = self.retag(current["RouteTableId"], tags_of(current), tags)
        return current["RouteTableId"], new_tags, changed

    def ensure_routes(self, table_id, spec, current, igw_id):
        """Create, replace and purge routes; returns (routes view, changed)."""
        live = {route_dest(r): r for r in managed_routes(current or {})}
        views = {dest: route_view(r) for dest, r in live.items()}
        if spec["routes"] is None:
            return list(views.values()), False
        changed = False
        declared = set()
        for route in spec["routes"]:
            dest = route["dest"]
            declared.add(dest)
            wanted = {
                "dest": dest,
                "gateway_id": igw_id if route.get("gateway_id") == IGW else route.get("gateway_id"),
                "nat_gateway_id": route.get("nat_gateway_id"),
            }
            have = live.get(dest)
            if have is not None and route_view(have) == wanted:
                continue
            changed = True
            views[dest] = wanted
            if self.check_mode:
                continue
            params = {"RouteTableId": table_id, self.dest_param(dest): dest}
            for option, boto in TARGETS:
                if wanted[option]:
                    params[boto] = wanted[option]
            if have is None:
                self.client.create_route(aws_retry=True, **params)
            else:
                self.client.replace_route(aws_retry=True, **params)
        if self.params["purge_routes"]:
            for dest, have in live.items():
                if dest in declared or have.get("Origin") != "CreateRoute":
                    continue
                changed = True
                views.pop(dest, None)
                if not self.check_mode:
                    self.client.delete_route(aws_retry=True, RouteTableId=table_id, **{self.dest_param(dest): dest})
        return list(views.values()), changed

    @staticmethod
    def dest_param(dest):
        return "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"

    def ensure_associations(self, table_id, spec, current, associations, claimed):
        """Associate the declared subnets (moving them from another table), purge the rest; returns
        (subnet ids, changed)."""
        own = subnet_associations(current or {})
        subnets = set(own)
        changed = False
        for subnet_id in spec["subnets"]:
            if subnet_id in own:
                continue
            changed = True
            subnets.add(subnet_id)
            if self.check_mode:
                continue
            elsewhere = associations.get(subnet_id)
            if elsewhere is not None:
                self.client.replace_route_table_association(
                    aws_retry=True, AssociationId=elsewhere[1], RouteTableId=table_id
                )
            else:
                self.client.associate_route_table(aws_retry=True, RouteTableId=table_id, SubnetId=subnet_id)
        if self.params["purge_subnets"]:
            for subnet_id, association_id in own.items():
                if subnet_id in spec["subnets"] or subnet_id in claimed:
                    continue
                changed = True
                subnets.discard(subnet_id)
                if not self.check_mode:
                    self.client.disassociate_route_table(aws_retry=True, AssociationId=association_id)
        # A subnet another declared table claims moves there (ReplaceRouteTableAssociation above).
        subnets -= {s for s in claimed if s not in spec["subnets"]}
        return sorted(subnets), changed

    def delete_table(self, table):
        if self.check_mode:
            return
        for association_id in subnet_associations(table).values():
            self.client.disassociate_route_table(aws_retry=True, AssociationId=association_id)
        self.client.delete_route_table(aws_retry=True, RouteTableId=table["RouteTableId"])

    def run(self):
        pending_vpc = is_pending(self.vpc_id)
        igw_id, igw_result, igw_before, igw_after = self.internet_gateway()
        live = [] if pending_vpc else describe_route_tables(self.client, self.vpc_id)
        current_by_name = self.find_tables(live)
        associations = {}
        for table in live:
            for subnet_id, association_id in subnet_associations(table).items():
                associations[subnet_id] = (table["RouteTableId"], association_id)
        claimed = {s for t in self.params["route_tables"] for s in t["subnets"]}

        before, after, results = {}, {}, []
        if igw_result is not None:
            before["internet_gateway"], after["internet_gateway"] = igw_before, igw_after
        for spec in self.params["route_tables"]:
            current = current_by_name.get(spec["name"])
            tags = self.wanted_tags(spec)
            table_id, new_tags, changed = self.ensure_table(spec, current, tags)
            routes, routes_changed = self.ensure_routes(table_id, spec, current, igw_id)
            subnets, subnets_changed = self.ensure_associations(table_id, spec, current, associations, claimed)
            if current is not None:
                before[spec["name"]] = table_view(
                    table_id,
                    tags_of(current),
                    subnet_associations(current),
                    [route_view(r) for r in managed_routes(current)],
                )
            else:
                before[spec["name"]] = None
            after[spec["name"]] = table_view(table_id, new_tags, subnets, routes)
            changed = changed or routes_changed or subnets_changed
            results.append(dict(after[spec["name"]], name=spec["name"], changed=changed))

        deleted = []
        if self.params["purge_route_tables"]:
            declared = {t["name"] for t in self.params["route_tables"]}
            for table in sorted(live, key=lambda t: t["RouteTableId"]):
                tags = tags_of(table)
                if tags.get("Name") in declared or not carries(tags, self.params["managed_tag"]):
                    continue
                if any(a.get("Main") for a in table.get("Associations") or []):
                    continue
                key = tags.get("Name") or table["RouteTableId"]
                before[key] = table_view(
                    table["RouteTableId"],
                    tags,
                    subnet_associations(table),
                    [route_view(r) for r in managed_routes(table)],
                )
                after[key] = None
                self.delete_table(table)
                deleted.append(table["RouteTableId"])

        changed = bool(deleted) or bool(igw_result and igw_result["changed"]) or any(r["changed"] for r in results)
        return {
            "changed": changed,
            "internet_gateway": igw_result
            or ({"gateway_id": igw_id, "tags": None, "changed": False} if igw_id else None),
            "route_tables": results,
            "deleted": deleted,
            "diff": {"before": before, "after": after},
        }


def main():
    route_options = dict(
        dest=dict(type="str", required=True),
        gateway_id=dict(type="str"),
        nat_gateway_id=dict(type="str"),
    )
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        internet_gateway=dict(
            type="dict",
            options=dict(name=dict(type="str", required=True), tags=dict(type="dict", default={})),
        ),
        route_tables=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                tags=dict(type="dict", default={}),
                subnets=dict(type="list", elements="str", default=[]),
                routes=dict(type="list", elements="dict", options=route_options),
            ),
        ),
        tags=dict(type="dict", default={}, aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        purge_routes=dict(type="bool", default=True),
        purge_subnets=dict(type="bool", default=True),
        purge_route_tables=dict(type="bool", default=False),
        managed_tag=dict(type="dict", default=dict(MANAGED_TAGS)),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=NOT_FOUND_CODES))
    try:
        result = Reconciler(module, client).run()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to manage the route tables of {module.params['vpc_id']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
