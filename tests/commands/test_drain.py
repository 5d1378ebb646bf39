"""`az acr replication drain`: the guardrails (last routed replica, a concurrent drain), the record, idempotence."""
import json

import pytest

from tests.helpers import REG, errors, writes

pytestmark = pytest.mark.e2e

DRAIN = "acr replication drain " + REG


def test_drain_records_and_turns_routing_off(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    out = az(DRAIN + " -n eastus --reason INC-123").json
    assert out["result"] == "drained" and out["globalEndpointRouting"] is False
    shown = az("acr replication show " + REG + " -n eastus").json
    assert shown["regionEndpointEnabled"] is False
    assert shown["tags"]["acr-replication.drain-reason"] == "INC-123"
    assert shown["tags"]["acr-replication.drain-at"].endswith("Z")


def test_drain_is_idempotent(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    az(DRAIN + " -n eastus --reason INC-1 --skip-probe")
    emu.clear_log()
    again = az(DRAIN + " -n eastus --reason INC-1 --skip-probe")
    assert again.json["result"] == "already drained"
    assert writes(emu) == []


def test_last_routed_replica_is_refused(az, emu):
    emu.replicated("demopremium", "eastus")
    az(DRAIN + " -n eastus --reason INC-1 --skip-probe")
    emu.clear_log()
    refused = az(DRAIN + " -n westus --reason INC-2 --skip-probe", expect=1)
    assert len(errors(refused)) == 1 and "Refusing to drain 'westus'" in errors(refused)[0]
    assert "fewer than --min-routed 1" in refused.stderr
    assert writes(emu) == []


def test_unhealthy_others_do_not_count(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.knobs(down_regions=["westus"])
    emu.clear_log()
    refused = az(DRAIN + " -n eastus --reason INC-1", expect=1)
    assert len(errors(refused)) == 1 and "Refusing to drain 'eastus'" in errors(refused)[0]
    assert "westus: down" in refused.stderr
    assert writes(emu) == []  # refused before any write, not written and undone


def test_skip_probe_trusts_arm_alone(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.knobs(down_regions=["westus"])  # ARM still says westus is routed and Ready
    out = az(DRAIN + " -n eastus --reason INC-1 --skip-probe").json
    assert out["result"] == "drained" and out["routedAfter"] == ["westus"]


def test_min_routed_counts_the_others(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    emu.clear_log()
    refused = az(DRAIN + " -n eastus --reason INC-1 --skip-probe --min-routed 3", expect=1)
    assert "only 2 other replicas would stay routed" in refused.stderr and "--min-routed 3" in refused.stderr
    assert writes(emu) == []
    assert az(DRAIN + " -n eastus --reason INC-1 --skip-probe --min-routed 2").json["result"] == "drained"


def test_concurrent_drains_leave_min_routed(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    emu.knobs(concurrent_patches=2)  # both PATCHes are held until both arrived: each drain checked before either
    first = az.start(DRAIN + " -n eastus --reason A --skip-probe --min-routed 2")
    second = az.start(DRAIN + " -n westeurope --reason B --skip-probe --min-routed 2")
    results = [first.communicate(timeout=120), second.communicate(timeout=120)]
    codes = sorted([first.returncode, second.returncode])
    assert codes == [0, 1], results
    loser = results[[first.returncode, second.returncode].index(1)]
    assert "Undid the drain" in loser[1] and "was drained too" in loser[1]
    listed = az("acr replication list " + REG).json
    routed = [r["name"] for r in listed if r["regionEndpointEnabled"] is not False]
    assert len(routed) == 2 and "westus" in routed
    undone = [r for r in listed if r["name"] in ("eastus", "westeurope") and r["regionEndpointEnabled"] is not False]
    assert not any(k.startswith("acr-replication.") for k in (undone[0]["tags"] or {}))
    json.loads(results[[first.returncode, second.returncode].index(0)][0])


def test_missing_replica_exits_3(az, emu):
    emu.replicated("demopremium", "eastus")
    missing = az(DRAIN + " -n japaneast --reason X --skip-probe", expect=3)
    assert "was not found" in missing.stderr
