# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters every role shares: check-mode placeholders (plugins/module_utils/pending.py, docs/check_mode.md)."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import pending_id
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input


def pending_or(value, kind, name):
    """``value`` when it is a real id, else the placeholder ``pending:<kind>/<name>`` (a check-mode
    prediction of a resource a real run would create). Empty values and None count as missing."""
    return value if value else pending_id(kind, name)


def _pending_id(name, kind):
    return pending_id(kind, name)


class FilterModule:
    """Filters every role shares."""

    def filters(self):
        return filters_naming_their_input(
            {
                "pending_id": _pending_id,
                "pending_or": pending_or,
                "is_pending": is_pending,
            }
        )
