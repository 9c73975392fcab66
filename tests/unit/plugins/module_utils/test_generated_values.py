# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import generated_values as gv


class TestGenerateValue:
    @pytest.mark.parametrize("length", [16, 40, 48, 4096])
    def test_length_and_alphabet(self, length):
        value = gv.generate_value(length)
        assert len(value) == length
        assert set(value) <= set(gv.GENERATED_ALPHABET)

    def test_values_differ(self):
        assert len({gv.generate_value(40) for dummy in range(20)}) == 20

    @pytest.mark.parametrize("length", [0, 15, 4097, -1])
    def test_bad_length(self, length):
        with pytest.raises(ValueError):
            gv.generate_value(length)

    @pytest.mark.parametrize(
        "length, expected",
        [
            (16, None),
            (4096, None),
            (15, "length must be between 16 and 4096"),
            (None, "length must be between 16 and 4096"),
        ],
    )
    def test_validate_length(self, length, expected):
        assert gv.validate_length(length) == expected


@pytest.mark.parametrize(
    "has_value, generated, expected",
    [(False, False, "<empty>"), (True, False, "<set>"), (True, True, "<generated>"), (False, True, "<generated>")],
)
def test_value_marker(has_value, generated, expected):
    assert gv.value_marker(has_value, generated) == expected
