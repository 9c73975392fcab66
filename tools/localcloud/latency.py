# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Latency profiles of the local cloud: how long each slow resource stays in its transitional state.

A profile is ``{resource key: seconds}``. With the fidelity config ``latency_profile`` set, each resource
below is transitional for its seconds, counted from the API call that starts the transition, and only then
reaches its final state:

* ``rds.db_cluster`` / ``rds.db_instance``: ``CreateDBCluster`` / ``CreateDBInstance`` and
  ``RestoreDBClusterFromSnapshot`` -> ``creating``; ``StartDBCluster`` -> ``starting`` (the cluster and its
  instances) -> ``available``;
* ``cloudfront.distribution``: ``CreateDistribution(WithTags)`` and ``UpdateDistribution`` -> ``InProgress``
  -> ``Deployed``;
* ``acm.issuance``: a DNS-validated certificate becomes ``ISSUED`` only once every validation record has
  existed for that many seconds (``PENDING_VALIDATION`` before);
* ``ec2.nat_gateway`` / ``ec2.vpc_endpoint``: ``CreateNatGateway`` / ``CreateVpcEndpoint`` -> ``pending`` ->
  ``available``;
* ``elbv2.load_balancer``: ``CreateLoadBalancer`` -> ``provisioning`` -> ``active``;
* ``ecs.deployment``: ``CreateService``, and ``UpdateService`` that starts a deployment (new task definition,
  ``forceNewDeployment``, or a desired count raised from 0) -> the ``PRIMARY`` deployment ``IN_PROGRESS`` with
  ``runningCount`` below ``desiredCount`` -> ``COMPLETED`` with ``runningCount`` = ``desiredCount``.

``aws-like`` gives each the typical relative time AWS takes, scaled down. This module imports nothing of
moto: the fidelity layer (``aws.py``), ``acm_fidelity`` and ``ecs_fidelity`` read the profile through
``install(config)`` / ``seconds(key)``; clients and benchmarks may import it for the names.
"""

import json
import math
import threading

CONFIG_KEY = "latency_profile"
OFF = "off"
KEYS = (
    "rds.db_cluster",
    "rds.db_instance",
    "cloudfront.distribution",
    "acm.issuance",
    "ec2.nat_gateway",
    "elbv2.load_balancer",
    "ecs.deployment",
    "ec2.vpc_endpoint",
)
PROFILES = {
    "aws-like": {
        "rds.db_cluster": 60,
        "rds.db_instance": 60,
        "cloudfront.distribution": 45,
        "acm.issuance": 20,
        "ec2.nat_gateway": 15,
        "elbv2.load_balancer": 10,
        "ecs.deployment": 20,
        "ec2.vpc_endpoint": 10,
    }
}

_LOCK = threading.Lock()
_STATE = {"config": None}


def _seconds_value(key, value):
    if isinstance(value, bool):
        raise ValueError("%s: %s must be a number of seconds, not %r" % (CONFIG_KEY, key, value))
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError("%s: %s must be a number of seconds, not %r" % (CONFIG_KEY, key, value)) from None
    if not math.isfinite(seconds):
        raise ValueError("%s: %s must be a finite number of seconds, not %r" % (CONFIG_KEY, key, value))
    if seconds < 0:
        raise ValueError("%s: %s must not be negative (got %r)" % (CONFIG_KEY, key, value))
    return int(seconds) if seconds == int(seconds) else seconds


def parse_profile(value):
    """Resolve a latency profile to ``{resource key: seconds}``.

    ``value``: a profile name (``aws-like``), ``"off"`` / ``None`` / ``{}`` / ``""`` (off: ``{}``), a dict
    ``{resource key: seconds}`` or that dict as a JSON string. Unknown names or keys, negative or non-numeric
    seconds raise ``ValueError`` naming the problem and what is allowed."""
    if value is None:
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ValueError("%s: not valid JSON: %s" % (CONFIG_KEY, exc)) from None
        elif text.lower() in ("", OFF, "none"):
            return {}
        elif text in PROFILES:
            return dict(PROFILES[text])
        else:
            raise ValueError(
                "%s: unknown profile %r; use one of %s, %r, or a {resource: seconds} mapping"
                % (CONFIG_KEY, value, ", ".join(repr(name) for name in sorted(PROFILES)), OFF)
            )
    if not isinstance(value, dict):
        raise ValueError(
            "%s must be a profile name or a {resource: seconds} mapping, not %s" % (CONFIG_KEY, type(value).__name__)
        )
    unknown = sorted(str(key) for key in value if key not in KEYS)
    if unknown:
        raise ValueError(
            "%s: unknown resource key(s) %s; known keys: %s" % (CONFIG_KEY, ", ".join(unknown), ", ".join(KEYS))
        )
    return {key: _seconds_value(key, value[key]) for key in KEYS if key in value}


def install(config):
    """Read the profile from ``config`` (a callable returning the current fidelity configuration) from now on."""
    with _LOCK:
        _STATE["config"] = config


def profile():
    """The current resolved profile (``{}`` when off or when nothing is installed)."""
    config = _STATE["config"]
    if config is None:
        return {}
    return (config() or {}).get(CONFIG_KEY) or {}


def seconds(key, default=0):
    """Seconds ``key`` stays transitional under the current profile (``default`` when the profile lacks it)."""
    return profile().get(key, default)
