# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the database URL logic (no AWS involved)."""

from __future__ import annotations

from urllib.parse import parse_qsl
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import database_urls as du

HOST = "c1.cluster-abc.eu-west-2.rds.amazonaws.com"
ENDPOINT = {"host": HOST, "port": 5432}
DB = {
    "name": "backstage",
    "credentials_secret": "local/backstage/db",
    "url_secret": "local/backstage/database-url",
    "scheme": "postgresql",
    "query": {"sslmode": "require"},
}


def secret(version="v1", tags=None):
    described = {
        "ARN": "arn:s",
        "VersionIdsToStages": {version: ["AWSCURRENT"], "old": ["AWSPREVIOUS"]} if version else {},
    }
    if tags is not None:
        described["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return described


def fingerprint(version="v1", **changes):
    args = dict(
        credentials_version_id=version,
        host=HOST,
        port=5432,
        database="backstage",
        scheme="postgresql",
        query={"sslmode": "require"},
    )
    args.update(changes)
    return du.source_fingerprint(**args)


def test_fingerprint_is_stable_and_covers_every_source():
    base = fingerprint()
    assert base == fingerprint() and len(base) == 64 and int(base, 16) >= 0
    assert base == fingerprint(port="5432")
    variants = [
        fingerprint("v2"),
        fingerprint(host="other"),
        fingerprint(port=5433),
        fingerprint(database="prefect"),
        fingerprint(scheme="postgresql+asyncpg"),
        fingerprint(query={}),
        fingerprint(query={"sslmode": "verify-full"}),
    ]
    assert base not in variants and len(set(variants)) == len(variants)
    # the query order does not matter
    assert fingerprint(query={"a": "1", "b": 2}) == fingerprint(query={"b": "2", "a": "1"})


@pytest.mark.parametrize(
    "endpoint, url_secret, credentials, changed, reason",
    [
        (None, secret(), secret(), True, "cluster c1 does not exist yet"),
        (ENDPOINT, None, secret(), True, "url secret local/backstage/database-url does not exist yet"),
        (ENDPOINT, secret(), None, True, "credentials secret local/backstage/db does not exist yet"),
        (ENDPOINT, secret(version=None, tags={du.FINGERPRINT_TAG: fingerprint()}), secret(), True, "has no value"),
        (ENDPOINT, secret(tags={}), secret(), True, "no platform:source-fingerprint tag"),
        (ENDPOINT, secret(tags={du.FINGERPRINT_TAG: fingerprint("v0")}), secret(), True, "a source changed"),
        (ENDPOINT, secret(tags={du.FINGERPRINT_TAG: fingerprint()}), secret(), False, "up to date"),
        (
            {"host": "other", "port": 5432},
            secret(tags={du.FINGERPRINT_TAG: fingerprint()}),
            secret(),
            True,
            "a source changed",
        ),
    ],
)
def test_plan_database(endpoint, url_secret, credentials, changed, reason):
    plan = du.plan_database(DB, endpoint, url_secret, credentials, "c1")
    assert plan["changed"] is changed
    assert reason in plan["reason"]
    if endpoint and url_secret and credentials:
        assert plan["credentials_version_id"] == "v1"
        assert plan["fingerprint"] == fingerprint(host=endpoint["host"])
    else:
        assert plan["fingerprint"] is None


PASSWORD = "p@ss:w/o?r#d%20&x=y +é"


def test_build_url_quotes_and_parses_back():
    url = du.build_url(
        "postgresql",
        "back stage",
        PASSWORD,
        HOST,
        5432,
        "back/stage",
        {"sslmode": "require", "application_name": "a b"},
    )
    parts = urlsplit(url)
    assert parts.scheme == "postgresql"
    assert (unquote(parts.username), unquote(parts.password)) == ("back stage", PASSWORD)
    assert (parts.hostname, parts.port, unquote(parts.path[1:])) == (HOST, 5432, "back/stage")
    assert parse_qsl(parts.query) == [("application_name", "a b"), ("sslmode", "require")]


@pytest.mark.parametrize(
    "username, query, expected",
    [
        ("backstage", {"sslmode": "require"}, f"postgresql://backstage:********@{HOST}:5432/backstage?sslmode=require"),
        (None, {"sslmode": "require"}, f"postgresql://********:********@{HOST}:5432/backstage?sslmode=require"),
        ("back@stage", {}, f"postgresql://back%40stage:********@{HOST}:5432/backstage"),
    ],
)
def test_masked_url(username, query, expected):
    assert du.masked_url("postgresql", username, HOST, 5432, "backstage", query) == expected


@pytest.mark.parametrize(
    "databases, port, problems",
    [
        ([DB], None, []),
        ([DB], 70000, ["port: 70000 is outside 1..65535"]),
        ([DB, dict(DB, name="other")], None, ["url_secret 'local/backstage/database-url' is listed more than once"]),
        ([dict(DB, name=" ")], None, ["databases[0].name: empty"]),
        ([dict(DB, scheme="postgres ql")], None, ["databases[0].scheme"]),
        ([dict(DB, query={"a": {"b": 1}})], None, ["databases[0].query"]),
    ],
)
def test_validate_databases(databases, port, problems):
    found = du.validate_databases(databases, port)
    assert len(found) == len(problems)
    for got, expected in zip(found, problems):
        assert expected in got
