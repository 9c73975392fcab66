# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the local platform (make bench). Prints figures; passes or fails nothing.

Sections (docs/benchmarks.md says what each figure means and how to read it):

1. stock ratio: the collection's no-op converge next to the stock-module reference (benchmarks/site_stock.yml)
   in one private local cloud, alternating for --rounds rounds, under each --strategies configuration;
   the collection's --check.
2. API calls of the fresh converge, the no-op and --check: total, writes, reads by service:operation, and
   reads per managed resource (counted from the outputs file site.yml writes).
3. task profile of the collection's no-op (benchmarks/callback_plugins/bench_timer.py).
4. latency profile: a fresh converge, park.yml and unpark.yml with the local cloud's latency_profile
   "aws-like"; wall time against the longest dependency chain of the slow resources.
5. fresh clone: `make site` (and, with --make-test, `make test`) in a clone of the repository's HEAD.

The exit status is non-zero only when a run itself failed (a playbook's rc != 0, a make target failing).

    make bench [ARGS="--rounds 5 --json bench.json"]
    PYTHONPATH=tools .venv/bin/python benchmarks/bench.py --quick --rounds 1
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))

from localcloud.client import LocalCloudError  # noqa: E402  pylint: disable=wrong-import-position
from localcloud.testing import aws_client  # noqa: E402  pylint: disable=wrong-import-position
from localcloud.testing import running  # noqa: E402  pylint: disable=wrong-import-position
from localcloud.testing import self_signed_certificate  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
CALLBACK_DIR = os.path.join(REPO, "benchmarks", "callback_plugins")
COLLECTION = ["playbooks/site.yml", "-i", "inventories/local"]
STOCK_PLAYBOOK = "benchmarks/site_stock.yml"
# Strategy configurations: "mitogen" is the checkout's ansible.cfg as it is (rocketclub.platform.mitogen_linear);
# "linear" the same with ANSIBLE_STRATEGY=linear, what a team without this collection runs.
STRATEGIES = {"mitogen": None, "linear": "linear"}
RECAP = re.compile(
    r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
    r"\s+rescued=(\d+)\s+ignored=(\d+)",
    re.M,
)
# Issue 13's goals, printed next to the figures for the reader; nothing is asserted.
GOALS = {"noop_ratio": 0.3, "check_ratio": 1.1, "reads_per_resource": 1.5, "chain_ratio": 1.25}
BUDGETS = {"make site": 180, "make test": 1200}
CLONE_PORTS = {"LOCALCLOUD_AWS_PORT": 4723, "LOCALCLOUD_CLOUDFLARE_PORT": 4724, "LOCALCLOUD_KINDE_PORT": 4725}
CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"

# ---- the slow resources of the platform and what each waits for (section 4; docs/benchmarks.md)
# node: (latency profile key or None for a step the local cloud does not delay, [nodes it needs finished first])
SITE_GRAPH = {
    "acm issuance (ALB certificate)": ("acm.issuance", []),
    "acm issuance (CloudFront certificate, us-east-1)": ("acm.issuance", []),
    "ALB provisioning": ("elbv2.load_balancer", []),
    "NAT gateway": ("ec2.nat_gateway", []),
    "VPC interface endpoints": ("ec2.vpc_endpoint", []),
    "Aurora cluster": ("rds.db_cluster", []),
    # CreateDBInstance is accepted while the cluster is still creating (the console creates both at once).
    "Aurora writer instance": ("rds.db_instance", []),
    # ecs_service_db_bootstrap_run is off in inventories/local: no task runs, 0 s.
    "DB bootstrap task": (None, ["Aurora cluster", "Aurora writer instance"]),
    "ECS services steady": (
        "ecs.deployment",
        [
            "DB bootstrap task",
            "acm issuance (ALB certificate)",
            "ALB provisioning",
            "NAT gateway",
            "VPC interface endpoints",
        ],
    ),
    "CloudFront deployed": ("cloudfront.distribution", ["acm issuance (CloudFront certificate, us-east-1)"]),
}
UNPARK_GRAPH = {
    "NAT gateway": ("ec2.nat_gateway", []),
    "Aurora start (cluster and instances)": ("rds.db_cluster", []),
    "ECS services steady": ("ecs.deployment", ["NAT gateway", "Aurora start (cluster and instances)"]),
}
# park.yml: stopping Aurora and deleting NAT gateways have no transitional state in the local cloud.
PARK_GRAPH = {}
# API calls that start a transition of the latency profile (the "sum of the waits").
TRANSITIONS = {
    "ec2:CreateNatGateway": "ec2.nat_gateway",
    "ec2:CreateVpcEndpoint": "ec2.vpc_endpoint",
    "rds:CreateDBCluster": "rds.db_cluster",
    "rds:RestoreDBClusterFromSnapshot": "rds.db_cluster",
    "rds:StartDBCluster": "rds.db_cluster",
    "rds:CreateDBInstance": "rds.db_instance",
    "acm:RequestCertificate": "acm.issuance",
    "elasticloadbalancing:CreateLoadBalancer": "elbv2.load_balancer",
    "ecs:CreateService": "ecs.deployment",
    "ecs:UpdateService": "ecs.deployment",
    "cloudfront:CreateDistribution": "cloudfront.distribution",
    "cloudfront:CreateDistributionWithTags": "cloudfront.distribution",
    "cloudfront:UpdateDistribution": "cloudfront.distribution",
}
# The request log names REST calls `METHOD /path`: CloudFront's are renamed after their API operation, S3's
# bucket names folded into {bucket} (the log has no query string, so S3 subresources stay apart only by method).
CLOUDFRONT_REST = (
    (re.compile(r"^POST /\d{4}-\d{2}-\d{2}/distribution/?$"), "CreateDistribution"),
    (re.compile(r"^GET /\d{4}-\d{2}-\d{2}/distribution/?$"), "ListDistributions"),
    (re.compile(r"^GET /\d{4}-\d{2}-\d{2}/distribution/[^/]+$"), "GetDistribution"),
    (re.compile(r"^GET /\d{4}-\d{2}-\d{2}/distribution/[^/]+/config$"), "GetDistributionConfig"),
    (re.compile(r"^PUT /\d{4}-\d{2}-\d{2}/distribution/[^/]+/config$"), "UpdateDistribution"),
    (re.compile(r"^DELETE /\d{4}-\d{2}-\d{2}/distribution/[^/]+$"), "DeleteDistribution"),
    (re.compile(r"^GET /\d{4}-\d{2}-\d{2}/tagging$"), "ListTagsForResource"),
    (re.compile(r"^POST /\d{4}-\d{2}-\d{2}/tagging$"), "TagResource/UntagResource"),
)
S3_PATH = re.compile(r"^(GET|HEAD|PUT|POST|DELETE) /[^/?]+(/.*)?$")

# ---- managed resources (section 2): what the outputs file of site.yml names
ARN = re.compile(r"^arn:aws[\w-]*:([\w-]+):[\w-]*:\d*:([\w-]+)")
AWS_ID = re.compile(r"^(vpc|subnet|sg|nat|vpce|igw|rtb|eipalloc|eni|acl|pl|lt|i)-[0-9a-f]{8,17}$")
# Resources the outputs file names by name (or by an id of no recognisable form) only: (family, path of a name, or
# of a list or dict of names).
NAMED = (
    ("ssm:parameter", ("secrets", "parameters")),
    ("ssm:parameter", ("s3_data", "parameters")),
    ("ssm:parameter", ("ecs", "parameters")),
    ("s3:bucket", ("s3_data", "buckets")),
    ("kms:alias", ("secrets", "kms_alias")),
    ("kms:alias", ("secrets", "shared_kms_alias")),
    ("logs:log-group", ("ecs", "log_groups")),
    ("rds:db", ("aurora", "instance_identifiers")),
    ("rds:subgrp", ("aurora", "db_subnet_group")),
    ("cloudfront:policy", ("cloudfront", "policy_ids")),
)
CLOUDFLARE_RECORDS = ("dns", "records")


def log(message):
    print(message, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def ratio(numerator, denominator, digits=2):
    return round(numerator / denominator, digits) if numerator is not None and denominator else None


# ------------------------------------------------------------------------------------------------ runs


def playbook_env(env, strategy, timer_file):
    env = dict(
        env,
        ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_CALLBACK_PLUGINS=CALLBACK_DIR,
        ANSIBLE_CALLBACKS_ENABLED="bench_timer",
        BENCH_TIMER_FILE=timer_file,
    )
    env.pop("ANSIBLE_STRATEGY", None)
    if STRATEGIES[strategy]:
        env["ANSIBLE_STRATEGY"] = STRATEGIES[strategy]
    return env


def operation_name(call):
    operation = call["operation"]
    if call["service"] == "cloudfront":
        for pattern, name in CLOUDFRONT_REST:
            if pattern.match(operation):
                return name
    if call["service"] == "s3":
        match = S3_PATH.match(operation)
        if match:
            return f"{match.group(1)} /{{bucket}}" + ("/{key}" if match.group(2) else "")
    return operation


def summarize_calls(calls):
    by_op = collections.Counter(f"{c['service']}:{operation_name(c)}" for c in calls)
    writes = collections.Counter(f"{c['service']}:{operation_name(c)}" for c in calls if c["write"])
    return {
        "total": len(calls),
        "writes": sum(writes.values()),
        "reads": len(calls) - sum(writes.values()),
        "errors": sum(1 for c in calls if c.get("status", 200) >= 400),
        "throttled": sum(1 for c in calls if c.get("throttled")),
        "by_operation": dict(sorted(by_op.items())),
        "writes_by_operation": dict(sorted(writes.items())),
    }


def run_playbook(label, argv, env, work, cloud=None, strategy="mitogen", keep_output=False):
    """Run ansible-playbook once from the checkout; return the figures of the run."""
    timer_file = os.path.join(work, f"timer-{time.monotonic_ns()}.json")
    run_env = playbook_env(env, strategy, timer_file)
    if cloud is not None:
        cloud.clear_requests()
        cloud.clear_cloudflare_requests()
    started_at = time.time()
    started = time.monotonic()
    lines = []
    with subprocess.Popen(
        [os.path.join(BIN, "ansible-playbook")] + argv,
        cwd=REPO,
        env=run_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        for line in proc.stdout:
            lines.append((round(time.time() - started_at, 1), line.rstrip("\n")))
        rc = proc.wait()
    seconds = time.monotonic() - started
    text = "\n".join(line for _offset, line in lines)
    recap = RECAP.search(text)
    names = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
    counts = {k: int(v) for k, v in zip(names, recap.groups())} if recap else {}
    timer = {}
    if os.path.exists(timer_file):
        with open(timer_file, encoding="utf-8") as handle:
            timer = json.load(handle)
        os.unlink(timer_file)
    figures = {
        "label": label,
        "strategy": strategy,
        "argv": argv,
        "seconds": round(seconds, 1),
        "rc": rc,
        **counts,
        "started_at": started_at,
        "startup_seconds": round(timer["playbook_start"] - started_at, 1) if timer.get("playbook_start") else None,
        "tasks": [
            dict(t, start=round(t["start"] - started_at, 2), end=round(t["end"] - started_at, 2))
            for t in timer.get("tasks", [])
        ],
    }
    if cloud is not None:
        calls = cloud.requests()
        figures["api"] = summarize_calls(calls)
        figures["api_calls_raw"] = [
            {
                "offset": round(c["time"] - started_at, 2),
                "op": f"{c['service']}:{operation_name(c)}",
                "status": c["status"],
            }
            for c in calls
        ]
        figures["cloudflare_calls"] = len(cloud.cloudflare_requests())
    if keep_output or rc:
        figures["output"] = lines
    if rc:
        sys.stderr.write(f"--- {label}: rc {rc}, last lines:\n" + "\n".join(line for _o, line in lines[-60:]) + "\n")
    log(
        f"  {label:<44} {figures['seconds']:>7.1f} s  rc {rc}  changed {counts.get('changed', '?')}"
        + (f"  API calls {figures['api']['total']} (writes {figures['api']['writes']})" if cloud is not None else "")
    )
    return figures


def slim(run):
    """A run without its raw call log and output (for the JSON file, where the summaries are enough)."""
    return {k: v for k, v in run.items() if k not in ("api_calls_raw", "output")}


# ------------------------------------------------------------------------------ stock reference inputs


def stock_inputs(env):
    """(cert_arn, cf_prefix_list) for benchmarks/site_stock.yml: a self-signed certificate imported into ACM and
    the id of CloudFront's origin-facing managed prefix list."""
    certificate, key = self_signed_certificate("*.stock.local")
    cert_arn = aws_client(env, "acm", "eu-west-2").import_certificate(Certificate=certificate, PrivateKey=key)[
        "CertificateArn"
    ]
    lists = aws_client(env, "ec2", "eu-west-2").describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": [CLOUDFRONT_ORIGIN_FACING]}]
    )["PrefixLists"]
    if not lists:
        raise RuntimeError(f"the local cloud has no managed prefix list {CLOUDFRONT_ORIGIN_FACING}")
    return cert_arn, lists[0]["PrefixListId"]


# ------------------------------------------------------------------------------------ managed resources


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _at(document, path):
    for key in path:
        document = (document or {}).get(key) if isinstance(document, dict) else None
    return document


def managed_resources(outputs):
    """Managed resources named by the outputs file (its ``platform`` document): every distinct ARN and AWS
    resource id, plus the SSM parameters and S3 buckets it names by name. Family: ``service:resource type``
    of an ARN, ``ec2:<id prefix>`` of an id. Cloudflare DNS records are counted apart (not AWS calls)."""
    platform = outputs.get("platform") or {}
    seen = {}
    for value in _strings(platform):
        arn = ARN.match(value)
        if arn:
            seen[value] = f"{arn.group(1)}:{arn.group(2)}"
            continue
        aws_id = AWS_ID.match(value)
        if aws_id:
            seen[value] = f"ec2:{aws_id.group(1)}"
    for family, path in NAMED:
        names = _at(platform, path) or []
        names = [names] if isinstance(names, str) else names.values() if isinstance(names, dict) else names
        for name in names:
            seen[f"{family}/{name}"] = family
    # A CloudFront distribution is named by its id (E + 13 characters) when the outputs carry no ARN of it.
    distributions = _at(platform, ("cloudfront", "distributions")) or {}
    for dist in distributions.values():
        if (
            isinstance(dist, dict)
            and dist.get("id")
            and not any(key.startswith("arn:aws:cloudfront") and key.endswith(dist["id"]) for key in seen)
        ):
            seen[f"cloudfront:distribution/{dist['id']}"] = "cloudfront:distribution"
    # IAM inline policies: role name -> policy names (an inline policy is named by its role and its name).
    for role, names in (_at(platform, ("iam", "inline_policies")) or {}).items():
        for name in names or []:
            seen[f"iam:role-policy/{role}/{name}"] = "iam:role-policy"
    families = collections.Counter(seen.values())
    records = _at(platform, CLOUDFLARE_RECORDS) or {}
    return {
        "total": len(seen),
        "by_family": dict(sorted(families.items())),
        "cloudflare_records": len(records),
    }


# ---------------------------------------------------------------------------------------- task profile


def task_profile(run, top=20):
    tasks = [dict(t, seconds=round(t["end"] - t["start"], 2)) for t in run["tasks"]]
    by_role = collections.defaultdict(lambda: [0.0, 0])
    for task in tasks:
        role = task["role"] or "(playbook)"
        if task["file"].endswith("tasks/validate.yml") or task["file"].endswith("validate_inventory.yml"):
            role += " (validate)"
        by_role[role][0] += task["seconds"]
        by_role[role][1] += 1
    total = sum(t["seconds"] for t in tasks)
    span = (tasks[-1]["end"] - tasks[0]["start"]) if tasks else 0
    return {
        "run": run["label"],
        "wall_seconds": run["seconds"],
        "startup_seconds": run["startup_seconds"],
        "tasks": len(tasks),
        "sum_of_tasks_seconds": round(total, 1),
        "between_tasks_seconds": round(span - total, 1),
        "slowest": sorted(tasks, key=lambda t: -t["seconds"])[:top],
        "by_role": {
            role: {"seconds": round(seconds, 1), "tasks": count}
            for role, (seconds, count) in sorted(by_role.items(), key=lambda item: -item[1][0])
        },
    }


# ----------------------------------------------------------------------------------- latency profile


def longest_chain(graph, profile):
    """(seconds, [nodes]) of the longest path through ``graph`` with the profile's seconds per node."""
    memo = {}

    def finish(node):
        if node not in memo:
            key, needs = graph[node]
            own = profile.get(key, 0) if key else 0
            best = max((finish(need) for need in needs), default=(0, []), key=lambda item: item[0])
            memo[node] = (best[0] + own, best[1] + [node])
        return memo[node]

    return max((finish(node) for node in graph), default=(0, []), key=lambda item: item[0])


def transitions(run, profile, deployments=True):
    """The calls of a run that started a transition of the latency profile, with when they started.
    ``deployments=False``: UpdateService starts none (park.yml only lowers desired counts to 0)."""
    started = []
    for call in run.get("api_calls_raw", []):
        key = TRANSITIONS.get(call["op"])
        if call["op"] == "ecs:UpdateService" and not deployments:
            continue
        if key and call["status"] < 400 and profile.get(key):
            started.append(
                {"op": call["op"], "key": key, "start": call["offset"], "ready": call["offset"] + profile[key]}
            )
    return started


def latency_figures(run, graph, profile):
    chain_seconds, chain = longest_chain(graph, profile)
    started = transitions(run, profile, deployments=graph is not PARK_GRAPH)
    waits = sum(profile[s["key"]] for s in started)
    progress = [
        {"offset": offset, "line": line.strip()} for offset, line in run.get("output", []) if " elapsed of " in line
    ]
    return {
        "run": run["label"],
        "wall_seconds": run["seconds"],
        "rc": run["rc"],
        "changed": run.get("changed"),
        "chain_seconds": chain_seconds,
        "chain": chain,
        "wall_to_chain": ratio(run["seconds"], chain_seconds),
        "sum_of_waits_seconds": waits,
        "transitions": started,
        "slow_tasks": [
            {"name": t["name"], "role": t["role"], "start": t["start"], "end": t["end"]}
            for t in run["tasks"]
            if t["end"] - t["start"] >= 3
        ],
        "progress_lines": progress,
    }


def section_latency(figures, failures, work):
    try:
        from localcloud import latency  # pylint: disable=import-outside-toplevel
    except ImportError:
        figures["latency"] = {
            "skipped": "the local cloud has no latency profiles yet (tools/localcloud/latency.py, issue 13): "
            "section 4 needs latency_profile='aws-like'"
        }
        log("  skipped: " + figures["latency"]["skipped"])
        return
    with running(os.path.join(work, "lc-latency")) as (cloud, env):
        try:
            cloud.configure(latency_profile="aws-like")
            profile = cloud.config().get("latency_profile") or {}
        except LocalCloudError as exc:
            profile, error = {}, str(exc)
        else:
            error = "GET config shows no resolved latency_profile"
        if not profile:
            figures["latency"] = {"skipped": f"the local cloud refused latency_profile='aws-like': {error}"}
            log("  skipped: " + figures["latency"]["skipped"])
            return
        profile = {key: float(value) for key, value in profile.items()}
        figures["latency"] = {"profile": profile, "contract_profile": latency.PROFILES.get("aws-like")}
        cloud.seed_operator_secrets()
        outputs = ["-e", f"platform_outputs_dir={os.path.join(work, 'outputs-latency')}"]
        runs = [
            (
                run_playbook("latency: fresh converge", COLLECTION + outputs, env, work, cloud, keep_output=True),
                SITE_GRAPH,
            ),
        ]
        if not runs[0][0]["rc"]:
            for name, graph in (("park", PARK_GRAPH), ("unpark", UNPARK_GRAPH)):
                argv = [f"playbooks/{name}.yml", "-i", "inventories/local"]
                runs.append((run_playbook(f"latency: {name}.yml", argv, env, work, cloud, keep_output=True), graph))
        for run, dummy in runs:
            if run["rc"]:
                failures.append(run["label"])
        figures["latency"]["runs"] = [latency_figures(run, graph, profile) for run, graph in runs]


# -------------------------------------------------------------------------------------------- clone


def clean_make_env(state_dir):
    """The environment of a new shell: nothing of this checkout's make, venv or local cloud."""
    # make exports its command-line variables (`make bench ARGS=...`) to recipes: the clone's make must not see
    # them (ARGS would reach its ansible-playbook), nor this checkout's venv and paths.
    drop = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "VIRTUAL_ENV", "PYTHONPATH", "BENCH_TIMER_FILE")
    drop += ("ARGS", "INVENTORY", "PYTHON", "VENV", "BIN", "STAMP", "LOCALCLOUD", "PYTEST_WORKERS")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith(("ANSIBLE_", "LOCALCLOUD_", "AWS_", "CLOUDFLARE_"))
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(REPO))
    env["LOCALCLOUD_STATE_DIR"] = state_dir
    env.update({k: str(v) for k, v in CLONE_PORTS.items()})
    return env


def timed_make(target, clone, env, work):
    log_file = os.path.join(work, f"make-{target}.log")
    started = time.monotonic()
    with open(log_file, "w", encoding="utf-8") as handle:
        rc = subprocess.run(["make", target], cwd=clone, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False)
    seconds = round(time.monotonic() - started, 1)
    if rc.returncode:
        with open(log_file, encoding="utf-8") as handle:
            sys.stderr.write(f"--- make {target} in the clone: rc {rc.returncode}, last lines:\n")
            sys.stderr.write("".join(handle.readlines()[-60:]))
    log(f"  make {target:<40} {seconds:>7.1f} s  rc {rc.returncode}")
    return {"target": target, "seconds": seconds, "rc": rc.returncode, "budget_seconds": BUDGETS.get(f"make {target}")}


def section_clone(figures, failures, work, make_test):
    clone = os.path.join(work, "clone")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    started = time.monotonic()
    subprocess.run(["git", "clone", "--quiet", REPO, clone], check=True, capture_output=True)
    result = {"commit": head.stdout.strip(), "clone_seconds": round(time.monotonic() - started, 1), "runs": []}
    figures["fresh_clone"] = result
    env = clean_make_env(os.path.join(work, "clone-localcloud"))
    try:
        # `make venv` then `make site`: the same steps as one `make site` (its first prerequisite is venv),
        # timed apart so the install shows.
        for target in ("venv", "site") + (("test",) if make_test else ()):
            run = timed_make(target, clone, env, work)
            result["runs"].append(run)
            if run["rc"]:
                failures.append(f"make {target} in a fresh clone")
                break
    finally:
        subprocess.run(["make", "local-down"], cwd=clone, env=env, capture_output=True, check=False)
    by_target = {run["target"]: run for run in result["runs"]}
    if "venv" in by_target and "site" in by_target:
        result["make_site_seconds"] = round(by_target["venv"]["seconds"] + by_target["site"]["seconds"], 1)
        result["install_seconds"] = by_target["venv"]["seconds"]


# ------------------------------------------------------------------------------------ stock ratio


def section_ratio(args, figures, failures, work):
    strategies = args.strategies
    primary = strategies[0]
    with running(os.path.join(work, "lc-ratio")) as (cloud, env):
        cloud.seed_operator_secrets()  # the operator's step: the Kinde client secret is in place
        outputs_dir = os.path.join(work, "outputs")
        collection = COLLECTION + ["-e", f"platform_outputs_dir={outputs_dir}"]
        fresh = run_playbook(f"collection fresh converge [{primary}]", collection, env, work, cloud, primary)
        figures["fresh"] = fresh
        if fresh["rc"]:
            failures.append(fresh["label"])
            return
        cert_arn, prefix_list = stock_inputs(env)
        stock = [
            STOCK_PLAYBOOK,
            "-i",
            "inventories/local",
            "-e",
            f"cert_arn={cert_arn}",
            "-e",
            f"cf_prefix_list={prefix_list}",
        ]
        stock_env = dict(env, AWS_ENDPOINT=env["LOCALCLOUD_AWS_URL"])
        figures["stock_fresh"] = run_playbook(
            f"stock fresh converge [{primary}]", stock, stock_env, work, cloud, primary
        )
        if figures["stock_fresh"]["rc"]:
            failures.append(figures["stock_fresh"]["label"])
        rows = collections.defaultdict(list)
        for index in range(args.rounds):
            log(f" round {index + 1}/{args.rounds}")
            for strategy in strategies:
                pair = [
                    (f"collection no-op [{strategy}]", collection, env),
                    (f"stock no-op [{strategy}]", stock, stock_env),
                ]
                for label, argv, run_env in pair if index % 2 == 0 else reversed(pair):
                    run = run_playbook(label, argv, run_env, work, cloud, strategy)
                    rows[label].append(run)
                    if run["rc"]:
                        failures.append(f"{label} round {index + 1}")
            label = f"collection --check [{primary}]"
            run = run_playbook(label, collection + ["--check"], env, work, cloud, primary)
            rows[label].append(run)
            if run["rc"]:
                failures.append(f"{label} round {index + 1}")
        figures["rows"] = {
            label: {
                "seconds": [r["seconds"] for r in runs],
                "median_seconds": median(r["seconds"] for r in runs),
                "changed": [r.get("changed") for r in runs],
                "ignored": [r.get("ignored") for r in runs],
                "startup_seconds": median(r["startup_seconds"] for r in runs),
                "runs": [slim(r) for r in runs],
            }
            for label, runs in rows.items()
        }
        med = {label: row["median_seconds"] for label, row in figures["rows"].items()}
        figures["ratios"] = {}
        for strategy in strategies:
            figures["ratios"][f"collection/stock [{strategy}]"] = ratio(
                med.get(f"collection no-op [{strategy}]"), med.get(f"stock no-op [{strategy}]")
            )
        if "linear" in strategies and primary != "linear":
            figures["ratios"][f"collection [{primary}] / stock [linear]"] = ratio(
                med.get(f"collection no-op [{primary}]"), med.get("stock no-op [linear]")
            )
            figures["ratios"][f"collection [linear] / collection [{primary}]"] = ratio(
                med.get("collection no-op [linear]"), med.get(f"collection no-op [{primary}]")
            )
        figures["ratios"][f"check/no-op [{primary}]"] = ratio(
            med.get(f"collection --check [{primary}]"), med.get(f"collection no-op [{primary}]")
        )
        # API calls and task profile: the no-op run of median duration under the first configuration.
        noops = sorted(rows[f"collection no-op [{primary}]"], key=lambda r: r["seconds"])
        noop = noops[len(noops) // 2]
        check = rows[f"collection --check [{primary}]"][0]
        outputs_file = os.path.join(outputs_dir, "local.json")
        with open(outputs_file, encoding="utf-8") as handle:
            outputs = json.load(handle)
        resources = managed_resources(outputs)
        figures["managed_resources"] = resources
        figures["outputs_file"] = outputs
        figures["api"] = {}
        for name, run in (("fresh converge", fresh), ("no-op", noop), ("--check", check)):
            api = dict(run["api"], cloudflare_calls=run["cloudflare_calls"])
            api["reads_per_managed_resource"] = ratio(api["reads"], resources["total"])
            figures["api"][name] = api
        figures["profile"] = task_profile(noop)
        figures["fresh"] = slim(fresh)
        figures["stock_fresh"] = slim(figures["stock_fresh"])


# ------------------------------------------------------------------------------------------- printing


def print_ratio(figures, rounds):
    rows = figures.get("rows")
    if not rows:
        return
    log("\n== 1. No-op converge: the collection next to the stock-module reference (seconds)")
    head = "".join(f"{'round ' + str(i + 1):>9}" for i in range(rounds))
    log(f"{'run':<38}{head}{'median':>9}{'changed':>9}{'startup':>9}")
    for label in ("fresh", "stock_fresh"):
        run = figures[label]
        log(f"{run['label']:<38}{run['seconds']:>9}{'':>{9 * (rounds - 1)}}{'':>9}{run.get('changed', '?'):>9}")
    for label, row in rows.items():
        cells = "".join(f"{s:>9}" for s in row["seconds"])
        changed = "/".join(str(c) for c in sorted(set(row["changed"])))
        log(f"{label:<38}{cells}{row['median_seconds']:>9}{changed:>9}{row['startup_seconds'] or '':>9}")
    log("")
    for name, value in figures["ratios"].items():
        goal = ""
        if name == "collection [mitogen] / stock [linear]":
            goal = f"   (goal <= {GOALS['noop_ratio']}: the collection as shipped, the stock reference as written)"
        elif name.startswith("collection/stock"):
            goal = "   (both under one strategy: what the modules and tasks alone give)"
        elif name.startswith("check/no-op"):
            goal = f"   (goal <= {GOALS['check_ratio']})"
        log(f"  {name:<46} {value}{goal}")
    stock_changed = sorted({c for label, row in rows.items() if label.startswith("stock") for c in row["changed"]})
    stock_ignored = sorted({c for label, row in rows.items() if label.startswith("stock") for c in row["ignored"]})
    log(
        f"  stock reference: changed={'/'.join(map(str, stock_changed))} on every no-op run (never idempotent: stock "
        f"tasks report changed each time), ignored errors={'/'.join(map(str, stock_ignored))} (stock modules failing "
        "against the local cloud, timed all the same)"
    )
    log("  startup: seconds from starting ansible-playbook to its first play (interpreter, plugins, inventory)")


def print_api(figures):
    api = figures.get("api")
    if not api:
        return
    resources = figures["managed_resources"]
    names = list(api)
    log("\n== 2. AWS API calls per run (the local cloud's request log)")
    log(f"{'':<36}" + "".join(f"{n:>16}" for n in names))
    for key in ("total", "writes", "reads", "errors", "throttled", "reads_per_managed_resource", "cloudflare_calls"):
        log(f"{key.replace('_', ' '):<36}" + "".join(f"{str(api[n][key]):>16}" for n in names))
    log(
        f"  managed resources: {resources['total']} (distinct ids and ARNs, SSM parameters and S3 buckets of the "
        f"outputs file; goal for the no-op: writes 0, reads per managed resource <= {GOALS['reads_per_resource']})"
    )
    for family, count in resources["by_family"].items():
        log(f"    {count:>4}  {family}")
    log(f"    plus {resources['cloudflare_records']} Cloudflare DNS records (Cloudflare calls are counted apart)")
    log("\n  calls by service:operation (W: a write)")
    ops = sorted({op for n in names for op in api[n]["by_operation"]})
    log(f"  {'':<58}" + "".join(f"{n:>16}" for n in names))
    for op in ops:
        write = "W" if any(op in api[n]["writes_by_operation"] for n in names) else " "
        log(f"  {write} {op:<56}" + "".join(f"{api[n]['by_operation'].get(op, ''):>16}" for n in names))


def print_profile(figures):
    profile = figures.get("profile")
    if not profile:
        return
    log(f"\n== 3. Task profile of the collection's no-op ({profile['run']}, {profile['wall_seconds']} s wall)")
    log(
        f"  startup {profile['startup_seconds']} s, {profile['tasks']} tasks summing "
        f"{profile['sum_of_tasks_seconds']} s, {profile['between_tasks_seconds']} s between tasks"
    )
    log(f"  {'seconds':>8}  {'role':<26} task")
    for task in profile["slowest"]:
        log(f"  {task['seconds']:>8.2f}  {task['role'] or '(playbook)':<26} {task['name']}")
    log(f"\n  {'seconds':>8}  {'tasks':>5}  role (sum)")
    for role, row in profile["by_role"].items():
        log(f"  {row['seconds']:>8.1f}  {row['tasks']:>5}  {role}")


def print_latency(figures):
    latency = figures.get("latency")
    if latency is None:
        return
    log("\n== 4. Latency profile 'aws-like': wall time against the longest dependency chain")
    if "skipped" in latency:
        log("  skipped: " + latency["skipped"])
        return
    log("  profile: " + ", ".join(f"{k} {v:g}s" for k, v in sorted(latency["profile"].items())))
    log(f"  {'run':<28}{'wall':>8}{'chain':>8}{'wall/chain':>12}{'sum of waits':>14}{'rc':>4}{'changed':>9}")
    for run in latency["runs"]:
        log(
            f"  {run['run']:<28}{run['wall_seconds']:>8}{run['chain_seconds']:>8g}{str(run['wall_to_chain']):>12}"
            f"{run['sum_of_waits_seconds']:>14g}{run['rc']:>4}{str(run['changed']):>9}"
        )
    log(f"  (goal: wall/chain <= {GOALS['chain_ratio']} for the fresh converge and unpark.yml)")
    for run in latency["runs"]:
        log(f"\n  {run['run']}: longest chain {' -> '.join(run['chain']) or 'none'} = {run['chain_seconds']:g} s")
        for item in run["transitions"]:
            log(f"    {item['start']:>7.1f} s  {item['op']:<44} ready at {item['ready']:>7.1f} s ({item['key']})")
        for task in run["slow_tasks"]:
            role = task["role"] or "(playbook)"
            log(f"    {task['start']:>7.1f} s - {task['end']:>7.1f} s  task {role}: {task['name']}")
        for line in run["progress_lines"]:
            log(f"    {line['offset']:>7.1f} s  {line['line']}")


def print_clone(figures):
    clone = figures.get("fresh_clone")
    if clone is None:
        return
    log(f"\n== 5. Fresh clone of HEAD ({clone['commit'][:12]}), clone {clone['clone_seconds']} s")
    for run in clone["runs"]:
        budget = f"budget {run['budget_seconds']} s" if run["budget_seconds"] else ""
        log(f"  make {run['target']:<8}{run['seconds']:>8} s  rc {run['rc']}  {budget}")
    if "make_site_seconds" in clone:
        log(
            f"  make site from a fresh clone (install included): {clone['make_site_seconds']} s "
            f"(budget {BUDGETS['make site']} s), of which the install {clone['install_seconds']} s"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating no-op rounds (default 3)")
    parser.add_argument(
        "--strategies",
        default="mitogen,linear",
        help="comma-separated configurations, the first one also runs the fresh converge and --check: "
        "mitogen (the checkout's ansible.cfg), linear (ANSIBLE_STRATEGY=linear); default mitogen,linear",
    )
    parser.add_argument("--quick", action="store_true", help="leave out the fresh-clone section")
    parser.add_argument("--make-test", action="store_true", help="also time `make test` in the fresh clone")
    parser.add_argument("--no-latency", action="store_true", help="leave out the latency-profile section")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    args.strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in args.strategies if s not in STRATEGIES]
    if unknown or not args.strategies or args.rounds < 1:
        parser.error(f"--strategies takes {', '.join(STRATEGIES)}; --rounds at least 1 (got {unknown or args.rounds})")
    if args.quick and args.make_test:
        parser.error("--make-test runs in the fresh clone, which --quick leaves out")

    started = time.monotonic()
    figures = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "options": vars(args),
        "goals": GOALS,
    }
    failures = []
    work = tempfile.mkdtemp(prefix="rocketclub-bench-")
    try:
        log("1-3. stock ratio, API calls, task profile (one private local cloud)")
        section_ratio(args, figures, failures, work)
        if not args.no_latency:
            log("4. latency profile (a second private local cloud, empty account)")
            section_latency(figures, failures, work)
        if not args.quick:
            log(f"5. fresh clone: make site{' and make test' if args.make_test else ''}")
            section_clone(figures, failures, work, args.make_test)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures["total_seconds"] = round(time.monotonic() - started, 1)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["failed_runs"] = failures

    print_ratio(figures, args.rounds)
    print_api(figures)
    print_profile(figures)
    print_latency(figures)
    print_clone(figures)
    log(
        f"\nmake bench: {figures['total_seconds']} s in total on {figures['cpus']} CPUs, load average "
        f"{figures['load_average_before'][0]} before, {figures['load_average_after'][0]} after (other work on the "
        "machine slows every run: compare figures of one run, not across runs)"
    )
    if failures:
        log("FAILED runs: " + ", ".join(failures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2, default=str)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
