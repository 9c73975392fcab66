# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-process tests of rocketclub.platform.cloudflare_dns_record against the local cloud's Cloudflare emulator.

The emulator (tools/localcloud/cloudflare_api.py, stdlib only) runs in this process: ``fetch_url`` of
module_utils/cloudflare.py is replaced by a call of its WSGI application, so the module meets the emulator's
validation, conflicts (81053/81054/81057), pagination and faults, and the tests read its state and request log.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import cloudflare
from ansible_collections.rocketclub.platform.plugins.modules import cloudflare_dns_record as module_under_test
from localcloud.testing import InProcessCloudflare

ZONE = "rocketclub.online"
ZONE_ID = hashlib.md5(ZONE.encode()).hexdigest()  # as the emulator makes it
TOKEN = "cf-unit-token-never-printed"
BASE = "http://cloudflare.invalid/client/v4"
TARGET = "d111111abcdef8.cloudfront.net"


class Emulator(InProcessCloudflare):
    """The in-process emulator, with the record helpers these tests use."""

    def state(self):
        """Every record of every zone (the fields the module manages), sorted."""
        fields = ("name", "type", "content", "ttl", "proxied", "comment", "tags")
        records = [{k: r[k] for k in fields} for recs in self.records.values() for r in recs.values()]
        return sorted(records, key=lambda r: (r["name"], r["type"], r["content"]))

    def add(self, name, rtype, content, **kwargs):
        zone = next(z for z in self.zones.values() if z["name"] == ZONE)
        return self._store(zone, dict({"name": name, "type": rtype, "content": content}, **kwargs))


@pytest.fixture
def cf(monkeypatch):
    return Emulator(zones=[ZONE], tokens=[TOKEN]).install(monkeypatch, cloudflare)


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, diff=True, **kwargs):
        args = dict(zone=ZONE, name="portal", content=TARGET, api_token=TOKEN, api_base_url=BASE)
        args.update(kwargs)
        args = {k: v for k, v in args.items() if v is not None}
        result = run_module(module_under_test.main, args, check_mode=check_mode, diff=diff, aws=False)
        assert TOKEN not in result.out
        return result.result

    return _run


def portal(**kwargs):
    record = dict(name="portal." + ZONE, type="CNAME", content=TARGET, ttl=1, proxied=True, comment=None, tags=[])
    record.update(kwargs)
    return record


def test_create_four_ways(run, cf):
    check = run(check_mode=True, comment="Backstage")
    assert check["changed"] is True and cf.state() == [] and cf.writes() == []
    assert check["zone_id"] == ZONE_ID
    assert check["record"] == dict(portal(comment="Backstage"), id=None, zone_id=ZONE_ID)
    assert check["diff"] == {
        "before": {"name": "portal." + ZONE, "records": []},
        "after": {"name": "portal." + ZONE, "records": [portal(comment="Backstage")]},
    }

    applied = run(comment="Backstage")
    assert applied["changed"] is True
    assert cf.state() == [portal(comment="Backstage")]
    assert cf.writes() == [f"POST /zones/{applied['zone_id']}/dns_records"]
    assert applied["record"]["id"] and {
        k: v for k, v in applied["record"].items() if k not in ("id", "zone_id")
    } == portal(comment="Backstage")
    assert applied["diff"]["after"] == check["diff"]["after"]

    cf.log.clear()
    for check_mode in (True, False):
        again = run(
            check_mode=check_mode, comment="Backstage", name="PORTAL.rocketclub.online.", content=TARGET.upper() + "."
        )
        assert again["changed"] is False and again["record"] == applied["record"]
        assert again["diff"]["before"] == again["diff"]["after"]
    assert cf.writes() == []
    # two reads per run: the zone and the records at the name
    assert [e["path"].rsplit("/", 1)[-1] for e in cf.log] == ["zones", "dns_records"] * 2


def test_update_in_place_and_leave_comment_alone(run, cf):
    old = cf.add("portal." + ZONE, "CNAME", "old.example", proxied=False, comment="keep me")
    result = run()
    assert result["changed"] is True and result["record"]["id"] == old["id"]
    assert cf.state() == [portal(comment="keep me")]
    assert cf.writes() == [f"PATCH /zones/{result['zone_id']}/dns_records/{old['id']}"]
    assert result["diff"]["before"]["records"][0]["content"] == "old.example"


def test_cname_over_a_record_fails_before_any_write(run, cf):
    cf.add("portal." + ZONE, "A", "192.0.2.1", proxied=True)
    cf.add("portal." + ZONE, "TXT", "verification")
    before = cf.state()
    for check_mode in (True, False):
        result = run(check_mode=check_mode)
        assert result["failed"] is True and result["changed"] is False
        assert "A record portal.rocketclub.online -> 192.0.2.1" in result["msg"]
        assert "81053" in result["msg"] and "solo: true" in result["msg"]
        assert [c["type"] for c in result["conflicts"]] == ["A"]
    assert cf.state() == before and cf.writes() == []


def test_solo_replaces_address_records_first(run, cf):
    a = cf.add("portal." + ZONE, "A", "192.0.2.1", proxied=True)
    aaaa = cf.add("portal." + ZONE, "AAAA", "2001:db8::1", proxied=True)
    cf.add("portal." + ZONE, "TXT", "verification")
    check = run(check_mode=True, solo=True)
    assert check["changed"] is True and len(cf.state()) == 3
    assert sorted(d["type"] for d in check["deleted"]) == ["A", "AAAA"]
    result = run(solo=True)
    path = f"/zones/{result['zone_id']}/dns_records"
    assert sorted(cf.writes()[:2]) == sorted([f"DELETE {path}/{a['id']}", f"DELETE {path}/{aaaa['id']}"])
    assert cf.writes()[2:] == [f"POST {path}"]
    assert [r["type"] for r in cf.state()] == ["CNAME", "TXT"]
    assert result["diff"]["after"] == check["diff"]["after"]
    assert run(solo=True)["changed"] is False


def test_a_records_round_robin_and_solo(run, cf):
    args = dict(name="www", type="A", proxied=False, ttl=300)
    assert run(content="192.0.2.1", **args)["changed"] is True
    assert run(content="192.0.2.2", **args)["changed"] is True
    assert [r["content"] for r in cf.state()] == ["192.0.2.1", "192.0.2.2"]
    result = run(content="192.0.2.3", solo=True, **args)
    assert [r["content"] for r in cf.state()] == ["192.0.2.3"]
    assert [d["content"] for d in result["deleted"]] == ["192.0.2.2"]  # the first one was updated in place
    assert result["record"]["ttl"] == 300 and result["record"]["proxied"] is False


def test_a_over_cname_fails_with_81054_hint(run, cf):
    cf.add("portal." + ZONE, "CNAME", TARGET)
    result = run(type="A", content="192.0.2.1")
    assert result["failed"] is True and "81054" in result["msg"] and cf.writes() == []


def test_txt_and_tags_on_a_paid_zone(run, cf):
    cf.control("POST", "zones", json.dumps({"name": ZONE, "plan": "pro"}).encode())
    args = dict(
        name="@", type="TXT", content="v=spf1 include:_spf.example.com ~all", tags=["team:platform", "Env:prod"]
    )
    first = run(**args)
    assert first["changed"] is True
    stored = dict(
        name=ZONE,
        type="TXT",
        content='"v=spf1 include:_spf.example.com ~all"',
        ttl=1,
        proxied=False,
        comment=None,
        tags=["Env:prod", "team:platform"],
    )
    assert cf.state() == [stored]
    assert run(**dict(args, tags=["env:prod", "team:platform"]))["changed"] is False
    assert run(**dict(args, tags=[]))["changed"] is True and cf.state()[0]["tags"] == []


def test_unquoted_txt_written_elsewhere_is_not_rewritten(run, cf):
    cf.add(ZONE, "TXT", "google-site-verification=abc")
    cf.log.clear()
    assert run(name="@", type="TXT", content="google-site-verification=abc")["changed"] is False
    assert cf.writes() == []


def test_enterprise_zone_allows_ttl_30(run, cf):
    cf.control("POST", "zones", json.dumps({"name": ZONE, "plan": "enterprise"}).encode())
    result = run(type="A", content="192.0.2.1", proxied=False, ttl=30)
    assert result["changed"] is True and cf.state()[0]["ttl"] == 30


def test_absent(run, cf):
    for content in ("192.0.2.1", "192.0.2.2"):
        cf.add("www." + ZONE, "A", content)
    cf.add("www." + ZONE, "TXT", "keep")
    one = run(name="www", type="A", content="192.0.2.2", state="absent")
    assert one["changed"] is True and [d["content"] for d in one["deleted"]] == ["192.0.2.2"] and one["record"] is None
    check = run(check_mode=True, name="www", type="A", content=None, state="absent")
    assert check["changed"] is True and len(cf.state()) == 2
    assert run(name="www", type="A", content=None, state="absent")["changed"] is True
    assert [r["type"] for r in cf.state()] == ["TXT"]
    assert run(name="www", type="A", content=None, state="absent")["changed"] is False


def test_pagination_reads_every_page(run, cf, monkeypatch):
    last = [cf.add("www." + ZONE, "A", f"192.0.2.{i}") for i in range(1, 6)][-1]
    monkeypatch.setattr(
        module_under_test.CloudflareClient, "paginate", _small_pages(module_under_test.CloudflareClient.paginate)
    )
    cf.log.clear()
    result = run(name="www", type="A", content="192.0.2.5", proxied=False)
    # the match on the last page was found: nothing to add
    assert result["changed"] is False and result["record"]["id"] == last["id"] and cf.writes() == []
    assert len(result["diff"]["before"]["records"]) == 5
    pages = [e["query"] for e in cf.log if e["path"].endswith("/dns_records")]
    assert len(pages) == 3 and all("name.exact=www.rocketclub.online" in q for q in pages)


def _small_pages(paginate):
    def two_per_page(self, path, params=None, per_page=100):
        return paginate(self, path, params, per_page=2)

    return two_per_page


def test_retry_after_429_then_success(run, cf):
    cf.faults.append({"status": 429, "count": 1, "retry_after": 2})
    result = run()
    assert result["changed"] is True and cf.sleeps == [2.0]
    assert [(e["method"], e["status"]) for e in cf.log[:2]] == [("GET", 429), ("GET", 200)]
    assert cf.log[0]["path"] == cf.log[1]["path"] and cf.log[0]["query"] == cf.log[1]["query"]


def test_expired_token_fails_before_any_write(run, cf):
    cf.tokens[TOKEN] = "expired"
    result = run()
    assert result["failed"] is True and result["changed"] is False
    assert "HTTP 401: [10000] Authentication error" in result["msg"] and "CLOUDFLARE_API_TOKEN" in result["msg"]
    assert result["errors"] == [{"code": 10000, "message": "Authentication error"}]
    assert [e["path"] for e in cf.log] == ["/client/v4/zones"] and cf.state() == []


def test_token_from_environment(run, cf, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    assert run(api_token=None)["changed"] is True


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"api_token": None}, "api_token: no Cloudflare API token given"),
        ({"name": "portal.example.com"}, "name: 'portal.example.com' is not inside the zone"),
        ({"ttl": 5}, "ttl: 5 is not a valid TTL"),
        ({"ttl": 300}, "ttl: must be 1 (automatic) for a proxied record"),
        ({"type": "TXT", "proxied": True}, "proxied: only A, AAAA and CNAME records can be proxied"),
        ({"type": "A", "content": "not-an-ip"}, "content: 'not-an-ip' is not an IPv4 address"),
        ({"content": None}, "state is present but all of the following are missing: content"),
        ({"tags": ["bad tag"]}, "tags: invalid tag(s)"),
        ({"comment": "two\nlines"}, "comment: must not contain line breaks"),
    ],
)
def test_bad_input_makes_no_api_call(run, cf, args, fragment):
    result = run(**args)
    assert result["failed"] is True and fragment in result["msg"]
    assert cf.log == []


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"zone": "unknown.example"}, "zone: no zone named 'unknown.example' is visible to this API token"),
        ({"type": "A", "content": "192.0.2.1", "proxied": False, "ttl": 30}, "ttl: 30 is below 60 seconds"),
        ({"tags": ["team:web"]}, "tags: DNS record tags need a paid plan"),
        ({"comment": "c" * 101}, "comment: 101 characters; a zone on the Free plan allows at most 100"),
    ],
)
def test_zone_dependent_errors_make_no_write(run, cf, args, fragment):
    result = run(**args)
    assert result["failed"] is True and fragment in result["msg"]
    assert cf.writes() == [] and [e["path"] for e in cf.log] == ["/client/v4/zones"]


# -- check-mode placeholders (pending:<kind>/<name>) --------------------------------------------------------------

PENDING_TARGET = "pending:cloudfront-domain-name/docs"


def test_check_mode_pending_content_creates_a_new_record(run, cf):
    """A CNAME to a distribution check mode would create: changed, no write, no placeholder sent anywhere."""
    check = run(check_mode=True, name="docs", content=PENDING_TARGET)
    assert check["changed"] is True and cf.writes() == [] and cf.state() == []
    assert check["record"]["content"] == PENDING_TARGET and check["record"]["id"] is None
    assert check["diff"]["after"]["records"][0]["content"] == PENDING_TARGET
    assert not any("pending" in call for call in cf.calls())


def test_check_mode_pending_content_updates_an_existing_cname(run, cf):
    """A CNAME whose target would be a new distribution differs from whatever it points at today."""
    cf.add("portal." + ZONE, "CNAME", TARGET, proxied=True, ttl=1)
    check = run(check_mode=True, content=PENDING_TARGET)
    assert check["changed"] is True and cf.writes() == []
    assert check["record"]["content"] == PENDING_TARGET and check["record"]["id"]
    assert cf.state() == [portal()]


def test_check_mode_pending_name_is_not_looked_up(run, cf):
    """A validation record of a certificate check mode would request: no name to look up, it would be created."""
    name = "pending:acm-validation-record/docs.rocketclub.online"
    value = "pending:acm-validation-value/docs.rocketclub.online"
    check = run(check_mode=True, name=name, content=value, proxied=False)
    assert check["changed"] is True and cf.writes() == []
    assert check["record"]["name"] == name
    assert [call for call in cf.calls() if "dns_records" in call] == []


@pytest.mark.parametrize("option", ["name", "content"])
def test_real_run_refuses_a_placeholder_before_any_call(run, cf, option):
    value = "pending:cloudfront-domain-name/docs" if option == "content" else "pending:acm-validation-record/x"
    failed = run(**{option: value})
    assert failed["failed"] is True
    assert f"{option}: '{value}' is a check-mode placeholder" in failed["msg"]
    assert cf.calls() == []
