# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mitogen's linear strategy, found through the collection: ansible.cfg names it by FQCN instead of a path
into the virtualenv that holds mitogen."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mitogen_linear
short_description: The linear strategy, accelerated by Mitogen
version_added: 0.1.0
description:
  - Mitogen's C(mitogen_linear) strategy, loaded from the installed C(mitogen) Python package
    (C(mitogen==0.3.54) in the collection's requirements). Modules run in a warm Python interpreter instead
    of a new process per task. Results, check mode and diffs are those of C(ansible.builtin.linear).
  - Switch it off with C(ANSIBLE_STRATEGY=linear) or C(strategy = linear) in C(ansible.cfg).
author:
  - rocketclub platform team (@rocketclub)
"""

from ansible.collections.list import list_collection_dirs
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text

try:
    import ansible_mitogen.loaders
    import ansible_mitogen.planner
    import ansible_mitogen.strategy
except ImportError as error:
    MITOGEN_IMPORT_ERROR = error

    class _Mixin:  # pylint: disable=too-few-public-methods
        """Stands in for Mitogen's mixin when mitogen is not installed (the strategy then refuses to start)."""

    _Base = object
else:
    MITOGEN_IMPORT_ERROR = None
    _Base = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)
    _Mixin = ansible_mitogen.strategy.StrategyMixin


def collection_dirs_once():
    """Make Mitogen list the installed collections once per run instead of once per task.

    Before it runs a module that lives in a collection, Mitogen's planner (``ansible_mitogen.planner``,
    ``_load_collections``) adds every installed collection's directory to the paths the target imports from,
    found with ``ansible.collections.list.list_collection_dirs()``. That walk of every collection path (the
    ``ansible`` package alone ships about 90 collections) costs about 0.09 s, and it runs in the worker process
    Ansible forks for each task, so its result never outlives the task: 0.09 s on every collection module task,
    about half of what a one-call AWS module task costs. The directories cannot change during a run: listed here
    once, in the strategy's process, before any worker is forked, every worker inherits the list.
    """
    dirs = tuple(to_text(path) for path in list_collection_dirs())

    def _load_collections(invocation):
        invocation._extra_sys_paths.update(dirs)  # pylint: disable=protected-access

    ansible_mitogen.planner._load_collections = _load_collections  # pylint: disable=protected-access
    return dirs


class StrategyModule(_Mixin, _Base):
    """Linear, with Mitogen's connection and module execution."""

    def __init__(self, *args, **kwargs):
        if MITOGEN_IMPORT_ERROR is not None:
            raise AnsibleError(
                "strategy rocketclub.platform.mitogen_linear needs the Python package mitogen "
                f"({MITOGEN_IMPORT_ERROR}): pip install mitogen==0.3.54, or run with ANSIBLE_STRATEGY=linear"
            )
        collection_dirs_once()
        super().__init__(*args, **kwargs)
