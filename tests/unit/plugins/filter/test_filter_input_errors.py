# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A filter given input without a key it needs names itself and the key, not Jinja's bare KeyError.

The roles run each shaping filter after their ``*_problems`` check, so an operator of the roles never sees this;
whoever calls a filter from their own playbook does (plugins/plugin_utils/filter_input.py)."""

from __future__ import annotations

import importlib
import json
import os
import pathlib

import pytest
from ansible.errors import AnsibleFilterError

from localcloud.testing import ansible_module

REPO = pathlib.Path(__file__).resolve().parents[4]
FILTER_FILES = sorted(p.stem for p in (REPO / "plugins" / "filter").glob("*.py"))


def _filter(name):
    for stem in FILTER_FILES:
        module = importlib.import_module(f"ansible_collections.rocketclub.platform.plugins.filter.{stem}")
        filters = module.FilterModule().filters()
        if name in filters:
            return filters[name]
    raise LookupError(name)


@pytest.mark.parametrize("stem", FILTER_FILES)
def test_every_filter_is_wrapped(stem):
    module = importlib.import_module(f"ansible_collections.rocketclub.platform.plugins.filter.{stem}")
    for name, function in module.FilterModule().filters().items():
        assert callable(getattr(function, "__wrapped__", None)), name


APP = {"name": "portal", "host": "portal.example.com", "priority": 10}


@pytest.mark.parametrize(
    ("name", "args", "problem"),
    [
        ("cloudfront_distribution_specs", ([APP], {}), "its input has no key 'dynamic_paths'"),
        ("cloudfront_distribution_ref", ({"name": "portal"},), "its input has no key 'host'"),
        ("alb_rule_apps", ([APP], {}), "its input has no key 'portal'"),
        ("alb_rule_apps", (None, {}), "its input does not have the documented shape ('NoneType' object is not"),
        ("ecs_service_services", ([{"name": "portal"}], {}), "its input has no key 'size'"),
        ("ecs_service_task_definitions", ([{"name": "job"}], {}), "its input has no key 'spec'"),
        ("ecs_service_iam_roles", ([{"image": "x"}], [], {}), "its input has no key 'name'"),
    ],
)
def test_a_missing_key_names_the_filter_and_the_key(name, args, problem):
    with pytest.raises(AnsibleFilterError) as raised:
        _filter(name)(*args)
    message = str(raised.value)
    assert message.startswith(f"rocketclub.platform.{name}: {problem}"), message
    assert f"ansible-doc -t filter rocketclub.platform.{name}" in message
    assert isinstance(raised.value.__cause__, (KeyError, TypeError))


def test_the_filters_still_answer_good_input():
    assert _filter("alb_rule_apps")([APP], {"portal": "arn:tg"}, {"scope": "openid"}) == [
        {
            "scope": "openid",
            "name": "portal",
            "hosts": ["portal.example.com"],
            "priority": 10,
            "target_group_arn": "arn:tg",
        }
    ]


def test_the_operator_reads_it_from_a_playbook():
    """Through ansible itself: the task's message carries the filter's name and the key (it was ``'portal'``)."""
    expression = "{{ [%s] | rocketclub.platform.alb_rule_apps({}) }}" % json.dumps(APP)
    result = ansible_module(dict(os.environ), "debug", {"msg": expression}, token="no-token-is-used")
    assert result["failed"] is True
    assert "rocketclub.platform.alb_rule_apps: its input has no key 'portal'" in result["msg"], result["msg"]
