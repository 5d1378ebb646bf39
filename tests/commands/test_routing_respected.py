"""Every other command respects a drain: sync, sync --file, create, status, update."""
import pytest

from tests.helpers import REG, drained, warnings

pytestmark = pytest.mark.e2e


def drain_eastus(emu):
    drained(emu, "eastus", "INC-7", "westeurope")


def routing(az, name):
    shown = az("acr replication show " + REG + " -n " + name).json
    return shown["regionEndpointEnabled"], shown["tags"] or {}


def test_sync_keeps_drained_replica_off(az, emu):
    drain_eastus(emu)
    out = az("acr replication sync " + REG + " -l eastus westeurope --global-endpoint-routing true")
    reasons = {a["name"]: a["reason"] for a in out.json["actions"]}
    assert reasons["eastus"].startswith("kept drained: INC-7, since ")
    assert routing(az, "eastus")[0] is False


def fleet(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text("registries:\n  - name: demopremium\n    locations: [eastus, westeurope]\n"
                    "    globalEndpointRouting: true\n")
    return str(path)


def test_sync_file_keeps_drained_replica_off(az, emu, tmp_path):
    drain_eastus(emu)
    out = az("acr replication sync --file " + fleet(tmp_path) + " -o table")
    assert "kept drained: INC-7" in out.stdout
    enabled, tags = routing(az, "eastus")
    assert enabled is False and tags["acr-replication.drain-reason"] == "INC-7"


def test_sync_file_undrain_turns_it_on_and_removes_record(az, emu, tmp_path):
    drain_eastus(emu)
    az("acr replication sync --file " + fleet(tmp_path) + " --undrain")
    enabled, tags = routing(az, "eastus")
    assert enabled is True and not any(k.startswith("acr-replication.") for k in tags)


def test_create_on_drained_replica_changes_nothing(az, emu):
    drain_eastus(emu)
    emu.clear_log()
    out = az("acr replication create " + REG + " -l eastus --global-endpoint-routing true")
    assert any("is drained (INC-7" in w for w in warnings(out))
    assert routing(az, "eastus")[0] is False


def test_status_shows_drained(az, emu):
    drain_eastus(emu)
    rows = {r["name"]: r for r in az("acr replication status " + REG).json}
    assert rows["eastus"]["drain"]["reason"] == "INC-7" and rows["eastus"]["drain"]["ageSeconds"] >= 0
    assert rows["westeurope"]["drain"] is None
    assert "drained" in az("acr replication status " + REG + " -o table").stdout


def test_update_routing_true_clears_the_drain_with_a_warning(az, emu):
    drain_eastus(emu)
    out = az("acr replication update " + REG + " -n eastus --global-endpoint-routing true")
    assert any("drain record is removed" in w for w in warnings(out))
    enabled, tags = routing(az, "eastus")
    assert enabled is True and not any(k.startswith("acr-replication.") for k in tags)


def test_update_tags_keeps_the_drain(az, emu):
    drain_eastus(emu)
    az("acr replication update " + REG + " -n eastus --tags team=a")
    enabled, tags = routing(az, "eastus")
    assert enabled is False and tags["team"] == "a" and tags["acr-replication.drain-reason"] == "INC-7"
