# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mitogen's linear strategy, found through the collection: ansible.cfg names it by FQCN instead of a path
into the virtualenv that holds mitogen."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mitogen_linear
short_description: The linear strategy, accelerated by Mitogen
description:
  - Mitogen's C(mitogen_linear) strategy, loaded from the installed C(mitogen) Python package
    (C(mitogen==0.3.54) in the collection's requirements). Modules run in a warm Python interpreter instead
    of a new process per task. Results, check mode and diffs are those of C(ansible.builtin.linear).
  - Switch it off with C(ANSIBLE_STRATEGY=linear) or C(strategy = linear) in C(ansible.cfg).
author:
  - rocketclub platform team (@rocketclub)
"""

from ansible.errors import AnsibleError

try:
    import ansible_mitogen.loaders
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


class StrategyModule(_Mixin, _Base):
    """Linear, with Mitogen's connection and module execution."""

    def __init__(self, *args, **kwargs):
        if MITOGEN_IMPORT_ERROR is not None:
            raise AnsibleError(
                "strategy rocketclub.platform.mitogen_linear needs the Python package mitogen "
                f"({MITOGEN_IMPORT_ERROR}): pip install mitogen==0.3.54, or run with ANSIBLE_STRATEGY=linear"
            )
        super().__init__(*args, **kwargs)
