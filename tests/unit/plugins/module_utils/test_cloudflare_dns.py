# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of module_utils/cloudflare_dns.py: validation, normalisation, comparison and planning."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare_dns as dns
from ansible_collections.rocketclub.platform.plugins.module_utils.cloudflare_dns import RecordError

ZONE = "rocketclub.online"


@pytest.mark.parametrize(
    "name, fqdn",
    [
        ("@", ZONE),
        ("portal", "portal." + ZONE),
        ("Portal", "portal." + ZONE),
        ("portal." + ZONE, "portal." + ZONE),
        ("PORTAL.RocketClub.Online.", "portal." + ZONE),
        (ZONE + ".", ZONE),
        ("_acme-challenge.portal." + ZONE, "_acme-challenge.portal." + ZONE),
        ("*", "*." + ZONE),
        ("*.apps." + ZONE, "*.apps." + ZONE),
        ("bücher", "xn--bcher-kva." + ZONE),
    ],
)
def test_record_fqdn(name, fqdn):
    assert dns.record_fqdn(name, ZONE) == fqdn
    assert dns.record_fqdn(name, ZONE.upper() + ".") == fqdn


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("portal.example.com", "not inside the zone 'rocketclub.online'"),
        ("portal.example.com.", "not inside the zone"),
        ("portal.", "not inside the zone"),
        ("_acme-challenge.portal", "such as '_acme-challenge.rocketclub.online'"),
        ("evilrocketclub.online", "not inside the zone"),
        ("", "must not be empty"),
        ("bad name", "not a valid host name"),
        ("a" * 64, "not a valid host name"),
        ("x.*." + ZONE, "not a valid host name"),
    ],
)
def test_record_fqdn_rejects(name, fragment):
    with pytest.raises(RecordError) as exc:
        dns.record_fqdn(name, ZONE)
    assert exc.value.option == "name"
    assert str(exc.value).startswith("name: ")
    assert fragment in str(exc.value)


def test_bad_zone_is_named():
    with pytest.raises(RecordError) as exc:
        dns.record_fqdn("www", "not a zone")
    assert exc.value.option == "zone"


@pytest.mark.parametrize(
    "rtype, content, expected",
    [
        ("A", " 192.0.2.1 ", "192.0.2.1"),
        ("AAAA", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("AAAA", "2606:4700::6810:84E5", "2606:4700::6810:84e5"),
        ("CNAME", "D111111ABCDEF8.CloudFront.NET.", "d111111abcdef8.cloudfront.net"),
        ("CNAME", "münchen.example", "xn--mnchen-3ya.example"),
        ("TXT", "v=spf1 include:_spf.google.com ~all", '"v=spf1 include:_spf.google.com ~all"'),
        ("TXT", '"v=spf1 -all"', '"v=spf1 -all"'),
        ("TXT", '"one"  "two"', '"one" "two"'),
        ("TXT", 'say "hi" \\o/', '"say \\"hi\\" \\\\o/"'),
        ("TXT", '"say \\"hi\\""', '"say \\"hi\\""'),
        ("TXT", '"a" trailing', '"\\"a\\" trailing"'),  # not only quoted strings: one plain string
        ("TXT", '"\\065\\066"', '"AB"'),
    ],
)
def test_normalize_content(rtype, content, expected):
    assert dns.normalize_content(rtype, content) == expected


def test_long_txt_is_split_at_255_bytes():
    text = "k=" + "x" * 300
    content = dns.normalize_content("TXT", text)
    assert content == '"' + text[:255] + '" "' + text[255:] + '"'
    assert dns.txt_strings(content) == [text[:255], text[255:]]
    # multi-byte characters are never cut in half
    assert [len(s.encode()) for s in dns.txt_strings("é" * 200)] == [254, 146]


@pytest.mark.parametrize(
    "rtype, content, fragment",
    [
        ("A", "192.0.2", "not an IPv4 address"),
        ("A", "2001:db8::1", "not an IPv4 address"),
        ("AAAA", "192.0.2.1", "not an IPv6 address"),
        ("CNAME", "192.0.2.1", "not an IP address"),
        ("CNAME", "not a host", "not a valid host name"),
        ("CNAME", "portal." + ZONE, "cannot point to itself"),
        ("TXT", "   ", "must not be empty"),
    ],
)
def test_normalize_content_rejects(rtype, content, fragment):
    with pytest.raises(RecordError) as exc:
        dns.normalize_content(rtype, content, fqdn="portal." + ZONE)
    assert exc.value.option == "content"
    assert fragment in str(exc.value)


@pytest.mark.parametrize(
    "rtype, left, right, equal",
    [
        ("CNAME", "Target.Example.", "target.example", True),
        ("AAAA", "2001:db8:0::1", "2001:db8::1", True),
        ("TXT", "hello world", '"hello world"', True),
        ("TXT", '"hello" "world"', '"helloworld"', False),
        ("TXT", "x" * 300, '"' + "x" * 255 + '" "' + "x" * 45 + '"', True),
        ("A", "192.0.2.1", "192.0.2.2", False),
        ("A", "garbage", "garbage", True),  # an unparsable existing content still compares
    ],
)
def test_content_key(rtype, left, right, equal):
    assert (dns.content_key(rtype, left) == dns.content_key(rtype, right)) is equal


@pytest.mark.parametrize(
    "ttl, proxied, fragment",
    [
        (0, False, "not a valid TTL"),
        (29, False, "not a valid TTL"),
        (86401, False, "not a valid TTL"),
        (300, True, "must be 1 (automatic) for a proxied record"),
    ],
)
def test_validate_ttl(ttl, proxied, fragment):
    with pytest.raises(RecordError) as exc:
        dns.validate_ttl(ttl, proxied)
    assert exc.value.option == "ttl" and fragment in str(exc.value)


@pytest.mark.parametrize("ttl, proxied", [(1, True), (1, False), (30, False), (60, False), (86400, False)])
def test_validate_ttl_accepts(ttl, proxied):
    assert dns.validate_ttl(ttl, proxied) == ttl


def test_proxied_default_and_txt():
    assert dns.resolve_proxied("CNAME", None) is True
    assert dns.resolve_proxied("A", False) is False
    assert dns.resolve_proxied("TXT", None) is False
    with pytest.raises(RecordError) as exc:
        dns.resolve_proxied("TXT", True)
    assert exc.value.option == "proxied"


def test_tags_and_comment():
    assert dns.normalize_tags(None) is None
    assert dns.normalize_tags(["team:web", "Env:prod", "team:web", "flag"]) == ["Env:prod", "flag", "team:web"]
    for bad in (
        ["no spaces:x"],
        ["a" * 33 + ":x"],
        ["k:" + "v" * 101],
        ["k:line\nbreak"],
        [f"t{i}:x" for i in range(21)],
    ):
        with pytest.raises(RecordError) as exc:
            dns.normalize_tags(bad)
        assert exc.value.option == "tags"
    assert dns.validate_comment("ok") == "ok"
    for bad in ("two\nlines", "x" * 501):
        with pytest.raises(RecordError) as exc:
            dns.validate_comment(bad)
        assert exc.value.option == "comment"


def desired(**kwargs):
    params = dict(
        zone=ZONE,
        name="portal",
        type="CNAME",
        content="d1.cloudfront.net",
        ttl=1,
        proxied=None,
        comment=None,
        tags=None,
    )
    params.update(kwargs)
    return dns.desired_record(params)


def test_desired_record():
    assert desired() == {
        "name": "portal." + ZONE,
        "type": "CNAME",
        "content": "d1.cloudfront.net",
        "ttl": 1,
        "proxied": True,
        "comment": None,
        "tags": None,
    }
    assert desired(type="TXT", content="x")["proxied"] is False


@pytest.mark.parametrize(
    "plan, kwargs, fragment",
    [
        ("free", {"proxied": False, "ttl": 30}, "ttl: 30 is below 60 seconds"),
        ("pro", {"proxied": False, "ttl": 59}, "ttl: 59 is below 60 seconds"),
        ("free", {"comment": "c" * 101}, "comment: 101 characters"),
        ("free", {"tags": ["team:web"]}, "tags: DNS record tags need a paid plan"),
    ],
)
def test_zone_problems(plan, kwargs, fragment):
    problems = dns.zone_problems({"plan": {"legacy_id": plan}}, desired(**kwargs))
    assert len(problems) == 1 and fragment in problems[0]


def test_zone_allows():
    assert dns.zone_problems({"plan": {"legacy_id": "enterprise"}}, desired(proxied=False, ttl=30, tags=["a:b"])) == []
    assert dns.zone_problems({"plan": {"legacy_id": "pro"}}, desired(comment="c" * 500, tags=["a:b"])) == []
    assert dns.zone_problems({}, desired()) == []


def rec(rid, rtype, content, **kwargs):
    record = {
        "id": rid,
        "zone_id": "z",
        "name": "portal." + ZONE,
        "type": rtype,
        "content": content,
        "ttl": 1,
        "proxied": True,
        "comment": None,
        "tags": [],
        "created_on": rid,
    }
    record.update(kwargs)
    return record


@pytest.mark.parametrize(
    "records, want, solo, managed, changes, delete, conflicts",
    [
        # nothing there: create
        ([], {}, False, None, "create", [], []),
        # identical (content written differently): nothing to do
        ([rec("1", "CNAME", "D1.CloudFront.Net.")], {}, False, "1", {}, [], []),
        # the one CNAME of a name is updated in place
        (
            [rec("1", "CNAME", "old.example", ttl=1, proxied=False)],
            {},
            False,
            "1",
            {"content": "d1.cloudfront.net", "proxied": True},
            [],
            [],
        ),
        # CNAME over an A record: conflict unless solo
        ([rec("1", "A", "192.0.2.1"), rec("2", "TXT", '"v"')], {}, False, None, "create", [], ["1"]),
        (
            [rec("1", "A", "192.0.2.1"), rec("2", "AAAA", "2001:db8::1"), rec("3", "TXT", '"v"')],
            {},
            True,
            None,
            "create",
            ["1", "2"],
            [],
        ),
        # A next to other A records: added (round robin), or solo replaces them, updating the first in place
        (
            [rec("1", "A", "192.0.2.1"), rec("2", "A", "192.0.2.2")],
            {"type": "A", "content": "192.0.2.3"},
            False,
            None,
            "create",
            [],
            [],
        ),
        (
            [rec("1", "A", "192.0.2.1"), rec("2", "A", "192.0.2.2")],
            {"type": "A", "content": "192.0.2.3"},
            True,
            "1",
            {"content": "192.0.2.3"},
            ["2"],
            [],
        ),
        (
            [rec("1", "A", "192.0.2.1"), rec("2", "A", "192.0.2.2")],
            {"type": "A", "content": "192.0.2.2"},
            True,
            "2",
            {},
            ["1"],
            [],
        ),
        # A over a CNAME: conflict (81054), solo deletes the CNAME
        ([rec("1", "CNAME", "x.example")], {"type": "A", "content": "192.0.2.3"}, False, None, "create", [], ["1"]),
        (
            [rec("1", "CNAME", "x.example"), rec("2", "AAAA", "2001:db8::1")],
            {"type": "A", "content": "192.0.2.3"},
            True,
            None,
            "create",
            ["1"],
            [],
        ),
        # TXT records never conflict; solo replaces only TXT
        (
            [rec("1", "CNAME", "x.example"), rec("2", "TXT", "other")],
            {"type": "TXT", "content": "v=1"},
            False,
            None,
            "create",
            [],
            [],
        ),
        (
            [rec("1", "CNAME", "x.example"), rec("2", "TXT", "other")],
            {"type": "TXT", "content": "v=1"},
            True,
            "2",
            {"content": '"v=1"', "proxied": False},
            [],
            [],
        ),
        # comment and tags only compared when given; tags as a set, names case-insensitive
        (
            [rec("1", "CNAME", "d1.cloudfront.net", comment="old", tags=["Team:web"])],
            {"tags": ["team:web"]},
            False,
            "1",
            {},
            [],
            [],
        ),
        (
            [rec("1", "CNAME", "d1.cloudfront.net", comment="old", tags=["team:web"])],
            {"comment": "", "tags": []},
            False,
            "1",
            {"comment": None, "tags": []},
            [],
            [],
        ),
        (
            [rec("1", "CNAME", "d1.cloudfront.net")],
            {"comment": "new", "tags": ["b:2", "a:1"]},
            False,
            "1",
            {"comment": "new", "tags": ["a:1", "b:2"]},
            [],
            [],
        ),
    ],
)
def test_plan_present(records, want, solo, managed, changes, delete, conflicts):
    target = desired(**want)
    if target["type"] == "TXT":
        target["proxied"] = False
    plan = dns.plan_present(records, target, solo)
    assert (plan.managed or {}).get("id") == managed
    if changes == "create":
        assert plan.changes == dns.create_body(target)
    else:
        assert plan.changes == changes
    assert [r["id"] for r in plan.delete] == delete
    assert [r["id"] for r in plan.conflicts] == conflicts


def test_create_body_and_prediction():
    target = desired(comment="portal", tags=["team:web"])
    assert dns.create_body(target) == {
        "type": "CNAME",
        "name": "portal." + ZONE,
        "content": "d1.cloudfront.net",
        "ttl": 1,
        "proxied": True,
        "comment": "portal",
        "tags": ["team:web"],
    }
    assert "comment" not in dns.create_body(desired(comment=""))
    plan = dns.plan_present([], target, False)
    assert dns.predicted(plan, target, "z") == {
        "id": None,
        "zone_id": "z",
        "name": "portal." + ZONE,
        "type": "CNAME",
        "content": "d1.cloudfront.net",
        "ttl": 1,
        "proxied": True,
        "comment": "portal",
        "tags": ["team:web"],
    }
    existing = rec("1", "CNAME", "old.example", comment="x")
    plan = dns.plan_present([existing], target, False)
    view = dns.predicted(plan, target, "z")
    assert (view["id"], view["content"], view["comment"], view["tags"]) == (
        "1",
        "d1.cloudfront.net",
        "portal",
        ["team:web"],
    )


@pytest.mark.parametrize(
    "content, deleted",
    [(None, ["1", "2"]), ("192.0.2.2", ["2"]), ("192.0.2.9", [])],
)
def test_plan_absent(content, deleted):
    records = [rec("1", "A", "192.0.2.1"), rec("2", "A", "192.0.2.2"), rec("3", "TXT", "x")]
    assert [r["id"] for r in dns.plan_absent(records, "A", content)] == deleted


def test_views_and_remaining():
    records = [rec("2", "TXT", "b", tags=["z:1", "A:2"], comment=""), rec("1", "A", "192.0.2.1", proxied=None)]
    assert dns.diff_view(records) == [
        {
            "name": "portal." + ZONE,
            "type": "A",
            "content": "192.0.2.1",
            "ttl": 1,
            "proxied": False,
            "comment": None,
            "tags": [],
        },
        {
            "name": "portal." + ZONE,
            "type": "TXT",
            "content": "b",
            "ttl": 1,
            "proxied": True,
            "comment": None,
            "tags": ["A:2", "z:1"],
        },
    ]
    assert [r["id"] for r in dns.remaining(records, [records[1]])] == ["2"]
    assert dns.remaining(records, [], kept=records[0]) == [records[1]]


def test_conflict_message_names_record_and_fix():
    message = dns.conflict_message(desired(), [rec("abc", "A", "192.0.2.1")])
    assert "A record portal.rocketclub.online -> 192.0.2.1 (id abc)" in message
    assert "error 81053" in message and "solo: true" in message and "Nothing was changed" in message
    assert "error 81054" in dns.conflict_message(
        desired(type="A", content="192.0.2.3"), [rec("c", "CNAME", "x.example")]
    )


def test_pending_content_and_name_are_kept_and_differ_from_every_record():
    """Check-mode placeholders: kept as given (not validated as host names), and never equal to live content."""
    target = desired(content="pending:cloudfront-domain-name/docs")
    assert target["content"] == "pending:cloudfront-domain-name/docs"
    plan = dns.plan_present([rec("1", "CNAME", "d1.cloudfront.net")], target, False)
    assert plan.managed["id"] == "1" and plan.changes == {"content": "pending:cloudfront-domain-name/docs"}
    assert dns.content_key("CNAME", "pending:x/y") != dns.content_key("CNAME", "pending-x.y")
    named = desired(name="pending:acm-validation-record/docs." + ZONE, proxied=False)
    assert named["name"] == "pending:acm-validation-record/docs." + ZONE
