# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every documented plugin says it was added in a version that exists: one of the releases in
changelogs/changelog.yaml, or the version galaxy.yml is about to release. A plugin that claims a later version
(0.2.0 while the collection has never released 0.1.0) would tell readers of the docs site and ansible-doc that it
is missing from the release that ships it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _documented():
    """(path relative to the repository, DOCUMENTATION as data) of each plugin file and filter documentation file."""
    for path in sorted((ROOT / "plugins").glob("*/*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
                yield str(path.relative_to(ROOT)), yaml.safe_load(ast.literal_eval(node.value))
    for path in sorted((ROOT / "plugins" / "filter").glob("*.yml")):
        yield str(path.relative_to(ROOT)), yaml.safe_load(path.read_text(encoding="utf-8"))["DOCUMENTATION"]


DOCUMENTED = list(_documented())


def _versions():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
    releases = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))["releases"]
    return {galaxy, *(releases or {})}


def test_plugins_are_found():
    paths = [path for path, documentation in DOCUMENTED if documentation]
    assert len([path for path in paths if path.startswith("plugins/modules/")]) >= 30
    assert len([path for path in paths if path.startswith("plugins/filter/")]) >= 30


@pytest.mark.parametrize("path, documentation", DOCUMENTED, ids=[path for path, documentation in DOCUMENTED])
def test_version_added_is_released_or_the_next_release(path, documentation):
    versions = _versions()
    added = str(documentation.get("version_added"))
    assert added in versions, (
        f"{path}: version_added {added} is neither a release in changelogs/changelog.yaml nor galaxy.yml's "
        f"version; use one of {sorted(versions)}"
    )
