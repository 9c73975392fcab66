# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook-level tests against a private local cloud.

A session-wide local cloud runs on free loopback ports (so a `make site` cloud on the default ports
is left alone; under pytest-xdist each worker has its own); playbooks run as real `ansible-playbook`
processes from the checkout, and tests assert on the state the local cloud holds, read back with boto3.
A run is judged by its PLAY RECAP: without one, its counts cannot be read (they raise, never read as 0);
`PlaybookRun.assert_noop()` is the one idempotence check (rc 0, failed 0, changed 0, no write call).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from localcloud.testing import ansible_playbook
from localcloud.testing import aws_client
from localcloud.testing import parse_recap
from localcloud.testing import running

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

REGION = "eu-west-2"
TAIL = 4000


@dataclass
class PlaybookRun:
    """Outcome of one ansible-playbook process.

    ``recap`` is None when the output has no PLAY RECAP: then ``ok``, ``changed``, ``failed`` and
    ``unreachable`` raise instead of reading as 0, so no test can pass on a run that never got that far.
    """

    rc: int
    output: str
    recap: dict | None
    calls: list  # every AWS API call of this run, as the local cloud's request log has them

    def tail(self, size=TAIL):
        """The end of the output, for assertion messages."""
        return self.output[-size:]

    def _total(self, count):
        if self.recap is None:
            raise AssertionError(f"no PLAY RECAP in the output of this run (rc={self.rc}):\n{self.tail()}")
        return sum(host[count] for host in self.recap.values())

    @property
    def ok(self):
        return self._total("ok")

    @property
    def changed(self):
        return self._total("changed")

    @property
    def failed(self):
        return self._total("failed")

    @property
    def unreachable(self):
        return self._total("unreachable")

    @property
    def writes(self):
        """The write calls of this run."""
        return [call for call in self.calls if call["write"]]

    @property
    def changed_tasks(self):
        """Names of the tasks (``role : task``) that reported changed, in order, once each."""
        names, task = [], None
        for line in self.output.splitlines():
            if line.startswith("TASK ["):
                task = line[len("TASK [") : line.rfind("]")]
            elif line.startswith("changed:") and task not in names:
                names.append(task)
        return names

    def assert_noop(self):
        """The run succeeded and changed nothing: rc 0, a recap with failed=0, unreachable=0, changed=0,
        and not one write call in the local cloud's request log."""
        assert self.rc == 0, f"rc={self.rc}\n{self.tail()}"
        assert self.failed == 0 and self.unreachable == 0, f"recap {self.recap}\n{self.tail()}"
        assert self.changed == 0, f"changed={self.changed}\n{self.tail()}"
        assert self.writes == [], f"write calls: {self.writes}\n{self.tail()}"


def judged(rc, output, calls):
    """The PlaybookRun of one process. A run that says it succeeded always ends with a recap; without one
    the output cannot be trusted."""
    run = PlaybookRun(rc, output, parse_recap(output), calls)
    assert run.rc != 0 or run.recap is not None, f"rc 0 but no PLAY RECAP in the output:\n{run.tail()}"
    return run


class Platform:
    """A private local cloud plus the means to run playbooks and read its AWS state."""

    def __init__(self, cloud, env, outputs_dir):
        self.cloud = cloud
        self.env = env
        # site.yml writes its outputs file here (platform_outputs_dir), not into the checkout's inventory,
        # where the runs of other pytest-xdist workers would overwrite it.
        self.outputs_dir = outputs_dir
        self.shared_converge = None  # see converged()

    def client(self, service, region=REGION):
        """A boto3 client of the local cloud."""
        return aws_client(self.env, service, region)

    def fresh_account(self):
        """An empty local cloud with the operator's part done: the Kinde client secret in Secrets Manager."""
        self.shared_converge = None
        self.cloud.reset()
        self.cloud.seed_operator_secrets()

    def converged(self):
        """The PlaybookRun of a converge of inventories/local as it is (no override) from an empty account, shared by
        the test files on this worker that leave the platform that way: the first one converges, the next ones reuse
        the platform unless a file emptied the account in between (fresh_account). A file that takes it changes
        only what it restores before it ends (a rotated secret stays rotated: site.yml still changes nothing)."""
        if self.shared_converge is None:
            self.fresh_account()
            run = self.playbook("playbooks/site.yml")
            assert run.rc == 0 and run.failed == 0, run.tail()
            self.shared_converge = run
        return self.shared_converge

    def outputs_file(self, environment="local"):
        """The outputs file site.yml writes for ``environment``."""
        return os.path.join(self.outputs_dir, f"{environment}.json")

    def playbook(
        self, playbook="playbooks/site.yml", *args, inventory="inventories/local", env_overrides=None, **where
    ):
        """Run a playbook from the checkout (or, with ``where``'s ``bin_dir`` and ``cwd``, another virtualenv's
        ansible-playbook in another directory); return a PlaybookRun parsed from its recap, with the AWS calls of
        this run alone (the request log is cleared first). ``env_overrides`` sets environment variables (None
        removes one)."""
        self.cloud.clear_requests()
        args = ("-e", f"platform_outputs_dir={self.outputs_dir}") + args
        rc, output = ansible_playbook(
            playbook, *args, env=self.env, inventory=inventory, overrides=env_overrides, **where
        )
        return judged(rc, output, self.cloud.requests())


# The order in which the pytest-xdist workers of `make integration` (`-n 3 --dist loadfile --no-loadscope-reorder`)
# take the files, the longest first (docs/test-budget.md has the figures; `make integration` prints each file's
# seconds). pytest-xdist hands each worker two files at the start (the first three files, then the next three), then
# the next file in this order to the first worker with at most two tests left. Without --no-loadscope-reorder
# pytest-xdist orders the files by their number of tests, not their length. test_site_lifecycle,
# test_execution_environment, test_verify, test_rotate_kinde and test_bad_input share one converge when they follow
# each other on a worker (Platform.converged()); the execution environment's converge, from the installed tarball,
# becomes that shared converge. Files not listed run after these.
FILE_ORDER = (
    "test_site.py",
    "test_park_unpark.py",
    "test_check_mode.py",
    "test_edge_topology.py",
    "test_rotate_origin_secret.py",
    "test_site_lifecycle.py",
    "test_execution_environment.py",
    "test_verify.py",
    "test_rotate_kinde.py",
    "test_bad_input.py",
)


def pytest_collection_modifyitems(items):
    """Order the files of this directory (only them, in the slots they hold: `pytest tests` collects every suite)."""
    here = os.path.dirname(os.path.abspath(__file__))
    slots = [index for index, item in enumerate(items) if os.path.dirname(str(item.path)) == here]

    def rank(item):
        name = item.path.name
        return FILE_ORDER.index(name) if name in FILE_ORDER else len(FILE_ORDER)

    # sorted() is stable: the order inside a file stays the file's order.
    for index, item in zip(slots, sorted((items[index] for index in slots), key=rank)):
        items[index] = item


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """One private local cloud for the whole session; under pytest-xdist one per worker, each with its own
    free ports and its own state directory (tmp_path_factory is per worker). A port another process takes before
    the daemon binds it (two workers can draw the same one) is retried on new ports by `running` itself; any other
    failure to start fails the session at once."""
    with running(str(tmp_path_factory.mktemp("localcloud"))) as (cloud, env):
        yield Platform(cloud, env, str(tmp_path_factory.mktemp("outputs")))


@pytest.fixture(scope="session")
def harness():
    """The harness itself, for its own tests (test_harness.py): a conftest is not importable by name."""
    return SimpleNamespace(
        parse_recap=parse_recap, PlaybookRun=PlaybookRun, ansible_playbook=ansible_playbook, judged=judged
    )


# Seconds each file took (setup, call and teardown of its tests) and the pytest-xdist worker that ran it, printed at
# the end of `make integration`: the figures docs/test-budget.md orders FILE_ORDER by. Reports reach the controller
# from every worker, so the sums are complete however the files were spread.
FILE_SECONDS = {}


def pytest_runtest_logreport(report):
    """Add one phase of one test to its file's total."""
    path = report.nodeid.split("::", 1)[0]
    gateway = getattr(getattr(report, "node", None), "gateway", None)
    seconds, workers = FILE_SECONDS.get(path, (0.0, set()))
    FILE_SECONDS[path] = (seconds + report.duration, workers | {getattr(gateway, "id", "main")})


def pytest_terminal_summary(terminalreporter):
    """One line per file, the longest first."""
    files = {path: entry for path, entry in FILE_SECONDS.items() if path.startswith("tests/integration/")}
    if not files:
        return
    terminalreporter.section("seconds per file (setup, call and teardown of its tests)")
    for path, (seconds, workers) in sorted(files.items(), key=lambda item: -item[1][0]):
        terminalreporter.write_line(f"{seconds:7.1f} s  {','.join(sorted(workers))}  {path}")
