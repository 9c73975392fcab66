# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every page of a boto3 list or describe call, with amazon.aws's retries around the whole query; and
the batches of a call that takes at most so many names or ids at once (``chunks``).

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


def chunks(items, size):
    """``items`` in lists of at most ``size`` elements (DescribeServices takes 10 names, GetParameters 10...)."""
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def follow_markers(fetch, marker_param="Marker", next_key="NextMarker", items_key="Items", **params):
    """Every item of a list API that boto3 has no paginator for (e.g. CloudFront ``ListCachePolicies``).

    ``fetch(**params)`` returns one page (the dict holding ``items_key`` and ``next_key``); the next page is
    asked for with ``marker_param`` set to the previous page's ``next_key``.
    """
    items = []
    while True:
        page = fetch(**params)
        items.extend(page.get(items_key) or [])
        if not page.get(next_key):
            return items
        params[marker_param] = page[next_key]
