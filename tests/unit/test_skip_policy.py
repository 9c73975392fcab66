# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/conftest.py: a skip fails unless the test carries @pytest.mark.allowed_skip("why")."""

from __future__ import annotations

import os

import pytest

POLICY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py")


@pytest.fixture
def suite(pytester):
    with open(POLICY, encoding="utf-8") as handle:
        pytester.makeconftest(handle.read())
    return pytester


def test_plain_skips_fail(suite):
    suite.makepyfile(
        test_a="""
        import pytest

        def test_skip_call():
            pytest.skip("no reason")

        @pytest.mark.skip(reason="marker")
        def test_skip_marker():
            pass

        @pytest.mark.skipif(True, reason="condition")
        def test_skipif():
            pass

        def test_importorskip():
            pytest.importorskip("a_module_that_is_not_installed_anywhere")

        @pytest.mark.allowed_skip("")
        def test_empty_reason():
            pytest.skip("no reason")
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0, result.stdout.str()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 5, result.stdout.str()
    result.stdout.fnmatch_lines(["*nothing allows it*"])


def test_module_level_importorskip_fails(suite):
    suite.makepyfile(test_b="""
        import pytest

        pytest.importorskip("a_module_that_is_not_installed_anywhere")

        def test_never_collected():
            pass
        """)
    result = suite.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0 and outcomes.get("errors", 0) == 1, result.stdout.str()


def test_a_skip_with_a_reason_marker_and_xfail_stay(suite):
    suite.makepyfile(test_c="""
        import pytest

        @pytest.mark.allowed_skip("needs a second network interface")
        def test_allowed():
            pytest.skip("no second interface")

        @pytest.mark.xfail(reason="known", strict=True)
        def test_expected_failure():
            assert False

        def test_passes():
            pass
        """)
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)
