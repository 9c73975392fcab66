# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the validation rules written once in module_utils/validation.py, and of both of their users
(the inventory filters and the ecs_services module's checks) agreeing on them."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.filter import validation as inventory
from ansible_collections.rocketclub.platform.plugins.module_utils import validation
from ansible_collections.rocketclub.platform.plugins.module_utils.ecs import validation as ecs_validation

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "keys, expected",
    [
        ([], {}),
        (["a/Gateway", "a/Interface"], {}),
        (["a/Gateway", "b/Interface", "a/Gateway"], {"a/Gateway": [0, 2]}),
        (["x", "x", "x", "y", "y"], {"x": [0, 1, 2], "y": [3, 4]}),
    ],
)
def test_find_duplicates_with_indexes(keys, expected):
    assert validation.find_duplicates(keys) == expected


@pytest.mark.parametrize("names, expected", [([], []), (["a", "b"], []), (["a", "b", "a", "a", "c", "b"], ["a", "b"])])
def test_find_duplicates_iterates_as_the_keys_in_first_seen_order(names, expected):
    assert list(validation.find_duplicates(iter(names))) == expected


@pytest.mark.parametrize(
    "image, pinned",
    [
        ("nginx:1.27", True),
        ("registry.local:5000/team/app:2", True),
        ("123456789012.dkr.ecr.eu-west-2.amazonaws.com/backstage:1.42.0", True),
        (f"example/app@{DIGEST}", True),
        (f"registry.local:5000/team/app:1.0@{DIGEST}", True),
        # A digest is sha256: and exactly 64 lowercase hex digits.
        ("example/app@sha256:abc123", False),
        ("example/app@sha256:" + "A" * 64, False),
        ("example/app@sha256:" + "a" * 63, False),
        ("example/app@sha256:" + "a" * 65, False),
        ("example/app@sha512:" + "a" * 128, False),
        ("example/app@" + "a" * 64, False),
        ("nginx", False),
        ("registry.local:5000/team/app", False),
        ("example/app:", False),
        ("example/app:-bad", False),
        ("", False),
        ("   ", False),
        (None, False),
    ],
)
def test_image_pin_rule_is_the_same_for_the_inventory_and_the_module(image, pinned):
    assert (validation.image_pin_problem(image) is None) is pinned
    assert (inventory.image_problem("ecs_service_images.backstage", image) is None) is pinned
    assert (ecs_validation.image_problem(image) is None) is pinned


def test_image_pin_reasons():
    assert validation.image_pin_problem("") == "empty"
    assert validation.image_pin_problem("repo@sha256:abc") == (
        "'repo@sha256:abc' has a malformed digest; give repo@sha256:<64 lowercase hex digits>"
    )
    assert validation.image_pin_problem("registry.local:5000/repo") == (
        "'registry.local:5000/repo' has no tag or digest; pin it as registry.local:5000/repo:<tag> or "
        "registry.local:5000/repo@sha256:<digest>"
    )


@pytest.mark.parametrize(
    "cpu, memory, expected",
    [
        (256, 512, None),
        (256, 2048, None),
        (512, 4096, None),
        (16384, 122880, None),
        (8192, 20480, None),
        # 0.25 vCPU runs with 512, 1024 or 2048 MiB only.
        (256, 1536, ("memory", "does not fit cpu 256 on Fargate (512, 1024, 2048 MiB)")),
        (1024, 1536, ("memory", "does not fit cpu 1024 on Fargate (2048..8192 MiB in steps of 1024)")),
        (8192, 18432, ("memory", "does not fit cpu 8192 on Fargate (16384..61440 MiB in steps of 4096)")),
        (300, 1024, ("cpu", "is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)")),
        (None, 1024, ("cpu", "is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)")),
        (True, 1024, ("cpu", "is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)")),
        (256.5, 512, ("cpu", "is not a Fargate size (256, 512, 1024, 2048, 4096, 8192, 16384)")),
        (512, None, ("memory", "does not fit cpu 512 on Fargate (1024..4096 MiB in steps of 1024)")),
    ],
)
def test_fargate_sizes(cpu, memory, expected):
    assert validation.fargate_size_problem(cpu, memory) == expected


@pytest.mark.parametrize("cpu, memory", [(256, 1536), (512, 512), (1024, 2048), (4096, 30720), (2048, 3072)])
def test_fargate_rule_is_the_same_for_the_inventory_and_the_module(cpu, memory):
    fits = validation.fargate_size_problem(cpu, memory) is None
    assert (inventory.fargate_size_problem("ecs_service_sizes.backstage", cpu, memory) is None) is fits
    errors = []
    item = {"name": "api", "cpu": cpu, "memory": memory, "container": {"image": "app:1"}, "log_retention_days": 7}
    ecs_validation._validate_item("services", item, errors)
    assert (not errors) is fits, errors


@pytest.mark.parametrize(
    "arn, region",
    [
        ("arn:aws:acm:eu-west-2:123456789012:certificate/0a1b2c3d-1234-5678-9abc-0123456789ab", "eu-west-2"),
        (
            "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-0123456789ab",
            "us-gov-west-1",
        ),
        ("arn:aws:acm:us-east-1:123456789012:certificate/not-a-uuid", None),
        ("arn:aws:acm:us-east-1:12345:certificate/0a1b2c3d-1234-5678-9abc-0123456789ab", None),
        ("arn:aws:iam::123456789012:server-certificate/x", None),
        ("", None),
        (None, None),
    ],
)
def test_acm_certificate_region(arn, region):
    assert validation.acm_certificate_region(arn) == region


@pytest.mark.parametrize(
    "name, expected",
    [
        ("prod/db/admin-AbCdEf", ("prod/db/admin", "AbCdEf")),
        ("prod/kinde/client-secret", ("prod/kinde/client", "secret")),
        ("prod/db/admin", None),
        ("", None),
    ],
)
def test_arn_suffix_split(name, expected):
    assert validation.arn_suffix_split(name) == expected
