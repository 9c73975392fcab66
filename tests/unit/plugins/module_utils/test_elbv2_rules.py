# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Table-driven tests of the OIDC listener rule compare/plan logic (no AWS involved)."""

from __future__ import annotations

import copy
import hashlib

import pytest

from ansible_collections.rocketclub.platform.plugins.module_utils import elbv2_rules as er
from ansible_collections.rocketclub.platform.plugins.module_utils.kinde import derive_endpoints
from ansible_collections.rocketclub.platform.plugins.module_utils.secret_values import fingerprint
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAG_KEY
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import MANAGED_TAG_VALUE
from ansible_collections.rocketclub.platform.plugins.module_utils.tags import plan_tags

TG_A = "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/a/1"
TG_B = "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/b/2"
ORIGIN = {"name": "X-Origin-Verify", "value": "origin-value"}
FP_OLD = "a" * 32
FP_NEW = "b" * 32


def app(name="docs", priority=10, **extra):
    spec = {
        "name": name,
        "hosts": [f"{name}.example.com"],
        "path_patterns": None,
        "priority": priority,
        "target_group_arn": TG_A,
        "scope": "openid profile email",
        "session_cookie_name": "AWSELBAuthSessionCookie",
        "session_timeout": 604800,
        "on_unauthenticated_request": "authenticate",
        "authentication_request_extra_params": {},
        "tags": {},
    }
    spec.update(extra)
    return spec


def desired(spec=None, domain="acme.kinde.com", fp=FP_NEW, origin="default"):
    spec = spec or app()
    if origin == "default":
        origin = dict(ORIGIN)
    tags = er.rule_tags({}, spec["tags"], spec["name"], fp, "c" * 32 if origin else None)
    return er.desired_rule(spec, derive_endpoints(domain), "client", origin, tags)


def aws_rule(state, arn="arn:rule/1", client_secret_echo=None, real_aws_shape=True):
    """A DescribeRules item as AWS returns it for a state (with the legacy Values and ForwardConfig)."""
    conditions = er.conditions_param(state)
    if real_aws_shape:
        for cond in conditions:
            config = cond.get("HostHeaderConfig") or cond.get("PathPatternConfig")
            if config:
                cond["Values"] = list(config["Values"])
    actions = er.actions_param(state, client_secret="x")
    config = actions[0]["AuthenticateOidcConfig"]
    del config["ClientSecret"]
    if client_secret_echo:
        config["ClientSecret"] = client_secret_echo
    if real_aws_shape:
        actions[1]["ForwardConfig"] = {
            "TargetGroups": [{"TargetGroupArn": state["target_group_arn"], "Weight": 1}],
            "TargetGroupStickinessConfig": {"Enabled": False},
        }
    return {
        "RuleArn": arn,
        "Priority": str(state["priority"]),
        "Conditions": conditions,
        "Actions": actions,
        "IsDefault": False,
    }


def existing(state, arn="arn:rule/1", fp=FP_NEW, tags=None, mutate=None):
    rule = aws_rule(state, arn)
    if mutate:
        mutate(rule)
    all_tags = (
        dict(state["tags"], **{er.SECRET_FP_TAG: fp})
        if fp
        else {k: v for k, v in state["tags"].items() if k != er.SECRET_FP_TAG}
    )
    if tags is not None:
        all_tags = tags
    return er.normalize_rule(rule, all_tags, "X-Origin-Verify")


def reorder_hosts(rule):
    rule["Conditions"][0]["HostHeaderConfig"]["Values"] = ["Z.example.com", "a.example.com"]
    rule["Conditions"][0]["Values"] = ["Z.example.com", "a.example.com"]


def drop_extra_params(rule):
    rule["Actions"][0]["AuthenticateOidcConfig"].pop("AuthenticationRequestExtraParams")


def drop_session_defaults(rule):
    config = rule["Actions"][0]["AuthenticateOidcConfig"]
    for key in ("SessionCookieName", "SessionTimeout", "OnUnauthenticatedRequest"):
        config.pop(key)


def echo_secret(rule):
    rule["Actions"][0]["AuthenticateOidcConfig"]["ClientSecret"] = "whatever moto echoes"
    rule["Actions"][0]["AuthenticateOidcConfig"]["UseExistingClientSecret"] = True


def timeout_as_string(rule):
    rule["Actions"][0]["AuthenticateOidcConfig"]["SessionTimeout"] = "604800"


COMPARE_CASES = [
    # id, desired state, existing state, mutate the AWS description, expected flags, expected changes
    ("no change", desired(), dict(), None, dict(), []),
    ("secret rotated", desired(), dict(fp=FP_OLD), None, dict(secret=True), ["client_secret rotated"]),
    (
        "secret fingerprint tag missing",
        desired(),
        dict(fp=None),
        None,
        dict(secret=True),
        ["client_secret set (no fingerprint tag)"],
    ),
    (
        "endpoint changed",
        desired(domain="auth.example.com"),
        dict(state=desired()),
        None,
        dict(actions=True),
        [
            "issuer 'https://acme.kinde.com' -> 'https://auth.example.com'",
            "authorization_endpoint 'https://acme.kinde.com/oauth2/auth' -> 'https://auth.example.com/oauth2/auth'",
            "token_endpoint 'https://acme.kinde.com/oauth2/token' -> 'https://auth.example.com/oauth2/token'",
            "user_info_endpoint 'https://acme.kinde.com/oauth2/v2/user_profile' -> 'https://auth.example.com/oauth2/v2/user_profile'",
        ],
    ),
    (
        "priority moved",
        desired(app(priority=20)),
        dict(state=desired()),
        None,
        dict(priority=True),
        ["priority 10 -> 20"],
    ),
    (
        "host order and case irrelevant",
        desired(app(hosts=["a.example.com", "z.example.com"])),
        dict(),
        reorder_hosts,
        dict(),
        [],
    ),
    (
        "hosts changed",
        desired(app(hosts=["new.example.com"])),
        dict(state=desired()),
        None,
        dict(conditions=True),
        ["hosts [docs.example.com] -> [new.example.com]"],
    ),
    ("extra params {} vs absent", desired(), dict(), drop_extra_params, dict(), []),
    ("AWS defaults filled in", desired(), dict(), drop_session_defaults, dict(), []),
    ("session timeout as string", desired(), dict(), timeout_as_string, dict(), []),
    ("client secret echoed by moto is ignored", desired(), dict(), echo_secret, dict(), []),
    (
        "extra params changed",
        desired(app(authentication_request_extra_params={"prompt": "login"})),
        dict(state=desired()),
        None,
        dict(actions=True),
        ["authentication_request_extra_params {} -> {'prompt': 'login'}"],
    ),
    ("scope order irrelevant", desired(app(scope="email openid profile")), dict(state=desired()), None, dict(), []),
    (
        "target group changed",
        desired(app(target_group_arn=TG_B)),
        dict(state=desired()),
        None,
        dict(actions=True),
        [f"target_group_arn {TG_A} -> {TG_B}"],
    ),
    (
        "origin value changed",
        desired(origin={"name": "X-Origin-Verify", "value": "new-value"}),
        dict(state=desired()),
        None,
        dict(conditions=True),
        ["origin header value changed (fingerprint FP(origin-value) -> FP(new-value))"],
    ),
    (
        "origin header removed",
        desired(origin=None),
        dict(state=desired()),
        None,
        dict(conditions=True),
        ["origin header condition X-Origin-Verify removed"],
    ),
    (
        "origin header added",
        desired(),
        dict(state=desired(origin=None)),
        None,
        dict(conditions=True),
        ["origin header condition X-Origin-Verify added"],
    ),
]


@pytest.mark.parametrize(
    "wanted, current_kwargs, mutate, flags, changes", [c[1:] for c in COMPARE_CASES], ids=[c[0] for c in COMPARE_CASES]
)
def test_compare_rule(wanted, current_kwargs, mutate, flags, changes):
    kwargs = dict(current_kwargs)
    state = kwargs.pop("state", wanted)
    current = existing(state, mutate=mutate, **kwargs)
    result = er.compare_rule(current, wanted, fingerprint_of=lambda v: f"FP({v})")
    expected = dict(conditions=False, actions=False, priority=False, secret=False)
    expected.update(flags)
    assert {k: result[k] for k in expected} == expected
    assert result["changes"] == changes


def test_normalize_rule_real_aws_and_moto_shapes_are_equal():
    state = desired(app(path_patterns=["/b", "/a"]))
    real = er.normalize_rule(aws_rule(state), state["tags"], "x-origin-verify")
    moto_like = er.normalize_rule(
        aws_rule(state, real_aws_shape=False, client_secret_echo="s"), state["tags"], "X-Origin-Verify"
    )
    assert real == moto_like
    assert real["path_patterns"] == ["/a", "/b"]
    assert real["origin_header"] == ORIGIN
    assert real["name"] == "docs"


def test_unmanaged_conditions_and_actions_are_reported():
    state = desired()
    rule = aws_rule(state)
    rule["Conditions"].append({"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}})
    rule["Actions"].append({"Type": "fixed-response", "Order": 3, "FixedResponseConfig": {"StatusCode": "403"}})
    current = er.normalize_rule(rule, dict(state["tags"]), "X-Origin-Verify")
    result = er.compare_rule(current, state)
    assert result["conditions"] and result["actions"]
    assert "unmanaged conditions removed: [source-ip]" in result["changes"]
    assert "unmanaged actions removed: [fixed-response@3]" in result["changes"]


def test_changes_never_show_origin_value_without_fingerprint_function():
    current = existing(desired())
    result = er.compare_rule(current, desired(origin={"name": "X-Origin-Verify", "value": "other"}))
    assert result["changes"] == ["origin header value changed"]
    assert not any("origin-value" in c or "other" in c for c in result["changes"])


def managed(spec, arn, priority=None):
    state = desired(spec)
    if priority is not None:
        state = dict(state, priority=priority)
    return existing(state, arn=arn)


def foreign(arn, priority, tags=None):
    rule = {
        "RuleArn": arn,
        "Priority": str(priority),
        "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": ["legacy.example.com"]}}],
        "Actions": [{"Type": "forward", "Order": 1, "TargetGroupArn": TG_B}],
    }
    return er.normalize_rule(rule, tags or {"owner": "other"}, "X-Origin-Verify")


DOCS, WIKI, BLOG = app("docs", 10), app("wiki", 20), app("blog", 30)

PLAN_CASES = [
    # id, declared apps, existing rules, purge, expected pairs (app -> arn or None), deletes, error fragments
    ("no rules yet", [DOCS, WIKI], [], True, {"docs": None, "wiki": None}, [], []),
    (
        "all present",
        [DOCS, WIKI],
        [managed(DOCS, "r-docs"), managed(WIKI, "r-wiki")],
        True,
        {"docs": "r-docs", "wiki": "r-wiki"},
        [],
        [],
    ),
    (
        "rule added",
        [DOCS, WIKI, BLOG],
        [managed(DOCS, "r-docs"), managed(WIKI, "r-wiki")],
        True,
        {"docs": "r-docs", "wiki": "r-wiki", "blog": None},
        [],
        [],
    ),
    (
        "rule removed (purge)",
        [DOCS],
        [managed(DOCS, "r-docs"), managed(WIKI, "r-wiki")],
        True,
        {"docs": "r-docs"},
        ["r-wiki"],
        [],
    ),
    (
        "rule removed (no purge)",
        [DOCS],
        [managed(DOCS, "r-docs"), managed(WIKI, "r-wiki")],
        False,
        {"docs": "r-docs"},
        [],
        [],
    ),
    (
        "foreign rule ignored",
        [DOCS],
        [managed(DOCS, "r-docs"), foreign("r-foreign", 5)],
        True,
        {"docs": "r-docs"},
        [],
        [],
    ),
    (
        "foreign rule with managed-by but no app tag is foreign",
        [DOCS],
        [foreign("r-half", 5, tags={MANAGED_TAG_KEY: MANAGED_TAG_VALUE})],
        True,
        {"docs": None},
        [],
        [],
    ),
    (
        "foreign priority clash",
        [DOCS, WIKI],
        [foreign("r-foreign", 20)],
        True,
        {"docs": None, "wiki": None},
        [],
        ["priority 20 of app 'wiki' is used by rule r-foreign, which is not managed by this module"],
    ),
    (
        "priority taken by an undeclared managed rule that is purged",
        [app("docs", 20)],
        [managed(WIKI, "r-wiki")],
        True,
        {"docs": None},
        ["r-wiki"],
        [],
    ),
    (
        "priority taken by an undeclared managed rule without purge",
        [app("docs", 20)],
        [managed(WIKI, "r-wiki")],
        False,
        {"docs": None},
        [],
        ["priority 20 of app 'docs' is used by rule r-wiki of the undeclared app 'wiki' (use purge=true to delete it)"],
    ),
    (
        "priorities swapped between managed rules",
        [app("docs", 20), app("wiki", 10)],
        [managed(DOCS, "r-docs"), managed(WIKI, "r-wiki")],
        True,
        {"docs": "r-docs", "wiki": "r-wiki"},
        [],
        [],
    ),
    (
        "two managed rules of one app",
        [DOCS],
        [managed(DOCS, "r-1"), managed(DOCS, "r-2", priority=11)],
        True,
        {"docs": "r-1"},
        [],
        ["more than one managed rule of app 'docs' on the listener, resolve this manually: r-1, r-2"],
    ),
]


@pytest.mark.parametrize(
    "apps, rules, purge, pairs, deletes, errors", [c[1:] for c in PLAN_CASES], ids=[c[0] for c in PLAN_CASES]
)
def test_plan_listener(apps, rules, purge, pairs, deletes, errors):
    wanted = [desired(a) for a in apps]
    plan = er.plan_listener(wanted, copy.deepcopy(rules), purge)
    assert {d["name"]: (c["rule_arn"] if c else None) for d, c in plan["pairs"]} == pairs
    assert [d["name"] for d, _c in plan["pairs"]] == [a["name"] for a in apps]
    assert [r["rule_arn"] for r in plan["delete"]] == deletes
    assert plan["errors"] == errors


@pytest.mark.parametrize(
    "current, wanted, purge, expected",
    [
        ({}, {"a": "1"}, True, ({"a": "1"}, [], {"a": "1"})),
        ({"a": "1", "b": "2"}, {"a": "1"}, True, ({}, ["b"], {"a": "1"})),
        ({"a": "1", "b": "2"}, {"a": "1"}, False, ({}, [], {"a": "1", "b": "2"})),
        ({"aws:x": "1"}, {}, True, ({}, [], {"aws:x": "1"})),
        ({er.ORIGIN_FP_TAG: "f", "b": "2"}, {}, False, ({}, [er.ORIGIN_FP_TAG], {"b": "2"})),
    ],
)
def test_rule_tag_plan_always_removes_stale_reserved_tags(current, wanted, purge, expected):
    """The rule tags are planned by the shared core with ``always_remove=RESERVED_TAGS``."""
    assert plan_tags(current, wanted, purge, always_remove=er.RESERVED_TAGS) == expected


# ---------------------------------------------------------------------------- client secret rotation


def test_secret_fingerprint_is_keyed():
    secret = "client-secret-value"
    one = er.secret_fingerprint("key-one-0123456789", secret)
    assert len(one) == 32 and all(c in "0123456789abcdef" for c in one)
    assert one == er.secret_fingerprint("key-one-0123456789", secret)
    assert one == fingerprint(b"key-one-0123456789", secret.encode())
    assert one != er.secret_fingerprint("key-two-0123456789", secret)
    assert one != er.secret_fingerprint("key-one-0123456789", secret + "x")
    plain = hashlib.sha256(secret.encode()).hexdigest()
    assert one != plain[:32] and one not in plain and secret not in one


def test_secret_fingerprint_needs_a_key():
    with pytest.raises(ValueError, match="must not be empty"):
        er.secret_fingerprint("", "value")


@pytest.mark.parametrize(
    "key, value", [(None, "secret"), ("k" * 16, None), ("k" * 16, "pending:ssm-parameter-value/x")]
)
def test_secret_fingerprint_unknown_in_check_mode(key, value):
    """A key or value an earlier task of the run would create: a placeholder no live rule carries."""
    assert er.secret_fingerprint(key, value) == "pending:fingerprint/unknown"


@pytest.mark.parametrize(
    "current, wanted, expected",
    [
        ({er.SECRET_FP_TAG: FP_OLD}, {er.SECRET_FP_TAG: FP_OLD}, (False, None)),
        ({er.SECRET_FP_TAG: FP_OLD}, {er.SECRET_FP_TAG: FP_NEW}, (True, "client_secret rotated")),
        ({}, {er.SECRET_FP_TAG: FP_NEW}, (True, "client_secret set (no fingerprint tag)")),
        (None, {er.SECRET_FP_TAG: FP_NEW}, (True, "client_secret set (no fingerprint tag)")),
    ],
)
def test_secret_rotation(current, wanted, expected):
    assert er.secret_rotation(current, wanted) == expected


def test_actions_param_secret_xor_use_existing():
    state = desired()
    with_secret = er.actions_param(state, client_secret="s3cret")[0]["AuthenticateOidcConfig"]
    assert with_secret["ClientSecret"] == "s3cret" and "UseExistingClientSecret" not in with_secret
    existing_secret = er.actions_param(state)[0]["AuthenticateOidcConfig"]
    assert existing_secret["UseExistingClientSecret"] is True and "ClientSecret" not in existing_secret
    forward = er.actions_param(state)[1]
    assert forward == {"Type": "forward", "Order": 2, "TargetGroupArn": TG_A}


def test_conditions_param():
    state = desired(app(hosts=["B.example.com", "a.example.com"], path_patterns=["/x/*"]))
    assert er.conditions_param(state) == [
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example.com", "b.example.com"]}},
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/x/*"]}},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": ["origin-value"]}},
    ]
    assert [c["Field"] for c in er.conditions_param(desired(origin=None))] == ["host-header"]


def test_rule_tags_reserved_on_top():
    tags = er.rule_tags({"Environment": "prod", "Team": "a"}, {"Team": "b"}, "docs", "fp")
    assert tags == {
        "Environment": "prod",
        "Team": "b",
        MANAGED_TAG_KEY: MANAGED_TAG_VALUE,
        er.APP_TAG: "docs",
        er.SECRET_FP_TAG: "fp",
    }


@pytest.mark.parametrize(
    "apps, common_tags, origin, fragment",
    [
        ([DOCS, app("docs", 20)], {}, False, "app name 'docs' is declared more than once"),
        ([DOCS, app("wiki", 10)], {}, False, "priority 10 is used by more than one app: docs, wiki"),
        (
            [DOCS, app("wiki", 20, hosts=["DOCS.example.com"])],
            {},
            False,
            "host 'docs.example.com' is declared by more than one app: docs, wiki",
        ),
        ([app("docs", 0)], {}, False, "priority 0 is outside 1..50000"),
        ([app("docs", hosts=[])], {}, False, "hosts must be a non-empty list"),
        ([app("docs", scope="profile")], {}, False, "scope must include 'openid'"),
        ([app("docs", session_timeout=604801)], {}, False, "session_timeout 604801 is outside 1..604800"),
        ([app("docs", hosts=["a", "b", "c", "d"])], {}, False, "at most 3 hosts"),
        (
            [app("docs", hosts=["a", "b", "c"], path_patterns=["/1", "/2"])],
            {},
            True,
            "at most 5 condition values in total",
        ),
        ([DOCS], {er.APP_TAG: "x"}, False, "tag 'platform:kinde-app' is reserved"),
        ([app("docs", tags={er.SECRET_FP_TAG: "x"})], {}, False, "tag 'platform:oidc-secret-fingerprint' is reserved"),
    ],
)
def test_validate_apps(apps, common_tags, origin, fragment):
    errors = er.validate_apps(apps, common_tags, with_origin_header=origin)
    assert any(fragment in e for e in errors), errors


def test_validate_apps_ok():
    assert er.validate_apps([DOCS, WIKI, app("blog", 30, hosts=["a", "b", "c"], path_patterns=["/1"])], {}, True) == []


@pytest.mark.parametrize(
    "value, problem",
    [("abc", None), ("a*b", "contains '*'"), ("a?b", "contains '?'"), ("*?", "contains '*' and '?'"), ("", "is empty")],
)
def test_wildcard_problem(value, problem):
    found = er.wildcard_problem(value)
    if problem is None:
        assert found is None
    else:
        assert problem in found
        if value:
            assert value not in found


def test_public_view_hides_origin_value():
    view = er.public_view(desired(), lambda v: "FP")
    assert view["origin_header"] == {"name": "X-Origin-Verify", "fingerprint": "FP"}
    assert "origin-value" not in repr(view)
    assert view["oidc"]["client_secret_fingerprint"] == FP_NEW
    assert er.public_view(None, lambda v: v) is None


def test_client_id_change_sends_the_secret():
    state = desired()
    current = existing(state)
    wanted = copy.deepcopy(state)
    wanted["oidc"]["client_id"] = "other-client"
    result = er.compare_rule(current, wanted)
    assert result["secret"] and result["actions"]
    assert result["changes"] == ["client_id 'client' -> 'other-client'"]


def test_rule_without_oidc_action_gets_the_secret():
    state = desired()
    rule = aws_rule(state)
    rule["Actions"] = [{"Type": "forward", "Order": 1, "TargetGroupArn": TG_A}]
    current = er.normalize_rule(rule, dict(state["tags"]), "X-Origin-Verify")
    assert current["oidc"] is None and current["target_group_arn"] is None
    result = er.compare_rule(current, state)
    assert result["secret"] and result["actions"]
    assert result["changes"] == [
        "authenticate-oidc action added",
        f"target_group_arn None -> {TG_A}",
        "unmanaged actions removed: [forward@1]",
    ]


@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"platform:managed-by": "rocketclub.platform", "team": "x"}, []),
        ({"platform:managed-by": "someone-else"}, ["platform:managed-by"]),
        (
            {"platform:kinde-app": "x", "platform:oidc-secret-fingerprint": "y"},
            ["platform:kinde-app", "platform:oidc-secret-fingerprint"],
        ),
        (None, []),
    ],
)
def test_reserved_tag_conflicts_allow_the_shared_managed_by_tag(tags, expected):
    assert er.reserved_tag_conflicts(tags) == expected


class FakeElbv2:
    def __init__(self, tags):
        self.tags, self.calls = tags, []

    def describe_tags(self, ResourceArns, aws_retry):
        self.calls.append(list(ResourceArns))
        return {"TagDescriptions": [{"ResourceArn": a, "Tags": self.tags.get(a, [])} for a in ResourceArns]}


def test_describe_tags_by_arn_batches_of_twenty():
    arns = [f"arn:rule/{i}" for i in range(45)]
    client = FakeElbv2({"arn:rule/3": [{"Key": "a", "Value": "1"}]})
    tags = er.describe_tags_by_arn(client, arns)
    assert [len(c) for c in client.calls] == [20, 20, 5]
    assert tags["arn:rule/3"] == {"a": "1"} and tags["arn:rule/44"] == {}
    assert er.describe_tags_by_arn(client, []) == {} and len(client.calls) == 3


def test_origin_values_any_order_and_dual_accept():
    current = er.normalize_rule(
        {
            "RuleArn": "arn:rule",
            "Priority": "10",
            "Conditions": [
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example.com"]}},
                {
                    "Field": "http-header",
                    "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": ["b", "a"]},
                },
            ],
            "Actions": [],
        },
        {},
        "X-Origin-Verify",
    )
    assert er.origin_values(current["origin_header"]) == ["a", "b"]
    assert er.origin_values({"name": "X", "value": "a"}) == ["a"]
    assert er.origin_values(None) == []
    same = desired(origin={"name": "X-Origin-Verify", "value": ["a", "b"]})
    assert er.compare_rule(dict(current, hosts=same["hosts"]), same)["conditions"] is False
    # Current first, duplicates (promoted, pending not deleted yet) sent once.
    header = er.conditions_param(desired(origin={"name": "X-Origin-Verify", "value": ["cur", "pend"]}))[-1]
    assert header["HttpHeaderConfig"]["Values"] == ["cur", "pend"]
    header = er.conditions_param(desired(origin={"name": "X-Origin-Verify", "value": ["cur", "cur"]}))[-1]
    assert header["HttpHeaderConfig"]["Values"] == ["cur"]
    changes = er.compare_rule(
        dict(current, hosts=same["hosts"]),
        desired(origin={"name": "X-Origin-Verify", "value": "a"}),
        fingerprint_of=lambda v: f"FP({v})",
    )["changes"]
    assert "origin header values [FP(a), FP(b)] -> [FP(a)] (fingerprints)" in changes
    view = er.public_view(current, lambda v: f"FP({v})")
    assert view["origin_header"] == {"name": "X-Origin-Verify", "fingerprints": ["FP(a)", "FP(b)"]}


def test_validate_apps_counts_every_accepted_origin_value():
    app = {
        "name": "web",
        "hosts": ["a.example.com", "b.example.com"],
        "path_patterns": ["/x"],
        "priority": 1,
        "session_timeout": 60,
        "scope": "openid",
        "session_cookie_name": "c",
        "tags": {},
    }
    assert er.validate_apps([app], with_origin_header=2) == []
    app["path_patterns"] = ["/x", "/y"]
    (error,) = er.validate_apps([app], with_origin_header=2)
    assert "(hosts + path_patterns + 2 origin header values), got 6" in error
    assert er.validate_apps([app], with_origin_header=True) == []
