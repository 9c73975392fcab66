# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures: one private local cloud instance per test session."""

import pytest

from localcloud.testing import aws_client
from localcloud.testing import running
from localcloud.testing import self_signed_certificate as new_self_signed_certificate


@pytest.fixture(scope="session")
def cloud(tmp_path_factory):
    """Yield (client, env) of a session-wide private instance."""
    with running(str(tmp_path_factory.mktemp("localcloud"))) as instance:
        yield instance


@pytest.fixture
def lc(cloud):
    """Return the client after resetting all state."""
    client = cloud[0]
    client.reset()
    return client


@pytest.fixture
def env(cloud):
    """Return the environment variables of the instance."""
    return cloud[1]


@pytest.fixture
def aws(env):
    """Return a factory for boto3 clients pointed at the instance."""
    from botocore.config import Config

    def make(service, retries=None, region="us-east-1"):
        return aws_client(env, service, region, Config(retries=retries or {"max_attempts": 1, "mode": "standard"}))

    return make


@pytest.fixture(scope="session")
def self_signed_certificate():
    """A self-signed certificate for ``app.rocketclub.local`` (with that SAN) and its key, both PEM, as
    ACM ImportCertificate takes them."""
    return new_self_signed_certificate("app.rocketclub.local", days=10)
