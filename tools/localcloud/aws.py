# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WSGI fidelity layer in front of moto's server-mode application.

It keeps an exact request log, strips secrets that real AWS never returns,
injects protocol-correct throttling errors and simulates provisioning latency.
Everything else is passed to moto, whose EC2 models get the corrections in
``localcloud.moto_patches`` when the app is built.
"""

import json
import os
import random
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http import HTTPStatus
from urllib.parse import parse_qs

from localcloud import acm_fidelity
from localcloud import cloudfront_policies
from localcloud import consistency
from localcloud import latency
from localcloud.common import CONTROL_PREFIX
from localcloud.common import call_wsgi
from localcloud.common import json_bytes
from localcloud.common import read_body

READ_PREFIXES = ("Describe", "List", "Get", "Head", "BatchGet", "Lookup")
CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
CBOR_PATH_RE = re.compile(r"^/service/[^/]+/operation/([^/]+)$")
CLIENT_SECRET_RE = re.compile(rb"\s*<ClientSecret>.*?</ClientSecret>", re.S)

DEFAULT_CONFIG = {
    "throttle_fraction": 0.0,
    "throttle_seed": None,
    "throttle_services": [],
    "latency_seconds": 0,
    "eventual_consistency": False,
    "acm_record_delay_seconds": acm_fidelity.DEFAULT_RECORD_DELAY,
    latency.CONFIG_KEY: {},  # resolved {resource key: seconds} (localcloud.latency); {} is off
}

# Provisioning latency rewrites.  Each rule says: for ``service`` (the SigV4
# scope), when an operation matching ``create`` returns an element named
# ``element`` (any name when None) that has a child ``id`` and a state at the
# slash-separated path ``state``, remember the id and the time; while the
# resource's seconds have not passed since then, responses of operations
# matching ``create`` or ``read`` show ``transitional`` instead of ``final``.
# The seconds are the ``latency_profile`` entry named ``name`` when the profile
# has one, else ``latency_seconds``.  ``starts`` (optional) lists further
# operations that start a transition only under the profile: (operation regex,
# transitional state, member rule or None); a member rule
# (list path, id child, rule name) also starts the transition of the listed
# members (StartDBCluster: the cluster's instances).  ``moto_states`` are
# other states moto answers that the rewrite replaces too (StartDBCluster:
# ``started``).
LATENCY_RULES = (
    {
        "name": "ec2.nat_gateway",
        "service": "ec2",
        "element": None,
        "create": r"^CreateNatGateway$",
        "read": r"^DescribeNatGateways$",
        "id": "natGatewayId",
        "state": "state",
        "transitional": "pending",
        "final": "available",
    },
    {
        "name": "ec2.vpc_endpoint",
        "service": "ec2",
        "element": None,
        "create": r"^CreateVpcEndpoint$",
        "read": r"^DescribeVpcEndpoints$",
        "id": "vpcEndpointId",
        "state": "state",
        "transitional": "pending",
        "final": "available",
    },
    {
        "name": "rds.db_cluster",
        "service": "rds",
        "element": "DBCluster",
        "create": r"^CreateDBCluster$",
        "read": r"^DescribeDBClusters$",
        "id": "DBClusterIdentifier",
        "state": "Status",
        "transitional": "creating",
        "final": "available",
        "starts": (
            (r"^RestoreDBClusterFromSnapshot$", "creating", None),
            (r"^StartDBCluster$", "starting", ("DBClusterMembers", "DBInstanceIdentifier", "rds.db_instance")),
        ),
        "moto_states": ("started",),
    },
    {
        "name": "rds.db_instance",
        "service": "rds",
        "element": "DBInstance",
        "create": r"^CreateDBInstance$",
        "read": r"^DescribeDBInstances$",
        "id": "DBInstanceIdentifier",
        "state": "DBInstanceStatus",
        "transitional": "creating",
        "final": "available",
    },
    {
        "name": "elbv2.load_balancer",
        "service": "elasticloadbalancing",
        "element": None,
        "create": r"^CreateLoadBalancer$",
        "read": r"^DescribeLoadBalancers$",
        "id": "LoadBalancerArn",
        "state": "State/Code",
        "transitional": "provisioning",
        "final": "active",
    },
    {
        "name": "cloudfront.distribution",
        "service": "cloudfront",
        "element": None,
        "create": r"^POST /[0-9-]+/distribution$",
        "read": r"^GET /[0-9-]+/distribution(/[^/]+)?$",
        "id": "Id",
        "state": "Status",
        "transitional": "InProgress",
        "final": "Deployed",
        "starts": ((r"^PUT /[0-9-]+/distribution/[^/]+/config$", "InProgress", None),),
    },
)

# ELBv2 operations whose responses may carry an OIDC ClientSecret in moto.
SECRET_OPERATIONS = (
    "DescribeRules",
    "DescribeListeners",
    "CreateRule",
    "ModifyRule",
    "CreateListener",
    "ModifyListener",
)


# Conditions.member.<n>.Field and Conditions.member.<n>.HttpHeaderConfig.HttpHeaderName of an ELBv2 rule write.
CONDITION_KEY_RE = re.compile(r"^Conditions\.member\.(\d+)\.(Field|HttpHeaderConfig\.HttpHeaderName)$")


def classify(environ, body):
    """Return service, region, operation, protocol and write flag of a call."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    match = CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match and query.get("X-Amz-Credential"):
        match = CREDENTIAL_RE.search("Credential=" + query["X-Amz-Credential"][0])
    service, region = (match.group(4), match.group(3)) if match else ("unknown", None)
    target = environ.get("HTTP_X_AMZ_TARGET")
    cbor = CBOR_PATH_RE.match(path)
    action = query.get("Action")
    ctype = environ.get("CONTENT_TYPE", "")
    if not action and not target and "x-www-form-urlencoded" in ctype:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if target:
        operation, protocol = target.rsplit(".", 1)[-1], "json"
    elif action:
        operation, protocol = action[0], ("ec2" if service == "ec2" else "query")
    elif cbor and method == "POST":
        operation, protocol = cbor.group(1), "cbor"
    else:
        operation = cloudfront_policies.operation_name(method, path) or "%s %s" % (method, path)
        protocol = "rest"
    if protocol == "rest":
        write = method not in ("GET", "HEAD")
    else:
        write = not operation.startswith(READ_PREFIXES)
    call = {"service": service, "region": region, "operation": operation, "protocol": protocol, "write": write}
    if write and protocol == "query" and service == "elasticloadbalancing":
        call["conditions"] = elbv2_condition_fields(body)
    return call


def elbv2_condition_fields(body):
    """The listener-rule conditions of an ELBv2 write call, as ``<field>`` or ``http-header:<name>`` in request
    order, without any value (an origin-secret header's values are secrets): enough for a test to see from the
    request log whether each CreateRule or ModifyRule carried the origin-header condition. None when the call
    sends no conditions (a ModifyRule without Conditions keeps the rule's own)."""
    params = parse_qs(body.decode("utf-8", "replace"))
    fields = {}
    for key, values in params.items():
        match = CONDITION_KEY_RE.match(key)
        if match:
            fields.setdefault(int(match.group(1)), {})[match.group(2)] = values[0]
    if not fields:
        return None
    return [
        condition["Field"]
        + (
            ":" + condition["HttpHeaderConfig.HttpHeaderName"]
            if condition.get("Field") == "http-header" and "HttpHeaderConfig.HttpHeaderName" in condition
            else ""
        )
        for _index, condition in sorted(fields.items())
        if "Field" in condition
    ]


def throttle_response(call, environ):
    """Return (status, headers, body) of a protocol-correct throttling error."""
    request_id = str(uuid.uuid4())
    protocol = call["protocol"]
    if protocol == "json":
        ctype = environ.get("CONTENT_TYPE", "")
        if not ctype.startswith("application/x-amz-json"):
            ctype = "application/x-amz-json-1.1"
        body = json_bytes({"__type": "ThrottlingException", "message": "Rate exceeded"})
        return 400, [("Content-Type", ctype), ("x-amzn-RequestId", request_id)], body
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
            "</Error></Errors><RequestID>%s</RequestID></Response>" % request_id
        )
        return 503, [("Content-Type", "text/xml;charset=UTF-8")], body.encode()
    if protocol == "rest" and call["service"] == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
            "<Message>Please reduce your request rate.</Message>"
            "<RequestId>%s</RequestId></Error>" % request_id
        )
        return 503, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body.encode()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
        "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
        "<RequestId>%s</RequestId></ErrorResponse>" % request_id
    )
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    if protocol == "rest":
        headers.append(("x-amzn-ErrorType", "Throttling"))
    return 400, headers, body.encode()


def _local(tag):
    """Strip an XML namespace from a tag."""
    return tag.rsplit("}", 1)[-1]


def _child(elem, name):
    """Return the first direct child of ``elem`` with local name ``name``."""
    for child in elem:
        if _local(child.tag) == name:
            return child
    return None


def _find_path(elem, path):
    """Follow a slash-separated path of local names."""
    for part in path.split("/"):
        elem = _child(elem, part)
        if elem is None:
            return None
    return elem


def _candidates(root, rule):
    """Yield (element, id, state element) of resources a rule applies to."""
    for elem in root.iter():
        if rule["element"] and _local(elem.tag) != rule["element"]:
            continue
        ident = _child(elem, rule["id"])
        state = _find_path(elem, rule["state"])
        if ident is not None and state is not None and ident.text:
            yield elem, ident.text.strip(), state


def _member_ids(elem, path, ident):
    """Ids (child ``ident``) of the members listed under ``path`` of ``elem``."""
    listing = _find_path(elem, path)
    for member in listing if listing is not None else ():
        found = _child(member, ident)
        if found is not None and found.text:
            yield found.text.strip()


class AwsFidelity:
    """WSGI middleware wrapping moto's ``DomainDispatcherApplication``."""

    def __init__(self, app, reset_hooks=()):
        self.app = app
        self.reset_hooks = list(reset_hooks)
        self.lock = threading.Lock()
        self.log = []
        self.seq = 0
        self.config = dict(DEFAULT_CONFIG)
        self.rng = random.Random()
        self.created = {}
        self.consistency = consistency.Consistency()

    # -- control API -------------------------------------------------------
    def reset(self):
        """Reset moto, the log, the config and the other emulators."""
        from werkzeug.test import Client

        Client(self.app).post("/moto-api/reset")
        with self.lock:
            self.log = []
            self.config = dict(DEFAULT_CONFIG)
            self.rng = random.Random()
            self.created = {}
        self.consistency.reset()
        for hook in self.reset_hooks:
            hook()

    def set_config(self, data):
        """Validate and merge a partial configuration."""
        unknown = set(data) - set(DEFAULT_CONFIG)
        if unknown:
            raise ValueError("unknown config keys: %s" % ", ".join(sorted(unknown)))
        new = dict(self.config)
        new.update(data)
        fraction = float(new["throttle_fraction"] or 0)
        if not 0 <= fraction <= 1:
            raise ValueError("throttle_fraction must be between 0 and 1")
        new["throttle_fraction"] = fraction
        if new["throttle_seed"] is not None:
            new["throttle_seed"] = int(new["throttle_seed"])
        services = new["throttle_services"] or []
        if isinstance(services, str):
            services = [s for s in services.split(",") if s]
        new["throttle_services"] = [str(s) for s in services]
        uniform = float(new["latency_seconds"] or 0)
        if uniform < 0:
            raise ValueError("latency_seconds must not be negative")
        new["latency_seconds"] = int(uniform) if uniform == int(uniform) else uniform
        new["eventual_consistency"] = consistency.parse_switch(new["eventual_consistency"])
        new["acm_record_delay_seconds"] = acm_fidelity.parse_record_delay(new["acm_record_delay_seconds"])
        new[latency.CONFIG_KEY] = latency.parse_profile(new[latency.CONFIG_KEY])
        with self.lock:
            self.config = new
            if "throttle_seed" in data or "throttle_fraction" in data:
                self.rng = random.Random(new["throttle_seed"])
        return shown_config(new)

    def requests(self, query):
        """Return log entries filtered by a parsed query string."""
        with self.lock:
            entries = list(self.log)
        if query.get("service"):
            entries = [e for e in entries if e["service"] == query["service"][0]]
        if query.get("write"):
            want = query["write"][0].lower() in ("1", "true", "yes")
            entries = [e for e in entries if e["write"] is want]
        if query.get("since"):
            since = int(query["since"][0])
            entries = [e for e in entries if e["seq"] > since]
        return entries

    def control(self, environ, body):
        """Handle ``/_localcloud/*`` requests; return (status, data)."""
        method = environ["REQUEST_METHOD"].upper()
        name = environ["PATH_INFO"][len(CONTROL_PREFIX) :].strip("/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            return 400, {"error": "body must be JSON"}
        if name == "health" and method == "GET":
            return 200, {"status": "ok", "service": "aws", "pid": os.getpid()}
        if name == "requests" and method == "GET":
            return 200, self.requests(query)
        if name == "requests" and method == "DELETE":
            with self.lock:
                count = len(self.log)
                self.log = []
            return 200, {"cleared": count}
        if name == "config" and method == "GET":
            with self.lock:
                return 200, shown_config(self.config)
        if name == "config" and method == "POST":
            try:
                return 200, self.set_config(payload)
            except (TypeError, ValueError) as exc:
                return 400, {"error": str(exc)}
        if name == "reset" and method == "POST":
            self.reset()
            return 200, {"reset": True}
        if name == "backdate":
            from localcloud import backdate  # pylint: disable=import-outside-toplevel

            return backdate.control(method, name, payload)
        if name.startswith("events/"):
            from localcloud import events_fidelity  # pylint: disable=import-outside-toplevel

            answer = events_fidelity.control(method, name, payload)
            if answer:
                return answer
        if name.startswith("rds/"):
            from localcloud import rds_fidelity  # pylint: disable=import-outside-toplevel

            answer = rds_fidelity.control(method, name, payload)
            if answer:
                return answer
        return 404, {"error": "no such control endpoint: %s %s" % (method, name)}

    # -- fidelity ------------------------------------------------------------
    def _should_throttle(self, call):
        with self.lock:
            fraction = self.config["throttle_fraction"]
            services = self.config["throttle_services"]
            if fraction <= 0 or call["protocol"] == "cbor":
                return False
            if services and call["service"] not in services:
                return False
            return self.rng.random() < fraction

    def _seconds(self, rule_name, uniform):
        """Seconds a resource of ``rule_name`` stays transitional: its ``latency_profile`` entry, else
        ``latency_seconds`` for the transitions it has always applied to (``uniform``), else none."""
        profile = self.config.get("latency_profile") or {}
        if rule_name in profile:
            return profile[rule_name]
        return self.config["latency_seconds"] if uniform else 0

    def _latency(self, call, body):
        """Register resources whose transition starts and rewrite states; return new body."""
        op = call["operation"]
        matched = []
        for rule in LATENCY_RULES:
            if rule["service"] != call["service"]:
                continue
            if re.match(rule["create"], op):
                matched.append((rule, (rule["transitional"], True, None)))
                continue
            start = next((s for s in rule.get("starts", ()) if re.match(s[0], op)), None)
            if start is not None:
                matched.append((rule, (start[1], False, start[2])))
            elif re.match(rule["read"], op):
                matched.append((rule, None))
        active = self.config["latency_seconds"] or self.config.get("latency_profile") or self.created
        if not matched or not active:
            return body
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return body
        now = time.time()
        changed = False
        for rule, starting in matched:
            for elem, ident, state in _candidates(root, rule):
                key = (rule["name"], ident)
                with self.lock:
                    if starting is not None:
                        transitional, uniform, members = starting
                        if self._seconds(rule["name"], uniform):
                            self.created[key] = (now, transitional, uniform)
                        if members and self._seconds(members[2], False):
                            for member in _member_ids(elem, members[0], members[1]):
                                self.created[(members[2], member)] = (now, transitional, False)
                    entry = self.created.get(key)
                    seconds = self._seconds(rule["name"], entry[2]) if entry else 0
                if entry is None or now - entry[0] >= seconds:
                    continue
                known = (rule["final"], rule["transitional"], entry[1]) + tuple(rule.get("moto_states", ()))
                if (state.text or "").strip() in known:
                    state.text = entry[1]
                    changed = True
        if not changed:
            return body
        namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
        try:
            text = ET.tostring(root, encoding="unicode", default_namespace=namespace)
        except ValueError:
            text = ET.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")

    def _record(self, call, environ, status, throttled, injected=None):
        with self.lock:
            self.seq += 1
            self.log.append(
                {
                    "seq": self.seq,
                    "time": time.time(),
                    "service": call["service"],
                    "region": call["region"],
                    "operation": call["operation"],
                    "method": environ.get("REQUEST_METHOD", "GET").upper(),
                    "path": environ.get("PATH_INFO", "/"),
                    "status": status,
                    "write": call["write"],
                    "throttled": throttled,
                    "injected": injected,
                }
            )
            if "conditions" in call:
                self.log[-1]["conditions"] = call["conditions"]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        body = read_body(environ)
        if path.startswith(CONTROL_PREFIX):
            status, data = self.control(environ, body)
            return _respond(start_response, status, [("Content-Type", "application/json")], json_bytes(data))
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        call = classify(environ, body)
        if self._should_throttle(call):
            status, headers, out = throttle_response(call, environ)
            self._record(call, environ, status, True)
            return _respond(start_response, status, headers, out)
        consistent = self.config["eventual_consistency"]
        injected = self.consistency.inject(call, environ, body, consistent)
        if injected:
            status, headers, out = injected
            self._record(call, environ, status, False, consistency.INJECTED)
            return _respond(start_response, status, headers, out)
        status_line, headers, out = call_wsgi(self.app, environ)
        status = int(status_line.split(" ", 1)[0])
        original = out
        if status == 404 and call["protocol"] == "json":
            # awsJson services answer every client error with HTTP 400.
            status = 400
            status_line = "400 Bad Request"
        if call["service"] == "elasticloadbalancing" and call["operation"] in SECRET_OPERATIONS:
            out = CLIENT_SECRET_RE.sub(b"", out)
        if status < 300:
            self.consistency.observe(call, body, out, consistent)
            out = self._latency(call, out)
        if out is not original:
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(out))))
        self._record(call, environ, status, False)
        start_response(status_line, headers)
        return [out]


def shown_config(config):
    """The configuration as the control API shows it (``latency_profile``: the resolved profile, {} when off)."""
    return dict(config)


def _respond(start_response, status, headers, body):
    """Send a complete response."""
    reason = HTTPStatus(status).phrase
    headers = list(headers) + [("Content-Length", str(len(body)))]
    start_response("%d %s" % (status, reason), headers)
    return [body]


def build_app(reset_hooks=(), cloudflare=None):
    """Build moto's server app wrapped in the fidelity layer (``cloudflare``: the emulator whose DNS
    records ACM validates certificates against)."""
    from moto.server import DomainDispatcherApplication
    from moto.server import create_backend_app

    from localcloud import moto_patches

    moto_patches.apply()  # raises MotoPatchError, so the daemon does not start
    moto_app = cloudfront_policies.CloudFrontPolicies(DomainDispatcherApplication(create_backend_app))
    app = AwsFidelity(moto_app, reset_hooks)
    from localcloud import events_fidelity  # pylint: disable=import-outside-toplevel

    app.reset_hooks.append(events_fidelity.clear_failures)
    acm_fidelity.install(cloudflare, lambda: app.config)
    latency.install(lambda: app.config)
    return app
