# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-memory emulator of a subset of the Cloudflare v4 API (zones, DNS, zone settings, rulesets, IPs)."""

import copy
import hashlib
import ipaddress
import json
import os
import re
import threading
import time
import uuid
from datetime import datetime
from datetime import timezone
from http import HTTPStatus
from urllib.parse import parse_qs

from localcloud.common import CLOUDFLARE_BASE_PATH
from localcloud.common import CONTROL_PREFIX
from localcloud.common import json_bytes
from localcloud.common import read_body

# Cloudflare's published ranges (https://www.cloudflare.com/ips/).
DEFAULT_IPV4 = [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
]
DEFAULT_IPV6 = [
    "2400:cb00::/32",
    "2606:4700::/32",
    "2803:f800::/32",
    "2405:b500::/32",
    "2405:8100::/32",
    "2a06:98c0::/29",
    "2c0f:f248::/32",
]
RECORD_TYPES = (
    "A",
    "AAAA",
    "CAA",
    "CERT",
    "CNAME",
    "DNSKEY",
    "DS",
    "HTTPS",
    "LOC",
    "MX",
    "NAPTR",
    "NS",
    "OPENPGPKEY",
    "PTR",
    "SMIMEA",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
    "URI",
)
PROXIABLE_TYPES = ("A", "AAAA", "CNAME")
TOKEN_RE = re.compile(r"^Bearer ([A-Za-z0-9_.-]+)$")
ZONE_ID_RE = re.compile(r"^[0-9a-f]{32}$")
CNAME_HELP = (
    "For more details, refer to <https://developers.cloudflare.com/dns/"
    "manage-dns-records/troubleshooting/records-with-same-name/>."
)
ACCOUNT = {"id": hashlib.md5(b"localcloud-account").hexdigest(), "name": "localcloud"}
# Zone plans (``POST /_localcloud/zones``): legacy_id -> (plan name, price). Free is the default.
PLANS = {
    "free": ("Free Website", 0),
    "pro": ("Pro Website", 25),
    "business": ("Business Website", 250),
    "enterprise": ("Enterprise Website", 5000),
}
# Zone settings served by ``/zones/{id}/settings/{name}``: name -> (value of a new zone, accepted
# values). A new zone's SSL/TLS encryption mode is Flexible until someone (or Cloudflare's Automatic
# SSL/TLS, gradually, at most about monthly) raises it; ``origin_pull`` is Enterprise only.
ZONE_SETTINGS = {"ssl": ("flexible", ("off", "flexible", "full", "strict", "origin_pull"))}
ENTERPRISE_ONLY_VALUES = {("ssl", "origin_pull")}

# Rulesets (``/zones/{id}/rulesets``, the Ruleset Engine). Phases as the official SDK lists them
# (cloudflare-python ``types/rulesets/phase.py``); the actions a zone entrypoint of a phase accepts, for the
# phases the emulator checks (every known action is accepted in the others).
RULESET_PHASES = (
    "ddos_l4",
    "ddos_l7",
    "http_config_settings",
    "http_custom_errors",
    "http_log_custom_fields",
    "http_ratelimit",
    "http_request_cache_settings",
    "http_request_dynamic_redirect",
    "http_request_firewall_custom",
    "http_request_firewall_managed",
    "http_request_late_transform",
    "http_request_origin",
    "http_request_redirect",
    "http_request_sanitize",
    "http_request_sbfm",
    "http_request_transform",
    "http_response_cache_settings",
    "http_response_compression",
    "http_response_firewall_managed",
    "http_response_headers_transform",
    "magic_transit",
    "magic_transit_ids_managed",
    "magic_transit_managed",
    "magic_transit_ratelimit",
)
RULE_ACTIONS = (
    "block",
    "challenge",
    "compress_response",
    "ddos_dynamic",
    "execute",
    "force_connection_close",
    "js_challenge",
    "log",
    "log_custom_field",
    "managed_challenge",
    "redirect",
    "rewrite",
    "route",
    "score",
    "serve_error",
    "set_cache_settings",
    "set_config",
    "skip",
)
PHASE_ACTIONS = {
    "http_request_late_transform": ("rewrite",),
    "http_request_transform": ("rewrite",),
    "http_response_headers_transform": ("rewrite",),
    "http_request_firewall_custom": ("block", "challenge", "js_challenge", "log", "managed_challenge", "skip"),
    "http_request_dynamic_redirect": ("redirect",),
    "http_request_origin": ("route",),
    "http_request_cache_settings": ("set_cache_settings",),
    "http_config_settings": ("set_config",),
}
# Request Header Transform Rules (https://developers.cloudflare.com/rules/transform/request-header-modification/):
# names of [A-Za-z0-9_-]; no name starting with cf- or x-cf-; no forbidden header name (MDN's list), nothing
# that identifies the visitor's address or protocol, no cookie; values of the documented characters, 4 KB at most
# (.../reference/header-format/).
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
HEADER_VALUE_RE = re.compile(r"^[A-Za-z0-9_ :;.,\\/\"'?!(){}\[\]@<>=+*#$&`|~^%-]*$")
HEADER_VALUE_MAX = 4096
REFUSED_REQUEST_HEADERS = frozenset(
    (
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "permissions-policy",
        "referer",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-real-ip",
        "true-client-ip",
    )
)
REFUSED_REQUEST_PREFIXES = ("cf-", "x-cf-", "proxy-", "sec-")


class ApiError(Exception):
    """An API error answered with the Cloudflare envelope."""

    def __init__(self, status, code, message, chain=None, headers=None):
        super().__init__(message)
        self.status = status
        self.errors = [{"code": code, "message": message}]
        if chain:
            self.errors[0]["error_chain"] = [{"code": c, "message": m} for c, m in chain]
        self.headers = headers or []


def validation_error(code, message):
    """Return a DNS Validation Error (1004) with an error chain."""
    return ApiError(400, 1004, "DNS Validation Error", [(code, message)])


def ruleset_error(message, pointer=None, code=None, status=400):
    """A Ruleset Engine validation error: ``message`` with ``source.pointer`` (code only where one is known)."""
    error = ApiError(status, code, message)
    if code is None:
        del error.errors[0]["code"]
    if pointer:
        error.errors[0]["source"] = {"pointer": pointer}
    return error


def now_iso():
    """Return the current time the way Cloudflare formats it."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def etag_of(ipv4, ipv6):
    """Return a stable etag for a set of ranges."""
    return hashlib.md5(json.dumps([ipv4, ipv6]).encode()).hexdigest()


class CloudflareEmulator:
    """WSGI application emulating the Cloudflare API."""

    def __init__(self, zones=None, tokens=None):
        env_zones = os.environ.get("LOCALCLOUD_CLOUDFLARE_ZONES") or "rocketclub.local"
        env_tokens = os.environ.get("LOCALCLOUD_CLOUDFLARE_TOKEN") or "localcloud-cloudflare-token"
        self.seed_zones = zones or [z.strip().lower() for z in env_zones.split(",") if z.strip()]
        self.seed_tokens = tokens or [t.strip() for t in env_tokens.split(",") if t.strip()]
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        """Restore the seeded state."""
        with self.lock:
            stamp = now_iso()
            self.zones = {}
            for name in self.seed_zones:
                self._add_zone(name, stamp)
            self.records = {zone_id: {} for zone_id in self.zones}
            self.settings = {zone_id: self._new_settings() for zone_id in self.zones}
            self.rulesets = {zone_id: {} for zone_id in self.zones}
            self.tokens = {token: "active" for token in self.seed_tokens}
            self.ipv4 = list(DEFAULT_IPV4)
            self.ipv6 = list(DEFAULT_IPV6)
            self.faults = []
            self.log = []
            self.seq = 0

    def _add_zone(self, name, stamp, plan="free"):
        """Create (or change the plan of) the zone ``name``; return it."""
        zone_id = hashlib.md5(name.encode()).hexdigest()
        plan_name, price = PLANS[plan]
        plan_id = "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee" if plan == "free" else hashlib.md5(plan.encode()).hexdigest()
        self.zones[zone_id] = {
            "id": zone_id,
            "name": name,
            "status": "active",
            "paused": False,
            "type": "full",
            "development_mode": 0,
            "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
            "original_name_servers": None,
            "original_registrar": None,
            "original_dnshost": None,
            "created_on": stamp,
            "modified_on": stamp,
            "activated_on": stamp,
            "meta": {"step": 4, "custom_certificate_quota": 0, "page_rule_quota": 3, "phishing_detected": False},
            "owner": {"id": None, "type": "user", "email": None},
            "account": dict(ACCOUNT),
            "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
            "plan": {
                "id": plan_id,
                "name": plan_name,
                "price": price,
                "currency": "USD",
                "frequency": "monthly" if price else "",
                "is_subscribed": bool(price),
                "can_subscribe": False,
                "legacy_id": plan,
                "legacy_discount": False,
                "externally_managed": False,
            },
        }
        return self.zones[zone_id]

    @staticmethod
    def _new_settings():
        return {
            name: {"id": name, "value": value, "editable": True, "modified_on": None}
            for name, (value, dummy) in ZONE_SETTINGS.items()
        }

    def _setting(self, zone, name):
        if name not in ZONE_SETTINGS:
            raise ApiError(400, 1006, "Unrecognized zone setting name: %s" % name)
        return self.settings.setdefault(zone["id"], self._new_settings())[name]

    def _edit_setting(self, zone, name, data):
        setting = self._setting(zone, name)
        value = data.get("value")
        allowed = ZONE_SETTINGS[name][1]
        if (
            not isinstance(value, str)
            or value not in allowed
            or ((name, value) in ENTERPRISE_ONLY_VALUES and zone["plan"]["legacy_id"] != "enterprise")
        ):
            raise ApiError(400, 1007, "Invalid value for zone setting %s" % name)
        if not setting["editable"]:
            raise ApiError(400, 1025, "It is not possible to change %s settings for this zone." % name)
        if setting["value"] != value:
            setting["value"] = value
            setting["modified_on"] = now_iso()
        return copy.deepcopy(setting)

    # -- helpers -----------------------------------------------------------
    def _zone(self, zone_id, path):
        zone = self.zones.get(zone_id)
        if zone is None:
            raise ApiError(400, 7003, "Could not route to %s, perhaps your object identifier is invalid?" % path)
        return zone

    def _auth(self, environ):
        header = environ.get("HTTP_AUTHORIZATION")
        if header is None:
            if environ.get("HTTP_X_AUTH_KEY") or environ.get("HTTP_X_AUTH_EMAIL"):
                raise ApiError(400, 6003, "Invalid request headers", [(6103, "Invalid format for X-Auth-Key header")])
            raise ApiError(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
        match = TOKEN_RE.match(header.strip())
        if not match:
            raise ApiError(400, 6003, "Invalid request headers", [(6111, "Invalid format for Authorization header")])
        if self.tokens.get(match.group(1)) != "active":
            raise ApiError(401, 10000, "Authentication error")
        return match.group(1)

    def _fault(self):
        if not self.faults:
            return None
        fault = self.faults[0]
        fault["count"] -= 1
        if fault["count"] <= 0:
            self.faults.pop(0)
        status = fault["status"]
        headers = []
        if fault.get("retry_after") is not None:
            headers.append(("Retry-After", str(fault["retry_after"])))
        if status == 429:
            return ApiError(429, 971, "Please wait and consider throttling your request speed", headers=headers)
        return ApiError(
            status, fault.get("code", status), fault.get("message") or HTTPStatus(status).phrase, headers=headers
        )

    def _fqdn(self, zone, name):
        name = (name or "").strip().lower().rstrip(".")
        if not name:
            raise validation_error(9007, "Content for name is required.")
        if name == "@":
            return zone["name"]
        if name == zone["name"] or name.endswith("." + zone["name"]):
            return name
        return "%s.%s" % (name, zone["name"])

    def _validate(self, zone, data, current=None):
        """Return a normalised record built from ``data`` (merged on ``current``)."""
        merged = dict(current or {})
        merged.update({k: v for k, v in data.items() if v is not None or k == "comment"})
        rtype = str(merged.get("type") or "").upper()
        if rtype not in RECORD_TYPES:
            raise validation_error(9020, "Invalid DNS record type")
        name = self._fqdn(zone, merged.get("name"))
        content = merged.get("content")
        if content is None and isinstance(merged.get("data"), dict):
            content = " ".join(str(v) for v in merged["data"].values())
        if content in (None, ""):
            raise validation_error(9007, "Content for %s record is invalid. Must not be empty." % rtype)
        content = str(content)
        if rtype == "A":
            try:
                ipaddress.IPv4Address(content)
            except ValueError:
                raise validation_error(9005, "Content for A record must be a valid IPv4 address.") from None
        if rtype == "AAAA":
            try:
                content = str(ipaddress.IPv6Address(content))
            except ValueError:
                raise validation_error(9006, "Content for AAAA record must be a valid IPv6 address.") from None
        if rtype == "CNAME":
            content = content.lower().rstrip(".")
        ttl = merged.get("ttl", 1)
        if ttl is None:
            ttl = 1
        min_ttl = 30 if zone["plan"]["legacy_id"] == "enterprise" else 60
        if (
            not isinstance(ttl, (int, float))
            or isinstance(ttl, bool)
            or int(ttl) != ttl
            or not (ttl == 1 or min_ttl <= ttl <= 86400)
        ):
            raise validation_error(9021, "TTL must be between %d and 86400 seconds, or 1 for Automatic." % min_ttl)
        proxied = bool(merged.get("proxied"))
        if proxied and rtype not in PROXIABLE_TYPES:
            raise validation_error(9004, "This record type cannot be proxied.")
        priority = merged.get("priority")
        if rtype == "MX" and priority is None:
            raise validation_error(9100, "MX priority is required.")
        tags = merged.get("tags") or []
        settings = merged.get("settings") or {}
        if rtype == "CNAME":
            settings = dict({"flatten_cname": False}, **settings)
        record = {
            "id": (current or {}).get("id") or uuid.uuid4().hex,
            "zone_id": zone["id"],
            "zone_name": zone["name"],
            "name": name,
            "type": rtype,
            "content": content,
            "proxiable": rtype in PROXIABLE_TYPES,
            "proxied": proxied,
            "ttl": int(ttl),
            "settings": settings,
            "meta": {},
            "comment": merged.get("comment"),
            "tags": list(tags),
            "created_on": (current or {}).get("created_on"),
            "modified_on": None,
        }
        if priority is not None:
            record["priority"] = int(priority)
        if merged.get("data") is not None:
            record["data"] = merged["data"]
        return record

    def _check_conflicts(self, zone_id, record):
        for other in self.records[zone_id].values():
            if other["id"] == record["id"] or other["name"] != record["name"]:
                continue
            if other["type"] == record["type"] and other["content"] == record["content"]:
                raise ApiError(400, 81057, "The record already exists.")
            if record["type"] == "CNAME" and other["type"] in ("A", "AAAA", "CNAME"):
                raise ApiError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")
            if record["type"] in ("A", "AAAA") and other["type"] == "CNAME":
                raise ApiError(400, 81054, "A CNAME record with that host already exists. " + CNAME_HELP)

    def _store(self, zone, data, current=None):
        record = self._validate(zone, data, current)
        self._check_conflicts(zone["id"], record)
        stamp = now_iso()
        record["created_on"] = record["created_on"] or stamp
        record["modified_on"] = stamp
        if current is not None and current.get("comment") != record["comment"]:
            record["comment_modified_on"] = stamp
        if record["comment"] is not None and "comment_modified_on" not in record:
            record["comment_modified_on"] = (current or {}).get("comment_modified_on") or stamp
        if record["tags"]:
            record["tags_modified_on"] = (current or {}).get("tags_modified_on") or stamp
        self.records[zone["id"]][record["id"]] = record
        return copy.deepcopy(record)

    @staticmethod
    def _matches(record, query):
        """Evaluate list filters; return list of booleans."""
        results = []
        for field in ("name", "content", "comment"):
            value = str(record.get(field) or "").lower()
            for key, wanted in query.items():
                if key != field and not key.startswith(field + "."):
                    continue
                op = key.split(".", 1)[1] if "." in key else "exact"
                wanted = wanted[0].lower()
                if field == "name" and wanted.endswith("."):
                    wanted = wanted.rstrip(".")
                results.append(
                    {
                        "exact": value == wanted,
                        "contains": wanted in value,
                        "startswith": value.startswith(wanted),
                        "endswith": value.endswith(wanted),
                        "present": record.get(field) is not None,
                        "absent": record.get(field) is None,
                    }.get(op, False)
                )
        if "type" in query:
            results.append(record["type"] == query["type"][0].upper())
        if "proxied" in query:
            results.append(record["proxied"] is (query["proxied"][0].lower() == "true"))
        if "tag" in query:
            results.append(any(query["tag"][0] == t or t.startswith(query["tag"][0] + ":") for t in record["tags"]))
        return results

    @staticmethod
    def _paginate(items, query, default_per_page=100):
        try:
            page = max(1, int(float(query.get("page", ["1"])[0])))
            per_page = max(1, min(5000000, int(float(query.get("per_page", [default_per_page])[0]))))
        except ValueError:
            raise ApiError(400, 1004, "DNS Validation Error", [(9200, "page and per_page must be numbers")]) from None
        total = len(items)
        chunk = items[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": total,
            "total_pages": (total + per_page - 1) // per_page,
        }
        return chunk, info

    # -- rulesets ----------------------------------------------------------------
    def _phase(self, phase):
        if phase not in RULESET_PHASES:
            raise ruleset_error("'%s' is not a valid value for phase" % phase, "/phase")
        return phase

    def _entrypoint(self, zone, phase):
        for ruleset in self.rulesets.setdefault(zone["id"], {}).values():
            if ruleset["kind"] == "zone" and ruleset["phase"] == phase:
                return ruleset
        return None

    def _ruleset(self, zone, ruleset_id):
        ruleset = self.rulesets.setdefault(zone["id"], {}).get(ruleset_id)
        if ruleset is None:
            raise ApiError(404, 10003, "could not find ruleset %s" % ruleset_id)
        return ruleset

    @staticmethod
    def _check_headers(headers, pointer, phase):
        if not isinstance(headers, dict) or not headers:
            raise ruleset_error("headers must contain at least one header", pointer)
        request = phase != "http_response_headers_transform"
        for name, spec in headers.items():
            where = "%s/%s" % (pointer, name)
            lower = str(name).lower()
            if not HEADER_NAME_RE.match(str(name)):
                raise ruleset_error(
                    "'%s' is not a valid value for headers because a header name may only contain the characters "
                    "a-z, A-Z, 0-9, - and _" % name,
                    where,
                )
            if lower.startswith(REFUSED_REQUEST_PREFIXES[:2]) or (
                request and (lower in REFUSED_REQUEST_HEADERS or lower.startswith(REFUSED_REQUEST_PREFIXES[2:]))
            ):
                raise ruleset_error(
                    "'%s' is not a valid value for headers because the header cannot be modified" % name, where
                )
            operation = (spec or {}).get("operation") if isinstance(spec, dict) else None
            allowed = ("set", "remove") if request else ("set", "add", "remove")
            if operation not in allowed:
                raise ruleset_error(
                    "'%s' is not a valid value for operation because it must be one of %s"
                    % (operation, ", ".join(allowed)),
                    where + "/operation",
                )
            if operation == "remove":
                continue
            has_value, has_expression = "value" in spec, "expression" in spec
            if has_value == has_expression:
                raise ruleset_error("exactly one of value and expression must be set", where)
            if has_value:
                value = spec["value"]
                if not isinstance(value, str) or not value:
                    raise ruleset_error("the header value cannot be empty", where + "/value")
                if len(value.encode("utf-8")) > HEADER_VALUE_MAX or not HEADER_VALUE_RE.match(value):
                    # The real message quotes the value; a secret must not reach a log through an error, so the
                    # emulator names only the header.
                    raise ruleset_error(
                        "the value of header %s is not valid: it may only contain letters, digits and "
                        "_ :;.,\\/\"'?!(){}[]@<>=-+*#$&`|~^%% and be at most 4 KB long" % name,
                        where + "/value",
                    )
            elif not isinstance(spec["expression"], str) or not spec["expression"].strip():
                raise ruleset_error(
                    "'' is not a valid value for expression because the expression cannot be blank",
                    where + "/expression",
                    code=20125,
                )

    def _check_rule(self, rule, phase, pointer):
        """Return a stored rule built from the request's ``rule`` (not yet given id/version/ref)."""
        if not isinstance(rule, dict):
            raise ruleset_error("a rule must be an object", pointer)
        action = rule.get("action")
        if action not in RULE_ACTIONS:
            raise ruleset_error("'%s' is not a valid value for action" % (action or ""), pointer + "/action")
        allowed = PHASE_ACTIONS.get(phase)
        if allowed is not None and action not in allowed:
            raise ruleset_error(
                "'%s' is not a valid value for action because it is not possible to use the %s action in a ruleset "
                "with phase %s and kind zone" % (action, action, phase),
                pointer + "/action",
            )
        expression = rule.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise ruleset_error(
                "'' is not a valid value for expression because the expression cannot be blank",
                pointer + "/expression",
                code=20125,
            )
        params = rule.get("action_parameters")
        if action == "rewrite" and phase in ("http_request_late_transform", "http_response_headers_transform"):
            if not isinstance(params, dict) or "headers" not in params:
                raise ruleset_error("headers must be set for a rewrite rule in phase %s" % phase, pointer)
            if set(params) - {"headers"}:
                extra = sorted(set(params) - {"headers"})[0]
                raise ruleset_error(
                    "'%s' is not a valid action parameter in phase %s" % (extra, phase),
                    pointer + "/action_parameters/" + extra,
                )
            self._check_headers(params["headers"], pointer + "/action_parameters/headers", phase)
        for key, kind in (("description", str), ("ref", str), ("enabled", bool)):
            if rule.get(key) is not None and not isinstance(rule[key], kind):
                raise ruleset_error("'%s' is not a valid value for %s" % (rule[key], key), pointer + "/" + key)
        stored = {
            "action": action,
            "expression": expression,
            "description": rule.get("description") or "",
            "enabled": rule.get("enabled") is not False,
        }
        if params is not None:
            stored["action_parameters"] = copy.deepcopy(params)
        if rule.get("ref"):
            stored["ref"] = rule["ref"]
        return stored

    @staticmethod
    def _definition(rule):
        return {k: v for k, v in rule.items() if k not in ("id", "version", "last_updated", "ref")}

    def _place(self, ruleset, stored, current=None):
        """Give ``stored`` its id, version, ref and time (keeping ``current``'s); check the ref is unique."""
        stamp = now_iso()
        if current is None:
            stored["id"] = uuid.uuid4().hex
            stored["version"] = "1"
        else:
            stored["id"] = current["id"]
            same = (
                self._definition(current) == self._definition(stored)
                and stored.get("ref", current["ref"]) == (current["ref"])
            )
            stored["version"] = current["version"] if same else str(int(current["version"]) + 1)
            stored.setdefault("ref", current["ref"])
            if same:
                stamp = current["last_updated"]
        stored.setdefault("ref", stored["id"])
        stored["last_updated"] = stamp
        return stored

    @staticmethod
    def _check_refs(rules):
        seen = set()
        for index, rule in enumerate(rules):
            if rule["ref"] in seen:
                raise ruleset_error(
                    "'%s' is not a valid value for ref because it is already used by another rule" % rule["ref"],
                    "/rules/%d/ref" % index,
                )
            seen.add(rule["ref"])

    @staticmethod
    def _order(rule):
        keys = ("id", "version", "action", "action_parameters", "expression", "description", "last_updated", "ref")
        ordered = {k: rule[k] for k in keys if k in rule}
        ordered["enabled"] = rule["enabled"]
        return ordered

    def _changed(self, ruleset):
        ruleset["version"] = str(int(ruleset["version"]) + 1)
        ruleset["last_updated"] = now_iso()
        ruleset["rules"] = [self._order(r) for r in ruleset["rules"]]
        return copy.deepcopy(ruleset)

    def _put_entrypoint(self, zone, phase, data):
        rules = data.get("rules", [])
        if not isinstance(rules, list):
            raise ruleset_error("rules must be a list", "/rules")
        ruleset = self._entrypoint(zone, phase)
        existing = {r["id"]: r for r in (ruleset or {}).get("rules", [])}
        placed = []
        for index, rule in enumerate(rules):
            stored = self._check_rule(rule, phase, "/rules/%d" % index)
            rule_id = rule.get("id")
            if rule_id is not None and rule_id not in existing:
                raise ruleset_error(
                    "'%s' is not a valid value for id because no rule of the ruleset has it" % rule_id,
                    "/rules/%d/id" % index,
                )
            placed.append(self._place(ruleset, stored, existing.get(rule_id)))
        self._check_refs(placed)
        if ruleset is None:
            ruleset = {
                "id": uuid.uuid4().hex,
                "name": "default",
                "description": "",
                "kind": "zone",
                "version": "0",
                "rules": [],
                "last_updated": now_iso(),
                "phase": phase,
            }
            self.rulesets.setdefault(zone["id"], {})[ruleset["id"]] = ruleset
        for key in ("name", "description"):
            if isinstance(data.get(key), str):
                ruleset[key] = data[key]
        ruleset["rules"] = placed
        return self._changed(ruleset)

    @staticmethod
    def _position(ruleset, data, pointer="/position"):
        """Index at which a rule goes (``position``: ``before``/``after`` a rule id, or ``index`` from 1)."""
        position = data.get("position")
        rules = ruleset["rules"]
        if position is None:
            return None
        ids = [r["id"] for r in rules]
        if not isinstance(position, dict) or len(position) != 1:
            raise ruleset_error("position must have exactly one of before, after and index", pointer)
        ((key, value),) = position.items()
        if key == "index" and isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return min(value - 1, len(rules))
        if key in ("before", "after") and isinstance(value, str):
            if not value:
                return 0 if key == "before" else len(rules)
            if value in ids:
                return ids.index(value) + (1 if key == "after" else 0)
        raise ruleset_error("'%s' is not a valid value for %s" % (value, key), pointer + "/" + key)

    def _add_rule(self, ruleset, data):
        stored = self._place(ruleset, self._check_rule(data, ruleset["phase"], ""))
        index = self._position(ruleset, data)
        rules = list(ruleset["rules"])
        rules.insert(len(rules) if index is None else index, stored)
        self._check_refs(rules)
        ruleset["rules"] = rules
        return self._changed(ruleset)

    def _edit_rule(self, ruleset, rule_id, data):
        rules = list(ruleset["rules"])
        index = next((i for i, r in enumerate(rules) if r["id"] == rule_id), None)
        if index is None:
            raise ApiError(404, 10003, "could not find rule %s in ruleset %s" % (rule_id, ruleset["id"]))
        # A PATCH replaces the rule's definition (every field it should keep must be sent again), and may move it.
        stored = self._place(ruleset, self._check_rule(data, ruleset["phase"], ""), rules[index])
        del rules[index]
        target = self._position({"rules": rules}, data)
        rules.insert(index if target is None else target, stored)
        self._check_refs(rules)
        ruleset["rules"] = rules
        return self._changed(ruleset)

    def _delete_rule(self, ruleset, rule_id):
        if not any(r["id"] == rule_id for r in ruleset["rules"]):
            raise ApiError(404, 10003, "could not find rule %s in ruleset %s" % (rule_id, ruleset["id"]))
        ruleset["rules"] = [r for r in ruleset["rules"] if r["id"] != rule_id]
        return self._changed(ruleset)

    def _rulesets_api(self, zone, method, parts, body):
        """``/zones/{id}/rulesets...``: ``parts`` are the path parts after ``rulesets``."""
        if not parts:
            if method == "GET":
                summaries = [
                    {k: v for k, v in r.items() if k != "rules"}
                    for r in sorted(self.rulesets.setdefault(zone["id"], {}).values(), key=lambda r: r["phase"])
                ]
                return 200, copy.deepcopy(summaries), None
            raise ApiError(405, 10405, "Method not allowed for this route")
        if parts[0] == "phases" and len(parts) == 3 and parts[2] == "entrypoint":
            phase = self._phase(parts[1])
            if method == "GET":
                ruleset = self._entrypoint(zone, phase)
                if ruleset is None:
                    raise ApiError(404, 10003, "could not find entrypoint ruleset in the %s phase" % phase)
                return 200, copy.deepcopy(ruleset), None
            if method == "PUT":
                return 200, self._put_entrypoint(zone, phase, self._json(body)), None
            raise ApiError(405, 10405, "Method not allowed for this route")
        ruleset = self._ruleset(zone, parts[0])
        if len(parts) == 1 and method == "GET":
            return 200, copy.deepcopy(ruleset), None
        if len(parts) == 2 and parts[1] == "rules" and method == "POST":
            return 200, self._add_rule(ruleset, self._json(body)), None
        if len(parts) == 3 and parts[1] == "rules":
            if method == "PATCH":
                return 200, self._edit_rule(ruleset, parts[2], self._json(body)), None
            if method == "DELETE":
                return 200, self._delete_rule(ruleset, parts[2]), None
        if len(parts) in (1, 2, 3):
            raise ApiError(405, 10405, "Method not allowed for this route")
        raise ApiError(404, 7000, "No route for that URI")

    # -- routes --------------------------------------------------------------
    def api(self, method, path, query, body, environ):
        """Dispatch one API call; return (status, result, result_info, headers)."""
        parts = [p for p in path.split("/") if p]
        if parts == ["ips"] and method == "GET":
            return (
                200,
                {"ipv4_cidrs": list(self.ipv4), "ipv6_cidrs": list(self.ipv6), "etag": etag_of(self.ipv4, self.ipv6)},
                None,
            )
        self._auth(environ)
        if parts == ["user", "tokens", "verify"] and method == "GET":
            token = TOKEN_RE.match(environ["HTTP_AUTHORIZATION"].strip()).group(1)
            return 200, {"id": hashlib.md5(token.encode()).hexdigest(), "status": "active"}, None
        if parts == ["zones"] and method == "GET":
            zones = sorted(self.zones.values(), key=lambda z: z["name"])
            if query.get("name"):
                zones = [z for z in zones if z["name"] == query["name"][0].lower()]
            if query.get("status"):
                zones = [z for z in zones if z["status"] == query["status"][0]]
            if query.get("account.id"):
                zones = [z for z in zones if z["account"]["id"] == query["account.id"][0]]
            chunk, info = self._paginate(zones, query, 20)
            return 200, copy.deepcopy(chunk), info
        if len(parts) < 2 or parts[0] != "zones":
            raise ApiError(404, 7000, "No route for that URI")
        zone = self._zone(parts[1], "/" + "/".join(parts))
        if len(parts) == 2 and method == "GET":
            return 200, copy.deepcopy(zone), None
        if len(parts) == 4 and parts[2] == "settings":
            if method == "GET":
                return 200, copy.deepcopy(self._setting(zone, parts[3])), None
            if method == "PATCH":
                return 200, self._edit_setting(zone, parts[3], self._json(body)), None
            raise ApiError(405, 10405, "Method not allowed for this route")
        if len(parts) >= 3 and parts[2] == "rulesets":
            return self._rulesets_api(zone, method, parts[3:], body)
        if len(parts) < 3 or parts[2] != "dns_records" or len(parts) > 4:
            raise ApiError(404, 7000, "No route for that URI")
        records = self.records[zone["id"]]
        if len(parts) == 3:
            if method == "GET":
                match_all = query.get("match", ["all"])[0] != "any"
                items = []
                for record in records.values():
                    results = self._matches(record, query)
                    if not results or (all(results) if match_all else any(results)):
                        items.append(record)
                order = query.get("order", [None])[0]
                if order in ("type", "name", "content", "ttl", "proxied"):
                    items.sort(key=lambda r: r[order], reverse=query.get("direction", ["asc"])[0] == "desc")
                chunk, info = self._paginate(items, query)
                return 200, copy.deepcopy(chunk), info
            if method == "POST":
                return 200, self._store(zone, self._json(body)), None
            raise ApiError(405, 10405, "Method not allowed for this route")
        record = records.get(parts[3])
        if record is None:
            raise ApiError(404, 81044, "Record does not exist.")
        if method == "GET":
            return 200, copy.deepcopy(record), None
        if method == "PATCH":
            return 200, self._store(zone, self._json(body), record), None
        if method == "PUT":
            data = self._json(body)
            base = {"id": record["id"], "created_on": record["created_on"]}
            return 200, self._store(zone, data, base), None
        if method == "DELETE":
            del records[parts[3]]
            return 200, {"id": parts[3]}, None
        raise ApiError(405, 10405, "Method not allowed for this route")

    @staticmethod
    def _json(body):
        try:
            data = json.loads(body.decode("utf-8") or "{}")
        except ValueError:
            raise ApiError(400, 9207, "Request body is invalid.") from None
        if not isinstance(data, dict):
            raise ApiError(400, 9207, "Request body is invalid.")
        return data

    def control(self, method, name, body):
        """Handle ``/_localcloud/*``; return (status, data)."""
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return 400, {"error": "body must be JSON"}
        if name == "health" and method == "GET":
            return 200, {"status": "ok", "service": "cloudflare", "pid": os.getpid()}
        if name == "requests" and method == "GET":
            return 200, list(self.log)
        if name == "requests" and method == "DELETE":
            count, self.log = len(self.log), []
            return 200, {"cleared": count}
        if name == "faults" and method == "POST":
            status = int(data.get("status", 0))
            if not 400 <= status <= 599:
                return 400, {"error": "status must be 4xx or 5xx"}
            fault = {"status": status, "count": int(data.get("count", 1))}
            for key in ("retry_after", "code", "message"):
                if data.get(key) is not None:
                    fault[key] = data[key]
            self.faults.append(fault)
            return 200, {"faults": self.faults}
        if name == "faults" and method == "DELETE":
            self.faults = []
            return 200, {"faults": []}
        if name == "tokens" and method == "POST":
            if not data.get("token"):
                return 400, {"error": "token is required"}
            state = data.get("state", "active")
            if state not in ("active", "expired", "disabled"):
                return 400, {"error": "state must be active, expired or disabled"}
            self.tokens[data["token"]] = state
            return 200, {"tokens": self.tokens}
        if name == "zones" and method == "POST":
            zone_name = str(data.get("name") or "").strip().lower().rstrip(".")
            plan = data.get("plan", "free")
            if not zone_name or plan not in PLANS:
                return 400, {"error": "name is required and plan must be one of %s" % ", ".join(PLANS)}
            zone = self._add_zone(zone_name, now_iso(), plan)
            self.records.setdefault(zone["id"], {})
            self.settings.setdefault(zone["id"], self._new_settings())
            self.rulesets.setdefault(zone["id"], {})
            return 200, copy.deepcopy(zone)
        if name == "zone_settings" and method == "POST":
            # Change a setting as the dashboard (or Automatic SSL/TLS) would: not logged as an API call.
            zone_id = hashlib.md5(str(data.get("zone") or "").strip().lower().rstrip(".").encode()).hexdigest()
            setting_name = data.get("id")
            if zone_id not in self.zones or setting_name not in ZONE_SETTINGS:
                return 400, {"error": "zone must be a known zone name and id one of %s" % ", ".join(ZONE_SETTINGS)}
            setting = self._setting(self.zones[zone_id], setting_name)
            if data.get("value") is not None:
                if data["value"] not in ZONE_SETTINGS[setting_name][1]:
                    return 400, {"error": "value must be one of %s" % ", ".join(ZONE_SETTINGS[setting_name][1])}
                setting["value"] = data["value"]
                setting["modified_on"] = now_iso()
            if data.get("editable") is not None:
                setting["editable"] = bool(data["editable"])
            return 200, copy.deepcopy(setting)
        if name == "ips" and method == "POST":
            self.ipv4 = list(data.get("ipv4_cidrs", self.ipv4))
            self.ipv6 = list(data.get("ipv6_cidrs", self.ipv6))
            return 200, {"ipv4_cidrs": self.ipv4, "ipv6_cidrs": self.ipv6, "etag": etag_of(self.ipv4, self.ipv6)}
        if name == "state" and method == "GET":
            return 200, {
                "zones": copy.deepcopy(list(self.zones.values())),
                "records": [copy.deepcopy(r) for recs in self.records.values() for r in recs.values()],
                "settings": {
                    self.zones[zone_id]["name"]: {n: v["value"] for n, v in settings.items()}
                    for zone_id, settings in self.settings.items()
                    if zone_id in self.zones
                },
                "rulesets": {
                    self.zones[zone_id]["name"]: copy.deepcopy(list(rulesets.values()))
                    for zone_id, rulesets in self.rulesets.items()
                    if zone_id in self.zones and rulesets
                },
            }
        if name == "reset" and method == "POST":
            self.reset()
            return 200, {"reset": True}
        return 404, {"error": "no such control endpoint: %s %s" % (method, name)}

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/")
        body = read_body(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        headers = [("Content-Type", "application/json")]
        with self.lock:
            if path.startswith(CONTROL_PREFIX):
                status, data = self.control(method, path[len(CONTROL_PREFIX) :].strip("/"), body)
                payload = data
            else:
                result, info = None, None
                try:
                    if not path.startswith(CLOUDFLARE_BASE_PATH + "/"):
                        raise ApiError(404, 7000, "No route for that URI")
                    fault = self._fault()
                    if fault is not None:
                        raise fault
                    status, result, info = self.api(method, path[len(CLOUDFLARE_BASE_PATH) :], query, body, environ)
                    errors = []
                except ApiError as exc:
                    status, errors = exc.status, exc.errors
                    headers.extend(exc.headers)
                payload = {"result": result, "success": not errors, "errors": errors, "messages": []}
                if info is not None:
                    payload["result_info"] = info
                self.seq += 1
                self.log.append(
                    {
                        "seq": self.seq,
                        "time": time.time(),
                        "method": method,
                        "path": path,
                        "query": environ.get("QUERY_STRING", ""),
                        "status": status,
                    }
                )
        out = json_bytes(payload)
        headers.append(("Content-Length", str(len(out))))
        start_response("%d %s" % (status, HTTPStatus(status).phrase), headers)
        return [out]
