# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`--check` tells the truth on an empty, a partly built and a converged environment.

Sequence (module-scoped fixtures, each run once, in this order):
  empty account: --check --diff, then the real run; the two report the same changed tasks, the check no write
  -> plus a third availability zone: --check, the real run, --check again
  -> plus a third application: --check, the real run, --check again.
A partly built environment is the everyday case: a converged platform and an inventory that grew. Each --check
must predict exactly the tasks the real run that follows then changes, write nothing (AWS or Cloudflare), and
the --check after that real run must change nothing.
"""

from __future__ import annotations

import os

import pytest

SCENARIOS = os.path.join(os.path.dirname(__file__), "scenarios")
THIRD_AZ = "@" + os.path.join(SCENARIOS, "third_az.yml")
THIRD_APP = "@" + os.path.join(SCENARIOS, "third_app.yml")
# HTTP methods that change Cloudflare state.
CLOUDFLARE_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def cloudflare_writes(platform):
    return [call for call in platform.cloud.cloudflare_requests() if call["method"] in CLOUDFLARE_WRITES]


def run_checked(platform, *args):
    """A --check --diff run, with the Cloudflare writes it made (there must be none)."""
    platform.cloud.clear_cloudflare_requests()
    run = platform.playbook("playbooks/site.yml", "--check", "--diff", *args)
    run.cloudflare_writes = cloudflare_writes(platform)
    return run


def assert_predicted(check, real):
    """``check`` succeeded without a write and reported changed exactly the tasks ``real`` changed."""
    assert check.rc == 0 and check.failed == 0, check.tail()
    assert check.writes == [], check.writes
    assert check.cloudflare_writes == [], check.cloudflare_writes
    assert real.rc == 0 and real.failed == 0, real.tail()
    missed = [task for task in real.changed_tasks if task not in check.changed_tasks]
    invented = [task for task in check.changed_tasks if task not in real.changed_tasks]
    assert (missed, invented) == ([], []), (
        f"--check did not predict {missed}; it predicted changes the real run did not make: {invented}\n"
        f"check: {check.changed_tasks}\nreal: {real.changed_tasks}"
    )
    assert check.changed_tasks == real.changed_tasks


@pytest.fixture(scope="module")
def empty_check(platform):
    platform.fresh_account()
    return run_checked(platform)


@pytest.fixture(scope="module")
def empty_real(platform, empty_check):
    return platform.playbook("playbooks/site.yml", "--diff")


@pytest.fixture(scope="module")
def third_az(platform, empty_real):
    assert empty_real.rc == 0, empty_real.tail()
    check = run_checked(platform, "-e", THIRD_AZ)
    real = platform.playbook("playbooks/site.yml", "-e", THIRD_AZ)
    after = run_checked(platform, "-e", THIRD_AZ)
    return check, real, after


@pytest.fixture(scope="module")
def third_app(platform, third_az):
    check = run_checked(platform, "-e", THIRD_AZ, "-e", THIRD_APP)
    real = platform.playbook("playbooks/site.yml", "-e", THIRD_AZ, "-e", THIRD_APP)
    after = run_checked(platform, "-e", THIRD_AZ, "-e", THIRD_APP)
    return check, real, after


def test_check_on_an_empty_account_predicts_the_real_run(empty_check, empty_real):
    assert_predicted(empty_check, empty_real)
    # Not a near-empty prediction: the whole platform is created.
    assert len(empty_real.changed_tasks) >= 25, empty_real.changed_tasks
    # Every role that creates something says so; nothing is "reported" instead of predicted.
    roles = {task.split(" : ")[0].rsplit(".", 1)[-1] for task in empty_check.changed_tasks}
    assert {"secrets", "network", "s3_data", "iam", "aurora", "alb", "ecs_service", "cloudfront", "dns"} <= roles
    assert "does not exist yet" not in empty_check.output


def test_check_on_a_third_availability_zone_predicts_the_real_run(platform, third_az):
    check, real, after = third_az
    assert_predicted(check, real)
    assert "rocketclub.platform.network : Ensure the subnets" in real.changed_tasks
    subnets = platform.client("ec2").describe_subnets(
        Filters=[
            {"Name": "tag:platform:env", "Values": ["local"]},
            {"Name": "availability-zone", "Values": ["eu-west-2c"]},
        ]
    )["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.60.12.0/24", "10.60.2.0/24", "10.60.22.0/24"]
    after.assert_noop()
    assert after.cloudflare_writes == []


def test_check_on_a_third_application_predicts_the_real_run(platform, third_app):
    check, real, after = third_app
    assert_predicted(check, real)
    services = platform.client("ecs").list_services(cluster="rocketclub-local")["serviceArns"]
    assert any(arn.endswith("/docs") or "docs" in arn.rsplit("/", 1)[-1] for arn in services), services
    after.assert_noop()
    assert after.cloudflare_writes == []
