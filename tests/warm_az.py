"""A warm `az`: an interpreter that has imported azure-cli, the acr module and the installed extensions once, and
runs each command in a fork of itself, as `python -m azure.cli` would run it (a fresh CLI object per command, the
extension loaded from the installed wheel, the network guard of tests/guard, the command's own environment,
working directory, stdin, stdout and stderr). A command costs what the command costs, not ~0.5 s of start-up.

Run as a script by tests/azcli.py (never imported): `python warm_az.py SOCKET`. It listens on the Unix socket
SOCKET; each connection sends one JSON request {"args", "env", "cwd"} with three file descriptors (stdin, stdout,
stderr), gets {"pid"} at once and {"code"} when the command has returned, and the connection closes when the
command's process has ended (non-daemon threads joined, as a real `az` ends).

Why a fork and not the test process itself: azure-cli reads its config dir and extension dir at import; the
extension must be the wheel's install, while unit tests import the source tree; and a command leaves daemon
threads (a region that hangs) and module state behind. A fork starts every command from the same clean state.
"""
import sys

sys.path.pop(0)  # this script's folder: nothing the command imports may come from the tests

import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402

# what most commands import: loaded once here instead of in every command (any other module is imported by the
# command that needs it, as usual)
PRELOAD = """
azure.cli.core azure.cli.core.commands azure.cli.core.commands.parameters azure.cli.core.commands.arm
azure.cli.core.commands.client_factory azure.cli.core.parser azure.cli.core._profile azure.cli.core._help
azure.cli.core.util azure.cli.core.telemetry azure.cli.core.intercept_survey azure.cli.core.extension
azure.cli.core.auth.identity azure.cli.core.auth.msal_credentials azure.cli.core.azclierror azure.cli.core.aaz
azure.cli.command_modules.acr azure.cli.command_modules.acr._params azure.cli.command_modules.acr.commands
azure.cli.command_modules.acr._help azure.cli.command_modules.acr.replication azure.cli.command_modules.acr._format
azure.cli.command_modules.acr.custom azure.cli.command_modules.profile azure.cli.command_modules.profile.custom
azure.mgmt.containerregistry azure.mgmt.containerregistry.models azure.mgmt.core azure.mgmt.core.polling.arm_polling
azure.core.pipeline azure.core.pipeline.transport azure.core.rest msal requests jmespath knack knack.prompting yaml
""".split()


def preload():
    import importlib
    import pkgutil
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # pylint: disable=broad-except
            pass  # an older azure-cli without it: the command imports what it has
    root = os.environ.get("AZURE_EXTENSION_DIR")
    for extension in sorted(os.listdir(root)) if root and os.path.isdir(root) else []:
        path = os.path.join(root, extension)
        sys.path.append(path)
        try:
            for package in sorted(os.listdir(path)):
                if package.startswith("azext_") and os.path.isdir(os.path.join(path, package)):
                    module = importlib.import_module(package)
                    for info in pkgutil.walk_packages(module.__path__, package + "."):
                        importlib.import_module(info.name)
        finally:
            sys.path.remove(path)  # azure-cli adds it again when it loads the extension


def repoint(config_dir):
    """azure-cli computed paths from the config dir at import (here, the warm interpreter's): make them the
    command's."""
    from knack.config import CLIConfig
    import azure.cli.core._config as config
    import azure.cli.core.extension as extension
    old = config.GLOBAL_CONFIG_DIR
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(("azure.cli", "knack")):
            continue
        for key, value in list(vars(module).items()):
            if isinstance(value, str) and value.startswith(old):
                setattr(module, key, config_dir + value[len(old):])
    extension.az_config = CLIConfig(config_dir=config_dir, config_env_var_prefix=config.ENV_VAR_PREFIX)


def run(request, fds):
    os.setsid()  # its own process group, as a shell's job: Ctrl-C goes to it alone
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    repoint(os.environ["AZURE_CONFIG_DIR"])
    sys.argv = ["az"] + request["args"]
    try:
        runpy.run_module("azure.cli", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
        if isinstance(end.code, str):
            print(end.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code


def serve(path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(128)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # commands are reaped by the kernel
    print("ready", flush=True)
    while True:
        connection, _ = server.accept()
        try:
            message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
            request = json.loads(message)
        except (OSError, ValueError):
            connection.close()
            continue
        if os.fork() == 0:
            code = 1
            try:
                server.close()
                connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
                code = run(request, fds)
                connection.sendall(json.dumps({"code": code}).encode() + b"\n")
            finally:
                sys.exit(code)  # as `az` ends: non-daemon threads joined, then the connection closes
        for fd in fds:
            os.close(fd)
        connection.close()


if __name__ == "__main__":
    preload()
    serve(sys.argv[1])
