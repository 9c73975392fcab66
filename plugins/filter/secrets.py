# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the secrets role: the naming check of its catalogue and the input of its Secrets Manager module."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.module_utils.validation import PARAMETER_NAME
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import SECRET_NAME
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import arn_suffix_problem
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input


def secret_name_problems(entries, env, varname, kind="secretsmanager", variables=None):
    """Check Secrets Manager or SSM names against the `${env}/service/thing` conventions.

    Entries marked ``shared: true`` are account-wide (the `blog-data/...`
    secrets) and must not carry an environment prefix; every other name must start with the
    environment's own prefix. A Secrets Manager name must not end like an ARN suffix
    (``arn_suffix_problem``); ``variables`` maps a name to the inventory variable it came from
    (e.g. ``{kinde_client_secret_name: 'kinde_client_secret_name'}``) so that problem names it.
    """
    if kind not in ("secretsmanager", "ssm"):
        raise AnsibleFilterError(f"secret_name_problems: unknown kind {kind!r}")
    problems = []
    pattern = SECRET_NAME if kind == "secretsmanager" else PARAMETER_NAME
    prefix = f"{env}/" if kind == "secretsmanager" else f"/{env}/"
    example = f"{env}/backstage/database-url" if kind == "secretsmanager" else f"/{env}/infra/park_mode"
    names = []
    for index, entry in enumerate(entries or []):
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        label = f"{varname}[{index}].name"
        if name in (variables or {}):
            # The operator typed it as another variable (kinde_client_secret_name): name that one.
            label = f"{variables[name]} ({label})"
        if not name:
            problems.append(f"{label}: missing; every entry needs a name such as {example!r}")
            continue
        if not pattern.match(name):
            problems.append(f"{label}: {name!r} does not follow the naming convention (e.g. {example!r})")
        elif entry.get("shared"):
            if name.startswith(prefix):
                problems.append(f"{label}: {name!r} is marked shared but carries the {prefix!r} environment prefix")
        elif not name.startswith(prefix):
            problems.append(f"{label}: {name!r} must start with {prefix!r} (the platform_env prefix), e.g. {example!r}")
        suffix_problem = None
        if kind == "secretsmanager":
            suffix_problem = arn_suffix_problem(name, (variables or {}).get(name, label))
        if suffix_problem:
            problems.append(suffix_problem)
        if name in names:
            problems.append(f"{label}: {name!r} is declared twice")
        names.append(name)
    return problems


def secrets_module_input(entries):
    """Shape the secrets catalogue for rocketclub.platform.secretsmanager_secrets.

    `shared` is a naming-convention marker, not a module option: shared secrets are tagged
    `platform:env=shared` instead of the environment.
    """
    shaped = []
    for entry in entries:
        item = {k: v for k, v in entry.items() if k != "shared"}
        if entry.get("shared"):
            item["tags"] = dict(entry.get("tags") or {}, **{"platform:env": "shared"})
        shaped.append(item)
    return shaped


class FilterModule:
    """Filters of the secrets role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "secret_name_problems": secret_name_problems,
                "secrets_module_input": secrets_module_input,
            }
        )
