"""Running the real `az` against the emulator, for tests and the benchmark.

`Az(command)` runs the command in a warm interpreter (tests/warm_az.py: azure-cli imported once, each command in a
fork of it, a fresh CLI object and the command's own environment each time), which costs the command and not
~0.5 s of interpreter start-up; `Az.process(command)` runs it as its own `az` process, for the tests where the
process is the subject (start-up and import cost, Ctrl-C, a terminal, release and install, and the benchmark).
ACR_REPLICATION_AZ_PROCESS=1 makes every command a process."""
import atexit
import glob
import json
import os
import shlex
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD_DIR = os.path.join(ROOT, "tests", "guard")
# ACR_REPLICATION_AZ runs the end-to-end tests against another azure-cli (the compatibility check)
AZ = os.environ.get("ACR_REPLICATION_AZ") or os.path.join(os.path.dirname(sys.executable), "az")
WARM_SCRIPT = os.path.join(ROOT, "tests", "warm_az.py")


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
        """Run az (warm; a process with ACR_REPLICATION_AZ_PROCESS=1) and return its Result; with expect, assert
        its exit code. stdin: None (/dev/null), a file object or a file descriptor."""
        if os.environ.get("ACR_REPLICATION_AZ_PROCESS"):
            return self.process(command, expect, timeout, stdin)
        args = _args(command)
        started = time.monotonic()
        proc = self.start(args, stdin=stdin)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        return self._checked(Result(args, subprocess.CompletedProcess(args, proc.returncode, stdout, stderr),
                                    time.monotonic() - started), expect)

    def process(self, command, expect=0, timeout=600, stdin=None):
        """Run az as its own process, as a shell does."""
        args = _args(command)
        started = time.monotonic()
        proc = subprocess.run([AZ] + args, env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL if stdin is None else stdin, cwd=self.cwd)
        return self._checked(Result(args, proc, time.monotonic() - started), expect)

    def start(self, command, stdin=None):
        """Start az in the warm interpreter and return at once: a WarmProcess (pid, stdout, stderr, poll, wait,
        communicate, send_signal), as subprocess.Popen gives."""
        if os.environ.get("ACR_REPLICATION_AZ_PROCESS"):
            return self.popen(command)
        return WarmProcess(warm_server(self.env), _args(command), self.env, self.cwd, stdin)

    @staticmethod
    def _checked(result, expect):
        if expect is not None:
            assert result.code == expect, repr(result)
        return result

    def on_terminal(self, command, answer=None, prompt=b"(y/n)", timeout=120):
        """Run az with a pseudo-terminal as stdin, stdout and stderr, as a person at a shell does. When
        `prompt` appears in what az prints, type `answer` and Enter. Returns (exit code, text az printed)."""
        import pty
        import select
        args = _args(command)
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
        """Start az as its own process (Ctrl-C, start-up)."""
        args = _args(command)
        # Ctrl-C as a terminal sends it: SIGINT at its default even when this run was started in the background
        # by a shell without job control (which ignores SIGINT for it, and so for every child)
        return subprocess.Popen([AZ] + args, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL, cwd=self.cwd,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _args(command):
    return shlex.split(command) if isinstance(command, str) else list(command)


class WarmProcess:
    """One command in the warm interpreter, as subprocess.Popen would show it: pid (its own process group),
    stdout and stderr (text pipes), returncode once it has ended."""

    def __init__(self, server, args, env, cwd, stdin=None):
        self.args = args
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        if stdin is None:
            in_fd, own_in = os.open(os.devnull, os.O_RDONLY), True
        else:
            in_fd, own_in = (stdin if isinstance(stdin, int) else stdin.fileno()), False
        self._control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._control.connect(server)
            socket.send_fds(self._control, [json.dumps({"args": args, "env": env, "cwd": cwd}).encode()],
                            [in_fd, out_write, err_write])
        finally:
            for fd in (out_write, err_write) + ((in_fd,) if own_in else ()):
                os.close(fd)
        self._answers = self._control.makefile("rb")
        self.pid = json.loads(self._answers.readline())["pid"]
        self.stdout = os.fdopen(out_read, "r", encoding="utf-8", errors="replace")
        self.stderr = os.fdopen(err_read, "r", encoding="utf-8", errors="replace")
        self.returncode = None
        self._ended = threading.Event()
        threading.Thread(target=self._follow, daemon=True, name="warm-az-{}".format(self.pid)).start()

    def _follow(self):
        code = None
        try:
            for line in self._answers:  # {"code"} when the command returns; EOF when its process has ended
                code = json.loads(line).get("code", code)
        except (OSError, ValueError):
            pass
        self.returncode = -signal.SIGKILL if code is None else code
        self._control.close()
        self._ended.set()

    def poll(self):
        return self.returncode if self._ended.is_set() else None

    def wait(self, timeout=None):
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def communicate(self, timeout=None):
        out, err = [], []
        readers = [threading.Thread(target=lambda f=f, into=into: into.append(f.read()), daemon=True)
                   for f, into in ((self.stdout, out), (self.stderr, err))]
        for reader in readers:
            reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        if any(reader.is_alive() for reader in readers):
            raise subprocess.TimeoutExpired(self.args, timeout)
        self.stdout.close()
        self.stderr.close()
        return out[0], err[0]

    def send_signal(self, number):
        if self.poll() is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


_WARM = {}
_WARM_LOCK = threading.Lock()


def warm_server(env):
    """The socket of the warm interpreter for this azure-cli and extension dir (started on first use, one per
    test process; it ends with the process). Its own config dir is a throwaway one: every command gets its own."""
    key = (AZ, env.get("AZURE_EXTENSION_DIR"))
    with _WARM_LOCK:
        if key in _WARM and _WARM[key][0].poll() is None:
            return _WARM[key][1]
        workdir = tempfile.mkdtemp(prefix="warm-az-")
        path = os.path.join(workdir, "socket")
        start_env = dict(env, AZURE_CONFIG_DIR=os.path.join(workdir, "import-time-config"))
        proc = subprocess.Popen([os.path.join(os.path.dirname(AZ), "python"), WARM_SCRIPT, path], env=start_env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd=workdir, text=True)
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the warm az did not start (exit code {})".format(proc.wait()))
        atexit.register(_stop, proc, workdir)
        _WARM[key] = (proc, path)
        return path


def _stop(proc, workdir):
    proc.kill()
    proc.wait()
    shutil.rmtree(workdir, ignore_errors=True)


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
    # processes: the warm interpreter for this extension dir starts after the wheel is installed, with it loaded
    login(lambda args, env: az.process(args), running, az.env)
    if with_extension:
        az.process(["extension", "add", "--source", wheel_path(), "--yes"])
    az(["acr", "replication", "list", "--help"])  # builds the command index once, not in every copy
    return config_dir, extension_dir


def fresh_az(running, template, target_dir, guard_log):
    config_dir, extension_dir = template
    shutil.copytree(config_dir, target_dir)
    return Az(running, target_dir, extension_dir, guard_log)
