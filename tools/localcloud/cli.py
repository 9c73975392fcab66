# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line interface: ``python -m localcloud up|down|status|...``."""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

from localcloud import common
from localcloud.client import LocalCloud
from localcloud.client import LocalCloudError

# How long `up` waits for the daemon to answer its health check. It is ready in about 1-3 s on an idle machine; in
# `make test` molecule's `up` runs while the integration workers, sanity and the docs build load both cores, and
# once took more than 10 s there.
READY_TIMEOUT = 60.0
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _paths(state):
    return {
        name: os.path.join(state, filename)
        for name, filename in (
            ("pid", "localcloud.pid"),
            ("log", "localcloud.log"),
            ("endpoints", "endpoints.json"),
            ("ca", "kinde-ca.pem"),
            ("key", "kinde-key.pem"),
        )
    }


def _read_pid(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _alive(pid):
    """Return True when ``pid`` is a live (non-zombie) local cloud daemon."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            if handle.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return b"localcloud" in handle.read()
    except (OSError, IndexError):
        return True


def _client(state):
    return LocalCloud(
        aws_url=common.endpoints()["aws"],
        cloudflare_url=common.endpoints()["cloudflare"],
        kinde_url=common.endpoints()["kinde"],
        kinde_ca=_paths(state)["ca"],
        timeout=2,
    )


def _healthy(state, pid):
    try:
        health = _client(state).health()
    except LocalCloudError:
        return False
    return all(doc.get("status") == "ok" and doc.get("pid") == pid for doc in health.values())


def port_busy(port):
    """Return True when ``port`` on 127.0.0.1 cannot be bound as the daemon binds it (with SO_REUSEADDR)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((common.HOST, port))
    except OSError:
        return True
    finally:
        sock.close()
    return False


def _log_tail(path, lines=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(pid, timeout=5.0):
    """SIGTERM the daemon's process group, then SIGKILL if needed."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)
        except OSError:
            try:
                os.kill(pid, sig)
            except OSError:
                return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return True
            time.sleep(0.05)
    return not _alive(pid)


def cmd_up(state, _args):
    """Start the daemon unless it already runs; wait until it is ready."""
    paths = _paths(state)
    os.makedirs(state, exist_ok=True)
    pid = _read_pid(paths["pid"])
    if _alive(pid):
        if _healthy(state, pid):
            print("localcloud already running (pid %d)" % pid)
            return 0
        _stop(pid)
    for name, (var, _default) in common.PORT_ENV.items():
        port = common.port(name)
        if port_busy(port):
            sys.stderr.write(
                "localcloud: port %d (%s, set %s) on %s is busy with another process\n" % (port, name, var, common.HOST)
            )
            return common.PORT_BUSY
    started = time.monotonic()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [PACKAGE_PARENT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    )
    for stale in (paths["ca"], paths["endpoints"]):
        if os.path.exists(stale):
            os.unlink(stale)
    with open(paths["log"], "ab") as log:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "localcloud.daemon", state],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    with open(paths["pid"], "w", encoding="utf-8") as handle:
        handle.write("%d\n" % proc.pid)
    while time.monotonic() - started < READY_TIMEOUT:
        if proc.poll() is not None:
            break
        if os.path.exists(paths["ca"]) and _healthy(state, proc.pid):
            endpoints = common.endpoints()
            endpoints["kinde_ca"] = paths["ca"]
            with open(paths["endpoints"], "w", encoding="utf-8") as handle:
                json.dump(endpoints, handle, indent=2)
            print("localcloud ready in %.2fs (pid %d)" % (time.monotonic() - started, proc.pid))
            for name, url in endpoints.items():
                print("  %-10s %s" % (name, url))
            proc.returncode = 0  # detached: do not warn about a running child
            return 0
        time.sleep(0.05)
    exited = proc.poll()
    if exited is None:
        _stop(proc.pid)
    proc.wait()
    os.unlink(paths["pid"])
    if exited == common.PORT_BUSY:
        # Free at the check above, taken before the daemon bound it (another process won the race).
        sys.stderr.write(
            "localcloud: a port was taken while the daemon started; log tail:\n%s" % _log_tail(paths["log"])
        )
        return common.PORT_BUSY
    if exited is not None:
        sys.stderr.write("localcloud: the daemon exited (code %d); log tail:\n%s" % (exited, _log_tail(paths["log"])))
        return 1
    sys.stderr.write("localcloud: not ready within %.0fs; log tail:\n%s" % (READY_TIMEOUT, _log_tail(paths["log"])))
    return 1


def cmd_down(state, _args):
    """Stop the daemon (idempotent)."""
    paths = _paths(state)
    pid = _read_pid(paths["pid"])
    if not _alive(pid):
        print("localcloud not running")
        code = 0
    elif _stop(pid):
        print("localcloud stopped (pid %d)" % pid)
        code = 0
    else:
        sys.stderr.write("localcloud: could not stop pid %d\n" % pid)
        return 1
    for name in ("pid", "endpoints", "key"):
        if os.path.exists(paths[name]):
            os.unlink(paths[name])
    return code


def cmd_status(state, _args):
    """Print whether the daemon runs and its endpoints."""
    pid = _read_pid(_paths(state)["pid"])
    if _alive(pid) and _healthy(state, pid):
        print("localcloud running (pid %d)" % pid)
        for name, url in common.endpoints().items():
            print("  %-10s %s" % (name, url))
        return 0
    print("localcloud not running" if not _alive(pid) else "localcloud process %d is alive but not healthy" % pid)
    return 1


def cmd_reset(state, _args):
    """Reset all state to the seeded defaults."""
    print(json.dumps(_client(state).reset()))
    return 0


def cmd_requests(state, args):
    """Print (or clear) the AWS request log."""
    client = _client(state)
    if args.clear:
        print(json.dumps(client.clear_requests()))
        return 0
    print(json.dumps(client.requests(service=args.service, writes_only=args.writes), indent=1))
    return 0


def cmd_config(state, args):
    """Show or change throttling/latency/latency-profile/eventual-consistency settings."""
    client = _client(state)
    changes = {}
    if args.throttle is not None:
        changes["throttle_fraction"] = args.throttle
    if args.seed is not None:
        changes["throttle_seed"] = args.seed
    if args.services is not None:
        changes["throttle_services"] = [s for s in args.services.split(",") if s]
    if args.latency is not None:
        changes["latency_seconds"] = args.latency
    if args.eventual_consistency is not None:
        changes["eventual_consistency"] = args.eventual_consistency == "on"
    if args.latency_profile is not None:
        changes["latency_profile"] = args.latency_profile  # a name, "off" or a JSON object (the server checks it)
    print(json.dumps(client.configure(**changes) if changes else client.config(), indent=1))
    return 0


def cmd_seed(state, args):
    """Put the operator-owned values a local converge needs (Kinde client secret, PAT/API placeholders)."""
    print(json.dumps(_client(state).seed_operator_secrets(kinde_secret_name=args.kinde_secret_name)))
    return 0


def cmd_rds_maintenance(state, args):
    """Raise an Aurora cluster's engine version as a maintenance window does."""
    print(
        json.dumps(_client(state).rds_maintenance(args.cluster, engine_version=args.engine_version, region=args.region))
    )
    return 0


def cmd_env(state, _args):
    """Print shell exports for clients."""
    for key, value in sorted(client_env(state).items()):
        print("export %s=%s" % (key, value))
    return 0


def client_env(state, env=None):
    """Return environment variables pointing clients at the local cloud."""
    endpoints = common.endpoints(env)
    token = ((env or os.environ).get("LOCALCLOUD_CLOUDFLARE_TOKEN") or common.DEFAULT_CLOUDFLARE_TOKEN).split(",")[0]
    return {
        "LOCALCLOUD_STATE_DIR": state,
        "LOCALCLOUD_AWS_URL": endpoints["aws"],
        "LOCALCLOUD_CLOUDFLARE_URL": endpoints["cloudflare"],
        "LOCALCLOUD_KINDE_URL": endpoints["kinde"],
        "LOCALCLOUD_KINDE_CA": os.path.join(state, "kinde-ca.pem"),
        "AWS_ENDPOINT_URL": endpoints["aws"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CLOUDFLARE_API_TOKEN": token,
        "CLOUDFLARE_BASE_URL": endpoints["cloudflare"],
    }


def build_parser():
    """Return the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m localcloud", description="Local AWS/Cloudflare/Kinde emulators.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (
        ("up", cmd_up),
        ("down", cmd_down),
        ("status", cmd_status),
        ("reset", cmd_reset),
        ("env", cmd_env),
    ):
        sub.add_parser(name, help=func.__doc__).set_defaults(func=func)
    req = sub.add_parser("requests", help=cmd_requests.__doc__)
    req.add_argument("--service", help="only this SigV4 service name (ec2, rds, ...)")
    req.add_argument("--writes", action="store_true", help="only write calls")
    req.add_argument("--clear", action="store_true", help="clear the log")
    req.set_defaults(func=cmd_requests)
    seed = sub.add_parser("seed", help=cmd_seed.__doc__)
    seed.add_argument(
        "--kinde-secret-name",
        default="local/kinde/client-secret",
        help="Secrets Manager name of the Kinde client secret",
    )
    seed.set_defaults(func=cmd_seed)
    maint = sub.add_parser("rds-maintenance", help=cmd_rds_maintenance.__doc__)
    maint.add_argument("cluster", help="DB cluster identifier")
    maint.add_argument("--engine-version", help="version to raise it to (default: minor + 1)")
    maint.add_argument("--region", help="only needed when several regions have such a cluster")
    maint.set_defaults(func=cmd_rds_maintenance)
    conf = sub.add_parser("config", help=cmd_config.__doc__)
    conf.add_argument("--throttle", type=float, help="fraction 0..1 of calls to throttle")
    conf.add_argument("--seed", type=int, help="random seed for throttling")
    conf.add_argument("--services", help="comma-separated services to throttle (default all)")
    conf.add_argument("--latency", type=float, help="seconds slow resources stay transitional")
    conf.add_argument(
        "--eventual-consistency",
        choices=("on", "off"),
        help="answer the first call after a create with AWS's not-found error (README)",
    )
    conf.add_argument(
        "--latency-profile",
        metavar="aws-like|off|JSON",
        help="per-resource seconds slow resources stay transitional: a profile name (aws-like), off, or a JSON "
        "object such as '{\"rds.db_cluster\": 3}' (README, Latency profile)",
    )
    conf.set_defaults(func=cmd_config)
    return parser


def main(argv=None):
    """Run the CLI."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(common.state_dir(), args)
    except LocalCloudError as exc:
        sys.stderr.write("localcloud: %s\n" % exc)
        return 1
