# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/sync_cloudflare_ranges.yml run directly (as an operator or a job template runs it) against a private
local cloud: refusals before any AWS call, ``--check --diff`` predicting the real run with no write, the ALB group's
443 rules made exactly Cloudflare's ranges (a stray rule revoked), a second run changing and writing nothing.

The group is created directly with boto3 (name and tags of the network role), no converge. One test, not several:
the unit suite's pytest-xdist workers hand out single tests, so the phases share one private local cloud only
inside one test."""

from __future__ import annotations

import os
import shutil

import yaml

from localcloud.cloudflare_api import DEFAULT_IPV4
from localcloud.cloudflare_api import DEFAULT_IPV6
from localcloud.cloudflare_api import etag_of
from localcloud.testing import ansible_playbook
from localcloud.testing import parse_recap
from localcloud.testing import running

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir))
NEW_IPV4 = ["192.0.2.0/24", "198.51.100.0/24"]
NEW_IPV6 = ["2001:db8::/32"]
STRAY = "203.0.113.0/24"


def inventory_copy(tmp_path, name, edge):
    """inventories/local with platform_edge set to ``edge`` (None: as it is, the cloudfront topology)."""
    inventory = tmp_path / name
    shutil.copytree(os.path.join(REPO, "inventories", "local"), inventory, ignore=shutil.ignore_patterns(".platform"))
    if edge:
        (inventory / "group_vars" / "all" / "zz_edge.yml").write_text(yaml.safe_dump({"platform_edge": edge}))
    return str(inventory)


def sync(env, inventory, *args):
    """Run the playbook; return (rc, changed, output)."""
    args = ("-e", "cloudflare_api_base_url=" + env["LOCALCLOUD_CLOUDFLARE_URL"], *args)
    rc, output = ansible_playbook("playbooks/sync_cloudflare_ranges.yml", *args, env=env, inventory=inventory)
    recap = parse_recap(output)
    assert recap, output[-4000:]  # a run without a recap is never read as a success
    assert "[WARNING]" not in output, output[-4000:]
    return rc, recap["localhost"]["changed"], output


def test_refusals_check_run_and_no_op(tmp_path, alb_group):
    cloudfront = inventory_copy(tmp_path, "cloudfront", None)
    cloudflare = inventory_copy(tmp_path, "cloudflare", "cloudflare")
    with running(str(tmp_path / "localcloud")) as (client, env):
        # The cloudfront topology is refused before any AWS call.
        client.clear_requests()
        rc, _changed, output = sync(env, cloudfront)
        assert rc == 2 and "Refusing to sync Cloudflare's ranges into local: nothing was changed" in output, output
        assert "platform_edge=cloudfront" in output, output
        assert client.requests() == []

        # No ALB group yet: refused after reading, nothing written.
        rc, _changed, output = sync(env, cloudflare)
        assert rc == 2 and "Found 0 security groups named rocketclub-local-alb" in output, output
        assert "Converge the environment first" in output, output
        assert client.write_requests() == []

        ec2, group = alb_group.create(env)
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": STRAY}]}],
        )

        # --check --diff predicts the sync and writes nothing.
        client.clear_requests()
        rc, changed, output = sync(env, cloudflare, "--check", "--diff")
        assert (rc, changed) == (0, 1), output
        assert client.write_requests() == []
        assert alb_group.ingress_443(ec2, group) == {"ipv4": [STRAY], "ipv6": []}
        diff = output.split("--- before", 1)[1].split("changed: [localhost]", 1)[0]
        assert f"-    - {STRAY}" in diff, diff  # the stray rule goes
        assert all(f"+    - {cidr}" in diff for cidr in DEFAULT_IPV4 + DEFAULT_IPV6), diff  # every range comes

        # The real run: exactly Cloudflare's ranges, the stray rule revoked; only security group rule writes.
        client.clear_requests()
        rc, changed, output = sync(env, cloudflare)
        assert (rc, changed) == (0, 1), output
        assert alb_group.ingress_443(ec2, group) == {"ipv4": sorted(DEFAULT_IPV4), "ipv6": sorted(DEFAULT_IPV6)}
        writes = {request["operation"] for request in client.write_requests()}
        assert writes == {"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"}, writes
        assert f"etag: {etag_of(DEFAULT_IPV4, DEFAULT_IPV6)}" in output, output

        # A second run changes and writes nothing; --check agrees.
        for args in ((), ("--check", "--diff")):
            client.clear_requests()
            rc, changed, output = sync(env, cloudflare, *args)
            assert (rc, changed) == (0, 0), output
            assert client.write_requests() == []

        # Cloudflare publishes new ranges: the next run replaces the old ones.
        client.cloudflare_set_ips(NEW_IPV4, NEW_IPV6)
        rc, changed, output = sync(env, cloudflare)
        assert (rc, changed) == (0, 1), output
        assert alb_group.ingress_443(ec2, group) == {"ipv4": NEW_IPV4, "ipv6": NEW_IPV6}
