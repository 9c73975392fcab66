# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the alb role: its input check and the application list of its Kinde rules."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ALB_RULE_PRIORITY
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import ORIGIN_HEADER_NAME
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input


def alb_problems(apps, app_ports, domain, kinde_domain, origin_header_name):
    """Check the alb role's applications, Kinde domain and origin header name."""
    problems = []
    if not apps:
        problems.append("platform_apps: empty; declare at least one application (name, host, port, priority)")
    seen = {"name": {}, "host": {}, "priority": {}}
    for index, app in enumerate(apps or []):
        label = f"platform_apps[{index}]"
        missing = [key for key in ("name", "host", "port", "priority") if app.get(key) in (None, "")]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}")
            continue
        for key in seen:
            value = str(app[key]).lower()
            if value in seen[key]:
                shown = repr(app[key]) if isinstance(app[key], str) else app[key]
                problems.append(f"{label}.{key}: {shown} is already used by platform_apps[{seen[key][value]}]")
            seen[key].setdefault(value, index)
        host = str(app["host"]).lower()
        if any(c in host for c in "*?"):
            problems.append(f"{label}.host: {app['host']!r} contains a wildcard; give the exact host name")
        if domain and not (host == domain or host.endswith("." + str(domain))):
            problems.append(f"{label}.host: {app['host']!r} is not in platform_domain {domain!r}")
        if int(app["port"]) not in [int(p) for p in app_ports]:
            problems.append(
                f"{label}.port: {app['port']} is not one of network_app_ports {list(app_ports)}; "
                "the ECS security group would not admit it"
            )
        low, high = ALB_RULE_PRIORITY
        if not low <= int(app["priority"]) <= high:
            problems.append(f"{label}.priority: {app['priority']} is outside {low}..{high}")
    kinde = str(kinde_domain or "")
    if not kinde:
        problems.append("kinde_domain: empty; give the Kinde domain, e.g. acme.kinde.com")
    elif "://" in kinde and not kinde.lower().startswith("https://"):
        problems.append(f"kinde_domain: {kinde!r} is not HTTPS; the ALB only accepts https:// OIDC endpoints")
    if not ORIGIN_HEADER_NAME.match(str(origin_header_name or "")):
        problems.append(
            f"alb_origin_header_name: {origin_header_name!r} is not a plain header name (letters, digits, '-')"
        )
    return problems


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


class FilterModule:
    """Filters of the alb role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "alb_problems": alb_problems,
                "alb_target_group_arns": alb_target_group_arns,
                "alb_rule_apps": alb_rule_apps,
            }
        )
