"""Many regions at once, fast polling, waiting for data, idempotent create and `sync` (issue 4)."""
import time

REG = "-r demopremium"


def writes(emu):
    return [(e["method"], e["path"].rsplit("/", 1)[-1]) for e in emu.writes()]


def states(az):
    return {r["name"]: (r["provisioningState"], (r.get("status") or {}).get("displayStatus"))
            for r in az("acr replication list {}".format(REG)).json}


def test_many_regions_run_in_parallel(az, emu):
    emu.knobs(operation_seconds=4)
    emu.emulator.clear_log()
    started = time.monotonic()
    created = az("acr replication create {} -l japaneast eastus westeurope".format(REG)).json
    wall = time.monotonic() - started
    assert sorted(r["name"] for r in created) == ["eastus", "japaneast", "westeurope"]
    assert all(r["provisioningState"] == "Succeeded" for r in created)
    puts = [e["start"] for e in emu.requests() if e["method"] == "PUT"]
    assert len(puts) == 3 and max(puts) - min(puts) < 1.0  # all started at once
    assert wall < 4 * 3 - 1  # the slowest region (plus az start-up, slow on a loaded machine), not the sum


def test_comma_separated_locations_and_duplicates(az, emu):
    emu.knobs(operation_seconds=0)
    result = az("acr replication create {} -l japaneast,eastus eastus".format(REG))
    assert "Region given more than once" in result.stderr
    assert sorted(writes(emu)) == [("PUT", "eastus"), ("PUT", "japaneast")]


def test_name_with_several_locations_is_a_usage_error(az, emu):
    result = az("acr replication create {} -l japaneast eastus -n myname".format(REG), expect=2)
    assert "--name can only be used with a single --location" in result.stderr
    assert emu.requests() == []


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


def test_poll_is_adaptive_not_30_seconds(az, emu):
    emu.knobs(operation_seconds=3)
    result = az("acr replication create {} -l japaneast".format(REG))
    assert result.seconds < 3 + 6  # the built-in takes >= 30 s here (see bench/)
    polls = [e for e in emu.requests() if "operationStatuses" in e["path"]]
    assert 2 <= len(polls) <= 6


def test_retry_after_is_honoured(az, emu):
    emu.knobs(operation_seconds=0.5, retry_after=2)
    az("acr replication create {} -l japaneast".format(REG))
    polls = [e["start"] for e in emu.requests() if "operationStatuses" in e["path"]]
    assert len(polls) >= 2 and polls[1] - polls[0] >= 1.9


def test_throttled_put_is_retried(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=429, method="PUT", path="/replications/eastus$", times=1, retry_after=1)
    created = az("acr replication create {} -l eastus".format(REG)).json
    assert created["provisioningState"] == "Succeeded"
    assert [e["status"] for e in emu.requests() if e["method"] == "PUT"] == [429, 201]


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


def test_wait_ready_times_out_with_exit_1(az, emu):
    emu.knobs(operation_seconds=0, stuck_regions=["eastus"])
    az("acr replication create {} -l eastus".format(REG))
    result = az("acr replication wait -n eastus {} --ready --interval 1 --timeout 2".format(REG), expect=1)
    assert "Timed out after 2 s (--timeout 2) waiting for the replication to be Ready" in result.stderr


def test_create_is_idempotent(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus japaneast --tags a=b".format(REG))
    emu.emulator.clear_log()
    again = az("acr replication create {} -l eastus japaneast --tags a=b".format(REG))
    assert emu.writes() == [] and "already exists" in again.stderr
    assert sorted(r["name"] for r in again.json) == ["eastus", "japaneast"]


def test_create_with_changed_mutable_settings_updates_in_place(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    emu.emulator.clear_log()
    updated = az("acr replication create {} -l eastus --global-endpoint-routing false --tags x=y".format(REG)).json
    assert writes(emu) == [("PATCH", "eastus")]
    assert updated["regionEndpointEnabled"] is False and updated["tags"] == {"x": "y"}


def test_create_with_other_zone_redundancy_explains_delete_and_create(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    emu.emulator.clear_log()
    result = az("acr replication create {} -l eastus --zone-redundancy Enabled".format(REG), expect=1)
    assert "cannot be changed to Enabled in place" in result.stderr and "create it again" in result.stderr
    assert emu.writes() == []


def test_sync_dry_run_changes_nothing_and_prints_plan(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    emu.emulator.clear_log()
    plan = az("acr replication sync {} -l japaneast westeurope --prune --dry-run".format(REG)).json
    assert emu.writes() == []
    actions = {a["location"]: a["action"] for a in plan["actions"]}
    assert actions == {"japaneast": "create", "westeurope": "create", "eastus": "delete"}
    assert plan["dryRun"] is True and plan["changes"] == 3
    table = az("acr replication sync {} -l japaneast --dry-run -o table".format(REG)).stdout
    assert table.splitlines()[0].split() == ["ACTION", "NAME", "LOCATION", "REASON", "RESULT"]
    assert "westus" not in table  # the home replica is never part of a plan


def test_sync_converges_and_second_run_writes_nothing(az, emu):
    emu.knobs(operation_seconds=0.3)
    az("acr replication create {} -l eastus uksouth".format(REG))
    az("acr replication update -n eastus {} --global-endpoint-routing false".format(REG))
    emu.emulator.clear_log()
    result = az("acr replication sync {} -l eastus japaneast --global-endpoint-routing true --prune".format(REG))
    assert sorted(writes(emu)) == [("DELETE", "uksouth"), ("PATCH", "eastus"), ("PUT", "japaneast")]
    assert result.json["changes"] == 3
    assert set(states(az)) == {"eastus", "japaneast", "westus"}
    emu.emulator.clear_log()
    again = az("acr replication sync {} -l eastus japaneast --global-endpoint-routing true --prune".format(REG))
    assert emu.writes() == [] and again.json["changes"] == 0
    assert "nothing to do" in again.stderr


def test_sync_recreates_failed_replica(az, emu):
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    az("acr replication create {} -l eastus".format(REG), expect=1)
    emu.knobs(fail_regions=[])
    emu.emulator.clear_log()
    result = az("acr replication sync {} -l eastus".format(REG)).json
    assert [a["action"] for a in result["actions"]] == ["recreate"]
    assert writes(emu) == [("DELETE", "eastus"), ("PUT", "eastus")]
    assert states(az)["eastus"][0] == "Succeeded"


def test_sync_without_prune_keeps_extra_replicas(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    emu.emulator.clear_log()
    plan = az("acr replication sync {} -l japaneast".format(REG)).json
    assert writes(emu) == [("PUT", "japaneast")]
    assert {a["location"]: a["action"] for a in plan["actions"]} == {"japaneast": "create", "eastus": "none"}


def test_sync_no_wait_returns_at_once(az, emu):
    emu.knobs(operation_seconds=3)
    started = time.monotonic()
    az("acr replication sync {} -l eastus japaneast --no-wait".format(REG))
    assert time.monotonic() - started < 3 + 3
    assert sorted(writes(emu)) == [("PUT", "eastus"), ("PUT", "japaneast")]


def test_create_on_an_existing_replica_keeps_its_tags_where_the_builtins_put_clears_them(az, builtin_az, emu):
    emu.add_replicas("demopremium", "eastus", tags={"team": "a"})
    emu.clear_log()
    result = az("acr replication create {} -l eastus".format(REG))
    assert result.json["tags"] == {"team": "a"} and emu.writes() == []
    emu.knobs(synchronous_put_existing=True)  # the spec's 200 for a PUT of an existing replica: no 30 s first poll
    assert builtin_az("acr replication create {} -l eastus".format(REG)).json["tags"] == {}  # its PUT sends no tags
