# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the aurora role: its input check."""

from __future__ import annotations

import re

from ansible_collections.rocketclub.platform.plugins.filter.validation import number
from ansible_collections.rocketclub.platform.plugins.filter.validation import unknown_secrets
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input

# A PostgreSQL database name the bootstrap creates: lower-case letters, digits and '_', 63 characters at most.
_DB_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def aurora_problems(config, secret_names):
    """Check the aurora role's capacity, instances, master secret and database list."""
    problems = []
    known = set(secret_names or [])
    low, high = number(config.get("min_capacity")), number(config.get("max_capacity"))
    if low is None or high is None:
        problems.append("aurora_min_capacity / aurora_max_capacity: both must be numbers of ACUs")
    else:
        if low > high:
            problems.append(f"aurora_min_capacity: {low:g} ACU is above aurora_max_capacity {high:g} ACU")
        for var, value in (("aurora_min_capacity", low), ("aurora_max_capacity", high)):
            if not 0 <= value <= 256 or (value * 2) % 1:
                problems.append(f"{var}: {value:g} is not a Serverless v2 capacity (0 to 256 ACU in 0.5 steps)")
        if 0 <= high < 1:
            problems.append(f"aurora_max_capacity: {high:g} ACU is below 1 ACU, the smallest Serverless v2 maximum")
    if not str(config.get("instance_class") or "").startswith("db."):
        problems.append(
            f"aurora_instance_class: {config.get('instance_class')!r} is not an instance class "
            "(db.serverless, db.r6g.large ...)"
        )
    readers = number(config.get("reader_count"))
    if readers is None or readers != int(readers) or not 0 <= readers <= 15:
        problems.append(f"aurora_reader_count: {config.get('reader_count')!r} must be a whole number from 0 to 15")
    retention = number(config.get("backup_retention_days"))
    if retention is None or retention != int(retention) or not 1 <= retention <= 35:
        problems.append(
            f"aurora_backup_retention_days: {config.get('backup_retention_days')!r} must be a whole number from 1 to 35"
        )
    problems += unknown_secrets("aurora_master_secret", [config.get("master_secret")], known)
    names = set()
    for index, db in enumerate(config.get("databases") or []):
        label = f"aurora_databases[{index}]"
        if not _DB_IDENTIFIER.match(str(db.get("name") or "")) or db.get("name") in names:
            problems.append(
                f"{label}.name: {db.get('name')!r} is not a unique PostgreSQL identifier (lowercase, digits, _)"
            )
        names.add(db.get("name"))
        for key in ("credentials_secret", "url_secret"):
            problems += unknown_secrets(f"{label}.{key}", [db.get(key)], known)
    return problems


class FilterModule:
    """Filters of the aurora role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "aurora_problems": aurora_problems,
            }
        )
