# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudFront cache and origin request policies, which moto 5.2.5 lacks (it answers HTTP 404).

``CloudFrontPolicies`` is WSGI middleware between the fidelity layer (``aws.AwsFidelity``) and
moto.  It serves, in the REST-XML wire format of API version 2020-05-31:

* ``Create|Get|Update|Delete{Kind}``, ``Get{Kind}Config``, ``List{Kinds}`` (``Type=managed|custom``,
  ``Marker``/``MaxItems``) and ``ListDistributionsBy{Kind}Id`` for both kinds, with the AWS managed
  policies present under their real ids and names;
* AWS's errors: ``NoSuch*``, ``*AlreadyExists``, ``*InUse``, ``PreconditionFailed``,
  ``InvalidIfMatchVersion``, ``IllegalUpdate``/``IllegalDelete`` (managed policies),
  ``InconsistentQuantities``, ``TooMany*`` and ``InvalidArgument``.

It also brings moto's distributions closer to AWS where policies are concerned:
``CreateDistribution[WithTags]``/``UpdateDistribution`` fail with ``NoSuchCachePolicy`` /
``NoSuchOriginRequestPolicy`` for unknown ids and with ``InvalidArgument`` for ``ForwardedValues``
next to a ``CachePolicyId``; responses drop the legacy ``ForwardedValues``/``MinTTL``/``DefaultTTL``/
``MaxTTL`` that moto adds to behaviours with a cache policy and the empty ``OriginRequestPolicyId``
it adds to ordered behaviours without one.  Which distributions use a policy (``*InUse``,
``ListDistributionsBy*``) is read from moto through its own ``ListDistributions``.

State is per process (one account) and is emptied with moto's (``POST /moto-api/reset``, which the
local cloud's reset sends).  Shapes and member order come from botocore's service model.
"""

import datetime
import random
import re
import string
import threading
import uuid
import xml.etree.ElementTree as ET
from http import HTTPStatus
from urllib.parse import parse_qs

from localcloud.common import call_wsgi

API_VERSION = "2020-05-31"
NAMESPACE = "http://cloudfront.amazonaws.com/doc/%s/" % API_VERSION
PREFIX = "/%s/" % API_VERSION
CLOUDFRONT_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/cloudfront/aws4_request")
DISTRIBUTION_PATH_RE = re.compile(r"^/%s/distribution(/[^/]+(/config)?)?$" % API_VERSION)
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

KINDS = {
    "cache-policy": {"noun": "CachePolicy", "plural": "CachePolicies", "label": "cache policy", "ref": "CachePolicyId"},
    "origin-request-policy": {
        "noun": "OriginRequestPolicy",
        "plural": "OriginRequestPolicies",
        "label": "origin request policy",
        "ref": "OriginRequestPolicyId",
    },
}
MAX_CUSTOM_POLICIES = 20  # per kind and account (CloudFront quotas)
MAX_ITEMS = 10  # headers, cookies or query strings per custom policy
DEFAULT_TTL = 86400
MAX_TTL = 31536000
ITEM_BEHAVIORS = ("whitelist", "allExcept", "allViewerAndWhitelistCloudFront")
# (config key, behavior key, items key, TooMany* error stem)
PARAMETERS = (
    ("HeadersConfig", "HeaderBehavior", "Headers", "Headers"),
    ("CookiesConfig", "CookieBehavior", "Cookies", "Cookies"),
    ("QueryStringsConfig", "QueryStringBehavior", "QueryStrings", "QueryStrings"),
)
CACHE_KEY = "ParametersInCacheKeyAndForwardedToOrigin"
ENCODINGS = ("EnableAcceptEncodingGzip", "EnableAcceptEncodingBrotli")
LEGACY_BEHAVIOR_FIELDS = ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL")


def _params(headers=("none",), cookies=("none",), query_strings=("none",)):
    """A policy's three parameter configs from (behavior, *items) tuples."""
    out = {}
    for (config, behavior, items, _stem), value in zip(PARAMETERS, (headers, cookies, query_strings)):
        out[config] = {behavior: value[0]}
        if len(value) > 1:
            out[config][items] = {"Quantity": len(value) - 1, "Items": list(value[1:])}
    return out


def _cache(name, comment, ttls, gzip, brotli, **params):
    return {
        "Name": name,
        "Comment": comment,
        "MinTTL": ttls[0],
        "DefaultTTL": ttls[1],
        "MaxTTL": ttls[2],
        CACHE_KEY: dict(_params(**params), EnableAcceptEncodingGzip=gzip, EnableAcceptEncodingBrotli=brotli),
    }


def _origin(name, comment, **params):
    return dict(_params(**params), Name=name, Comment=comment)


# AWS managed policies: ids and names as documented ("Use managed cache/origin request policies");
# settings as AWS returns them where a dump of the real API was available, else as documented.
METHOD_HEADERS = ("host", "origin", "x-http-method", "x-http-method-override", "x-method-override")
CORS_HEADERS = ("origin", "access-control-request-headers", "access-control-request-method")
CLOUDFRONT_HEADERS_2022_06 = (
    "CloudFront-Forwarded-Proto",
    "CloudFront-Is-Android-Viewer",
    "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-IOS-Viewer",
    "CloudFront-Is-Mobile-Viewer",
    "CloudFront-Is-SmartTV-Viewer",
    "CloudFront-Is-Tablet-Viewer",
    "CloudFront-Viewer-Address",
    "CloudFront-Viewer-ASN",
    "CloudFront-Viewer-City",
    "CloudFront-Viewer-Country",
    "CloudFront-Viewer-Country-Name",
    "CloudFront-Viewer-Country-Region",
    "CloudFront-Viewer-Country-Region-Name",
    "CloudFront-Viewer-Http-Version",
    "CloudFront-Viewer-Latitude",
    "CloudFront-Viewer-Longitude",
    "CloudFront-Viewer-Metro-Code",
    "CloudFront-Viewer-Postal-Code",
    "CloudFront-Viewer-Time-Zone",
    "CloudFront-Viewer-TLS",
)
YEAR = (0, 86400, MAX_TTL)
MANAGED = {
    "cache-policy": {
        "2e54312d-136d-493c-8eb9-b001f22f67d2": _cache(
            "Managed-Amplify",
            "Policy for Amplify Origin",
            (2, 2, 600),
            True,
            True,
            headers=("whitelist", "Authorization", "CloudFront-Viewer-Country", "Host"),
            cookies=("all",),
            query_strings=("all",),
        ),
        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": _cache(
            "Managed-CachingDisabled", "Policy with caching disabled", (0, 0, 0), False, False
        ),
        "658327ea-f89d-4fab-a63d-7e88639e58f6": _cache(
            "Managed-CachingOptimized",
            "Policy with caching enabled. Supports Gzip and Brotli compression.",
            (1, 86400, MAX_TTL),
            True,
            True,
        ),
        "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": _cache(
            "Managed-CachingOptimizedForUncompressedObjects",
            "Default policy when compression is disabled",
            (1, 86400, MAX_TTL),
            False,
            False,
        ),
        "08627262-05a9-4f76-9ded-b50ca2e3a84f": _cache(
            "Managed-Elemental-MediaPackage",
            "Policy for Elemental MediaPackage Origin",
            YEAR,
            True,
            False,
            headers=("whitelist", "origin"),
            query_strings=("whitelist", "aws.manifestfilter", "end", "m", "start"),
        ),
        "83da9c7e-98b4-4e11-a168-04f0df8e2c65": _cache(
            "UseOriginCacheControlHeaders",
            "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
            (0, 0, MAX_TTL),
            True,
            True,
            headers=("whitelist",) + METHOD_HEADERS,
            cookies=("all",),
        ),
        "4cc15a8a-d715-48a4-82b8-cc0b614638fe": _cache(
            "UseOriginCacheControlHeaders-QueryStrings",
            "Policy for origins that return Cache-Control headers "
            "and serve different content based on values present in the query string.",
            (0, 0, MAX_TTL),
            True,
            True,
            headers=("whitelist",) + METHOD_HEADERS,
            cookies=("all",),
            query_strings=("all",),
        ),
    },
    "origin-request-policy": {
        "216adef6-5c7f-47e4-b989-5492eafa07d3": _origin(
            "Managed-AllViewer",
            "Policy to forward all parameters in viewer requests",
            headers=("allViewer",),
            cookies=("all",),
            query_strings=("all",),
        ),
        "33f36d7e-f396-46d9-90e0-52428a34d9dc": _origin(
            "Managed-AllViewerAndCloudFrontHeaders-2022-06",
            "Policy to forward all parameters in viewer requests and all CloudFront headers released through June 2022",
            headers=("allViewerAndWhitelistCloudFront",) + CLOUDFRONT_HEADERS_2022_06,
            cookies=("all",),
            query_strings=("all",),
        ),
        "b689b0a8-53d0-40ab-baf2-68738e2966ac": _origin(
            "Managed-AllViewerExceptHostHeader",
            "Policy to forward all parameters in viewer requests except for the Host header",
            headers=("allExcept", "host"),
            cookies=("all",),
            query_strings=("all",),
        ),
        "59781a5b-3903-41f3-afcb-af62929ccde1": _origin(
            "Managed-CORS-CustomOrigin", "Policy for custom origin with CORS", headers=("whitelist", "origin")
        ),
        "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": _origin(
            "Managed-CORS-S3Origin", "Policy for S3 origin with CORS", headers=("whitelist",) + CORS_HEADERS
        ),
        "775133bc-15f2-49f9-abea-afb2e0bf67d2": _origin(
            "Managed-Elemental-MediaTailor-PersonalizedManifests",
            "Policy for Elemental MediaTailor Personalized Manifests",
            headers=("whitelist",) + CORS_HEADERS + ("user-agent", "x-forwarded-for"),
            query_strings=("all",),
        ),
        "bf0718e1-ba1e-49d1-88b1-f726733018ae": _origin(
            "Managed-HostHeaderOnly", "Policy to forward only the Host header", headers=("whitelist", "host")
        ),
        "acba4595-bd28-49b8-b9fe-13317c0390fa": _origin(
            "Managed-UserAgentRefererHeaders",
            "Policy for forwarding User-Agent and Referer headers",
            headers=("whitelist", "user-agent", "referer"),
        ),
    },
}

_ROUTES = (
    ("GET", r"(?P<kind>cache-policy|origin-request-policy)", "List{plural}"),
    ("POST", r"(?P<kind>cache-policy|origin-request-policy)", "Create{noun}"),
    ("GET", r"(?P<kind>cache-policy|origin-request-policy)/(?P<id>[^/]+)", "Get{noun}"),
    ("PUT", r"(?P<kind>cache-policy|origin-request-policy)/(?P<id>[^/]+)", "Update{noun}"),
    ("DELETE", r"(?P<kind>cache-policy|origin-request-policy)/(?P<id>[^/]+)", "Delete{noun}"),
    ("GET", r"(?P<kind>cache-policy|origin-request-policy)/(?P<id>[^/]+)/config", "Get{noun}Config"),
    (
        "GET",
        r"distributionsBy(?P<kind>CachePolicyId|OriginRequestPolicyId)/(?P<id>[^/]+)",
        "ListDistributionsBy{noun}Id",
    ),
)
ROUTES = tuple(
    (method, re.compile("^%s%s$" % (re.escape(PREFIX), pattern)), template) for method, pattern, template in _ROUTES
)
KIND_BY_REF = {"CachePolicyId": "cache-policy", "OriginRequestPolicyId": "origin-request-policy"}


class ApiError(Exception):
    """A CloudFront error: HTTP status, code and message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def route(method, path):
    """Return (operation, kind, id) of a policy API request, or None."""
    for verb, pattern, template in ROUTES:
        match = pattern.match(path) if verb == method.upper() else None
        if match:
            kind = KIND_BY_REF.get(match.group("kind"), match.group("kind"))
            ident = match.groupdict().get("id")
            return template.format(**KINDS[kind]), kind, ident
    return None


def operation_name(method, path):
    """The AWS operation name of a policy API request (for the request log), or None."""
    found = route(method, path)
    return found[0] if found else None


# -- XML by botocore's shapes -----------------------------------------------------------------------------

_MODEL = []


def _shape(name):
    if not _MODEL:
        import botocore.session

        _MODEL.append(botocore.session.get_session().get_service_model("cloudfront", API_VERSION))
    return _MODEL[0].shape_for(name)


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _parse(elem, shape):
    """Element -> Python value, as botocore would parse it."""
    kind = shape.type_name
    if kind == "structure":
        return {_local(c.tag): _parse(c, shape.members[_local(c.tag)]) for c in elem if _local(c.tag) in shape.members}
    if kind == "list":
        return [_parse(child, shape.member) for child in elem]
    text = elem.text or ""
    if kind in ("integer", "long"):
        try:
            return int(text.strip())
        except ValueError:
            raise ApiError(400, "MalformedInput", "Invalid value for %s: %r" % (_local(elem.tag), text)) from None
    if kind == "boolean":
        return text.strip().lower() == "true"
    return text


def _build(parent, name, value, shape):
    """Append ``value`` as element ``name``, members in the model's order."""
    elem = ET.SubElement(parent, name) if parent is not None else ET.Element(name, xmlns=NAMESPACE)
    kind = shape.type_name
    if kind == "structure":
        for member, member_shape in shape.members.items():
            if value.get(member) is not None:
                _build(elem, member, value[member], member_shape)
    elif kind == "list":
        for item in value:
            _build(elem, shape.member.serialization.get("name", "member"), item, shape.member)
    elif kind == "boolean":
        elem.text = "true" if value else "false"
    else:
        elem.text = str(value)
    return elem


def _xml(name, value, shape_name=None):
    root = _build(None, name, value, _shape(shape_name or name))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def error_body(code, message, request_id):
    """The REST-XML error document of CloudFront."""
    root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
    error = ET.SubElement(root, "Error")
    for tag, text in (("Type", "Sender"), ("Code", code), ("Message", message)):
        ET.SubElement(error, tag).text = text
    ET.SubElement(root, "RequestId").text = request_id
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def _etag(rng):
    return "E" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _index in range(13))


# -- validation --------------------------------------------------------------------------------------------


def _invalid(message):
    return ApiError(400, "InvalidArgument", message)


def _check_parameters(kind, config, container):
    """Quantities, behaviours and item counts of the three parameter configs."""
    noun = KINDS[kind]["noun"]
    for key, behavior_key, items_key, stem in PARAMETERS:
        section = container.get(key)
        if section is None:
            raise _invalid("The parameter %s is required." % key)
        names = section.get(items_key) or {}
        items = names.get("Items") or []
        if names and names.get("Quantity") != len(items):
            raise ApiError(400, "InconsistentQuantities", "The value of Quantity and the size of Items don't match.")
        behavior = section.get(behavior_key)
        choices = _shape(noun + key).members[behavior_key].enum
        if behavior not in choices:
            raise _invalid("The parameter %s must be one of %s." % (behavior_key, ", ".join(choices)))
        if behavior in ITEM_BEHAVIORS and not items:
            raise _invalid(
                "The parameter %s requires at least one item when %s is %s." % (items_key, behavior_key, behavior)
            )
        if behavior not in ITEM_BEHAVIORS and items:
            raise _invalid("The parameter %s cannot be used when %s is %s." % (items_key, behavior_key, behavior))
        if len(items) > MAX_ITEMS:
            raise ApiError(
                400,
                "TooMany%sIn%s" % (stem, noun),
                "The number of %s in the %s exceeds the maximum."
                % (stem.lower().replace("querystrings", "query strings"), KINDS[kind]["label"]),
            )
        if key == "HeadersConfig":
            _check_headers(kind, behavior, items)
        if kind == "cache-policy" and config["MaxTTL"] == 0 and behavior != "none":
            raise _invalid("The parameter %s is invalid for policy with caching disabled." % behavior_key)


def _check_headers(kind, behavior, items):
    lowered = [item.lower() for item in items]
    if kind == "cache-policy" and "accept-encoding" in lowered:
        raise _invalid(
            "The parameter Headers contains Accept-Encoding; use EnableAcceptEncodingGzip and "
            "EnableAcceptEncodingBrotli instead."
        )
    if kind == "origin-request-policy" and behavior == "whitelist":
        for name in ("authorization", "accept-encoding"):
            if name in lowered:
                raise _invalid("The parameter Headers contains %s that is not allowed." % items[lowered.index(name)])
    if behavior == "allViewerAndWhitelistCloudFront":
        for item in items:
            if not item.lower().startswith("cloudfront-"):
                raise _invalid("The parameter Headers contains %s, which is not a CloudFront header." % item)


def _check_ttls(config):
    """Fill DefaultTTL/MaxTTL as AWS does and check MinTTL <= DefaultTTL <= MaxTTL."""
    minimum = config["MinTTL"]
    if config.get("DefaultTTL") is None:
        config["DefaultTTL"] = max(DEFAULT_TTL, minimum)
    if config.get("MaxTTL") is None:
        config["MaxTTL"] = max(MAX_TTL, config["DefaultTTL"])
    for key in ("MinTTL", "DefaultTTL", "MaxTTL"):
        if config[key] < 0:
            raise _invalid("The parameter %s must not be negative." % key)
    if not minimum <= config["DefaultTTL"] <= config["MaxTTL"]:
        raise _invalid(
            "The parameters must satisfy MinTTL <= DefaultTTL <= MaxTTL (got %d, %d, %d)."
            % (minimum, config["DefaultTTL"], config["MaxTTL"])
        )


def validate(kind, config):
    """Check a parsed policy config as CloudFront does; complete AWS's defaults in place."""
    noun = KINDS[kind]["noun"]
    missing = [m for m in _shape(noun + "Config").required_members if config.get(m) is None]
    if missing:
        raise _invalid("The parameter %s is required." % missing[0])
    if not NAME_RE.match(config["Name"]):
        raise _invalid("The parameter Name must be 1 to 128 letters, digits, hyphens (-) or underscores (_).")
    if len(config.get("Comment") or "") > 128:
        raise _invalid("The parameter Comment must not be longer than 128 characters.")
    if kind == "origin-request-policy":
        _check_parameters(kind, config, config)
        return
    _check_ttls(config)
    params = config.setdefault(CACHE_KEY, dict(_params(), EnableAcceptEncodingGzip=False))
    if params.get("EnableAcceptEncodingGzip") is None:
        raise _invalid("The parameter EnableAcceptEncodingGzip is required.")
    _check_parameters(kind, config, params)
    if config["MaxTTL"] == 0:
        for key in ENCODINGS:
            if params.get(key):
                raise _invalid("The parameter %s is invalid for policy with caching disabled." % key)


# -- distributions ------------------------------------------------------------------------------------------


def _behaviors(root):
    """Every DefaultCacheBehavior and CacheBehavior element under ``root``."""
    return [e for e in root.iter() if _local(e.tag) in ("DefaultCacheBehavior", "CacheBehavior")]


def _text(elem, name):
    for child in elem:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _strip_legacy(body):
    """Drop what AWS does not return for policy-based behaviours; None when nothing changes."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    changed = False
    for behavior in _behaviors(root):
        with_policy = bool(_text(behavior, "CachePolicyId"))
        for child in list(behavior):
            name = _local(child.tag)
            if (with_policy and name in LEGACY_BEHAVIOR_FIELDS) or (
                name == "OriginRequestPolicyId" and not (child.text or "").strip()
            ):
                behavior.remove(child)
                changed = True
    if not changed:
        return None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
    text = ET.tostring(root, encoding="unicode", default_namespace=namespace)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")


class CloudFrontPolicies:
    """WSGI middleware: serves the policy APIs, passes everything else to moto."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.rng = random.Random()
        self.managed = {
            kind: {
                ident: {"id": ident, "config": config, "etag": _etag(self.rng), "modified": "2020-07-22T00:00:00.000Z"}
                for ident, config in policies.items()
            }
            for kind, policies in MANAGED.items()
        }
        self.custom = {}
        self.reset()

    def reset(self):
        """Forget every custom policy."""
        with self.lock:
            self.custom = {kind: {} for kind in KINDS}

    # -- WSGI ---------------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/")
        if method == "POST" and path == "/moto-api/reset":
            self.reset()
            return self.app(environ, start_response)
        found = route(method, path)
        if found:
            return self._serve(found, environ, start_response)
        if DISTRIBUTION_PATH_RE.match(path) and CLOUDFRONT_SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", "")):
            return self._distribution(method, environ, start_response)
        return self.app(environ, start_response)

    def _serve(self, found, environ, start_response):
        operation, kind, ident = found
        request_id = str(uuid.uuid4())
        try:
            status, headers, body = self.handle(operation, kind, ident, environ)
        except ApiError as exc:
            status, headers, body = exc.status, [], error_body(exc.code, exc.message, request_id)
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)] + headers
        return _respond(start_response, status, headers, body)

    def _distribution(self, method, environ, start_response):
        if method in ("POST", "PUT"):
            try:
                self._check_distribution(environ)
            except ApiError as exc:
                request_id = str(uuid.uuid4())
                return _respond(
                    start_response,
                    exc.status,
                    [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)],
                    error_body(exc.code, exc.message, request_id),
                )
        status_line, headers, body = call_wsgi(self.app, environ)
        stripped = _strip_legacy(body) if status_line.startswith("2") and body else None
        if stripped is not None:
            body = stripped
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status_line, headers)
        return [body]

    def _check_distribution(self, environ):
        """AWS's checks of the policies a distribution config refers to."""
        body = environ["wsgi.input"].getvalue() if hasattr(environ["wsgi.input"], "getvalue") else b""
        try:
            root = ET.fromstring(body) if body.strip() else None
        except ET.ParseError:
            return  # moto answers malformed input
        if root is None:
            return
        with self.lock:
            known = {kind: set(self.managed[kind]) | set(self.custom[kind]) for kind in KINDS}
        for behavior in _behaviors(root):
            cache_policy = _text(behavior, "CachePolicyId")
            if cache_policy and any(_local(c.tag) == "ForwardedValues" for c in behavior):
                raise _invalid(
                    "The parameter ForwardedValues cannot be used when a cache policy is associated "
                    "to the cache behavior."
                )
            for ref, kind in KIND_BY_REF.items():
                value = _text(behavior, ref)
                if value and value not in known[kind]:
                    raise ApiError(404, "NoSuch" + KINDS[kind]["noun"], "The %s does not exist." % KINDS[kind]["label"])

    # -- operations ---------------------------------------------------------------------------------------
    def handle(self, operation, kind, ident, environ):
        """Run one policy operation; return (status, extra headers, body)."""
        info = KINDS[kind]
        noun = info["noun"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if operation.startswith("List") and not operation.startswith("ListDistributions"):
            return 200, [], self._list(kind, query)
        if operation.startswith("ListDistributions"):
            self._get(kind, ident)
            ids = self.distributions_using(kind, ident, environ)
            data = {
                "Marker": (query.get("Marker") or [""])[0],
                "MaxItems": int((query.get("MaxItems") or [100])[0]),
                "IsTruncated": False,
                "Quantity": len(ids),
                "Items": ids or None,
            }
            return 200, [], _xml("DistributionIdList", data)
        if operation.startswith("Create"):
            config = self._read_config(kind, environ)
            with self.lock:
                self._check_unique(kind, config["Name"], None)
                if len(self.custom[kind]) >= MAX_CUSTOM_POLICIES:
                    raise ApiError(
                        400,
                        "TooMany" + info["plural"],
                        "You have reached the maximum number of %s "
                        "for this Amazon Web Services account." % info["label"].replace("policy", "policies"),
                    )
                record = {"id": str(uuid.uuid4()), "config": config, "etag": _etag(self.rng), "modified": _now()}
                self.custom[kind][record["id"]] = record
            location = "https://cloudfront.amazonaws.com%s%s/%s" % (PREFIX, kind, record["id"])
            return 201, [("ETag", record["etag"]), ("Location", location)], self._policy_xml(kind, record)
        record = self._get(kind, ident)
        if operation.startswith("Get"):
            if operation.endswith("Config"):
                return 200, [("ETag", record["etag"])], _xml(noun + "Config", record["config"])
            return 200, [("ETag", record["etag"])], self._policy_xml(kind, record)
        if_match = environ.get("HTTP_IF_MATCH")
        managed = ident in self.managed[kind]
        if operation.startswith("Update"):
            if managed:
                raise ApiError(400, "IllegalUpdate", "You cannot update a managed %s." % info["label"])
            config = self._read_config(kind, environ)
            with self.lock:
                self._check_if_match(record, if_match)
                self._check_unique(kind, config["Name"], ident)
                record.update(config=config, etag=_etag(self.rng), modified=_now())
            return 200, [("ETag", record["etag"])], self._policy_xml(kind, record)
        if managed:
            raise ApiError(400, "IllegalDelete", "You cannot delete a managed %s." % info["label"])
        self._check_if_match(record, if_match)
        if self.distributions_using(kind, ident, environ):
            raise ApiError(
                409,
                noun + "InUse",
                "Cannot delete the %s because it is attached to one or more cache behaviors." % info["label"],
            )
        with self.lock:
            self._check_if_match(record, if_match)
            self.custom[kind].pop(ident, None)
        return 204, [], b""

    def _get(self, kind, ident):
        with self.lock:
            record = self.managed[kind].get(ident) or self.custom[kind].get(ident)
        if record is None:
            raise ApiError(404, "NoSuch" + KINDS[kind]["noun"], "The %s does not exist." % KINDS[kind]["label"])
        return record

    @staticmethod
    def _check_if_match(record, if_match):
        if not if_match:
            raise ApiError(400, "InvalidIfMatchVersion", "The If-Match version is missing or not valid.")
        if if_match != record["etag"]:
            raise ApiError(
                412,
                "PreconditionFailed",
                "The precondition given in one or more of the request-header fields evaluated to false.",
            )

    def _check_unique(self, kind, name, ident):
        for other in list(self.managed[kind].values()) + list(self.custom[kind].values()):
            if other["config"]["Name"] == name and other["id"] != ident:
                info = KINDS[kind]
                raise ApiError(
                    409,
                    info["noun"] + "AlreadyExists",
                    "A %s with this name already exists. You must "
                    "provide a unique name. To modify an existing %s, use Update%s."
                    % (info["label"], info["label"], info["noun"]),
                )

    @staticmethod
    def _read_config(kind, environ):
        noun = KINDS[kind]["noun"]
        body = environ["wsgi.input"].read()
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise ApiError(400, "MalformedInput", "The XML document is not well formed.") from None
        if _local(root.tag) != noun + "Config":
            raise ApiError(400, "MalformedInput", "Expected a %sConfig document." % noun)
        config = _parse(root, _shape(noun + "Config"))
        validate(kind, config)
        return config

    def _policy_xml(self, kind, record):
        noun = KINDS[kind]["noun"]
        return _xml(noun, self._policy(kind, record))

    @staticmethod
    def _policy(kind, record):
        return {
            "Id": record["id"],
            "LastModifiedTime": record["modified"],
            KINDS[kind]["noun"] + "Config": record["config"],
        }

    def _list(self, kind, query):
        info = KINDS[kind]
        wanted = (query.get("Type") or [None])[0]
        if wanted not in (None, "managed", "custom"):
            raise _invalid("The parameter Type must be managed or custom.")
        try:
            max_items = int((query.get("MaxItems") or ["100"])[0])
        except ValueError:
            raise _invalid("The parameter MaxItems must be a number.") from None
        with self.lock:
            entries = [("managed", r) for r in self.managed[kind].values() if wanted in (None, "managed")]
            entries += [("custom", r) for r in self.custom[kind].values() if wanted in (None, "custom")]
        marker = (query.get("Marker") or [""])[0]
        start = next((i for i, (_t, r) in enumerate(entries) if r["id"] == marker), 0) if marker else 0
        page = entries[start : start + max_items]
        data = {
            "MaxItems": max_items,
            "Quantity": len(page),
            "Items": [{"Type": t, info["noun"]: self._policy(kind, r)} for t, r in page] or None,
        }
        if start + max_items < len(entries):
            data["NextMarker"] = entries[start + max_items][1]["id"]
        return _xml(info["noun"] + "List", data)

    def distributions_using(self, kind, ident, environ):
        """Ids of moto's distributions with a behaviour that uses the policy."""
        from werkzeug.test import Client

        ref = KINDS[kind]["ref"]
        headers = {
            name: environ[key]
            for name, key in (("Authorization", "HTTP_AUTHORIZATION"), ("Host", "HTTP_HOST"))
            if environ.get(key)
        }
        found, marker = [], ""
        while True:
            response = Client(self.app).get(
                PREFIX + "distribution", query_string={"Marker": marker} if marker else None, headers=headers
            )
            root = ET.fromstring(response.get_data())
            for summary in (e for e in root.iter() if _local(e.tag) == "DistributionSummary"):
                if any(_text(b, ref) == ident for b in _behaviors(summary)):
                    found.append(_text(summary, "Id"))
            marker = next((e.text for e in root.iter() if _local(e.tag) == "NextMarker" and e.text), "")
            if not marker:
                return found


def _respond(start_response, status, headers, body):
    headers = list(headers) + [("Content-Length", str(len(body)))]
    start_response("%d %s" % (status, HTTPStatus(status).phrase), headers)
    return [body]
