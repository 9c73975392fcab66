# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure logic of ``rocketclub.platform.cloudflare_dns_record``: validate and normalise the desired record,
compare it with the records Cloudflare holds at that name, and plan the writes.

Nothing here talks to the API. Records are the dicts of the Cloudflare v4 API (``id``, ``name``, ``type``,
``content``, ``ttl``, ``proxied``, ``comment``, ``tags``...).
"""

from __future__ import annotations

import ipaddress
import re
from collections import namedtuple

from ansible_collections.rocketclub.platform.plugins.module_utils.pending import is_pending

RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT")
PROXIABLE_TYPES = ("A", "AAAA", "CNAME")
# The types that may not share a name with a record of the given type (Cloudflare errors 81053 and 81054).
BLOCKING_TYPES = {"CNAME": ("A", "AAAA"), "A": ("CNAME",), "AAAA": ("CNAME",), "TXT": ()}
# Types a solo record replaces besides its own type.
SOLO_TYPES = {"CNAME": ("A", "AAAA", "CNAME"), "A": ("A", "CNAME"), "AAAA": ("AAAA", "CNAME"), "TXT": ("TXT",)}

AUTO_TTL = 1
MIN_TTL = 60
MIN_TTL_ENTERPRISE = 30
MAX_TTL = 86400
TXT_STRING_BYTES = 255
COMMENT_MAX = 500
COMMENT_MAX_FREE = 100
TAG_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
TAG_VALUE_MAX = 100
TAGS_MAX = 20
LABEL_RE = re.compile(r"^[a-z0-9_-]{1,63}$")
TXT_QUOTED_RE = re.compile(r'\s*"((?:[^"\\]|\\.)*)"', re.S)
ESCAPE_RE = re.compile(r"\\(\d{3}|.)", re.S)

VIEW_KEYS = ("id", "zone_id", "name", "type", "content", "ttl", "proxied", "comment", "tags")

Plan = namedtuple("Plan", "managed changes delete conflicts")


class RecordError(ValueError):
    """Bad input for one option; ``str()`` names the option."""

    def __init__(self, option, message):
        self.option = option
        super().__init__(f"{option}: {message}")


# -- names ---------------------------------------------------------------------------------------------------


def _ascii(text, option):
    try:
        return text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise RecordError(option, f"{text!r} is not a valid domain name") from None


def hostname(text, option, wildcard=False):
    """Lower-case ASCII (Punycode) host name without the trailing dot; ``RecordError`` when invalid."""
    name = _ascii(str(text).strip().lower().rstrip("."), option)
    labels = name.split(".")
    bad = [
        label
        for index, label in enumerate(labels)
        if not (LABEL_RE.match(label) or (wildcard and index == 0 and label == "*"))
    ]
    if not name or bad or len(name) > 253:
        raise RecordError(
            option,
            f"{text!r} is not a valid host name (labels of 1 to 63 letters, digits, '-' or '_', "
            "253 characters at most)",
        )
    return name


def zone_name(text):
    return hostname(text, "zone")


def record_fqdn(name, zone):
    """The FQDN of ``name`` in ``zone``: ``@`` is the apex, one label is relative, anything else must end with the zone.

    A name with several labels that does not end with the zone is refused rather than silently appended to the
    zone (as the API would do), because it is nearly always an FQDN of another zone.
    """
    zone = zone_name(zone)
    text = str(name).strip().lower()
    bare = text.rstrip(".")
    if not text:
        raise RecordError("name", "must not be empty; use '@' for the zone apex")
    if bare in ("@", ""):
        return zone
    bare = _ascii(bare, "name")
    if bare == zone or bare.endswith("." + zone):
        return hostname(bare, "name", wildcard=True)
    if text.endswith(".") or "." in bare:
        raise RecordError(
            "name",
            f"{name!r} is not inside the zone {zone!r}. Give '@', a single label relative to the zone "
            f"(such as 'portal') or a fully qualified name ending with .{zone} "
            f"(such as '{bare.split('.', maxsplit=1)[0]}.{zone}'); records of another zone need zone set to that zone.",
        )
    return hostname(f"{bare}.{zone}", "name", wildcard=True)


# -- content -------------------------------------------------------------------------------------------------


def txt_strings(content):
    """The character strings of TXT content: quoted strings (RFC 1035) when it is written so, else the text as one
    string; strings longer than 255 bytes are split as Cloudflare does."""
    text = str(content)
    strings = None
    if text.strip().startswith('"'):
        strings, end = [], 0
        for match in TXT_QUOTED_RE.finditer(text):
            if match.start() != end:
                break
            strings.append(ESCAPE_RE.sub(_unescape, match.group(1)))
            end = match.end()
        if text[end:].strip():
            strings = None
    if strings is None:
        strings = [text]
    return [chunk for string in strings for chunk in _split_bytes(string)]


def _unescape(match):
    value = match.group(1)
    return chr(int(value)) if value.isdigit() else value


def _split_bytes(string):
    chunks, current, size = [], "", 0
    for char in string:
        width = len(char.encode("utf-8"))
        if size + width > TXT_STRING_BYTES:
            chunks.append(current)
            current, size = "", 0
        current += char
        size += width
    chunks.append(current)
    return chunks


def txt_content(strings):
    """Quoted TXT content, as Cloudflare recommends it: ``"one" "two"``."""
    return " ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in strings)


def normalize_content(rtype, content, fqdn=None):
    """The content to send for a record of type ``rtype``; ``RecordError('content', ...)`` when invalid."""
    text = str(content if content is not None else "").strip()
    if not text:
        raise RecordError("content", f"must not be empty for a {rtype} record")
    if rtype in ("A", "AAAA"):
        kind = ipaddress.IPv4Address if rtype == "A" else ipaddress.IPv6Address
        try:
            return str(kind(text))
        except ValueError:
            family = "IPv4" if rtype == "A" else "IPv6"
            raise RecordError("content", f"{content!r} is not an {family} address, as a {rtype} record needs") from None
    if rtype == "CNAME":
        try:
            ipaddress.ip_address(text)
        except ValueError:
            pass
        else:
            raise RecordError(
                "content", f"a CNAME points to a host name, not an IP address ({content!r}); use type A or AAAA"
            )
        target = hostname(text, "content")
        if target == fqdn:
            raise RecordError("content", f"a CNAME cannot point to itself ({target})")
        return target
    return txt_content(txt_strings(content))


def content_key(rtype, content):
    """What two contents are compared by (existing records may hold content written differently); a check-mode
    placeholder equals no content Cloudflare holds."""
    if is_pending(content):
        return ("pending", content)
    try:
        if rtype == "TXT":
            return tuple(txt_strings(content))
        return normalize_content(rtype, content)
    except RecordError:
        return str(content)


# -- other fields --------------------------------------------------------------------------------------------


def tag_key(tag):
    """Tags compare with a case-insensitive name: ``Team:web`` equals ``team:web``."""
    name, sep, value = str(tag).partition(":")
    return name.lower() + sep + value


def normalize_tags(tags):
    """Validate ``name:value`` tags; return them sorted and without duplicates (``None`` stays ``None``)."""
    if tags is None:
        return None
    problems = []
    for tag in tags:
        name, _sep, value = str(tag).partition(":")
        if not TAG_NAME_RE.match(name) or len(value) > TAG_VALUE_MAX or "\n" in value or "\r" in value:
            problems.append(tag)
    if problems:
        raise RecordError(
            "tags",
            f"invalid tag(s) {problems}: a tag is 'name:value', the name 1 to 32 letters, digits, '-' or '_', "
            f"the value at most {TAG_VALUE_MAX} characters without line breaks",
        )
    unique = {tag_key(tag): str(tag) for tag in tags}
    if len(unique) > TAGS_MAX:
        raise RecordError("tags", f"{len(unique)} tags given; Cloudflare allows at most {TAGS_MAX} per record")
    return [unique[key] for key in sorted(unique)]


def validate_comment(comment):
    if comment is None:
        return None
    if "\n" in comment or "\r" in comment:
        raise RecordError("comment", "must not contain line breaks")
    if len(comment) > COMMENT_MAX:
        raise RecordError("comment", f"is {len(comment)} characters long; Cloudflare allows at most {COMMENT_MAX}")
    return comment


def resolve_proxied(rtype, proxied):
    if proxied is None:
        return rtype in PROXIABLE_TYPES
    if proxied and rtype not in PROXIABLE_TYPES:
        raise RecordError(
            "proxied", f"only A, AAAA and CNAME records can be proxied, not {rtype}; set proxied: false or leave it out"
        )
    return proxied


def validate_ttl(ttl, proxied):
    if ttl != AUTO_TTL and not MIN_TTL_ENTERPRISE <= ttl <= MAX_TTL:
        raise RecordError(
            "ttl",
            f"{ttl} is not a valid TTL: use 1 (automatic) or {MIN_TTL} to {MAX_TTL} seconds "
            f"({MIN_TTL_ENTERPRISE} on Enterprise zones)",
        )
    if proxied and ttl != AUTO_TTL:
        raise RecordError(
            "ttl",
            f"must be 1 (automatic) for a proxied record, not {ttl}: Cloudflare always serves proxied records with an "
            "automatic TTL (300 s); set proxied: false to choose a TTL",
        )
    return ttl


def desired_record(params):
    """The record the options ask for (``comment``/``tags`` ``None`` = left as they are); raises ``RecordError``.

    A check-mode placeholder (``pending:<kind>/<name>``) as the name or the content is kept as it is: the record
    it stands for is not known yet, so it differs from every record Cloudflare holds (see ``plan_present``)."""
    rtype = params["type"]
    fqdn = params["name"] if is_pending(params["name"]) else record_fqdn(params["name"], params["zone"])
    proxied = resolve_proxied(rtype, params.get("proxied"))
    content = params.get("content")
    if content is not None and not is_pending(content):
        content = normalize_content(rtype, content, fqdn)
    return {
        "name": fqdn,
        "type": rtype,
        "content": content,
        "ttl": validate_ttl(params.get("ttl", AUTO_TTL), proxied),
        "proxied": proxied,
        "comment": validate_comment(params.get("comment")),
        "tags": normalize_tags(params.get("tags")),
    }


def zone_problems(zone, desired):
    """What the zone's plan does not allow in ``desired`` (checked before any write)."""
    plan = str((zone.get("plan") or {}).get("legacy_id") or "").lower()
    problems = []
    if plan != "enterprise" and desired["ttl"] != AUTO_TTL and desired["ttl"] < MIN_TTL:
        problems.append(
            f"ttl: {desired['ttl']} is below {MIN_TTL} seconds, the minimum outside Enterprise zones "
            f"(zone plan {plan or 'unknown'})"
        )
    if plan == "free" and desired.get("comment") and len(desired["comment"]) > COMMENT_MAX_FREE:
        problems.append(
            f"comment: {len(desired['comment'])} characters; a zone on the Free plan allows at most {COMMENT_MAX_FREE}"
        )
    if plan == "free" and desired.get("tags"):
        problems.append(
            "tags: DNS record tags need a paid plan, and this zone is on the Free plan; leave tags out or use comment"
        )
    return problems


# -- compare and plan ----------------------------------------------------------------------------------------


def record_view(record):
    """The fields the module returns, normalised (sorted tags, ``None`` comment)."""
    view = {key: record.get(key) for key in VIEW_KEYS}
    view["tags"] = sorted(record.get("tags") or [], key=tag_key)
    view["comment"] = record.get("comment") or None
    view["proxied"] = bool(record.get("proxied"))
    return view


def diff_view(records):
    """Records as ``--diff`` shows them: no ids, sorted by type and content."""
    views = [{key: value for key, value in record_view(r).items() if key not in ("id", "zone_id")} for r in records]
    return sorted(views, key=lambda v: (v["type"], str(v["content"])))


def changes(current, desired):
    """The fields of ``current`` to PATCH so that it becomes ``desired``."""
    found = {}
    if content_key(desired["type"], current.get("content")) != content_key(desired["type"], desired["content"]):
        found["content"] = desired["content"]
    if current.get("ttl") != desired["ttl"]:
        found["ttl"] = desired["ttl"]
    if bool(current.get("proxied")) != desired["proxied"]:
        found["proxied"] = desired["proxied"]
    if desired["comment"] is not None and (current.get("comment") or "") != desired["comment"]:
        found["comment"] = desired["comment"] or None
    if desired["tags"] is not None and sorted(map(tag_key, current.get("tags") or [])) != sorted(
        map(tag_key, desired["tags"])
    ):
        found["tags"] = desired["tags"]
    return found


def create_body(desired):
    body = {key: desired[key] for key in ("type", "name", "content", "ttl", "proxied")}
    if desired["comment"]:
        body["comment"] = desired["comment"]
    if desired["tags"]:
        body["tags"] = desired["tags"]
    return body


def _order(records):
    return sorted(records, key=lambda r: (str(r.get("created_on") or ""), str(r.get("id"))))


def plan_present(records, desired, solo):
    """Plan ``state=present`` over the records at the name.

    ``managed`` is the record to keep (``None``: create one), ``changes`` the fields to PATCH into it (or the body
    to POST), ``delete`` the records to delete first (solo), ``conflicts`` the records that block the desired one
    when not solo (the write would fail with 81053/81054).
    """
    rtype = desired["type"]
    want = content_key(rtype, desired["content"])
    same = _order(r for r in records if r.get("type") == rtype)
    matches = [r for r in same if content_key(rtype, r.get("content")) == want]
    managed = matches[0] if matches else (same[0] if same and (solo or rtype == "CNAME") else None)
    conflicts = [r for r in _order(records) if r.get("type") in BLOCKING_TYPES[rtype]]
    delete = []
    if solo:
        delete = [r for r in _order(records) if r.get("type") in SOLO_TYPES[rtype] and r is not managed]
        conflicts = []
    body = changes(managed, desired) if managed is not None else create_body(desired)
    return Plan(managed, body, delete, conflicts)


def plan_absent(records, rtype, content):
    """The records ``state=absent`` deletes: those of the type (and content, when given) at the name."""
    want = content_key(rtype, content) if content is not None else None
    return [
        r
        for r in _order(records)
        if r.get("type") == rtype and (want is None or content_key(rtype, r.get("content")) == want)
    ]


def predicted(plan, desired, zone_id):
    """The managed record as it will be after the plan (``id`` ``None`` for a record still to create)."""
    if plan.managed is None:
        record = dict(create_body(desired), id=None, zone_id=zone_id)
    else:
        record = dict(plan.managed, **plan.changes)
    return record_view(record)


def remaining(records, gone, kept=None):
    """``records`` without those in ``gone`` (and without ``kept``, which the caller adds back as it will be)."""
    ids = {r.get("id") for r in gone} | ({kept.get("id")} if kept is not None else set())
    return [r for r in records if r.get("id") not in ids]


def describe(record):
    return f"{record.get('type')} record {record.get('name')} -> {record.get('content')} (id {record.get('id')})"


def conflict_message(desired, conflicts):
    """Why the desired record cannot be written next to ``conflicts``, and what to do."""
    code = 81053 if desired["type"] == "CNAME" else 81054
    listed = "; ".join(describe(r) for r in conflicts)
    return (
        f"Cannot write the {desired['type']} record {desired['name']} -> {desired['content']}: {listed} "
        "already exists at that name, and Cloudflare does not allow a CNAME next to an A, AAAA or other "
        f"CNAME record (error {code}). Nothing was changed. Set solo: true to replace it, or delete it first."
    )
