# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Secrets Manager secrets an ECS task reads (``secrets[].valueFrom``): resolved to ARNs, checked for a value and
recorded per service as version hashes, so that a changed value redeploys the services that read it.

Only ``DescribeSecret`` is called (its ``VersionIdsToStages``), never ``GetSecretValue``: no value is ever read here.
ECS reads ``valueFrom`` secrets only when a task starts: a task whose secret has no ``AWSCURRENT`` version never
starts (``ResourceInitializationError``), and a changed value reaches running tasks only through a new deployment.
"""

from __future__ import annotations

import hashlib

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import validation
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs.task_definitions import text_map
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import PENDING_PREFIX
from ansible_collections.rocketclub.platform.plugins.module_utils.secrets_manager import describe_secret
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import as_dict

# Tag of a service: the Secrets Manager versions its running task definition was deployed with (hashes only).
SECRET_VERSIONS_TAG = "platform:secret-versions"


# ECS tag values are at most 256 characters.
TAG_VALUE_LIMIT = 256


_ARN_KEY_LENGTH = 6

_VERSION_HASH_LENGTH = 8


def _digest(text):
    return hashlib.sha256(to_text(text).encode("utf-8")).hexdigest()


def secret_selector(value_from):
    """``(version stage, version id)`` a Secrets Manager ``valueFrom`` selects (ARN suffix
    ``:json-key:version-stage:version-id``); ``("AWSCURRENT", None)`` when it names none."""
    parts = (value_from or "").split(":")
    stage = parts[8] if len(parts) > 8 and parts[8] else None
    version_id = parts[9] if len(parts) > 9 and parts[9] else None
    return (None if version_id else stage or "AWSCURRENT"), version_id


def selected_version(stages, stage, version_id):
    """The version id a task starting now reads, from ``VersionIdsToStages`` of DescribeSecret; None when the
    secret has no such version (for ``AWSCURRENT``: the secret has no value)."""
    stages = stages or {}
    if version_id:
        return version_id if version_id in stages else None
    return next((v for v, labels in sorted(stages.items()) if stage in (labels or [])), None)


def secret_versions_tag(pairs):
    """Value of the ``platform:secret-versions`` tag of a service (None when it reads no Secrets Manager secret).

    ``pairs`` maps a key (the secret ARN, plus the selector when it is not ``AWSCURRENT``) to the version id.
    One ``<arn hash>=<version hash>`` entry per secret, sorted, space separated, so that a later run can tell
    which secret changed; above the tag value limit a single hash of everything (``all=<hash>``).
    """
    if not pairs:
        return None
    entries = sorted(
        f"{_digest(key)[:_ARN_KEY_LENGTH]}={_digest(key + '|' + to_text(version))[:_VERSION_HASH_LENGTH]}"
        for key, version in pairs.items()
    )
    value = " ".join(entries)
    if len(value) > TAG_VALUE_LIMIT:
        value = "all=" + _digest(" ".join(entries))[:32]
    return value


def changed_secret_keys(recorded, pairs):
    """Keys of ``pairs`` whose version differs from the ``recorded`` tag value (all of them when nothing is
    recorded or the recorded value is a single hash). Empty when the recorded value matches."""
    wanted = secret_versions_tag(pairs)
    if wanted is None or recorded == wanted:
        return []
    if not recorded or recorded.startswith("all=") or wanted.startswith("all="):
        return sorted(pairs)
    before = dict(entry.split("=", 1) for entry in recorded.split() if "=" in entry)
    changed = []
    for key, version in sorted(pairs.items()):
        arn_key = _digest(key)[:_ARN_KEY_LENGTH]
        if before.get(arn_key) != _digest(key + "|" + to_text(version))[:_VERSION_HASH_LENGTH]:
            changed.append(key)
    # Only a secret no longer read: its new task definition deploys anyway; name them all to be explicit.
    return changed or sorted(pairs)


# ------------------------------------------------------------------------------------------------ API


def _empty():
    return {"pairs": {}, "names": {}, "empty": []}


class SecretReferences:
    """The secrets of the services and task definitions of one run: ``resolve`` (DescribeSecret) first, then
    ``versions[item name]`` = ``{"pairs": {key: version id}, "names": {key: secret name}, "empty": [(ENV, name,
    stage, version id)]}``."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.metadata = {}
        self.versions = {}

    def resolve(self, items):
        """``{item name: {ENV: valueFrom}}``: Secrets Manager names become ARNs; a missing secret is a problem."""
        ctx, client, resolved, result = self.ctx, None, {}, {}
        for kind, item in items:
            result[item["name"]] = values = {}
            for key, ref in sorted(text_map(item["container"].get("secrets")).items()):
                kind_of_ref, lookup = validation.secret_reference(ref)
                values[key] = ref
                if kind_of_ref == "ssm":
                    continue
                if kind_of_ref == "pending":
                    self.record_pending(item["name"], ref)
                    continue
                if lookup not in resolved:
                    client = client or ctx.client("secretsmanager")
                    secret = describe_secret(client, lookup)
                    resolved[lookup] = None if secret is None or secret.get("DeletedDate") else secret["ARN"]
                    if secret is not None:
                        self.metadata[lookup] = secret
                if resolved[lookup] is None:
                    ctx.problem(
                        f"{kind}[{item['name']}].container.secrets.{key}: Secrets Manager secret {lookup} "
                        f"does not exist (or is scheduled for deletion) in {ctx.module.region}"
                    )
                    continue
                if kind_of_ref == "name":
                    values[key] = resolved[lookup]
                self.record(item["name"], key, values[key], self.metadata[lookup])
        return result

    def record_pending(self, item_name, ref):
        """Check mode: a secret an earlier task would create (its ARN is a placeholder). It is not described;
        its first version counts as new, so an existing service reading it would be redeployed."""
        found = self.versions.setdefault(item_name, _empty())
        found["pairs"][ref] = ref
        found["names"][ref] = ref[len(PENDING_PREFIX) :].split("/", 1)[-1]

    def record(self, item_name, key, value_from, secret):
        """Remember the version a task of ``item_name`` would read from ``secret`` (DescribeSecret, never the value)."""
        stage, version_id = secret_selector(value_from)
        version = selected_version(secret.get("VersionIdsToStages"), stage, version_id)
        pending = {secret["Name"], secret["ARN"]} & set(self.ctx.params.get("pending_secret_values") or [])
        if self.ctx.check_mode and pending:
            # Check mode: an earlier task of this run would have written a new value by now.
            version = f"pending:{version}"
        pair_key = secret["ARN"] if stage == "AWSCURRENT" else f"{secret['ARN']}|{stage or version_id}"
        found = self.versions.setdefault(item_name, _empty())
        found["pairs"][pair_key] = version
        found["names"][pair_key] = secret["Name"]
        if version is None:
            found["empty"].append((key, secret["Name"], stage, version_id))

    def warn_empty_for_task_definition(self, item):
        """A one-off task definition reading a secret without a value: a warning (registering starts nothing)."""
        for key, name, stage, version_id in self.versions.get(item["name"], _empty())["empty"]:
            message = validation.empty_secret_message(f"task_definitions[{item['name']}]", key, name, stage, version_id)
            self.ctx.module.warn(
                message.replace("so ECS could not start its tasks", "so a task run from it would not start")
            )

    def plan_service(self, item, service, tags, parked):
        """Refuse a service reading a secret without a value; decide whether it needs a new deployment.

        The versions a service was deployed with are recorded as a tag (hashes of the secret ARN and version id,
        never a value); when they differ from the current ones the service gets ``forceNewDeployment``. A parked
        service (``parked`` and desired count 0) starts nothing, so an empty secret is only a warning for it; unpark
        (``parked=false``) checks again.

        :return: ``(service tags, names of the secrets that changed)``
        """
        found = self.versions.get(item["name"]) or _empty()
        asleep = service is not None and parked and not service.get("desiredCount")
        for key, name, stage, version_id in found["empty"]:
            message = validation.empty_secret_message(f"services[{item['name']}]", key, name, stage, version_id)
            if asleep:
                self.ctx.module.warn(
                    message
                    + " (the service is parked at desired count 0: nothing starts until unpark, which checks again)"
                )
            else:
                self.ctx.errors.append(message)
        wanted = secret_versions_tag(found["pairs"])
        service_tags = dict(tags, **{SECRET_VERSIONS_TAG: wanted}) if wanted else dict(tags)
        redeploy = []
        if service is not None and wanted is not None:
            recorded = as_dict(service.get("tags")).get(SECRET_VERSIONS_TAG)
            redeploy = sorted({found["names"][k] for k in changed_secret_keys(recorded, found["pairs"])})
        return service_tags, redeploy
