"""Answers the ARM spec allows that the service's recordings do not show, through the real az: a write answered 200
at once, an operation that ends Canceled, a displayStatus of 'Provisioning', a DELETE whose Location answers 200
{"status": "Deleting"} until done, and manifests of schema 1 (found by `status --image`). An operation that fails
with a service fault, classified by its code: tests/commands/test_retries.py."""
import time

import pytest

from tests.helpers import REG

pytestmark = pytest.mark.e2e


def test_a_tags_patch_answered_200_at_once_is_done(az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(synchronous_tag_patch=True, operation_seconds=60)
    updated = az("acr replication update {} -n eastus --tags env=prod".format(REG), timeout=30)
    assert updated.json["tags"] == {"env": "prod"} and updated.json["provisioningState"] == "Succeeded"
    synced = az("acr replication sync {} -l eastus --tags env=dev".format(REG), timeout=30).json
    assert [(a["action"], a["result"]) for a in synced["actions"]] == [("update", "succeeded")]
    assert az("acr replication show {} -n eastus".format(REG)).json["tags"] == {"env": "dev"}


def test_a_canceled_operation_is_reported_and_the_replica_recreated_by_sync(az, emu):
    emu.knobs(operation_seconds=0, canceled_regions=["eastus"])
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert "eastus" in result.stderr and "Canceled" in result.stderr
    assert az("acr replication show {} -n eastus".format(REG)).json["provisioningState"] == "Canceled"
    assert "is Canceled" in az("acr replication wait {} -n eastus --created".format(REG), expect=1).stderr
    rows = az("acr replication status {}".format(REG)).json
    assert [r["provisioningState"] for r in rows if r["location"] == "eastus"] == ["Canceled"]
    emu.knobs(canceled_regions=[])
    plan = az("acr replication sync {} -l eastus --dry-run".format(REG)).json
    assert [(a["action"], a["reason"]) for a in plan["actions"]] == [("recreate", "provisioning state is Canceled")]
    az("acr replication sync {} -l eastus".format(REG))
    assert az("acr replication show {} -n eastus".format(REG)).json["provisioningState"] == "Succeeded"


def test_a_provisioning_display_status_is_shown_and_is_not_ready(az, emu):
    emu.knobs(operation_seconds=4, provisioning_display_status=True)
    emu.add_replicas("demopremium", "eastus", state="Creating")  # as a create --no-wait leaves it
    table = az("acr replication status {} -o table".format(REG)).stdout
    assert [line.split()[:4] for line in table.splitlines() if line.startswith("eastus")] == [
        ["eastus", "eastus", "Creating", "Provisioning"]]
    ready = az("acr replication wait {} -n eastus --ready --timeout 30".format(REG))
    assert ready.code == 0
    assert az("acr replication show {} -n eastus".format(REG)).json["status"]["displayStatus"] == "Ready"


def test_a_delete_polled_at_operation_statuses_ends_only_when_the_replica_is_gone(az, emu):
    """The spec's example points the Location at .../operationStatuses/..., which answers 200 {"status":
    "Deleting"} while the delete runs; azure-core alone would take that 200 for the end."""
    emu.add_replicas("demopremium", "eastus", "japaneast")
    emu.knobs(operation_seconds=3, delete_status_url="operationStatuses")
    started = time.monotonic()
    az("acr replication delete {} -n eastus".format(REG))  # sync --prune: tests/commands/test_sync.py
    assert time.monotonic() - started >= 2.5
    assert az("acr replication show {} -n eastus".format(REG), expect=3)
    polled = [e for e in emu.requests() if "/operationStatuses/" in e["path"]]
    assert polled and all(e["status"] == 200 for e in polled)


def test_a_schema_1_manifest_is_found_in_every_region(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push("demopremium", "legacy", "v1", media_type="application/vnd.docker.distribution.manifest.v1+prettyjws")
    result = az("acr replication status {} --image legacy:v1".format(REG)).json
    assert result["complete"] is True and result["images"][0]["digests"] == [pushed["digest"]]
    emu.knobs(omit_digest_header=True)  # the digest of the payload the signature covers, not of the bytes
    assert az("acr replication status {} --image legacy:v1".format(REG)).json["images"][0]["digests"] == [
        pushed["digest"]]
