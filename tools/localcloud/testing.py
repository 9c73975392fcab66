# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for tests: run a private local cloud on free ports."""

import contextlib
import os
import socket
import subprocess
import sys

from localcloud import common
from localcloud.cli import PACKAGE_PARENT, client_env
from localcloud.client import LocalCloud


def free_ports(count):
    """Return ``count`` distinct free TCP ports on 127.0.0.1."""
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


def cli(args, env, check=True):
    """Run ``python -m localcloud ARGS`` with ``env``; return the CompletedProcess."""
    return subprocess.run([sys.executable, '-m', 'localcloud'] + list(args), env=env,
                          capture_output=True, text=True, check=check, timeout=60)


def instance_env(state_dir, ports=None):
    """Return the environment for a private instance."""
    ports = ports or dict(zip(('aws', 'cloudflare', 'kinde'), free_ports(3)))
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [PACKAGE_PARENT] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p])
    env['LOCALCLOUD_STATE_DIR'] = os.path.abspath(state_dir)
    for name, (var, _default) in common.PORT_ENV.items():
        env[var] = str(ports[name])
    env.update(client_env(env['LOCALCLOUD_STATE_DIR'], env))
    return env


@contextlib.contextmanager
def running(state_dir, ports=None):
    """Start a private instance; yield (LocalCloud, env dict); always stop it."""
    env = instance_env(state_dir, ports)
    try:
        result = cli(['up'], env, check=False)
        if result.returncode != 0:
            raise RuntimeError('localcloud up failed:\n%s%s' % (result.stdout, result.stderr))
        client = LocalCloud(aws_url=env['LOCALCLOUD_AWS_URL'],
                            cloudflare_url=env['LOCALCLOUD_CLOUDFLARE_URL'],
                            kinde_url=env['LOCALCLOUD_KINDE_URL'],
                            kinde_ca=env['LOCALCLOUD_KINDE_CA'])
        yield client, env
    finally:
        cli(['down'], env, check=False)
