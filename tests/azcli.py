"""Running the real `az` against the emulator, for tests and the benchmark."""
import glob
import json
import os
import shlex
import signal
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD_DIR = os.path.join(ROOT, "tests", "guard")
# ACR_REPLICATION_AZ runs the end-to-end tests against another azure-cli (the compatibility check)
AZ = os.environ.get("ACR_REPLICATION_AZ") or os.path.join(os.path.dirname(sys.executable), "az")


def wheel_path():
    wheels = sorted(glob.glob(os.path.join(ROOT, "dist", "acr_replication-*.whl")), key=os.path.getmtime)
    if not wheels:
        raise RuntimeError("no wheel in dist/: run 'make wheel' first")
    return wheels[-1]


class Result:
    def __init__(self, args, proc, seconds):
        self.args, self.code, self.seconds = args, proc.returncode, seconds
        self.stdout, self.stderr = proc.stdout, proc.stderr

    @property
    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return "az {} -> {}\nstdout: {}\nstderr: {}".format(" ".join(self.args), self.code, self.stdout[-3000:],
                                                            self.stderr[-3000:])


class Az:
    """One `az` identity: its own config dir (copied from a logged-in template) and extension dir."""

    def __init__(self, running, config_dir, extension_dir, guard_log):
        self.running = running
        self.env = running.base_env(config_dir, extension_dir)
        self.env["PYTHONPATH"] = GUARD_DIR
        self.env["ACR_NET_GUARD_LOG"] = guard_log
        self.config_dir = config_dir
        # not the checkout: `python -m azure.cli` puts the working directory first on sys.path, and
        # the extension must be imported from the installed wheel, not from the source tree
        self.cwd = os.path.dirname(os.path.abspath(config_dir))
        os.makedirs(self.cwd, exist_ok=True)
        if not os.path.exists(os.path.join(config_dir, "versionCheck.json")):
            seed_version_check(config_dir)

    def __call__(self, command, expect=0, timeout=600, stdin=None):
        args = shlex.split(command) if isinstance(command, str) else list(command)
        started = time.monotonic()
        proc = subprocess.run([AZ] + args, env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL if stdin is None else stdin, cwd=self.cwd)
        result = Result(args, proc, time.monotonic() - started)
        if expect is not None:
            assert result.code == expect, repr(result)
        return result

    def on_terminal(self, command, answer=None, prompt=b"(y/n)", timeout=120):
        """Run az with a pseudo-terminal as stdin, stdout and stderr, as a person at a shell does. When
        `prompt` appears in what az prints, type `answer` and Enter. Returns (exit code, text az printed)."""
        import pty
        import select
        args = shlex.split(command) if isinstance(command, str) else list(command)
        master, slave = pty.openpty()
        proc = subprocess.Popen([AZ] + args, env=self.env, cwd=self.cwd, stdin=slave, stdout=slave, stderr=slave,
                                start_new_session=True)
        os.close(slave)
        printed, deadline = b"", time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 0.2)
                if ready:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO: az has exited and closed the terminal
                        chunk = b""
                    if not chunk:
                        break
                    printed += chunk
                    if answer is not None and prompt in printed:
                        os.write(master, answer.encode() + b"\n")
                        answer = None
                elif proc.poll() is not None:
                    break
            code = proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master)
        return code, printed.decode(errors="replace").replace("\r\n", "\n")

    def popen(self, command):
        args = shlex.split(command) if isinstance(command, str) else list(command)
        # Ctrl-C as a terminal sends it: SIGINT at its default even when this run was started in the background
        # by a shell without job control (which ignores SIGINT for it, and so for every child)
        return subprocess.Popen([AZ] + args, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL, cwd=self.cwd,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def seed_version_check(config_dir):
    """az asks azcliprod.blob.core.windows.net for the newest CLI version on the first call in a config
    dir (and daily after). Recording the installed versions as just checked stops that phone-home, which
    the registry proxy would otherwise refuse and record as a leak."""
    python = os.path.join(os.path.dirname(AZ), "python")
    code = ("import json; from azure.cli.core.util import _get_local_versions; "
            "print(json.dumps(_get_local_versions()))")
    versions = json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True,
                                         env={"PATH": os.environ.get("PATH", "")}).stdout)
    import datetime
    os.makedirs(config_dir, exist_ok=True)
    with open(os.path.join(config_dir, "versionCheck.json"), "w") as handle:
        json.dump({"versions": versions, "update_time": str(datetime.datetime.now())}, handle)


def make_template(running, workdir, guard_log, with_extension):
    """A logged-in config dir and an extension dir (with our wheel installed, or empty)."""
    from emulator.harness import login
    kind = "ours" if with_extension else "builtin"
    config_dir = os.path.join(workdir, kind + "-config")
    extension_dir = os.path.join(workdir, kind + "-extensions")
    os.makedirs(extension_dir, exist_ok=True)
    az = Az(running, config_dir, extension_dir, guard_log)
    login(lambda args, env: az(args), running, az.env)
    if with_extension:
        az(["extension", "add", "--source", wheel_path(), "--yes"])
    az(["acr", "replication", "list", "--help"])  # builds the command index once, not in every copy
    return config_dir, extension_dir


def fresh_az(running, template, target_dir, guard_log):
    config_dir, extension_dir = template
    shutil.copytree(config_dir, target_dir)
    return Az(running, target_dir, extension_dir, guard_log)
