# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OIDC-authenticated ALB listener rules: normalise, compare, plan, build API params, and detect a rotated secret.

A rule is represented by a *state* dict, the same for a desired rule and a normalised existing one::

    {
        "name": app name (None for an existing rule without the app tag),
        "rule_arn": str or None,
        "priority": int or None,
        "hosts": sorted lower-case host names,
        "path_patterns": sorted path patterns,
        "origin_header": None or {"name": header name, "value": header value, or a list of the values it
                         accepts when there are several (an origin-secret rotation: current and pending)},
        "other_conditions": [condition field names the module does not manage],
        "oidc": {snake_case authenticate-oidc settings, see OIDC_FIELDS},
        "target_group_arn": str or None,
        "other_actions": [description of actions that do not fit "oidc then forward"],
        "tags": dict,
    }

No client secret is ever part of a state: AWS does not return it. How a rotated client secret is detected is
the section "client secret rotation" below. Everything here is pure except ``describe_tags_by_arn``, the one
batched ELBv2 ``DescribeTags`` read of the rule and target group modules.
"""

from __future__ import annotations

from copy import deepcopy

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.rocketclub.platform.plugins.module_utils.pagination import chunks
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import fingerprint
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAG_KEY
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAG_VALUE
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import desired_tags
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import has_managed_tag
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ALB_RULE_PRIORITY
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ALB_SESSION_TIMEOUT
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

APP_TAG = "platform:kinde-app"
SECRET_FP_TAG = "platform:oidc-secret-fingerprint"
ORIGIN_FP_TAG = "platform:origin-header-fingerprint"
# The tags of this module: users cannot set them, and a stale one is removed even with purge_tags=false.
RESERVED_TAGS = (MANAGED_TAG_KEY, APP_TAG, SECRET_FP_TAG, ORIGIN_FP_TAG)
# ELBv2 DescribeTags takes at most 20 resource ARNs per call.
TAGS_BATCH = 20

# (AuthenticateOidcConfig key, state key)
OIDC_FIELDS = (
    ("Issuer", "issuer"),
    ("AuthorizationEndpoint", "authorization_endpoint"),
    ("TokenEndpoint", "token_endpoint"),
    ("UserInfoEndpoint", "user_info_endpoint"),
    ("ClientId", "client_id"),
    ("SessionCookieName", "session_cookie_name"),
    ("Scope", "scope"),
    ("SessionTimeout", "session_timeout"),
    ("OnUnauthenticatedRequest", "on_unauthenticated_request"),
    ("AuthenticationRequestExtraParams", "authentication_request_extra_params"),
)
# What AWS uses when a field is not set; applied to existing rules so that "absent" equals the default.
OIDC_AWS_DEFAULTS = {
    "session_cookie_name": "AWSELBAuthSessionCookie",
    "scope": "openid",
    "session_timeout": 604800,
    "on_unauthenticated_request": "authenticate",
    "authentication_request_extra_params": {},
}

OIDC_ACTION_ORDER = 1
FORWARD_ACTION_ORDER = 2
MAX_VALUES_PER_CONDITION = 3
MAX_VALUES_PER_RULE = 5


# ---------------------------------------------------------------------------------------------- normalise


def _condition_values(condition, config_key):
    config = condition.get(config_key) or {}
    values = config.get("Values")
    if values is None:
        values = condition.get("Values") or []
    return list(values)


def _normalize_scope(scope):
    return " ".join(sorted(set((scope or "").split())))


def _normalize_oidc(config):
    oidc = {}
    for aws_key, key in OIDC_FIELDS:
        value = config.get(aws_key)
        if value is None:
            value = deepcopy(OIDC_AWS_DEFAULTS.get(key))
        oidc[key] = value
    if oidc["session_timeout"] is not None:
        oidc["session_timeout"] = int(oidc["session_timeout"])
    oidc["authentication_request_extra_params"] = {
        str(k): str(v) for k, v in (oidc["authentication_request_extra_params"] or {}).items()
    }
    return oidc


def _forward_target(action):
    """The single target group of a forward action, or None when it forwards to several (weighted)."""
    if action.get("TargetGroupArn"):
        return action["TargetGroupArn"]
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if len(groups) == 1:
        return groups[0].get("TargetGroupArn")
    return None


def normalize_rule(rule, tags, origin_header_name=None):
    """State of an existing rule (DescribeRules item) with its tags (dict).

    ``origin_header_name`` is the managed http-header condition; other http-header conditions count as
    unmanaged. A ``ClientSecret`` or ``UseExistingClientSecret`` in the description is ignored.
    """
    priority = rule.get("Priority")
    state = {
        "name": (tags or {}).get(APP_TAG),
        "rule_arn": rule.get("RuleArn"),
        "priority": int(priority) if priority not in (None, "default") else None,
        "hosts": [],
        "path_patterns": [],
        "origin_header": None,
        "other_conditions": [],
        "oidc": None,
        "target_group_arn": None,
        "other_actions": [],
        "tags": dict(tags or {}),
    }
    seen = set()
    for condition in rule.get("Conditions") or []:
        field = condition.get("Field")
        if field == "host-header" and field not in seen:
            state["hosts"] = sorted({v.lower() for v in _condition_values(condition, "HostHeaderConfig")})
        elif field == "path-pattern" and field not in seen:
            state["path_patterns"] = sorted(set(_condition_values(condition, "PathPatternConfig")))
        elif (
            field == "http-header"
            and origin_header_name
            and state["origin_header"] is None
            and (condition.get("HttpHeaderConfig") or {}).get("HttpHeaderName", "").lower()
            == origin_header_name.lower()
        ):
            values = _condition_values(condition, "HttpHeaderConfig")
            state["origin_header"] = {
                "name": condition["HttpHeaderConfig"]["HttpHeaderName"],
                "value": values[0] if len(values) == 1 else values,
            }
        else:
            state["other_conditions"].append(field)
            continue
        seen.add(field)

    actions = sorted(rule.get("Actions") or [], key=lambda a: a.get("Order") or 0)
    for action in actions:
        kind, order = action.get("Type"), action.get("Order")
        if kind == "authenticate-oidc" and order == OIDC_ACTION_ORDER and state["oidc"] is None:
            state["oidc"] = _normalize_oidc(action.get("AuthenticateOidcConfig") or {})
        elif (
            kind == "forward"
            and order == FORWARD_ACTION_ORDER
            and state["target_group_arn"] is None
            and _forward_target(action)
        ):
            state["target_group_arn"] = _forward_target(action)
        else:
            state["other_actions"].append(f"{kind}@{order}")
    return state


def desired_rule(app, endpoints, client_id, origin_header, tags):
    """Desired state of one app (an ``apps`` item of the module, already validated).

    ``origin_header`` is None or ``{"name", "value"}``; ``tags`` is the complete tag set (see ``rule_tags``).
    """
    oidc = {
        "issuer": endpoints["issuer"],
        "authorization_endpoint": endpoints["authorization_endpoint"],
        "token_endpoint": endpoints["token_endpoint"],
        "user_info_endpoint": endpoints["user_info_endpoint"],
        "client_id": client_id,
        "session_cookie_name": app["session_cookie_name"],
        "scope": app["scope"],
        "session_timeout": int(app["session_timeout"]),
        "on_unauthenticated_request": app["on_unauthenticated_request"],
        "authentication_request_extra_params": {
            str(k): str(v) for k, v in (app.get("authentication_request_extra_params") or {}).items()
        },
    }
    return {
        "name": app["name"],
        "rule_arn": None,
        "priority": int(app["priority"]),
        "hosts": normalize_hosts(app["hosts"]),
        "path_patterns": sorted(set(app.get("path_patterns") or [])),
        "origin_header": dict(origin_header) if origin_header else None,
        "other_conditions": [],
        "oidc": oidc,
        "target_group_arn": app["target_group_arn"],
        "other_actions": [],
        "tags": dict(tags),
    }


def origin_values(origin_header):
    """The values an origin header condition accepts, sorted and without duplicates (``value`` is a string or a
    list); ALB accepts a request whose header matches any of them, so their order does not matter."""
    if not origin_header:
        return []
    value = origin_header["value"]
    return sorted(set([value] if isinstance(value, str) else value))


def normalize_hosts(hosts):
    return sorted({h.strip().lower() for h in hosts})


def rule_tags(common_tags, app_tags, app_name, secret_fingerprint, origin_fingerprint=None):
    """User tags (app over common), then the reserved tags on top (the managed tag last)."""
    own = {APP_TAG: app_name, SECRET_FP_TAG: secret_fingerprint}
    if origin_fingerprint:
        own[ORIGIN_FP_TAG] = origin_fingerprint
    return desired_tags(common_tags, app_tags, own)


def is_managed(tags):
    return has_managed_tag(tags) and bool((tags or {}).get(APP_TAG))


# ---------------------------------------------------------------------------------------------- validate


def validate_apps(apps, common_tags=None, with_origin_header=False):
    """Cross-field checks of the ``apps`` option; returns a list of error strings.

    ``with_origin_header`` is whether every rule has the origin header condition, or how many values it
    accepts (2 while an origin-secret rotation is pending): each counts towards the 5 values of a rule.
    """
    errors = []
    for name in find_duplicates(a["name"] for a in apps):
        errors.append(f"app name {name!r} is declared more than once")
    for priority in find_duplicates(a["priority"] for a in apps):
        names = [a["name"] for a in apps if a["priority"] == priority]
        errors.append(f"priority {priority} is used by more than one app: {', '.join(names)}")
    owners = {}
    for app in apps:
        for host in normalize_hosts(app["hosts"] or []):
            owners.setdefault(host, []).append(app["name"])
    for host, names in owners.items():
        if len(names) > 1:
            errors.append(f"host {host!r} is declared by more than one app: {', '.join(names)}")
    for key in reserved_tag_conflicts(common_tags):
        errors.append(f"tag {key!r} is reserved for this module")
    for app in apps:
        where = f"app {app['name']!r}"
        hosts = normalize_hosts(app["hosts"] or [])
        if not hosts or not all(hosts):
            errors.append(f"{where}: hosts must be a non-empty list of non-empty host names")
        paths = sorted(set(app.get("path_patterns") or []))
        if not all(paths):
            errors.append(f"{where}: path_patterns must not contain empty strings")
        low, high = ALB_RULE_PRIORITY
        if not low <= app["priority"] <= high:
            errors.append(f"{where}: priority {app['priority']} is outside {low}..{high}")
        low, high = ALB_SESSION_TIMEOUT
        if not low <= app["session_timeout"] <= high:
            errors.append(f"{where}: session_timeout {app['session_timeout']} is outside {low}..{high}")
        if "openid" not in (app["scope"] or "").split():
            errors.append(f"{where}: scope must include 'openid'")
        if not app["session_cookie_name"]:
            errors.append(f"{where}: session_cookie_name must not be empty")
        for label, values in (("hosts", hosts), ("path_patterns", paths)):
            if len(values) > MAX_VALUES_PER_CONDITION:
                errors.append(
                    f"{where}: an ALB rule condition takes at most {MAX_VALUES_PER_CONDITION} {label}, "
                    f"got {len(values)}"
                )
        origin_count = int(with_origin_header or 0)
        total = len(hosts) + len(paths) + origin_count
        if total > MAX_VALUES_PER_RULE:
            origin_part = "origin header" if origin_count <= 1 else f"{origin_count} origin header values"
            errors.append(
                f"{where}: an ALB rule takes at most {MAX_VALUES_PER_RULE} condition values in total "
                f"(hosts + path_patterns + {origin_part}), got {total}"
            )
        for key in reserved_tag_conflicts(app.get("tags")):
            errors.append(f"{where}: tag {key!r} is reserved for this module")
    return errors


def reserved_tag_conflicts(tags):
    """Reserved tag keys a user tag set tries to set. The platform-wide managed-by tag with the
    module's own value is no conflict: roles pass it on every resource."""
    return sorted(
        key
        for key, value in (tags or {}).items()
        if key in RESERVED_TAGS and not (key == MANAGED_TAG_KEY and value == MANAGED_TAG_VALUE)
    )


def wildcard_problem(value):
    """Why a value cannot be used in an exact-match ALB condition (``*`` and ``?`` are wildcards), or None."""
    found = [c for c in "*?" if c in value]
    if found:
        return "contains " + " and ".join(repr(c) for c in found) + ", which an ALB condition treats as a wildcard"
    if not value:
        return "is empty"
    return None


# ---------------------------------------------------------------------------------------------- client secret rotation
#
# How a rotated Kinde client secret is detected. AWS never returns the ClientSecret of a rule, so the rule
# cannot be compared with the secret; it carries a keyed fingerprint of the secret instead:
#
# 1. kinde_oidc_rules (main) reads the client secret from Secrets Manager (option client_secret_name) and the
#    HMAC key from the SSM SecureString of option fingerprint_key_parameter (the secrets role generates it,
#    /<env>/shared/oidc_fingerprint_key, and never rotates it).
# 2. secret_fingerprint(key, secret) is the value of tag SECRET_FP_TAG a rule should carry (rule_tags).
# 3. secret_rotation(current tags, desired tags), called by compare_rule: a different (or missing) tag means
#    the secret in Secrets Manager is not the one the rule holds.
# 4. Then the module sends the secret (actions_param(client_secret=...) in ModifyRule) to exactly those rules,
#    and updates the tag after the rule (kinde_oidc_rules.ensure_rule). Otherwise ModifyRule, when other
#    settings differ, carries UseExistingClientSecret and no secret.

# Shortest HMAC key accepted in fingerprint_key_parameter.
MIN_FINGERPRINT_KEY_LENGTH = 16


def secret_fingerprint(key, value):
    """The fingerprint tag value of a client secret (or an origin header value): ``secret_values.fingerprint``.

    In check mode the key or the value may not exist yet (an earlier task of the run would create it, ``None``
    or a ``pending:`` placeholder): the fingerprint is then unknown, a placeholder no live rule carries, so
    every rule that uses it would be updated.
    """
    if key is None or value is None or is_pending(value):
        return pending_id("fingerprint", "unknown")
    return fingerprint(key, value)


def secret_rotation(current_tags, wanted_tags):
    """``(send, change)``: whether the client secret must be sent because the rule's fingerprint tag differs
    from the fingerprint of the current secret, and the ``changes`` entry that says so (None when equal)."""
    current_fp = (current_tags or {}).get(SECRET_FP_TAG)
    if current_fp == (wanted_tags or {}).get(SECRET_FP_TAG):
        return False, None
    return True, "client_secret rotated" if current_fp else "client_secret set (no fingerprint tag)"


# ---------------------------------------------------------------------------------------------- compare


def _show(values):
    return "[" + ", ".join(values) + "]"


def compare_rule(current, desired, fingerprint_of=None):
    """What differs between an existing rule and the desired one.

    Returns a dict: ``conditions``, ``actions``, ``priority``, ``secret`` (bools; ``secret`` means the
    client secret must be sent: its fingerprint differs, or the rule has no authenticate-oidc action yet, or
    the client ID changes) and ``changes`` (list of
    human readable strings, which never contain a secret or the origin header value). Tags are compared
    separately (``tags.plan_tags`` with ``always_remove=RESERVED_TAGS``). ``fingerprint_of`` turns an origin
    header value into its fingerprint for the messages.
    """
    changes = []
    conditions = actions = False

    if current["hosts"] != desired["hosts"]:
        conditions = True
        changes.append(f"hosts {_show(current['hosts'])} -> {_show(desired['hosts'])}")
    if current["path_patterns"] != desired["path_patterns"]:
        conditions = True
        changes.append(f"path_patterns {_show(current['path_patterns'])} -> {_show(desired['path_patterns'])}")
    cur_origin, new_origin = current["origin_header"], desired["origin_header"]
    if cur_origin is None and new_origin is not None:
        conditions = True
        changes.append(f"origin header condition {new_origin['name']} added")
    elif cur_origin is not None and new_origin is None:
        conditions = True
        changes.append(f"origin header condition {cur_origin['name']} removed")
    elif cur_origin is not None:
        if cur_origin["name"] != new_origin["name"]:
            conditions = True
            changes.append(f"origin header name {cur_origin['name']} -> {new_origin['name']}")
        cur_values, new_values = origin_values(cur_origin), origin_values(new_origin)
        if cur_values != new_values:
            conditions = True
            if fingerprint_of is None:
                changes.append("origin header value changed")
            elif len(cur_values) == 1 and len(new_values) == 1:
                changes.append(
                    f"origin header value changed (fingerprint {fingerprint_of(cur_values[0])} -> "
                    f"{fingerprint_of(new_values[0])})"
                )
            else:
                changes.append(
                    f"origin header values {_show(sorted(fingerprint_of(v) for v in cur_values))} -> "
                    f"{_show(sorted(fingerprint_of(v) for v in new_values))} (fingerprints)"
                )
    if current["other_conditions"]:
        conditions = True
        changes.append(f"unmanaged conditions removed: {_show(current['other_conditions'])}")

    if current["oidc"] is None:
        actions = True
        changes.append("authenticate-oidc action added")
    else:
        for _aws_key, key in OIDC_FIELDS:
            cur, new = current["oidc"][key], desired["oidc"][key]
            if key == "scope":
                same = _normalize_scope(cur) == _normalize_scope(new)
            else:
                same = cur == new
            if not same:
                actions = True
                changes.append(f"{key} {cur!r} -> {new!r}")
    if current["target_group_arn"] != desired["target_group_arn"]:
        actions = True
        changes.append(f"target_group_arn {current['target_group_arn']} -> {desired['target_group_arn']}")
    if current["other_actions"]:
        actions = True
        changes.append(f"unmanaged actions removed: {_show(current['other_actions'])}")

    secret, change = secret_rotation(current["tags"], desired["tags"])
    if secret:
        changes.insert(0, change)
    elif current["oidc"] is None or current["oidc"]["client_id"] != desired["oidc"]["client_id"]:
        # There is no existing secret to keep, or it belongs to another client: send it.
        secret = True

    priority = current["priority"] != desired["priority"]
    if priority:
        changes.append(f"priority {current['priority']} -> {desired['priority']}")

    return {"conditions": conditions, "actions": actions, "priority": priority, "secret": secret, "changes": changes}


def tag_changes(to_set, to_unset, skip=()):
    """A ``changes`` entry for a tag update, or None. Only keys are shown."""
    keys_set = sorted(k for k in to_set if k not in skip)
    keys_unset = sorted(k for k in to_unset if k not in skip)
    parts = []
    if keys_set:
        parts.append("set " + ", ".join(keys_set))
    if keys_unset:
        parts.append("removed " + ", ".join(keys_unset))
    return ("tags " + "; ".join(parts)) if parts else None


# ---------------------------------------------------------------------------------------------- plan


def plan_listener(desired_rules, current_rules, purge):
    """Match desired rules (by app name) to the rules of the listener and find conflicts.

    ``current_rules`` are normalised states of every non-default rule of the listener. Returns a dict:

    - ``pairs``: list of ``(desired, current or None)`` in input order,
    - ``delete``: managed rules of undeclared apps (only when ``purge``),
    - ``errors``: list of strings; nothing must be written when it is not empty.
    """
    managed, foreign = {}, []
    for rule in current_rules:
        if is_managed(rule["tags"]):
            managed.setdefault(rule["tags"][APP_TAG], []).append(rule)
        else:
            foreign.append(rule)

    errors = []
    declared = {d["name"] for d in desired_rules}
    for app, rules in sorted(managed.items()):
        if len(rules) > 1 and app in declared:
            arns = ", ".join(r["rule_arn"] for r in rules)
            errors.append(f"more than one managed rule of app {app!r} on the listener, resolve this manually: {arns}")

    undeclared = [r for app, rules in sorted(managed.items()) if app not in declared for r in rules]
    delete = undeclared if purge else []
    staying = {r["priority"]: ("foreign", r) for r in foreign}
    if not purge:
        staying.update({r["priority"]: ("undeclared", r) for r in undeclared})
    for desired in desired_rules:
        hit = staying.get(desired["priority"])
        if hit is None:
            continue
        kind, rule = hit
        if kind == "foreign":
            errors.append(
                f"priority {desired['priority']} of app {desired['name']!r} is used by rule {rule['rule_arn']}, "
                "which is not managed by this module"
            )
        else:
            errors.append(
                f"priority {desired['priority']} of app {desired['name']!r} is used by rule {rule['rule_arn']} of the "
                f"undeclared app {rule['tags'][APP_TAG]!r} (use purge=true to delete it)"
            )

    pairs = [(d, (managed.get(d["name"]) or [None])[0]) for d in desired_rules]
    return {"pairs": pairs, "delete": delete, "errors": errors}


# ---------------------------------------------------------------------------------------------- API params


def conditions_param(state):
    conditions = [{"Field": "host-header", "HostHeaderConfig": {"Values": list(state["hosts"])}}]
    if state["path_patterns"]:
        conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": list(state["path_patterns"])}})
    if state["origin_header"]:
        conditions.append(
            {
                "Field": "http-header",
                "HttpHeaderConfig": {
                    "HttpHeaderName": state["origin_header"]["name"],
                    # ModifyRule replaces every condition at once: the rule is never without this one.
                    "Values": _origin_param_values(state["origin_header"]["value"]),
                },
            }
        )
    return conditions


def _origin_param_values(value):
    """The values as given (current first), without duplicates."""
    values = [value] if isinstance(value, str) else list(value)
    return [v for index, v in enumerate(values) if v not in values[:index]]


def actions_param(state, client_secret=None):
    """Actions of a rule. With ``client_secret`` it is sent, otherwise ``UseExistingClientSecret`` is.

    AWS rejects a request that has both.
    """
    config = {aws_key: deepcopy(state["oidc"][key]) for aws_key, key in OIDC_FIELDS}
    if client_secret is None:
        config["UseExistingClientSecret"] = True
    else:
        config["ClientSecret"] = client_secret
    return [
        {"Type": "authenticate-oidc", "Order": OIDC_ACTION_ORDER, "AuthenticateOidcConfig": config},
        {"Type": "forward", "Order": FORWARD_ACTION_ORDER, "TargetGroupArn": state["target_group_arn"]},
    ]


# ---------------------------------------------------------------------------------------------- views


def public_view(state, fingerprint_of):
    """Diff view of a state: the origin header value only as its fingerprint, never a secret."""
    if state is None:
        return None
    origin = state["origin_header"]
    if origin is not None:
        values = origin_values(origin)
        if len(values) == 1:
            origin = {"name": origin["name"], "fingerprint": fingerprint_of(values[0])}
        else:
            origin = {"name": origin["name"], "fingerprints": sorted(fingerprint_of(v) for v in values)}
    oidc = dict(state["oidc"]) if state["oidc"] else None
    if oidc is not None:
        oidc["client_secret_fingerprint"] = state["tags"].get(SECRET_FP_TAG)
    view = {
        "rule_arn": state["rule_arn"],
        "priority": state["priority"],
        "hosts": list(state["hosts"]),
        "path_patterns": list(state["path_patterns"]),
        "origin_header": origin,
        "oidc": oidc,
        "target_group_arn": state["target_group_arn"],
        "tags": dict(state["tags"]),
    }
    if state["other_conditions"]:
        view["unmanaged_conditions"] = list(state["other_conditions"])
    if state["other_actions"]:
        view["unmanaged_actions"] = list(state["other_actions"])
    return view


# ---------------------------------------------------------------------------------------------- reads


def describe_tags_by_arn(client, arns):
    """``{arn: {key: value}}`` of ELBv2 resources (rules, target groups), in batches of ``TAGS_BATCH``."""
    tags = {}
    for batch in chunks(arns, TAGS_BATCH):
        for item in client.describe_tags(ResourceArns=batch, aws_retry=True)["TagDescriptions"]:
            tags[item["ResourceArn"]] = boto3_tag_list_to_ansible_dict(item.get("Tags") or [])
    return tags
