"""replicas/status.py: the registry resource and its replicas become status rows (the home region even before any
geo-replica), regional endpoints of every cloud, replicas the list does not show yet, and `status --wait` without
--image (every replica Ready) on a fake clock."""
import datetime

import pytest

from azext_acr_replication._format import status_table
from azext_acr_replication.arm.deadline import Deadline
from azext_acr_replication.replicas import status as replica_status
from azext_acr_replication.replicas.status import regional_endpoints
from tests.helpers import FakeClock, replication

pytestmark = pytest.mark.unit

REGISTRY = {"name": "myreg", "location": "westus", "properties": {
    "provisioningState": "Succeeded", "regionalEndpoints": "Enabled",
    "regionalEndpointHostNames": ["myreg.westus.geo.azurecr.io", "myreg.eastus.geo.azurecr.io"]}}


def test_rows_include_the_home_region_even_before_any_geo_replica():
    rows = replica_status.replica_rows(REGISTRY, [])
    assert [(r["name"], r["home"], r["regionalEndpoint"]) for r in rows] == [
        ("westus", True, "myreg.westus.geo.azurecr.io")]


def test_rows_carry_status_age_routing_and_endpoint():
    replicas = [replication("westus"), replication("eastus", display="Syncing", routing=False),
                replication("japaneast", state="Creating")]
    now = datetime.datetime(2026, 11, 27, 4, 0, tzinfo=datetime.timezone.utc)
    rows = {r["name"]: r for r in replica_status.replica_rows(REGISTRY, replicas, now)}
    assert rows["eastus"]["status"] == "Syncing" and rows["eastus"]["statusAgeSeconds"] == 3600
    assert rows["eastus"]["globalEndpointRouting"] is False
    assert rows["japaneast"]["regionalEndpoint"] is None and rows["japaneast"]["provisioningState"] == "Creating"
    table = status_table(list(rows.values()))
    assert table[1]["FOR"] == "60m" and table[1]["GLOBAL ROUTING"] == "off" and table[2]["REGIONAL ENDPOINT"] == "none"


def test_regional_endpoints_of_every_cloud_and_with_dnl_hashes():
    hosts = ["myreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io", "myreg.chinanorth3.geo.azurecr.cn",
             "MyReg.usgovvirginia.geo.azurecr.us"]
    assert regional_endpoints({"properties": {"regionalEndpointHostNames": hosts}}) == {
        "westus": "myreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io", "chinanorth3": "myreg.chinanorth3.geo.azurecr.cn",
        "usgovvirginia": "myreg.usgovvirginia.geo.azurecr.us"}


def test_replicas_the_list_does_not_show_yet_are_read_from_the_registrys_endpoints():
    registry = {"location": "westus", "properties": {"regionalEndpointHostNames": [
        "myreg.westus.geo.azurecr.io", "myreg.eastus.geo.azurecr.io", "myreg.japaneast.geo.azurecr.io"]}}
    listed = [replication("eastus")]
    asked = []

    def get_replica(name):
        asked.append(name)
        return replication(name, state="Creating") if name == "japaneast" else None
    found = replica_status.with_unlisted_replicas(registry, listed, get_replica)
    assert [m.location for m in found] == ["eastus", "japaneast"] and asked == ["japaneast"]
    assert replica_status.with_unlisted_replicas(registry, listed + [found[1]], get_replica)[1:] == [found[1]]
    assert asked == ["japaneast"]  # nothing to read when the list shows every endpoint's replica


def test_wait_every_replica_ready_returns_the_rows_and_a_failure_to_report():
    clock = FakeClock()
    script = {"eastus": iter(["Syncing", "Syncing", "Ready"]), "westus": iter(["Ready"] * 5)}

    def get(name):
        return replication(name, display=next(script[name], "Ready"))
    rows, failure = replica_status.wait_every_replica_ready(
        REGISTRY, [replication("westus", display="Ready"), replication("eastus", display="Syncing")],
        get, Deadline(60, clock, clock.sleep))
    assert failure is None and {r["name"]: r["status"] for r in rows} == {"westus": "Ready", "eastus": "Ready"}
    rows, failure = replica_status.wait_every_replica_ready(
        REGISTRY, [replication("eastus", display="Syncing")],
        lambda name: replication(name, display="Syncing"), Deadline(5, clock, clock.sleep))
    assert failure[1] == 1 and failure[0].startswith("Timed out after 5 s") and rows[1]["status"] == "Syncing"
    _, failure = replica_status.wait_every_replica_ready(
        REGISTRY, [replication("eastus", display="Syncing")],
        lambda name: replication(name, state="Failed"), Deadline(5, sleep=lambda s: None))
    assert failure == ("Replication 'eastus' is Failed; it will not become Ready. Run 'az acr replication sync' to "
                       "recreate it.", 1)
