"""Throttling and transient failures survived, through the real az against the emulator's faults: 429, 500 and
503 on every kind of call (PUT, PATCH, DELETE, GET, a list's second page, LRO polls) and dropped connections are
retried; a 503 that never stops gives up in bounded time naming the region and the operation; an operation that
ends Failed with a code of the service's own faults is retried (by its code, never its wording) and a real
failure is not; 409s for another operation on the registry are waited out."""
import time

import pytest

from tests.helpers import REG, statuses, writes

pytestmark = pytest.mark.e2e


# --- throttling and transient errors, per kind of call -------------------------------------------------------------
@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_error_on_put_is_retried(az, emu, status):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=status, method="PUT", path="/replications/eastus$", times=2, retry_after=1)
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"
    assert statuses(emu, "PUT", "/eastus") == [status, status, 201]


@pytest.mark.parametrize("status", [429, 503])
def test_transient_error_on_patch_is_retried(az, emu, status):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=status, method="PATCH", path="/replications/eastus$", times=1, retry_after=1)
    assert az("acr replication update -n eastus {} --tags a=b".format(REG)).json["tags"] == {"a": "b"}
    assert statuses(emu, "PATCH", "/eastus") == [status, 201]


def test_throttled_delete_is_retried(az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=429, method="DELETE", path="/replications/eastus$", times=1, retry_after=1)
    az("acr replication delete -n eastus {} --yes".format(REG))
    assert statuses(emu, "DELETE", "/eastus") == [429, 202]


def test_throttled_get_and_list_page_are_retried(az, emu):
    emu.add_replicas("demopremium", "eastus", "japaneast", "uksouth")
    emu.knobs(page_size=2)
    emu.fault(status=429, method="GET", path="/replications/eastus$", times=1, retry_after=1)
    az("acr replication show -n eastus {}".format(REG))
    emu.fault(status=503, method="GET", path="/replications$", skip=1, times=1, retry_after=1)  # second page
    assert len(az("acr replication list {}".format(REG)).json) == 4


def test_throttled_and_failing_polls_are_retried(az, emu):
    emu.knobs(operation_seconds=1)
    emu.fault(status=429, method="GET", path="/operationStatuses/", times=1, retry_after=1)
    emu.fault(status=500, method="GET", path="/operationStatuses/", times=1, retry_after=1)  # the next one
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"
    assert set(statuses(emu, "GET", "/operationStatuses/")) >= {429, 500, 200}


def test_persistent_503_gives_up_within_bounds_naming_region_and_operation(az, emu):
    emu.fault(status=503, method="PUT", path="/replications/eastus$", times=100, retry_after=1)
    started = time.monotonic()
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert time.monotonic() - started < 30
    assert "Could not create replication 'eastus' in eastus" in result.stderr
    assert "Traceback" not in result.stderr
    assert 2 <= len(statuses(emu, "PUT", "/eastus")) <= 8


def test_dropped_connection_during_polling_is_survived(az, emu):
    emu.knobs(operation_seconds=1)
    emu.fault(status=0, method="GET", path="/operationStatuses/", times=1)
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"
    assert 0 in statuses(emu, "GET", "/operationStatuses/")


def test_dropped_connection_on_put_is_retried(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=0, method="PUT", path="/replications/eastus$", times=1)
    assert az("acr replication create {} -l eastus".format(REG)).json["provisioningState"] == "Succeeded"


# --- operations that end Failed, and 409s --------------------------------------------------------------------------
@pytest.mark.slow
def test_transient_failed_lro_is_retried(az, emu):
    """The operation ends Failed with the code InternalServerError and a message that says nothing of trying
    again: the retry is decided by the code (after the first pause, 5 s)."""
    emu.knobs(operation_seconds=0, transient_failures={"eastus": 1})
    result = az("acr replication create {} -l eastus".format(REG))
    assert result.json["provisioningState"] == "Succeeded"
    assert "InternalServerError" in result.stderr and "Trying again in 5 s (1 of 3)" in result.stderr
    assert [m for m, _ in writes(emu)] == ["PUT", "PUT"]


def test_real_failed_lro_is_not_retried(az, emu):
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert "Trying again" not in result.stderr
    assert [m for m, _ in writes(emu)] == ["PUT"]


def test_concurrent_operations_refused_with_409_are_waited_out(az, emu):
    emu.knobs(operation_seconds=1, registry_conflicts=True)
    started = time.monotonic()
    created = az("acr replication create {} -l eastus japaneast westeurope".format(REG)).json
    assert sorted(r["provisioningState"] for r in created) == ["Succeeded"] * 3
    puts = statuses(emu, "PUT", "/replications/")
    assert puts.count(201) == 3 and 409 in puts
    assert time.monotonic() - started < 60
