# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.platform_verify against moto and the Cloudflare emulator.

One compliant platform is built with boto3 (and the emulator); each drift test seeds exactly one drift and asserts
that exactly its check fails while every other check passes (or is skipped where the topology says so).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os

import boto3
import pytest
from moto.ssm.models import ssm_backends

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare
from ansible_collections.rocketclub.platform.plugins.module_utils import verify_checks as vc
from ansible_collections.rocketclub.platform.plugins.modules import platform_verify
from localcloud.testing import InProcessCloudflare
from localcloud.testing import self_signed_certificate

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[os.pardir] * 4, "tools")

REGION = "eu-west-2"
ENV = "test"
ZONE = "rocketclub.test"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
TOKEN = "cf-unit-token-never-printed"
BASE = "http://cloudflare.invalid/client/v4"
HOSTS = ["portal.rocketclub.test", "pipelines.rocketclub.test"]
ORIGIN_PARAM = f"/{ENV}/shared/cf_alb_secret"
PENDING_PARAM = f"/{ENV}/shared/cf_alb_secret_pending"
ORIGIN_VALUE = "OriginSecretValue0123456789abcdefABCDEF012345"
PENDING_VALUE = "PendingSecretValue0123456789abcdefABCDEF0123"
DB_PASSWORD = "DbPasswordValue-0123456789abcdef"
KINDE_SECRET = "kinde-client-secret-value-0123456789"
KINDE_NAME = f"{ENV}/kinde/client-secret"
HEADER = "X-Origin-Verify"
TAGS = [{"Key": "platform:env", "Value": ENV}, {"Key": "platform:managed-by", "Value": "rocketclub.platform"}]
SG_NAMES = {role: f"rocketclub-{ENV}-{role}" for role in ("alb", "ecs", "aurora", "endpoints")}
BUCKETS = [f"rocketclub-{ENV}-blog-data-{layer}" for layer in ("raw", "clean")]
KMS_ALIAS = f"alias/rocketclub-{ENV}-platform"
ALL_CHECKS = [n for n in vc.CHECK_NAMES if n not in vc.CONTROLLER_CHECKS]
SECRETS = (ORIGIN_VALUE, PENDING_VALUE, DB_PASSWORD, KINDE_SECRET, TOKEN)


@pytest.fixture
def cf(monkeypatch):
    emulator = InProcessCloudflare(zones=[ZONE], tokens=[TOKEN]).install(monkeypatch, cloudflare)
    for host in HOSTS:
        body = json.dumps({"type": "CNAME", "name": host, "content": "d111.cloudfront.net", "proxied": True, "ttl": 1})
        stream, info = emulator.fetch_url(
            None,
            f"{BASE}/zones/{ZONE_ID}/dns_records",
            data=body,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            method="POST",
        )
        assert info["status"] == 200, info
    emulator.settings[ZONE_ID]["ssl"]["value"] = "strict"
    emulator.log.clear()
    return emulator


def _distribution(cloudfront, host, cert_arn, alb_dns):
    return cloudfront.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": {
                "CallerReference": host,
                "Aliases": {"Quantity": 1, "Items": [host]},
                "Comment": host,
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "alb",
                            "DomainName": alb_dns,
                            "CustomHeaders": {
                                "Quantity": 1,
                                "Items": [{"HeaderName": HEADER, "HeaderValue": ORIGIN_VALUE}],
                            },
                            "CustomOriginConfig": {
                                "HTTPPort": 80,
                                "HTTPSPort": 443,
                                "OriginProtocolPolicy": "https-only",
                                "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                            },
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "alb",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                },
                "ViewerCertificate": {
                    "ACMCertificateArn": cert_arn,
                    "SSLSupportMethod": "sni-only",
                    "MinimumProtocolVersion": "TLSv1.2_2021",
                },
            },
            "Tags": {"Items": TAGS},
        }
    )["Distribution"]


@pytest.fixture
def platform(ec2, cf):
    """A compliant platform; returns its clients and ids."""
    elbv2 = boto3.client("elbv2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]
    groups = {
        role: ec2.create_security_group(GroupName=name, Description=role, VpcId=vpc)["GroupId"]
        for role, name in SG_NAMES.items()
    }
    for gid in groups.values():
        ec2.revoke_security_group_egress(
            GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
    prefix_list = ec2.describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}]
    )["PrefixLists"][0]["PrefixListId"]
    ec2.authorize_security_group_ingress(
        GroupId=groups["alb"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": prefix_list}]}
        ],
    )
    ec2.authorize_security_group_egress(
        GroupId=groups["alb"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "UserIdGroupPairs": [{"GroupId": groups["ecs"]}]}
            for p in (7007, 4200)
        ]
        + [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_ingress(
        GroupId=groups["ecs"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 7007, "ToPort": 7007, "UserIdGroupPairs": [{"GroupId": groups["alb"]}]}
        ],
    )

    acm = boto3.client("acm", region_name=REGION)
    cert, key = self_signed_certificate("portal.rocketclub.test", days=365)
    alb_cert = acm.import_certificate(Certificate=cert, PrivateKey=key, Tags=TAGS)["CertificateArn"]
    acm_east = boto3.client("acm", region_name="us-east-1")
    cf_cert = acm_east.import_certificate(Certificate=cert, PrivateKey=key, Tags=TAGS)["CertificateArn"]

    lb = elbv2.create_load_balancer(Name=f"rocketclub-{ENV}", Subnets=subnets, SecurityGroups=[groups["alb"]])[
        "LoadBalancers"
    ][0]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Attributes=[{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}],
    )
    forbidden = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain"}}]
    https = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates=[{"CertificateArn": alb_cert}],
        DefaultActions=forbidden,
    )["Listeners"][0]["ListenerArn"]
    http = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        ],
    )["Listeners"][0]["ListenerArn"]
    tg = elbv2.create_target_group(
        Name="rocketclub-test-backstage", Protocol="HTTP", Port=7007, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    oidc = {
        "Issuer": "https://acme.kinde.com",
        "AuthorizationEndpoint": "https://acme.kinde.com/oauth2/auth",
        "TokenEndpoint": "https://acme.kinde.com/oauth2/token",
        "UserInfoEndpoint": "https://acme.kinde.com/oauth2/v2/user_profile",
        "ClientId": "client",
        "ClientSecret": KINDE_SECRET,
    }
    rules = []
    for priority, host in enumerate(HOSTS, start=10):
        rules.append(
            elbv2.create_rule(
                ListenerArn=https,
                Priority=priority,
                Conditions=[
                    {"Field": "host-header", "HostHeaderConfig": {"Values": [host]}},
                    {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": HEADER, "Values": [ORIGIN_VALUE]}},
                ],
                Actions=[
                    {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": oidc},
                    {"Type": "forward", "Order": 2, "TargetGroupArn": tg},
                ],
            )["Rules"][0]["RuleArn"]
        )

    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distributions = [_distribution(cloudfront, host, cf_cert, lb["DNSName"])["Id"] for host in HOSTS]

    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_cluster(
        DBClusterIdentifier=f"rocketclub-{ENV}",
        Engine="aurora-postgresql",
        MasterUsername="platform_admin",
        MasterUserPassword=DB_PASSWORD,
        StorageEncrypted=True,
        DeletionProtection=True,
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"rocketclub-{ENV}-1",
        DBClusterIdentifier=f"rocketclub-{ENV}",
        Engine="aurora-postgresql",
        DBInstanceClass="db.serverless",
        PubliclyAccessible=False,
    )

    sm = boto3.client("secretsmanager", region_name=REGION)
    sm.create_secret(Name=KINDE_NAME, SecretString=KINDE_SECRET)
    sm.create_secret(
        Name=f"{ENV}/db/admin", SecretString=json.dumps({"username": "platform_admin", "password": DB_PASSWORD})
    )
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name=ORIGIN_PARAM, Value=ORIGIN_VALUE, Type="SecureString")

    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=f"rocketclub-{ENV}")
    task = ecs.register_task_definition(
        family=f"rocketclub-{ENV}-backstage",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        containerDefinitions=[
            {
                "name": "backstage",
                "image": "ghcr.io/rocketclub/backstage:1.0.0",
                "environment": [{"name": "NODE_ENV", "value": "production"}],
                "secrets": [{"name": "BACKSTAGE_DATABASE_URL", "valueFrom": "arn:aws:secretsmanager:x"}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=f"rocketclub-{ENV}", serviceName="backstage", taskDefinition=task, desiredCount=1)

    s3 = boto3.client("s3", region_name=REGION)
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={k: True for k in platform_verify.PUBLIC_ACCESS_BLOCK},
        )
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key_id)
    kms.enable_key_rotation(KeyId=key_id)
    cf.log.clear()
    return {
        "ec2": ec2,
        "elbv2": elbv2,
        "groups": groups,
        "lb": lb,
        "https": https,
        "http": http,
        "rules": rules,
        "tg": tg,
        "cloudfront": cloudfront,
        "distributions": distributions,
        "rds": rds,
        "sm": sm,
        "ssm": ssm,
        "ecs": ecs,
        "task": task,
        "s3": s3,
        "kms": kms,
        "key_id": key_id,
        "acm": acm,
        "cert": alb_cert,
        "cf": cf,
    }


def module_args(**extra):
    args = {
        "env": ENV,
        "edge": "cloudfront",
        "alb_name": f"rocketclub-{ENV}",
        "origin_secret_parameter": ORIGIN_PARAM,
        "origin_secret_pending_parameter": PENDING_PARAM,
        "security_groups": SG_NAMES,
        "aurora_cluster_identifier": f"rocketclub-{ENV}",
        "aurora_deletion_protection": True,
        "ecs_cluster_name": f"rocketclub-{ENV}",
        "managed_secrets": [KINDE_NAME, f"{ENV}/db/admin", f"{ENV}/absent/secret"],
        "managed_parameters": [ORIGIN_PARAM],
        "buckets": BUCKETS,
        "kms_aliases": [KMS_ALIAS],
        "hosts": HOSTS,
        "cloudflare_zone": ZONE,
        "kinde_client_secret_name": KINDE_NAME,
        "api_token": TOKEN,
        "api_base_url": BASE,
    }
    args.update(extra)
    return args


@pytest.fixture
def verify(run_module, api_calls):
    def _verify(**extra):
        api_calls.clear()
        run = run_module(platform_verify.main, module_args(**extra))
        for value in SECRETS:
            assert value not in run.out
        assert [w for w in api_calls.operations() if not w.startswith(("Describe", "Get", "List"))] == []
        return run.result

    return _verify


def statuses(result):
    return {c["name"]: c["status"] for c in result["checks"]}


def failing(result):
    return sorted(c["name"] for c in result["checks"] if c["status"] != vc.PASS)


def detail(result, name):
    return next(c for c in result["checks"] if c["name"] == name)["detail"]


def test_a_compliant_platform_passes_every_check(platform, verify):
    result = verify()
    assert [c["name"] for c in result["checks"]] == ALL_CHECKS
    assert failing(result) == [], [c for c in result["checks"] if c["status"] != "pass"]
    assert result["result"] == "pass" and result["changed"] is False
    check = result["checks"][ALL_CHECKS.index("kms_key_rotation")]
    assert check["prowler"] == "kms_cmk_rotation_enabled" and check["aws_config"] == "cmk-backing-key-rotation-enabled"
    assert check["resources"] == [platform["key_id"]]
    # Cloudflare is only read
    assert platform["cf"].writes() == []


def _open_sg(p):
    p["ec2"].authorize_security_group_ingress(
        GroupId=p["groups"]["ecs"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )


def _open_sg_v6(p):
    p["ec2"].authorize_security_group_ingress(
        GroupId=p["groups"]["aurora"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    )


def _alb_open(p):
    p["ec2"].authorize_security_group_ingress(
        GroupId=p["groups"]["alb"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )


def _alb_egress(p):
    p["ec2"].authorize_security_group_egress(
        GroupId=p["groups"]["alb"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )


def _rule_without_auth(p):
    p["elbv2"].modify_rule(RuleArn=p["rules"][0], Actions=[{"Type": "forward", "TargetGroupArn": p["tg"]}])


def _header_removed(p):
    p["elbv2"].modify_rule(
        RuleArn=p["rules"][1], Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": [HOSTS[1]]}}]
    )


def _header_other_value(p):
    p["elbv2"].modify_rule(
        RuleArn=p["rules"][1],
        Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": [HOSTS[1]]}},
            {
                "Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": HEADER, "Values": [ORIGIN_VALUE, "x" * 40]},
            },
        ],
    )


def _rotation_pending(p):
    p["ssm"].put_parameter(Name=PENDING_PARAM, Value=PENDING_VALUE, Type="SecureString")


def _default_forward(p):
    p["elbv2"].modify_listener(ListenerArn=p["https"], DefaultActions=[{"Type": "forward", "TargetGroupArn": p["tg"]}])


def _http_forward(p):
    p["elbv2"].modify_listener(
        ListenerArn=p["http"],
        DefaultActions=[
            {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "ContentType": "text/plain"}}
        ],
    )


def _tls_lowered(p):
    p["elbv2"].modify_listener(ListenerArn=p["https"], SslPolicy="ELBSecurityPolicy-2016-08")


def _headers_kept(p):
    p["elbv2"].modify_load_balancer_attributes(
        LoadBalancerArn=p["lb"]["LoadBalancerArn"],
        Attributes=[{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"}],
    )


def _distribution_update(p, change):
    cloudfront = p["cloudfront"]
    answer = cloudfront.get_distribution_config(Id=p["distributions"][0])
    config = answer["DistributionConfig"]
    change(config)
    cloudfront.update_distribution(Id=p["distributions"][0], IfMatch=answer["ETag"], DistributionConfig=config)


def _viewer_tls(p):
    _distribution_update(p, lambda c: c["ViewerCertificate"].update(MinimumProtocolVersion="TLSv1"))


def _viewer_http(p):
    _distribution_update(p, lambda c: c["DefaultCacheBehavior"].update(ViewerProtocolPolicy="allow-all"))


def _origin_tls(p):
    def change(config):
        origin = config["Origins"]["Items"][0]["CustomOriginConfig"]
        origin["OriginSslProtocols"] = {"Quantity": 2, "Items": ["TLSv1", "TLSv1.2"]}

    _distribution_update(p, change)


def _aurora_public(p):
    p["rds"].modify_db_instance(DBInstanceIdentifier=f"rocketclub-{ENV}-1", PubliclyAccessible=True)


def _deletion_protection_off(p):
    p["rds"].modify_db_cluster(DBClusterIdentifier=f"rocketclub-{ENV}", DeletionProtection=False)


def _register(p, environment):
    definition = p["ecs"].describe_task_definition(taskDefinition=p["task"])["taskDefinition"]
    container = dict(definition["containerDefinitions"][0], environment=environment)
    arn = p["ecs"].register_task_definition(
        family=definition["family"],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    p["ecs"].update_service(cluster=f"rocketclub-{ENV}", service="backstage", taskDefinition=arn)


def _env_secret_name(p):
    _register(p, [{"name": "NODE_ENV", "value": "production"}, {"name": "GITHUB_TOKEN", "value": "ghp_abc"}])


def _env_secret_value(p):
    _register(p, [{"name": "NODE_ENV", "value": "production"}, {"name": "BACKEND_OPTS", "value": DB_PASSWORD}])


def _bucket_public(p):
    p["s3"].delete_public_access_block(Bucket=BUCKETS[1])


def _bucket_partly_public(p):
    config = {k: True for k in platform_verify.PUBLIC_ACCESS_BLOCK}
    config["RestrictPublicBuckets"] = False
    p["s3"].put_public_access_block(Bucket=BUCKETS[0], PublicAccessBlockConfiguration=config)


def _kms_rotation_off(p):
    p["kms"].disable_key_rotation(KeyId=p["key_id"])


def _expiring_certificate(p):
    cert, key = self_signed_certificate("portal.rocketclub.test", days=5)
    p["acm"].import_certificate(Certificate=cert, PrivateKey=key, Tags=TAGS)


def _record_unproxied(p):
    record = next(r for r in p["cf"].records[ZONE_ID].values() if r["name"] == HOSTS[0])
    record["proxied"] = False


def _ssl_flexible(p):
    p["cf"].settings[ZONE_ID]["ssl"]["value"] = "flexible"


def _moto_backend(backends, holds):
    """The region backend of moto that holds this test's resources (the account moto derived from the keys)."""
    return next(regions[REGION] for dummy, regions in backends.items() if REGION in regions and holds(regions[REGION]))


def _kinde_over_age(p):
    # moto keeps each version's creation time (epoch seconds) in the secret's versions.
    from moto.secretsmanager.models import secretsmanager_backends  # pylint: disable=import-outside-toplevel

    for version in (
        _moto_backend(secretsmanager_backends, lambda b: KINDE_NAME in b.secrets).secrets[KINDE_NAME].versions.values()
    ):
        version["createdate"] -= 100 * 86400


def _origin_over_age(p):
    (parameter,) = _moto_backend(ssm_backends, lambda b: ORIGIN_PARAM in b._parameters)._parameters[ORIGIN_PARAM]
    parameter.last_modified_date -= datetime.timedelta(days=100)


DRIFTS = [
    ("alb_ingress_source", _alb_open, "admits what the topology does not: tcp 443-443 cidr:0.0.0.0/0"),
    ("alb_security_group_declared", _alb_egress, "undeclared egress: tcp 5432-5432 cidr:10.0.0.0/8"),
    ("no_public_ingress", _open_sg, "tcp 22-22 cidr:0.0.0.0/0"),
    ("no_public_ingress", _open_sg_v6, "tcp 5432-5432 cidr:::/0"),
    ("alb_rules_authenticate", _rule_without_auth, "rule 10: actions forward (authenticate-oidc must come first)"),
    ("alb_rules_origin_header", _header_removed, "rule 11: no X-Origin-Verify condition"),
    ("alb_rules_origin_header", _header_other_value, "rule 11: accepts current, other (expected current)"),
    ("alb_rules_origin_header", _rotation_pending, "rule 10: accepts current (expected current, pending)"),
    ("alb_default_action_403", _default_forward, "default action is forward (expected fixed-response 403)"),
    ("alb_http_redirect", _http_forward, "the HTTP listener does not redirect to HTTPS"),
    (
        "alb_tls_policy",
        _tls_lowered,
        "SslPolicy ELBSecurityPolicy-2016-08 (expected ELBSecurityPolicy-TLS13-1-2-2021-06)",
    ),
    ("alb_drop_invalid_header_fields", _headers_kept, "routing.http.drop_invalid_header_fields.enabled is not true"),
    ("cloudfront_viewer_tls", _viewer_tls, "MinimumProtocolVersion TLSv1"),
    ("cloudfront_viewer_tls", _viewer_http, "ViewerProtocolPolicy allow-all"),
    ("cloudfront_origin_tls", _origin_tls, "https-only TLSv1/TLSv1.2 (expected https-only TLSv1.2)"),
    ("aurora_not_public", _aurora_public, f"publicly accessible: rocketclub-{ENV}-1"),
    ("aurora_deletion_protection", _deletion_protection_off, "deletion protection off"),
    ("ecs_no_plaintext_secrets", _env_secret_name, "backstage: GITHUB_TOKEN is named like a secret"),
    (
        "ecs_no_plaintext_secrets",
        _env_secret_value,
        f"backstage: BACKEND_OPTS holds the value of secret {ENV}/db/admin",
    ),
    ("s3_public_access_block", _bucket_public, f"{BUCKETS[1]}: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy"),
    ("s3_public_access_block", _bucket_partly_public, f"{BUCKETS[0]}: RestrictPublicBuckets off"),
    ("kms_key_rotation", _kms_rotation_off, f"{KMS_ALIAS} ("),
    ("acm_certificates_valid", _expiring_certificate, "expires in 5 days (minimum 30)"),
    ("cloudflare_records_proxied", _record_unproxied, f"{HOSTS[0]}: not proxied"),
    ("cloudflare_ssl_strict", _ssl_flexible, "SSL/TLS encryption mode flexible (expected strict)"),
    ("kinde_secret_age", _kinde_over_age, "current value 100 days old (maximum 90)"),
    ("origin_secret_age", _origin_over_age, "changed 100 days ago (maximum 90)"),
]


@pytest.mark.parametrize("check, seed, text", DRIFTS, ids=[f"{d[0]}-{d[1].__name__.strip('_')}" for d in DRIFTS])
def test_each_drift_fails_exactly_its_check(platform, verify, check, seed, text):
    seed(platform)
    result = verify()
    assert failing(result) == [check], [c for c in result["checks"] if c["status"] != "pass"]
    assert result["result"] == "drift"
    assert text in detail(result, check), detail(result, check)


def test_a_rotation_in_progress_passes_when_the_rules_accept_both_values(platform, verify):
    _rotation_pending(platform)
    for arn, host in zip(platform["rules"], HOSTS):
        platform["elbv2"].modify_rule(
            RuleArn=arn,
            Conditions=[
                {"Field": "host-header", "HostHeaderConfig": {"Values": [host]}},
                {
                    "Field": "http-header",
                    "HttpHeaderConfig": {"HttpHeaderName": HEADER, "Values": [PENDING_VALUE, ORIGIN_VALUE]},
                },
            ],
        )
    result = verify()
    assert failing(result) == []
    assert "(current, pending)" in detail(result, "alb_rules_origin_header")


def test_only_the_newest_revision_and_the_services_revisions_are_checked(platform, verify):
    # A bad revision, then the declared one again on top (what site.yml does): the bad one is neither used by a
    # service nor the newest of its family.
    _env_secret_name(platform)
    _register(platform, [{"name": "NODE_ENV", "value": "production"}])
    result = verify()
    assert failing(result) == []
    assert [
        r.rsplit("/", 1)[-1] for r in result["checks"][ALL_CHECKS.index("ecs_no_plaintext_secrets")]["resources"]
    ] == [f"rocketclub-{ENV}-backstage:3"]


def test_one_off_families_are_checked_too(platform, verify):
    platform["ecs"].register_task_definition(
        family=f"rocketclub-{ENV}-db-bootstrap",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "db-bootstrap", "image": "postgres:16", "environment": [{"name": "PGPASSWORD", "value": "x" * 12}]}
        ],
    )
    families = [f"rocketclub-{ENV}-db-bootstrap", f"rocketclub-{ENV}-prefect-deployer"]
    assert failing(verify()) == []  # not asked for
    result = verify(task_definition_families=families)
    assert failing(result) == ["ecs_no_plaintext_secrets"]
    assert f"rocketclub-{ENV}-db-bootstrap:1 db-bootstrap: PGPASSWORD is named like a secret" in detail(
        result, "ecs_no_plaintext_secrets"
    )


def test_deletion_protection_is_skipped_when_the_inventory_does_not_demand_it(platform, verify):
    _deletion_protection_off(platform)
    result = verify(aurora_deletion_protection=False)
    assert statuses(result)["aurora_deletion_protection"] == vc.SKIP
    assert failing(result) == ["aurora_deletion_protection"] and result["result"] == "pass"


def test_cloudflare_topology_checks_the_published_ranges_and_skips_cloudfront(platform, verify):
    ipv4, ipv6 = platform["cf"].ipv4, platform["cf"].ipv6
    ec2, alb = platform["ec2"], platform["groups"]["alb"]
    pl = ec2.describe_security_groups(GroupIds=[alb])["SecurityGroups"][0]["IpPermissions"]
    ec2.revoke_security_group_ingress(GroupId=alb, IpPermissions=pl)
    ec2.authorize_security_group_ingress(
        GroupId=alb,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": c} for c in ipv4],
                "Ipv6Ranges": [{"CidrIpv6": c} for c in ipv6],
            }
        ],
    )
    result = verify(edge="cloudflare")
    assert failing(result) == ["cloudfront_origin_tls", "cloudfront_viewer_tls"]
    assert {statuses(result)[n] for n in vc.CLOUDFRONT_ONLY} == {vc.SKIP}
    assert f"443 from Cloudflare's {len(ipv4) + len(ipv6)} published ranges only" == detail(
        result, "alb_ingress_source"
    )
    # one range missing: drift
    ec2.revoke_security_group_ingress(
        GroupId=alb,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": ipv4[0]}]}],
    )
    result = verify(edge="cloudflare")
    assert statuses(result)["alb_ingress_source"] == vc.FAIL
    assert f"lacks: tcp 443-443 cidr:{ipv4[0]}" in detail(result, "alb_ingress_source")


def test_skip_reports_skip_and_reads_nothing_for_it(platform, verify, api_calls):
    result = verify(skip=["kms_key_rotation", "cloudflare_ssl_strict"])
    assert statuses(result)["kms_key_rotation"] == statuses(result)["cloudflare_ssl_strict"] == vc.SKIP
    assert "GetKeyRotationStatus" not in api_calls.operations()
    assert f"GET /zones/{ZONE_ID}/settings/ssl" not in platform["cf"].calls()


def test_an_unknown_skip_name_fails_before_any_api_call(run_module, api_calls, cf):
    run = run_module(platform_verify.main, module_args(skip=["kms_rotation"]))
    assert run.rc != 0
    assert "unknown check name(s) 'kms_rotation'; valid names: alb_ingress_source," in run.result["msg"]
    assert "declared_configuration" in run.result["msg"]
    assert api_calls == [] and cf.log == []


def test_a_missing_platform_fails_its_checks_without_error(moto_aws, verify, cf):
    result = verify()
    assert [c for c in result["checks"] if c["status"] == vc.ERROR] == []
    assert result["result"] == "drift"
    assert statuses(result)["alb_tls_policy"] == vc.FAIL
    assert "load balancer rocketclub-test not found" in detail(result, "alb_tls_policy")


def test_an_api_error_is_an_error_not_drift(platform, verify):
    result = verify(api_token="wrong-token")
    assert statuses(result)["cloudflare_ssl_strict"] == vc.ERROR
    assert result["result"] == "error"


def test_reports():
    checks = [
        vc.result("alb_tls_policy", vc.PASS, "ok"),
        vc.result("kms_key_rotation", vc.FAIL, 'alias/x: rotation off <&">'),
        vc.result("declared_configuration", vc.SKIP, "skipped by verify_skip"),
        vc.result("cloudflare_ssl_strict", vc.ERROR, "Cloudflare: 403"),
    ]
    xml = vc.junit_xml(checks, "platform_verify prod", "2026-01-01T00:00:00+00:00")
    import xml.etree.ElementTree as ET  # pylint: disable=import-outside-toplevel

    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "1" and suite.get("skipped") == "1"
    assert suite.get("errors") == "1"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["kms_key_rotation"].find("failure").get("message") == 'alias/x: rotation off <&">'
    assert cases["declared_configuration"].find("skipped") is not None
    assert list(cases["alb_tls_policy"]) == []
    assert vc.overall(checks) == "error" and vc.overall(checks[:3]) == "drift" and vc.overall(checks[:1]) == "pass"
    lines = vc.table(checks)
    assert lines[0].split() == ["CHECK", "STATUS", "DETAIL"] and "FAIL" in lines[2]


def test_secret_like_names():
    for name in (
        "GITHUB_TOKEN",
        "DB_PASSWORD",
        "PGPASSWORD",
        "AUTH_SESSION_SECRET",
        "PREFECT_API_KEY",
        "DATABASE_URL",
        "aws_secret",
        "githubToken",
        "DB_PASS",
    ):
        assert vc.secret_like_name(name), name
    for name in ("NODE_ENV", "APP_CONFIG_app_baseUrl", "PREFECT_UI_API_URL", "PREFECT_API_URL", "KEYCLOAK_HOST"):
        assert not vc.secret_like_name(name), name


def test_documentation_matches_the_argument_spec(doc_problems):
    # api_token and api_base_url are documented by the rocketclub.platform.cloudflare doc fragment.
    fragment = ("api_token:", "api_base_url:")
    assert [p for p in doc_problems(platform_verify) if not p.startswith(fragment)] == []


def test_every_check_is_in_docs_verify_md():
    path = os.path.join(TOOLS, os.pardir, "docs", "verify.md")
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    for name, (dummy, prowler, aws_config) in vc.CATALOGUE.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        assert prowler in row and aws_config in row, row


def test_age_days_handles_datetimes_and_epochs():
    now = datetime.datetime(2026, 1, 31, tzinfo=datetime.timezone.utc)
    assert vc.age_days(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc), now) == 30
    assert vc.age_days(now.timestamp() - 86400, now) == 1


# ------------------------------------------------------------------------------------------------ action plugin


def _action(monkeypatch, args, module_result, runner_calls=None):
    from types import SimpleNamespace  # pylint: disable=import-outside-toplevel

    from ansible.plugins.action import ActionBase  # pylint: disable=import-outside-toplevel

    from ansible_collections.rocketclub.platform.plugins.action import platform_verify as action_plugin  # noqa: E501 pylint: disable=import-outside-toplevel

    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    action = action_plugin.ActionModule.__new__(action_plugin.ActionModule)
    action._task = SimpleNamespace(args=args, check_mode=False)
    action.module_calls = []

    def execute(module_name, module_args, task_vars):
        action.module_calls.append(dict(module_args))
        return dict(module_result)

    action._execute_module = execute
    return action, action_plugin


MODULE_CHECKS = [vc.result(n, vc.PASS, "ok") for n in ALL_CHECKS]


def test_action_rejects_an_unknown_skip_name_before_the_module_runs(monkeypatch):
    action, dummy = _action(monkeypatch, {"env": ENV, "skip": ["declared_configuraton"]}, {})
    result = action.run(task_vars={})
    assert result["failed"] is True and action.module_calls == []
    assert "verify_skip: unknown check name(s) 'declared_configuraton'; valid names: " in result["msg"]


def test_action_writes_the_reports_and_the_result_word(monkeypatch, tmp_path):
    word = tmp_path / "word"
    monkeypatch.setenv("ROCKETCLUB_VERIFY_RESULT_FILE", str(word))
    checks = [dict(c) for c in MODULE_CHECKS]
    checks[3] = vc.result(checks[3]["name"], vc.FAIL, "drifted")
    args = {
        "env": ENV,
        "skip": ["declared_configuration"],
        "report_json": str(tmp_path / "r" / "verify-test.json"),
        "report_junit": str(tmp_path / "r" / "verify-test.xml"),
        "site_playbook": "site.yml",
    }
    action, dummy = _action(monkeypatch, args, {"checks": checks, "result": "drift"})
    result = action.run(task_vars={})
    assert "report_json" not in action.module_calls[0] and "site_playbook" not in action.module_calls[0]
    assert result["result"] == "drift" and result["failed_checks"] == [checks[3]["name"]]
    assert not result.get("failed")
    report = json.loads((tmp_path / "r" / "verify-test.json").read_text())
    assert report["result"] == "drift" and [c["name"] for c in report["checks"]] == list(vc.CHECK_NAMES)
    assert report["checks"][-1]["status"] == vc.SKIP
    assert oct((tmp_path / "r" / "verify-test.json").stat().st_mode & 0o777) == "0o600"
    assert '<failure message="drifted"' in (tmp_path / "r" / "verify-test.xml").read_text()
    assert word.read_text() == "drift\n"
    assert result["table"][0].startswith("CHECK")


def test_declared_configuration_reports_the_tasks_site_would_change(monkeypatch):
    from ansible_collections.rocketclub.platform.plugins.action import platform_verify as action_plugin  # noqa: E501 pylint: disable=import-outside-toplevel

    monkeypatch.setattr(action_plugin, "cli_arguments", lambda: ["-i", "inventories/local", "-e", "x=1"])
    seen = {}

    def task(name, **outcome):
        return {"task": {"name": name}, "hosts": {"localhost": outcome}}

    def runner(command, env, **kwargs):
        from types import SimpleNamespace  # pylint: disable=import-outside-toplevel

        seen.update(command=command, callback=env["ANSIBLE_STDOUT_CALLBACK"])
        report = {
            "plays": [
                {
                    "tasks": [
                        task("Ensure the security groups", changed=True),
                        task("Ensure the VPC", changed=False),
                        task("Fail with the error", skipped=True),
                        task("Ensure the Kinde OIDC listener rules", changed=True),
                        task("Ensure the security groups", changed=True),
                    ]
                }
            ]
        }
        return SimpleNamespace(stdout="noise\n" + json.dumps(report), stderr="", returncode=0)

    status, text, resources = action_plugin.declared_configuration("/x/site.yml", 60, runner=runner)
    assert status == vc.FAIL and resources == ["Ensure the security groups", "Ensure the Kinde OIDC listener rules"]
    assert text.startswith("site.yml would change 2 task(s): Ensure the security groups; Ensure the Kinde")
    assert seen["command"][1:] == ["/x/site.yml", "--check", "-i", "inventories/local", "-e", "x=1"]
    assert seen["callback"] == "ansible.posix.json"

    def clean(command, env, **kwargs):
        from types import SimpleNamespace  # pylint: disable=import-outside-toplevel

        return SimpleNamespace(stdout=json.dumps({"plays": [{"tasks": [task("a", changed=False)]}]}), returncode=0)

    assert action_plugin.declared_configuration("/x/site.yml", 60, runner=clean)[0] == vc.PASS

    def broken(command, env, **kwargs):
        from types import SimpleNamespace  # pylint: disable=import-outside-toplevel

        report = {"plays": [{"tasks": [task("Validate", failed=True, msg="bad input")]}]}
        return SimpleNamespace(stdout=json.dumps(report), stderr="", returncode=2)

    status, text, dummy = action_plugin.declared_configuration("/x/site.yml", 60, runner=broken)
    assert status == vc.ERROR and "localhost: Validate: bad input" in text


@pytest.mark.parametrize(
    "word, rc, expected",
    [("pass", 0, 0), ("drift", 2, 2), ("error", 2, 1), ("pass", 2, 1), (None, 2, 1), (None, 4, 1)],
)
def test_tools_verify_exits_like_detailed_exitcode(tmp_path, word, rc, expected):
    """0 pass, 2 drift, 1 anything else: the word the action plugin wrote decides, not ansible-playbook's code."""
    import subprocess  # pylint: disable=import-outside-toplevel

    fake = tmp_path / "ansible-playbook"
    write = f'printf "{word}\\n" > "$ROCKETCLUB_VERIFY_RESULT_FILE"' if word else ":"
    fake.write_text(f'#!/bin/sh\necho "args: $*"\n{write}\nexit {rc}\n')
    fake.chmod(0o755)
    wrapper = os.path.join(TOOLS, "verify")
    done = subprocess.run(
        [wrapper, "-i", "inventories/prod"],
        env=dict(os.environ, ANSIBLE_PLAYBOOK=str(fake)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == expected, done.stdout + done.stderr
    assert done.stdout.startswith("args: ") and done.stdout.rstrip().endswith(
        "playbooks/verify.yml -i inventories/prod"
    )
