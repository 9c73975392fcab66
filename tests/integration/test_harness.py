# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness of conftest.py: a run is judged by its PLAY RECAP, never by its absence. No local cloud."""

from __future__ import annotations

import pytest

RECAP = (
    "PLAY [Converge the platform] ***************************************************\n\n"
    "TASK [rocketclub.platform.secrets : Ensure the platform key] *******************\n"
    "ok: [localhost]\n\n"
    "PLAY RECAP *********************************************************************\n"
    "localhost                  : ok=41   changed={changed}    unreachable=0    failed={failed}    "
    "skipped=7    rescued=0    ignored=0   \n"
)
WRITE = {"service": "ec2", "operation": "CreateVpc", "write": True}
READ = {"service": "ec2", "operation": "DescribeVpcs", "write": False}


def run(harness, output, rc=0, calls=()):
    return harness.PlaybookRun(rc, output, harness.parse_recap(output), list(calls))


def test_counts_come_from_the_recap(harness):
    done = run(harness, RECAP.format(changed=3, failed=0), calls=[READ, WRITE])
    assert (done.ok, done.changed, done.failed, done.unreachable) == (41, 3, 0, 0)
    assert done.writes == [WRITE]


def test_the_last_recap_counts_every_host(harness):
    output = RECAP.format(changed=0, failed=0) + RECAP.format(changed=2, failed=1).replace("localhost  ", "otherhost  ")
    recap = harness.parse_recap(output)
    assert list(recap) == ["otherhost"] and recap["otherhost"]["failed"] == 1


@pytest.mark.parametrize(
    "output",
    [
        "",
        "ERROR! the playbook: playbooks/nope.yml could not be found\n",
        "PLAY [Converge the platform] ****\n\nTASK [x] ****\n",  # killed before the recap
        "PLAY RECAP ****\n",  # a recap without a host line
    ],
    ids=["empty", "error-before-any-play", "killed", "recap-without-hosts"],
)
def test_no_recap_is_never_read_as_zero(harness, output):
    broken = run(harness, output, rc=1)
    assert broken.recap is None
    for count in ("ok", "changed", "failed", "unreachable"):
        with pytest.raises(AssertionError, match="no PLAY RECAP"):
            getattr(broken, count)
    with pytest.raises(AssertionError):
        broken.assert_noop()
    # Not even with rc 0 and no call (what the old parser reported as ok=0 changed=0 failed=0).
    with pytest.raises(AssertionError, match="no PLAY RECAP"):
        run(harness, output, rc=0).assert_noop()


def test_assert_noop(harness):
    run(harness, RECAP.format(changed=0, failed=0), calls=[READ]).assert_noop()
    for broken, message in [
        (run(harness, RECAP.format(changed=1, failed=0)), "changed=1"),
        (run(harness, RECAP.format(changed=0, failed=0), calls=[WRITE]), "CreateVpc"),
        (run(harness, RECAP.format(changed=0, failed=1), rc=2), "rc=2"),
        (run(harness, RECAP.format(changed=0, failed=1)), "'failed': 1"),
    ]:
        with pytest.raises(AssertionError, match=message) as failure:
            broken.assert_noop()
        assert "PLAY RECAP" in str(failure.value)  # the tail of the output is shown
