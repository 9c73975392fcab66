# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.kinde_client_secret against moto and a fake Kinde token endpoint."""

from __future__ import annotations

import io
import json
import urllib.error
from urllib.parse import parse_qs

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import kinde  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import kinde_client_secret  # noqa: E402

REGION = "eu-west-2"
DOMAIN = "acme.kinde.com"
CLIENT_ID = "0123456789abcdef0123456789abcdef"
SECRET_NAME = "test/kinde/client-secret"
OLD_SECRET = "kinde-old-secret-Q8wz1Lr7Vb3Kp0Xs"
NEW_SECRET = "kinde-new-secret-Mn4Tt9Yq2Hc6Zp1"


class FakeResponse:
    def __init__(self, status, document):
        self.status = status
        self._body = json.dumps(document).encode()

    def read(self):
        return self._body


class FakeKinde:
    """Kinde's token endpoint behind ``ansible.module_utils.urls.open_url``: ``secrets`` are the client secrets
    Kinde knows; ``answer`` forces a ``(status, document)`` answer, ``down`` makes it unreachable."""

    def __init__(self):
        self.secrets = {CLIENT_ID: NEW_SECRET}
        self.answer = None
        self.down = False
        self.calls = []

    def open_url(self, url, data=None, **kwargs):
        self.calls.append(dict(kwargs, url=url, form={k: v[0] for k, v in parse_qs(data).items()}))
        if self.down:
            raise urllib.error.URLError("[Errno 111] Connection refused")
        form = self.calls[-1]["form"]
        if self.answer is not None:
            status, document = self.answer
        elif self.secrets.get(form.get("client_id")) == form.get("client_secret"):
            status, document = 200, {"access_token": "eyJ.token.sig", "token_type": "bearer", "expires_in": 86399}
        else:
            status, document = 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
        if status >= 400:
            raise urllib.error.HTTPError(url, status, "error", {}, io.BytesIO(json.dumps(document).encode()))
        return FakeResponse(status, document)


@pytest.fixture
def fake_kinde(monkeypatch):
    from ansible.module_utils import urls

    fake = FakeKinde()
    monkeypatch.setattr(urls, "open_url", fake.open_url)
    return fake


@pytest.fixture
def sm(moto_aws, api_calls, fake_kinde):
    client = boto3.client("secretsmanager", region_name=REGION)
    client.create_secret(Name=SECRET_NAME, SecretString=OLD_SECRET)
    api_calls.clear()
    return client


def args(**extra):
    return dict(
        {"secret_name": SECRET_NAME, "new_secret": NEW_SECRET, "kinde_domain": DOMAIN, "client_id": CLIENT_ID}, **extra
    )


def stage_values(client):
    """{stage: value} of AWSCURRENT and AWSPREVIOUS."""
    values = {}
    for stage in ("AWSCURRENT", "AWSPREVIOUS"):
        try:
            values[stage] = client.get_secret_value(SecretId=SECRET_NAME, VersionStage=stage)["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            values[stage] = None
    return values


def assert_no_secret_in(run):
    assert NEW_SECRET not in run.out and OLD_SECRET not in run.out


def test_rotate_four_ways(run_module, sm, api_calls, fake_kinde):
    original = sm.describe_secret(SecretId=SECRET_NAME)
    old_version = next(v for v, s in original["VersionIdsToStages"].items() if "AWSCURRENT" in s)

    check = run_module(kinde_client_secret.main, args(), check_mode=True, diff=True)
    assert check.rc == 0, check.result
    assert check.result["changed"] is True and check.result["verified"] is True
    assert check.result["current_version_id"] is None and check.result["previous_version_id"] == old_version
    assert check.result["diff"] == {
        "before": {"current_version_id": old_version, "previous_version_id": None},
        "after": {"current_version_id": None, "previous_version_id": old_version},
    }
    assert api_calls.writes() == [] and stage_values(sm) == {"AWSCURRENT": OLD_SECRET, "AWSPREVIOUS": None}
    assert len(fake_kinde.calls) == 1  # the Kinde check runs in check mode too
    assert_no_secret_in(check)

    applied = run_module(kinde_client_secret.main, args(), diff=True)
    assert applied.rc == 0, applied.result
    assert applied.result["changed"] is True and applied.result["verified"] is True
    assert api_calls.writes() == ["PutSecretValue"]
    assert stage_values(sm) == {"AWSCURRENT": NEW_SECRET, "AWSPREVIOUS": OLD_SECRET}
    described = sm.describe_secret(SecretId=SECRET_NAME)["VersionIdsToStages"]
    assert described[applied.result["current_version_id"]] == ["AWSCURRENT"]
    assert applied.result["previous_version_id"] == old_version and described[old_version] == ["AWSPREVIOUS"]
    assert applied.result["secret_arn"] == original["ARN"]
    assert_no_secret_in(applied)

    api_calls.clear()
    for check_mode in (True, False):
        again = run_module(kinde_client_secret.main, args(), check_mode=check_mode, diff=True)
        assert again.rc == 0 and again.result["changed"] is False, again.result
        assert again.result["current_version_id"] == applied.result["current_version_id"]
        assert again.result["diff"]["before"] == again.result["diff"]["after"]
        assert_no_secret_in(again)
    assert api_calls.writes() == []
    assert stage_values(sm) == {"AWSCURRENT": NEW_SECRET, "AWSPREVIOUS": OLD_SECRET}


def test_the_token_request(run_module, sm, fake_kinde):
    run = run_module(kinde_client_secret.main, args(ca_path="/tmp/kinde-ca.pem"), check_mode=True)
    assert run.rc == 0, run.result
    call = fake_kinde.calls[0]
    assert call["url"] == f"https://{DOMAIN}/oauth2/token" and call["method"] == "POST"
    assert call["form"] == {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": NEW_SECRET}
    assert call["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert call["ca_path"] == "/tmp/kinde-ca.pem" and call["validate_certs"] is True
    assert call["follow_redirects"] == "none"


@pytest.mark.parametrize("check_mode", [True, False])
def test_secret_unknown_to_kinde_changes_nothing(run_module, sm, api_calls, fake_kinde, check_mode):
    run = run_module(kinde_client_secret.main, args(new_secret="not-the-secret-in-kinde"), check_mode=check_mode)
    assert run.rc == 1
    assert (
        run.result["msg"]
        == f"Kinde rejected the new client secret for client {CLIENT_ID} (invalid_client); nothing was changed"
    )
    assert api_calls.operations() == []
    assert "not-the-secret-in-kinde" not in run.out
    assert stage_values(sm)["AWSCURRENT"] == OLD_SECRET


@pytest.mark.parametrize(
    "answer, down, message",
    [
        (None, True, "is unreachable (URLError: <urlopen error [Errno 111] Connection refused>)"),
        ((503, {"message": "unavailable"}), False, "gave no answer about the client secret of client"),
        ((404, {"message": "no such path"}), False, "(HTTP 404, no OAuth error in the answer)"),
    ],
)
def test_kinde_without_a_verdict_changes_nothing(run_module, sm, api_calls, fake_kinde, answer, down, message):
    fake_kinde.answer, fake_kinde.down = answer, down
    run = run_module(kinde_client_secret.main, args())
    assert run.rc == 1 and message in run.result["msg"], run.result
    assert run.result["msg"].endswith("the new client secret could not be checked; nothing was changed")
    assert api_calls.operations() == []
    assert_no_secret_in(run)


def test_other_oauth_error_proves_kinde_knows_the_secret(run_module, sm, api_calls, fake_kinde):
    # A back-end application without the client_credentials grant: Kinde authenticates the client first.
    fake_kinde.answer = (400, {"error": "unauthorized_client"})
    run = run_module(kinde_client_secret.main, args())
    assert run.rc == 0 and run.result["verified"] is True and run.result["changed"] is True, run.result
    assert api_calls.writes() == ["PutSecretValue"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"new_secret": ""}, "new_secret must not be empty"),
        ({"new_secret": NEW_SECRET + "\n"}, "new_secret starts or ends with white space"),
        ({"client_id": " "}, "client_id must not be empty"),
        ({"kinde_domain": "http://acme.kinde.com"}, "scheme http:// is not allowed"),
    ],
)
def test_bad_input_makes_no_call(run_module, sm, api_calls, fake_kinde, extra, message):
    run = run_module(kinde_client_secret.main, args(**extra))
    assert run.rc == 1 and message in run.result["msg"], run.result
    assert run.result["msg"].startswith("Invalid input (nothing was changed): ")
    assert api_calls.operations() == [] and fake_kinde.calls == []


def test_present_requires_the_kinde_options(run_module, sm, api_calls, fake_kinde):
    run = run_module(kinde_client_secret.main, {"secret_name": SECRET_NAME})
    assert run.rc == 1 and "state is present but all of the following are missing" in run.result["msg"]
    assert api_calls.operations() == [] and fake_kinde.calls == []


def test_missing_secret_fails_clearly(run_module, sm, api_calls):
    run = run_module(kinde_client_secret.main, args(secret_name="test/kinde/nope"))
    assert run.rc == 1
    assert "Secrets Manager secret test/kinde/nope does not exist in eu-west-2" in run.result["msg"]
    assert api_calls.writes() == []


def test_empty_container_gets_its_first_version(run_module, moto_aws, api_calls, fake_kinde):
    client = boto3.client("secretsmanager", region_name=REGION)
    client.create_secret(Name=SECRET_NAME)
    api_calls.clear()
    run = run_module(kinde_client_secret.main, args())
    assert run.rc == 0 and run.result["changed"] is True and run.result["previous_version_id"] is None, run.result
    assert api_calls.writes() == ["PutSecretValue"]
    assert stage_values(client) == {"AWSCURRENT": NEW_SECRET, "AWSPREVIOUS": None}


def test_rollback_four_ways(run_module, sm, api_calls, fake_kinde):
    rotated = run_module(kinde_client_secret.main, args()).result
    new_version, old_version = rotated["current_version_id"], rotated["previous_version_id"]
    api_calls.clear()
    fake_kinde.calls.clear()
    rollback = {"secret_name": SECRET_NAME, "state": "rollback", "from_version_id": new_version}

    check = run_module(kinde_client_secret.main, rollback, check_mode=True)
    assert check.rc == 0 and check.result["changed"] is True, check.result
    assert (check.result["current_version_id"], check.result["previous_version_id"]) == (old_version, new_version)
    assert check.result["verified"] is False
    assert api_calls.writes() == [] and stage_values(sm)["AWSCURRENT"] == NEW_SECRET

    applied = run_module(kinde_client_secret.main, rollback)
    assert applied.rc == 0 and applied.result["changed"] is True, applied.result
    assert api_calls.writes() == ["UpdateSecretVersionStage"]
    assert api_calls.named("UpdateSecretVersionStage")[0] == {
        "SecretId": rotated["secret_arn"],
        "VersionStage": "AWSCURRENT",
        "MoveToVersionId": old_version,
        "RemoveFromVersionId": new_version,
    }
    assert stage_values(sm) == {"AWSCURRENT": OLD_SECRET, "AWSPREVIOUS": NEW_SECRET}

    api_calls.clear()
    for check_mode in (True, False):
        again = run_module(kinde_client_secret.main, rollback, check_mode=check_mode)
        assert again.rc == 0 and again.result["changed"] is False, again.result
    assert api_calls.writes() == [] and fake_kinde.calls == []
    assert stage_values(sm) == {"AWSCURRENT": OLD_SECRET, "AWSPREVIOUS": NEW_SECRET}
    assert_no_secret_in(again)


def test_rollback_without_previous_version_fails(run_module, sm, api_calls):
    run = run_module(kinde_client_secret.main, {"secret_name": SECRET_NAME, "state": "rollback"})
    assert run.rc == 1
    assert run.result["msg"] == (
        f"Secrets Manager secret {SECRET_NAME} has no AWSPREVIOUS version, so there is no previous secret to roll back "
        "to. Nothing was changed"
    )
    assert api_calls.writes() == []


def test_api_error_never_shows_the_secret(run_module, sm, api_calls, monkeypatch):
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def failing(self, operation_name, api_params):
        if operation_name == "PutSecretValue":
            error = {"Code": "InvalidRequestException", "Message": f"bad value {api_params['SecretString']}"}
            raise botocore.exceptions.ClientError({"Error": error}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    run = run_module(kinde_client_secret.main, args())
    assert run.rc == 1 and "Failed to store the new client secret in Secrets Manager secret" in run.result["msg"]
    assert_no_secret_in(run)


@pytest.mark.parametrize(
    "status, document, verdict",
    [
        (200, {"access_token": "t"}, kinde.KNOWN),
        (400, {"error": "unauthorized_client"}, kinde.KNOWN),
        (400, {"error": "invalid_scope"}, kinde.KNOWN),
        (401, {"error": "invalid_client"}, kinde.REJECTED),
        (400, {"error": "invalid_client"}, kinde.REJECTED),
        (500, {"error": "server_error"}, kinde.NO_VERDICT),
        (503, "<html>unavailable</html>", kinde.NO_VERDICT),
        (403, "<html>forbidden</html>", kinde.NO_VERDICT),
        (302, {}, kinde.NO_VERDICT),
    ],
)
def test_token_verdict(status, document, verdict):
    body = document.encode() if isinstance(document, str) else json.dumps(document).encode()
    assert kinde.token_verdict(status, body)[0] == verdict
