# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fidelity register (tools/localcloud/FIDELITY.md) cannot fall behind the code.

The AWS, Cloudflare and Kinde operations the collection's own code calls are found statically (an AST walk
of plugins/modules, plugins/module_utils and plugins/action):

- AWS: attribute calls and references on boto3 clients (``client.describe_certificate(...)``,
  ``self.ecs.create_service``, ``paginate(self.rds.describe_db_instances, ...)``), paginator and waiter names
  (``get_paginator("list_secrets")``, ``get_waiter("services_stable")``, or a string literal passed to a
  helper that does so). A name counts when it is an operation of a service the file creates a client for
  (``module.client("ecs")``; module_utils: any service the collection uses), mapped to the API's PascalCase
  name with botocore's service model (``botocore.xform_name``); waiters map to the operation they poll.
- Cloudflare: ``get/post/patch/put/delete/paginate/request`` calls whose path is a literal or f-string
  starting with ``/`` (``{self.path}`` resolved from its assignment in the same file).
- Kinde: ``opener(..., method=...)`` calls in module_utils/kinde.py with the ``*_PATH`` constant they reach.

Every operation found must have a row in the register (first column, in backticks, in the table of its
service), and every test a row names must exist.
"""

from __future__ import annotations

import ast
import functools
import os
import re

import botocore.session
import pytest
from botocore import xform_name

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REGISTER = os.path.join(REPO, "tools", "localcloud", "FIDELITY.md")
SCANNED_DIRS = ("plugins/modules", "plugins/module_utils", "plugins/action")

# Receiver names (last part of ``x.y.<name>.operation(...)``) that say which service a client is for.
RECEIVER_HINTS = {
    "acm": "acm",
    "ec2": "ec2",
    "ecs": "ecs",
    "elbv2": "elbv2",
    "kms": "kms",
    "logs": "logs",
    "rds": "rds",
    "scaling": "application-autoscaling",
    "autoscaling": "application-autoscaling",
    "secretsmanager": "secretsmanager",
    "ssm": "ssm",
    "cloudfront": "cloudfront",
    "sts": "sts",
}
# Register sections: "## AWS <service>" (botocore service name), "## Cloudflare", "## Kinde".
SECTION = re.compile(r"^##\s+(AWS\s+(?P<svc>[a-z0-9-]+)|(?P<other>Cloudflare|Kinde))\b", re.M)
ROW_KEY = re.compile(r"^\|\s*`(?P<key>[^`]+)`")
TEST_REF = re.compile(r"(?P<file>tests/[\w/.-]+\.py)::(?P<name>[\w:]+)")
SUMMARY = re.compile(
    r"Operations: (?P<total>\d+) \(AWS (?P<aws>\d+) in (?P<services>\d+) services, Cloudflare (?P<cloudflare>\d+), "
    r"Kinde (?P<kinde>\d+)\)\. Local cloud: yes (?P<yes>\d+), partly (?P<partly>\d+), no (?P<no>\d+)"
)
HTTP_METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "put": "PUT", "delete": "DELETE", "paginate": "GET"}
PLACEHOLDER = re.compile(r"\{[^}]*\}")
COLLECTION_UTILS = "ansible_collections.rocketclub.platform.plugins.module_utils."

# The scanner must find at least these (it must never silently find nothing).
KNOWN_MINIMUM = {
    ("ecs", "CreateService"),
    ("ecs", "DescribeServices"),
    ("acm", "RequestCertificate"),
    ("acm", "DescribeCertificate"),
    ("secretsmanager", "PutSecretValue"),
    ("rds", "CreateDBCluster"),
    ("elbv2", "ModifyRule"),
    ("cloudfront", "GetDistribution"),
    ("Cloudflare", "GET /zones/{}/dns_records"),
    ("Cloudflare", "GET /ips"),
    ("Kinde", "POST /oauth2/token"),
}


# ------------------------------------------------------------------------------------------------ scanning

_SESSION = botocore.session.get_session()
_MODELS = {}


def service_ops(service):
    """{snake_case name: PascalCase operation} of a botocore service, plus its waiters (-> polled operation)."""
    if service not in _MODELS:
        model = _SESSION.get_service_model(service)
        ops = {xform_name(name): name for name in model.operation_names}
        waiters = {}
        try:
            waiter_config = _SESSION.get_waiter_model(service)
            for name in waiter_config.waiter_names:
                waiters[xform_name(name)] = waiter_config.get_waiter(name).operation
        except Exception:  # pylint: disable=broad-except  # services without waiters
            pass
        _MODELS[service] = (ops, waiters)
    return _MODELS[service]


def python_files():
    for folder in SCANNED_DIRS:
        for root, dirs, names in os.walk(os.path.join(REPO, folder)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith(".py") and name != "__init__.py":
                    yield os.path.relpath(os.path.join(root, name), REPO)


@functools.lru_cache(maxsize=None)
def parse(relpath):
    with open(os.path.join(REPO, relpath), encoding="utf-8") as f:
        return ast.parse(f.read(), relpath)


def tail(node):
    """The last name of an expression (``self.ecs`` -> ``ecs``, ``client`` -> ``client``), else None."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def client_calls(tree):
    """[(service, target tail or None)] of every ``<x>.client("service", ...)`` call."""
    found = []
    targets = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            names = [tail(t) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])]
            for sub in ast.walk(value) if value is not None else []:
                targets[id(sub)] = names
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "client"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            for name in targets.get(id(node), [None]):
                found.append((node.args[0].value, name))
    return found


def snake_words(tree, relpath):
    """snake_case string constants of a file and of the collection module_utils it imports (template values)."""
    trees = [tree]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(COLLECTION_UTILS):
            path = os.path.join("plugins", "module_utils", *node.module[len(COLLECTION_UTILS) :].split(".")) + ".py"
            if path != relpath and os.path.isfile(os.path.join(REPO, path)):
                trees.append(parse(path))
    return {
        node.value
        for t in trees
        for node in ast.walk(t)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[a-z][a-z0-9_]*", node.value)
    }


def expand_template(text, words):
    """``"list_{plural}"`` -> every ``list_<word>``; a plain snake_case name -> itself; anything else -> nothing."""
    if re.fullmatch(r"[a-z0-9_]+", text):
        return [text]
    if not re.fullmatch(r"[a-z0-9_]*(\{[a-z_]*\}[a-z0-9_]*)+", text) or len(PLACEHOLDER.sub("", text)) < 3:
        return []
    pattern = re.compile(PLACEHOLDER.sub("([a-z0-9_]+)", text) + "$")
    parts = PLACEHOLDER.split(text)
    values = {text}
    for _index in range(len(parts) - 1):
        values = {v.replace(PLACEHOLDER.search(v).group(0), w, 1) for v in values for w in words}
    return [v for v in values if pattern.match(v)]


def all_services():
    services = set()
    for relpath in python_files():
        services.update(service for service, _name in client_calls(parse(relpath)))
    return services


def aws_operations():
    """{(service, Operation): sorted files that call it}."""
    collection_services = all_services()
    found = {}
    for relpath in python_files():
        scan_aws(parse(relpath), relpath, collection_services, found)
    return {key: sorted(files) for key, files in found.items()}


def scan_aws(tree, relpath, collection_services, found):
    """Add the AWS operations of one parsed file to ``found`` ({(service, Operation): set of files})."""
    calls = client_calls(tree)
    services = {s for s, _n in calls} or set(collection_services)
    bound = {}
    for service, name in calls:
        if name:
            bound.setdefault(name, set()).add(service)
    unbound = {s for s, n in calls if not n or n not in RECEIVER_HINTS} or services
    words = snake_words(tree, relpath)

    def resolve(receiver, snake, waiter=False):
        name = tail(receiver) if receiver is not None else None
        hint = RECEIVER_HINTS.get(name)
        # a receiver named for its service (``ctx.ecs``) whose client is made in another file
        pool = services | {hint} if hint in collection_services else services
        owners = {s for s in pool if snake in service_ops(s)[1 if waiter else 0]}
        if not owners:
            return
        hinted = set()
        name = tail(receiver) if receiver is not None else None
        if name in RECEIVER_HINTS:
            hinted = {RECEIVER_HINTS[name]} & owners
        elif name in bound:
            hinted = bound[name] & owners
        else:
            # a generic receiver (``run.client``): not a service whose clients are all bound to other names
            hinted = {s for s in owners if s in unbound}
        chosen = hinted or owners
        for service in chosen:
            ops, waiters = service_ops(service)
            operation = waiters[snake] if waiter else ops[snake]
            found.setdefault((service, operation), set()).add(relpath)

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            resolve(node.value, node.attr)
        if isinstance(node, ast.Call):
            func_name = tail(node.func)
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            args = list(node.args)
            strings = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            paginator = func_name in ("get_paginator", "can_paginate")
            if paginator or (strings and args and not isinstance(args[0], ast.Constant)):
                # get_paginator("x") or a helper such as paginate(self.ecs, "list_services", ...)
                client = receiver if paginator else args[0]
                for value in strings:
                    resolve(client, value)
            if func_name == "get_waiter":
                for value in strings:
                    resolve(receiver, value, waiter=True)
        # names given as literals elsewhere (self.wait("services_stable", ...)) or as templates
        # (call(client, "list_{plural}", kind) with the plural taken from a KINDS table)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for value in expand_template(node.value, words):
                for service in services:
                    ops, waiters = service_ops(service)
                    if value in waiters:
                        found.setdefault((service, waiters[value]), set()).add(relpath)
                    elif value in ops and "_" in value:
                        found.setdefault((service, ops[value]), set()).add(relpath)


def _path_template(node, assigned):
    """A Cloudflare path template from a literal / f-string argument, ``{...}`` for every placeholder."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if node.value.startswith("/") else None
    if isinstance(node, ast.Attribute) or isinstance(node, ast.Name):
        return assigned.get(ast.unparse(node))
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                parts.append(assigned.get(ast.unparse(value.value), "{}"))
        text = "".join(parts)
        return text if text.startswith("/") else None
    return None


def normalise_http(key):
    """``GET /zones/{zone_id}/dns_records`` -> ``GET /zones/{}/dns_records`` (placeholders anonymous)."""
    return PLACEHOLDER.sub("{}", key.strip())


def cloudflare_operations():
    """{"METHOD /path/{}": sorted files} of the Cloudflare API calls in the collection's code."""
    found = {}
    for relpath in python_files():
        tree = parse(relpath)
        assigned = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                value = node.value
                if isinstance(value, (ast.Constant, ast.JoinedStr)):
                    template = _path_template(value, {})
                    if template:
                        assigned[ast.unparse(node.targets[0])] = template
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            name = node.func.attr
            if name in HTTP_METHODS:
                method, path_node = HTTP_METHODS[name], node.args[0]
            elif (
                name == "request"
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).upper() in HTTP_METHODS.values()
            ):
                method, path_node = node.args[0].value.upper(), node.args[1]
            else:
                continue
            template = _path_template(path_node, assigned)
            if template and not template.startswith("/."):
                found.setdefault(normalise_http(f"{method} {template}"), set()).add(relpath)
    return {key: sorted(files) for key, files in found.items()}


def kinde_operations():
    """{"METHOD /path": files} of the HTTP calls in module_utils/kinde.py (``opener(url, method=...)``)."""
    relpath = "plugins/module_utils/kinde.py"
    tree = parse(relpath)
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.endswith("_PATH"):
                    constants[target.id] = node.value.value
    # endpoint keys (derive_endpoints' dict: "token_endpoint": issuer + TOKEN_PATH) and helpers returning a path
    via = {}
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    for function in functions.values():
        for node in ast.walk(function):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    names = [n.id for n in ast.walk(value) if isinstance(n, ast.Name) and n.id in constants]
                    if isinstance(key, ast.Constant) and names:
                        via[("key", key.value)] = constants[names[0]]
            if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Dict):
                names = [n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in constants]
                if names:
                    via[("function", function.name)] = constants[names[0]]
    found = {}
    for function in functions.values():
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and tail(call.func) == "opener"):
                continue
            method = next(
                (k.value.value for k in call.keywords if k.arg == "method" and isinstance(k.value, ast.Constant)), "GET"
            )
            paths = set()
            for node in ast.walk(function):
                if isinstance(node, ast.Name) and node.id in constants:
                    paths.add(constants[node.id])
                if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                    if ("key", node.slice.value) in via:
                        paths.add(via[("key", node.slice.value)])
                if isinstance(node, ast.Call) and ("function", tail(node.func)) in via:
                    paths.add(via[("function", tail(node.func))])
            # a function that receives the URL: its callers decide (fetch_discovery <- validate_discovery)
            if not paths:
                for caller in functions.values():
                    if any(isinstance(n, ast.Call) and tail(n.func) == function.name for n in ast.walk(caller)):
                        for node in ast.walk(caller):
                            if isinstance(node, ast.Call) and ("function", tail(node.func)) in via:
                                paths.add(via[("function", tail(node.func))])
            for path in paths:
                found.setdefault(f"{method} {path}", set()).add(relpath)
    return {key: sorted(files) for key, files in found.items()}


def called_operations():
    """{(section, key): files}: section is a botocore service name, "Cloudflare" or "Kinde"."""
    found = dict(aws_operations())
    found.update({("Cloudflare", key): files for key, files in cloudflare_operations().items()})
    found.update({("Kinde", key): files for key, files in kinde_operations().items()})
    return found


# ------------------------------------------------------------------------------------------------ register


def read_register():
    """{(section, key): [row text]} of the register's tables."""
    with open(REGISTER, encoding="utf-8") as f:
        text = f.read()
    rows = {}
    section = None
    for line in text.splitlines():
        heading = SECTION.match(line)
        if heading:
            section = heading.group("svc") or heading.group("other")
            continue
        if line.startswith("## "):
            section = None
            continue
        match = ROW_KEY.match(line)
        if section and match:
            key = match.group("key").strip()
            if section in ("Cloudflare", "Kinde"):
                key = normalise_http(key)
            rows.setdefault((section, key), []).append(line)
    return rows


def defined_tests(relpath):
    """Names of test functions and classes (``Class::method`` too) defined in a test file."""
    names = set()
    tree = parse(relpath)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(f"{node.name}::{item.name}")
    return names


@pytest.fixture(scope="module")
def called():
    return called_operations()


@pytest.fixture(scope="module")
def register():
    return read_register()


def test_scanner_finds_known_operations(called):
    missing = sorted(KNOWN_MINIMUM - set(called))
    assert not missing, f"the scanner no longer finds {missing}: fix tests/unit/test_fidelity_register.py"
    assert len([k for k in called if k[0] not in ("Cloudflare", "Kinde")]) >= 60, sorted(called)


def test_every_called_operation_has_a_row(called, register):
    missing = [
        f"{section} {key} (called in {', '.join(files)})"
        for (section, key), files in sorted(called.items())
        if (section, key) not in register
    ]
    assert not missing, "operations without a row in tools/localcloud/FIDELITY.md:\n" + "\n".join(missing)


def test_register_rows_are_real_operations(register):
    wrong = []
    for section, key in register:
        if section in ("Cloudflare", "Kinde"):
            if not re.fullmatch(r"(GET|POST|PATCH|PUT|DELETE) /\S*", key):
                wrong.append(f"{section}: {key!r} is not 'METHOD /path'")
        elif key not in set(service_ops(section)[0].values()):
            wrong.append(f"AWS {section}: {key!r} is not an operation of botocore's {section} model")
    assert not wrong, "\n".join(wrong)


def test_every_named_test_exists(register):
    problems = []
    cache = {}
    for (section, key), lines in sorted(register.items()):
        for line in lines:
            for ref in TEST_REF.finditer(line):
                relpath, name = ref.group("file"), ref.group("name")
                if relpath not in cache:
                    cache[relpath] = defined_tests(relpath) if os.path.isfile(os.path.join(REPO, relpath)) else None
                if cache[relpath] is None:
                    problems.append(f"{section} {key}: {relpath} does not exist")
                elif name not in cache[relpath]:
                    problems.append(f"{section} {key}: {relpath}::{name} is not defined")
    assert not problems, "tests named in tools/localcloud/FIDELITY.md that do not exist:\n" + "\n".join(problems)


def test_every_row_is_complete(register):
    """Each row: operation | behaviours | source | reproduced (yes/no/partly) | test (file::function or none)."""
    problems = []
    for (section, key), lines in register.items():
        for line in lines:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            if len(cells) != 5:
                problems.append(f"{section} {key}: {len(cells)} columns, expected 5")
                continue
            if not re.match(r"(yes|no|partly)\b", cells[3]):
                problems.append(f"{section} {key}: reproduced column must start with yes, no or partly")
            if not (cells[4].startswith("none") or TEST_REF.search(cells[4])):
                problems.append(f"{section} {key}: test column must name tests/...py::function or say none")
            if not cells[2]:
                problems.append(f"{section} {key}: no source")
    assert not problems, "\n".join(sorted(problems))


def test_summary_counts_are_current(register):
    """The summary line (operations per kind, reproduced yes/partly/no) matches the tables."""
    with open(REGISTER, encoding="utf-8") as f:
        text = " ".join(f.read().split())
    match = SUMMARY.search(text)
    assert match, "tools/localcloud/FIDELITY.md has no summary line 'Operations: N (AWS n in s services, ...'"
    rows = [(section, line) for (section, _key), lines in register.items() for line in lines]
    reproduced = {"yes": 0, "partly": 0, "no": 0}
    for _section, line in rows:
        cell = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))][3]
        reproduced[re.match(r"(yes|partly|no)", cell).group(1)] += 1
    aws = [s for s, _line in rows if s not in ("Cloudflare", "Kinde")]
    actual = {
        "total": len(rows),
        "aws": len(aws),
        "services": len(set(aws)),
        "cloudflare": sum(1 for s, _line in rows if s == "Cloudflare"),
        "kinde": sum(1 for s, _line in rows if s == "Kinde"),
        **reproduced,
    }
    stated = {name: int(value) for name, value in match.groupdict().items()}
    assert stated == actual, f"update the summary of tools/localcloud/FIDELITY.md to {actual}"


def test_scanner_detects_a_missing_row(called, register):
    """Self-check: dropping a row that the code needs is reported (the comparison is not vacuous)."""
    key = ("ecs", "CreateService")
    assert key in called and key in register
    pruned = {k: v for k, v in register.items() if k != key}
    assert [k for k in called if k not in pruned] == [key]


SNIPPET = """
class Run:
    def __init__(self, module):
        self.ecs = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
        self.logs = module.client("logs")
        self.client = module.client("secretsmanager")

    def go(self):
        self.ecs.create_service(cluster="c", serviceName="s", aws_retry=True)
        self.logs.list_tags_for_resource(resourceArn="arn")
        self.ecs.get_waiter("services_stable").wait(cluster="c", services=["s"])
        self.client.get_paginator("list_secrets").paginate().build_full_result()
        paginate(self.ecs, "list_task_definitions", "taskDefinitionArns")
        call(self.client, "describe_{kind}", "secret")
        self.ecs.describe_services  # a reference passed to a helper
"""


def test_scanner_on_a_snippet():
    """Each way the collection reaches an operation is found, on the right service (``list_tags_for_resource``
    exists in ECS, Logs and Secrets Manager: the receiver decides)."""
    found = {}
    scan_aws(ast.parse(SNIPPET), "snippet.py", set(), found)
    assert set(found) == {
        ("ecs", "CreateService"),
        ("logs", "ListTagsForResource"),
        ("ecs", "DescribeServices"),  # the services_stable waiter, and the reference
        ("secretsmanager", "ListSecrets"),
        ("ecs", "ListTaskDefinitions"),
        ("secretsmanager", "DescribeSecret"),
    }, sorted(found)
