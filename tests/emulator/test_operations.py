"""The knobs that decide how the emulator's replica operations run and end: how long (operation_seconds,
sync_seconds), how (fail_regions, stuck_regions, canceled_regions, transient_failures, recreate_failure_seconds,
registry_conflicts) and what the answers say on the way (retry_after, the spec's 200s, Provisioning, a DELETE
polled at operationStatuses)."""
import time

import pytest

from tests.helpers import REGISTRY_PATH, call, lro_end, operation_end, put_replica

pytestmark = pytest.mark.e2e


def display_status(emu, name):
    return call(emu, "GET", REGISTRY_PATH + "/replications/" + name).json["properties"]["status"]["displayStatus"]


def test_operation_seconds_knob_sets_how_long_an_operation_runs(arm):
    arm.knobs(operation_seconds=0.6)
    started = time.time()
    assert operation_end(arm, put_replica(arm, "eastus", "eastus").headers["azure-asyncoperation"]) == "Succeeded"
    assert 0.5 <= time.time() - started < 3


def test_sync_seconds_knob_keeps_replica_syncing_then_ready(arm):
    arm.knobs(operation_seconds=0, sync_seconds=0.5)
    put_replica(arm, "eastus", "eastus")
    assert display_status(arm, "eastus") == "Syncing"
    time.sleep(0.6)
    assert display_status(arm, "eastus") == "Ready"


def test_stuck_regions_never_leave_syncing(arm):
    arm.knobs(operation_seconds=0, sync_seconds=0, stuck_regions=["eastus"])
    put_replica(arm, "eastus", "eastus")
    time.sleep(0.1)
    assert display_status(arm, "eastus") == "Syncing"


def test_fail_regions_end_failed_with_arm_error(arm):
    arm.knobs(operation_seconds=0.1, fail_regions=["eastus"])
    url = put_replica(arm, "eastus", "eastus").headers["azure-asyncoperation"]
    assert operation_end(arm, url) == "Failed"
    body = call(arm, "GET", url).json
    assert body["error"]["code"] == "ReplicationFailed" and "eastus" in body["error"]["message"]
    assert call(arm, "GET", REGISTRY_PATH + "/replications/eastus").json["properties"]["provisioningState"] == "Failed"


def test_canceled_regions_end_canceled(arm):
    arm.knobs(operation_seconds=0, canceled_regions=["eastus"])
    resp = put_replica(arm, "eastus", "eastus")
    assert lro_end(arm, resp) == "Canceled"
    eastus = call(arm, "GET", REGISTRY_PATH + "/replications/eastus").json
    assert eastus["properties"]["provisioningState"] == "Canceled"


def test_transient_failures_end_failed_with_a_service_fault_the_given_number_of_times(arm):
    arm.knobs(operation_seconds=0, transient_failures={"eastus": 1})
    first = put_replica(arm, "eastus", "eastus")
    assert lro_end(arm, first) == "Failed"
    assert call(arm, "GET", first.headers["azure-asyncoperation"]).json["error"]["code"] == "InternalServerError"
    assert lro_end(arm, put_replica(arm, "eastus", "eastus")) == "Succeeded"
    assert lro_end(arm, put_replica(arm, "japaneast", "japaneast")) == "Succeeded"  # other regions unaffected


def test_recreate_failure_window_fails_a_create_right_after_a_delete(arm):
    arm.knobs(operation_seconds=0, recreate_failure_seconds=0.5)
    assert lro_end(arm, put_replica(arm, "eastus", "eastus")) == "Succeeded"  # never deleted: not affected
    call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus")
    deleted = time.monotonic()
    assert call(arm, "GET", REGISTRY_PATH + "/replications/eastus").status == 404
    failed = put_replica(arm, "eastus", "eastus")
    assert failed.status == 201 and lro_end(arm, failed) == "Failed"
    error = call(arm, "GET", failed.headers["azure-asyncoperation"]).json["error"]
    assert error["code"] == "ReplicationFailed" and "retry later" not in error["message"].lower()
    time.sleep(max(0.0, deleted + 0.6 - time.monotonic()))
    assert lro_end(arm, put_replica(arm, "eastus", "eastus")) == "Succeeded"  # a PUT on the Failed replica, later


def test_registry_conflicts_answer_409_while_another_replica_operation_runs(arm):
    arm.knobs(operation_seconds=0.4, registry_conflicts=True)
    assert put_replica(arm, "eastus", "eastus").status == 201
    busy = put_replica(arm, "japaneast", "japaneast")
    assert busy.status == 409 and busy.json["error"]["code"] == "AnotherOperationInProgress"
    time.sleep(0.5)
    assert put_replica(arm, "japaneast", "japaneast").status == 201


def test_retry_after_knob_is_sent_on_lro_answers(arm):
    arm.knobs(retry_after=2)
    resp = put_replica(arm, "eastus", "eastus")
    assert resp.headers["retry-after"] == "2"


def test_a_tags_only_patch_and_a_put_of_an_existing_replica_can_answer_200_at_once(arm):
    arm.knobs(operation_seconds=0)
    arm.add_replicas("demopremium", "eastus")
    assert call(arm, "PATCH", REGISTRY_PATH + "/replications/eastus", {"tags": {"a": "b"}}).status == 201  # the recordings'
    arm.knobs(synchronous_tag_patch=True, synchronous_put_existing=True, operation_seconds=30)
    patched = call(arm, "PATCH", REGISTRY_PATH + "/replications/eastus", {"tags": {"a": "c"}})
    assert patched.status == 200 and "azure-asyncoperation" not in patched.headers
    assert patched.json["properties"]["provisioningState"] == "Succeeded" and patched.json["tags"] == {"a": "c"}
    again = put_replica(arm, "eastus", "eastus")
    assert again.status == 200 and again.json["properties"]["provisioningState"] == "Succeeded"
    created = put_replica(arm, "japaneast", "japaneast")
    assert created.status == 201  # a new replica: an LRO whatever the knobs
    routed = call(arm, "PATCH", REGISTRY_PATH + "/replications/eastus",
                  {"properties": {"regionEndpointEnabled": False}})
    assert routed.status == 201  # routing: an LRO, as recorded


def test_provisioning_display_status_while_creating_and_updating(arm):
    arm.knobs(operation_seconds=0.5, provisioning_display_status=True)
    resp = put_replica(arm, "eastus", "eastus")
    assert resp.json["properties"]["status"]["displayStatus"] == "Provisioning"
    status = call(arm, "GET", REGISTRY_PATH + "/replications/eastus").json["properties"]["status"]
    assert status == {"displayStatus": "Provisioning", "message": "The replication is provisioning.",
                      "timestamp": status["timestamp"]}
    lro_end(arm, resp)
    assert display_status(arm, "eastus") == "Ready"


def test_a_delete_can_point_at_operation_statuses_which_answer_200_deleting_until_done(arm):
    arm.add_replicas("demopremium", "eastus")
    arm.knobs(operation_seconds=0.6, delete_status_url="operationStatuses")
    resp = call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus")
    location = resp.headers["location"]
    assert resp.status == 202 and "/replications/eastus/operationStatuses/replications-" in location
    polled = call(arm, "GET", location)
    assert polled.status == 200 and polled.json == {"status": "Deleting"} and "location" not in polled.headers
    time.sleep(0.7)
    assert call(arm, "GET", location).json == {"status": "Succeeded"}
    assert call(arm, "GET", REGISTRY_PATH + "/replications/eastus").status == 404
