# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mitogen_linear strategy lists the installed collections once per run, not once per task."""

from __future__ import annotations

import importlib

import ansible_mitogen.planner
import pytest

STRATEGY = "ansible_collections.rocketclub.platform.plugins.strategy.mitogen_linear"


class _Invocation:  # pylint: disable=too-few-public-methods
    """What Mitogen's planner hands _load_collections: an invocation with its extra import paths."""

    def __init__(self):
        self._extra_sys_paths = set()


@pytest.fixture(name="strategy")
def fixture_strategy(monkeypatch):
    """The strategy module, with Mitogen's own _load_collections restored after the test."""
    monkeypatch.setattr(ansible_mitogen.planner, "_load_collections", ansible_mitogen.planner._load_collections)
    return importlib.import_module(STRATEGY)


def test_collections_listed_once_for_any_number_of_tasks(strategy, monkeypatch):
    """Every module invocation gets the same directories, and the walk of the collection paths runs once."""
    calls = []

    def listing():
        calls.append(1)
        return [b"/site/ansible_collections/amazon/aws", b"/repo/.collections/ansible_collections/rocketclub/platform"]

    monkeypatch.setattr(strategy, "list_collection_dirs", listing)
    dirs = strategy.collection_dirs_once()
    invocations = [_Invocation() for _index in range(5)]
    for invocation in invocations:
        ansible_mitogen.planner._load_collections(invocation)  # pylint: disable=protected-access

    assert calls == [1]
    assert dirs == (
        "/site/ansible_collections/amazon/aws",
        "/repo/.collections/ansible_collections/rocketclub/platform",
    )
    assert all(invocation._extra_sys_paths == set(dirs) for invocation in invocations)  # noqa: SLF001
    # What Mitogen does with the list is unchanged: a module from a collection imports its module_utils from
    # those directories (every converge of the test suite runs under this strategy).


def test_strategy_lists_them_before_any_worker_forks(strategy, monkeypatch):
    """The strategy's constructor, which runs in the parent of every task's worker, makes the list."""
    calls = []
    monkeypatch.setattr(strategy, "collection_dirs_once", lambda: calls.append(1))
    monkeypatch.setattr(strategy._Base, "__init__", lambda self, *args, **kwargs: None)  # noqa: SLF001
    strategy.StrategyModule(object())
    assert calls == [1]
