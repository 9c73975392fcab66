# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness of conftest.py: a run is judged by its PLAY RECAP, never by its absence. No local cloud: the
one real ansible-playbook run here makes no API call."""

from __future__ import annotations

import os
import sys

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


DIES_FIRST = """\
- name: A run that dies on its first task
  hosts: all
  gather_facts: false
  tasks:
    - name: First task
      ansible.builtin.fail:
        msg: died on the first task
    - name: Never reached
      ansible.builtin.debug:
        msg: unreachable
"""


def test_a_playbook_that_dies_on_its_first_task_fails_assert_noop(harness, tmp_path):
    # A real ansible-playbook process: its recap reads changed=0 and it made no call, which is all a
    # hand-written `changed == 0` idempotence check looked at. assert_noop fails it on rc and failed.
    playbook = tmp_path / "dies_first.yml"
    playbook.write_text(DIES_FIRST, encoding="utf-8")
    rc, output = harness.ansible_playbook(
        str(playbook),
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        env=dict(os.environ),
        inventory="localhost,",
    )
    run = harness.judged(rc, output, calls=[])
    assert "died on the first task" in run.output and "Never reached" not in run.output, run.tail()
    assert (run.rc, run.changed, run.failed, run.writes) == (2, 0, 1, []), run.tail()
    with pytest.raises(AssertionError, match="rc=2"):
        run.assert_noop()
    # The same output cut before its recap (the process killed): no count can be read, no no-op asserted.
    cut = harness.judged(-9, run.output[: run.output.index("PLAY RECAP")], calls=[])
    assert cut.recap is None
    with pytest.raises(AssertionError, match="no PLAY RECAP"):
        cut.changed  # noqa: B018  # pylint: disable=pointless-statement
    with pytest.raises(AssertionError, match="rc=-9"):
        cut.assert_noop()
