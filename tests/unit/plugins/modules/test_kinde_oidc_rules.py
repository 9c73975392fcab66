# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.kinde_oidc_rules against moto."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import urllib.error

import boto3
import pytest
from moto.elbv2.models import FakeAction  # noqa: E402

from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import fingerprint  # noqa: E402
from ansible_collections.rocketclub.platform.plugins.modules import kinde_oidc_rules  # noqa: E402

REGION = "eu-west-2"
DOMAIN = "acme.kinde.com"
CLIENT_SECRET = "kinde-client-secret-Q8wz1Lr7Vb3Kp0Xs"
ROTATED_SECRET = "kinde-client-secret-rotated-Mn4Tt9Yq2Hc6"
ORIGIN_VALUE = "origin-verify-7a1c9e3f5b2d8e4f6a0c"
FP_KEY = "fingerprint-key-0123456789abcdef"
SECRET_NAME = "test/kinde/client-secret"
ORIGIN_PARAM = "/test/cloudfront/origin-secret"
FP_PARAM = "/test/platform/fingerprint-key"
MANAGED = {"platform:managed-by": "rocketclub.platform"}


@pytest.fixture
def aws_like_oidc_secret(monkeypatch):
    """Real AWS never returns ClientSecret (nor UseExistingClientSecret) in DescribeRules; moto returns what
    it was given. Make moto forget both, as AWS does from the caller's point of view."""
    original = FakeAction.__init__

    def __init__(self, data):
        data = copy.deepcopy(data)
        config = data.get("AuthenticateOidcConfig")
        if config:
            config.pop("ClientSecret", None)
            config.pop("UseExistingClientSecret", None)
        original(self, data)

    monkeypatch.setattr(FakeAction, "__init__", __init__)


def self_signed_certificate():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "apps.example.com")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


FORBIDDEN = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain"}}]


def https_listener(ec2, name, octet):
    """An ALB named ``name`` in a new VPC 10.<octet>.0.0/16 with an HTTPS listener (an imported self-signed
    certificate) whose default action answers 403: ``(elbv2 client, vpc id, load balancer ARN, listener ARN)``."""
    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    cert, key = self_signed_certificate()
    cert_arn = boto3.client("acm", region_name=REGION).import_certificate(Certificate=cert, PrivateKey=key)[
        "CertificateArn"
    ]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": cert_arn}],
        DefaultActions=FORBIDDEN,
    )["Listeners"][0]["ListenerArn"]
    return elbv2, vpc, lb, listener


@pytest.fixture
def alb(ec2, api_calls):
    elbv2, vpc, lb, listener = https_listener(ec2, "apps", 30)
    forbidden = FORBIDDEN
    http_listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forbidden)[
        "Listeners"
    ][0]["ListenerArn"]
    tgs = [
        elbv2.create_target_group(Name=f"tg-{n}", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for n in ("backstage", "grafana")
    ]

    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name=SECRET_NAME, SecretString=CLIENT_SECRET)
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name=ORIGIN_PARAM, Value=ORIGIN_VALUE, Type="SecureString")
    ssm.put_parameter(Name=FP_PARAM, Value=FP_KEY, Type="SecureString")
    api_calls.clear()
    return {"elbv2": elbv2, "sm": sm, "ssm": ssm, "listener": listener, "http_listener": http_listener, "tgs": tgs}


@pytest.fixture
def cloud(alb, aws_like_oidc_secret):
    return alb


def module_args(cloud, **extra):
    args = {
        "listener_arn": cloud["listener"],
        "kinde_domain": DOMAIN,
        "verify_discovery": False,
        "client_id": "kinde-client-id",
        "client_secret_name": SECRET_NAME,
        "origin_secret_parameter": ORIGIN_PARAM,
        "fingerprint_key_parameter": FP_PARAM,
        "tags": {"Environment": "test"},
        "apps": [
            {
                "name": "backstage",
                "hosts": ["Backstage.example.com", "portal.example.com"],
                "priority": 10,
                "target_group_arn": cloud["tgs"][0],
            },
            {
                "name": "grafana",
                "hosts": ["grafana.example.com"],
                "path_patterns": ["/*"],
                "priority": 20,
                "target_group_arn": cloud["tgs"][1],
                "scope": "openid profile email offline",
                "session_timeout": 28800,
                "authentication_request_extra_params": {"prompt": "login"},
                "tags": {"Name": "grafana"},
            },
        ],
    }
    args.update(extra)
    return args


def rules_of(cloud):
    rules = cloud["elbv2"].describe_rules(ListenerArn=cloud["listener"])["Rules"]
    return {r["RuleArn"]: r for r in rules if not r["IsDefault"]}


def tags_of(cloud, arn):
    (item,) = cloud["elbv2"].describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return {t["Key"]: t["Value"] for t in item["Tags"]}


def fp(value, key=FP_KEY):
    return fingerprint(key, value)


def assert_no_secret(out):
    for value in (CLIENT_SECRET, ROTATED_SECRET, ORIGIN_VALUE, FP_KEY):
        assert value not in out


def create(run_module, cloud, **extra):
    run = run_module(kinde_oidc_rules.main, module_args(cloud, **extra))
    assert run.rc == 0, run.result
    return run.result


def test_create_then_idempotent(run_module, cloud, api_calls):
    run = run_module(kinde_oidc_rules.main, module_args(cloud), diff=True)
    result = run.result
    assert run.rc == 0, result
    assert_no_secret(run.out)
    assert result["changed"] is True
    assert result["deleted"] == []
    backstage, grafana = result["rules"]
    assert backstage["name"] == "backstage" and grafana["name"] == "grafana"
    assert backstage["changes"] == ["created"] and backstage["changed"] is True
    assert backstage["hosts"] == ["backstage.example.com", "portal.example.com"]
    assert backstage["issuer"] == "https://acme.kinde.com"
    assert backstage["client_id"] == "kinde-client-id"
    assert backstage["client_secret_fingerprint"] == fp(CLIENT_SECRET)
    assert grafana["path_patterns"] == ["/*"]
    assert len(api_calls.named("CreateRule")) == 2
    assert all(
        c["Actions"][0]["AuthenticateOidcConfig"]["ClientSecret"] == CLIENT_SECRET
        for c in api_calls.named("CreateRule")
    )

    live = rules_of(cloud)
    assert set(live) == {backstage["rule_arn"], grafana["rule_arn"]}
    rule = live[grafana["rule_arn"]]
    assert rule["Priority"] == "20"
    conditions = {c["Field"]: c for c in rule["Conditions"]}
    assert conditions["host-header"]["HostHeaderConfig"]["Values"] == ["grafana.example.com"]
    assert conditions["path-pattern"]["PathPatternConfig"]["Values"] == ["/*"]
    assert conditions["http-header"]["HttpHeaderConfig"] == {
        "HttpHeaderName": "X-Origin-Verify",
        "Values": [ORIGIN_VALUE],
    }
    oidc, forward = sorted(rule["Actions"], key=lambda a: a["Order"])
    assert (oidc["Type"], oidc["Order"], forward["Type"], forward["Order"]) == ("authenticate-oidc", 1, "forward", 2)
    assert forward["TargetGroupArn"] == cloud["tgs"][1]
    config = oidc["AuthenticateOidcConfig"]
    assert "ClientSecret" not in config  # as real AWS (aws_like_oidc_secret)
    assert config["Issuer"] == "https://acme.kinde.com"
    assert config["AuthorizationEndpoint"] == "https://acme.kinde.com/oauth2/auth"
    assert config["TokenEndpoint"] == "https://acme.kinde.com/oauth2/token"
    assert config["UserInfoEndpoint"] == "https://acme.kinde.com/oauth2/v2/user_profile"
    assert config["ClientId"] == "kinde-client-id"
    assert config["Scope"] == "openid profile email offline"
    assert config["SessionTimeout"] == 28800
    assert config["AuthenticationRequestExtraParams"] == {"prompt": "login"}
    assert tags_of(cloud, grafana["rule_arn"]) == {
        **MANAGED,
        "Environment": "test",
        "Name": "grafana",
        "platform:kinde-app": "grafana",
        "platform:oidc-secret-fingerprint": fp(CLIENT_SECRET),
        "platform:origin-header-fingerprint": fp(ORIGIN_VALUE),
    }
    host = {c["Field"]: c for c in live[backstage["rule_arn"]]["Conditions"]}["host-header"]
    assert host["HostHeaderConfig"]["Values"] == ["backstage.example.com", "portal.example.com"]

    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]["grafana"]
    assert after["origin_header"] == {"name": "X-Origin-Verify", "fingerprint": fp(ORIGIN_VALUE)}
    assert after["oidc"]["client_secret_fingerprint"] == fp(CLIENT_SECRET)

    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, module_args(cloud), diff=True)
    again = run.result
    assert run.rc == 0, again
    assert_no_secret(run.out)
    assert again["changed"] is False
    assert api_calls.writes() == []
    assert [r["changes"] for r in again["rules"]] == [[], []]
    assert again["diff"]["before"] == again["diff"]["after"]
    for first, second in zip(result["rules"], again["rules"]):
        assert dict(first, changed=False, changes=[]) == second


def test_rotated_secret_changes_exactly_the_rules_using_it(run_module, cloud, api_calls):
    create(run_module, cloud)
    cloud["sm"].put_secret_value(SecretId=SECRET_NAME, SecretString=ROTATED_SECRET)

    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, module_args(cloud), diff=True)
    result = run.result
    assert run.rc == 0, result
    assert_no_secret(run.out)
    assert result["changed"] is True
    assert [r["changes"] for r in result["rules"]] == [["client_secret rotated"], ["client_secret rotated"]]
    assert all(r["client_secret_fingerprint"] == fp(ROTATED_SECRET) for r in result["rules"])
    modifies = api_calls.named("ModifyRule")
    assert sorted(m["RuleArn"] for m in modifies) == sorted(r["rule_arn"] for r in result["rules"])
    for modify in modifies:
        config = modify["Actions"][0]["AuthenticateOidcConfig"]
        assert config["ClientSecret"] == ROTATED_SECRET
        assert "UseExistingClientSecret" not in config
        assert "Conditions" not in modify
    assert api_calls.named("CreateRule") == []
    for rule in result["rules"]:
        assert tags_of(cloud, rule["rule_arn"])["platform:oidc-secret-fingerprint"] == fp(ROTATED_SECRET)
    before = result["diff"]["before"]["backstage"]["oidc"]["client_secret_fingerprint"]
    after = result["diff"]["after"]["backstage"]["oidc"]["client_secret_fingerprint"]
    assert (before, after) == (fp(CLIENT_SECRET), fp(ROTATED_SECRET))

    api_calls.clear()
    again = create(run_module, cloud)
    assert again["changed"] is False
    assert api_calls.writes() == []


def test_scope_change_uses_existing_secret(run_module, cloud, api_calls):
    create(run_module, cloud)
    args = module_args(cloud)
    args["apps"][0]["scope"] = "openid profile email offline"
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args)
    result = run.result
    assert run.rc == 0, result
    assert [r["changed"] for r in result["rules"]] == [True, False]
    assert result["rules"][0]["changes"] == ["scope 'openid profile email' -> 'openid profile email offline'"]
    (modify,) = api_calls.named("ModifyRule")
    config = modify["Actions"][0]["AuthenticateOidcConfig"]
    assert config["UseExistingClientSecret"] is True
    assert "ClientSecret" not in config
    assert config["Scope"] == "openid profile email offline"
    assert "Conditions" not in modify
    assert api_calls.writes() == ["ModifyRule"]

    # scope order is irrelevant
    args["apps"][0]["scope"] = "offline email openid profile"
    api_calls.clear()
    assert run_module(kinde_oidc_rules.main, args).result["changed"] is False
    assert api_calls.writes() == []


def test_priority_hosts_and_domain_change(run_module, cloud, api_calls):
    first = create(run_module, cloud)
    args = module_args(cloud, kinde_domain="https://auth.example.com/")
    args["apps"][0]["priority"] = 30
    args["apps"][0]["hosts"] = ["portal.example.com", "BACKSTAGE.example.com"]  # other order: no change
    args["apps"][1]["hosts"] = ["grafana.example.com", "metrics.example.com"]
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args)
    result = run.result
    assert run.rc == 0, result
    backstage, grafana = result["rules"]
    assert backstage["rule_arn"] == first["rules"][0]["rule_arn"]
    assert backstage["priority"] == 30
    assert "priority 10 -> 30" in backstage["changes"]
    assert "issuer 'https://acme.kinde.com' -> 'https://auth.example.com'" in backstage["changes"]
    assert not any(c.startswith("hosts") for c in backstage["changes"])
    assert "hosts [grafana.example.com] -> [grafana.example.com, metrics.example.com]" in grafana["changes"]
    assert api_calls.named("SetRulePriorities") == [
        {"RulePriorities": [{"RuleArn": backstage["rule_arn"], "Priority": 30}]}
    ]
    for modify in api_calls.named("ModifyRule"):
        assert modify["Actions"][0]["AuthenticateOidcConfig"]["UseExistingClientSecret"] is True
        assert "ClientSecret" not in modify["Actions"][0]["AuthenticateOidcConfig"]
    grafana_modify = [m for m in api_calls.named("ModifyRule") if m["RuleArn"] == grafana["rule_arn"]][0]
    assert grafana_modify["Conditions"][0]["HostHeaderConfig"]["Values"] == [
        "grafana.example.com",
        "metrics.example.com",
    ]
    live = rules_of(cloud)
    assert live[backstage["rule_arn"]]["Priority"] == "30"
    oidc = [a for a in live[backstage["rule_arn"]]["Actions"] if a["Type"] == "authenticate-oidc"][0]
    assert oidc["AuthenticateOidcConfig"]["TokenEndpoint"] == "https://auth.example.com/oauth2/token"

    api_calls.clear()
    assert run_module(kinde_oidc_rules.main, args).result["changed"] is False
    assert api_calls.writes() == []


def foreign_rule(cloud, priority, host="legacy.example.com"):
    return cloud["elbv2"].create_rule(
        ListenerArn=cloud["listener"],
        Priority=priority,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": cloud["tgs"][0]}],
        Tags=[{"Key": "owner", "Value": "someone-else"}],
    )["Rules"][0]["RuleArn"]


def test_purge_removes_undeclared_managed_rule_only(run_module, cloud, api_calls):
    first = create(run_module, cloud)
    foreign = foreign_rule(cloud, 5)
    args = module_args(cloud)
    del args["apps"][1]

    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args, check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True
    assert run.result["deleted"] == [first["rules"][1]["rule_arn"]]
    assert api_calls.writes() == []

    api_calls.clear()
    no_purge = run_module(kinde_oidc_rules.main, dict(args, purge=False)).result
    assert no_purge["changed"] is False and no_purge["deleted"] == []
    assert api_calls.writes() == []

    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args, diff=True)
    result = run.result
    assert run.rc == 0, result
    assert result["changed"] is True
    assert result["deleted"] == [first["rules"][1]["rule_arn"]]
    assert "grafana" in result["diff"]["before"] and "grafana" not in result["diff"]["after"]
    assert set(rules_of(cloud)) == {first["rules"][0]["rule_arn"], foreign}
    assert api_calls.named("DeleteRule") == [{"RuleArn": first["rules"][1]["rule_arn"]}]


def test_foreign_priority_clash_fails_before_writes(run_module, cloud, api_calls):
    foreign = foreign_rule(cloud, 20)
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, module_args(cloud))
    assert run.rc == 1
    assert foreign in run.result["msg"]
    assert "priority 20 of app 'grafana'" in run.result["msg"]
    assert api_calls.writes() == []
    assert set(rules_of(cloud)) == {foreign}


def test_http_listener_fails(run_module, cloud, api_calls):
    run = run_module(kinde_oidc_rules.main, module_args(cloud, listener_arn=cloud["http_listener"]))
    assert run.rc == 1
    assert "uses protocol HTTP" in run.result["msg"] and "HTTPS listener" in run.result["msg"]
    assert api_calls.writes() == []


def test_missing_and_empty_secret(run_module, cloud, api_calls):
    run = run_module(kinde_oidc_rules.main, module_args(cloud, client_secret_name="test/kinde/nope"))
    assert run.rc == 1
    assert "test/kinde/nope does not exist" in run.result["msg"]

    cloud["sm"].create_secret(Name="test/kinde/empty")
    run = run_module(kinde_oidc_rules.main, module_args(cloud, client_secret_name="test/kinde/empty"))
    assert run.rc == 1
    assert "has no value" in run.result["msg"]
    assert "put-secret-value --secret-id test/kinde/empty" in run.result["msg"]

    cloud["ssm"].put_parameter(Name="/test/plain", Value="x" * 20, Type="String")
    run = run_module(kinde_oidc_rules.main, module_args(cloud, fingerprint_key_parameter="/test/plain"))
    assert run.rc == 1 and "must be a SecureString" in run.result["msg"]
    run = run_module(kinde_oidc_rules.main, module_args(cloud, origin_secret_parameter="/test/none"))
    assert run.rc == 1 and "/test/none (origin_secret_parameter) does not exist" in run.result["msg"]
    assert api_calls.writes("elbv2") == []


def test_wildcard_origin_value_fails_without_printing_it(run_module, cloud, api_calls):
    value = "abc*secret-origin-value"
    cloud["ssm"].put_parameter(Name=ORIGIN_PARAM, Value=value, Type="SecureString", Overwrite=True)
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, module_args(cloud))
    assert run.rc == 1
    assert "'*'" in run.result["msg"] and "wildcard" in run.result["msg"]
    assert value not in run.out
    assert "secret-origin-value" not in run.out
    assert api_calls.writes() == []


def test_check_mode_predicts_and_writes_nothing(run_module, cloud, api_calls):
    run = run_module(kinde_oidc_rules.main, module_args(cloud), check_mode=True, diff=True)
    result = run.result
    assert run.rc == 0, result
    assert_no_secret(run.out)
    assert result["changed"] is True
    assert [r["rule_arn"] for r in result["rules"]] == [
        "pending:listener-rule/backstage",
        "pending:listener-rule/grafana",
    ]
    assert [r["priority"] for r in result["rules"]] == [10, 20]
    assert result["rules"][0]["client_secret_fingerprint"] == fp(CLIENT_SECRET)
    assert api_calls.writes() == []
    assert rules_of(cloud) == {}

    create(run_module, cloud)
    cloud["sm"].put_secret_value(SecretId=SECRET_NAME, SecretString=ROTATED_SECRET)
    args = module_args(cloud)
    args["apps"][1]["priority"] = 40
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args, check_mode=True)
    result = run.result
    assert run.rc == 0, result
    assert_no_secret(run.out)
    assert api_calls.writes() == []
    assert result["rules"][1]["changes"] == ["client_secret rotated", "priority 20 -> 40"]
    assert result["rules"][1]["priority"] == 40
    assert rules_of(cloud)[result["rules"][1]["rule_arn"]]["Priority"] == "20"


def test_module_ignores_client_secret_returned_by_moto(run_module, alb, api_calls):
    """Without aws_like_oidc_secret moto returns ClientSecret in DescribeRules: it must not matter."""
    cloud = alb
    first = run_module(kinde_oidc_rules.main, module_args(cloud))
    assert first.rc == 0, first.result
    described = cloud["elbv2"].describe_rules(ListenerArn=cloud["listener"])["Rules"]
    assert any(
        a.get("AuthenticateOidcConfig", {}).get("ClientSecret") == CLIENT_SECRET
        for r in described
        for a in r["Actions"]
    ), "moto is expected to return ClientSecret (real AWS does not)"
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, module_args(cloud), diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is False
    assert api_calls.writes() == []
    assert_no_secret(run.out)


def test_secret_never_in_output_on_api_error(run_module, cloud, api_calls, monkeypatch):
    """A failing write whose error echoes the secret is reported without it."""
    import botocore.client
    import botocore.exceptions

    original = botocore.client.BaseClient._make_api_call

    def failing(self, operation_name, api_params):
        if operation_name == "CreateRule":
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ValidationError", "Message": f"bad secret {CLIENT_SECRET} for {ORIGIN_VALUE}"}},
                operation_name,
            )
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    run = run_module(kinde_oidc_rules.main, module_args(cloud))
    assert run.rc == 1
    assert "ValidationError" in run.result["msg"]
    assert_no_secret(run.out)
    assert "bad secret ********" in run.result["msg"]


class FakeResponse:
    def __init__(self, body):
        self._body = body

    def read(self):
        return self._body


def test_discovery(run_module, cloud, api_calls, monkeypatch):
    seen = {}
    issuer = f"https://{DOMAIN}"
    document = {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/oauth2/auth",
        "token_endpoint": issuer + "/oauth2/token",
        "userinfo_endpoint": issuer + "/oauth2/v2/user_profile",
    }

    def ok(url, **kwargs):
        seen.update(kwargs, url=url)
        return FakeResponse(json.dumps(document).encode())

    from ansible.module_utils import urls

    monkeypatch.setattr(urls, "open_url", ok)
    run = run_module(
        kinde_oidc_rules.main, module_args(cloud, verify_discovery=True, ca_path="/tmp/kinde-ca.pem"), check_mode=True
    )
    assert run.rc == 0, run.result
    assert seen["url"] == f"https://{DOMAIN}/.well-known/openid-configuration"
    assert seen["ca_path"] == "/tmp/kinde-ca.pem" and seen["validate_certs"] is True

    document["token_endpoint"] = "https://elsewhere.example.com/oauth2/token"
    run = run_module(kinde_oidc_rules.main, module_args(cloud, verify_discovery=True))
    assert run.rc == 1
    assert (
        "token_endpoint: expected 'https://acme.kinde.com/oauth2/token', found 'https://elsewhere.example.com/oauth2/token'"
        in run.result["msg"]
    )

    def unreachable(url, **kwargs):
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(urls, "open_url", unreachable)
    run = run_module(kinde_oidc_rules.main, module_args(cloud, verify_discovery=True))
    assert run.rc == 1
    assert "unreachable" in run.result["msg"] and "connection refused" in run.result["msg"]
    assert api_calls.writes() == []
    assert rules_of(cloud) == {}


@pytest.mark.parametrize(
    "domain, message",
    [("http://acme.kinde.com", "scheme http:// is not allowed"), ("acme.kinde.com/path", "without path")],
)
def test_bad_domain(run_module, cloud, api_calls, domain, message):
    run = run_module(kinde_oidc_rules.main, module_args(cloud, kinde_domain=domain))
    assert run.rc == 1 and message in run.result["msg"]
    assert api_calls.operations() == []


def test_bad_apps(run_module, cloud, api_calls):
    args = module_args(cloud)
    args["apps"][1]["hosts"] = ["backstage.example.com"]
    args["apps"][1]["priority"] = 10
    run = run_module(kinde_oidc_rules.main, args)
    assert run.rc == 1
    assert "host 'backstage.example.com' is declared by more than one app" in run.result["msg"]
    assert "priority 10 is used by more than one app" in run.result["msg"]
    assert api_calls.operations() == []


def test_fingerprint_is_keyed():
    assert fp(CLIENT_SECRET) != hashlib.sha256(CLIENT_SECRET.encode()).hexdigest()[:32]
    assert fp(CLIENT_SECRET) != fp(CLIENT_SECRET, key="another-key-0123456789")


def test_check_mode_with_a_pending_listener_predicts_every_rule(run_module, cloud, api_calls):
    """On an empty account the listener is a placeholder and the SSM parameters do not exist yet (the secrets
    role would create them earlier in the same run): every rule would be created, no write, no placeholder sent."""
    cloud["ssm"].delete_parameter(Name=ORIGIN_PARAM)
    cloud["ssm"].delete_parameter(Name=FP_PARAM)
    api_calls.clear()
    args = module_args(cloud, listener_arn="pending:listener/apps-443")
    args["apps"][1]["target_group_arn"] = "pending:target-group/tg-grafana"
    run = run_module(kinde_oidc_rules.main, args, check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert_no_secret(run.out)
    assert run.result["changed"] is True
    assert [(r["name"], r["changes"], r["rule_arn"]) for r in run.result["rules"]] == [
        ("backstage", ["created"], "pending:listener-rule/backstage"),
        ("grafana", ["created"], "pending:listener-rule/grafana"),
    ]
    assert run.result["rules"][1]["target_group_arn"] == "pending:target-group/tg-grafana"
    assert run.result["diff"]["before"] == {} and set(run.result["diff"]["after"]) == {"backstage", "grafana"}
    assert api_calls.writes() == []
    assert "DescribeRules" not in api_calls.operations() and "DescribeListeners" not in api_calls.operations()
    assert all("pending:" not in repr(params) for _svc, _op, params in api_calls)

    real = run_module(kinde_oidc_rules.main, args)
    assert real.rc != 0 and "placeholder" in real.result["msg"]


def test_check_mode_pending_target_group_updates_the_existing_rule_only(run_module, cloud, api_calls):
    create(run_module, cloud)
    api_calls.clear()
    args = module_args(cloud)
    args["apps"][1]["target_group_arn"] = "pending:target-group/tg-grafana-new"
    run = run_module(kinde_oidc_rules.main, args, check_mode=True)
    assert run.rc == 0, run.result
    backstage, grafana = run.result["rules"]
    assert backstage["changed"] is False
    assert grafana["changed"] is True
    assert grafana["changes"] == [f"target_group_arn {cloud['tgs'][1]} -> pending:target-group/tg-grafana-new"]
    assert api_calls.writes() == []


def test_documentation_matches_argument_spec(doc_problems):
    assert doc_problems(kinde_oidc_rules) == []


# ------------------------------------------------------------------------------------------------ origin rotation

PENDING_PARAM = "/test/cloudfront/origin-secret-pending"
PENDING_VALUE = "pendingOriginValue4d8b0f2a6c1e9d3b7"


def header_values(cloud, arn):
    conditions = {c["Field"]: c for c in rules_of(cloud)[arn]["Conditions"]}
    return conditions["http-header"]["HttpHeaderConfig"]["Values"]


def test_pending_origin_secret_accepted_next_to_current_then_dropped(run_module, cloud, api_calls):
    first = create(run_module, cloud, origin_secret_pending_parameter=PENDING_PARAM)
    assert first["origin_values_accepted"] == 1
    arns = [r["rule_arn"] for r in first["rules"]]

    cloud["ssm"].put_parameter(Name=PENDING_PARAM, Value=PENDING_VALUE, Type="SecureString")
    args = module_args(cloud, origin_secret_pending_parameter=PENDING_PARAM)
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args, check_mode=True, diff=True)
    assert run.rc == 0, run.result
    assert run.result["changed"] is True and run.result["origin_values_accepted"] == 2
    assert api_calls.writes() == []

    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args, diff=True)
    result = run.result
    assert run.rc == 0, result
    assert_no_secret(run.out)
    assert PENDING_VALUE not in run.out
    assert result["changed"] is True and result["origin_values_accepted"] == 2
    both = ", ".join(sorted([fp(ORIGIN_VALUE), fp(PENDING_VALUE)]))
    expected = f"origin header values [{fp(ORIGIN_VALUE)}] -> [{both}] (fingerprints)"
    assert [r["changes"] for r in result["rules"]] == [[expected], [expected]]
    # One ModifyRule per rule with every condition: never a moment without the header condition.
    modifies = api_calls.named("ModifyRule")
    assert sorted(m["RuleArn"] for m in modifies) == sorted(arns)
    for modify in modifies:
        assert [c["Field"] for c in modify["Conditions"]][0] == "host-header"
        header = [c for c in modify["Conditions"] if c["Field"] == "http-header"][0]["HttpHeaderConfig"]
        assert header == {"HttpHeaderName": "X-Origin-Verify", "Values": [ORIGIN_VALUE, PENDING_VALUE]}
        assert "Actions" not in modify
    grafana = [m for m in modifies if m["RuleArn"] == arns[1]][0]
    assert [c["Field"] for c in grafana["Conditions"]] == ["host-header", "path-pattern", "http-header"]
    assert api_calls.writes() == ["ModifyRule", "ModifyRule"]
    for arn in arns:
        assert header_values(cloud, arn) == [ORIGIN_VALUE, PENDING_VALUE]
        # The tag follows the current value only.
        assert tags_of(cloud, arn)["platform:origin-header-fingerprint"] == fp(ORIGIN_VALUE)
    after = result["diff"]["after"]["backstage"]["origin_header"]
    assert after == {"name": "X-Origin-Verify", "fingerprints": sorted([fp(ORIGIN_VALUE), fp(PENDING_VALUE)])}

    # Idempotent, whatever order AWS lists the values in.
    api_calls.clear()
    again = create(run_module, cloud, origin_secret_pending_parameter=PENDING_PARAM)
    assert again["changed"] is False and again["origin_values_accepted"] == 2
    assert api_calls.writes() == []
    cloud["elbv2"].modify_rule(
        RuleArn=arns[0],
        Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["backstage.example.com", "portal.example.com"]}},
            {
                "Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": [PENDING_VALUE, ORIGIN_VALUE]},
            },
        ],
    )
    api_calls.clear()
    assert create(run_module, cloud, origin_secret_pending_parameter=PENDING_PARAM)["changed"] is False
    assert api_calls.writes() == []

    # Promoted: the pending value became current and the pending parameter is gone -> only it is accepted.
    cloud["ssm"].put_parameter(Name=ORIGIN_PARAM, Value=PENDING_VALUE, Type="SecureString", Overwrite=True)
    # Both exist with the same value (promoted, not cleaned up yet): one value.
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args)
    assert run.rc == 0 and run.result["origin_values_accepted"] == 1
    cloud["ssm"].delete_parameter(Name=PENDING_PARAM)
    api_calls.clear()
    final = create(run_module, cloud, origin_secret_pending_parameter=PENDING_PARAM)
    assert final["changed"] is False and final["origin_values_accepted"] == 1
    for arn in arns:
        assert header_values(cloud, arn) == [PENDING_VALUE]
        assert tags_of(cloud, arn)["platform:origin-header-fingerprint"] == fp(PENDING_VALUE)


def test_pending_origin_secret_refused_with_wildcard_or_too_many_values(run_module, cloud, api_calls):
    create(run_module, cloud)
    before = {arn: header_values(cloud, arn) for arn in rules_of(cloud)}
    value = "pending?secret-origin-value"
    cloud["ssm"].put_parameter(Name=PENDING_PARAM, Value=value, Type="SecureString")
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, module_args(cloud, origin_secret_pending_parameter=PENDING_PARAM))
    assert run.rc == 1
    assert f"{PENDING_PARAM} (origin_secret_pending_parameter)" in run.result["msg"]
    assert "'?'" in run.result["msg"] and "wildcard" in run.result["msg"]
    assert "secret-origin-value" not in run.out
    assert api_calls.writes() == []

    cloud["ssm"].put_parameter(Name=PENDING_PARAM, Value=PENDING_VALUE, Type="SecureString", Overwrite=True)
    args = module_args(cloud, origin_secret_pending_parameter=PENDING_PARAM)
    args["apps"][1]["hosts"] = ["grafana.example.com", "metrics.example.com"]
    args["apps"][1]["path_patterns"] = ["/*", "/api/*"]  # 2 + 2 + 2 values > 5
    api_calls.clear()
    run = run_module(kinde_oidc_rules.main, args)
    assert run.rc == 1
    assert "app 'grafana': an ALB rule takes at most 5 condition values" in run.result["msg"]
    assert "2 origin header values), got 6" in run.result["msg"]
    assert PENDING_PARAM in run.result["msg"]
    assert api_calls.writes() == []
    assert {arn: header_values(cloud, arn) for arn in rules_of(cloud)} == before


def test_pending_parameter_needs_origin_parameter(run_module, cloud, api_calls):
    args = module_args(cloud, origin_secret_pending_parameter=PENDING_PARAM)
    del args["origin_secret_parameter"]
    run = run_module(kinde_oidc_rules.main, args)
    assert run.rc == 1 and "origin_secret_parameter" in run.result["msg"]
    assert api_calls.operations() == []
