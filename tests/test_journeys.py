"""Script journeys: bash scripts written for the built-in `az acr replication`, run as CI runs them
(`set -euo pipefail`, no terminal), once with the built-in commands and once with the extension, each time on
a freshly reset emulator with the same seed and knobs. Exit code and stdout must be the same.

Each script in tests/journeys/ may say, in a comment line:
- `# expect-exit: N`   the exit code both runs must have (default 0), so a journey cannot pass by failing alike;
- `# setup: NAME`      a set-up from SETUPS below, run before the script each time (same state for both runs);
- `# differs: NAME`    an intended difference in stdout, from DIFFERENCES below, removed from ours before the
                       comparison. Keep these few: each is a documented difference from the built-in.

`az` on the script's PATH is a shim that runs the az under test (ACR_REPLICATION_AZ for `make compat`) with the
harness's safe environment; its config dir is a fresh copy of the logged-in template (built-in: no extension).
The emulator sends Retry-After: 1 on LROs: the built-in otherwise polls every 30 s (this only shortens its sleeps).
"""
import glob
import os
import re
import shutil
import subprocess

import pytest

from tests.azcli import AZ, fresh_az

pytestmark = pytest.mark.journey

JOURNEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "journeys")
SCRIPTS = sorted(glob.glob(os.path.join(JOURNEYS, "*.sh")))


def failed_japaneast(emu):
    """A replica whose create ended Failed (as a capacity shortage leaves it in Azure)."""
    emu.add_replicas("demopremium", "japaneast", state="Failed")


SETUPS = {"failed-japaneast": failed_japaneast}


def drop_last_table_column(text, header):
    """Remove the last column, titled `header`, from every table in `text` that ends with it."""
    out, cut = [], None
    for line in text.splitlines():
        if line.rstrip().endswith(header):
            cut = line.rindex(header)
        elif not line.strip():
            cut = None
        out.append(line[:cut].rstrip() if cut is not None else line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


# ours adds ZONE REDUNDANCY as the last column of its tables (README: Differences from the built-in)
DIFFERENCES = {"zone-redundancy-column": lambda stdout: drop_last_table_column(stdout, "ZONE REDUNDANCY")}


def directives(script):
    found = {"expect-exit": ["0"], "setup": [], "differs": []}
    with open(script) as handle:
        for line in handle:
            match = re.match(r"#\s*(expect-exit|setup|differs):\s*(\S+)", line)
            if match:
                found[match.group(1)].append(match.group(2))
    unknown = [n for n in found["setup"] if n not in SETUPS] + [n for n in found["differs"] if n not in DIFFERENCES]
    assert not unknown, f"{script}: unknown set-up or difference {unknown}"
    return found


def az_shim(directory):
    """A directory holding only `az`, put first on the script's PATH."""
    os.makedirs(directory, exist_ok=True)
    shim = os.path.join(directory, "az")
    with open(shim, "w") as handle:
        handle.write(f'#!/bin/sh\nexec "{AZ}" "$@"\n')
    os.chmod(shim, 0o755)
    return directory


def run_script(script, az, workdir):
    """bash, no terminal (stdin /dev/null), `az` first on PATH."""
    env = dict(az.env)
    env["PATH"] = az_shim(os.path.join(workdir, "bin")) + os.pathsep + os.environ.get("PATH", "")
    return subprocess.run(["bash", script], env=env, cwd=az.cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module", autouse=True)
def needs_jq():
    assert shutil.which("jq"), "tests/journeys/jq_report.sh needs jq: apt-get install jq (.ci/run does it)"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: os.path.basename(path)[:-3])
def test_journey_runs_as_with_the_builtin(script, emu, builtin_template, ours_template, guard_log, tmp_path):
    wanted = directives(script)
    runs = {}
    for kind, template in (("builtin", builtin_template), ("ours", ours_template)):
        emu.reset()
        emu.knobs(retry_after=1, operation_seconds=0.5)  # every LRO ends by the first poll after 1 s
        for name in wanted["setup"]:  # the same state for both runs
            SETUPS[name](emu)
        az = fresh_az(emu, template, str(tmp_path / kind / "azure"), guard_log)
        runs[kind] = run_script(script, az, str(tmp_path / kind))
    report = "\n".join(f"--- {kind}: exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
                       for kind, proc in runs.items())
    expected = int(wanted["expect-exit"][-1])
    assert runs["builtin"].returncode == expected, report  # the journey does what it says on the built-in
    assert runs["ours"].returncode == expected, report
    ours = runs["ours"].stdout
    for name in wanted["differs"]:
        ours, before = DIFFERENCES[name](ours), ours
        assert ours != before, f"the declared difference {name} is not in ours' output any more:\n{report}"
    assert ours == runs["builtin"].stdout, report
    assert "Traceback" not in runs["ours"].stderr, report
