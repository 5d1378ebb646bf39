"""`python -m emulator serve [--port N] [--dir DIR] [--extra-registries N] [--knob name=value ...]`"""
import argparse
import json
import os
import shlex
import signal
import sys
import tempfile

from .harness import start_servers
from .state.arm import CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID


def _stop(*_):
    raise KeyboardInterrupt  # leaves serve_forever in this thread; shutdown() from here would deadlock


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve ARM on 127.0.0.1 until interrupted")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--dir", default=None, help="where to write the TLS certificate")
    serve.add_argument("--extra-registries", type=int, default=0)
    serve.add_argument("--knob", action="append", default=[], help="name=JSON value, e.g. operation_seconds=3")
    serve.add_argument("--env-file", default=None, help="also write the shell environment here")
    args = parser.parse_args(argv)

    workdir = args.dir or tempfile.mkdtemp(prefix="acr-emulator-")
    server, proxy, cert_path = start_servers(workdir, args.port)
    server.emulator.reset(extra_registries=args.extra_registries)
    for knob in args.knob:
        name, _, value = knob.partition("=")
        server.emulator.controls.set(**{name: json.loads(value)})
    env = {"EMULATOR_URL": server.url, "REQUESTS_CA_BUNDLE": cert_path, "EMULATOR_CERT": cert_path,
           "EMULATOR_CLIENT_ID": CLIENT_ID, "EMULATOR_CLIENT_SECRET": CLIENT_SECRET,
           "EMULATOR_TENANT_ID": TENANT_ID, "EMULATOR_SUBSCRIPTION_ID": SUBSCRIPTION_ID,
           # the registry endpoints (*.azurecr.io) through the emulator's proxy; ARM stays direct
           "HTTPS_PROXY": proxy.url, "NO_PROXY": "127.0.0.1,localhost"}
    lines = "".join("export {}={}\n".format(k, shlex.quote(v)) for k, v in env.items())
    if args.env_file:
        with open(args.env_file, "w") as handle:
            handle.write(lines)
    sys.stdout.write(lines)
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        proxy.shutdown()
        proxy.server_close()


if __name__ == "__main__":
    main()
