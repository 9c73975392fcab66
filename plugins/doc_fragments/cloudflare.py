# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options shared by every rocketclub.platform module that talks to the Cloudflare v4 API.

    The matching argument spec is ``cloudflare_argument_spec()`` in ``module_utils/cloudflare.py``.
    """

    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - Cloudflare API token, sent in the C(Authorization) header as a bearer token.
      - When not given the value of the environment variable E(CLOUDFLARE_API_TOKEN) is used.
      - Endpoints that need no authentication (such as C(/ips)) are called without it.
      - The token is never logged nor included in error messages.
    type: str
  api_base_url:
    description:
      - Base URL of the Cloudflare v4 API, without a trailing slash.
      - Change it only to use a proxy or an emulator such as the local cloud of this collection.
    type: str
    default: https://api.cloudflare.com/client/v4
notes:
  - Cloudflare calls are retried on HTTP 429 and 5xx with exponential backoff and jitter, honouring
    C(Retry-After); other errors fail at once with the method, path, HTTP status and the Cloudflare
    error codes and messages.
"""
