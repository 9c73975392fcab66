# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DOCUMENTATION / argument_spec agreement, a subset of ansible-test's validate-modules.

ansible-test sanity needs network access to build its virtual environments; this keeps the most
common mistakes (type, default, choices, required, elements, suboptions drift) caught by plain pytest.
"""

from __future__ import annotations

import importlib

import pytest
import yaml

MODULES = ["secretsmanager_secrets", "ssm_parameters", "aurora_database_urls", "ecs_run_task"]
RETURN_KEYS = {"description", "returned", "type", "sample"}


class _SpecCaptured(Exception):
    def __init__(self, kwargs):
        super().__init__("captured")
        self.kwargs = kwargs


def captured_argument_spec(module, monkeypatch):
    def fake_module(**kwargs):
        raise _SpecCaptured(kwargs)

    monkeypatch.setattr(module, "AnsibleAWSModule", fake_module)
    with pytest.raises(_SpecCaptured) as exc:
        module.main()
    return exc.value.kwargs["argument_spec"]


def compare_options(spec, doc, path=""):
    """Return a list of human readable mismatches between an argument spec and documented options."""
    problems = []
    for name in sorted(set(spec) | set(doc)):
        where = f"{path}{name}"
        if name not in doc:
            problems.append(f"{where}: in argument_spec but not documented")
            continue
        if name not in spec:
            problems.append(f"{where}: documented but not in argument_spec")
            continue
        s, d = spec[name], doc[name]
        checks = {
            "type": (s.get("type", "str"), d.get("type", "str")),
            "required": (bool(s.get("required", False)), bool(d.get("required", False))),
            "default": (s.get("default"), d.get("default")),
            "choices": (s.get("choices"), d.get("choices")),
            "elements": (s.get("elements"), d.get("elements")),
            "aliases": (s.get("aliases"), d.get("aliases")),
        }
        for key, (spec_value, doc_value) in checks.items():
            if spec_value != doc_value:
                problems.append(f"{where}: {key} is {spec_value!r} in argument_spec but {doc_value!r} in DOCUMENTATION")
        if s.get("required") and "default" in s:
            problems.append(f"{where}: required options must not have a default")
        if not d.get("description"):
            problems.append(f"{where}: no description")
        problems.extend(compare_options(s.get("options") or {}, d.get("suboptions") or {}, f"{where}."))
    return problems


def check_return(doc, path=""):
    problems = []
    for name, value in doc.items():
        missing = RETURN_KEYS - set(value)
        if missing:
            problems.append(f"{path}{name}: missing {sorted(missing)}")
        problems.extend(check_return(value.get("contains") or {}, f"{path}{name}."))
    return problems


@pytest.mark.parametrize("name", MODULES)
def test_documentation_matches_argument_spec(name, monkeypatch):
    module = importlib.import_module(f"ansible_collections.rocketclub.platform.plugins.modules.{name}")
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert doc["module"] == name
    assert doc["version_added"] == "0.1.0"
    assert doc["author"]
    assert doc["extends_documentation_fragment"] == [
        "amazon.aws.common.modules",
        "amazon.aws.region.modules",
        "amazon.aws.boto3",
    ]
    spec = captured_argument_spec(module, monkeypatch)
    assert compare_options(spec, doc["options"]) == []


@pytest.mark.parametrize("name", MODULES)
def test_examples_and_return_parse(name):
    module = importlib.import_module(f"ansible_collections.rocketclub.platform.plugins.modules.{name}")
    examples = yaml.safe_load(module.EXAMPLES)
    assert examples and all(
        f"rocketclub.platform.{name}" in task for task in examples if "ansible.builtin.debug" not in task
    )
    assert check_return(yaml.safe_load(module.RETURN)) == []


def test_compare_options_reports_drift():
    spec = {
        "a": {"type": "int", "default": 1},
        "b": {"type": "list", "elements": "dict", "options": {"c": {"choices": ["x"]}}},
    }
    doc = {
        "a": {"type": "int", "default": 2, "description": "x"},
        "b": {"type": "list", "elements": "dict", "description": "x", "suboptions": {"c": {"description": "x"}}},
    }
    problems = compare_options(spec, doc)
    assert any(p.startswith("a: default") for p in problems)
    assert any(p.startswith("b.c: choices") for p in problems)
