"""`az acr replication probe`: health per replica, the verdict, a hanging region on time, --drain-unhealthy."""
import time

import pytest

from tests.helpers import REG, drained, errors, writes

pytestmark = pytest.mark.e2e

PROBE = "acr replication probe " + REG


def test_all_healthy_exits_0(az, emu):
    emu.replicated("demopremium", "eastus")
    out = az(PROBE + " --timeout 5").json
    assert out["healthy"] is True
    assert {r["name"]: r["health"] for r in out["replicas"]} == {"westus": "healthy", "eastus": "healthy"}


def test_down_and_degraded_exit_1_result_first(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    emu.knobs(down_regions=["eastus"], degraded_regions={"westeurope": {"latency_ms": 300}})
    out = az(PROBE + " --timeout 5 --slow-ms 200", expect=1)
    health = {r["name"]: r["health"] for r in out.json["replicas"]}
    assert health == {"westus": "healthy", "eastus": "down", "westeurope": "degraded"}
    assert len(errors(out)) == 1 and "eastus down" in errors(out)[0]


def test_table(az, emu):
    emu.replicated("demopremium", "eastus")
    out = az(PROBE + " --timeout 5 -o table")
    assert "HEALTH" in out.stdout and "healthy" in out.stdout


def test_hanging_region_is_reported_within_its_bound(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    emu.fault(status=200, host=r"demopremium\.eastus\.geo", delay=60, times=100)
    started = time.monotonic()
    out = az(PROBE + " --timeout 2", expect=1)
    assert time.monotonic() - started < 15  # az start-up + the 2 s bound, never the 60 s hang
    health = {r["name"]: r["health"] for r in out.json["replicas"]}
    assert health == {"westus": "healthy", "eastus": "down", "westeurope": "healthy"}


def test_drain_unhealthy_dry_run_changes_nothing(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    emu.knobs(down_regions=["eastus"])
    emu.clear_log()
    out = az(PROBE + " --timeout 3 --drain-unhealthy --dry-run", expect=1)
    actions = {r["name"]: (r["action"] or {}).get("result") for r in out.json["replicas"]}
    assert actions["eastus"] == "would drain"
    assert writes(emu) == []


def test_drain_unhealthy_drains_down_replica(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    emu.knobs(down_regions=["eastus"])
    out = az(PROBE + " --timeout 3 --drain-unhealthy --reason scheduled", expect=1)
    assert {r["name"]: (r["action"] or {}).get("result") for r in out.json["replicas"]}["eastus"] == "drained"
    shown = az("acr replication show " + REG + " -n eastus").json
    assert shown["regionEndpointEnabled"] is False
    assert shown["tags"]["acr-replication.drain-reason"].startswith("scheduled: down")


def test_degraded_has_reasons_and_times(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.knobs(degraded_regions={"eastus": {"latency_ms": 150, "error_rate": 0.5}})
    out = az(PROBE + " --timeout 5 --samples 4 --slow-ms 100", expect=1)
    assert out.stdout.lstrip().startswith("{") and errors(out)  # the result first, then the error line
    eastus = {r["name"]: r for r in out.json["replicas"]}["eastus"]
    assert eastus["health"] == "degraded"
    assert eastus["p50Ms"] >= 150 and eastus["maxMs"] >= eastus["p50Ms"]
    assert any("503 Service Unavailable" in why for why in eastus["reasons"])  # the seeded share that fails
    assert any(why.startswith("slow: median") for why in eastus["reasons"])


def test_image_adds_a_manifest_head(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "hello", "v1")
    emu.clear_log()
    out = az(PROBE + " --timeout 5 --samples 2 --image hello:v1").json
    for replica in out["replicas"]:
        assert [s["headStatus"] for s in replica["samples"]] == [200, 200], replica
    heads = [e for e in emu.dataplane_requests() if e["method"] == "HEAD" and e["path"] == "/v2/hello/manifests/v1"]
    assert sorted(e["host"].split(".")[1] for e in heads) == ["eastus", "eastus", "westus", "westus"]


def test_hanging_regions_are_probed_at_once_not_one_after_another(az, emu):
    hanging = ["eastus", "westeurope", "japaneast", "uksouth"]
    emu.replicated("demopremium", *hanging)
    emu.fault(status=200, host=r"demopremium\.(eastus|westeurope|japaneast|uksouth)\.geo", delay=60, times=1000)
    started = time.monotonic()
    out = az(PROBE + " --timeout 3 --samples 1", expect=1)
    elapsed = time.monotonic() - started
    assert elapsed < 3 * len(hanging) - 3, elapsed  # one after another: at least 4 x 3 s; at once: 3 s + az
    health = {r["name"]: r["health"] for r in out.json["replicas"]}
    assert health == dict({name: "down" for name in hanging}, westus="healthy")


def test_drain_unhealthy_never_undrains(az, emu):
    drained(emu, "eastus", "INC-5", "westeurope")
    emu.clear_log()
    out = az(PROBE + " --timeout 3 --drain-unhealthy")  # eastus probes healthy now: still left drained
    eastus = {r["name"]: r for r in out.json["replicas"]}["eastus"]
    assert eastus["health"] == "healthy" and eastus["globalEndpointRouting"] is False and eastus["action"] is None
    assert eastus["drain"]["reason"] == "INC-5"
    assert writes(emu) == []
