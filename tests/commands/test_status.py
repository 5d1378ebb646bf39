"""`az acr replication status` without a data-plane question, through the real az: one row per replica (its status
and for how long, routing, regional endpoint) from ARM alone, --wait until every replica is Ready, the arguments it
refuses before any call, its help, and the api-version it reads the registry with (regional endpoints are not in
every version ARM serves)."""
import time

import pytest

from tests.helpers import REG, errors

pytestmark = pytest.mark.e2e


# --- one row per replica: ARM only ------------------------------------------------------------------------------
def test_status_without_image_is_one_row_per_replica(az, emu):
    emu.knobs(sync_seconds=60)
    emu.add_replicas("demopremium", "eastus", routing=False, syncing=True)
    table = az("acr replication status {} -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["NAME", "LOCATION", "PROVISIONING", "STATE", "STATUS", "FOR", "GLOBAL", "ROUTING",
                                "REGIONAL", "ENDPOINT"]
    assert any(line.startswith("westus (home)") for line in table)
    emu.clear_log()
    rows = {r["name"]: r for r in az("acr replication status {}".format(REG)).json}
    assert set(rows) == {"westus", "eastus"}
    assert rows["westus"]["home"] is True and rows["eastus"]["home"] is False
    assert rows["eastus"]["status"] == "Syncing" and rows["eastus"]["statusAgeSeconds"] >= 0
    assert rows["eastus"]["statusTimestamp"].endswith("Z")
    assert rows["eastus"]["globalEndpointRouting"] is False and rows["eastus"]["regionalEndpoint"] is None
    assert emu.dataplane_requests() == []  # cheap: ARM only
    assert [e["method"] for e in emu.requests()] == ["GET", "GET"]  # registry + replications (group cached)


def test_status_without_geo_replicas_shows_the_home_region(az, emu):
    emu.set_registry("demopremium", regional_endpoints=True)
    rows = az("acr replication status {}".format(REG)).json
    assert [(r["name"], r["home"], r["regionalEndpoint"]) for r in rows] == [
        ("westus", True, "demopremium.westus.geo.azurecr.io")]


def test_builtin_acr_update_and_show_see_regional_endpoints(builtin_az, emu):
    """The emulator's registry answers `az acr update --regional-endpoints` and `az acr show` as ARM does, so
    the built-in commands a user runs to turn regional endpoints on work against it."""
    if "--regional-endpoints" not in builtin_az("acr update --help").stdout:
        pytest.skip("this azure-cli has no --regional-endpoints (added after 2.75)")
    builtin_az("acr update -n demopremium --regional-endpoints enabled -o none")
    shown = builtin_az("acr show -n demopremium").json
    assert shown["regionalEndpoints"] == "Enabled"
    assert shown["regionalEndpointHostNames"] == ["demopremium.westus.geo.azurecr.io"]


# --- --wait / --timeout without --image: every replica Ready ---------------------------------------------------
@pytest.mark.slow
def test_status_wait_without_image_waits_until_every_replica_is_ready(az, emu):
    """A smoke test of the wait in real time (its loop is unit-tested on a fake clock:
    test_wait_every_replica_ready_returns_the_rows_and_a_failure_to_report)."""
    emu.knobs(sync_seconds=3)
    added = time.time()
    emu.add_replicas("demopremium", "eastus", syncing=True)  # Syncing until added + 3 s
    rows = az("acr replication status {} --wait --timeout 60".format(REG)).json
    assert time.time() - added >= 3
    assert {r["name"]: r["status"] for r in rows} == {"westus": "Ready", "eastus": "Ready"}


def test_status_wait_without_image_times_out_printing_the_rows(az, emu):
    emu.knobs(stuck_regions=["eastus"])
    emu.add_replicas("demopremium", "eastus")
    result = az("acr replication status {} --wait --timeout 1".format(REG), expect=1)
    assert {r["name"]: r["status"] for r in result.json} == {"westus": "Ready", "eastus": "Syncing"}
    assert len(errors(result)) == 1 and errors(result)[0].startswith("ERROR: Timed out after 1 s")
    assert "eastus (Syncing)" in errors(result)[0]


# --- arguments and help ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", ["--timeout 30", "--image hello:v1 --timeout 30"])
def test_timeout_without_wait_is_a_usage_error(az, emu, args):
    result = az("acr replication status {} {}".format(REG, args), expect=2)
    assert "--timeout is how long --wait waits" in result.stderr and "Traceback" not in result.stderr
    assert emu.requests() == []


@pytest.mark.parametrize("args, message", [
    ("--repository app:v1", "--repository 'app:v1' names an image"),
    ("--repository App", "a repository is lowercase"),
    ("--image app:v1 --repository app", "give one of --image, --repository and --all-repositories"),
    ("--repository app --all-repositories", "give one of --image, --repository and --all-repositories"),
    ("--all-repositories --timeout 5", "--timeout is how long --wait waits"),
])
def test_bad_arguments_are_usage_errors_before_any_call(az, emu, args, message):
    result = az("acr replication status {} {}".format(REG, args), expect=2)
    assert message in result.stderr and not emu.requests()


def test_help_has_examples_for_repositories_and_catalog(az):
    text = az("acr replication status --help").stdout
    assert "--repository" in text and "--all-repositories" in text
    assert "az acr replication status -r myregistry --repository app team/api -o table" in text
    assert "az acr replication status -r myregistry --all-repositories --wait" in text
    assert "Untagged manifests" in text or "untagged manifests" in text
    assert "changedWhileReading" in text


# --- the api-version of the registry read ------------------------------------------------------------------------
PREVIEWS = ["registries=2026-09-01-preview", "registries=2026-03-01-preview", "registries=2026-01-01-preview"]


def test_a_retired_registry_version_gives_way_to_the_newest_one_arm_lists_with_regional_endpoints(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.knobs(retired_api_versions=["registries=2026-09-01-preview"])
    result = az("acr replication status {} -g demo-rg --image app:v1 --debug".format(REG))
    assert result.json["complete"] is True
    assert "ARM refused api-version 2026-09-01-preview for the registry read" in result.stderr
    # newest first: 2026-11-01 answers without them (one read), then the newest preview that has them
    assert "api-version 2026-11-01 has no regional endpoints in its answer" in result.stderr
    assert ("registry read with api-version 2026-03-01-preview (tried 2026-09-01-preview, 2026-11-01 first)"
            in result.stderr)
    reads = [e["query"] for e in emu.requests() if e["path"].endswith("/registries/demopremium")]
    assert reads == ["api-version=2026-09-01-preview", "api-version=2026-11-01",
                     "api-version=2026-03-01-preview"]  # chosen once


def test_a_stable_version_is_used_when_its_answer_has_regional_endpoints(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.knobs(retired_api_versions=PREVIEWS, regional_endpoint_versions=["2026-11-01"])
    assert az("acr replication status {} -g demo-rg --image app:v1".format(REG)).json["complete"] is True


def test_no_version_with_regional_endpoints_is_one_line_and_status_still_shows_the_replicas(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.knobs(retired_api_versions=PREVIEWS)
    result = az("acr replication status {} -g demo-rg --image app:v1".format(REG), expect=1)
    assert errors(result) == ["ERROR: No api-version this registry can be read with has its regional endpoints "
                              "(tried 2026-09-01-preview, 2026-11-01). ARM offers " + ", ".join(
                                  v for v in ("2020-11-01-preview", "2021-06-01-preview", "2021-08-01-preview",
                                              "2021-09-01", "2021-12-01-preview", "2022-02-01-preview", "2022-12-01",
                                              "2023-01-01-preview", "2023-06-01-preview", "2023-07-01",
                                              "2023-08-01-preview", "2023-11-01-preview", "2024-01-01-preview",
                                              "2024-11-01-preview", "2025-03-01-preview", "2025-04-01",
                                              "2025-05-01-preview", "2025-06-01-preview", "2025-09-01-preview",
                                              "2025-11-01", "2025-12-01-preview", "2026-11-01")) +
                              ". `status --image` asks each replica at its regional endpoint, which this cloud does "
                              "not offer yet; 'az acr replication status' without it still shows the replicas."]
    rows = az("acr replication status {} -g demo-rg".format(REG))
    assert [r["location"] for r in rows.json] == ["westus", "eastus"]
    assert all(r["regionalEndpoint"] is None for r in rows.json)
    assert "The replicas are shown without their regional endpoints (REGIONAL ENDPOINT: none)." in rows.stderr
