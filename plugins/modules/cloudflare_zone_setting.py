#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudflare_zone_setting
version_added: 0.1.0
short_description: Set one setting of a Cloudflare zone, such as its SSL/TLS encryption mode
description:
  - Reads one zone setting (C(GET /zones/{zone_id}/settings/{setting})) and changes it with
    C(PATCH /zones/{zone_id}/settings/{setting}) only when its value differs from O(value), so a second run makes no
    write call.
  - Built for the SSL/TLS encryption mode (O(setting=ssl)). With V(flexible) Cloudflare reaches the origin over plain
    HTTP; an origin that redirects HTTP to HTTPS (a CloudFront distribution with C(redirect-to-https), an ALB HTTP
    listener) then sends every visitor into a redirect loop. V(strict) (Full (strict)) makes Cloudflare connect with
    HTTPS and validate the origin's certificate for the requested host name.
  - The values of the settings listed under O(value) are checked before any API call; other settings are passed to
    the API as given.
  - A setting the zone's plan does not let the token change (C(editable=false)) fails before any write when its
    value differs.
author:
  - rocketclub platform team (@rocketclub)
options:
  zone:
    description:
      - Name of the zone (for example V(rocketclub.online)); its id is looked up with the API token.
    type: str
    required: true
  setting:
    description:
      - Id of the zone setting, for example V(ssl), V(always_use_https), V(min_tls_version).
    type: str
    default: ssl
  value:
    description:
      - The value the setting must have, compared as a string.
      - For V(ssl) one of V(off), V(flexible), V(full), V(strict) (Full (strict)) or V(origin_pull) (Enterprise plans
        only). For V(always_use_https), V(automatic_https_rewrites) and V(opportunistic_encryption) V(on) or V(off);
        for V(min_tls_version) V(1.0), V(1.1), V(1.2) or V(1.3); for V(tls_1_3) V(on), V(off) or V(zrt).
    type: str
    required: true
notes:
  - Supports C(check_mode) (the setting is read, nothing is written; the result predicts the value) and C(diff)
    (the setting's value before and after; the API token never appears in it).
  - The API token needs Zone:Read (to find the zone) and Zone Settings:Edit (C(Zone Settings Write) in the API
    reference; it includes reading settings). A no-op run costs two read calls, a change one write more.
  - Zones with Automatic SSL/TLS (the default for zones since 2024) may have their encryption mode raised by
    Cloudflare, never lowered; a mode this module set stays unless someone changes it again.
seealso:
  - name: Cloudflare encryption modes
    description: What V(off), V(flexible), V(full) and V(strict) mean for the connection to the origin.
    link: https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/
  - name: Edit zone setting (API reference)
    description: C(PATCH /zones/{zone_id}/settings/{setting_id}).
    link: https://developers.cloudflare.com/api/resources/zones/subresources/settings/methods/edit/
extends_documentation_fragment:
  - rocketclub.platform.cloudflare
"""

EXAMPLES = r"""
- name: Full (strict) SSL/TLS between Cloudflare and the origin
  rocketclub.platform.cloudflare_zone_setting:
    zone: rocketclub.online
    setting: ssl
    value: strict

- name: Report whether the mode would change, without changing it
  rocketclub.platform.cloudflare_zone_setting:
    zone: rocketclub.online
    value: strict
  check_mode: true
  register: ssl_mode

- name: Against the local cloud's Cloudflare emulator
  rocketclub.platform.cloudflare_zone_setting:
    zone: rocketclub.local
    value: strict
    api_base_url: http://127.0.0.1:4567/client/v4
"""

RETURN = r"""
zone_id:
  description: The id of the zone.
  returned: success
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
setting:
  description: The id of the setting.
  returned: success
  type: str
  sample: ssl
value:
  description: The value after the run (in check mode as it would be).
  returned: success
  type: str
  sample: strict
previous_value:
  description: The value before the run.
  returned: success
  type: str
  sample: flexible
editable:
  description: Whether the zone's plan lets the setting be changed.
  returned: success
  type: bool
  sample: true
modified_on:
  description: When the setting was last changed, V(null) when never (in check mode the time before the run).
  returned: success
  type: str
  sample: "2026-12-05T07:01:02.123456Z"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import cloudflare_argument_spec

# Values Cloudflare accepts for the settings this module knows (API reference, zone settings).
KNOWN_VALUES = {
    "ssl": ("off", "flexible", "full", "strict", "origin_pull"),
    "always_use_https": ("on", "off"),
    "automatic_https_rewrites": ("on", "off"),
    "opportunistic_encryption": ("on", "off"),
    "min_tls_version": ("1.0", "1.1", "1.2", "1.3"),
    "tls_1_3": ("on", "off", "zrt"),
}
PERMISSION_HINT = "The zone setting calls need an API token with Zone:Read and Zone Settings:Edit on the zone."


def fail_cloudflare(module, what, error, **kwargs):
    kwargs.setdefault("changed", False)
    hint = error.hint
    if error.status in (401, 403):
        hint = f"{hint} {PERMISSION_HINT}" if hint else PERMISSION_HINT
    msg = f"{what}: {error}" + (f". {hint}" if hint else "")
    module.fail_json(msg=msg, status=error.status, errors=error.errors, **kwargs)


def validate(module):
    """Return ``(setting, value)``; fail before any API call on bad input."""
    params = module.params
    if not params["api_token"]:
        module.fail_json(
            msg="api_token: no Cloudflare API token given; set api_token or the CLOUDFLARE_API_TOKEN environment "
            "variable"
        )
    if not str(params["zone"] or "").strip().rstrip("."):
        module.fail_json(msg="zone: empty; give the zone name, for example rocketclub.online")
    setting = str(params["setting"] or "").strip()
    if not setting or not all(c.isalnum() or c == "_" for c in setting):
        module.fail_json(
            msg=f"setting: {params['setting']!r} is not a zone setting id (letters, digits and '_', e.g. ssl)"
        )
    value = params["value"]
    allowed = KNOWN_VALUES.get(setting)
    if allowed is not None and value not in allowed:
        module.fail_json(msg=f"value: {value!r} is not a value of the zone setting {setting} ({', '.join(allowed)})")
    return setting, value


def lookup_zone(module, client):
    name = module.params["zone"].strip().rstrip(".").lower()
    try:
        return client.zone(name)
    except CloudflareError as e:
        if e.status is None:  # the lookup worked and found no (or several) zones of that name
            module.fail_json(
                msg=f"zone: {e.errors[0]['message']}; check the zone name and the zones the API token may read"
            )
        fail_cloudflare(module, f"Could not look up the zone {name!r}", e)


def main():
    argument_spec = dict(
        zone=dict(type="str", required=True),
        setting=dict(type="str", default="ssl"),
        value=dict(type="str", required=True),
    )
    argument_spec.update(cloudflare_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    setting, wanted = validate(module)
    client = CloudflareClient.from_module(module)
    zone = lookup_zone(module, client)
    zone_id = zone["id"]
    try:
        current = client.zone_setting(zone_id, setting)
    except CloudflareError as e:
        fail_cloudflare(module, f"Could not read the zone setting {setting} of {zone['name']}", e, zone_id=zone_id)

    before = str(current.get("value"))
    editable = current.get("editable") is not False
    changed = before != wanted
    if changed and not editable:
        plan = (zone.get("plan") or {}).get("name") or "unknown plan"
        module.fail_json(
            msg=f"The zone setting {setting} of {zone['name']} is {before!r} and not editable on this zone's plan "
            f"({plan}); it cannot become {wanted!r}. Nothing was changed.",
            changed=False,
            zone_id=zone_id,
            setting=setting,
            value=before,
            previous_value=before,
            editable=False,
        )
    result = current
    if changed and not module.check_mode:
        try:
            result = client.edit_zone_setting(zone_id, setting, wanted)
        except CloudflareError as e:
            what = f"Could not set the zone setting {setting} of {zone['name']} to {wanted!r}"
            fail_cloudflare(module, what, e, zone_id=zone_id)
        if str(result.get("value")) != wanted:
            module.fail_json(
                msg=f"Cloudflare accepted the change of the zone setting {setting} of {zone['name']} to {wanted!r} but "
                f"answered with {result.get('value')!r}; check the setting in the dashboard",
                changed=True,
                zone_id=zone_id,
                setting=setting,
                value=result.get("value"),
                previous_value=before,
            )

    module.exit_json(
        changed=changed,
        zone_id=zone_id,
        setting=setting,
        value=wanted if changed else before,
        previous_value=before,
        editable=result.get("editable") is not False,
        modified_on=result.get("modified_on"),
        diff={"before": {"zone": zone["name"], setting: before}, "after": {"zone": zone["name"], setting: wanted}},
    )


if __name__ == "__main__":
    main()
