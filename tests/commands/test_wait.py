"""`az acr replication wait` through the real az: --exists and --ready on a replica whose data is syncing, and a
--ready that times out exits 1 (the CLI's generic wait would exit 0)."""
import pytest

from tests.helpers import REG

pytestmark = pytest.mark.e2e


def test_wait_ready_and_wait_exists(az, emu):
    # Syncing for 8 s: long enough that two az calls still see it on a machine busy with other tests
    emu.knobs(sync_seconds=8)
    emu.add_replicas("demopremium", "eastus", syncing=True)
    az("acr replication wait -n eastus {} --exists --interval 1 --timeout 10".format(REG))
    assert az("acr replication show -n eastus {}".format(REG)).json["status"]["displayStatus"] == "Syncing"
    az("acr replication wait -n eastus {} --ready --interval 1 --timeout 30".format(REG))
    assert az("acr replication show -n eastus {}".format(REG)).json["status"]["displayStatus"] == "Ready"


def test_wait_ready_times_out_with_exit_1(az, emu):
    emu.knobs(stuck_regions=["eastus"])
    emu.add_replicas("demopremium", "eastus", syncing=True)
    result = az("acr replication wait -n eastus {} --ready --interval 1 --timeout 2".format(REG), expect=1)
    assert "Timed out after 2 s (--timeout 2) waiting for the replication to be Ready" in result.stderr
