# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Eventual consistency right after a create, as AWS shows it (config ``eventual_consistency``).

Real AWS answers some calls with "not found" for a resource created moments before. With the switch on,
the fidelity layer remembers the resources created through it and answers the first dependent call of
each with the error AWS gives, in the protocol's wire shape; the retry goes through to moto:

======================================================  ==================================  =====================
call                                                    error (once per ...)                after
======================================================  ==================================  =====================
``ecs:CreateService``                                   ``ClusterNotFoundException``        ``CreateCluster``
                                                        (per cluster)
``application-autoscaling:RegisterScalableTarget``     ``ValidationException`` "ECS        ``CreateService``
(namespace ``ecs``)                                     service doesn't exist: ..."
                                                        (per service resource id)
``application-autoscaling:PutScalingPolicy``           ``ObjectNotFoundException``         ``RegisterScalableTarget``
                                                        (per scalable target)
``elasticloadbalancing:CreateListener``                ``CertificateNotFound``             ``acm:RequestCertificate``
                                                        (per certificate ARN)               / ``ImportCertificate``
======================================================  ==================================  =====================

Only resources created while the switch is on count as new; ``reset`` forgets them.
"""

import json
import threading
import uuid
from urllib.parse import parse_qs

from localcloud.common import json_bytes

INJECTED = "eventual_consistency"
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


def parse_switch(value):
    """Return the boolean of a config value (true/false, on/off, 1/0)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("eventual_consistency must be true or false (on/off), not %r" % (value,))


def _json(body):
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _form(environ, body):
    params = parse_qs(environ.get("QUERY_STRING", ""))
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        for key, values in parse_qs(body.decode("utf-8", "replace")).items():
            params.setdefault(key, []).extend(values)
    return params


def _cluster_name(value):
    """ECS accepts a cluster name or ARN; no cluster means ``default``."""
    value = value or "default"
    return value.split(":cluster/", 1)[1] if ":cluster/" in value else value


def _json_error(environ, code, message):
    request_id = str(uuid.uuid4())
    ctype = environ.get("CONTENT_TYPE", "")
    if not ctype.startswith("application/x-amz-json"):
        ctype = "application/x-amz-json-1.1"
    body = json_bytes({"__type": code, "message": message})
    return 400, [("Content-Type", ctype), ("x-amzn-RequestId", request_id)], body


def _query_error(code, message):
    request_id = str(uuid.uuid4())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
        "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
        "<RequestId>%s</RequestId></ErrorResponse>" % (code, _xml_text(message), request_id)
    )
    return 400, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode("utf-8")


def _xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Consistency:
    """Remembers new resources and answers the first dependent call of each with AWS's error."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = set()  # (kind, region, key) of resources created while the switch was on
        self.answered = set()  # the same tuples, once their error was answered

    def reset(self):
        with self.lock:
            self.created = set()
            self.answered = set()

    # -- the dependent calls ------------------------------------------------------------------------
    def _dependency(self, call, environ, body):
        """Return (kind, key, error tuple) for a call that depends on a new resource, else None."""
        service, operation, region = call["service"], call["operation"], call["region"]
        if service == "ecs" and operation == "CreateService":
            cluster = _cluster_name(_json(body).get("cluster"))
            return [
                (
                    ("cluster", region, cluster),
                    lambda: _json_error(environ, "ClusterNotFoundException", "Cluster not found."),
                )
            ]
        if service == "application-autoscaling" and operation == "RegisterScalableTarget":
            params = _json(body)
            resource = params.get("ResourceId", "")
            if params.get("ServiceNamespace") != "ecs":
                return []
            return [
                (
                    ("service", region, resource),
                    lambda: _json_error(environ, "ValidationException", "ECS service doesn't exist: %s" % resource),
                )
            ]
        if service == "application-autoscaling" and operation == "PutScalingPolicy":
            params = _json(body)
            target = "%s|%s|%s" % (
                params.get("ServiceNamespace"),
                params.get("ResourceId"),
                params.get("ScalableDimension"),
            )
            message = (
                "No scalable target registered for service namespace: %s, resource ID: %s, "
                "scalable dimension: %s"
                % (params.get("ServiceNamespace"), params.get("ResourceId"), params.get("ScalableDimension"))
            )
            return [(("target", region, target), lambda: _json_error(environ, "ObjectNotFoundException", message))]
        if service == "elasticloadbalancing" and operation == "CreateListener":
            params = _form(environ, body)
            arns = [
                values[0]
                for key, values in sorted(params.items())
                if key.startswith("Certificates.member.") and key.endswith(".CertificateArn")
            ]
            return [
                (
                    ("certificate", region, arn),
                    (lambda arn=arn: _query_error("CertificateNotFound", "Certificate '%s' not found" % arn)),
                )
                for arn in arns
            ]
        return []

    def inject(self, call, environ, body, enabled):
        """Return (status, headers, body) of the error to answer instead of moto, or None."""
        if not enabled or not call["write"]:
            return None
        for key, answer in self._dependency(call, environ, body):
            with self.lock:
                if key not in self.created or key in self.answered:
                    continue
                self.answered.add(key)
            return answer()
        return None

    # -- the creations ------------------------------------------------------------------------------
    def observe(self, call, body, response, enabled):
        """Remember a resource a successful create made (only while the switch is on)."""
        if not enabled:
            return
        service, operation, region = call["service"], call["operation"], call["region"]
        key = None
        if service == "ecs" and operation == "CreateCluster":
            cluster = (_json(response).get("cluster") or {}).get("clusterName")
            key = ("cluster", region, cluster or _cluster_name(_json(body).get("clusterName")))
        elif service == "ecs" and operation == "CreateService":
            params = _json(body)
            key = (
                "service",
                region,
                "service/%s/%s" % (_cluster_name(params.get("cluster")), params.get("serviceName")),
            )
        elif service == "application-autoscaling" and operation == "RegisterScalableTarget":
            params = _json(body)
            key = (
                "target",
                region,
                "%s|%s|%s"
                % (params.get("ServiceNamespace"), params.get("ResourceId"), params.get("ScalableDimension")),
            )
        elif service == "acm" and operation in ("RequestCertificate", "ImportCertificate"):
            arn = _json(response).get("CertificateArn")
            key = ("certificate", region, arn) if arn else None
        if key:
            with self.lock:
                self.created.add(key)
