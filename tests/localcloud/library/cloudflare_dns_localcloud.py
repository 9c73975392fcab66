# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only wrapper running community.general.cloudflare_dns against the local cloud.

The stock module hard-codes ``CloudflareAPI.cf_api_endpoint``.  This wrapper only
replaces that class attribute with ``$LOCALCLOUD_CLOUDFLARE_URL`` (for example
``http://127.0.0.1:4567/client/v4``) and then runs the unchanged module ``main()``.
The ``ansible.module_utils`` imports below are unused here on purpose: they make
Ansible bundle the stock module's dependencies into the AnsiballZ payload.
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r"""
module: cloudflare_dns_localcloud
short_description: community.general.cloudflare_dns pointed at the local cloud (tests only)
description:
  - Same options as M(community.general.cloudflare_dns); the API endpoint comes from
    the environment variable E(LOCALCLOUD_CLOUDFLARE_URL).
author: localcloud
"""

import os

# pylint: disable=unused-import
from ansible.module_utils.basic import AnsibleModule  # noqa: F401
from ansible.module_utils.common.text.converters import to_native  # noqa: F401
from ansible.module_utils.common.text.converters import to_text  # noqa: F401
from ansible.module_utils.six.moves.urllib.parse import urlencode  # noqa: F401
from ansible.module_utils.urls import fetch_url  # noqa: F401
from ansible_collections.community.general.plugins.modules import cloudflare_dns


def main():
    """Point the stock module at the emulator and run it."""
    endpoint = os.environ.get("LOCALCLOUD_CLOUDFLARE_URL")
    if endpoint:
        cloudflare_dns.CloudflareAPI.cf_api_endpoint = endpoint.rstrip("/")
    cloudflare_dns.main()


if __name__ == "__main__":
    main()
