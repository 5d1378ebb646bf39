"""One whole-process `az` run: wall time, peak RSS (of that process alone) and ARM requests."""
import os
import shlex
import subprocess
import tempfile
import time

from tests.azcli import AZ


def timed(action):
    """Wall seconds of action()."""
    started = time.monotonic()
    action()
    return time.monotonic() - started


def run(az, command, emu, expect=0):
    """Run `az command` with az's env; return dict(seconds, rss_mb, requests, code)."""
    args = shlex.split(command)
    emu.emulator.clear_log()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen([AZ] + args, env=az.env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=az.cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if expect is not None and proc.returncode != expect:
            err.seek(0)
            raise RuntimeError("az {} -> {}: {}".format(command, proc.returncode, err.read().decode()[-2000:]))
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024.0, "requests": len(emu.requests()),
            "code": proc.returncode}
