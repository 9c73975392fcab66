# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml against a local cloud that answers the way real AWS does where moto is lenient.

One sequence (module-scoped fixtures, each run once), so the suite pays for one fresh converge:

1. fresh converge with the eventual-consistency switch on (CreateService, RegisterScalableTarget,
   PutScalingPolicy and CreateListener each answer AWS's "not there yet" error once per new resource),
   20 % of AWS calls throttled (seeded), ACM certificates pending until their validation records exist
   in the Cloudflare emulator, and validation records assigned late: it converges in one run;
2. the next converge (switches off) is a no-op and requests no certificate (ACM answers the key
   algorithm hyphenated, as AWS does); nothing exists twice;
3. an AWS maintenance window raises Aurora's minor version and an operator puts a new value into a
   secret Backstage reads at task start: the next converge sends no downgrade and redeploys Backstage,
   and nothing else;
4. the converge after that is a no-op (test_site.py checks --check on a converged platform);
5. a throttled operation that outlasts the retry budget fails the run naming it.
"""

from __future__ import annotations

import collections

import pytest

BACKSTAGE_SECRET = "local/circleci/pat/backstage"
CLUSTER = "rocketclub-local"
SERVICES = {"backstage": "backstage", "prefect": "prefect"}
EVENTUAL_CONSISTENCY_OPERATIONS = {"CreateService", "RegisterScalableTarget", "PutScalingPolicy", "CreateListener"}


def _deployments(platform):
    """Deployment ids per service, newest first."""
    ecs = platform.client("ecs")
    found = ecs.describe_services(cluster=CLUSTER, services=list(SERVICES.values()))["services"]
    return {service["serviceName"]: [d["id"] for d in service["deployments"]] for service in found}


def _aurora(platform):
    clusters = platform.client("rds").describe_db_clusters()["DBClusters"]
    assert len(clusters) == 1, [c["DBClusterIdentifier"] for c in clusters]
    return clusters[0]


@pytest.fixture(scope="module")
def fresh_run(platform):
    platform.fresh_account()
    platform.cloud.configure(eventual_consistency=True, throttle_fraction=0.2, throttle_seed=20261205)
    try:
        run = platform.playbook("playbooks/site.yml")
    finally:
        platform.cloud.configure(eventual_consistency=False, throttle_fraction=0.0, throttle_seed=None)
    return run


@pytest.fixture(scope="module")
def noop_run(platform, fresh_run):
    assert fresh_run.rc == 0, fresh_run.output[-4000:]
    return platform.playbook("playbooks/site.yml")


@pytest.fixture(scope="module")
def maintenance_run(platform, noop_run):
    """An AWS maintenance window and an operator's new secret value, then a converge."""
    noop_run.assert_noop()
    before = _aurora(platform)["EngineVersion"]
    platform.cloud.rds_maintenance(_aurora(platform)["DBClusterIdentifier"])
    raised = _aurora(platform)["EngineVersion"]
    assert raised != before, (before, raised)
    platform.client("secretsmanager").put_secret_value(
        SecretId=BACKSTAGE_SECRET, SecretString="circleci-token-set-by-an-operator-0123456789"
    )
    deployments = _deployments(platform)
    run = platform.playbook("playbooks/site.yml", "--diff")
    return {"run": run, "engine_before": before, "engine_raised": raised, "deployments": deployments}


@pytest.fixture(scope="module")
def settled_runs(platform, maintenance_run):
    assert maintenance_run["run"].rc == 0, maintenance_run["run"].output[-4000:]
    return platform.playbook("playbooks/site.yml")


def test_fresh_converge_rides_out_eventual_consistency_and_throttling(fresh_run):
    assert fresh_run.rc == 0, fresh_run.output[-4000:]
    assert fresh_run.failed == 0
    injected = collections.Counter(call["operation"] for call in fresh_run.calls if call.get("injected"))
    # Every kind of "not there yet" answer happened, and each was retried to success.
    assert set(injected) == EVENTUAL_CONSISTENCY_OPERATIONS, injected
    succeeded = {call["operation"] for call in fresh_run.calls if not call.get("injected") and call["status"] < 300}
    assert EVENTUAL_CONSISTENCY_OPERATIONS <= succeeded
    throttled = [call for call in fresh_run.calls if call["throttled"]]
    assert len(throttled) > 50, len(throttled)  # about a fifth of several hundred calls


def test_certificates_were_issued_through_their_dns_validation(platform, fresh_run):
    assert fresh_run.rc == 0, fresh_run.output[-4000:]
    for region in ("eu-west-2", "us-east-1"):
        acm = platform.client("acm", region=region)
        summaries = acm.list_certificates()["CertificateSummaryList"]
        assert summaries, region
        for summary in summaries:
            certificate = acm.describe_certificate(CertificateArn=summary["CertificateArn"])["Certificate"]
            assert certificate["Status"] == "ISSUED", certificate["DomainName"]
            # As AWS answers it, not as the botocore enum spells it.
            assert certificate["KeyAlgorithm"] == "RSA-2048"


def test_next_converge_is_a_noop_and_requests_no_certificate(platform, noop_run):
    noop_run.assert_noop()
    assert not [call for call in noop_run.calls if call["operation"] == "RequestCertificate"]


def test_nothing_exists_twice(platform, noop_run):
    ec2 = platform.client("ec2")
    assert len(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["rocketclub-local"]}])["Vpcs"]) == 1
    nat = ec2.describe_nat_gateways(Filter=[{"Name": "state", "Values": ["available", "pending"]}])["NatGateways"]
    assert len(nat) == 1
    for region in ("eu-west-2", "us-east-1"):
        domains = [
            c["DomainName"] for c in platform.client("acm", region=region).list_certificates()["CertificateSummaryList"]
        ]
        assert len(domains) == len(set(domains)) == 1, (region, domains)
    assert len(platform.client("elbv2").describe_load_balancers()["LoadBalancers"]) == 1
    services = platform.client("ecs").list_services(cluster=CLUSTER)["serviceArns"]
    assert len(services) == len(SERVICES)
    assert len(platform.client("cloudfront").list_distributions()["DistributionList"]["Items"]) == 2
    buckets = [b["Name"] for b in platform.client("s3").list_buckets()["Buckets"]]
    assert len(buckets) == 4, buckets
    _aurora(platform)


def test_cloudflare_zone_is_full_strict(platform, noop_run):
    # The emulator starts a zone at Flexible; the dns role sets Full (strict) before any proxied record.
    assert platform.cloud.cloudflare_state()["settings"]["rocketclub.local"]["ssl"] == "strict"


def test_raised_minor_version_is_kept_and_the_new_secret_redeploys_backstage_only(platform, maintenance_run):
    run = maintenance_run["run"]
    assert run.rc == 0, run.output[-4000:]
    operations = [call["operation"] for call in run.calls]
    assert "ModifyDBCluster" not in operations
    assert _aurora(platform)["EngineVersion"] == maintenance_run["engine_raised"]
    # The one change: Backstage's new deployment (and the record of the secret versions it read); the
    # aurora task saw the raised version as a match.
    assert len(run.changed_tasks) == 1 and "ecs_service" in run.changed_tasks[0], run.changed_tasks
    assert {call["operation"] for call in run.writes} <= {"UpdateService", "TagResource", "UntagResource"}
    assert operations.count("UpdateService") == 1
    before, after = maintenance_run["deployments"], _deployments(platform)
    assert after[SERVICES["backstage"]][0] not in before[SERVICES["backstage"]]
    assert after[SERVICES["prefect"]] == before[SERVICES["prefect"]]


def test_converge_after_that_is_a_noop(settled_runs):
    settled_runs.assert_noop()


def test_a_throttled_operation_past_the_retry_budget_is_named(platform, settled_runs):
    # Last in this module: KMS answers nothing but throttling, with a budget of 2 attempts per call.
    platform.cloud.configure(throttle_fraction=1.0, throttle_services=["kms"], throttle_seed=1)
    try:
        run = platform.playbook("playbooks/site.yml", "-e", "platform_aws_max_attempts=2")
    finally:
        platform.cloud.configure(throttle_fraction=0.0, throttle_services=[], throttle_seed=None)
    assert run.rc != 0
    assert run.writes == []
    throttled = {call["operation"] for call in run.calls if call["throttled"]}
    assert throttled == {"ListAliases"}, throttled  # the first KMS call of rocketclub.platform.kms_keys
    assert "when calling the ListAliases operation (reached max retries: 1)" in run.output, run.tail()
