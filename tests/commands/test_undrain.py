"""`az acr replication undrain`: only a Ready, healthy replica; --force says what it skipped."""
import pytest

from tests.helpers import REG, drained, errors, warnings, writes

pytestmark = pytest.mark.e2e


def drained_eastus(emu):
    drained(emu, "eastus", "INC-9", "westeurope")


def test_undrain_of_healthy_replica(az, emu):
    drained_eastus(emu)
    out = az("acr replication undrain " + REG + " -n eastus").json
    assert out["result"] == "undrained" and out["health"] == "healthy"
    shown = az("acr replication show " + REG + " -n eastus").json
    assert shown["regionEndpointEnabled"] is True
    assert not any(k.startswith("acr-replication.") for k in shown["tags"] or {})


def test_undrain_of_unhealthy_replica_is_refused(az, emu):
    drained_eastus(emu)
    emu.knobs(down_regions=["eastus"])
    emu.clear_log()
    refused = az("acr replication undrain " + REG + " -n eastus", expect=1)
    assert len(errors(refused)) == 1 and "Refusing to undrain 'eastus': it probes down" in refused.stderr
    assert "--force" in refused.stderr
    assert writes(emu) == []


def test_force_undrains_and_says_so(az, emu):
    drained_eastus(emu)
    emu.knobs(down_regions=["eastus"])
    out = az("acr replication undrain " + REG + " -n eastus --force")
    assert out.json["result"] == "undrained" and out.json["forced"] is True
    assert any("--force" in w for w in warnings(out))


def test_undrain_of_routed_replica_changes_nothing(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.clear_log()
    out = az("acr replication undrain " + REG + " -n eastus")
    assert out.json["result"] == "not drained" and writes(emu) == []
