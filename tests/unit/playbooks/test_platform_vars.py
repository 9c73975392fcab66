# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform-level variables are declared once, in playbooks/vars/platform.yml, and every runbook loads them.

``platform_parked`` is true while /<env>/infra/park_mode is ``parked`` (the value the secrets role read in this run,
``platform_secrets.park_mode``) and the run is not unpark.yml (``platform_unparking``); the roles use it and
compute no "parked" of their own.
"""

from __future__ import annotations

import glob
import os
import re

import pytest
import yaml
from ansible.template import Templar
from ansible.template import trust_as_template

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# The runbooks of the platform: every playbook but aap_configure.yml, which configures an AWX / Automation Platform
# controller from its own variables (vars/aap.yml).
RUNBOOKS = sorted(
    path for path in glob.glob(os.path.join(REPO, "playbooks", "*.yml")) if not path.endswith("/aap_configure.yml")
)
PLATFORM_VARS = os.path.join(REPO, "playbooks", "vars", "platform.yml")


def _platform_vars():
    with open(PLATFORM_VARS, encoding="utf-8") as handle:
        return {key: trust_as_template(value) for key, value in yaml.safe_load(handle).items()}


@pytest.mark.parametrize("path", RUNBOOKS, ids=os.path.basename)
def test_every_runbook_loads_the_platform_vars(path):
    with open(path, encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    # An imported playbook's plays are checked in their own file.
    plays = [play for play in plays if not any(key.endswith("import_playbook") for key in play)]
    assert plays and all(play.get("vars_files") == ["vars/platform.yml"] for play in plays)


def test_platform_parked_is_declared_once():
    pattern = re.compile(r"^\s*(platform_parked|__\w+_parked)\s*:", re.M)
    declared = []
    for path in (
        glob.glob(os.path.join(REPO, "roles", "**", "*.yml"), recursive=True)
        + RUNBOOKS
        + glob.glob(os.path.join(REPO, "inventories", "**", "*.yml"), recursive=True)
    ):
        with open(path, encoding="utf-8") as handle:
            if pattern.search(handle.read()) and "meta/argument_specs.yml" not in path:
                declared.append(os.path.relpath(path, REPO))
    assert declared == []
    assert "platform_parked" in _platform_vars()


@pytest.mark.parametrize(
    "variables, parked",
    [
        ({}, False),
        ({"platform_secrets": {"park_mode": "unparked"}}, False),
        ({"platform_secrets": {"park_mode": "parked"}}, True),
        ({"platform_secrets": {"park_mode": "parked"}, "platform_unparking": True}, False),
        ({"platform_secrets": {}}, False),
    ],
)
def test_platform_parked(variables, parked):
    templar = Templar(variables={**_platform_vars(), **variables})
    assert templar.template(trust_as_template("{{ platform_parked }}")) is parked


def test_platform_resource_tags():
    variables = {**_platform_vars(), "platform_env": "dev", "platform_tags": {"platform:managed-by": "x", "o": "p"}}
    assert Templar(variables=variables).template(trust_as_template("{{ platform_resource_tags }}")) == {
        "o": "p",
        "platform:env": "dev",
        "platform:managed-by": "rocketclub.platform",
    }
