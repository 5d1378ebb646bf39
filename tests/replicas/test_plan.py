"""replicas/plan.py: what to do to each replica (create, update, recreate, delete, nothing) from what exists and what
is wanted, what a recreate keeps, and reasons in ARM's strings, never an SDK enum's repr."""
import pytest
from azure.mgmt.containerregistry.models import ZoneRedundancy

from azext_acr_replication.replicas import plan as planning
from tests.helpers import replication

pytestmark = pytest.mark.unit

R, W = planning.Replica, planning.Wanted
HOME = "westus"


def kinds(actions):
    return {(a.kind, a.name) for a in actions}


def test_plan_creates_missing_and_satisfies_home_quietly():
    actions = planning.plan([R("westus", "westus")], [W("eastus"), W("westus")], HOME)
    assert kinds(actions) == {("create", "eastus"), ("none", "westus")}
    home = [a for a in actions if a.location == HOME][0]
    assert home.reason == "home replica" and home.wanted is None and not home.writes  # no wait asks about it
    # before the first geo-replica ARM lists no replica at all: the home row is named after the region
    assert kinds(planning.plan([], [W("westus")], HOME)) == {("none", "westus")}


def test_plan_nothing_to_do_when_matching():
    existing = [R("westus", "westus"), R("eastus", "eastus", tags={"a": "b"})]
    actions = planning.plan(existing, [W("eastus", tags={"a": "b"}, region_endpoint_enabled=True)], HOME)
    assert kinds(actions) == {("none", "eastus")} and not any(a.writes for a in actions)


def test_plan_updates_drifted_routing_and_tags_only_when_asked():
    existing = [R("eastus", "eastus", tags={"a": "b"}, region_endpoint_enabled=False)]
    assert kinds(planning.plan(existing, [W("eastus")], HOME)) == {("none", "eastus")}
    # the same for a replica as the SDK returns it
    assert kinds(planning.plan([R.from_sdk(replication("eastus", tags={"a": "b"}))], [W("eastus")], HOME)) == {
        ("none", "eastus")}
    actions = planning.plan(existing, [W("eastus", region_endpoint_enabled=True)], HOME)
    assert kinds(actions) == {("update", "eastus")} and "routing false -> true" in actions[0].reason
    assert kinds(planning.plan(existing, [W("eastus", tags={})], HOME)) == {("update", "eastus")}


@pytest.mark.parametrize("state", ["Failed", "Canceled"])
def test_plan_recreates_failed(state):
    assert kinds(planning.plan([R("eastus", "eastus", state)], [W("eastus")], HOME)) == {("recreate", "eastus")}


def test_plan_prune_deletes_extra_but_never_home():
    existing = [R("westus", "westus"), R("eastus", "eastus"), R("uksouth", "uksouth")]
    assert kinds(planning.plan(existing, [W("eastus")], HOME, prune=True)) == {("none", "eastus"),
                                                                               ("delete", "uksouth")}
    kept = planning.plan(existing, [W("eastus")], HOME, prune=False)
    assert kinds(kept) == {("none", "eastus"), ("none", "uksouth")}


def test_plan_zone_redundancy_change_needs_a_human():
    with pytest.raises(planning.PlanError, match="cannot be changed to Enabled in place"):
        planning.plan([R("eastus", "eastus", zone_redundancy="Disabled")], [W("eastus", zone_redundancy="Enabled")],
                      HOME)


def test_plan_name_in_other_location_is_refused():
    with pytest.raises(planning.PlanError, match="choose another --name"):
        planning.plan([R("myrep", "uksouth")], [W("eastus", name="myrep")], HOME)


def test_plan_adopts_replica_with_custom_name_in_wanted_location():
    actions = planning.plan([R("myrep", "eastus")], [W("eastus")], HOME, prune=True)
    assert kinds(actions) == {("none", "myrep")}


def test_plan_from_sdk_model_reads_display_status():
    replica = R.from_sdk(replication("eastus", display="Syncing", zone=None))
    assert replica.display_status == "Syncing" and replica.zone_redundancy == "Disabled" and replica.tags == {}


def test_plan_reasons_and_replicas_carry_no_enum_repr():
    existing = [R.from_sdk(replication("eastus", state="Failed", zone="Enabled"))]
    assert existing[0].zone_redundancy == "Enabled" and type(existing[0].zone_redundancy) is str
    action = planning.plan(existing, [W("eastus")], HOME)[0]
    assert action.reason == "provisioning state is Failed"
    assert "ProvisioningState" not in str(action.to_dict())


# --- what a recreate keeps -------------------------------------------------------------------------------------
def recreate_of(wanted, **replica):
    existing = [R.from_sdk(replication("eastus", state="Failed", **replica))]
    actions = planning.plan(existing, [wanted], HOME)
    assert [a.kind for a in actions] == ["recreate"]
    return actions[0].wanted


def test_recreate_keeps_every_setting_the_user_did_not_give():
    wanted = recreate_of(W("eastus"), tags={"team": "a"}, routing=False, zone="Enabled")
    assert (wanted.tags, wanted.region_endpoint_enabled, wanted.zone_redundancy) == ({"team": "a"}, False, "Enabled")


def test_recreate_takes_what_the_user_gives():
    wanted = recreate_of(W("eastus", tags={"team": "b"}, region_endpoint_enabled=True,
                           zone_redundancy=ZoneRedundancy.DISABLED.value),
                         tags={"team": "a"}, routing=False, zone="Enabled")
    assert (wanted.tags, wanted.region_endpoint_enabled, wanted.zone_redundancy) == ({"team": "b"}, True, "Disabled")
