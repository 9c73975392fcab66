# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for running AWS modules in-process against moto."""

from __future__ import annotations

import json

import pytest

READ_PREFIXES = ("Describe", "Get", "List")


class ApiCalls(list):
    """Recorded ``(service, operation, params)`` tuples of every boto3 call."""

    def operations(self, service=None):
        return [op for svc, op, dummy in self if service in (None, svc)]

    def writes(self, service=None):
        return [op for op in self.operations(service) if not op.startswith(READ_PREFIXES)]


@pytest.fixture
def aws_env(monkeypatch):
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")


@pytest.fixture
def moto_aws(aws_env):
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        yield


@pytest.fixture
def api_calls(monkeypatch):
    """Record every botocore API call made while the fixture is active (moto included)."""
    import botocore.client

    calls = ApiCalls()
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        calls.append((self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def run_module(capsys):
    """Run a module's ``main()`` with the given args; return ``(result_dict, raw_stdout)``."""
    from ansible.module_utils.testing import patch_module_args

    def _run(main, args, check_mode=False):
        args = dict(args)
        args.setdefault("region", "eu-west-1")
        if check_mode:
            args["_ansible_check_mode"] = True
        capsys.readouterr()
        with patch_module_args(args), pytest.raises(SystemExit):
            main()
        out = capsys.readouterr().out
        return json.loads(out), out

    return _run
