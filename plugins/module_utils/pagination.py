# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every page of a boto3 list or describe call, with amazon.aws's retries around the whole query.

A paginator does not go through the ``aws_retry=True`` wrapper of ``module.client(...)``; amazon.aws
``paginated_query_with_retries`` retries throttling and 5xx errors around it.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

RETRY = AWSRetry.jittered_backoff(retries=10)


def paginate(client, operation, result_key, retry_decorator=None, **params):
    """The list under ``result_key`` of every page of ``operation`` (a boto3 paginator name)."""
    result = paginated_query_with_retries(client, operation, retry_decorator=retry_decorator or RETRY, **params)
    return result.get(result_key) or []
