# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter files: one per role (plugins/filter/<role>.py), the shared ones in platform.py, the inventory checks
in validation.py; every filter the roles and playbooks call exists exactly once."""

from __future__ import annotations

import importlib
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[4]
FILTERS = REPO / "plugins" / "filter"
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())
SHARED = {"platform", "validation", "outputs"}


def _filters():
    found = {}
    for path in sorted(FILTERS.glob("*.py")):
        module = importlib.import_module(f"ansible_collections.rocketclub.platform.plugins.filter.{path.stem}")
        for name in module.FilterModule().filters():
            found.setdefault(name, []).append(path.stem)
    return found


def test_a_filter_file_is_a_role_or_a_shared_one():
    assert {p.stem for p in FILTERS.glob("*.py")} - SHARED <= set(ROLES)


def test_each_filter_is_defined_once():
    assert {name: files for name, files in _filters().items() if len(files) > 1} == {}


def test_a_role_filter_lives_in_the_file_of_its_role():
    for name, (stem,) in _filters().items():
        if stem not in SHARED:
            assert name.startswith((stem + "_", "secret_")), (name, stem)


def test_every_filter_the_roles_and_playbooks_call_exists():
    used = set()
    for path in list((REPO / "roles").rglob("*.yml")) + list((REPO / "playbooks").rglob("*.yml")):
        used |= set(re.findall(r"\|\s*rocketclub\.platform\.([a-z0-9_]+)", path.read_text(encoding="utf-8")))
    assert used and used <= set(_filters())
