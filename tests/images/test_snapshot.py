"""images/snapshot.py: the registry as `status` sees it. Targets from the registry's ARM JSON and the SDK's
replication models (home first, then by region; each with its regional endpoint) and why one cannot be asked
(being created or deleted, failed or canceled, no regional endpoint); and what a wait reads from ARM again."""
import pytest

from azext_acr_replication.images.snapshot import ArmReads, Snapshot, Target
from tests.helpers import replication

pytestmark = pytest.mark.unit


def registry(*hosts, state="Succeeded"):
    return {"name": "myreg", "location": "westus", "properties": {
        "provisioningState": state, "regionalEndpoints": "Enabled",
        "regionalEndpointHostNames": [f"myreg.{h}.geo.azurecr.io" for h in hosts]}}


def test_targets_know_why_a_replica_cannot_be_asked():
    replicas = [replication("eastus"), replication("japaneast", state="Creating"),
                replication("uksouth", state="Failed"), replication("westus"),
                replication("brazilsouth", state="Canceled"), replication("northeurope", state="Deleting"),
                replication("centralus")]
    found = Snapshot(registry("westus", "eastus", "japaneast", "uksouth", "brazilsouth", "northeurope"), replicas)
    blocked = {t.location: t.blocked for t in found.targets}
    assert blocked == {"westus": None, "eastus": None, "japaneast": "replica creating", "uksouth": "replica failed",
                       "brazilsouth": "replica failed", "northeurope": "replica deleting",
                       "centralus": "no regional endpoint"}


def test_targets_are_home_first_then_by_region_each_with_its_regional_endpoint():
    listed = [replication("japaneast"), replication("westus"), replication("eastus", display="Syncing")]
    found = Snapshot(registry("westus", "eastus"), listed)
    assert [(t.replica, t.location, t.endpoint) for t in found.targets] == [
        ("westus", "westus", "myreg.westus.geo.azurecr.io"), ("eastus", "eastus", "myreg.eastus.geo.azurecr.io"),
        ("japaneast", "japaneast", None)]
    assert found.name == "myreg" and found.home == "westus" and found.home_target is found.targets[0]
    assert found.statuses["eastus"] == "Syncing"


def test_the_home_region_is_a_target_when_arm_lists_no_replica_there():
    found = Snapshot(registry("westus"), [])
    assert [(t.location, t.provisioning_state, t.blocked) for t in found.targets] == [("westus", "Succeeded", None)]
    assert found.statuses == {"westus": "Ready"}
    assert Snapshot(registry("westus", state="Updating"), []).home_target.provisioning_state == "Updating"


def test_a_target_with_an_endpoint_while_being_created_is_still_blocked_until_provisioned():
    creating = Target("japaneast", "japaneast", "Creating", "myreg.japaneast.geo.azurecr.io")
    assert creating.blocked == "replica creating"
    creating.provisioning_state = "Succeeded"
    assert creating.blocked is None and creating.removed is False


def test_what_a_wait_reads_again():
    replicas = {"westus": replication("westus"), "eastus": replication("eastus"),
                "japaneast": replication("japaneast", state="Creating")}
    calls = []
    now = {"registry": registry("westus", "eastus", "japaneast"), "listed": ["westus", "eastus"]}

    def get_registry():
        calls.append("registry")
        return now["registry"]

    def list_replicas():
        calls.append("list")
        return [replicas[r] for r in now["listed"]]

    def get_replica(name):
        calls.append("get " + name)
        return replicas.get(name)
    found = Snapshot(registry("westus", "eastus"), [replicas["westus"], replicas["eastus"]],
                     ArmReads(get_registry, list_replicas, get_replica))
    assert found.replica_state("japaneast") == "Creating" and found.replica_state("uksouth") is None
    calls.clear()
    # the list lags behind a create: a replica the registry names a host for is read by its GET
    assert found.endpoints() == {r: f"myreg.{r}.geo.azurecr.io" for r in ("westus", "eastus", "japaneast")}
    assert found.relisted() == [("westus", "westus", "Succeeded"), ("eastus", "eastus", "Succeeded"),
                                ("japaneast", "japaneast", "Creating")]
    assert calls == ["registry", "list", "get japaneast"]
    fresh = found.refreshed()
    assert [t.endpoint for t in fresh.targets][-1] == "myreg.japaneast.geo.azurecr.io" and fresh.reads is found.reads
