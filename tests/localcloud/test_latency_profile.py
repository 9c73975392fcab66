# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local cloud's latency profile (fidelity config ``latency_profile``, ``localcloud.latency``).

Each test uses a short profile (a dict of a few seconds) and waits only for the end of its windows; each fails
against the local cloud without the profile (the config key was refused, every resource was final at once or
after one read, an update never went back to a transitional state)."""

import hashlib
import json
import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import WaiterError

from localcloud import latency
from localcloud.client import LocalCloudError
from localcloud.testing import cli
from localcloud.testing import running
from localcloud.testing import sleep_until

# Seconds of every short profile below: long enough that the "still transitional" reads after a create fit in it on a
# busy CI machine (the local cloud suite runs beside the integration suite), short enough to wait out.
WINDOW = 3
ZONE = "rocketclub.local"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()
REGION = "eu-west-2"
AWS_LIKE = {
    "rds.db_cluster": 60,
    "rds.db_instance": 60,
    "cloudfront.distribution": 45,
    "acm.issuance": 20,
    "ec2.nat_gateway": 15,
    "elbv2.load_balancer": 10,
    "ecs.deployment": 20,
    "ec2.vpc_endpoint": 10,
}


def _network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.%d.0/24" % index, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for index, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    return vpc, subnets


# -- configuration ---------------------------------------------------------------------------------------------


def test_aws_like_resolves_to_the_contract_numbers(lc, env):
    assert latency.PROFILES["aws-like"] == AWS_LIKE
    assert latency.parse_profile("aws-like") == AWS_LIKE
    assert lc.config()["latency_profile"] == {}  # off by default

    assert lc.configure(latency_profile="aws-like")["latency_profile"] == AWS_LIKE
    assert lc.config()["latency_profile"] == AWS_LIKE
    assert lc.config()["latency_seconds"] == 0  # the uniform setting is untouched

    off = json.loads(cli(["config", "--latency-profile", "off"], env).stdout)
    assert off["latency_profile"] == {} and lc.config()["latency_profile"] == {}
    shown = json.loads(cli(["config", "--latency-profile", "aws-like"], env).stdout)
    assert shown["latency_profile"] == AWS_LIKE
    partial = json.loads(cli(["config", "--latency-profile", '{"ecs.deployment": 1.5}'], env).stdout)
    assert partial["latency_profile"] == {"ecs.deployment": 1.5}
    assert lc.configure(latency_profile=None)["latency_profile"] == {}
    assert lc.configure(latency_profile={})["latency_profile"] == {}


@pytest.mark.parametrize(
    "value,message",
    [
        ({"rds.cluster": 5}, "unknown resource key(s) rds.cluster; known keys: rds.db_cluster, "),
        ({"ecs.deployment": -1}, "ecs.deployment must not be negative"),
        ({"ecs.deployment": "soon"}, "ecs.deployment must be a number of seconds, not 'soon'"),
        ({"ecs.deployment": True}, "ecs.deployment must be a number of seconds, not True"),
        ("aws", "unknown profile 'aws'; use one of 'aws-like', 'off'"),
        (["aws-like"], "must be a profile name or a {resource: seconds} mapping, not list"),
    ],
)
def test_bad_profiles_are_refused_with_a_clear_message(lc, value, message):
    with pytest.raises(ValueError) as refused:
        latency.parse_profile(value)
    assert message in str(refused.value) and str(refused.value).startswith("latency_profile")
    lc.configure(latency_profile={"ec2.nat_gateway": 3})
    with pytest.raises(LocalCloudError) as answered:
        lc.configure(latency_profile=value)
    assert ": 400 " in str(answered.value) and message in str(answered.value)
    assert lc.config()["latency_profile"] == {"ec2.nat_gateway": 3}  # nothing changed


def test_bad_profile_on_the_command_line(lc, env):
    result = cli(["config", "--latency-profile", '{"nat": 3}'], env, check=False)
    assert result.returncode == 1
    assert "unknown resource key(s) nat" in result.stderr
    assert lc.config()["latency_profile"] == {}


def test_each_private_cloud_has_its_own_profile(lc, tmp_path):
    lc.configure(latency_profile="aws-like")
    with running(str(tmp_path / "other")) as (other, _env):
        assert other.config()["latency_profile"] == {}
        other.configure(latency_profile={"ecs.deployment": 1})
        assert lc.config()["latency_profile"] == AWS_LIKE
        assert other.config()["latency_profile"] == {"ecs.deployment": 1}


# -- resources ---------------------------------------------------------------------------------------------------


def test_nat_gateway_vpc_endpoint_and_load_balancer(lc, aws):
    ec2, elbv2 = aws("ec2"), aws("elbv2")
    vpc, subnets = _network(ec2)
    # A profile key takes precedence over latency_seconds for its resource; the others keep latency_seconds.
    lc.configure(latency_seconds=30, latency_profile={"ec2.nat_gateway": WINDOW, "elbv2.load_balancer": WINDOW})
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip)["NatGateway"]
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3")["VpcEndpoint"]
    lb = elbv2.create_load_balancer(Name="lat", Subnets=subnets)["LoadBalancers"][0]
    deadline = time.monotonic() + WINDOW  # the server counts from its answers, all before this

    def states():
        return (
            ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"],
            ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])["VpcEndpoints"][0]["State"],
            elbv2.describe_load_balancers(LoadBalancerArns=[lb["LoadBalancerArn"]])["LoadBalancers"][0]["State"][
                "Code"
            ],
        )

    assert (nat["State"], endpoint["State"], lb["State"]["Code"]) == ("pending", "pending", "provisioning")
    assert states() == ("pending", "pending", "provisioning")
    sleep_until(deadline)
    assert states() == ("available", "pending", "active")  # the endpoint follows latency_seconds (30 s)
    lc.configure(latency_profile={"ec2.nat_gateway": WINDOW, "elbv2.load_balancer": WINDOW, "ec2.vpc_endpoint": 1})
    assert states() == ("available", "available", "active")


def test_rds_create_restore_and_start(lc, aws):
    rds = aws("rds")
    lc.configure(latency_profile={"rds.db_cluster": WINDOW, "rds.db_instance": WINDOW})
    created = rds.create_db_cluster(
        DBClusterIdentifier="lat",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password123",
    )["DBCluster"]
    instance = rds.create_db_instance(
        DBInstanceIdentifier="lat-1",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier="lat",
    )["DBInstance"]
    deadline = time.monotonic() + WINDOW

    def states(cluster="lat"):
        return (
            rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["Status"],
            rds.describe_db_instances(DBInstanceIdentifier="lat-1")["DBInstances"][0]["DBInstanceStatus"],
        )

    assert (created["Status"], instance["DBInstanceStatus"]) == ("creating", "creating")
    assert states() == ("creating", "creating")
    assert states() == ("creating", "creating")  # not only moto's single 'creating' read
    rds.create_db_cluster_snapshot(DBClusterIdentifier="lat", DBClusterSnapshotIdentifier="lat-snap")
    sleep_until(deadline)
    assert states() == ("available", "available")

    restored = rds.restore_db_cluster_from_snapshot(
        DBClusterIdentifier="lat-restored", SnapshotIdentifier="lat-snap", Engine="aurora-postgresql"
    )["DBCluster"]
    assert restored["Status"] == "creating"
    rds.stop_db_cluster(DBClusterIdentifier="lat")
    assert states()[0] == "stopped"
    started = rds.start_db_cluster(DBClusterIdentifier="lat")["DBCluster"]
    deadline = time.monotonic() + WINDOW
    assert started["Status"] == "starting"  # moto alone: 'started', a status AWS does not have
    assert states() == ("starting", "starting")  # the cluster's instances start with it
    assert states("lat-restored")[0] == "creating"
    with pytest.raises(WaiterError):
        rds.get_waiter("db_cluster_available").wait(
            DBClusterIdentifier="lat", WaiterConfig={"Delay": 1, "MaxAttempts": 1}
        )
    sleep_until(deadline)
    assert states() == ("available", "available")
    assert states("lat-restored")[0] == "available"


def _distribution_config(reference, comment=""):
    return {
        "CallerReference": reference,
        "Comment": comment,
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


def test_cloudfront_create_and_update(lc, aws):
    cloudfront = aws("cloudfront")
    lc.configure(latency_profile={"cloudfront.distribution": WINDOW})
    created = cloudfront.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": _distribution_config("lat-1"),
            "Tags": {"Items": [{"Key": "k", "Value": "v"}]},
        }
    )["Distribution"]
    deadline = time.monotonic() + WINDOW
    ident = created["Id"]

    def status():
        listed = cloudfront.list_distributions()["DistributionList"]["Items"]
        return cloudfront.get_distribution(Id=ident)["Distribution"]["Status"], listed[0]["Status"]

    assert created["Status"] == "InProgress"
    assert status() == ("InProgress", "InProgress")
    sleep_until(deadline)
    assert status() == ("Deployed", "Deployed")

    current = cloudfront.get_distribution_config(Id=ident)
    updated = cloudfront.update_distribution(
        Id=ident, IfMatch=current["ETag"], DistributionConfig=_distribution_config("lat-1", comment="changed")
    )["Distribution"]
    deadline = time.monotonic() + WINDOW
    assert updated["Status"] == "InProgress"  # moto alone (and latency_seconds): Deployed after an update
    assert status() == ("InProgress", "InProgress")
    with pytest.raises(WaiterError):
        cloudfront.get_waiter("distribution_deployed").wait(Id=ident, WaiterConfig={"Delay": 1, "MaxAttempts": 1})
    sleep_until(deadline)
    assert status() == ("Deployed", "Deployed")


def _cloudflare_cname(env, record):
    request = urllib.request.Request(
        env["LOCALCLOUD_CLOUDFLARE_URL"] + "/zones/%s/dns_records" % ZONE_ID,
        method="POST",
        data=json.dumps(
            {"type": "CNAME", "name": record["Name"].rstrip("."), "content": record["Value"].rstrip("."), "ttl": 1}
        ).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + env["CLOUDFLARE_API_TOKEN"]},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())["result"]
    except urllib.error.HTTPError as exc:
        raise AssertionError(exc.read().decode()) from exc


def test_acm_pending_until_the_records_existed_for_the_window(lc, aws, env):
    acm = aws("acm", region=REGION)
    lc.configure(acm_record_delay_seconds=0, latency_profile={"acm.issuance": WINDOW})
    arn = acm.request_certificate(
        DomainName="portal." + ZONE, SubjectAlternativeNames=["pipelines." + ZONE], ValidationMethod="DNS"
    )["CertificateArn"]

    def describe():
        return acm.describe_certificate(CertificateArn=arn)["Certificate"]

    options = describe()["DomainValidationOptions"]
    first, second = (option["ResourceRecord"] for option in options)
    _cloudflare_cname(env, first)
    first_deadline = time.monotonic() + WINDOW
    time.sleep(WINDOW / 2)  # the second record is this much younger: the margin of the read after first_deadline
    _cloudflare_cname(env, second)
    deadline = time.monotonic() + WINDOW
    certificate = describe()
    assert certificate["Status"] == "PENDING_VALIDATION"  # without the profile: ISSUED now
    assert {o["ValidationStatus"] for o in certificate["DomainValidationOptions"]} == {"PENDING_VALIDATION"}
    sleep_until(first_deadline)
    certificate = describe()
    assert certificate["Status"] == "PENDING_VALIDATION"  # the second record is younger than the window
    statuses = {o["ResourceRecord"]["Name"]: o["ValidationStatus"] for o in certificate["DomainValidationOptions"]}
    assert statuses == {first["Name"]: "SUCCESS", second["Name"]: "PENDING_VALIDATION"}
    sleep_until(deadline)
    certificate = describe()
    assert certificate["Status"] == "ISSUED"
    assert {o["ValidationStatus"] for o in certificate["DomainValidationOptions"]} == {"SUCCESS"}


@pytest.fixture
def ecs_world(aws):
    ec2, ecs = aws("ec2", region=REGION), aws("ecs", region=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="ecs", Description="ecs", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName="c")

    def task_definition(image):
        return ecs.register_task_definition(
            family="app",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "app", "image": image, "essential": True}],
        )["taskDefinition"]["taskDefinitionArn"]

    def create(name, definition, desired):
        return ecs.create_service(
            cluster="c",
            serviceName=name,
            taskDefinition=definition,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        )["service"]

    def describe(name):
        return ecs.describe_services(cluster="c", services=[name])["services"][0]

    def stable(*names):
        """Whether botocore's services_stable waiter accepts the services now (one attempt)."""
        try:
            ecs.get_waiter("services_stable").wait(
                cluster="c", services=list(names), WaiterConfig={"Delay": 1, "MaxAttempts": 1}
            )
        except WaiterError:
            return False
        return True

    return {"ecs": ecs, "task_definition": task_definition, "create": create, "describe": describe, "stable": stable}


def _rolling(service):
    primary = service["deployments"][0]
    return (
        primary["status"] == "PRIMARY"
        and primary["rolloutState"] == "IN_PROGRESS"
        and primary["runningCount"] < primary["desiredCount"]
        and service["runningCount"] < service["desiredCount"] + (len(service["deployments"]) - 1)
    )


def _steady(service):
    primary = service["deployments"][0]
    return (
        len(service["deployments"]) == 1
        and primary["rolloutState"] == "COMPLETED"
        and primary["runningCount"] == primary["desiredCount"] == service["desiredCount"]
        and service["runningCount"] == service["desiredCount"]
    )


def test_ecs_deployments_roll_out_for_the_window(lc, ecs_world):
    ecs, describe, stable = ecs_world["ecs"], ecs_world["describe"], ecs_world["stable"]
    first = ecs_world["task_definition"]("example/app:1")
    lc.configure(latency_profile={"ecs.deployment": WINDOW})

    created = ecs_world["create"]("web", first, 2)
    ecs_world["create"]("worker", first, 1)
    ecs_world["create"]("idle", first, 0)
    deadline = time.monotonic() + WINDOW
    assert _rolling(created) and created["runningCount"] == 0  # moto + localcloud without the profile: steady
    assert _steady(describe("idle")) and stable("idle")  # nothing to start
    assert _rolling(describe("web")) and _rolling(describe("worker"))
    assert not stable("web") and not stable("worker")
    sleep_until(deadline)
    assert _steady(describe("web")) and _steady(describe("worker")) and stable("web", "worker")
    assert "has reached a steady state" in describe("web")["events"][0]["message"]

    # A desired count changed between non-zero values starts no deployment.
    ecs.update_service(cluster="c", service="web", desiredCount=3)
    assert _steady(describe("web")) and describe("web")["runningCount"] == 3

    # A new task definition, a forced deployment and a desired count raised from 0 each start one.
    second = ecs_world["task_definition"]("example/app:2")
    ecs.update_service(cluster="c", service="web", taskDefinition=second)
    ecs.update_service(cluster="c", service="worker", forceNewDeployment=True)
    ecs.update_service(cluster="c", service="idle", desiredCount=1)
    deadline = time.monotonic() + WINDOW
    web, worker, idle = describe("web"), describe("worker"), describe("idle")
    for service, old_tasks in ((web, 3), (worker, 1)):
        assert _rolling(service) and len(service["deployments"]) == 2
        assert service["deployments"][1]["status"] == "ACTIVE" and service["runningCount"] == old_tasks
    assert web["deployments"][0]["taskDefinition"] == second
    assert _rolling(idle) and len(idle["deployments"]) == 1 and idle["runningCount"] == 0
    assert not stable("web") and not stable("worker") and not stable("idle")
    sleep_until(deadline)
    web = describe("web")
    assert _steady(web) and web["deployments"][0]["taskDefinition"] == second
    assert _steady(describe("worker")) and _steady(describe("idle")) and stable("web", "worker", "idle")


# -- off ---------------------------------------------------------------------------------------------------------


def test_profile_off_changes_nothing(lc, aws, env, ecs_world):
    lc.configure(latency_profile="aws-like")
    lc.configure(latency_profile="off", acm_record_delay_seconds=0)
    ec2, elbv2, cloudfront, rds = aws("ec2"), aws("elbv2"), aws("cloudfront"), aws("rds")
    _vpc, subnets = _network(ec2)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    assert ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip)["NatGateway"]["State"] == "available"
    arn = elbv2.create_load_balancer(Name="off", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    assert elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"] == "active"
    dist = cloudfront.create_distribution(DistributionConfig=_distribution_config("off"))["Distribution"]
    assert cloudfront.get_distribution(Id=dist["Id"])["Distribution"]["Status"] == "Deployed"
    rds.create_db_cluster(
        DBClusterIdentifier="off", Engine="aurora-postgresql", MasterUsername="admin", MasterUserPassword="password123"
    )
    rds.describe_db_clusters(DBClusterIdentifier="off")  # moto's own single 'creating' read
    assert rds.describe_db_clusters(DBClusterIdentifier="off")["DBClusters"][0]["Status"] == "available"
    service = ecs_world["create"]("web", ecs_world["task_definition"]("example/app:1"), 1)
    assert _steady(service) and ecs_world["stable"]("web")

    acm = aws("acm", region=REGION)
    arn = acm.request_certificate(DomainName="off." + ZONE, ValidationMethod="DNS")["CertificateArn"]
    record = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"][0]
    _cloudflare_cname(env, record["ResourceRecord"])
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
