# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbook-level tests against a private local cloud.

A session-wide local cloud runs on free loopback ports (so a `make site` cloud on the default ports
is left alone); playbooks run as real `ansible-playbook` processes from the checkout, and tests
assert on the state the local cloud holds, read back with boto3.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

import boto3
import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))

from localcloud.testing import running  # noqa: E402  pylint: disable=wrong-import-position

REGION = "eu-west-2"
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass
class PlaybookRun:
    """Outcome of one ansible-playbook process."""

    rc: int
    output: str
    ok: int
    changed: int
    failed: int
    calls: list  # every AWS API call of this run, as the local cloud's request log has them

    @property
    def writes(self):
        """The write calls of this run."""
        return [call for call in self.calls if call["write"]]


class Platform:
    """A private local cloud plus the means to run playbooks and read its AWS state."""

    def __init__(self, cloud, env):
        self.cloud = cloud
        self.env = env

    def client(self, service, region=REGION):
        """A boto3 client of the local cloud."""
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.env["LOCALCLOUD_AWS_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def fresh_account(self):
        """An empty local cloud with the operator's part done: the Kinde client secret in Secrets Manager."""
        self.cloud.reset()
        self.cloud.seed_operator_secrets()

    def playbook(self, playbook="playbooks/site.yml", *args, inventory="inventories/local", env_overrides=None):
        """Run a playbook from the checkout; return a PlaybookRun parsed from its recap, with the AWS calls
        of this run alone (the request log is cleared first). ``env_overrides`` sets environment variables
        (None removes one)."""
        self.cloud.clear_requests()
        env = dict(self.env)
        env.update(
            ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_NOCOLOR="1",
            PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        )
        for name, value in (env_overrides or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-i", inventory]
        proc = subprocess.run(
            command + list(args), cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        output = proc.stdout + proc.stderr
        match = RECAP.search(output)
        ok, changed, _unreachable, failed = (int(g) for g in match.groups()) if match else (0, 0, 0, 0)
        return PlaybookRun(proc.returncode, output, ok, changed, failed, self.cloud.requests())


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """One private local cloud for the whole session."""
    with running(str(tmp_path_factory.mktemp("localcloud"))) as (cloud, env):
        yield Platform(cloud, env)
