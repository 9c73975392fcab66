# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/conftest.py: a skip fails unless the test carries @pytest.mark.allowed_skip("why")."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(TESTS)
POLICY = os.path.join(TESTS, "conftest.py")
# Unit test files that need moto both ways: imported at module level (the shared core's tests) and through
# the moto_aws fixture of tests/unit/plugins/modules/conftest.py.
MOTO_USERS = ("tests/unit/plugins/module_utils/test_core.py", "tests/unit/plugins/modules/test_ssm_parameters.py")


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
    suite.makepyfile(
        test_b="""
        import pytest

        pytest.importorskip("a_module_that_is_not_installed_anywhere")

        def test_never_collected():
            pass
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0 and outcomes.get("errors", 0) == 1, result.stdout.str()


def test_a_skip_with_a_reason_marker_and_xfail_stay(suite):
    suite.makepyfile(
        test_c="""
        import pytest

        @pytest.mark.allowed_skip("needs a second network interface")
        def test_allowed():
            pytest.skip("no second interface")

        @pytest.mark.xfail(reason="known", strict=True)
        def test_expected_failure():
            assert False

        def test_passes():
            pass
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1, xfailed=1)


def test_module_level_skips_fail_under_xdist_too(suite):
    # `make unit` runs pytest-xdist workers: the skip is collected and reported on a worker, not here.
    suite.makepyfile(
        test_d="""
        import pytest

        pytest.importorskip("a_module_that_is_not_installed_anywhere")

        def test_never_collected():
            pass
        """,
        test_e="""
        import pytest

        def test_skip_call():
            pytest.skip("no reason")

        def test_passes():
            pass
        """,
    )
    result = suite.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0, result.stdout.str()
    counts = tuple(outcomes.get(outcome, 0) for outcome in ("errors", "failed", "passed"))
    assert counts == (1, 1, 1), result.stdout.str()


def test_without_moto_the_unit_tests_fail_instead_of_skipping(tmp_path):
    """moto (pinned) made unimportable, as a broken install would: the tests that use it fail, none skips.
    (The issue this guards: `pytest.importorskip("moto")` turned a broken install into a green `make unit`.)"""
    hidden = tmp_path / "moto"
    hidden.mkdir()
    (hidden / "__init__.py").write_text('raise ImportError("moto is missing (hidden by test_skip_policy.py)")\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors"]
    proc = subprocess.run(
        command + list(MOTO_USERS), cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = proc.stdout + proc.stderr
    summary = output.strip().splitlines()[-1]
    assert proc.returncode == 1 and "moto is missing" in output, output[-3000:]
    assert "skipped" not in summary and re.search(r"\d+ errors?", summary), summary
    for path in MOTO_USERS:
        assert re.search(rf"^ERROR {re.escape(path)}", output, re.M), f"{path} did not fail:\n{output[-3000:]}"
