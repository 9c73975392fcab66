# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Eventual consistency switch: AWS's not-found answers right after a create, once per new resource."""

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from localcloud.client import LocalCloudError
from localcloud.testing import cli

INJECTED = "eventual_consistency"
TARGET = {"ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount"}
POLICY = {
    "PolicyName": "cpu",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
    },
}


def _subnets(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.%d.0/24" % i, AvailabilityZone="us-east-1" + az)["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]


def _error(call, *args, **kwargs):
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    return raised.value


def _task_definition(ecs):
    return ecs.register_task_definition(
        family="web",
        containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]


def _injected(lc):
    return [(e["operation"], e["status"]) for e in lc.requests() if e["injected"] == INJECTED]


def test_off_by_default(lc, aws):
    assert lc.config()["eventual_consistency"] is False
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="c1")
    ecs.create_service(cluster="c1", serviceName="web", taskDefinition=_task_definition(ecs), desiredCount=1)
    assert _injected(lc) == []
    assert all(e["injected"] is None for e in lc.requests())


def test_create_service_right_after_create_cluster(lc, aws):
    assert lc.configure(eventual_consistency=True)["eventual_consistency"] is True
    ecs = aws("ecs")
    arn = ecs.create_cluster(clusterName="c1")["cluster"]["clusterArn"]
    ecs.create_cluster(clusterName="c2")
    td = _task_definition(ecs)

    error = _error(ecs.create_service, cluster="c1", serviceName="web", taskDefinition=td, desiredCount=1)
    assert isinstance(error, ecs.exceptions.ClusterNotFoundException)
    assert error.response["Error"] == {"Code": "ClusterNotFoundException", "Message": "Cluster not found."}
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # the retry, and every later call for that cluster (by name or ARN), goes through
    ecs.create_service(cluster="c1", serviceName="web", taskDefinition=td, desiredCount=1)
    ecs.create_service(cluster=arn, serviceName="api", taskDefinition=td, desiredCount=1)
    # once per cluster: the second new cluster answers it once too
    error = _error(ecs.create_service, cluster="c2", serviceName="web", taskDefinition=td, desiredCount=1)
    assert error.response["Error"]["Code"] == "ClusterNotFoundException"
    ecs.create_service(cluster="c2", serviceName="web", taskDefinition=td, desiredCount=1)

    assert len(ecs.list_services(cluster="c1")["serviceArns"]) == 2
    assert _injected(lc) == [("CreateService", 400), ("CreateService", 400)]
    entry = [e for e in lc.requests() if e["injected"]][0]
    assert entry["service"] == "ecs" and entry["write"] is True and entry["throttled"] is False


def test_scalable_target_right_after_create_service_and_policy_right_after_target(lc, aws):
    lc.configure(eventual_consistency=True)
    ecs, aas = aws("ecs"), aws("application-autoscaling")
    ecs.create_cluster(clusterName="c1")
    td = _task_definition(ecs)
    _error(ecs.create_service, cluster="c1", serviceName="web", taskDefinition=td, desiredCount=1)
    ecs.create_service(cluster="c1", serviceName="web", taskDefinition=td, desiredCount=1)
    ecs.create_service(cluster="c1", serviceName="api", taskDefinition=td, desiredCount=1)

    for name in ("web", "api"):
        resource = "service/c1/" + name
        error = _error(aas.register_scalable_target, ResourceId=resource, MinCapacity=1, MaxCapacity=3, **TARGET)
        assert isinstance(error, aas.exceptions.ValidationException)
        assert error.response["Error"] == {
            "Code": "ValidationException",
            "Message": "ECS service doesn't exist: " + resource,
        }
        aas.register_scalable_target(ResourceId=resource, MinCapacity=1, MaxCapacity=3, **TARGET)
        aas.register_scalable_target(ResourceId=resource, MinCapacity=1, MaxCapacity=4, **TARGET)  # an update

        error = _error(aas.put_scaling_policy, ResourceId=resource, **TARGET, **POLICY)
        assert isinstance(error, aas.exceptions.ObjectNotFoundException)
        assert error.response["Error"] == {
            "Code": "ObjectNotFoundException",
            "Message": "No scalable target registered for service namespace: ecs, resource ID: %s, "
            "scalable dimension: ecs:service:DesiredCount" % resource,
        }
        aas.put_scaling_policy(ResourceId=resource, **TARGET, **POLICY)
        aas.put_scaling_policy(ResourceId=resource, **TARGET, **POLICY)

    assert len(aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]) == 2
    assert _injected(lc) == [("CreateService", 400)] + [("RegisterScalableTarget", 400), ("PutScalingPolicy", 400)] * 2


def test_listener_right_after_the_certificate(lc, aws, self_signed_certificate):
    lc.configure(eventual_consistency=True)
    ec2, elbv2, acm = aws("ec2"), aws("elbv2"), aws("acm")
    subnets = _subnets(ec2)
    cert, key = self_signed_certificate
    cert_arn = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    lb = elbv2.create_load_balancer(Name="lb1", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    listener = {
        "LoadBalancerArn": lb,
        "Protocol": "HTTPS",
        "Port": 443,
        "Certificates": [{"CertificateArn": cert_arn}],
        "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}],
    }

    error = _error(elbv2.create_listener, **listener)
    assert isinstance(error, elbv2.exceptions.CertificateNotFoundException)
    assert error.response["Error"] == {
        "Type": "Sender",
        "Code": "CertificateNotFound",
        "Message": "Certificate '%s' not found" % cert_arn,
    }
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    elbv2.create_listener(**listener)
    elbv2.create_listener(**dict(listener, Port=8443))  # once per certificate
    # an HTTP listener names no certificate
    elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=listener["DefaultActions"])
    assert len(elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"]) == 3
    assert _injected(lc) == [("CreateListener", 400)]


def test_only_resources_created_while_on_are_new(lc, aws):
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="old")
    lc.configure(eventual_consistency=True)
    ecs.create_service(cluster="old", serviceName="web", taskDefinition=_task_definition(ecs), desiredCount=1)
    lc.configure(eventual_consistency=False)
    ecs.create_cluster(clusterName="new-while-off")
    ecs.create_service(cluster="new-while-off", serviceName="web", taskDefinition=_task_definition(ecs), desiredCount=1)
    # the service created while on (in an old cluster) is new to Application Auto Scaling
    lc.configure(eventual_consistency="on")
    error = _error(
        aws("application-autoscaling").register_scalable_target,
        ResourceId="service/old/web",
        MinCapacity=1,
        MaxCapacity=2,
        **TARGET,
    )
    assert error.response["Error"]["Code"] == "ValidationException"
    assert _injected(lc) == [("RegisterScalableTarget", 400)]


def _raw(env, target, service, payload, content_type="application/x-amz-json-1.1"):
    request = urllib.request.Request(
        env["LOCALCLOUD_AWS_URL"] + "/",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": content_type,
            "X-Amz-Target": target,
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/%s/aws4_request, "
            "SignedHeaders=host, Signature=0" % service,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_json_wire_shape(lc, env):
    lc.configure(eventual_consistency=True)
    status, _headers, _body = _raw(
        env, "AmazonEC2ContainerServiceV20141113.CreateCluster", "ecs", {"clusterName": "raw"}
    )
    assert status == 200
    status, headers, body = _raw(
        env,
        "AmazonEC2ContainerServiceV20141113.CreateService",
        "ecs",
        {"cluster": "raw", "serviceName": "web"},
        "application/x-amz-json-1.0",
    )
    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.0"  # the request's JSON version
    assert headers["x-amzn-RequestId"]
    assert json.loads(body) == {"__type": "ClusterNotFoundException", "message": "Cluster not found."}


def test_config_validation_reset_and_cli(lc, aws, env):
    with pytest.raises(LocalCloudError, match="eventual_consistency must be true or false"):
        lc.configure(eventual_consistency="maybe")
    assert lc.configure(eventual_consistency="off")["eventual_consistency"] is False
    assert json.loads(cli(["config", "--eventual-consistency", "on"], env).stdout)["eventual_consistency"] is True
    assert lc.config()["eventual_consistency"] is True
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="c1")
    lc.reset()  # turns the switch off and forgets the new cluster
    assert lc.config()["eventual_consistency"] is False
    ecs.create_cluster(clusterName="c1")
    lc.configure(eventual_consistency=True)
    ecs.create_service(cluster="c1", serviceName="web", taskDefinition=_task_definition(ecs), desiredCount=1)
    assert json.loads(cli(["config", "--eventual-consistency", "off"], env).stdout)["eventual_consistency"] is False
    assert _injected(lc) == []
