"""`az acr replication sync -r REGISTRY -l ...` through the real az against the emulator: the plan and --dry-run,
--prune, the recreate of a Failed replica (what it keeps, the service's quirks on the way), --no-wait, --wait-ready,
waits for replicas other runs are creating and the one --timeout they share, a list that lags behind a GET, Ctrl-C,
and a second run that has nothing to do."""
import time

import pytest

from tests.helpers import REG, SLACK, call, errors, interrupt, registry_path, spent, states, writes

pytestmark = pytest.mark.e2e


# --- the plan, --dry-run, --prune, and a second run ---------------------------------------------------------------
def test_sync_dry_run_changes_nothing_and_prints_plan(az, emu):
    emu.add_replicas("demopremium", "eastus")
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
    emu.add_replicas("demopremium", "eastus", routing=False)
    emu.add_replicas("demopremium", "uksouth")
    result = az("acr replication sync {} -l eastus japaneast --global-endpoint-routing true --prune".format(REG))
    assert sorted(writes(emu)) == [("DELETE", "uksouth"), ("PATCH", "eastus"), ("PUT", "japaneast")]
    assert result.json["changes"] == 3
    assert set(states(az)) == {"eastus", "japaneast", "westus"}
    emu.clear_log()
    again = az("acr replication sync {} -l eastus japaneast --global-endpoint-routing true --prune".format(REG))
    assert emu.writes() == [] and again.json["changes"] == 0
    assert "nothing to do" in again.stderr


def test_sync_without_prune_keeps_extra_replicas(az, emu):
    emu.knobs(operation_seconds=0)
    emu.add_replicas("demopremium", "eastus")
    plan = az("acr replication sync {} -l japaneast".format(REG)).json
    assert writes(emu) == [("PUT", "japaneast")]
    assert {a["location"]: a["action"] for a in plan["actions"]} == {"japaneast": "create", "eastus": "none"}


def test_sync_prune_keeps_every_region_named_in_repeated_options(az, emu):
    emu.replicated("demopremium", "eastus", "uksouth", "japaneast")
    plan = az("acr replication sync {} -l eastus -l uksouth --prune --dry-run".format(REG)).json
    assert {a["location"]: a["action"] for a in plan["actions"]} == {
        "eastus": "none", "uksouth": "none", "japaneast": "delete"}
    emu.clear_log()
    az("acr replication sync {} -l eastus -l uksouth --prune".format(REG))
    assert writes(emu) == [("DELETE", "japaneast")]
    assert sorted(r["name"] for r in az("acr replication list {}".format(REG)).json) == ["eastus", "uksouth", "westus"]


@pytest.mark.slow
def test_a_delete_polled_at_operation_statuses_ends_only_when_the_replica_is_gone(az, emu):
    """The spec's example points the Location at .../operationStatuses/..., which answers 200 {"status":
    "Deleting"} while the delete runs; azure-core alone would take that 200 for the end."""
    emu.add_replicas("demopremium", "eastus", "japaneast")
    emu.knobs(operation_seconds=3, delete_status_url="operationStatuses")
    started = time.monotonic()
    az("acr replication sync {} -l japaneast --prune".format(REG))
    assert time.monotonic() - started >= 2.5
    assert az("acr replication show {} -n eastus".format(REG), expect=3)
    polled = [e for e in emu.requests() if "/operationStatuses/" in e["path"]]
    assert polled and all(e["status"] == 200 for e in polled)


# --- the recreate of a Failed replica -----------------------------------------------------------------------------
def test_sync_recreates_failed_replica(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.add_replicas("demopremium", "eastus", state="Failed")
    result = az("acr replication sync {} -l eastus".format(REG)).json
    assert [a["action"] for a in result["actions"]] == ["recreate"]
    assert writes(emu) == [("DELETE", "eastus"), ("PUT", "eastus")]
    assert states(az)["eastus"][0] == "Succeeded"


def test_recreated_replica_keeps_zone_redundancy_tags_and_routing(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.add_replicas("demopremium", "eastus", state="Failed", zone="Enabled", tags={"team": "a"}, routing=False)
    result = az("acr replication sync {} -l eastus".format(REG)).json
    assert [a["action"] for a in result["actions"]] == ["recreate"]
    assert writes(emu) == [("DELETE", "eastus"), ("PUT", "eastus")]
    replica = az("acr replication show -n eastus {}".format(REG)).json
    assert replica["provisioningState"] == "Succeeded"
    assert replica["zoneRedundancy"] == "Enabled"
    assert replica["tags"] == {"team": "a"}
    assert replica["regionEndpointEnabled"] is False


def test_recreate_takes_the_values_the_user_gives(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.add_replicas("demopremium", "eastus", state="Failed", tags={"team": "a"}, routing=False)
    az("acr replication sync {} -l eastus --tags team=b".format(REG))
    replica = az("acr replication show -n eastus {}".format(REG)).json
    assert replica["tags"] == {"team": "b"} and replica["regionEndpointEnabled"] is False


@pytest.mark.slow
def test_create_right_after_delete_is_retried_and_said_so(az, emu):
    """The service can fail a create that follows the delete of the same replica: retried after 5 s (the pauses
    themselves are proven with a fake clock in the unit tests)."""
    emu.knobs(operation_seconds=0.2, recreate_failure_seconds=2)
    emu.add_replicas("demopremium", "eastus", state="Failed")
    result = az("acr replication sync {} -l eastus".format(REG))
    assert "Trying again in" in result.stderr and "right after deleting" in result.stderr
    log = [(e["method"], e["path"].rsplit("/", 1)[-1], e["status"]) for e in emu.requests()
           if e["path"].endswith("/replications/eastus")]
    deleted = log.index(("DELETE", "eastus", 202))
    first_put = log.index(("PUT", "eastus", 201))
    assert ("GET", "eastus", 404) in log[deleted:first_put]  # gone confirmed by a GET before the PUT
    assert [m for m, _, _ in log].count("PUT") == 2
    assert az("acr replication show -n eastus {}".format(REG)).json["provisioningState"] == "Succeeded"


def test_list_lagging_behind_get_does_not_recreate_a_healthy_replica(az, emu):
    emu.add_replicas_earlier(60, "demopremium", "eastus", state="Failed")
    emu.add_replicas("demopremium", "eastus")  # repaired since: a GET says Succeeded
    emu.knobs(list_lag_seconds=30)  # the list still shows eastus Failed
    result = az("acr replication sync {} -l eastus".format(REG)).json
    assert emu.writes() == []
    assert result["actions"][0]["action"] == "recreate"
    assert result["actions"][0]["result"].startswith("skipped: it is Succeeded now")


def test_list_lagging_behind_get_does_not_delete_what_is_gone(az, emu):
    emu.knobs(operation_seconds=0)
    emu.add_replicas_earlier(60, "demopremium", "eastus", "uksouth")
    assert call(emu, "DELETE", registry_path() + "/replications/uksouth").status == 202  # gone since
    emu.knobs(list_lag_seconds=30)  # the list still shows uksouth
    emu.clear_log()
    result = az("acr replication sync {} -l eastus --prune".format(REG)).json
    assert emu.writes() == []
    assert {a["location"]: a["result"] for a in result["actions"]}["uksouth"] == "already gone"


# --- --no-wait, --wait-ready, and the waits for replicas other runs are creating ----------------------------------
def test_sync_no_wait_returns_at_once(az, emu):
    emu.knobs(operation_seconds=30)
    started = time.monotonic()
    az("acr replication sync {} -l eastus japaneast --no-wait".format(REG))
    assert time.monotonic() - started < 10
    assert sorted(writes(emu)) == [("PUT", "eastus"), ("PUT", "japaneast")]


def test_unlisted_failed_replica_does_not_fail_sync_wait_ready(az, emu):
    emu.knobs(operation_seconds=0.2, sync_seconds=1)
    emu.add_replicas("demopremium", "uksouth", state="Failed")
    result = az("acr replication sync {} -l eastus --wait-ready --timeout 60".format(REG))
    actions = {a["location"]: (a["action"], a["result"]) for a in result.json["actions"]}
    assert actions == {"eastus": ("create", "succeeded"), "uksouth": ("none", "unchanged")}


@pytest.mark.slow
def test_wait_for_a_replica_another_run_is_creating_honours_timeout(az, emu):
    emu.knobs(operation_seconds=60)
    emu.add_replicas("demopremium", "eastus", state="Creating")
    started = time.monotonic()
    result = az("acr replication sync {} -l eastus --timeout 2".format(REG), expect=1)
    assert time.monotonic() - started < 2 + 10
    assert "Timed out after 2 s" in result.stderr and "Traceback" not in result.stderr
    assert errors(result) != []


def test_wait_for_running_replicas_covers_only_the_regions_asked_about(az, emu):
    emu.knobs(operation_seconds=60)
    emu.add_replicas("demopremium", "uksouth", state="Creating")
    emu.knobs(operation_seconds=0.2)
    started = time.monotonic()
    result = az("acr replication sync {} -l eastus --timeout 30".format(REG))
    assert time.monotonic() - started < 15  # did not wait for uksouth (60 s)
    assert "uksouth" not in result.stderr


# --- one --timeout for the whole command (the arithmetic: unit tests with a fake clock) ---------------------------
@pytest.mark.slow
def test_waits_of_one_command_share_one_deadline_and_the_message_says_the_time_spent(az, emu):
    """eastus is still being created by an earlier run (8 s), then never becomes Ready: sync waits for the first,
    then for the data, within one 10 s; separate waits would take 18 s."""
    emu.knobs(operation_seconds=8, stuck_regions=["eastus"])
    emu.add_replicas("demopremium", "eastus", state="Creating")
    result = az("acr replication sync {} -l eastus --wait-ready --timeout 10".format(REG), expect=1)
    assert "is Creating (started by an earlier or another run); waiting for it" in result.stderr
    assert spent(result.stderr) == (10, 10) and "eastus (Syncing)" in result.stderr
    assert result.seconds < 10 + SLACK, result.seconds


@pytest.mark.slow
def test_the_wait_for_a_deleted_replica_to_be_gone_ends_at_the_deadline(az, emu):
    """The delete of the Failed replica takes 30 s; the recreate waits for a GET to say 404 only until the
    deadline (its own wait would go on up to 120 s)."""
    emu.knobs(operation_seconds=30)
    emu.add_replicas("demopremium", "eastus", state="Failed")
    result = az("acr replication sync {} -l eastus --timeout 4".format(REG), expect=1)
    assert result.seconds < 4 + SLACK
    assert spent(result.stderr)[0] == 4


# --- Ctrl-C (a real az process: the signal is the subject) --------------------------------------------------------
@pytest.mark.slow
def test_ctrl_c_reports_started_regions_and_rerun_converges(az, emu):
    command = "acr replication sync {} -l eastus japaneast westeurope".format(REG)
    emu.knobs(operation_seconds=4)
    proc = az.popen(command)
    stderr, _ = interrupt(proc, lambda: len([e for e in emu.requests() if e["method"] == "PUT"]) >= 3)
    assert proc.returncode != 0
    assert "Interrupted. Started: " in stderr and "run the same command again" in stderr
    for region in ("eastus", "japaneast", "westeurope"):
        assert region in stderr.split("Interrupted. Started: ")[1].split(".")[0]
    emu.clear_log()
    az(command)
    assert emu.writes() == []  # nothing started twice
    names = {r["name"]: r["provisioningState"] for r in az("acr replication list {}".format(REG)).json}
    assert names == {"eastus": "Succeeded", "japaneast": "Succeeded", "westeurope": "Succeeded",
                     "westus": "Succeeded"}
