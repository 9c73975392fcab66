# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outputs of a site.yml run, read like Terraform outputs.

``platform_outputs`` turns the ``platform_<role>`` facts as they stand after the last role of the run into
one JSON-ready document: the URLs, the ids an operator needs, the park state, what still needs a person,
and every role fact. ``platform_outputs_text`` renders the few dozen lines printed at the end of the run;
the document goes to a JSON file (playbooks/site.yml). Neither holds a secret: the role facts carry names,
ids and ARNs only.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input

ROLES = ("secrets", "network", "s3_data", "iam", "aurora", "alb", "ecs", "cloudfront", "dns")
OPTIONAL_ROLES = ("iam",)
# Lines of the printed text. On screen the task header, the `ok: [host] =>` line and `msg: |-` come on top:
# at most MAX_LINES + 3 lines. Blocks are folded, largest first, until the text fits (_fit).
MAX_LINES = 52
# needs_a_person entries printed before "... and N more".
MAX_PERSON_ITEMS = 8


def _secrets_without_value(secrets, aurora):
    """``(empty, filled_by_aurora)``: the secrets without a value at the END of the run, and those of them
    the aurora role fills once a cluster exists.

    platform_secrets is published before the aurora role writes the database URLs, so its
    ``secrets_without_value`` still names URL secrets that hold a value by the end of the run:
    platform_aurora's ``database_url_secrets_with_value`` names those. Without that key (an aurora role
    that does not publish it), every URL secret counts as written when the cluster has an endpoint, because
    rocketclub.platform.aurora_database_urls then writes each URL that has no value."""
    url_secrets = list(aurora.get("database_url_secrets") or [])
    written = aurora.get("database_url_secrets_with_value")
    if written is None:
        written = url_secrets if aurora.get("endpoint") else []
    empty = [name for name in secrets.get("secrets_without_value") or [] if name not in written]
    return empty, [name for name in empty if name in url_secrets]


def _park_state(facts):
    network, aurora, ecs = facts["network"], facts["aurora"], facts["ecs"]
    return {
        "parked": bool(facts.get("parked")),
        "park_mode": facts["secrets"].get("park_mode"),
        "nat_gateways": len(network.get("nat_gateway_ids") or []),
        "aurora_status": aurora.get("status"),
        "ecs_services": {
            name: {"desired": service.get("desired_count"), "running": service.get("running_count")}
            for name, service in sorted((ecs.get("services") or {}).items())
        },
    }


def _after_the_wait(facts, ready):
    """The facts with what the run's last wait (rocketclub.platform.wait_ready's ``resources``) found ready.

    The cloudfront and ecs_service roles publish their facts before site.yml's final wait: a distribution
    created or updated by this run is still ``InProgress`` there, a service just created has no task running.
    A distribution the wait saw ``Deployed`` is reported so, and a service the wait saw stable (the
    ``services_stable`` test: as many tasks running as desired) with its desired count running."""
    done = {(r.get("kind"), r.get("id")): r for r in ready or [] if isinstance(r, dict) and r.get("state") == "ready"}
    if not done:
        return facts
    cloudfront, ecs = dict(facts["cloudfront"]), dict(facts["ecs"])
    cloudfront["distributions"] = {
        app: dict(dist, status="Deployed") if ("cloudfront_distribution", dist.get("id")) in done else dist
        for app, dist in (cloudfront.get("distributions") or {}).items()
    }
    ecs["services"] = {
        name: dict(service, running_count=service.get("desired_count"))
        if ("ecs_service", name) in done or ("ecs_service", service.get("arn")) in done
        else service
        for name, service in (ecs.get("services") or {}).items()
    }
    return dict(facts, cloudfront=cloudfront, ecs=ecs)


def platform_outputs(facts, ready=None):
    """The outputs document of one site.yml run.

    ``facts``: ``environment``, ``region``, ``parked``, ``check_mode``, and the ``platform_<role>`` facts
    under the role's short name (ROLES; ``iam`` may be missing). ``ready``: the ``resources`` of the run's
    final rocketclub.platform.wait_ready task, whose states are newer than the role facts."""
    if not isinstance(facts, dict):
        raise AnsibleFilterError(f"platform_outputs expects a dict of platform facts, got {type(facts).__name__}")
    missing = [role for role in ROLES if role not in OPTIONAL_ROLES and not isinstance(facts.get(role), dict)]
    if missing:
        raise AnsibleFilterError(f"platform_outputs: no platform_<role> fact for {', '.join(missing)}")
    facts = _after_the_wait(facts, ready)
    distributions = facts["cloudfront"].get("distributions") or {}
    hosts = {app: (dist.get("aliases") or [None])[0] for app, dist in sorted(distributions.items())}
    urls = {app: f"https://{host}" for app, host in hosts.items() if host}
    empty, filled_by_aurora = _secrets_without_value(facts["secrets"], facts["aurora"])
    needs_a_person = [
        f"put a value into the Secrets Manager secret {name} (operator-owned, empty)"
        for name in empty
        if name not in filled_by_aurora
    ]
    aurora = facts["aurora"]
    if facts.get("parked") and aurora.get("status") in ("available", "starting"):
        # AWS starts a stopped cluster again after seven days; nothing in a converge may stop it.
        needs_a_person.append(
            f"Aurora cluster {aurora.get('cluster_identifier')} is {aurora.get('status')} although the environment "
            "is parked (AWS starts a stopped cluster again after seven days): run park.yml to stop it again"
        )
    if not facts.get("parked"):
        needs_a_person += [
            f"{name} has no value: the aurora role writes it once the cluster has an endpoint"
            for name in filled_by_aurora
        ]
    return {
        "environment": facts.get("environment"),
        "region": facts.get("region"),
        "account_id": (facts.get("iam") or {}).get("account_id"),
        "check_mode": bool(facts.get("check_mode")),
        "urls": urls,
        "park": _park_state(facts),
        "needs_a_person": needs_a_person,
        "secrets_without_value": empty,
        # Kinde accepts only the redirect URIs listed in its application, and no API sets them.
        "kinde_callback_urls": [f"{url}/oauth2/idpresponse" for url in urls.values()],
        "platform": {role: facts[role] for role in ROLES if role in facts},
    }


def _aligned(entries, indent=""):
    width = max(len(key) for key in entries)
    return [f"{indent}{key.ljust(width)} = {value}" for key, value in entries.items()]


def _map_block(name, entries):
    """Terraform's map output: ``name = {`` / ``  key = value`` / ``}``; ``name = {}`` when empty."""
    return [f"{name} = {{"] + _aligned(entries, "  ") + ["}"] if entries else [f"{name} = {{}}"]


def _list_block(name, items, limit):
    if not items:
        return [f"{name} = []"]
    more = [f"  ... and {len(items) - limit} more (detail file)"] if len(items) > limit else []
    return [f"{name} = ["] + [f"  {item}" for item in items[:limit]] + more + ["]"]


def _fit(sections, limit):
    """Fold foldable blocks, largest first, into one line each until the text has at most ``limit`` lines.
    ``sections``: ``(lines, foldable)`` pairs; a foldable block starts with ``name = {``."""
    sections = [list(section) for section in sections]
    for section in sorted((s for s in sections if s[1]), key=lambda s: -len(s[0])):
        if sum(len(lines) for lines, dummy in sections) <= limit:
            break
        name = section[0][0].split(" = ", 1)[0]
        section[0] = [f"{name} = {{ {len(section[0]) - 2} entries: detail file }}"]
    return [line for lines, dummy in sections for line in lines]


def _park_line(park):
    services = ", ".join(f"{name} {s['running']}/{s['desired']}" for name, s in park["ecs_services"].items())
    aurora = park["aurora_status"] or "no cluster (final snapshot)"
    return (
        f"{'parked' if park['parked'] else 'running'}: NAT gateways {park['nat_gateways']}, Aurora {aurora}, "
        f"ECS running/desired {services or 'none'}"
    )


def _service_line(service):
    scaling = service.get("autoscaling") or {}
    task_definition = (service.get("task_definition_arn") or "").rsplit("/", 1)[-1]
    return (
        f"{service.get('running_count')}/{service.get('desired_count')} running "
        f"(autoscaling {scaling.get('min_capacity')}-{scaling.get('max_capacity')}), {task_definition}"
    )


def _endpoint(host, port):
    return f"{host}:{port}" if host else "none"


def platform_outputs_text(outputs, detail_file=None):
    """The printed outputs: at most MAX_LINES lines of ``name = value``, like Terraform's outputs.
    ``detail_file``: where the document was written (None: not written, as in check mode)."""
    platform = outputs["platform"]
    network, alb, aurora, ecs = platform["network"], platform["alb"], platform["aurora"], platform["ecs"]
    dns, s3_data = platform["dns"], platform["s3_data"]
    distributions = platform["cloudfront"].get("distributions") or {}
    environment = f"{outputs['environment']} ({outputs['region']}, account {outputs['account_id'] or 'unknown'})"
    zones = ", ".join(network.get("availability_zones") or [])
    scalars = _aligned(
        {
            "environment": environment + (", check mode: predicted" if outputs["check_mode"] else ""),
            "park_state": _park_line(outputs["park"]),
            "alb_dns_name": alb.get("dns_name"),
            "dns_zone": f"{dns.get('zone')} (SSL/TLS mode {dns.get('ssl_mode')})",
            "vpc_id": f"{network.get('vpc_id')} ({network.get('vpc_cidr')}; {zones})",
            "nat_public_ips": ", ".join(network.get("nat_public_ips") or []) or "none",
            "aurora_cluster": f"{aurora.get('cluster_identifier')} ({aurora.get('status') or 'no cluster'}"
            + (f", restored from {aurora['restored_from']})" if aurora.get("restored_from") else ")"),
            "aurora_endpoint": _endpoint(aurora.get("endpoint"), aurora.get("port")),
            "aurora_reader_endpoint": _endpoint(aurora.get("reader_endpoint"), aurora.get("port")),
            "ecs_cluster": ecs.get("cluster_name"),
            "kms_key": platform["secrets"].get("kms_alias"),
        }
    )
    cloudfront = {
        app: f"{dist.get('id')} {dist.get('domain_name')} ({dist.get('status')})"
        for app, dist in sorted(distributions.items())
    }
    services = {name: _service_line(service) for name, service in sorted((ecs.get("services") or {}).items())}
    if detail_file:
        detail = f"{detail_file} (every id and ARN)"
    else:
        detail = "not written in check mode" if outputs["check_mode"] else "not written"
    sections = [
        (scalars[:2], False),
        (_map_block("urls", outputs["urls"]), True),
        (_map_block("cloudfront", cloudfront), True),
        (scalars[2:], False),
        (_map_block("ecs_services", services), True),
        (_map_block("s3_buckets", dict(sorted((s3_data.get("buckets") or {}).items()))), True),
        (_list_block("needs_a_person", outputs["needs_a_person"], MAX_PERSON_ITEMS), False),
        ([f"detail_file = {detail}"], False),
    ]
    return "\n".join(_fit(sections, MAX_LINES))


class FilterModule:
    """The outputs of playbooks/site.yml."""

    def filters(self):
        return filters_naming_their_input(
            {
                "platform_outputs": platform_outputs,
                "platform_outputs_text": platform_outputs_text,
            }
        )
