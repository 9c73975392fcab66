# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by every suite under tests/: a skipped test is a failed test unless it says why it may skip.

Every package the tests import is pinned in requirements-test.txt (which includes requirements.txt), so a
missing one is a broken install, not a reason to skip; `pytest.importorskip` or a bare `pytest.skip` would
hide exactly that and still leave `make test` green. A test that may legitimately be skipped carries
``@pytest.mark.allowed_skip("why")``; any other skip (at collection, setup, call or teardown) fails.
Expected failures (xfail) are not skips and are left alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tools/ (the local cloud and its test helpers, localcloud.testing) is importable in every suite, whether or not
# PYTHONPATH has it: `make` exports it, a bare `pytest tests/...` does not. This conftest is loaded before any test
# module of tests/, so no test file inserts it again.
TOOLS = str(Path(__file__).resolve().parents[1] / "tools")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

MARKER = "allowed_skip"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}(reason): the test may be skipped, for the reason given")


def _skip_reason(report):
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


def _refused(report, where):
    report.outcome = "failed"
    report.longrepr = (
        f"{where} was skipped ({_skip_reason(report)}), and nothing allows it: the dependencies are pinned in "
        f'requirements-test.txt, so import them plainly; a skip that is intended needs @pytest.mark.{MARKER}("why")'
    )
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        marker = item.get_closest_marker(MARKER)
        if marker is None or not (marker.args and str(marker.args[0]).strip()):
            return _refused(report, "this test")
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):  # pylint: disable=unused-argument
    report = yield
    if report.skipped:
        # A whole module skipped at import (pytest.importorskip, pytest.skip(allow_module_level=True)).
        return _refused(report, "collecting it")
    return report
