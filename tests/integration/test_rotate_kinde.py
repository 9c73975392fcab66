# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/rotate_kinde.yml against a converged local cloud.

The operator's part of the runbook, rotating the secret in the Kinde dashboard, is the emulator's
``kinde_set_client``. Tests run in file order on one converge and each starts from the state the
previous one left (read back, not assumed).
"""

from __future__ import annotations

from collections import Counter

import pytest

PLAYBOOK = "playbooks/rotate_kinde.yml"
SECRET_NAME = "local/kinde/client-secret"
CLIENT_ID = "localcloud-kinde-client"
LB_NAME = "rocketclub-local"
FINGERPRINT_TAG = "platform:oidc-secret-fingerprint"
ROTATED = ["kinde-rotated-1-Xq4Lm7Za1Pw9", "kinde-rotated-2-Vb3Kp0XsQ8wz", "kinde-rotated-3-Hc6Zp1Mn4Tt9"]
ROTATION_WRITES = Counter({"PutSecretValue": 1, "ModifyRule": 2, "AddTags": 2})


@pytest.fixture(scope="module")
def converged(platform):
    platform.converged()
    # Another file on the shared platform may have written a version already (AWSPREVIOUS).
    return {"original": stages(platform)["AWSCURRENT"], "stages": stages(platform)}


def stages(platform):
    sm = platform.client("secretsmanager")
    return {
        stage: sm.get_secret_value(SecretId=SECRET_NAME, VersionStage=stage)["SecretString"]
        for stage in ("AWSCURRENT", "AWSPREVIOUS")
        if any(stage in s for s in sm.describe_secret(SecretId=SECRET_NAME)["VersionIdsToStages"].values())
    }


def rules(platform):
    """{app name: (rule arn, secret fingerprint tag)} of the Kinde rules on the HTTPS listener."""
    elbv2 = platform.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=[LB_NAME])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = next(x for x in elbv2.describe_listeners(LoadBalancerArn=lb)["Listeners"] if x["Port"] == 443)
    arns = [
        r["RuleArn"] for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]
    ]
    found = {}
    for item in elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]:
        tags = {t["Key"]: t["Value"] for t in item["Tags"]}
        found[tags.get("platform:kinde-app")] = (item["ResourceArn"], tags.get(FINGERPRINT_TAG))
    return found, listener["ListenerArn"]


def rotate(platform, secret, *args, **kwargs):
    return platform.playbook(PLAYBOOK, "-e", f"kinde_new_client_secret={secret}", *args, **kwargs)


def operations(run):
    return Counter(call["operation"] for call in run.writes)


def assert_no_secret(run, converged):
    for value in [converged["original"]] + ROTATED:
        assert value not in run.output


def test_no_secret_given_stops_before_any_call(platform, converged):
    run = platform.playbook(PLAYBOOK, "-e", "kinde_new_client_secret=", env_overrides={"KINDE_NEW_CLIENT_SECRET": None})
    assert run.rc != 0
    assert "No new Kinde client secret was given, nothing was changed" in run.output
    assert "-e kinde_new_client_secret=<secret>" in run.output and "KINDE_NEW_CLIENT_SECRET" in run.output
    assert run.calls == []


def test_secret_unknown_to_kinde_changes_nothing(platform, converged):
    before = rules(platform)[0]
    run = rotate(platform, "not-the-secret-kinde-has")  # the operator mistyped it
    assert run.rc != 0
    assert (
        f"Kinde rejected the new client secret for client {CLIENT_ID} (invalid_client); nothing was changed"
        in run.output
    )
    assert "not-the-secret-kinde-has" not in run.output
    assert run.calls == []  # stopped at step 1: not even a read
    assert stages(platform) == converged["stages"]
    assert rules(platform)[0] == before


def test_rotation_changes_the_secret_version_and_exactly_the_two_rules(platform, converged):
    before = rules(platform)[0]
    platform.cloud.kinde_set_client(CLIENT_ID, ROTATED[0])  # the operator rotates it in Kinde

    run = rotate(platform, ROTATED[0])
    assert run.rc == 0, run.output[-4000:]
    assert stages(platform) == {"AWSCURRENT": ROTATED[0], "AWSPREVIOUS": converged["original"]}
    assert operations(run) == ROTATION_WRITES, run.writes
    after = rules(platform)[0]
    assert set(after) == {"backstage", "prefect"}
    assert all(after[app][0] == before[app][0] and after[app][1] != before[app][1] for app in after)
    assert "rules modified: backstage, prefect" in run.output
    assert "HTTP probe not run (rotate_kinde_http_probe is false" in run.output
    assert "https://portal.rocketclub.local/ -> https://127.0.0.1:" in run.output
    assert (
        f"/oauth2/auth?client_id={CLIENT_ID}&redirect_uri=https://portal.rocketclub.local/oauth2/idpresponse"
        in run.output
    )
    assert_no_secret(run, converged)

    again = rotate(platform, ROTATED[0])
    again.assert_noop()
    assert "rules modified: none" in again.output
    assert rules(platform)[0] == after
    # After the runbook (what the removed molecule scenario rotate_kinde ran as idempotence and check):
    # its --check --diff predicts nothing, and a site converge does not fight the rotated rules.
    rotate(platform, ROTATED[0], "--check", "--diff").assert_noop()
    platform.playbook("playbooks/site.yml", "--diff").assert_noop()
    assert stages(platform) == {"AWSCURRENT": ROTATED[0], "AWSPREVIOUS": converged["original"]}
    assert rules(platform)[0] == after


def test_vvv_output_never_shows_a_secret(platform, converged):
    platform.cloud.kinde_set_client(CLIENT_ID, ROTATED[1])
    # From the environment this time (the other way an operator hands the secret over).
    run = platform.playbook(PLAYBOOK, "-vvv", "--diff", env_overrides={"KINDE_NEW_CLIENT_SECRET": ROTATED[1]})
    assert run.rc == 0, run.output[-4000:]
    assert stages(platform) == {"AWSCURRENT": ROTATED[1], "AWSPREVIOUS": ROTATED[0]}
    assert operations(run) == ROTATION_WRITES
    # -vvv and --diff did print the modules' arguments and the rules' diff (with fingerprints only). The arguments
    # are printed as each result's invocation whatever the strategy (Mitogen's runs show no AnsiballZ files).
    assert "invocation:" in run.output and "module_args:" in run.output
    assert "+            client_secret_fingerprint: " in run.output
    assert_no_secret(run, converged)


def test_failure_at_step_3_makes_the_previous_secret_current_again(platform, converged):
    # Someone added a second rule for backstage by hand: the rule module refuses to guess (step 3 fails before
    # any rule write), and so does the re-apply after the rollback.
    before = rules(platform)
    tags = [
        {"Key": "platform:managed-by", "Value": "rocketclub.platform"},
        {"Key": "platform:kinde-app", "Value": "backstage"},
    ]
    elbv2 = platform.client("elbv2")
    stray = elbv2.create_rule(
        ListenerArn=before[1],
        Priority=30,
        Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["stray.rocketclub.local"]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}],
        Tags=tags,
    )["Rules"][0]["RuleArn"]
    platform.cloud.kinde_set_client(CLIENT_ID, ROTATED[2])
    try:
        run = rotate(platform, ROTATED[2], "-vvv")
    finally:
        elbv2.delete_rule(RuleArn=stray)
    assert run.rc != 0
    assert (
        'FAILED at "Ensure the Kinde OIDC listener rules: Cannot manage the rules: more than one managed rule'
        in run.output
    )
    assert "The previous client secret is current again in Secrets Manager" in run.output
    assert "Re-applying the Kinde rules with it failed too" in run.output
    assert stages(platform) == {"AWSCURRENT": ROTATED[1], "AWSPREVIOUS": ROTATED[2]}
    assert operations(run) == Counter({"PutSecretValue": 1, "UpdateSecretVersionStage": 1})
    assert rules(platform)[0] == before[0]
    assert_no_secret(run, converged)


def test_failure_at_step_4_rolls_back_and_reapplies_the_previous_secret(platform, converged):
    # Step 4 with the HTTP probe: the hosts cannot be reached (a proxy on a closed loopback port stands in for
    # an unreachable edge; Kinde and AWS on 127.0.0.1 bypass it).
    before = rules(platform)[0]
    proxy = "http://127.0.0.1:9"
    env = {"https_proxy": proxy, "HTTPS_PROXY": proxy, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
    run = rotate(platform, ROTATED[2], "-e", "rotate_kinde_http_probe=true", env_overrides=env)
    assert run.rc != 0
    assert 'FAILED at "Request each application host without a session (step 4)' in run.output
    assert "The previous client secret is current again in Secrets Manager" in run.output
    assert "The Kinde rules were re-applied with it." in run.output
    assert stages(platform) == {"AWSCURRENT": ROTATED[1], "AWSPREVIOUS": ROTATED[2]}
    # Step 3 with the new secret, the rollback, then the same two rules back to the previous secret.
    assert operations(run) == Counter(
        {"PutSecretValue": 1, "ModifyRule": 4, "AddTags": 4, "UpdateSecretVersionStage": 1}
    )
    assert rules(platform)[0] == before
    assert_no_secret(run, converged)

    # Fixed: the same run without the failure finishes the rotation.
    done = rotate(platform, ROTATED[2])
    assert done.rc == 0, done.output[-4000:]
    assert stages(platform)["AWSCURRENT"] == ROTATED[2]
    assert operations(done) == ROTATION_WRITES
