# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of the ``rocketclub.platform.cloudfront_policies`` module: normalise, validate, compare, plan.

A policy is handled in one *normalised* form, the same for the module input and for what
``List*Policies`` returns, and returned to the caller as ``config``::

    cache:          {name, comment, min_ttl, default_ttl, max_ttl, headers, cookies, query_strings,
                     enable_accept_encoding_gzip, enable_accept_encoding_brotli}
    origin_request: {name, comment, headers, cookies, query_strings}

where ``headers``/``cookies``/``query_strings`` are ``{"behavior": str, "items": [sorted str]}``. Header
names are case-insensitive in HTTP and CloudFront, so they are kept in lower case; cookie and query
string names are case-sensitive and kept as given. Item order never matters.
"""

from __future__ import annotations

import re

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import find_duplicates

KINDS = {
    "cache": {
        "option": "cache_policies",
        "label": "cache policy",
        "noun": "CachePolicy",
        "snake": "cache_policy",
        "plural_snake": "cache_policies",
        "behaviors": {
            "headers": ("none", "whitelist"),
            "cookies": ("none", "whitelist", "allExcept", "all"),
            "query_strings": ("none", "whitelist", "allExcept", "all"),
        },
    },
    "origin_request": {
        "option": "origin_request_policies",
        "label": "origin request policy",
        "noun": "OriginRequestPolicy",
        "snake": "origin_request_policy",
        "plural_snake": "origin_request_policies",
        "behaviors": {
            "headers": ("none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"),
            "cookies": ("none", "whitelist", "all", "allExcept"),
            "query_strings": ("none", "whitelist", "all", "allExcept"),
        },
    },
}
# option key -> (API config key, behavior key, names key)
PARAMETERS = {
    "headers": ("HeadersConfig", "HeaderBehavior", "Headers"),
    "cookies": ("CookiesConfig", "CookieBehavior", "Cookies"),
    "query_strings": ("QueryStringsConfig", "QueryStringBehavior", "QueryStrings"),
}
CACHE_KEY = "ParametersInCacheKeyAndForwardedToOrigin"
TTLS = (("min_ttl", "MinTTL"), ("default_ttl", "DefaultTTL"), ("max_ttl", "MaxTTL"))
ENCODINGS = (
    ("enable_accept_encoding_gzip", "EnableAcceptEncodingGzip"),
    ("enable_accept_encoding_brotli", "EnableAcceptEncodingBrotli"),
)
ITEM_BEHAVIORS = ("whitelist", "allExcept", "allViewerAndWhitelistCloudFront")
AWS_DEFAULT_TTL = 86400
AWS_MAX_TTL = 31536000
MAX_ITEMS = 10
MAX_COMMENT = 128
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MANAGED_PREFIX = "Managed-"


# ---------------------------------------------------------------------------------------------- normalise


def _items(field, items):
    names = [item.lower() for item in items] if field == "headers" else list(items)
    return sorted(names, key=lambda name: (name.lower(), name))


def _parameter(field, value):
    value = value or {}
    return {"behavior": value.get("behavior") or "none", "items": _items(field, value.get("items") or [])}


def resolve_ttls(min_ttl, default_ttl, max_ttl):
    """The TTLs AWS stores: DefaultTTL and MaxTTL derived from the others when not given, as AWS documents."""
    min_ttl = min_ttl or 0
    if default_ttl is None:
        default_ttl = max(AWS_DEFAULT_TTL, min_ttl)
        if max_ttl is not None:
            default_ttl = min(default_ttl, max(max_ttl, min_ttl))
    if max_ttl is None:
        max_ttl = max(AWS_MAX_TTL, default_ttl)
    return min_ttl, default_ttl, max_ttl


def desired_policy(kind, params):
    """Normalised policy from one entry of the module's ``cache_policies``/``origin_request_policies``."""
    policy = {"name": params["name"], "comment": params.get("comment") or ""}
    for field in PARAMETERS:
        policy[field] = _parameter(field, params.get(field))
    if kind == "cache":
        policy.update(
            zip(
                ("min_ttl", "default_ttl", "max_ttl"),
                resolve_ttls(params.get("min_ttl"), params.get("default_ttl"), params.get("max_ttl")),
            )
        )
        for key, dummy in ENCODINGS:
            # Compression is part of the cache key; a policy that caches nothing cannot have it.
            value = params.get(key)
            policy[key] = (policy["max_ttl"] > 0) if value is None else value
    return policy


def from_api(kind, config):
    """Normalised policy from a ``CachePolicyConfig``/``OriginRequestPolicyConfig`` (boto3 shape)."""
    policy = {"name": config["Name"], "comment": config.get("Comment") or ""}
    container = (config.get(CACHE_KEY) or {}) if kind == "cache" else config
    for field, (section_key, behavior_key, names_key) in PARAMETERS.items():
        section = container.get(section_key) or {}
        items = (section.get(names_key) or {}).get("Items") or []
        policy[field] = {"behavior": section.get(behavior_key) or "none", "items": _items(field, items)}
    if kind == "cache":
        for key, api_key in TTLS:
            policy[key] = config.get(api_key)
        for key, api_key in ENCODINGS:
            policy[key] = bool(container.get(api_key))
    return policy


def to_api(kind, policy):
    """The API config (boto3 shape) of a normalised policy."""
    sections = {}
    for field, (section_key, behavior_key, names_key) in PARAMETERS.items():
        section = {behavior_key: policy[field]["behavior"]}
        items = policy[field]["items"]
        if items:
            section[names_key] = {"Quantity": len(items), "Items": list(items)}
        sections[section_key] = section
    config = {"Name": policy["name"], "Comment": policy["comment"]}
    if kind == "origin_request":
        config.update(sections)
        return config
    for key, api_key in TTLS:
        config[api_key] = policy[key]
    config[CACHE_KEY] = dict(sections, **{api_key: policy[key] for key, api_key in ENCODINGS})
    return config


# ---------------------------------------------------------------------------------------------- validate


def _parameter_errors(kind, where, field, value):
    behavior, items = value["behavior"], value["items"]
    errors = []
    if behavior in ITEM_BEHAVIORS and not items:
        errors.append(f"{where}: {field}.items must list at least one name with behavior {behavior}")
    if behavior not in ITEM_BEHAVIORS and items:
        errors.append(f"{where}: {field}.items must be empty with behavior {behavior} (use whitelist or allExcept)")
    if len(items) > MAX_ITEMS:
        errors.append(f"{where}: {field}.items has {len(items)} names; CloudFront allows at most {MAX_ITEMS}")
    duplicates = list(find_duplicates(items))
    if duplicates:
        errors.append(f"{where}: {field}.items lists {', '.join(duplicates)} more than once")
    if field == "headers":
        if kind == "cache" and "accept-encoding" in items:
            errors.append(
                f"{where}: do not list Accept-Encoding in headers.items; "
                "use enable_accept_encoding_gzip/enable_accept_encoding_brotli"
            )
        if kind == "origin_request" and behavior == "whitelist":
            banned = [name for name in items if name in ("authorization", "accept-encoding")]
            if banned:
                errors.append(
                    f"{where}: an origin request policy cannot forward {', '.join(banned)}; "
                    "include it in the cache policy instead"
                )
        if behavior == "allViewerAndWhitelistCloudFront":
            others = [name for name in items if not name.startswith("cloudfront-")]
            if others:
                errors.append(
                    f"{where}: with behavior allViewerAndWhitelistCloudFront headers.items may only "
                    f"name CloudFront-* headers, not {', '.join(others)}"
                )
    return errors


def _cache_errors(where, policy):
    errors = []
    ttls = [policy[key] for key, dummy in TTLS]
    if min(ttls) < 0:
        errors.append(f"{where}: min_ttl, default_ttl and max_ttl must not be negative")
    elif not ttls[0] <= ttls[1] <= ttls[2]:
        errors.append(f"{where}: need min_ttl <= default_ttl <= max_ttl, got {ttls[0]}, {ttls[1]}, {ttls[2]}")
    if policy["max_ttl"] == 0:
        forwarded = [field for field in PARAMETERS if policy[field]["behavior"] != "none"]
        compressed = [key for key, dummy in ENCODINGS if policy[key]]
        if forwarded or compressed:
            errors.append(
                f"{where}: caching is disabled (max_ttl 0), so {', '.join(forwarded + compressed)} cannot be "
                "set: a cache policy that caches nothing cannot forward headers, cookies or query strings "
                "nor compress; forward them with an origin request policy instead"
            )
    return errors


def validate_policies(kind, policies, names_only=False):
    """Input errors of a list of normalised policies of one kind (empty list when fine).

    ``names_only`` (for deletion) checks only that no name is listed twice.
    """
    option = KINDS[kind]["option"]
    duplicates = find_duplicates([p["name"] for p in policies])
    errors = [f"{option}: name {name} is used more than once" for name in duplicates]
    for index, policy in enumerate([] if names_only else policies):
        where = f"{option}[{index}] ({policy['name']})"
        if not NAME_RE.match(policy["name"]):
            errors.append(f"{where}: name must be 1 to 128 letters, digits, '-' or '_'")
        if len(policy["comment"]) > MAX_COMMENT:
            errors.append(f"{where}: comment must not be longer than {MAX_COMMENT} characters")
        for field, choices in KINDS[kind]["behaviors"].items():
            if policy[field]["behavior"] not in choices:
                errors.append(f"{where}: {field}.behavior must be one of {', '.join(choices)}")
            else:
                errors.extend(_parameter_errors(kind, where, field, policy[field]))
        if kind == "cache":
            errors.extend(_cache_errors(where, policy))
    return errors


# ---------------------------------------------------------------------------------------------- compare


def existing_by_name(kind, summaries):
    """``{name: {"id", "config"}}`` from the ``Items`` of ``List*Policies``."""
    noun = KINDS[kind]["noun"]
    found = {}
    for item in summaries:
        policy = item[noun]
        found[policy[noun + "Config"]["Name"]] = {"id": policy["Id"], "config": from_api(kind, policy[noun + "Config"])}
    return found


def plan(desired, existing, state):
    """Actions for one kind: ``(action, desired, current)`` with action create, update, delete or none."""
    actions = []
    for policy in desired:
        current = existing.get(policy["name"])
        if state == "absent":
            actions.append(("delete" if current else "none", policy, current))
        elif current is None:
            actions.append(("create", policy, None))
        else:
            actions.append(("none" if current["config"] == policy else "update", policy, current))
    return actions


def resolve_managed(names, managed):
    """Ids of AWS managed policies by name.

    ``managed`` is ``{kind: {policy name: id}}`` from ``List*Policies Type=managed``. A name matches
    exactly or with/without the ``Managed-`` prefix (AWS names most managed policies ``Managed-*``,
    some not), so ``CachingDisabled`` finds ``Managed-CachingDisabled``. Returns
    ``({kind: {requested name: id}}, [names found nowhere])``.
    """
    found = {kind: {} for kind in managed}
    missing = []
    for name in names:
        candidates = [name, MANAGED_PREFIX + name]
        if name.startswith(MANAGED_PREFIX):
            candidates.append(name[len(MANAGED_PREFIX) :])
        hit = False
        for kind, by_name in managed.items():
            match = next((by_name[c] for c in candidates if c in by_name), None)
            if match:
                found[kind][name] = match
                hit = True
        if not hit:
            missing.append(name)
    return found, missing
