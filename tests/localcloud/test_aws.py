# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS fidelity layer: secrets, request log, throttling and latency."""

import json
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from localcloud.testing import sleep_until


def _network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.%d.0/24" % i, AvailabilityZone="us-east-1" + az)["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]
    return vpc, subnets


OIDC = {
    "Issuer": "https://issuer.example",
    "AuthorizationEndpoint": "https://issuer.example/a",
    "TokenEndpoint": "https://issuer.example/t",
    "UserInfoEndpoint": "https://issuer.example/u",
    "ClientId": "client-id",
    "ClientSecret": "super-secret-value",
}


def test_client_secret_stripped(lc, aws, self_signed_certificate):
    ec2, elbv2, acm = aws("ec2"), aws("elbv2"), aws("acm")
    vpc, subnets = _network(ec2)
    cert, key = self_signed_certificate
    cert_arn = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    lb = elbv2.create_load_balancer(Name="lb1", Subnets=subnets)["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="tg1", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0][
        "TargetGroupArn"
    ]
    actions = [
        {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": OIDC},
        {"Type": "forward", "Order": 2, "TargetGroupArn": tg},
    ]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": cert_arn}],
        DefaultActions=actions,
    )["Listeners"][0]
    elbv2.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=10,
        Actions=actions,
        Conditions=[{"Field": "path-pattern", "Values": ["/app/*"]}],
    )

    rules = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    listeners = elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    oidc_configs = [
        a["AuthenticateOidcConfig"]
        for item in rules + listeners
        for a in item.get("Actions", item.get("DefaultActions", []))
        if a["Type"] == "authenticate-oidc"
    ]
    assert len(oidc_configs) == 3  # the listener default action + both rules' actions
    for config in oidc_configs:
        assert config["ClientId"] == "client-id"
        assert config["Issuer"] == "https://issuer.example"
        assert "ClientSecret" not in config

    # the raw XML never carries the secret either
    log = lc.requests(service="elasticloadbalancing")
    assert [e["operation"] for e in log] == [
        "CreateLoadBalancer",
        "CreateTargetGroup",
        "CreateListener",
        "CreateRule",
        "DescribeRules",
        "DescribeListeners",
    ]


def test_listener_rule_writes_log_their_condition_fields_never_a_value(lc, aws):
    ec2, elbv2 = aws("ec2"), aws("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    alb = elbv2.create_load_balancer(Name="log-conditions", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    group = elbv2.create_target_group(Name="log-conditions", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"
    ]
    forward = [{"Type": "forward", "TargetGroupArn": group}]
    listener = elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=forward)[
        "Listeners"
    ][0]["ListenerArn"]
    lc.clear_requests()
    host = {"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example.com"]}}
    header = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": ["s3cr3t"]}}
    rule = elbv2.create_rule(ListenerArn=listener, Priority=1, Conditions=[host, header], Actions=forward)
    arn = rule["Rules"][0]["RuleArn"]
    elbv2.modify_rule(RuleArn=arn, Conditions=[host])
    elbv2.modify_rule(RuleArn=arn, Actions=forward)
    log = lc.requests(service="elasticloadbalancing", writes_only=True)
    assert [(e["operation"], e.get("conditions")) for e in log] == [
        ("CreateRule", ["host-header", "http-header:X-Origin-Verify"]),
        ("ModifyRule", ["host-header"]),
        ("ModifyRule", None),
    ]
    assert "s3cr3t" not in json.dumps(log)


def test_request_log_is_exact(lc, aws, env):
    ec2, sm, s3 = aws("ec2"), aws("secretsmanager"), aws("s3")
    lc.clear_requests()
    ec2.describe_vpcs()
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    sm.create_secret(Name="s1", SecretString="x")
    sm.get_secret_value(SecretId="s1")
    sm.list_secrets()
    s3.create_bucket(Bucket="bucket-one")
    s3.list_objects_v2(Bucket="bucket-one")
    with pytest.raises(ClientError):
        sm.describe_secret(SecretId="missing")
    log = lc.requests()
    assert [(e["service"], e["operation"], e["write"]) for e in log] == [
        ("ec2", "DescribeVpcs", False),
        ("ec2", "CreateVpc", True),
        ("secretsmanager", "CreateSecret", True),
        ("secretsmanager", "GetSecretValue", False),
        ("secretsmanager", "ListSecrets", False),
        ("s3", "PUT /bucket-one", True),
        ("s3", "GET /bucket-one", False),
        ("secretsmanager", "DescribeSecret", False),
    ]
    assert [e["seq"] for e in log] == sorted(e["seq"] for e in log)
    assert [e["status"] for e in log] == [200] * 7 + [400]
    assert all(e["throttled"] is False and e["region"] == "us-east-1" for e in log)
    writes = lc.requests(writes_only=True)
    assert [e["operation"] for e in writes] == ["CreateVpc", "CreateSecret", "PUT /bucket-one"]
    assert [e["operation"] for e in lc.requests(service="secretsmanager", writes_only=True)] == ["CreateSecret"]
    # control endpoints and moto-api are not logged
    with urllib.request.urlopen(env["LOCALCLOUD_AWS_URL"] + "/moto-api/data.json") as resp:
        assert resp.status == 200
    lc.config()
    assert len(lc.requests()) == len(log)
    assert lc.clear_requests() == {"cleared": len(log)}
    assert lc.requests() == []


def test_reset_clears_everything(lc, aws):
    aws("ec2").create_vpc(CidrBlock="10.2.0.0/16")
    lc.configure(latency_seconds=5, throttle_fraction=0.1)
    vpcs_before = len(aws("ec2").describe_vpcs()["Vpcs"])
    lc.reset()
    assert lc.requests() == []
    assert lc.config() == {
        "throttle_fraction": 0.0,
        "throttle_seed": None,
        "throttle_services": [],
        "latency_seconds": 0,
        "eventual_consistency": False,
        "acm_record_delay_seconds": 1,
        "latency_profile": {},
    }
    assert len(aws("ec2").describe_vpcs()["Vpcs"]) == vpcs_before - 1


def _raw_throttle(env, target=None, action=None, service="ec2"):
    """Send one signed-looking call and return (status, headers, body)."""
    headers = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/%s/"
        "aws4_request, SignedHeaders=host, Signature=00" % service
    }
    data = b""
    if target:
        headers["X-Amz-Target"] = target
        headers["Content-Type"] = "application/x-amz-json-1.1"
        data = b"{}"
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        data = ("Action=%s&Version=2016-11-15" % action).encode()
    request = urllib.request.Request(env["LOCALCLOUD_AWS_URL"] + "/", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_throttling_shapes(lc, env):
    lc.configure(throttle_fraction=1.0, throttle_seed=1)
    status, headers, body = _raw_throttle(env, target="secretsmanager.ListSecrets", service="secretsmanager")
    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(body) == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    status, headers, body = _raw_throttle(env, action="DescribeVpcs", service="ec2")
    assert status == 503
    assert b"<Code>RequestLimitExceeded</Code>" in body and b"<Errors><Error>" in body
    status, headers, body = _raw_throttle(env, action="ListRoles", service="iam")
    assert status == 400
    assert (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
        b"<Message>Rate exceeded</Message></Error><RequestId>"
    ) in body
    log = lc.requests()
    assert [(e["operation"], e["status"], e["throttled"]) for e in log] == [
        ("ListSecrets", 400, True),
        ("DescribeVpcs", 503, True),
        ("ListRoles", 400, True),
    ]


@pytest.mark.parametrize(
    "service,call,code",
    [
        ("secretsmanager", lambda c: c.list_secrets(), "ThrottlingException"),
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded"),
        ("iam", lambda c: c.list_roles(), "Throttling"),
        ("elbv2", lambda c: c.describe_load_balancers(), "Throttling"),
    ],
)
def test_throttling_is_retried_by_botocore(lc, aws, monkeypatch, service, call, code):
    from botocore.retries import standard

    # keep botocore's real retry classification, only shorten its backoff sleeps
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.01)
    lc.configure(throttle_fraction=0.5, throttle_seed=42)
    no_retry = aws(service)
    retrying = aws(service, retries={"max_attempts": 15, "mode": "standard"})
    errors = []
    for _attempt in range(6):
        try:
            call(no_retry)
        except ClientError as exc:
            errors.append(exc.response["Error"]["Code"])
    assert errors and set(errors) == {code}
    for _attempt in range(6):
        call(retrying)  # never raises: every throttle is retried
    log = lc.requests()
    assert any(e["throttled"] for e in log) and any(not e["throttled"] for e in log)
    # only retried calls repeat: successes equal the 12 logical calls minus failures
    assert sum(1 for e in log if not e["throttled"]) == 12 - len(errors)


def test_throttling_limited_to_services(lc, aws):
    lc.configure(throttle_fraction=1.0, throttle_services=["sts"])
    aws("ec2").describe_vpcs()
    with pytest.raises(ClientError) as exc:
        aws("sts").get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "Throttling"


def test_latency_nat_gateway_and_vpc_endpoint(lc, aws):
    ec2 = aws("ec2")
    vpc, subnets = _network(ec2)
    # Three seconds: the waiter must see 'pending' after the endpoint's create, on a CI machine busy with other suites.
    lc.configure(latency_seconds=3)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip)["NatGateway"]
    assert nat["State"] == "pending"
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway")[
        "VpcEndpoint"
    ]
    assert endpoint["State"] == "pending"
    # The server counts from its answers, all before this: the endpoint settles by then, however slow the machine.
    deadline = time.monotonic() + 3
    started = time.monotonic()
    waiter = ec2.get_waiter("nat_gateway_available")
    waiter.wait(NatGatewayIds=[nat["NatGatewayId"]], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert time.monotonic() - started >= 1
    sleep_until(deadline)
    assert (
        ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]["State"]
        == "available"
    )
    states = [e["operation"] for e in lc.requests(service="ec2")]
    assert states.count("DescribeNatGateways") >= 2  # the waiter saw 'pending' first


def test_latency_rds_elb_cloudfront(lc, aws):
    # Three seconds: the first states() below follows four creates, which a busy CI machine may take a second over.
    LATENCY = 3
    rds, ec2, elbv2, cloudfront = aws("rds"), aws("ec2"), aws("elbv2"), aws("cloudfront")
    _vpc, subnets = _network(ec2)
    lc.configure(latency_seconds=LATENCY)
    rds.create_db_cluster(
        DBClusterIdentifier="c1", Engine="aurora-postgresql", MasterUsername="admin", MasterUserPassword="password123"
    )
    rds.create_db_instance(
        DBInstanceIdentifier="i1",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="admin",
        MasterUserPassword="password123",
        AllocatedStorage=20,
    )
    lb = elbv2.create_load_balancer(Name="lat", Subnets=subnets)["LoadBalancers"][0]
    dist = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "ref1",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "o1",
                        "DomainName": "origin.example",
                        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "o1",
                "ViewerProtocolPolicy": "allow-all",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
    )["Distribution"]
    deadline = time.monotonic() + LATENCY  # the server counts from its answers, all before this

    def states():
        return (
            rds.describe_db_clusters(DBClusterIdentifier="c1")["DBClusters"][0]["Status"],
            rds.describe_db_instances(DBInstanceIdentifier="i1")["DBInstances"][0]["DBInstanceStatus"],
            elbv2.describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"][0]["State"][
                "Code"
            ],
            cloudfront.get_distribution(Id=dist["Id"])["Distribution"]["Status"],
        )

    assert lb["State"]["Code"] == "provisioning"
    assert dist["Status"] == "InProgress"
    assert states() == ("creating", "creating", "provisioning", "InProgress")
    rds.get_waiter("db_cluster_available").wait(DBClusterIdentifier="c1", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    rds.get_waiter("db_instance_available").wait(
        DBInstanceIdentifier="i1", WaiterConfig={"Delay": 1, "MaxAttempts": 10}
    )
    # The waiters may return as soon as the cluster settles; the distribution, created last, may need longer.
    sleep_until(deadline)
    assert states() == ("available", "available", "active", "Deployed")


def test_no_latency_by_default(lc, aws):
    ec2 = aws("ec2")
    _vpc, subnets = _network(ec2)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip)["NatGateway"]
    assert nat["State"] == "available"


def test_config_validation(lc):
    from localcloud.client import LocalCloudError

    with pytest.raises(LocalCloudError):
        lc.configure(throttle_fraction=2)
    with pytest.raises(LocalCloudError):
        lc.configure(bogus=1)
    assert lc.configure(throttle_services="ec2,rds")["throttle_services"] == ["ec2", "rds"]
