# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for running AWS modules in-process against moto."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.common import warnings as _warnings

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

    @property
    def warnings(self):
        """The result's warnings as text: plain strings, or the WarningSummary dicts that ansible-core
        2.19 returns for an in-process run."""
        return [
            w if isinstance(w, str) else (w.get("event") or {}).get("msg") or w.get("msg", "")
            for w in self.result.get("warnings", [])
        ]


@pytest.fixture
def aws_region():
    """Region of the environment, the modules' ``region`` and ``ec2`` (the platform's region, eu-west-2);
    override it in a test module to change it."""
    return "eu-west-2"


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
    import moto

    with moto.mock_aws():
        yield


@pytest.fixture
def ec2(moto_aws, aws_region):
    """A boto3 EC2 client on moto, in ``aws_region``."""
    import boto3

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
def doc_problems(monkeypatch):
    """``doc_problems(module)``: where a module's DOCUMENTATION disagrees with its argument spec, a RETURN entry
    lacks a key, or an EXAMPLES task neither calls the module nor is an ``ansible.builtin`` helper task (the
    checks of test_secrets_module_docs.py)."""
    import importlib

    import yaml

    docs = importlib.import_module(
        "ansible_collections.rocketclub.platform.tests.unit.plugins.modules.test_secrets_module_docs"
    )

    def problems(module):
        name = module.__name__.rsplit(".", 1)[-1]
        doc = yaml.safe_load(module.DOCUMENTATION)
        found = [] if doc["module"] == name else [f"DOCUMENTATION names module {doc['module']}, not {name}"]
        found += docs.compare_options(docs.captured_argument_spec(module, monkeypatch), doc["options"])
        found += docs.check_return(yaml.safe_load(module.RETURN))
        for task in yaml.safe_load(module.EXAMPLES):
            if f"rocketclub.platform.{name}" not in task and not any(k.startswith("ansible.builtin.") for k in task):
                found.append(f"EXAMPLES task {task.get('name')!r} does not call rocketclub.platform.{name}")
        return found

    return problems


@pytest.fixture
def run_module(capsys, aws_region, monkeypatch):
    """Run a module's ``main()`` with the given args (``region`` defaults to ``aws_region``, except for a
    module that is not an AWS module: ``aws=False``, e.g. the Cloudflare ones).

    Return a ``ModuleRun``: it unpacks as ``(result_dict, raw_stdout)`` and carries the exit code as ``.rc``,
    which must agree with the result's ``failed`` flag.
    """
    from ansible.module_utils import _internal
    from ansible.module_utils.testing import patch_module_args

    # A module runs outside the controller; importing controller code (ansible.template, in the filter
    # tests) flips this process-wide flag, and module warnings would then be lost.
    monkeypatch.setattr(_internal, "is_controller", False)

    def _run(main, args, check_mode=False, diff=False, aws=True):
        args = dict(args)
        if aws:
            args.setdefault("region", aws_region)
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        capsys.readouterr()
        # Each run is its own module process in real life: no warning or deprecation of an earlier
        # in-process run may show up in this one (ansible-core keeps them in module-global stores).
        _warnings._global_warnings.clear()
        _warnings._global_deprecations.clear()
        with patch_module_args(args), pytest.raises(SystemExit) as exc:
            main()
        out = capsys.readouterr().out
        result = json.loads(out)
        rc = exc.value.code
        assert bool(result.get("failed")) == (rc not in (0, None)), f"exit code {rc!r} but result {result!r}"
        return ModuleRun(result, out, rc)

    return _run


class FakeCloudflare:
    """A fake Cloudflare v4 API behind ``fetch_url`` of ``module_utils/cloudflare.py``.

    Serves ``GET /ips`` from ``ipv4``/``ipv6`` (the etag follows them); other routes can be added to
    ``routes`` as ``{(method, path): handler(call) -> (status, result_or_envelope)}``. ``fail(status, count)``
    queues faults answered before any route; ``calls`` records ``(method, path, query, headers, body)``
    and ``sleeps`` the retry sleeps (which do not really sleep).
    """

    def __init__(self):
        self.ipv4 = ["173.245.48.0/20", "103.21.244.0/22", "104.16.0.0/13"]
        self.ipv6 = ["2400:cb00::/32", "2606:4700::/32"]
        self.routes = {}
        self.faults = []
        self.calls = []
        self.sleeps = []

    @property
    def etag(self):
        import hashlib

        return hashlib.md5(json.dumps([self.ipv4, self.ipv6]).encode()).hexdigest()

    def set_ips(self, ipv4=None, ipv6=None):
        if ipv4 is not None:
            self.ipv4 = list(ipv4)
        if ipv6 is not None:
            self.ipv6 = list(ipv6)

    def fail(self, status, count=1, code=None, message=None, retry_after=None):
        for _index in range(count):
            self.faults.append((status, code or status, message or f"HTTP {status}", retry_after))

    def paths(self):
        return [f"{method} {path}" for method, path, _q, _h, _b in self.calls]

    def fetch_url(self, module, url, data=None, headers=None, method=None, timeout=None, **kwargs):
        from urllib.parse import parse_qs
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        path = "/" + parts.path.split("/client/v4/", 1)[-1].lstrip("/")
        body = json.loads(data) if data else None
        self.calls.append((method, path, parse_qs(parts.query), dict(headers or {}), body))
        extra = {}
        if self.faults:
            status, code, message, retry_after = self.faults.pop(0)
            payload = {"result": None, "success": False, "errors": [{"code": code, "message": message}], "messages": []}
            if retry_after is not None:
                extra["retry-after"] = str(retry_after)
        elif (method, path) == ("GET", "/ips"):
            status = 200
            payload = {
                "result": {"ipv4_cidrs": list(self.ipv4), "ipv6_cidrs": list(self.ipv6), "etag": self.etag},
                "success": True,
                "errors": [],
                "messages": [],
            }
        elif (method, path) in self.routes:
            status, payload = self.routes[(method, path)](self.calls[-1])
            if not (isinstance(payload, dict) and "success" in payload):
                payload = {"result": payload, "success": status < 400, "errors": [], "messages": []}
        else:
            status = 404
            payload = {
                "result": None,
                "success": False,
                "errors": [{"code": 7000, "message": "No route for that URI"}],
                "messages": [],
            }
        raw = json.dumps(payload).encode()
        info = dict(extra, url=url, status=status, msg="OK" if status < 400 else "HTTP Error")
        if status >= 400:
            info["body"] = raw
            return None, info
        return _FakeHttpResponse(raw), info


class _FakeHttpResponse:
    def __init__(self, raw):
        self._raw = raw

    def read(self):
        return self._raw


@pytest.fixture
def fake_cloudflare(monkeypatch):
    """A ``FakeCloudflare`` patched into ``module_utils/cloudflare.py`` (``fetch_url`` and the retry sleep)."""
    from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare

    fake = FakeCloudflare()
    monkeypatch.setattr(cloudflare, "fetch_url", fake.fetch_url)
    monkeypatch.setattr(cloudflare, "default_sleep", fake.sleeps.append)
    return fake
