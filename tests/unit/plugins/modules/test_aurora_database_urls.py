# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""rocketclub.platform.aurora_database_urls against moto (in-process)."""

from __future__ import annotations

import json
from urllib.parse import unquote
from urllib.parse import urlsplit

import boto3
import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils.database_urls import FINGERPRINT_TAG  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import aurora_database_urls as mod  # noqa: E402

CLUSTER = "rocketclub-local"
PASSWORDS = {"backstage": "Backstage-pw-0123456789abcdef", "prefect": "Prefect-pw-0123456789abcdef"}
NO_LOG_MARKER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def sm():
    return boto3.client("secretsmanager", region_name="eu-west-2")


def put_credentials(app, password):
    sm().put_secret_value(SecretId=f"local/{app}/db", SecretString=json.dumps({"username": app, "password": password}))


def url_value(app):
    return sm().get_secret_value(SecretId=f"local/{app}/database-url")["SecretString"]


def url_tags(app):
    return {t["Key"]: t["Value"] for t in sm().describe_secret(SecretId=f"local/{app}/database-url").get("Tags") or []}


def database(app, **extra):
    return dict(
        {"name": app, "credentials_secret": f"local/{app}/db", "url_secret": f"local/{app}/database-url"}, **extra
    )


ARGS = {"cluster_identifier": CLUSTER, "databases": [database("backstage"), database("prefect")]}


@pytest.fixture
def cluster(moto_aws):
    rds = boto3.client("rds", region_name="eu-west-2")
    created = rds.create_db_cluster(
        DBClusterIdentifier=CLUSTER,
        Engine="aurora-postgresql",
        MasterUsername="platform_admin",
        MasterUserPassword="admin-password-123",
    )["DBCluster"]
    return created["Endpoint"]


@pytest.fixture
def secrets(moto_aws):
    """What the secrets role leaves: credentials with a value, URL secrets as empty containers."""
    for app, password in PASSWORDS.items():
        sm().create_secret(Name=f"local/{app}/db", SecretString=json.dumps({"username": app, "password": password}))
        sm().create_secret(
            Name=f"local/{app}/database-url", Tags=[{"Key": "platform:managed-by", "Value": "rocketclub.platform"}]
        )


def assert_no_secret_in(run, *passwords):
    for password in passwords or PASSWORDS.values():
        assert password not in run.out
    # the output is clean by construction, not by Ansible's no_log masking (which masks the AWS keys of the invocation)
    assert NO_LOG_MARKER not in json.dumps({k: v for k, v in run.result.items() if k != "invocation"})


def test_four_way_then_no_secret_reads(cluster, secrets, run_module, api_calls):
    expected_urls = {app: f"postgresql://{app}:********@{cluster}:5432/{app}?sslmode=require" for app in PASSWORDS}

    # 1. check mode: both would change; credentials are read (validated), nothing is written
    api_calls.clear()
    run = run_module(mod.main, ARGS, check_mode=True, diff=True)
    assert run.result["changed"] is True
    assert [(d["name"], d["changed"], d["url"]) for d in run.result["databases"]] == [
        ("backstage", True, expected_urls["backstage"]),
        ("prefect", True, expected_urls["prefect"]),
    ]
    assert api_calls.writes() == []
    assert [d["has_value"] for d in run.result["databases"]] == [True, True]  # the secrets were empty: predicted
    assert run.result["diff"]["after"]["local/backstage/database-url"]["url"] == expected_urls["backstage"]
    assert_no_secret_in(run)
    assert url_tags("backstage") == {"platform:managed-by": "rocketclub.platform"}

    # 2. apply: both written and fingerprinted
    api_calls.clear()
    run = run_module(mod.main, ARGS, diff=True)
    assert run.result["changed"] is True
    assert (run.result["cluster_endpoint"], run.result["cluster_port"]) == (cluster, 5432)
    assert sorted(api_calls.writes()) == ["PutSecretValue", "PutSecretValue", "TagResource", "TagResource"]
    assert [(d["url_secret"], d["has_value"]) for d in run.result["databases"]] == [
        ("local/backstage/database-url", True),
        ("local/prefect/database-url", True),
    ]
    assert_no_secret_in(run)
    for app, password in PASSWORDS.items():
        assert url_value(app) == f"postgresql://{app}:{password}@{cluster}:5432/{app}?sslmode=require"
        assert len(url_tags(app)[FINGERPRINT_TAG]) == 64
        assert url_tags(app)["platform:managed-by"] == "rocketclub.platform"

    # 3. check again and 4. apply again: unchanged, and no secret is read
    for check_mode in (True, False):
        api_calls.clear()
        run = run_module(mod.main, ARGS, check_mode=check_mode)
        assert run.result["changed"] is False
        assert [d["reason"] for d in run.result["databases"]] == ["up to date", "up to date"]
        assert [d["has_value"] for d in run.result["databases"]] == [True, True]
        assert (
            run.result["databases"][0]["url"]
            == f"postgresql://********:********@{cluster}:5432/backstage?sslmode=require"
        )
        assert "GetSecretValue" not in api_calls.operations()
        assert api_calls.writes() == []
        assert sorted(api_calls.operations()) == ["DescribeDBClusters"] + ["DescribeSecret"] * 4


def test_rotating_credentials_rewrites_exactly_that_url(cluster, secrets, run_module, api_calls):
    run_module(mod.main, ARGS)
    prefect_before = url_value("prefect")
    put_credentials("backstage", "Rotated-pw-9876543210")

    api_calls.clear()
    run = run_module(mod.main, ARGS)
    assert [(d["name"], d["changed"]) for d in run.result["databases"]] == [("backstage", True), ("prefect", False)]
    assert "a source changed" in run.result["databases"][0]["reason"]
    assert [p["SecretId"] for p in api_calls.named("GetSecretValue")] == ["local/backstage/db"]
    assert [p["SecretId"].split(":")[-1][:-7] for p in api_calls.named("PutSecretValue")] == [
        "local/backstage/database-url"
    ]
    assert (
        url_value("backstage")
        == f"postgresql://backstage:Rotated-pw-9876543210@{cluster}:5432/backstage?sslmode=require"
    )
    assert url_value("prefect") == prefect_before
    assert_no_secret_in(run, "Rotated-pw-9876543210", *PASSWORDS.values())
    assert run_module(mod.main, ARGS).result["changed"] is False


def test_changed_options_and_lost_tag_rewrite(cluster, secrets, run_module):
    run_module(mod.main, ARGS)
    asyncpg = dict(ARGS, databases=[database("backstage"), database("prefect", scheme="postgresql+asyncpg", query={})])
    run = run_module(mod.main, asyncpg)
    assert [d["changed"] for d in run.result["databases"]] == [False, True]
    assert url_value("prefect") == f"postgresql+asyncpg://prefect:{PASSWORDS['prefect']}@{cluster}:5432/prefect"

    sm().untag_resource(SecretId="local/backstage/database-url", TagKeys=[FINGERPRINT_TAG])
    run = run_module(mod.main, asyncpg)
    assert [d["changed"] for d in run.result["databases"]] == [True, False]
    assert "no platform:source-fingerprint tag" in run.result["databases"][0]["reason"]


def test_special_characters_are_quoted_and_parse_back(cluster, secrets, run_module, monkeypatch):
    password = "p@ss:w/o?r#d%41 é&x=1"
    put_credentials("backstage", password)
    # no reliance on Ansible's no_log masking: the output must be clean without it
    monkeypatch.setattr(mod, "protect", lambda module, *values: None)
    run = run_module(mod.main, ARGS, diff=True)
    assert password not in run.out and "p%40ss" not in run.out
    parts = urlsplit(url_value("backstage"))
    assert (unquote(parts.username), unquote(parts.password)) == ("backstage", password)
    assert (parts.hostname, parts.port, parts.path, parts.query) == (cluster, 5432, "/backstage", "sslmode=require")


def test_bad_credentials_fail_before_any_write_without_the_value(cluster, secrets, run_module, api_calls):
    leaked = "not-json-" + PASSWORDS["prefect"]
    sm().put_secret_value(SecretId="local/prefect/db", SecretString=leaked)
    for check_mode in (True, False):
        api_calls.clear()
        run = run_module(mod.main, ARGS, check_mode=check_mode)
        assert run.rc == 1
        assert "Credentials secret local/prefect/db" in run.result["msg"] and "not valid JSON" in run.result["msg"]
        assert leaked not in run.out and PASSWORDS["prefect"] not in run.out
        assert api_calls.writes() == []


@pytest.mark.parametrize(
    "value, message",
    [
        ({"username": "prefect"}, "password missing"),
        ({"user": "prefect", "password": PASSWORDS["prefect"]}, "username missing"),
    ],
)
def test_credentials_without_username_or_password(cluster, secrets, run_module, value, message):
    sm().put_secret_value(SecretId="local/prefect/db", SecretString=json.dumps(value))
    run = run_module(mod.main, ARGS)
    assert run.rc == 1 and message in run.result["msg"] and "local/prefect/db" in run.result["msg"]
    assert PASSWORDS["prefect"] not in run.out


def test_missing_url_secret(cluster, secrets, run_module, api_calls):
    args = dict(ARGS, databases=[database("backstage"), database("prefect", url_secret="local/prefect/missing")])
    run = run_module(mod.main, args, check_mode=True)
    assert run.result["changed"] is True
    assert "url secret local/prefect/missing does not exist yet" in run.result["databases"][1]["reason"]

    api_calls.clear()
    run = run_module(mod.main, args)
    assert run.rc == 1
    assert (
        "URL secret local/prefect/missing does not exist" in run.result["msg"] and "secrets role" in run.result["msg"]
    )
    assert api_calls.writes() == []


def test_missing_credentials_secret_fails(cluster, secrets, run_module):
    args = dict(ARGS, databases=[database("backstage", credentials_secret="local/backstage/nope")])
    run = run_module(mod.main, args)
    assert run.rc == 1 and "Credentials secret local/backstage/nope does not exist" in run.result["msg"]


def test_cluster_not_created_yet(secrets, run_module, api_calls):
    run = run_module(mod.main, ARGS, check_mode=True)
    assert run.result["changed"] is True
    assert [(d["changed"], d["url"], d["reason"]) for d in run.result["databases"]] == [
        (True, None, f"cluster {CLUSTER} does not exist yet")
    ] * 2
    assert (run.result["cluster_endpoint"], run.result["cluster_port"]) == (None, None)
    assert "GetSecretValue" not in api_calls.operations()

    run = run_module(mod.main, ARGS)
    assert run.rc == 1 and f"DB cluster {CLUSTER} does not exist" in run.result["msg"]
    assert api_calls.writes() == []


def test_endpoint_override_skips_the_cluster(secrets, run_module, api_calls):
    args = dict(ARGS, endpoint="proxy.local", port=6432)
    run = run_module(mod.main, args)
    assert run.result["changed"] is True and run.result["cluster_port"] == 6432
    assert api_calls.operations("rds") == []
    assert (
        url_value("prefect") == f"postgresql://prefect:{PASSWORDS['prefect']}@proxy.local:6432/prefect?sslmode=require"
    )
    assert run_module(mod.main, args).result["changed"] is False


@pytest.mark.parametrize(
    "args, message",
    [
        (
            dict(ARGS, databases=[database("backstage"), database("other", url_secret="local/backstage/database-url")]),
            "listed more than once",
        ),
        (dict(ARGS, endpoint="h", port=0), "port: 0 is outside 1..65535"),
        (dict(ARGS, databases=[database("backstage", scheme="post gres")]), "databases[0].scheme"),
        (dict(ARGS, port=5432), "port"),
    ],
)
def test_bad_input_makes_no_api_call(moto_aws, run_module, api_calls, args, message):
    run = run_module(mod.main, args)
    assert run.rc == 1 and message in run.result["msg"]
    assert api_calls == []


PENDING_ENDPOINT = f"pending:rds-cluster-endpoint/{CLUSTER}"


def test_pending_endpoint_in_check_mode_reports_every_url_without_a_cluster_call(secrets, run_module, api_calls):
    """Check mode before the cluster exists: the endpoint an earlier task would create is a placeholder."""
    api_calls.clear()
    run = run_module(mod.main, dict(ARGS, endpoint=PENDING_ENDPOINT), check_mode=True, diff=True)
    assert run.result["changed"] is True and not run.result.get("failed"), run.result
    assert [(d["changed"], d["url"]) for d in run.result["databases"]] == [(True, None), (True, None)]
    assert "DescribeDBClusters" not in api_calls.operations() and api_calls.writes() == []
    assert all("pending:" not in json.dumps(params) for _svc, _op, params in api_calls)


def test_pending_endpoint_is_refused_by_a_real_run(secrets, run_module, api_calls):
    api_calls.clear()
    run = run_module(mod.main, dict(ARGS, endpoint=PENDING_ENDPOINT))
    assert run.result.get("failed") is True
    assert "endpoint" in run.result["msg"] and "placeholder" in run.result["msg"]
    assert api_calls == []
