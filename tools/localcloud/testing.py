# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for tests: run a private local cloud on free ports."""

import contextlib
import io
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import boto3

from localcloud import common
from localcloud.cli import PACKAGE_PARENT
from localcloud.cli import client_env
from localcloud.cli import port_busy
from localcloud.client import LocalCloud
from localcloud.cloudflare_api import CloudflareEmulator

# Linux's default ephemeral range, used when /proc does not say (the kernel picks a client socket's source port
# from it, and from it alone).
DEFAULT_EPHEMERAL = (32768, 60999)
# Private instances listen on ports from here up to the ephemeral range.
PRIVATE_PORTS_FROM = 20000
# How many times `running` tries new ports when one is taken while the daemon starts.
UP_ATTEMPTS = 3
_RANDOM = random.SystemRandom()


def ephemeral_range(path="/proc/sys/net/ipv4/ip_local_port_range"):
    """Return the kernel's (low, high) range of source ports for outgoing connections."""
    try:
        with open(path, encoding="ascii") as handle:
            low, high = (int(field) for field in handle.read().split())
        return low, high
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL


def free_ports(count):
    """Return ``count`` distinct free TCP ports on 127.0.0.1, below the kernel's ephemeral range.

    A port the kernel handed out with bind(0) lies inside the ephemeral range, and once the probing socket closes,
    any client connection on the machine may take it as its source port before the daemon binds it: in `make test`
    the integration workers open thousands of connections beside the local-cloud suite, and one did. Below that
    range only an explicit bind can take a port."""
    low, _high = ephemeral_range()
    candidates = range(PRIVATE_PORTS_FROM, low)
    if len(candidates) < 100 * count:
        return _kernel_ports(count)
    chosen = []
    while len(chosen) < count:
        port = _RANDOM.choice(candidates)
        if port not in chosen and not port_busy(port):
            chosen.append(port)
    return chosen


def _kernel_ports(count):
    sockets = []
    try:
        for _index in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((common.HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def sleep_until(deadline):
    """Sleep until ``deadline`` (time.monotonic()) plus a margin for the server's clock reads.

    The local cloud counts a resource's latency from the moment it answered the create call, so a test
    that takes ``time.monotonic() + seconds`` after its last create knows every resource has settled
    once this returns, however slowly the machine ran the calls in between."""
    time.sleep(max(0.0, deadline - time.monotonic()) + 0.2)


def cli(args, env, check=True):
    """Run ``python -m localcloud ARGS`` with ``env``; return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "localcloud"] + list(args),
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=60,
    )


def instance_env(state_dir, ports=None):
    """Return the environment for a private instance."""
    ports = ports or dict(zip(("aws", "cloudflare", "kinde"), free_ports(3)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [PACKAGE_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    env["LOCALCLOUD_STATE_DIR"] = os.path.abspath(state_dir)
    for name, (var, _default) in common.PORT_ENV.items():
        env[var] = str(ports[name])
    env.update(client_env(env["LOCALCLOUD_STATE_DIR"], env))
    return env


def cloud_client(env):
    """The control client (localcloud.client.LocalCloud) of the instance of ``env``."""
    return LocalCloud(
        aws_url=env["LOCALCLOUD_AWS_URL"],
        cloudflare_url=env["LOCALCLOUD_CLOUDFLARE_URL"],
        kinde_url=env["LOCALCLOUD_KINDE_URL"],
        kinde_ca=env["LOCALCLOUD_KINDE_CA"],
    )


def aws_client(env, service, region="us-east-1", config=None):
    """A boto3 client of ``service`` pointed at the AWS endpoint of the instance of ``env``."""
    return boto3.client(
        service,
        endpoint_url=env["LOCALCLOUD_AWS_URL"],
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


@contextlib.contextmanager
def running(state_dir, ports=None):
    """Start a private instance; yield (LocalCloud, env dict); always stop it.

    With ``ports`` left to this function, a port taken between the choice and the daemon's bind (exit
    ``common.PORT_BUSY``) is met with new ports, up to UP_ATTEMPTS times."""
    for attempt in range(1, UP_ATTEMPTS + 1):
        env = instance_env(state_dir, ports)
        result = cli(["up"], env, check=False)
        if result.returncode == 0:
            break
        cli(["down"], env, check=False)
        if ports is not None or result.returncode != common.PORT_BUSY or attempt == UP_ATTEMPTS:
            raise RuntimeError("localcloud up failed (attempt %d):\n%s%s" % (attempt, result.stdout, result.stderr))
    try:
        yield cloud_client(env), env
    finally:
        cli(["down"], env, check=False)


def ansible_module(env, module, args, flags=(), token=None):
    """Run ``module`` once through ``ansible localhost`` from the checkout against the instance of ``env``
    (Cloudflare token from ``env`` unless ``token``); return its result. No token may appear in the output."""
    repo = os.path.dirname(PACKAGE_PARENT)
    token = token or env["CLOUDFLARE_API_TOKEN"]
    run_env = dict(
        env,
        ANSIBLE_CONFIG=os.path.join(repo, "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="json",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        CLOUDFLARE_API_TOKEN=token,
    )
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    proc = subprocess.run(
        [
            ansible,
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-m",
            module,
            "-a",
            json.dumps(args),
            "-e",
            "ansible_python_interpreter=" + sys.executable,
        ]
        + list(flags),
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=repo,
    )
    assert proc.returncode in (0, 2), proc.stdout + proc.stderr
    assert token not in proc.stdout + proc.stderr
    return json.loads(proc.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]


# One line per host after "PLAY RECAP"; every count is read, none is assumed.
RECAP_HEADER = re.compile(r"^PLAY RECAP \*+\s*$", re.M)
RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)


def parse_recap(output):
    """{host: {count: n}} from the last PLAY RECAP of ``output``; None when there is none (the run died
    before it, or the output is not what the harness expects): never read as zero counts."""
    headers = list(RECAP_HEADER.finditer(output))
    if not headers:
        return None
    recap = {
        match["host"]: {key: int(value) for key, value in match.groupdict().items() if key != "host"}
        for match in RECAP_LINE.finditer(output, headers[-1].end())
    }
    return recap or None


def ansible_playbook(playbook, *args, env, inventory="inventories/local", overrides=None, bin_dir=None, cwd=None):
    """Run ansible-playbook (of the running virtualenv, or of ``bin_dir``) in ``cwd`` (the checkout by default) with
    ``env`` plus the checkout's ansible.cfg and no colours, then ``overrides`` (None removes a variable); return
    ``(rc, output)``, stdout then stderr. Judge the run by ``parse_recap(output)``."""
    repo = os.path.dirname(PACKAGE_PARENT)
    bin_dir = bin_dir or os.path.dirname(sys.executable)
    env = dict(env)
    env.update(
        ANSIBLE_CONFIG=os.path.join(repo, "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        PATH=bin_dir + os.pathsep + env.get("PATH", ""),
    )
    for name, value in (overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    command = [os.path.join(bin_dir, "ansible-playbook"), playbook, "-i", inventory]
    proc = subprocess.run(
        command + list(args), cwd=cwd or repo, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr


class InProcessCloudflare(CloudflareEmulator):
    """The Cloudflare emulator called in process, in place of ``fetch_url`` of a module_utils file.

    ``calls()`` / ``writes()`` list the logged calls as ``METHOD path`` (path below ``/client/v4``).
    """

    def fetch_url(self, module, url, data=None, headers=None, method=None, timeout=None, **kwargs):
        """``ansible.module_utils.urls.fetch_url``, answered by the emulator's WSGI application."""
        parts = urlsplit(url)
        body = (data or "").encode() if isinstance(data or "", str) else data
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }
        environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()})
        answer = {}
        raw = b"".join(self(environ, lambda status, hdrs: answer.update(status=int(status.split()[0]), headers=hdrs)))
        info = dict({k.lower(): v for k, v in answer["headers"]}, url=url, status=answer["status"], msg="OK")
        if answer["status"] >= 400:
            return None, dict(info, body=raw)
        return io.BytesIO(raw), info

    def calls(self):
        return [f"{e['method']} {e['path'].split('/client/v4')[1]}" for e in self.log]

    def writes(self):
        return [call for call in self.calls() if not call.startswith("GET ")]

    def install(self, monkeypatch, client_module):
        """Answer every request of ``client_module`` (module_utils/cloudflare.py); record its sleeps."""
        self.sleeps = []
        monkeypatch.setattr(client_module, "fetch_url", self.fetch_url)
        monkeypatch.setattr(client_module, "default_sleep", self.sleeps.append)
        monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
        return self


def self_signed_certificate(host, days=30):
    """(certificate, private key), both PEM bytes, of a new self-signed RSA certificate for ``host`` (its common
    name and only DNS name), valid from a day ago for ``days`` days: what ACM ImportCertificate takes."""
    import datetime  # pylint: disable=import-outside-toplevel

    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
