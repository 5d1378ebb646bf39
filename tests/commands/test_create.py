"""`az acr replication create` through the real az: the name and shape of what it returns, its refusals (not
Premium, the home region, unknown regions, each decided by a fresh registry GET), several regions at once,
--no-wait and --wait-ready, a create of replicas that exist already (idempotent, updated in place, or explained),
and two creates of one region at once."""
import time

import pytest

from tests.helpers import REG, call, enum_reprs, registry_path, states, writes

pytestmark = pytest.mark.e2e


# --- what it creates and returns ---------------------------------------------------------------------------------
def test_create_default_name_is_normalised_location_and_json_matches_shape(az, emu):
    emu.knobs(operation_seconds=0.2)
    created = az('acr replication create {} -l "Japan East"'.format(REG)).json
    assert created["name"] == "japaneast" and created["location"] == "japaneast"
    assert created["provisioningState"] == "Succeeded"
    assert set(created) >= {"id", "location", "name", "provisioningState", "regionEndpointEnabled",
                            "resourceGroup", "status", "systemData", "tags", "type", "zoneRedundancy"}


def test_create_with_all_flags(az, emu):
    emu.knobs(operation_seconds=0)
    created = az("acr replication create {} -l eastus -n myreplica --zone-redundancy Enabled "
                 "--global-endpoint-routing false --tags team=a env=ci".format(REG)).json
    assert created["name"] == "myreplica" and created["zoneRedundancy"] == "Enabled"
    assert created["regionEndpointEnabled"] is False and created["tags"] == {"team": "a", "env": "ci"}


# --- refusals ------------------------------------------------------------------------------------------------------
def test_create_refuses_non_premium_with_known_message(az, emu):
    for registry in ("demobasic", "demostandard"):
        result = az("acr replication create -r {} -l japaneast".format(registry), expect=1)
        assert "Replications are only supported for managed registries in Premium SKU." in result.stderr
    assert emu.writes() == []


def test_non_premium_refusal_is_confirmed_by_a_registry_get(az, emu):
    az("acr replication create -r demostandard -l eastus", expect=1)
    gets = [e["path"] for e in emu.requests() if e["method"] == "GET"]
    assert gets[-1].endswith("/registries/demostandard")


def test_premium_upgrade_a_minute_ago_is_accepted_though_the_resources_query_lags(az, emu):
    emu.knobs(operation_seconds=0, resources_lag_seconds=60)
    assert call(emu, "PATCH", registry_path(reg="demostandard"), {"sku": {"name": "Premium"}}).status == 200
    created = az("acr replication create -r demostandard -l eastus").json
    assert created["provisioningState"] == "Succeeded"


def test_create_refuses_home_region_with_known_message(az, emu):
    result = az("acr replication create {} -l westus".format(REG), expect=1)
    assert "Replication could not be created in the same location as the registry." in result.stderr
    assert emu.writes() == []


def test_create_unknown_region_suggests_closest_match(az):
    result = az("acr replication create {} -l japaneest".format(REG), expect=1)
    assert "Did you mean" in result.stderr and "'japaneast'" in result.stderr
    assert "Traceback" not in result.stderr
    result = az("acr replication create {} -l atlantis".format(REG), expect=1)
    assert "Valid regions:" in result.stderr and "japaneast" in result.stderr


# --- several regions -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_many_regions_run_in_parallel(az, emu):
    emu.knobs(operation_seconds=4)
    started = time.monotonic()
    created = az("acr replication create {} -l japaneast eastus westeurope".format(REG)).json
    wall = time.monotonic() - started
    assert sorted(r["name"] for r in created) == ["eastus", "japaneast", "westeurope"]
    assert all(r["provisioningState"] == "Succeeded" for r in created)
    puts = [e["start"] for e in emu.requests() if e["method"] == "PUT"]
    assert len(puts) == 3 and max(puts) - min(puts) < 1.0  # all started at once
    assert wall < 4 * 3 - 1  # the slowest region (plus az start-up, slow on a loaded machine), not the sum


def test_home_region_among_several_is_skipped_with_warning(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l westus eastus".format(REG))
    assert "Skipping westus" in result.stderr
    assert writes(emu) == [("PUT", "eastus")]


def test_failed_region_does_not_stop_the_others(az, emu):
    emu.knobs(operation_seconds=0.5, fail_regions=["eastus"])
    result = az("acr replication create {} -l japaneast eastus westeurope".format(REG), expect=1)
    assert "eastus: create failed: ReplicationFailed" in result.stderr
    assert "1 of 3 operations failed (eastus)" in result.stderr
    assert "Traceback" not in result.stderr
    now = states(az)
    assert now["japaneast"][0] == now["westeurope"][0] == "Succeeded"
    assert now["eastus"][0] == "Failed"


def test_single_failed_region_message_names_region_and_arm_error(az, emu):
    emu.knobs(operation_seconds=0.3, fail_regions=["eastus"])
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert "Could not create replication 'eastus' in eastus: ReplicationFailed" in result.stderr


# --- --no-wait and --wait-ready ------------------------------------------------------------------------------------
def test_create_no_wait_then_wait_created(az, emu):
    emu.knobs(operation_seconds=2)
    started = time.monotonic()
    result = az("acr replication create {} -l eastus --no-wait".format(REG))
    assert time.monotonic() - started < 2 + 3
    assert result.stdout.strip() == "" and "Started: eastus" in result.stderr
    assert writes(emu) == [("PUT", "eastus")]
    az("acr replication wait -n eastus {} --created --interval 1 --timeout 30".format(REG))
    assert az("acr replication show -n eastus {}".format(REG)).json["provisioningState"] == "Succeeded"


def test_create_wait_ready_returns_when_data_is_synced(az, emu):
    emu.knobs(operation_seconds=0.2, sync_seconds=2)
    created = az("acr replication create {} -l eastus japaneast --wait-ready --timeout 60".format(REG)).json
    assert [r["status"]["displayStatus"] for r in created] == ["Ready", "Ready"]


def test_create_wait_ready_times_out_and_leaves_replica(az, emu):
    emu.knobs(operation_seconds=0, stuck_regions=["eastus"])
    started = time.monotonic()
    result = az("acr replication create {} -l eastus --wait-ready --timeout 2".format(REG), expect=1)
    assert time.monotonic() - started < 2 + 6
    assert "Timed out after 2 s" in result.stderr and "eastus (Syncing)" in result.stderr
    assert states(az)["eastus"] == ("Succeeded", "Syncing")


# --- replicas that exist already -----------------------------------------------------------------------------------
def test_create_is_idempotent(az, emu):
    emu.add_replicas("demopremium", "eastus", "japaneast", tags={"a": "b"})
    again = az("acr replication create {} -l eastus japaneast --tags a=b".format(REG))
    assert emu.writes() == [] and "already exists" in again.stderr
    assert sorted(r["name"] for r in again.json) == ["eastus", "japaneast"]


def test_create_with_changed_mutable_settings_updates_in_place(az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0)
    updated = az("acr replication create {} -l eastus --global-endpoint-routing false --tags x=y".format(REG)).json
    assert writes(emu) == [("PATCH", "eastus")]
    assert updated["regionEndpointEnabled"] is False and updated["tags"] == {"x": "y"}


def test_create_with_other_zone_redundancy_explains_delete_and_create(az, emu):
    emu.add_replicas("demopremium", "eastus")
    result = az("acr replication create {} -l eastus --zone-redundancy Enabled".format(REG), expect=1)
    assert "cannot be changed to Enabled in place" in result.stderr and "create it again" in result.stderr
    assert emu.writes() == []


def test_create_on_an_existing_replica_keeps_its_tags_where_the_builtins_put_clears_them(az, builtin_az, emu):
    emu.add_replicas("demopremium", "eastus", tags={"team": "a"})
    result = az("acr replication create {} -l eastus".format(REG))
    assert result.json["tags"] == {"team": "a"} and emu.writes() == []
    emu.knobs(synchronous_put_existing=True)  # the spec's 200 for a PUT of an existing replica: no 30 s first poll
    assert builtin_az("acr replication create {} -l eastus".format(REG)).json["tags"] == {}  # its PUT sends no tags


def test_concurrent_create_of_the_same_region_waits_and_spells_states_as_arm(az, emu):
    emu.knobs(operation_seconds=3)
    first = az.start("acr replication create {} -l japaneast".format(REG))
    second = az("acr replication create {} -l japaneast".format(REG))
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0 and second.code == 0
    assert enum_reprs(out + err + second.stdout + second.stderr) == []
    puts = [e for e in emu.writes() if e["method"] == "PUT"]
    assert len(puts) >= 1  # the second either waited for the first (409 or Creating) or re-sent an equal PUT
