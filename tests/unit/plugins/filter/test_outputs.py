# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outputs of site.yml (plugins/filter/outputs.py): computed from the final role facts, short on screen."""

from __future__ import annotations

import copy
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rocketclub.platform.plugins.filter import outputs as outputs_filter

URL_SECRETS = ["local/backstage/database-url", "local/prefect/database-url"]
URLS = {"backstage": "https://portal.rocketclub.local", "prefect": "https://pipelines.rocketclub.local"}


def distribution(app, host, dist_id):
    return {"aliases": [host], "id": dist_id, "domain_name": f"{app}.cloudfront.net", "status": "Deployed"}


def service(name, desired=1, running=1):
    return {
        "desired_count": desired,
        "running_count": running,
        "autoscaling": {"min_capacity": 1, "max_capacity": 3},
        "task_definition_arn": f"arn:aws:ecs:eu-west-2:123456789012:task-definition/rc-local-{name}:4",
    }


# The platform_<role> facts of a fresh converge, as the roles publish them (trimmed to what the filter reads,
# plus one key it only passes on).
FACTS = {
    "environment": "local",
    "region": "eu-west-2",
    "parked": False,
    "check_mode": False,
    "secrets": {
        "kms_alias": "alias/rc-local-platform",
        "park_mode": "unparked",
        # Published before the aurora role wrote the database URLs.
        "secrets_without_value": URL_SECRETS + ["local/github/pat/blog_data_ci"],
        "secret_arns": {"local/db/admin": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:local/db/admin-AbCdEf"},
    },
    "network": {
        "vpc_id": "vpc-0123",
        "vpc_cidr": "10.60.0.0/16",
        "availability_zones": ["eu-west-2a", "eu-west-2b"],
        "nat_gateway_ids": ["nat-0123"],
        "nat_public_ips": ["203.0.113.7"],
    },
    "s3_data": {"buckets": {"raw": "rc-local-blog-data-raw", "clean": "rc-local-blog-data-clean"}},
    "iam": {"account_id": "123456789012"},
    "aurora": {
        "cluster_identifier": "rc-local",
        "status": "available",
        "endpoint": "rc-local.cluster-abc.eu-west-2.rds.amazonaws.com",
        "reader_endpoint": "rc-local.cluster-ro-abc.eu-west-2.rds.amazonaws.com",
        "port": 5432,
        "database_url_secrets": URL_SECRETS,
    },
    "alb": {"dns_name": "rc-local-1.eu-west-2.elb.amazonaws.com"},
    "ecs": {"cluster_name": "rc-local", "services": {"backstage": service("backstage"), "prefect": service("prefect")}},
    "cloudfront": {
        "distributions": {
            "backstage": distribution("backstage", "portal.rocketclub.local", "E1"),
            "prefect": distribution("prefect", "pipelines.rocketclub.local", "E2"),
        }
    },
    "dns": {"zone": "rocketclub.local", "ssl_mode": "strict"},
}


def facts(**changes):
    result = copy.deepcopy(FACTS)
    for key, value in changes.items():
        result[key] = value
    return result


def test_the_database_urls_the_aurora_role_wrote_are_not_empty_any_more():
    # platform_secrets still lists them (it was published first); by the end of the run they hold a value.
    outputs = outputs_filter.platform_outputs(facts())
    assert outputs["secrets_without_value"] == ["local/github/pat/blog_data_ci"]
    assert outputs["needs_a_person"] == [
        "put a value into the Secrets Manager secret local/github/pat/blog_data_ci (operator-owned, empty)"
    ]


def test_the_aurora_roles_own_account_of_the_urls_it_holds_wins():
    aurora = dict(FACTS["aurora"], database_url_secrets_with_value=URL_SECRETS[:1])
    outputs = outputs_filter.platform_outputs(facts(aurora=aurora))
    assert outputs["secrets_without_value"] == [URL_SECRETS[1], "local/github/pat/blog_data_ci"]
    assert any(URL_SECRETS[1] in item for item in outputs["needs_a_person"])


def test_parked_without_a_cluster_the_urls_wait_for_unpark_not_for_a_person():
    aurora = dict(FACTS["aurora"], status=None, endpoint=None, reader_endpoint=None)
    outputs = outputs_filter.platform_outputs(facts(aurora=aurora, parked=True))
    assert outputs["secrets_without_value"] == URL_SECRETS + ["local/github/pat/blog_data_ci"]
    assert [item for item in outputs["needs_a_person"] if "database-url" in item] == []
    assert outputs["park"] == {
        "parked": True,
        "park_mode": "unparked",
        "nat_gateways": 1,
        "aurora_status": None,
        "ecs_services": {"backstage": {"desired": 1, "running": 1}, "prefect": {"desired": 1, "running": 1}},
    }
    text = outputs_filter.platform_outputs_text(outputs, "/inv/.platform/local.json")
    assert "park_state             = parked: NAT gateways 1, Aurora no cluster (final snapshot)" in text
    assert "aurora_endpoint        = none" in text


@pytest.mark.parametrize("status, named", [("available", True), ("starting", True), ("stopped", False)])
def test_a_parked_cluster_that_aws_started_again_needs_a_person(status, named):
    aurora = dict(FACTS["aurora"], status=status)
    outputs = outputs_filter.platform_outputs(facts(aurora=aurora, parked=True))
    found = [item for item in outputs["needs_a_person"] if "although the environment is parked" in item]
    assert found == (
        [
            f"Aurora cluster {FACTS['aurora']['cluster_identifier']} is {status} although the environment is parked "
            "(AWS starts a stopped cluster again after seven days): run park.yml to stop it again"
        ]
        if named
        else []
    )
    unparked = outputs_filter.platform_outputs(facts(aurora=aurora))["needs_a_person"]
    assert [item for item in unparked if "although the environment is parked" in item] == []


def test_urls_ids_and_every_role_fact_are_in_the_document():
    outputs = outputs_filter.platform_outputs(facts())
    assert outputs["urls"] == URLS
    assert outputs["kinde_callback_urls"] == [
        "https://portal.rocketclub.local/oauth2/idpresponse",
        "https://pipelines.rocketclub.local/oauth2/idpresponse",
    ]
    assert outputs["account_id"] == "123456789012"
    assert outputs["platform"]["secrets"]["secret_arns"] == FACTS["secrets"]["secret_arns"]
    json.dumps(outputs)  # the JSON file's content


def test_the_text_reads_like_terraform_outputs():
    text = outputs_filter.platform_outputs_text(outputs_filter.platform_outputs(facts()), "/inv/.platform/local.json")
    lines = text.splitlines()
    assert lines[0] == "environment            = local (eu-west-2, account 123456789012)"
    assert lines[1] == (
        "park_state             = running: NAT gateways 1, Aurora available, "
        "ECS running/desired backstage 1/1, prefect 1/1"
    )
    assert lines[2:6] == ["urls = {", f"  backstage = {URLS['backstage']}", f"  prefect   = {URLS['prefect']}", "}"]
    assert "aurora_endpoint        = rc-local.cluster-abc.eu-west-2.rds.amazonaws.com:5432" in lines
    assert "  backstage = 1/1 running (autoscaling 1-3), rc-local-backstage:4" in lines
    assert lines[-1] == "detail_file = /inv/.platform/local.json (every id and ARN)"
    assert len(lines) <= outputs_filter.MAX_LINES


def test_check_mode_says_it_predicts_and_writes_no_file():
    text = outputs_filter.platform_outputs_text(outputs_filter.platform_outputs(facts(check_mode=True)), None)
    assert text.splitlines()[0].endswith(", check mode: predicted")
    assert text.splitlines()[-1] == "detail_file = not written in check mode"


def test_many_apps_and_empty_secrets_still_fit_the_screen():
    apps = {f"app{i:02d}": distribution(f"app{i:02d}", f"app{i:02d}.rocketclub.local", f"E{i}") for i in range(20)}
    secrets = dict(FACTS["secrets"], secrets_without_value=[f"local/operator/secret-{i}" for i in range(15)])
    many = facts(
        cloudfront={"distributions": apps},
        ecs={"cluster_name": "rc-local", "services": {name: service(name) for name in apps}},
        secrets=secrets,
    )
    outputs = outputs_filter.platform_outputs(many)
    lines = outputs_filter.platform_outputs_text(outputs, "/inv/.platform/local.json").splitlines()
    assert len(lines) <= outputs_filter.MAX_LINES, "\n".join(lines)
    # The largest blocks fold first; what needs a person is never folded, only cut with a count.
    assert "cloudfront = { 20 entries: detail file }" in lines
    assert "  ... and 7 more (detail file)" in lines
    assert len(outputs["urls"]) == 20 and len(outputs["needs_a_person"]) == 15  # the file keeps everything


def test_a_missing_role_fact_is_named():
    broken = facts()
    del broken["aurora"]
    with pytest.raises(AnsibleFilterError, match="no platform_<role> fact for aurora"):
        outputs_filter.platform_outputs(broken)
    without_iam = facts()
    del without_iam["iam"]
    assert outputs_filter.platform_outputs(without_iam)["account_id"] is None


def test_a_restored_cluster_says_from_which_snapshot():
    aurora = dict(FACTS["aurora"], status="available", restored_from="rc-local-final-20991231235959")
    text = outputs_filter.platform_outputs_text(outputs_filter.platform_outputs(facts(aurora=aurora)), None)
    identifier = FACTS["aurora"]["cluster_identifier"]
    assert f"aurora_cluster         = {identifier} (available, restored from rc-local-final-20991231235959)" in text
    plain = outputs_filter.platform_outputs_text(outputs_filter.platform_outputs(facts()), None)
    assert f"aurora_cluster         = {identifier} ({FACTS['aurora']['status']})" in plain


def test_what_the_final_wait_found_ready_replaces_the_states_the_roles_published_before_it():
    cloudfront = {"distributions": {"backstage": {"id": "E1", "status": "InProgress"}, "prefect": {"id": "E2"}}}
    cloudfront["distributions"]["prefect"]["status"] = "InProgress"
    ecs = dict(FACTS["ecs"], services={"backstage": {"desired_count": 2, "running_count": 0}})
    ready = [
        {"kind": "cloudfront_distribution", "id": "E1", "status": "Deployed", "state": "ready"},
        {"kind": "cloudfront_distribution", "id": "E2", "status": "InProgress", "state": "waiting"},
        {"kind": "ecs_service", "id": "backstage", "status": "2 of 2 tasks running", "state": "ready"},
    ]
    before = outputs_filter.platform_outputs(facts(cloudfront=cloudfront, ecs=ecs))
    after = outputs_filter.platform_outputs(facts(cloudfront=cloudfront, ecs=ecs), ready)
    assert before["park"]["ecs_services"] == {"backstage": {"desired": 2, "running": 0}}
    assert after["park"]["ecs_services"] == {"backstage": {"desired": 2, "running": 2}}
    distributions = after["platform"]["cloudfront"]["distributions"]
    assert (distributions["backstage"]["status"], distributions["prefect"]["status"]) == ("Deployed", "InProgress")
    text = outputs_filter.platform_outputs_text(after, None)
    assert "E1" in text and "(Deployed)" in text and "2/2 running" in text
    # The published facts themselves are left as they are.
    assert cloudfront["distributions"]["backstage"]["status"] == "InProgress"
