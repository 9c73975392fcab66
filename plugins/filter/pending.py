# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for check-mode placeholders (see plugins/module_utils/pending.py and docs/check_mode.md)."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending, pending_id


def pending_or(value, kind, name):
    """``value`` when it is a real id, else the placeholder ``pending:<kind>/<name>`` (a check-mode
    prediction of a resource a real run would create). Empty values and None count as missing."""
    return value if value else pending_id(kind, name)


class FilterModule:
    """Check-mode placeholders."""

    def filters(self):
        return {
            "pending_id": lambda name, kind: pending_id(kind, name),
            "pending_or": pending_or,
            "is_pending": is_pending,
        }
