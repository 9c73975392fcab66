# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPC endpoints: the pure planning of ``rocketclub.platform.vpc_endpoints``.

Nothing in here talks to AWS: every function takes plain data (boto3 ``VpcEndpoint`` dicts or module
parameters) and returns plain data, so it is unit tested table-driven without moto. An endpoint is
identified inside its VPC by service name and type (``endpoint_key``); tags go through the shared core
(``module_utils/tags.py``).
"""

from __future__ import annotations

import json
from copy import deepcopy

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict

# Endpoint states (lower case) that never count as a "live" endpoint.
DEAD_ENDPOINT_STATES = frozenset(("deleted", "deleting", "failed", "rejected", "expired"))

# Service name prefixes which mark an already fully qualified service name.
_FULL_SERVICE_PREFIXES = ("com.amazonaws.", "aws.", "cn.com.amazonaws.")

# Keys that are compared / shown in --diff output for an endpoint.
DIFF_KEYS = (
    "vpc_endpoint_id",
    "service_name",
    "type",
    "route_table_ids",
    "subnet_ids",
    "security_group_ids",
    "private_dns_enabled",
    "policy",
    "tags",
)


def expand_service_name(service, region):
    """Expand a short service name (``s3``, ``ecr.api``) to ``com.amazonaws.<region>.<service>``.

    Names that are already fully qualified (``com.amazonaws.…``, ``aws.sagemaker.…``) are
    returned unchanged.
    """
    service = (service or "").strip()
    if not service:
        raise ValueError("service must not be empty")
    if service.startswith(_FULL_SERVICE_PREFIXES):
        return service
    if not region:
        raise ValueError(f"a region is required to expand the short service name {service!r}")
    return f"com.amazonaws.{region}.{service}"


def endpoint_key(service_name, endpoint_type):
    """Identity of an endpoint inside one VPC: service name + endpoint type."""
    return f"{service_name}/{endpoint_type}"


def list_changes(current, desired):
    """Return ``(to_add, to_remove)`` (both sorted) to turn ``current`` into ``desired``.

    ``desired=None`` means "not managed": nothing is added or removed.
    """
    if desired is None:
        return [], []
    current_set = set(current or [])
    desired_set = set(desired)
    return sorted(desired_set - current_set), sorted(current_set - desired_set)


def load_policy(policy):
    """Parse a policy given as JSON text or dict; ``None``/empty stays ``None``."""
    if policy is None:
        return None
    if isinstance(policy, dict):
        return deepcopy(policy)
    if isinstance(policy, str):
        if not policy.strip():
            return None
        return json.loads(policy)
    raise TypeError(f"unsupported policy type {type(policy).__name__}")


def normalize_policy(policy):
    """Canonical JSON text of a policy (sorted keys, no whitespace), or ``None``."""
    loaded = load_policy(policy)
    if loaded is None:
        return None
    return json.dumps(loaded, sort_keys=True, separators=(",", ":"))


def policies_differ(current, desired):
    """Semantic comparison of two policies (JSON text or dicts).

    ``desired=None`` means "leave the existing policy alone" and never differs.
    Uses amazon.aws ``compare_policies`` so ``"Action": "s3:*"`` equals
    ``"Action": ["s3:*"]``, ordering of statements does not matter and a missing
    ``Version`` defaults to ``2008-10-17`` like AWS does.
    """
    desired = load_policy(desired)
    if desired is None:
        return False
    current = load_policy(current)
    if current is None:
        return True
    return compare_policies(current, desired)


def validate_endpoint_specs(endpoints):
    """Check the declared endpoint list before any API call.

    Returns a list of error strings, each naming the offending list item
    (``endpoints[<index>] (service=…, type=…)``).
    """
    errors = []
    for index, spec in enumerate(endpoints or []):
        label = f"endpoints[{index}] (service={spec.get('service')}, type={spec.get('type')})"
        if not (spec.get("service") or "").strip():
            errors.append(f"endpoints[{index}]: service must not be empty")
            continue
        if spec.get("type") == "Interface":
            if spec.get("route_table_ids") is not None:
                errors.append(f"{label}: route_table_ids is only valid for Gateway endpoints")
        elif spec.get("type") == "Gateway":
            for option in ("subnet_ids", "security_group_ids"):
                if spec.get(option) is not None:
                    errors.append(f"{label}: {option} is only valid for Interface endpoints")
        if spec.get("policy") not in (None, ""):
            try:
                loaded = load_policy(spec.get("policy"))
            except ValueError as e:
                errors.append(f"{label}: policy is not valid JSON: {e}")
            else:
                if not isinstance(loaded, dict):
                    errors.append(f"{label}: policy must be a JSON object")
    return errors


def normalize_endpoint(endpoint):
    """Turn a boto3 ``VpcEndpoint`` dict into the module's stable, sorted representation."""
    endpoint_type = endpoint.get("VpcEndpointType")
    is_gateway = endpoint_type == "Gateway"
    return {
        "vpc_endpoint_id": endpoint.get("VpcEndpointId"),
        "service_name": endpoint.get("ServiceName"),
        "type": endpoint_type,
        "state": endpoint.get("State"),
        "route_table_ids": sorted(endpoint.get("RouteTableIds") or []),
        "subnet_ids": sorted(endpoint.get("SubnetIds") or []),
        "security_group_ids": sorted(g["GroupId"] for g in endpoint.get("Groups") or []),
        "private_dns_enabled": None if is_gateway else bool(endpoint.get("PrivateDnsEnabled")),
        "policy": load_policy(endpoint.get("PolicyDocument")),
        "tags": as_dict(endpoint.get("Tags")),
    }


def index_live_endpoints(endpoints):
    """Group live (not deleted/deleting/failed/rejected) boto3 endpoints by ``endpoint_key``.

    Returns ``{key: [normalized endpoint, …]}`` with each list sorted by id.
    """
    index = {}
    for endpoint in endpoints or []:
        if endpoint.get("State", "").lower() in DEAD_ENDPOINT_STATES:
            continue
        normalized = normalize_endpoint(endpoint)
        index.setdefault(endpoint_key(normalized["service_name"], normalized["type"]), []).append(normalized)
    for matches in index.values():
        matches.sort(key=lambda e: e["vpc_endpoint_id"])
    return index


def desired_endpoint(spec, service_name, tags):
    """The desired state of one declared endpoint (``None`` = option not managed)."""
    is_gateway = spec["type"] == "Gateway"
    return {
        "service_name": service_name,
        "type": spec["type"],
        "route_table_ids": (
            sorted(spec["route_table_ids"]) if is_gateway and spec.get("route_table_ids") is not None else None
        ),
        "subnet_ids": sorted(spec["subnet_ids"]) if not is_gateway and spec.get("subnet_ids") is not None else None,
        "security_group_ids": (
            sorted(spec["security_group_ids"])
            if not is_gateway and spec.get("security_group_ids") is not None
            else None
        ),
        "private_dns_enabled": None if is_gateway else bool(spec.get("private_dns_enabled", True)),
        "policy": load_policy(spec.get("policy")),
        "tags": tags,
    }


def plan_create(desired, vpc_id):
    """CreateVpcEndpoint parameters (without tags) and the predicted state for a missing endpoint."""
    params = {
        "VpcId": vpc_id,
        "ServiceName": desired["service_name"],
        "VpcEndpointType": desired["type"],
    }
    if desired["type"] == "Gateway":
        if desired["route_table_ids"]:
            params["RouteTableIds"] = list(desired["route_table_ids"])
    else:
        if desired["subnet_ids"]:
            params["SubnetIds"] = list(desired["subnet_ids"])
        if desired["security_group_ids"]:
            params["SecurityGroupIds"] = list(desired["security_group_ids"])
        params["PrivateDnsEnabled"] = desired["private_dns_enabled"]
    if desired["policy"] is not None:
        params["PolicyDocument"] = normalize_policy(desired["policy"])

    predicted = {
        "vpc_endpoint_id": None,
        "service_name": desired["service_name"],
        "type": desired["type"],
        "state": None,
        "route_table_ids": list(desired["route_table_ids"] or []),
        "subnet_ids": list(desired["subnet_ids"] or []),
        "security_group_ids": list(desired["security_group_ids"] or []),
        "private_dns_enabled": desired["private_dns_enabled"],
        "policy": deepcopy(desired["policy"]),
        "tags": dict(desired["tags"]),
    }
    return params, predicted


def plan_modify(current, desired):
    """ModifyVpcEndpoint parameters (only the differences; ``{}`` when nothing to do) and the predicted state."""
    params = {}
    predicted = deepcopy(current)
    pairs = (
        ("route_table_ids", "AddRouteTableIds", "RemoveRouteTableIds"),
        ("subnet_ids", "AddSubnetIds", "RemoveSubnetIds"),
        ("security_group_ids", "AddSecurityGroupIds", "RemoveSecurityGroupIds"),
    )
    for key, add_param, remove_param in pairs:
        to_add, to_remove = list_changes(current[key], desired[key])
        if to_add:
            params[add_param] = to_add
        if to_remove:
            params[remove_param] = to_remove
        if to_add or to_remove:
            predicted[key] = sorted(desired[key])

    if (
        desired["type"] != "Gateway"
        and desired["private_dns_enabled"] is not None
        and bool(current["private_dns_enabled"]) != desired["private_dns_enabled"]
    ):
        params["PrivateDnsEnabled"] = desired["private_dns_enabled"]
        predicted["private_dns_enabled"] = desired["private_dns_enabled"]

    if policies_differ(current["policy"], desired["policy"]):
        params["PolicyDocument"] = normalize_policy(desired["policy"])
        predicted["policy"] = deepcopy(desired["policy"])

    if params:
        params = {"VpcEndpointId": current["vpc_endpoint_id"], **params}
    return params, predicted


def diff_view(state):
    """The subset of an endpoint state shown in --diff output (lists sorted, no timestamps)."""
    if state is None:
        return None
    view = {}
    for key in DIFF_KEYS:
        value = state.get(key)
        if isinstance(value, list):
            value = sorted(value)
        view[key] = deepcopy(value)
    return view
