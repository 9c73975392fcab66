# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local cloud daemon: serves AWS, Cloudflare and Kinde on 127.0.0.1."""

import logging
import os
import signal
import ssl
import sys
import threading

from localcloud import common


def serve(state_dir):
    """Bind all three servers, then serve until SIGTERM/SIGINT."""
    # Before moto is imported: its catalogue of public AMIs is loaded into every EC2 region backend (after each
    # reset too); the platform runs no instance and reads no image.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    from werkzeug.serving import make_server

    from localcloud.aws import build_app
    from localcloud.cloudflare_api import CloudflareEmulator
    from localcloud.kinde import KindeEmulator
    from localcloud.kinde import generate_tls

    if not os.environ.get("LOCALCLOUD_VERBOSE"):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.makedirs(state_dir, exist_ok=True)
    ports = {name: common.port(name) for name in common.PORT_ENV}
    cloudflare = CloudflareEmulator()
    kinde = KindeEmulator("https://%s:%d" % (common.HOST, ports["kinde"]))
    aws = build_app(reset_hooks=(cloudflare.reset, kinde.reset), cloudflare=cloudflare)
    cert, key = generate_tls(state_dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    apps = {"aws": aws, "cloudflare": cloudflare, "kinde": kinde}
    servers = []
    for name, app in apps.items():
        try:
            servers.append(
                make_server(
                    common.HOST, ports[name], app, threaded=True, ssl_context=context if name == "kinde" else None
                )
            )
        except (OSError, SystemExit) as exc:
            # werkzeug catches the bind's OSError itself, prints its own advice and calls sys.exit(1): either way
            # this process exits with PORT_BUSY and a line naming the variable, which `up` reports as a busy port.
            for server in servers:
                server.server_close()
            sys.stderr.write(
                "localcloud: cannot bind %s:%d for %s (set %s): %s\n"
                % (
                    common.HOST,
                    ports[name],
                    name,
                    common.PORT_ENV[name][0],
                    exc if isinstance(exc, OSError) else "see the line above",
                )
            )
            return common.PORT_BUSY
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    sys.stderr.write("localcloud: serving %s (pid %d)\n" % (common.endpoints(), os.getpid()))
    sys.stderr.flush()
    while not stop.wait(3600):
        pass
    for server in servers:
        server.shutdown()
        server.server_close()
    sys.stderr.write("localcloud: stopped\n")
    return 0


def main(argv=None):
    """Run the daemon in the foreground."""
    argv = sys.argv[1:] if argv is None else argv
    return serve(argv[0] if argv else common.state_dir())


if __name__ == "__main__":
    sys.exit(main())
