#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudflare_dns_record
version_added: 0.1.0
short_description: Manage one DNS record (A, AAAA, CNAME or TXT) in a Cloudflare zone
description:
  - Creates, updates or deletes one DNS record of a Cloudflare zone found by its name, through the Cloudflare v4 API.
  - The module is idempotent. Names, contents, TTL and proxy status are normalised before they are compared (host
    names in lower case without the trailing dot, IPv6 addresses compressed, TXT content as quoted strings, C(ttl=1)
    is automatic), so a second run with the same options makes no write call.
  - Every input is validated, and conflicts with records already at the name are detected, before the first write.
    When the module fails for bad input or a conflict, nothing has been changed.
  - Unlike M(community.general.cloudflare_dns) it supports C(--diff) (the records at the name before and after),
    comments and tags, and predicts the resulting record in check mode.
author:
  - rocketclub platform team (@rocketclub)
options:
  zone:
    description:
      - Name of the zone (for example V(rocketclub.online)); its id is looked up with the API token.
    type: str
    required: true
  name:
    description:
      - Name of the record. V(@) is the zone apex, a single label (V(portal)) is relative to O(zone), and any other
        name must be a fully qualified name inside O(zone) (V(portal.rocketclub.online), a trailing dot is allowed).
      - A name with several labels that does not end with O(zone) is refused before any API call, instead of being
        silently made relative to the zone as the API does; give deeper names fully qualified
        (V(_acme-challenge.portal.rocketclub.online)).
      - Names are case-insensitive; internationalised names are converted to Punycode.
    type: str
    required: true
  type:
    description:
      - Type of the record.
    type: str
    choices: ["A", "AAAA", "CNAME", "TXT"]
    default: CNAME
  content:
    description:
      - Content of the record, an IPv4 address (V(A)), an IPv6 address (V(AAAA)), a host name (V(CNAME)) or text
        (V(TXT)).
      - Required with O(state=present). With O(state=absent) only the record with this content is deleted.
      - TXT content is either plain text or quoted character strings (V("one" "two")); it is sent as quoted strings
        of at most 255 bytes, as Cloudflare recommends, and compared by its strings, so an existing record written
        without quotes is not rewritten.
    type: str
  ttl:
    description:
      - Time to live in seconds; V(1) means automatic (300 seconds).
      - Otherwise between 60 and 86400 (30 and 86400 in Enterprise zones).
      - Proxied records always have an automatic TTL, so O(ttl) must be V(1) when O(proxied=true).
    type: int
    default: 1
  proxied:
    description:
      - Whether traffic to the record goes through Cloudflare's proxy.
      - Defaults to V(true) for A, AAAA and CNAME records and V(false) for TXT records, which cannot be proxied.
    type: bool
  comment:
    description:
      - Comment of the record (no line breaks; at most 100 characters on the Free plan, 500 on paid plans).
      - When not given the record's comment is left as it is; an empty string removes it.
    type: str
  tags:
    description:
      - Tags of the record, each V(name:value) (name of 1 to 32 letters, digits, V(-) or V(_), value of at most 100
        characters), at most 20.
      - Compared as a set, tag names case-insensitively. When not given the record's tags are left as they are; an
        empty list removes them.
      - Record tags need a paid plan; on a zone of the Free plan the module fails before any write.
    type: list
    elements: str
  solo:
    description:
      - Make this record the only one of its kind at the name.
      - With O(solo=true) the other records at the name that the record replaces are deleted (before it is written),
        that is other records of the same type, plus for a CNAME every A and AAAA record, and for an A or AAAA record
        a CNAME.
        A record of the same type is updated in place rather than deleted and created again.
      - With O(solo=false) an A or AAAA record is added next to the existing ones of the same type (round robin), a
        CNAME (there can be only one at a name) is updated in place, and the module fails, before any write, when
        a CNAME and an A or AAAA record would share the name (Cloudflare errors 81053 and 81054).
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the record.
      - V(absent) deletes the records of O(type) at O(name), only the one with O(content) when given, else all of them.
    type: str
    choices: ["present", "absent"]
    default: present
notes:
  - Supports C(check_mode) (the result predicts the record; no write call is made) and C(diff) (the records at the
    name before and after, without ids; the API token never appears in it).
  - In check mode O(name) and O(content) may be check-mode placeholders C(pending:<kind>/<name>) of values an
    earlier task would create (the domain name of a CloudFront distribution, the validation record of a certificate
    to be requested). Pending content differs from every record at the name, so the record would be created or
    updated; a pending name has no record yet, so it would be created (the name is not looked up). A real run
    refuses placeholders before any API call.
  - The API token needs the permissions Zone:Read and DNS:Edit on the zone.
  - Records are looked up with one paginated C(GET /zones/{id}/dns_records?name.exact=...), so a run with nothing to
    change costs two read calls.
extends_documentation_fragment:
  - rocketclub.platform.cloudflare
"""

EXAMPLES = r"""
- name: Proxied CNAME of the portal to its CloudFront distribution
  rocketclub.platform.cloudflare_dns_record:
    zone: rocketclub.online
    name: portal
    type: CNAME
    content: d111111abcdef8.cloudfront.net
    comment: Backstage portal (managed by rocketclub.platform)
  register: portal_dns

- name: Replace whatever A/AAAA/CNAME records the name had by the CNAME
  rocketclub.platform.cloudflare_dns_record:
    zone: rocketclub.online
    name: pipelines.rocketclub.online
    content: d222222abcdef8.cloudfront.net
    solo: true

- name: Unproxied A record with a TTL and tags (paid plans)
  rocketclub.platform.cloudflare_dns_record:
    zone: rocketclub.online
    name: bastion
    type: A
    content: 192.0.2.10
    proxied: false
    ttl: 300
    tags: ["team:platform", "env:prod"]

- name: Domain verification TXT record at the apex
  rocketclub.platform.cloudflare_dns_record:
    zone: rocketclub.online
    name: "@"
    type: TXT
    content: google-site-verification=abc123

- name: Delete every A record of a name
  rocketclub.platform.cloudflare_dns_record:
    zone: rocketclub.online
    name: old
    type: A
    state: absent

- name: Against the local cloud's Cloudflare emulator
  rocketclub.platform.cloudflare_dns_record:
    zone: rocketclub.local
    name: portal
    content: d111111abcdef8.cloudfront.net
    api_base_url: http://127.0.0.1:4567/client/v4
"""

RETURN = r"""
zone_id:
  description: The id of the zone.
  returned: always
  type: str
  sample: 023e105f4ecef8ad9ca31a8372d0c353
record:
  description:
    - The record after the run (in check mode as it would be; C(id) is V(null) for a record still to create).
    - V(null) with O(state=absent).
  returned: always
  type: dict
  sample:
    id: 372e67954025e0ba6aaa6d586b9e0b59
    zone_id: 023e105f4ecef8ad9ca31a8372d0c353
    name: portal.rocketclub.online
    type: CNAME
    content: d111111abcdef8.cloudfront.net
    ttl: 1
    proxied: true
    comment: Backstage portal
    tags: []
  contains:
    id:
      description: Record id.
      type: str
      sample: 372e67954025e0ba6aaa6d586b9e0b59
    zone_id:
      description: Zone id.
      type: str
      sample: 023e105f4ecef8ad9ca31a8372d0c353
    name:
      description: Fully qualified record name.
      type: str
      sample: portal.rocketclub.online
    type:
      description: Record type.
      type: str
      sample: CNAME
    content:
      description: Record content as Cloudflare holds it.
      type: str
      sample: d111111abcdef8.cloudfront.net
    ttl:
      description: TTL in seconds, V(1) for automatic.
      type: int
      sample: 1
    proxied:
      description: Whether the record is proxied.
      type: bool
      sample: true
    comment:
      description: Comment, V(null) when there is none.
      type: str
      sample: Backstage portal
    tags:
      description: Tags, sorted.
      type: list
      elements: str
      sample: ["team:platform"]
deleted:
  description:
    - The records that were (in check mode would be) deleted, with the fields of RV(record).
    - With O(solo=true) the records replaced; with O(state=absent) the records removed.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 9a7806061c88ada191ed06f989cc3dac
      zone_id: 023e105f4ecef8ad9ca31a8372d0c353
      name: portal.rocketclub.online
      type: A
      content: 192.0.2.1
      ttl: 1
      proxied: true
      comment: null
      tags: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare_dns as dns
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareClient
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import CloudflareError
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare import cloudflare_argument_spec
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import fail_if_pending
from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending


class DnsRecords:
    """The records at one name of one zone, and the writes to them (none in check mode)."""

    def __init__(self, module, client, zone_id, fqdn):
        self.module = module
        self.client = client
        self.zone_id = zone_id
        self.fqdn = fqdn
        self.path = f"/zones/{zone_id}/dns_records"
        self.wrote = False

    def describe(self):
        if is_pending(self.fqdn):
            # Check mode only: a name not known yet (a certificate's validation record) has no record.
            return []
        records = self.client.paginate(self.path, {"name.exact": self.fqdn})
        # Defensive: only the exact name, whatever the API's filter matched.
        return [r for r in records if str(r.get("name", "")).lower().rstrip(".") == self.fqdn]

    def delete(self, records):
        for record in records:
            if not self.module.check_mode:
                self.wrote = True
                self.client.delete(f"{self.path}/{record['id']}")

    def create(self, desired):
        body = dns.create_body(desired)
        self.wrote = True
        try:
            return self.client.post(self.path, body)
        except CloudflareError as e:
            # A retried POST whose first attempt went through: the record exists now, with our content.
            if e.attempts > 1 and 81057 in e.codes:
                for record in self.describe():
                    if record.get("type") == desired["type"] and dns.content_key(
                        desired["type"], record.get("content")
                    ) == dns.content_key(desired["type"], desired["content"]):
                        return record
            raise

    def ensure_present(self, desired, solo):
        """Return ``(changed, record_view, deleted, before, after)``."""
        before = self.describe()
        plan = dns.plan_present(before, desired, solo)
        if plan.conflicts:
            self.module.fail_json(
                msg=dns.conflict_message(desired, plan.conflicts),
                changed=False,
                zone_id=self.zone_id,
                conflicts=[dns.record_view(r) for r in plan.conflicts],
            )
        record = dns.predicted(plan, desired, self.zone_id)
        changed = bool(plan.delete or plan.managed is None or plan.changes)
        # Replaced records go first: Cloudflare refuses a CNAME next to them (81053/81054).
        self.delete(plan.delete)
        if not self.module.check_mode:
            if plan.managed is None:
                record = dns.record_view(self.create(desired))
            elif plan.changes:
                self.wrote = True
                record = dns.record_view(self.client.patch(f"{self.path}/{plan.managed['id']}", plan.changes))
        after = dns.remaining(before, plan.delete, plan.managed) + [record]
        return changed, record, plan.delete, before, after

    def ensure_absent(self, rtype, content):
        before = self.describe()
        gone = dns.plan_absent(before, rtype, content)
        self.delete(gone)
        return bool(gone), None, gone, before, dns.remaining(before, gone)


def fail_cloudflare(module, what, error, **kwargs):
    kwargs.setdefault("changed", False)
    hint = error.hint
    module.fail_json(
        msg=f"{what}: {error}" + (f". {hint}" if hint else ""), status=error.status, errors=error.errors, **kwargs
    )


def validate(module):
    """The desired record (``present``) or ``(fqdn, content)`` (``absent``); fails before any API call."""
    params = module.params
    fail_if_pending(module, name=params["name"], content=params["content"])
    if not params["api_token"]:
        module.fail_json(
            msg="api_token: no Cloudflare API token given; set api_token or the CLOUDFLARE_API_TOKEN "
            "environment variable"
        )
    try:
        if params["state"] == "present":
            return dns.desired_record(params)
        fqdn = params["name"] if is_pending(params["name"]) else dns.record_fqdn(params["name"], params["zone"])
        content = params["content"]
        if content and not is_pending(content):
            content = dns.normalize_content(params["type"], content, fqdn)
        return {"name": fqdn, "type": params["type"], "content": content or None}
    except dns.RecordError as e:
        module.fail_json(msg=str(e))


def lookup_zone(module, client):
    name = dns.zone_name(module.params["zone"])
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
        name=dict(type="str", required=True),
        type=dict(type="str", default="CNAME", choices=list(dns.RECORD_TYPES)),
        content=dict(type="str"),
        ttl=dict(type="int", default=1),
        proxied=dict(type="bool"),
        comment=dict(type="str"),
        tags=dict(type="list", elements="str"),
        solo=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    argument_spec.update(cloudflare_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec, supports_check_mode=True, required_if=[("state", "present", ["content"])]
    )

    desired = validate(module)
    client = CloudflareClient.from_module(module)
    zone = lookup_zone(module, client)
    if module.params["state"] == "present":
        problems = dns.zone_problems(zone, desired)
        if problems:
            module.fail_json(msg="; ".join(problems) + ". Nothing was changed.", zone_id=zone["id"])

    records = DnsRecords(module, client, zone["id"], desired["name"])
    try:
        if module.params["state"] == "present":
            result = records.ensure_present(desired, module.params["solo"])
        else:
            result = records.ensure_absent(desired["type"], desired["content"])
    except CloudflareError as e:
        fail_cloudflare(
            module,
            f"Failed to manage the {desired['type']} record {desired['name']}",
            e,
            changed=records.wrote,
            zone_id=zone["id"],
        )
    changed, record, deleted, before, after = result

    module.exit_json(
        changed=changed,
        zone_id=zone["id"],
        record=record,
        deleted=[dns.record_view(r) for r in deleted],
        diff={
            "before": {"name": desired["name"], "records": dns.diff_view(before)},
            "after": {"name": desired["name"], "records": dns.diff_view(after)},
        },
    )


if __name__ == "__main__":
    main()
