"""Ctrl-C in a command that writes, through a real `az` process (SIGINT as a terminal sends it): it names the
regions it started (and a request still on the wire as "may have started") and says to run the same command
again, and the re-run converges without starting anything twice."""
import signal
import time

import pytest

from tests.helpers import REG

pytestmark = pytest.mark.e2e


def wait_until(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.slow
def test_ctrl_c_reports_started_regions_and_rerun_converges(az, emu):
    """create (sync: tests/commands/test_sync.py)"""
    command = "create {} -l eastus japaneast westeurope"
    emu.knobs(operation_seconds=4)
    proc = az.popen("acr replication " + command.format(REG))
    wait_until(lambda: len([e for e in emu.requests() if e["method"] == "PUT"]) >= 3)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Interrupted. Started: " in stderr and "run the same command again" in stderr
    for region in ("eastus", "japaneast", "westeurope"):
        assert region in stderr.split("Interrupted. Started: ")[1].split(".")[0]
    emu.clear_log()
    az("acr replication " + command.format(REG))
    assert emu.writes() == []  # nothing started twice
    names = {r["name"]: r["provisioningState"] for r in az("acr replication list {}".format(REG)).json}
    assert names == {"eastus": "Succeeded", "japaneast": "Succeeded", "westeurope": "Succeeded",
                     "westus": "Succeeded"}


def test_ctrl_c_during_a_put_in_flight_says_it_may_have_started(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=200, method="PUT", path="/replications/japaneast$", delay=8)
    proc = az.popen("acr replication create {} -l eastus japaneast".format(REG))
    wait_until(lambda: any(e["method"] == "PUT" and e["path"].endswith("/eastus") for e in emu.requests()))
    time.sleep(1.5)  # eastus is accepted (and polled); japaneast's PUT is still held by the emulator
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Started: eastus" in stderr
    assert "May have started (request in flight): japaneast" in stderr
