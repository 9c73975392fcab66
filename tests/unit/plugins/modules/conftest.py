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

    def named(self, operation, service=None):
        """The params of every call to ``operation``, in call order."""
        return [params for svc, op, params in self if op == operation and service in (None, svc)]


class ModuleRun(tuple):
    """``(result, raw_stdout)`` of one ``main()`` run; the exit code is ``.rc``."""

    def __new__(cls, result, out, rc):
        run = super().__new__(cls, (result, out))
        run.rc = rc
        return run

    @property
    def result(self):
        return self[0]

    @property
    def out(self):
        return self[1]


@pytest.fixture
def aws_region():
    """Region of the environment, the modules' ``region`` and ``ec2``; override it in a test module to change it."""
    return "eu-west-1"


@pytest.fixture
def aws_env(monkeypatch, aws_region):
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_URL", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws_region)


@pytest.fixture
def moto_aws(aws_env):
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        yield


@pytest.fixture
def ec2(moto_aws, aws_region):
    """A boto3 EC2 client on moto, in ``aws_region``."""
    boto3 = pytest.importorskip("boto3")
    return boto3.client("ec2", region_name=aws_region)


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
def run_module(capsys, aws_region):
    """Run a module's ``main()`` with the given args (``region`` defaults to ``aws_region``).

    Return a ``ModuleRun``: it unpacks as ``(result_dict, raw_stdout)`` and carries the exit code as ``.rc``,
    which must agree with the result's ``failed`` flag.
    """
    from ansible.module_utils.testing import patch_module_args

    def _run(main, args, check_mode=False, diff=False):
        args = dict(args)
        args.setdefault("region", aws_region)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        capsys.readouterr()
        with patch_module_args(args), pytest.raises(SystemExit) as exc:
            main()
        out = capsys.readouterr().out
        result = json.loads(out)
        rc = exc.value.code
        assert bool(result.get("failed")) == (rc not in (0, None)), f"exit code {rc!r} but result {result!r}"
        return ModuleRun(result, out, rc)

    return _run
