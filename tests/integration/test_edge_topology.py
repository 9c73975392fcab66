# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two edge topologies (docs/edge.md) and the switch between them, on one fresh local cloud.

Sequence: converge with platform_edge=cloudflare on an empty account -> again (changed=0) -> switch to cloudfront
(the inventory's default) -> Cloudflare publishes new ranges, switch back to cloudflare.

In both topologies every listener rule that forwards requires the origin-secret header, and the edge sends it:
the request logs of the local cloud show every rule write carrying the header condition, and the order of the
writes across AWS and Cloudflare shows the edge sending the header before any record points at it, and the old
edge removed only after the records moved away. Secret values are compared by digest, so that a failing
assertion never prints one.
"""

from __future__ import annotations

import hashlib
import json
import urllib.request
from datetime import datetime
from datetime import timezone

import pytest

PREFIX = "rocketclub-local"
ZONE = "rocketclub.local"
HEADER = "X-Origin-Verify"
HOSTS = ("portal.rocketclub.local", "pipelines.rocketclub.local")
CLOUDFLARE = ("-e", json.dumps({"platform_edge": "cloudflare"}))
NEW_IPV4 = ["173.245.48.0/20", "104.16.0.0/13"]
NEW_IPV6 = ["2400:cb00::/32"]
TOKEN = "localcloud-cloudflare-token"


def digest(value):
    return hashlib.sha256(str(value).encode()).hexdigest()[:12] if value is not None else None


def cloudflare_get(platform, path):
    request = urllib.request.Request(
        platform.env["LOCALCLOUD_CLOUDFLARE_URL"] + path, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)["result"]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def edge_state(platform):
    """What the local cloud holds, secrets as digests: the ALB group's ingress, the ALB rules' header values,
    the distributions and the header value they send, the proxied records, the Cloudflare header rule."""
    ec2, elbv2 = platform.client("ec2"), platform.client("elbv2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-alb"]}])[
        "SecurityGroups"
    ][0]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])[
        "SecurityGroupRules"
    ]
    ingress = {
        (r["FromPort"], r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId"))
        for r in rules
        if not r["IsEgress"]
    }
    alb = elbv2.describe_load_balancers(Names=[f"{PREFIX}"])["LoadBalancers"][0]
    listener = next(
        item
        for item in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
        if item["Port"] == 443
    )
    forwarding = {}
    for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
        if rule["IsDefault"]:
            continue
        headers = [c["HttpHeaderConfig"] for c in rule["Conditions"] if c["Field"] == "http-header"]
        hosts = [v for c in rule["Conditions"] if c["Field"] == "host-header" for v in c["HostHeaderConfig"]["Values"]]
        forwarding[hosts[0]] = {
            "actions": [a["Type"] for a in sorted(rule["Actions"], key=lambda a: a.get("Order", 0))],
            "headers": {h["HttpHeaderName"]: sorted(digest(v) for v in h["Values"]) for h in headers},
        }
    cloudfront = platform.client("cloudfront", region="us-east-1")
    distributions = {}
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items") or []:
        config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
        sent = {
            h["HeaderName"]: digest(h["HeaderValue"])
            for origin in config["Origins"]["Items"]
            for h in origin["CustomHeaders"].get("Items") or []
        }
        distributions[summary["Aliases"]["Items"][0]] = {"domain": summary["DomainName"], "sends": sent}
    records = {r["name"]: r["content"] for r in platform.cloud.cloudflare_state()["records"] if r["proxied"]}
    zone_id = cloudflare_get(platform, f"/zones?name={ZONE}")[0]["id"]
    entrypoint = cloudflare_get(platform, f"/zones/{zone_id}/rulesets/phases/http_request_late_transform/entrypoint")
    header_rules = [
        {
            "expression": rule["expression"],
            "sends": {name: digest(h.get("value")) for name, h in rule["action_parameters"]["headers"].items()},
        }
        for rule in (entrypoint or {}).get("rules") or []
        if rule.get("ref") == "rocketclub_origin_header"
    ]
    ssm = platform.client("ssm")
    secret = ssm.get_parameter(Name="/local/shared/cf_alb_secret", WithDecryption=True)["Parameter"]["Value"]
    return {
        "ingress": ingress,
        "alb_dns": alb["DNSName"].lower(),
        "certificate": listener["Certificates"][0]["CertificateArn"],
        "rules": forwarding,
        "distributions": distributions,
        "records": records,
        "header_rules": header_rules,
        "secret": digest(secret),
    }


def cloudflare_writes(platform):
    return [
        dict(entry, write=True)
        for entry in platform.cloud.cloudflare_requests()
        if entry["method"] in ("POST", "PUT", "PATCH", "DELETE")
    ]


def run(platform, *args):
    """One site.yml run, with both request logs of that run alone."""
    platform.cloud.clear_cloudflare_requests()
    result = platform.playbook("playbooks/site.yml", *args)
    assert result.rc == 0, result.tail()
    return result, cloudflare_writes(platform), edge_state(platform)


@pytest.fixture(scope="module")
def runs(platform):
    platform.fresh_account()
    with urllib.request.urlopen(platform.env["LOCALCLOUD_CLOUDFLARE_URL"] + "/ips", timeout=10) as answer:
        published = json.load(answer)["result"]
    first = run(platform, *CLOUDFLARE)
    again = run(platform, *CLOUDFLARE)
    to_cloudfront = run(platform)
    platform.cloud.cloudflare_set_ips(ipv4_cidrs=NEW_IPV4, ipv6_cidrs=NEW_IPV6)
    platform.cloud.clear_cloudflare_requests()
    back_check = platform.playbook("playbooks/site.yml", "--check", "--diff", *CLOUDFLARE)
    back_check_cloudflare = cloudflare_writes(platform)
    back = run(platform, *CLOUDFLARE)
    platform.cloud.clear_cloudflare_requests()
    rotated = platform.playbook(
        "playbooks/rotate_origin_secret.yml", *CLOUDFLARE, "-e", "rotate_origin_secret_force=true"
    )
    rotated = (rotated, cloudflare_writes(platform), edge_state(platform))
    return {
        "published": published,
        "first": first,
        "again": again,
        "to_cloudfront": to_cloudfront,
        "back_check": (back_check, back_check_cloudflare),
        "back": back,
        "rotated": rotated,
    }


def assert_rule_writes_carry_the_header(playbook_run):
    """Every CreateRule, and every ModifyRule that sends conditions, carries the origin-header condition."""
    writes = [w for w in playbook_run.writes if w["operation"] in ("CreateRule", "ModifyRule")]
    for write in writes:
        if write["operation"] == "ModifyRule" and write.get("conditions") is None:
            continue  # the rule keeps its own conditions, which the state assertions read
        assert f"http-header:{HEADER}" in write["conditions"], write
    return writes


def assert_every_rule_authenticates_and_requires_the_secret(state):
    assert set(state["rules"]) == set(HOSTS)
    for host, rule in state["rules"].items():
        assert rule["actions"] == ["authenticate-oidc", "forward"], host
        assert rule["headers"] == {HEADER: [state["secret"]]}, host


def first_time(entries, predicate):
    times = [entry["time"] for entry in entries if predicate(entry)]
    assert times, "no such request in the log"
    return min(times)


def last_time(entries, predicate):
    times = [entry["time"] for entry in entries if predicate(entry)]
    assert times, "no such request in the log"
    return max(times)


# CloudFront's REST calls are logged as "<method> <path>".
def is_distribution_create(write):
    return write["operation"] == "POST /2020-05-31/distribution"


def is_distribution_update(write):
    return write["operation"].startswith("PUT /2020-05-31/distribution/") and write["operation"].endswith("/config")


def is_distribution_delete(write):
    return write["operation"].startswith("DELETE /2020-05-31/distribution/")


def is_record_write(entry):
    return "/dns_records" in entry["path"]


def is_ruleset_write(entry):
    return "/rulesets" in entry["path"]


# --- cloudflare on an empty account ------------------------------------------------------------------------------


def test_cloudflare_topology_has_no_distribution(runs):
    assert runs["first"][2]["distributions"] == {}


def test_cloudflare_topology_admits_exactly_the_published_ranges(runs):
    ips = runs["published"]
    assert runs["first"][2]["ingress"] == {(443, cidr) for cidr in ips["ipv4_cidrs"] + ips["ipv6_cidrs"]}


def test_cloudflare_records_point_at_the_alb(runs):
    state = runs["first"][2]
    assert state["records"] == {host: state["alb_dns"] for host in HOSTS}


def test_cloudflare_sends_the_origin_secret_the_alb_rules_require(runs):
    state = runs["first"][2]
    assert len(state["header_rules"]) == 1
    rule = state["header_rules"][0]
    assert rule["sends"] == {HEADER: state["secret"]}
    assert all(f'"{host}"' in rule["expression"] for host in HOSTS)
    assert_every_rule_authenticates_and_requires_the_secret(state)
    assert len(assert_rule_writes_carry_the_header(runs["first"][0])) == len(HOSTS)


def test_the_alb_certificate_covers_the_application_hosts(platform, runs):
    names = platform.client("acm").describe_certificate(CertificateArn=runs["first"][2]["certificate"])["Certificate"][
        "SubjectAlternativeNames"
    ]
    assert set(HOSTS) <= set(names)


def test_cloudflare_header_rule_is_written_before_any_record_points_at_the_alb(platform, runs):
    cloudflare = runs["first"][1]
    header = first_time(cloudflare, is_ruleset_write)
    # The records of the application hosts were created in this run: their creation time, not the log (the
    # certificate validation records are created through the same path).
    records = [r for r in platform.cloud.cloudflare_state()["records"] if r["name"] in HOSTS]
    created = min(
        datetime.strptime(r["created_on"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
        for r in records
    )
    assert len(records) == len(HOSTS) and header < created


def test_cloudflare_topology_second_run_changes_nothing(runs):
    playbook_run, cloudflare = runs["again"][:2]
    playbook_run.assert_noop()
    assert cloudflare == []


# --- cloudflare -> cloudfront --------------------------------------------------------------------------------------


def test_switch_to_cloudfront_puts_distributions_in_front_that_send_the_secret(runs):
    state = runs["to_cloudfront"][2]
    assert set(state["distributions"]) == set(HOSTS)
    for host, distribution in state["distributions"].items():
        assert distribution["sends"] == {HEADER: state["secret"]}, host
        assert state["records"][host] == distribution["domain"]
    assert_every_rule_authenticates_and_requires_the_secret(state)
    assert_rule_writes_carry_the_header(runs["to_cloudfront"][0])


def test_switch_to_cloudfront_admits_only_the_prefix_list_and_drops_the_header_rule(platform, runs):
    prefix_list = platform.client("ec2").describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}]
    )["PrefixLists"][0]["PrefixListId"]
    state = runs["to_cloudfront"][2]
    assert state["ingress"] == {(443, prefix_list)}
    assert state["header_rules"] == []


def test_switch_to_cloudfront_removes_the_header_rule_only_after_the_records_moved(runs):
    playbook_run, cloudflare = runs["to_cloudfront"][:2]
    created = first_time(playbook_run.writes, is_distribution_create)
    moved = last_time(cloudflare, lambda e: is_record_write(e) and e["method"] in ("PATCH", "PUT"))
    removed = first_time(cloudflare, is_ruleset_write)
    assert created < moved < removed


# --- cloudfront -> cloudflare, with new ranges -------------------------------------------------------------------


def test_switch_back_to_cloudflare_removes_the_distributions_and_the_viewer_certificate(platform, runs):
    state = runs["back"][2]
    assert state["distributions"] == {}
    assert state["records"] == {host: state["alb_dns"] for host in HOSTS}
    certificates = platform.client("acm", region="us-east-1").list_certificates()["CertificateSummaryList"]
    assert certificates == []
    assert_every_rule_authenticates_and_requires_the_secret(state)
    assert [rule["sends"] for rule in state["header_rules"]] == [{HEADER: state["secret"]}]


def test_switch_back_sends_the_header_before_the_records_move_and_deletes_the_distributions_after(runs):
    playbook_run, cloudflare = runs["back"][:2]
    header = first_time(cloudflare, is_ruleset_write)
    moved = first_time(cloudflare, lambda e: is_record_write(e) and e["method"] in ("PATCH", "PUT"))
    disabled = first_time(playbook_run.writes, is_distribution_update)
    deleted = first_time(playbook_run.writes, is_distribution_delete)
    assert header < moved < disabled < deleted
    assert_rule_writes_carry_the_header(playbook_run)


def test_check_predicts_the_switch_back_exactly(runs):
    check, cloudflare = runs["back_check"]
    real = runs["back"][0]
    assert check.rc == 0 and check.writes == [] and cloudflare == [], check.tail()
    assert check.changed_tasks == real.changed_tasks, (check.changed_tasks, real.changed_tasks)
    assert "rocketclub.platform.cloudfront : Delete the distributions of the application hosts" in real.changed_tasks


def test_new_ranges_replace_the_stale_ones(runs):
    assert runs["back"][2]["ingress"] == {(443, cidr) for cidr in NEW_IPV4 + NEW_IPV6}


def test_rotation_in_the_cloudflare_topology_moves_the_header_rule_and_the_alb_rules_together(runs):
    playbook_run, cloudflare, state = runs["rotated"]
    assert playbook_run.rc == 0 and playbook_run.failed == 0, playbook_run.tail()
    assert state["secret"] != runs["back"][2]["secret"]
    assert [rule["sends"] for rule in state["header_rules"]] == [{HEADER: state["secret"]}]
    assert_every_rule_authenticates_and_requires_the_secret(state)
    # Every rule first accepts both values, then the header rule sends the new one, then the rules drop the old.
    modified = [w["time"] for w in playbook_run.writes if w["operation"] == "ModifyRule"]
    patches = [e["time"] for e in cloudflare if is_ruleset_write(e)]
    assert [e["method"] for e in cloudflare if is_ruleset_write(e)] == ["PATCH"]
    assert len(modified) == 2 * len(HOSTS)
    assert max(modified[: len(HOSTS)]) < patches[0] < min(modified[len(HOSTS) :])
