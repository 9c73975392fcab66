# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared secrets (``shared: true``) ask for the same key, description and tags in every
environment of an account, so two environments never re-encrypt or re-tag them back and forth."""

from __future__ import annotations

import pathlib

import yaml

from ansible_collections.rocketclub.platform.plugins.filter.platform import pending_or
from ansible_collections.rocketclub.platform.plugins.filter.secrets import secrets_module_input
from ansible_collections.rocketclub.platform.tests.unit.plugins.filter.test_ecs_service_filter import role_inputs

REPO = pathlib.Path(__file__).resolve().parents[3]
SHARED = ["blog-data/neo4j/credentials", "blog-data/cloudinary/credentials"]


def env(name, tags):
    render = role_inputs(platform_env=name, kinde_client_secret_name=f"{name}/kinde/client-secret", platform_tags=tags)
    return {
        "env_names": [e["name"] for e in render("__secrets_env_entries")],
        "shared": secrets_module_input(render("__secrets_shared_entries")),
        "shared_tags": render("__secrets_shared_tags"),
        "shared_alias": render("secrets_shared_kms_alias"),
        "env_alias": render("secrets_kms_alias"),
        "env_tags": render("__secrets_tags"),
        "kms_keys": render("__secrets_kms_keys"),
    }


def test_two_environments_ask_for_the_same_shared_state():
    local = env("local", {"platform:owner": "platform-team"})
    staging = env("staging", {"platform:owner": "someone-else", "cost-centre": "42"})
    assert [s["name"] for s in local["shared"]] == SHARED
    assert local["shared"] == staging["shared"]
    assert (
        local["shared_tags"]
        == staging["shared_tags"]
        == {
            "platform:env": "shared",
            "platform:component": "secrets",
            "platform:managed-by": "rocketclub.platform",
        }
    )
    assert local["shared_alias"] == staging["shared_alias"] == "alias/rc-shared"
    # each environment keeps its own key and tags for its own secrets, and never converges the shared ones
    assert local["env_alias"] != staging["env_alias"]
    assert local["env_tags"]["platform:env"] == "local"
    assert not set(SHARED) & set(local["env_names"] + staging["env_names"])
    assert "local/kinde/client-secret" in local["env_names"]


def _task(name):
    tasks = yaml.safe_load((REPO / "roles" / "secrets" / "tasks" / "main.yml").read_text(encoding="utf-8"))
    (task,) = [t for t in tasks if t.get("name", "").startswith(name)]
    return task


def test_shared_entries_use_the_shared_key_and_shared_tags():
    task = _task("Ensure the KMS keys")["rocketclub.platform.kms_keys"]
    assert task["keys"] == "{{ __secrets_kms_keys }}"
    local = env("local", {"platform:owner": "platform-team"})
    staging = env("staging", {"platform:owner": "someone-else", "cost-centre": "42"})
    (own, shared), (_staging_own, staging_shared) = local["kms_keys"], staging["kms_keys"]
    # every environment asks for the same shared key: alias, description, rotation, tags, others' tags kept
    assert shared == staging_shared
    assert shared["alias"] == "alias/rc-shared" and shared["purge_tags"] is False
    assert shared["tags"] == local["shared_tags"] and "local" not in shared["description"]
    assert own["alias"] == "alias/rc-local-platform" and own["purge_tags"] is True and own["tags"] == local["env_tags"]
    shared = _task("Ensure the shared Secrets Manager entries")["rocketclub.platform.secretsmanager_secrets"]
    assert shared["kms_key_id"] == "{{ __secrets_shared_kms_key_arn }}"
    assert shared["tags"] == "{{ __secrets_shared_tags }}"
    assert "__secrets_shared_entries" in shared["secrets"]
    own = _task("Ensure the Secrets Manager entries")["rocketclub.platform.secretsmanager_secrets"]
    assert "__secrets_env_entries" in own["secrets"]


def test_iam_role_defaults_follow_the_published_shared_key():
    defaults = yaml.safe_load((REPO / "roles" / "iam" / "defaults" / "main.yml").read_text(encoding="utf-8"))
    assert (
        "platform_secrets" in defaults["iam_shared_kms_key_arn"]
        and "shared_kms_key_arn" in defaults["iam_shared_kms_key_arn"]
    )
    assert "shared_secrets" in defaults["iam_shared_secret_names"]


def test_check_mode_keys_that_would_be_created_are_placeholders():
    """A key check mode would create has the ARN pending:kms-key/<alias>: the secrets, parameters and the
    roles downstream get it (docs/check_mode.md); a real run gets the key's ARN."""
    variables = yaml.safe_load((REPO / "roles" / "secrets" / "vars" / "main.yml").read_text(encoding="utf-8"))
    assert variables["__secrets_kms_key_arn"] == "{{ __secrets_kms.key_arns[secrets_kms_alias] }}"
    assert variables["__secrets_shared_kms_key_arn"] == (
        "{{ __secrets_kms.key_arns[secrets_shared_kms_alias] | default(none) }}"
    )
    # rocketclub.platform.kms_keys returns the placeholder itself for a key check mode would create
    placeholder = "pending:kms-key/alias/rc-local-platform"
    render = role_inputs(
        platform_env="local",
        kinde_client_secret_name="local/kinde/client-secret",
        __secrets_kms={"key_arns": {"alias/rc-local-platform": placeholder}},
    )
    assert render("__secrets_kms_key_arn") == placeholder
    assert render("__secrets_shared_kms_key_arn") is None
    arn = "arn:aws:kms:eu-west-2:123456789012:key/1234"
    assert pending_or(None, "kms-key", "alias/rc-local-platform") == "pending:kms-key/alias/rc-local-platform"
    assert pending_or(arn, "kms-key", "alias/rc-local-platform") == arn
    for name in ("Ensure the Secrets Manager entries", "Ensure the SSM parameters"):
        module = [v for k, v in _task(name).items() if k.startswith("rocketclub.platform.")][0]
        assert module["kms_key_id"] == "{{ __secrets_kms_key_arn }}"
