# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Input checks shared by the collection's modules (pure Python, no API calls)."""

from __future__ import annotations


def find_duplicates(keys):
    """Keys seen more than once, as ``{key: [indexes]}`` in first-seen order.

    Iterating the result gives the duplicated keys themselves, which is what most messages need;
    the indexes let a message name the list items at fault.
    """
    seen = {}
    for index, key in enumerate(keys):
        seen.setdefault(key, []).append(index)
    return {key: indexes for key, indexes in seen.items() if len(indexes) > 1}
