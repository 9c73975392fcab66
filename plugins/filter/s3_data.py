# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the s3_data role: its input check and the SSM parameters naming its buckets."""

from __future__ import annotations

from ansible_collections.rocketclub.platform.plugins.filter.validation import unknown_secrets
from ansible_collections.rocketclub.platform.plugins.module_utils.validation import BUCKET_NAME
from ansible_collections.rocketclub.platform.plugins.plugin_utils.filter_input import filters_naming_their_input


def s3_data_problems(buckets, layers, ork_secrets, secret_names):
    """Check the s3_data role's layers, derived bucket names and the .ork processor secrets."""
    problems = []
    if not layers or len(set(layers)) != len(layers):
        problems.append(f"s3_data_layers: {layers!r} must be a non-empty list without duplicates")
    if "design-files" not in (layers or []):
        problems.append("s3_data_layers: design-files is missing; the .ork processor reads that bucket")
    for layer, bucket in (buckets or {}).items():
        if not BUCKET_NAME.match(bucket):
            problems.append(
                f"s3_data_bucket_prefix / s3_data_bucket_suffix: bucket {bucket!r} (layer {layer}) "
                "is not a valid S3 name (3-63 lowercase letters, digits, '-' or '.')"
            )
    problems += unknown_secrets("s3_data_ork_processor_secrets", ork_secrets or [], set(secret_names or []))
    return problems


def s3_data_bucket_parameters(buckets, env):
    """SSM parameters /<env>/blog-data/buckets/<layer> holding the bucket names (docs/platform.md, "SSM parameters").

    ``buckets`` is the dict2items form of layer -> bucket name.
    """
    return [
        {
            "name": f"/{env}/blog-data/buckets/{item['key']}",
            "description": f"S3 bucket name of the blog-data {item['key']} layer",
            "value": item["value"],
        }
        for item in buckets
    ]


class FilterModule:
    """Filters of the s3_data role."""

    def filters(self):
        return filters_naming_their_input(
            {
                "s3_data_problems": s3_data_problems,
                "s3_data_bucket_parameters": s3_data_bucket_parameters,
            }
        )
