# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role entry point a playbook imports (tasks_from) is documented and validated by the role's argument specs."""

from __future__ import annotations

import glob
import os

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PREFIX = "rocketclub.platform."


def _imports(node):
    """Every (role, entry point) an import_role / include_role in ``node`` names."""
    if isinstance(node, dict):
        for key in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
            spec = node.get(key)
            if isinstance(spec, dict) and str(spec.get("name", "")).startswith(PREFIX):
                yield spec["name"][len(PREFIX) :], spec.get("tasks_from", "main")
        for value in node.values():
            yield from _imports(value)
    elif isinstance(node, list):
        for item in node:
            yield from _imports(item)


def _entry_points():
    found = set()
    for path in glob.glob(os.path.join(REPO, "playbooks", "*.yml")):
        with open(path, encoding="utf-8") as handle:
            found.update(_imports(yaml.safe_load(handle)))
    return found


def test_every_imported_entry_point_has_an_argument_spec():
    entry_points = _entry_points()
    assert ("alb", "certificate") in entry_points and ("aurora", "wait") in entry_points
    missing = []
    for role, entry in sorted(entry_points):
        with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        if entry not in specs:
            missing.append(f"{role}: {entry}")
    assert missing == []
