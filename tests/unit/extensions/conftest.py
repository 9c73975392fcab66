# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the Event-Driven Ansible tests: the Cloudflare emulator on a free port, the plugin loader, and the
ansible-rulebook command (with the Java runtime it needs)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import threading
from types import SimpleNamespace

import pytest

from localcloud.testing import aws_client

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
EDA = os.path.join(REPO, "extensions", "eda")


def _load_source(name):
    """Import the event source plugin ``extensions/eda/plugins/event_source/<name>.py`` as a module."""
    path = os.path.join(EDA, "plugins", "event_source", name + ".py")
    spec = importlib.util.spec_from_file_location("eda_source_" + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Cloudflare:
    """The Cloudflare emulator served on a free port; ``answers`` holds raw bodies (bytes) that the next requests
    get instead of the emulator's answer, with status 200 (what a broken proxy or API could send)."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.answers = []
        self.url = None

    def __call__(self, environ, start_response):
        if self.answers:
            body = self.answers.pop(0)
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self.emulator(environ, start_response)

    def ips_polls(self):
        """The status of each GET /ips the emulator answered, in order."""
        return [e["status"] for e in self.emulator.log if e["method"] == "GET" and e["path"] == "/client/v4/ips"]


@pytest.fixture
def cloudflare():
    """The Cloudflare emulator alone (no AWS, no Kinde) on a free port of 127.0.0.1, as a ``Cloudflare``."""
    from werkzeug.serving import make_server

    from localcloud.cloudflare_api import CloudflareEmulator

    app = Cloudflare(CloudflareEmulator())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{server.server_port}/client/v4"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def cloudflare_ips():
    """The event source plugin rocketclub.platform.cloudflare_ips, imported from its file."""
    return _load_source("cloudflare_ips")


@pytest.fixture(scope="session")
def rulebook():
    """(argv prefix, environment) running ansible-rulebook of this virtualenv with a Java 17 runtime.

    ansible-rulebook and drools_jpy are pinned test requirements and Java is a documented system requirement of
    the test suite: a missing one fails the test with the fix, it is never skipped."""
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-rulebook")
    assert os.path.exists(binary), f"{binary} is missing: install the pinned test requirements (make venv-test)"
    env = dict(os.environ)
    # ansible-rulebook finds collections (sources of a rulebook, `rocketclub.platform.*`) with ansible-galaxy.
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, ".collections"))
    if not env.get("JAVA_HOME"):
        java = shutil.which("java")
        assert java, (
            "ansible-rulebook needs a Java 17 runtime and none is on PATH: install it "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
        env["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    return [binary], env


def _create_alb_group(env):
    """The network role's ALB security group (its name and tags), created directly with boto3 in the local cloud of
    ``env``: what sync_cloudflare_ranges.yml looks for, without a converge. Returns (ec2 client, group id)."""
    ec2 = aws_client(env, "ec2", "eu-west-2")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(
        GroupName="rocketclub-local-alb",
        Description="ALB",
        VpcId=vpc,
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [
                    {"Key": "platform:env", "Value": "local"},
                    {"Key": "platform:managed-by", "Value": "rocketclub.platform"},
                    {"Key": "platform:sg-role", "Value": "alb"},
                ],
            }
        ],
    )["GroupId"]
    return ec2, group


def _ingress_443(ec2, group):
    """{"ipv4": [...], "ipv6": [...]} admitted on 443 (sorted), as the local cloud has it now."""
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    on_443 = [r for r in rules if r.get("FromPort") == 443 and r.get("ToPort") == 443]
    return {
        "ipv4": sorted(ip["CidrIp"] for r in on_443 for ip in r.get("IpRanges", [])),
        "ipv6": sorted(ip["CidrIpv6"] for r in on_443 for ip in r.get("Ipv6Ranges", [])),
    }


@pytest.fixture
def alb_group():
    """``create(env)`` makes the ALB security group; ``ingress_443(ec2, group)`` reads what it admits on 443."""
    return SimpleNamespace(create=_create_alb_group, ingress_443=_ingress_443)
