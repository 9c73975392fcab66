# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Process management: up/down idempotency, readiness, loopback-only, fresh state."""

import os
import re
import socket
import subprocess
import sys
import time

import pytest

from localcloud import common
from localcloud import testing
from localcloud.cli import port_busy
from localcloud.testing import aws_client
from localcloud.testing import cli
from localcloud.testing import cloud_client
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


def _vpc_count(env):
    return len(aws_client(env, "ec2").describe_vpcs()["Vpcs"])


def test_lifecycle(tmp_path):
    env = instance_env(str(tmp_path / "state"))
    pidfile = tmp_path / "state" / "localcloud.pid"
    try:
        up = cli(["up"], env)
        # up returns once every service answers its health check (no wall-time bound: benchmarks/ measures that)
        assert re.search(r"ready in [0-9.]+s", up.stdout), up.stdout
        assert all(doc["status"] == "ok" for doc in cloud_client(env).health().values())
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

        client = cloud_client(env)
        vpcs = _vpc_count(env)
        aws_client(env, "ec2").create_vpc(CidrBlock="10.9.0.0/16")
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


def _listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


def test_daemon_reports_a_port_taken_at_bind(tmp_path):
    """The race `up` cannot check away: a port free at its check and taken when the daemon binds. werkzeug turns
    the bind's OSError into sys.exit(1) with its own message; the daemon still exits PORT_BUSY naming the
    variable, so `up` reports a busy port (and `running` retries) instead of a bare failure."""
    blocker = _listener()
    try:
        ports = free_ports(2)
        env = instance_env(
            str(tmp_path / "state"), {"aws": ports[0], "cloudflare": ports[1], "kinde": blocker.getsockname()[1]}
        )
        result = subprocess.run(
            [sys.executable, "-m", "localcloud.daemon", str(tmp_path / "state")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == common.PORT_BUSY, result.stderr
        assert "LOCALCLOUD_KINDE_PORT" in result.stderr
        assert str(blocker.getsockname()[1]) in result.stderr
        for port in ports:  # the servers bound before the failure are closed again
            assert not port_busy(port)
    finally:
        blocker.close()


def test_free_ports_avoid_the_ephemeral_range():
    """A port inside the kernel's ephemeral range can become some client connection's source port between the
    choice and the daemon's bind (a CI run lost a worker's whole suite to that); below it only a bind can take it."""
    low, _high = testing.ephemeral_range()
    for _attempt in range(20):
        ports = free_ports(3)
        assert len(set(ports)) == 3
        assert all(testing.PRIVATE_PORTS_FROM <= port < low for port in ports), (ports, low)


def test_ephemeral_range_read_and_fallback(tmp_path):
    path = tmp_path / "range"
    path.write_text("40000\t50000\n")
    assert testing.ephemeral_range(str(path)) == (40000, 50000)
    path.write_text("garbage\n")
    assert testing.ephemeral_range(str(path)) == testing.DEFAULT_EPHEMERAL
    assert testing.ephemeral_range(str(tmp_path / "absent")) == testing.DEFAULT_EPHEMERAL


def test_free_ports_fall_back_to_the_kernel_when_no_room_below(monkeypatch):
    monkeypatch.setattr(testing, "ephemeral_range", lambda: (testing.PRIVATE_PORTS_FROM + 10, 65000))
    ports = free_ports(3)
    assert len(set(ports)) == 3
    assert not any(port_busy(port) for port in ports)


def test_running_retries_a_taken_port(tmp_path, monkeypatch):
    """`running` with ports of its own choosing meets a busy port with new ones; with the caller's ports it fails."""
    blocker = _listener()
    chosen = []
    real = testing.free_ports

    def first_taken(count):
        ports = real(count)
        if not chosen:
            ports[0] = blocker.getsockname()[1]
        chosen.append(ports)
        return ports

    monkeypatch.setattr(testing, "free_ports", first_taken)
    try:
        with testing.running(str(tmp_path / "state")) as (client, env):
            assert len(chosen) == 2
            assert int(env["LOCALCLOUD_AWS_PORT"]) == chosen[1][0] != blocker.getsockname()[1]
            assert client.config()["latency_seconds"] == 0
        busy = {"aws": blocker.getsockname()[1], "cloudflare": chosen[1][1], "kinde": chosen[1][2]}
        with pytest.raises(RuntimeError, match=r"(?s)attempt 1\).*LOCALCLOUD_AWS_PORT"):
            with testing.running(str(tmp_path / "fixed"), busy):
                pass
    finally:
        blocker.close()
