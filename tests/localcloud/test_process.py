# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Process management: up/down idempotency, readiness, loopback-only, fresh state."""

import os
import re
import socket
import time

import boto3

from localcloud.client import LocalCloud
from localcloud.testing import cli
from localcloud.testing import free_ports
from localcloud.testing import instance_env


def _listening_ports(pid):
    """Return {(family, address, port)} of LISTEN sockets owned by ``pid``."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for family in ("tcp", "tcp6"):
        with open("/proc/%d/net/%s" % (pid, family), encoding="utf-8") as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    address, port = fields[1].split(":")
                    found.add((family, address, int(port, 16)))
    return found


def _gone(pid, timeout=3.0):
    """Wait until ``pid`` no longer exists (a zombie awaiting init's reaping counts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
                if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _client(env):
    return LocalCloud(
        aws_url=env["LOCALCLOUD_AWS_URL"],
        cloudflare_url=env["LOCALCLOUD_CLOUDFLARE_URL"],
        kinde_url=env["LOCALCLOUD_KINDE_URL"],
        kinde_ca=env["LOCALCLOUD_KINDE_CA"],
    )


def _vpc_count(env):
    ec2 = boto3.client(
        "ec2",
        endpoint_url=env["LOCALCLOUD_AWS_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return len(ec2.describe_vpcs()["Vpcs"])


def test_lifecycle(tmp_path):
    env = instance_env(str(tmp_path / "state"))
    pidfile = tmp_path / "state" / "localcloud.pid"
    try:
        started = time.monotonic()
        up = cli(["up"], env)
        elapsed = time.monotonic() - started
        assert elapsed < 10
        reported = float(re.search(r"ready in ([0-9.]+)s", up.stdout).group(1))
        assert reported < 10
        pid = int(pidfile.read_text())
        assert (tmp_path / "state" / "kinde-ca.pem").exists()
        assert (tmp_path / "state" / "endpoints.json").exists()

        again = cli(["up"], env)
        assert "already running" in again.stdout
        assert int(pidfile.read_text()) == pid
        assert cli(["status"], env).returncode == 0

        ports = {
            int(env[var]) for var in ("LOCALCLOUD_AWS_PORT", "LOCALCLOUD_CLOUDFLARE_PORT", "LOCALCLOUD_KINDE_PORT")
        }
        listening = _listening_ports(pid)
        assert {port for _family, _address, port in listening} == ports
        assert all(family == "tcp" and address == "0100007F" for family, address, _port in listening), listening

        client = _client(env)
        vpcs = _vpc_count(env)
        boto3.client(
            "ec2",
            endpoint_url=env["LOCALCLOUD_AWS_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_vpc(CidrBlock="10.9.0.0/16")
        client.configure(latency_seconds=3)
        client.cloudflare_token("extra")
        assert len(client.requests()) == 2

        down = cli(["down"], env)
        assert "stopped" in down.stdout
        assert not pidfile.exists()
        assert _gone(pid), "daemon pid %d still running" % pid
        assert "not running" in cli(["down"], env).stdout
        assert cli(["status"], env, check=False).returncode == 1

        cli(["up"], env)
        assert client.requests() == []
        assert client.config()["latency_seconds"] == 0
        assert _vpc_count(env) == vpcs
        assert client.cloudflare_state()["records"] == []
    finally:
        cli(["down"], env, check=False)


def test_busy_port_is_reported(tmp_path):
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    try:
        ports = free_ports(2)
        env = instance_env(
            str(tmp_path / "state"), {"aws": blocker.getsockname()[1], "cloudflare": ports[0], "kinde": ports[1]}
        )
        result = cli(["up"], env, check=False)
        assert result.returncode != 0
        assert str(blocker.getsockname()[1]) in result.stderr
        assert "LOCALCLOUD_AWS_PORT" in result.stderr
        assert not (tmp_path / "state" / "localcloud.pid").exists()
    finally:
        blocker.close()
