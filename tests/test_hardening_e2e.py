"""Hardening against the real service (issue 13): what a recreate keeps, which waits apply, how states
are spelled, and the service's known quirks survived with bounded retries. Each test is a row of the
README's Reliability table."""
import json
import os
import re
import signal
import time

from emulator.certs import write_self_signed
from emulator.harness import admin
from tests.armclient import call, registry_path

REG = "-r demopremium"
ENUM_REPR = re.compile(r"\b[A-Z][A-Za-z]+\.[A-Z][A-Z_]+\b")  # ProvisioningState.FAILED, SkuName.STANDARD


def writes(emu):
    return [(e["method"], e["path"].rsplit("/", 1)[-1], e["status"]) for e in emu.writes()]


def fail_eastus(az, emu, flags=""):
    """eastus ends Failed (with the given create flags); the failure is then switched off."""
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    az("acr replication create {} -l eastus {}".format(REG, flags), expect=1)
    emu.knobs(fail_regions=[])
    emu.emulator.clear_log()


# --- what a recreate keeps ---------------------------------------------------------------------------
def test_recreated_replica_keeps_zone_redundancy_tags_and_routing(az, emu):
    fail_eastus(az, emu, "--zone-redundancy Enabled --tags team=a --global-endpoint-routing false")
    result = az("acr replication sync {} -l eastus".format(REG)).json
    assert [a["action"] for a in result["actions"]] == ["recreate"]
    assert [(m, n) for m, n, _ in writes(emu)] == [("DELETE", "eastus"), ("PUT", "eastus")]
    replica = az("acr replication show -n eastus {}".format(REG)).json
    assert replica["provisioningState"] == "Succeeded"
    assert replica["zoneRedundancy"] == "Enabled"
    assert replica["tags"] == {"team": "a"}
    assert replica["regionEndpointEnabled"] is False


def test_recreate_takes_the_values_the_user_gives(az, emu):
    fail_eastus(az, emu, "--tags team=a --global-endpoint-routing false")
    az("acr replication sync {} -l eastus --tags team=b".format(REG))
    replica = az("acr replication show -n eastus {}".format(REG)).json
    assert replica["tags"] == {"team": "b"} and replica["regionEndpointEnabled"] is False


# --- which replicas a wait covers, and how it ends ----------------------------------------------------------
def test_unlisted_failed_replica_does_not_fail_sync_wait_ready(az, emu):
    emu.knobs(operation_seconds=0.2, fail_regions=["uksouth"])
    az("acr replication create {} -l uksouth".format(REG), expect=1)
    emu.knobs(fail_regions=[], sync_seconds=1)
    result = az("acr replication sync {} -l eastus --wait-ready --timeout 60".format(REG))
    actions = {a["location"]: (a["action"], a["result"]) for a in result.json["actions"]}
    assert actions == {"eastus": ("create", "succeeded"), "uksouth": ("none", "unchanged")}


def test_wait_for_a_replica_another_run_is_creating_honours_timeout(az, emu):
    emu.knobs(operation_seconds=60)
    az("acr replication create {} -l eastus --no-wait".format(REG))
    started = time.monotonic()
    result = az("acr replication sync {} -l eastus --timeout 2".format(REG), expect=1)
    assert time.monotonic() - started < 2 + 10
    assert "Timed out after 2 s" in result.stderr and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("ERROR")] != []


def test_wait_for_running_replicas_covers_only_the_regions_asked_about(az, emu):
    emu.knobs(operation_seconds=60)
    az("acr replication create {} -l uksouth --no-wait".format(REG))
    emu.knobs(operation_seconds=0.2)
    started = time.monotonic()
    result = az("acr replication sync {} -l eastus --timeout 30".format(REG))
    assert time.monotonic() - started < 15  # did not wait for uksouth (60 s)
    assert "uksouth" not in result.stderr


# --- states as ARM spells them -------------------------------------------------------------------------------
def test_no_enum_repr_in_any_output(az, emu):
    outputs = []
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    outputs.append(az("acr replication create {} -l eastus".format(REG), expect=1))
    outputs.append(az("acr replication wait -n eastus {} --created --timeout 5".format(REG), expect=1))
    emu.knobs(fail_regions=[])
    outputs.append(az("acr replication sync {} -l eastus --dry-run".format(REG)))
    outputs.append(az("acr replication sync {} -l eastus --dry-run -o table".format(REG)))
    emu.knobs(operation_seconds=8)
    outputs.append(az("acr replication create {} -l japaneast --no-wait".format(REG)))
    outputs.append(az("acr replication sync {} -l japaneast".format(REG)))  # waits for the running one
    outputs.append(az("acr replication create -r demostandard -l eastus", expect=1))
    outputs.append(az("acr replication list {} -o table".format(REG)))
    text = "\n".join(r.stdout + r.stderr for r in outputs)
    assert "Failed" in text and "Creating" in text and "Standard" in text  # the states are there ...
    assert ENUM_REPR.findall(text) == []  # ... spelled as ARM spells them
    assert "reason" in outputs[2].stdout and json.loads(outputs[2].stdout)["actions"][0]["reason"] == \
        "provisioning state is Failed"


# --- arguments and errors ----------------------------------------------------------------------------------------
def test_bad_custom_query_is_a_usage_error_naming_custom(az, emu):
    result = az(["acr", "replication", "wait", "-n", "eastus", "-r", "demopremium", "--custom", "status.["],
                expect=2)
    assert "--custom" in result.stderr and "--query" not in result.stderr
    assert emu.requests() == []


def test_tls_failure_gets_azure_clis_certificate_advice(az, emu, tmp_path):
    other_ca, _ = write_self_signed(str(tmp_path / "other-ca"))
    az.env["REQUESTS_CA_BUNDLE"] = az.env["SSL_CERT_FILE"] = other_ca
    result = az("acr replication list {} -g demo-rg".format(REG), expect=1)
    assert "Certificate verification failed" in result.stderr
    assert "Could not reach Azure Resource Manager" not in result.stderr


# --- home replica and Premium: decided by a fresh registry GET -------------------------------------------
def test_home_replica_is_found_by_location_not_name(az, emu):
    admin(emu.url, emu.cert_path, "registries", {"group": "demo-rg", "name": "customhome", "location": "westus",
                                                 "home_replica_name": "primary"})
    emu.knobs(operation_seconds=0)
    az("acr replication create -r customhome -l eastus")
    emu.emulator.clear_log()
    refused = az("acr replication delete -r customhome -n primary --yes", expect=1)
    assert "home replica" in refused.stderr and "westus" in refused.stderr
    assert emu.writes() == []
    az("acr replication delete -r customhome -n eastus --yes")  # a geo-replica: allowed
    assert [(m, n) for m, n, _ in writes(emu)] == [("DELETE", "eastus")]


def test_stale_cached_home_region_does_not_refuse_a_geo_replica(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus".format(REG))
    cache = os.path.join(az.config_dir, "acr_replication_groups.json")
    with open(cache) as handle:
        entries = json.load(handle)
    for entry in entries.values():
        entry["location"] = "eastus"  # wrong: the registry's home is westus
    with open(cache, "w") as handle:
        json.dump(entries, handle)
    emu.emulator.clear_log()
    az("acr replication delete -n eastus {} --yes".format(REG))
    gets = [e["path"] for e in emu.requests() if e["method"] == "GET"]
    assert any(p.endswith("/registries/demopremium") for p in gets)  # the refusal was checked by a GET
    assert [(m, n) for m, n, _ in writes(emu)] == [("DELETE", "eastus")]


def test_premium_upgrade_a_minute_ago_is_accepted_though_the_resources_query_lags(az, emu):
    emu.knobs(operation_seconds=0, resources_lag_seconds=60)
    assert call(emu, "PATCH", registry_path(reg="demostandard"), {"sku": {"name": "Premium"}}).status == 200
    created = az("acr replication create -r demostandard -l eastus").json
    assert created["provisioningState"] == "Succeeded"


def test_non_premium_refusal_is_confirmed_by_a_registry_get(az, emu):
    emu.emulator.clear_log()
    az("acr replication create -r demostandard -l eastus", expect=1)
    gets = [e["path"] for e in emu.requests() if e["method"] == "GET"]
    assert gets[-1].endswith("/registries/demostandard")


# --- Ctrl-C with a request on the wire -------------------------------------------------------------------
def test_ctrl_c_during_a_put_in_flight_says_it_may_have_started(az, emu):
    emu.knobs(operation_seconds=0.2)
    emu.fault(status=200, method="PUT", path="/replications/japaneast$", delay=8)
    proc = az.popen("acr replication create {} -l eastus japaneast".format(REG))
    deadline = time.monotonic() + 30
    while not any(e["method"] == "PUT" and e["path"].endswith("/eastus") for e in emu.requests()) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # eastus is accepted (and polled); japaneast's PUT is still held by the emulator
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "Started: eastus" in stderr
    assert "May have started (request in flight): japaneast" in stderr


# --- quirks of the real service, survived --------------------------------------------------------------------
def test_create_right_after_delete_is_retried_and_said_so(az, emu):
    fail_eastus(az, emu)
    emu.knobs(operation_seconds=0.2, recreate_failure_seconds=2)
    result = az("acr replication sync {} -l eastus".format(REG))
    assert "Trying again in" in result.stderr and "right after deleting" in result.stderr
    log = [(e["method"], e["path"].rsplit("/", 1)[-1], e["status"]) for e in emu.requests()
           if e["path"].endswith("/replications/eastus")]
    deleted = log.index(("DELETE", "eastus", 202))
    first_put = log.index(("PUT", "eastus", 201))
    assert ("GET", "eastus", 404) in log[deleted:first_put]  # gone confirmed by a GET before the PUT
    assert [m for m, _, _ in log].count("PUT") == 2
    assert az("acr replication show -n eastus {}".format(REG)).json["provisioningState"] == "Succeeded"


def test_transient_failed_lro_is_retried(az, emu):
    emu.knobs(operation_seconds=0.2, transient_failures={"eastus": 1})
    result = az("acr replication create {} -l eastus".format(REG))
    assert result.json["provisioningState"] == "Succeeded"
    assert "InternalServerError" in result.stderr and "Trying again in 5 s (1 of 3)" in result.stderr
    assert [m for m, _, _ in writes(emu)] == ["PUT", "PUT"]


def test_real_failed_lro_is_not_retried(az, emu):
    emu.knobs(operation_seconds=0.2, fail_regions=["eastus"])
    result = az("acr replication create {} -l eastus".format(REG), expect=1)
    assert "Trying again" not in result.stderr
    assert [m for m, _, _ in writes(emu)] == ["PUT"]


def test_list_lagging_behind_get_does_not_recreate_a_healthy_replica(az, emu):
    fail_eastus(az, emu)
    time.sleep(8)
    emu.knobs(list_lag_seconds=7)  # the list shows eastus Failed for 7 s after the repair below
    put = call(emu, "PUT", registry_path() + "/replications/eastus", {"location": "eastus"})
    assert put.status == 201  # repaired behind the list's back
    time.sleep(0.4)
    emu.emulator.clear_log()
    result = az("acr replication sync {} -l eastus".format(REG)).json
    assert emu.writes() == []
    assert result["actions"][0]["action"] == "recreate"
    assert result["actions"][0]["result"].startswith("skipped: it is Succeeded now")


def test_list_lagging_behind_get_does_not_delete_what_is_gone(az, emu):
    emu.knobs(operation_seconds=0)
    az("acr replication create {} -l eastus uksouth".format(REG))
    time.sleep(13)
    emu.knobs(list_lag_seconds=12)  # the list still shows uksouth for 12 s after the delete below (az is slow
    # to start on a loaded machine: the sync must still see it)
    az("acr replication delete -n uksouth {} --yes".format(REG))
    emu.emulator.clear_log()
    result = az("acr replication sync {} -l eastus --prune".format(REG)).json
    assert emu.writes() == []
    assert {a["location"]: a["result"] for a in result["actions"]}["uksouth"] == "already gone"


def test_concurrent_operations_refused_with_409_are_waited_out(az, emu):
    emu.knobs(operation_seconds=1, registry_conflicts=True)
    started = time.monotonic()
    created = az("acr replication create {} -l eastus japaneast westeurope".format(REG)).json
    assert sorted(r["provisioningState"] for r in created) == ["Succeeded"] * 3
    statuses = [s for m, _, s in writes(emu) if m == "PUT"]
    assert statuses.count(201) == 3 and 409 in statuses
    assert time.monotonic() - started < 60
