# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every filter of plugins/filter/*.py is documented, and its documentation says what its function takes.

A Python file of plugins/filter/ holds several filters (the ``filters()`` dict of its ``FilterModule``), so each
filter is documented, as ansible-core documents its own filters, in ``plugins/filter/<filter name>.yml``
(DOCUMENTATION, EXAMPLES, RETURN). ``ansible-doc -t filter rocketclub.platform.<name>`` shows that file and the
documentation site renders it (tools/docs/build.sh).

The documented options must match the function: ``_input`` is the first parameter (the value before the ``|``),
``positional`` lists every further parameter in the order of the signature (each can be given by position, and
by name as well), a parameter without a Python default is ``required: true``, and one with a default documents
that default (None: no default). A new filter, or a new parameter, without its documentation fails here.

Fast on purpose: the files are read directly, and ansible-doc runs twice for all filters together (once for the
documentation, once for the list), in the one test that needs each.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FILTER_DIR = ROOT / "plugins" / "filter"
COLLECTION = "rocketclub.platform"


def _filters() -> dict:
    """Filter name -> function, from the ``filters()`` dict of every file of plugins/filter/."""
    found = {}
    for path in sorted(FILTER_DIR.glob("*.py")):
        if path.stem == "__init__":
            continue
        module = importlib.import_module(f"ansible_collections.rocketclub.platform.plugins.filter.{path.stem}")
        for name, function in module.FilterModule().filters().items():
            assert name not in found, f"filter {name} is defined twice"
            found[name] = function
    return found


FILTERS = _filters()
NAMES = sorted(FILTERS)


def _doc_file(name: str) -> dict:
    return yaml.safe_load((FILTER_DIR / f"{name}.yml").read_text(encoding="utf-8"))


def _positional(doc: dict) -> list[str]:
    """``positional`` as a list: ansible-core writes it as a comma-separated string, a list is accepted too."""
    value = doc.get("positional") or []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def _collections_path() -> str:
    """Where ansible-doc finds this checkout as rocketclub.platform: the committed .collections symlink tree, or the
    ansible_collections tree the checkout already sits in (a copy made by ansible-test)."""
    if ROOT.parent.name == "rocketclub" and ROOT.parent.parent.name == "ansible_collections":
        return str(ROOT.parent.parent.parent)
    return str(ROOT / ".collections")


def _ansible_doc(*args: str) -> dict:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(), ANSIBLE_NOCOLOR="1")
    if (ROOT / "ansible.cfg").is_file():
        env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    command = [sys.executable, "-m", "ansible.cli.doc", "--json", "-t", "filter", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"ansible-doc failed ({done.returncode}): {done.stderr}"
    # ansible-test's ansible-doc sanity test fails on any output on stderr, so this does too.
    assert not done.stderr.strip(), f"ansible-doc wrote to stderr: {done.stderr}"
    return json.loads(done.stdout)


def _signature_problems(name: str, function, doc: dict) -> list[str]:
    """What the documentation of one filter says differently from its function's signature."""
    parameters = list(inspect.signature(function).parameters.values())
    variadic = [p.name for p in parameters if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY)]
    if variadic:
        return [f"{name}: parameters {variadic} are not plain parameters; document them and extend this test"]
    if not parameters:
        return [f"{name}: the function takes no input"]
    problems = []
    options = doc.get("options") or {}
    arguments = parameters[1:]
    expected = ["_input"] + [p.name for p in arguments]
    if sorted(options) != sorted(expected):
        problems.append(f"{name}: options {sorted(options)}, the function takes {expected} (_input first)")
    if _positional(doc) != [p.name for p in arguments]:
        problems.append(
            f"{name}: positional {_positional(doc)}, the signature's parameters after the input are "
            f"{[p.name for p in arguments]}"
        )
    if not (options.get("_input") or {}).get("required"):
        problems.append(f"{name}: _input must be required: true")
    for parameter in arguments:
        option = options.get(parameter.name)
        if option is None:
            continue
        if not option.get("description") or not option.get("type"):
            problems.append(f"{name}: option {parameter.name} needs a description and a type")
        if parameter.default is inspect.Parameter.empty:
            if not option.get("required") or "default" in option:
                problems.append(f"{name}: option {parameter.name} has no default in Python: required: true, no default")
        else:
            if option.get("required"):
                problems.append(f"{name}: option {parameter.name} has a default in Python ({parameter.default!r})")
            if option.get("default") != parameter.default:
                problems.append(
                    f"{name}: option {parameter.name} documents default {option.get('default')!r}, "
                    f"the function's is {parameter.default!r}"
                )
    return problems


def test_the_repository_has_filters():
    # Guards the discovery itself: an empty dict would make the parametrized test below vanish.
    assert len(FILTERS) >= 30, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_filter_has_its_documentation_file(name):
    path = FILTER_DIR / f"{name}.yml"
    assert path.is_file(), f"filter {name} has no documentation: add plugins/filter/{name}.yml"
    documentation = _doc_file(name)
    assert set(documentation) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}, sorted(documentation)
    doc = documentation["DOCUMENTATION"]
    assert doc.get("name") == name
    assert doc.get("short_description") and doc.get("description") and doc.get("version_added")
    # The examples are YAML (the site highlights them as such) and call the filter by its full name.
    yaml.safe_load(documentation["EXAMPLES"])
    assert f"{COLLECTION}.{name}" in documentation["EXAMPLES"], f"{name}: the examples do not use the filter"
    value = (documentation["RETURN"] or {}).get("_value") or {}
    assert value.get("description") and value.get("type"), f"{name}: RETURN needs _value with a description and type"


def test_no_documentation_file_without_its_filter():
    orphans = sorted(path.name for path in FILTER_DIR.glob("*.yml") if path.stem not in FILTERS)
    assert not orphans, f"documentation of filters that do not exist (any more): {orphans}"


def test_ansible_doc_shows_options_that_match_each_function():
    shown = _ansible_doc(*(f"{COLLECTION}.{name}" for name in NAMES))
    missing = [name for name in NAMES if not (shown.get(f"{COLLECTION}.{name}") or {}).get("doc")]
    assert not missing, f"ansible-doc shows no documentation for {missing}"
    problems = []
    for name in NAMES:
        entry = shown[f"{COLLECTION}.{name}"]
        problems += _signature_problems(name, FILTERS[name], entry["doc"])
        if not (entry.get("return") or {}).get("_value"):
            problems.append(f"{name}: ansible-doc shows no RETURN _value")
        if f"{COLLECTION}.{name}" not in (entry.get("examples") or ""):
            problems.append(f"{name}: ansible-doc shows no example that uses the filter")
    assert not problems, "\n".join(problems)


def test_ansible_doc_lists_every_filter_with_its_short_description():
    listed = _ansible_doc("-l", COLLECTION)
    expected = {f"{COLLECTION}.{name}": _doc_file(name)["DOCUMENTATION"]["short_description"] for name in NAMES}
    assert listed == expected
