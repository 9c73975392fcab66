# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudFront distribution specs, their input checks and the Cloudflare records (plugins/filter/cloudfront.py,
plugins/filter/dns.py)."""

from __future__ import annotations

import pytest

from ansible_collections.rocketclub.platform.plugins.filter.cloudfront import cloudfront_distribution_specs
from ansible_collections.rocketclub.platform.plugins.filter.cloudfront import cloudfront_problems
from ansible_collections.rocketclub.platform.plugins.filter.dns import dns_edge_problems
from ansible_collections.rocketclub.platform.plugins.filter.dns import dns_records
from ansible_collections.rocketclub.platform.plugins.filter.dns import dns_zone_problems

APPS = [
    {"name": "backstage", "host": "portal.example.com", "port": 7007, "priority": 10},
    {"name": "prefect", "host": "pipelines.example.com", "port": 4200, "priority": 20},
]
SETTINGS = {
    "origin_domain_name": "alb-1.eu-west-2.elb.amazonaws.com",
    "origin_read_timeout": "30",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    "minimum_protocol_version": "TLSv1.2_2021",
    "http_version": "http2and3",
    "ipv6": True,
    "price_class": "PriceClass_100",
    "web_acl_id": "",
    "logging_bucket": "",
    "logging_prefix": "cloudfront/",
    "dynamic_paths": ["/api/*"],
    "static_paths": ["/static/*"],
    "uncached_policy_id": "uncached",
    "all_viewer_policy_id": "all-viewer",
    "static_cache_policy_id": "static-cache",
    "static_origin_policy_id": "static-origin",
}
GOOD = {
    "dynamic_paths": ["/api/*"],
    "static_paths": ["/static/*"],
    "min_ttl": 0,
    "default_ttl": 86400,
    "max_ttl": 31536000,
    "certificate_arn": "",
    "web_acl_id": "",
}


def test_one_distribution_per_app_static_paths_first():
    specs = cloudfront_distribution_specs(APPS, SETTINGS)
    assert [(s["name"], s["aliases"]) for s in specs] == [
        ("backstage", ["portal.example.com"]),
        ("prefect", ["pipelines.example.com"]),
    ]
    spec = specs[0]
    assert spec["origin"] == {"domain_name": SETTINGS["origin_domain_name"], "read_timeout": 30}
    assert spec["default_behavior"] == {"cache_policy_id": "uncached", "origin_request_policy_id": "all-viewer"}
    assert spec["behaviors"] == [
        {
            "path_pattern": "/static/*",
            "cache_policy_id": "static-cache",
            "origin_request_policy_id": "static-origin",
            "allowed_methods": ["GET", "HEAD"],
            "cached_methods": ["GET", "HEAD"],
        },
        {"path_pattern": "/api/*", "cache_policy_id": "uncached", "origin_request_policy_id": "all-viewer"},
    ]
    assert "web_acl_id" not in spec and "logging" not in spec
    assert spec["tags"] == {"platform:app": "backstage"}


def test_optional_waf_and_logging_per_app_prefix():
    settings = dict(
        SETTINGS, web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1", logging_bucket="logs"
    )
    spec = cloudfront_distribution_specs(APPS, settings)[1]
    assert spec["web_acl_id"] == settings["web_acl_id"]
    assert spec["logging"] == {"bucket": "logs", "prefix": "cloudfront/prefect/"}


@pytest.mark.parametrize(
    "change, expected",
    [
        ({}, []),
        ({"static_paths": ["static/*"]}, ["cloudfront_static_paths: 'static/*' is not a CloudFront path pattern"]),
        ({"dynamic_paths": ["/a b"]}, ["cloudfront_dynamic_paths: '/a b' is not a CloudFront path pattern"]),
        ({"static_paths": ["/api/*"]}, ["cloudfront_static_paths: '/api/*' is also in cloudfront_dynamic_paths"]),
        (
            {"min_ttl": 10, "default_ttl": 5},
            ["cloudfront_static_min_ttl <= cloudfront_static_default_ttl <= cloudfront_static_max_ttl"],
        ),
        ({"max_ttl": -1}, ["cloudfront_static_min_ttl / _default_ttl / _max_ttl: whole seconds >= 0 expected"]),
        ({"default_ttl": "1"}, ["cloudfront_static_min_ttl / _default_ttl / _max_ttl: whole seconds >= 0 expected"]),
        ({"certificate_arn": "arn:aws:acm:eu-west-2:123456789012:certificate/abc"}, ["cloudfront_certificate_arn: "]),
        (
            {"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-0123456789ab"},
            [],
        ),
        # One ACM ARN rule for the inventory, the filters and the modules: the id is a UUID.
        ({"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b"}, ["cloudfront_certificate_arn: "]),
        ({"web_acl_id": "arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/x/1"}, ["cloudfront_web_acl_id: "]),
    ],
)
def test_cloudfront_problems(change, expected):
    problems = cloudfront_problems(dict(GOOD, **change))
    assert len(problems) == len(expected), problems
    for problem, prefix in zip(problems, expected):
        assert problem.startswith(prefix), problems


def test_dns_records_proxied_apps_and_dns_only_validation_records():
    distributions = {"backstage": {"domain_name": "d1.cloudfront.net"}, "prefect": {"domain_name": None}}
    validation = [
        {"name": "_a.portal.example.com.", "value": "_B.acm-validations.aws."},
        {
            "name": "_A.portal.example.com",
            "value": "_b.acm-validations.aws",
        },  # the same record from the other certificate
        {"name": "_c.pipelines.example.com.", "value": "_d.acm-validations.aws."},
    ]
    records = dns_records(APPS, distributions, validation)
    assert [(r["name"], r["type"], r["content"], r["proxied"]) for r in records] == [
        ("portal.example.com", "CNAME", "d1.cloudfront.net", True),
        ("_a.portal.example.com", "CNAME", "_b.acm-validations.aws", False),
        ("_c.pipelines.example.com", "CNAME", "_d.acm-validations.aws", False),
    ]


def test_dns_records_point_every_app_at_the_alb_in_the_cloudflare_topology():
    distributions = {"backstage": {"domain_name": "d1.cloudfront.net"}}
    records = dns_records(APPS, distributions, [], "Rc-Local-ALB-1.eu-west-2.elb.amazonaws.com.")
    assert [(r["name"], r["content"], r["proxied"], r["comment"]) for r in records] == [
        (app["host"], "rc-local-alb-1.eu-west-2.elb.amazonaws.com", True, f"{app['name']} -> ALB (rocketclub.platform)")
        for app in APPS
    ]


@pytest.mark.parametrize(
    "hosts, zone, expected",
    [
        (["portal.example.com", "example.com"], "example.com.", []),
        (["portal.example.com"], "", ["dns_zone (cloudflare_zone): empty"]),
        (
            ["portal.example.org", "portal.notexample.com"],
            "example.com",
            ["platform_apps host 'portal.example.org'", "platform_apps host 'portal.notexample.com'"],
        ),
    ],
)
def test_dns_zone_problems(hosts, zone, expected):
    problems = dns_zone_problems(hosts, zone)
    assert len(problems) == len(expected), problems
    for problem, prefix in zip(problems, expected):
        assert problem.startswith(prefix), problems


def _apps(*hosts):
    return [{"name": f"app{i}", "host": host} for i, host in enumerate(hosts)]


@pytest.mark.parametrize(
    "hosts",
    [
        ("portal-dev.rocketclub.online", "pipelines-dev.rocketclub.online"),  # one label below: Universal SSL
        ("rocketclub.online",),  # the apex
        ("PORTAL.RocketClub.Online.",),
        ("portal.example.org",),  # outside the zone: dns_zone_problems reports it
    ],
)
def test_dns_edge_problems_accepts_hosts_universal_ssl_covers(hosts):
    assert dns_edge_problems(_apps(*hosts), "rocketclub.online") == []


def test_dns_edge_problems_refuses_a_proxied_host_two_labels_below_the_zone():
    apps = _apps("portal-dev.rocketclub.online", "pipelines.dev.rocketclub.online")
    problems = dns_edge_problems(apps, "rocketclub.online.")
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.startswith(
        "platform_apps[1].host: 'pipelines.dev.rocketclub.online' is a proxied host 2 labels below "
        "the Cloudflare zone 'rocketclub.online'"
    )
    assert "Use a one-label host such as pipelines-dev.rocketclub.online" in problem
    assert "or set dns_advanced_certificate: true after ordering an advanced certificate" in problem


def test_dns_edge_problems_counts_every_label():
    problems = dns_edge_problems(_apps("a.b.c.rocketclub.online"), "rocketclub.online")
    assert "3 labels below" in problems[0] and "such as a-b-c.rocketclub.online" in problems[0]


def test_dns_edge_problems_accepts_deep_hosts_with_an_advanced_certificate():
    apps = _apps("portal.dev.rocketclub.online")
    assert dns_edge_problems(apps, "rocketclub.online", advanced_certificate=True) == []


@pytest.mark.parametrize(
    "mode, ok",
    [("strict", True), ("full", True), ("flexible", False), ("off", False), ("Strict", False), (None, False)],
)
def test_dns_edge_problems_ssl_mode(mode, ok):
    problems = dns_edge_problems(_apps("portal.rocketclub.online"), "rocketclub.online", ssl_mode=mode)
    if ok:
        assert problems == []
    else:
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"dns_ssl_mode: {mode!r} is not one of full, strict"), problems
        assert "loops" in problems[0]
