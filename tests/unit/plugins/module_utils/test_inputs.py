# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the shared input checks."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils.inputs import find_duplicates


@pytest.mark.parametrize(
    "keys, expected",
    [
        ([], {}),
        (["a/Gateway", "a/Interface"], {}),
        (["a/Gateway", "b/Interface", "a/Gateway"], {"a/Gateway": [0, 2]}),
        (["x", "x", "x", "y", "y"], {"x": [0, 1, 2], "y": [3, 4]}),
    ],
)
def test_find_duplicates_with_indexes(keys, expected):
    assert find_duplicates(keys) == expected


@pytest.mark.parametrize(
    "names, expected", [([], []), (["a", "b"], []), (["a", "b", "a", "a", "c", "b"], ["a", "b"])]
)
def test_find_duplicates_iterates_as_the_keys_in_first_seen_order(names, expected):
    assert list(find_duplicates(iter(names))) == expected
