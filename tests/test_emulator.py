"""The emulator itself: ARM behaviour from ARM-FACTS.md, every knob and every fault."""
import http.client
import os
import signal
import ssl
import subprocess
import sys
import time

import pytest

from emulator.harness import admin, running_emulator
from emulator.state import CLIENT_ID, CLIENT_SECRET
from emulator.state import SUBSCRIPTION_ID, TENANT_ID
from tests.armclient import call, registry_path

REG = registry_path()


@pytest.fixture
def arm(emu):
    emu.reset()
    return emu


def put(emu, name, location, **props):
    return call(emu, "PUT", REG + "/replications/" + name, {"location": location, "properties": props})


def wait_op(emu, url, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        status = call(emu, "GET", url).json["status"]
        if status in ("Succeeded", "Failed", "Canceled"):
            return status
        time.sleep(0.05)
    raise AssertionError("operation did not end")


def test_metadata_needs_no_token_and_points_at_itself(arm):
    resp = call(arm, "GET", "/metadata/endpoints?api-version=2022-09-01", token=None)
    assert resp.status == 200
    assert resp.json["resourceManager"].startswith("https://127.0.0.1:")
    assert resp.json["authentication"]["loginEndpoint"].startswith("https://127.0.0.1:")


def test_arm_without_valid_token_is_401_with_arm_error_body(arm):
    for token in (None, "not.a.jwt", arm.emulator.tokens.issue(arm.url, "x", now=time.time() - 7200)):
        resp = call(arm, "GET", REG, token=token)
        assert resp.status == 401
        assert resp.json["error"]["code"] == "InvalidAuthenticationToken"


def test_list_is_empty_until_first_geo_replica_then_includes_home(arm):
    assert call(arm, "GET", REG + "/replications").json == {"value": []}
    assert put(arm, "japaneast", "japaneast").status == 201
    names = {r["name"]: r for r in call(arm, "GET", REG + "/replications").json["value"]}
    assert set(names) == {"japaneast", "westus"}
    assert names["westus"]["systemData"]["createdByType"] == "Application"


def test_put_is_201_with_async_operation_creating_then_succeeded(arm):
    arm.knobs(operation_seconds=0.3)
    resp = put(arm, "japaneast", "japaneast")
    assert resp.status == 201
    assert resp.json["properties"]["provisioningState"] == "Creating"
    assert "retry-after" not in resp.headers
    url = resp.headers["azure-asyncoperation"]
    assert "/replications/japaneast/operationStatuses/replications-" in url
    assert call(arm, "GET", url).json == {"status": "Creating"}
    assert wait_op(arm, url) == "Succeeded"
    body = call(arm, "GET", REG + "/replications/japaneast").json
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert body["properties"]["status"]["displayStatus"] == "Ready"
    assert put(arm, "japaneast", "japaneast").status in (200, 201)  # create-or-update does not fail


def test_operation_seconds_knob_sets_how_long_an_operation_runs(arm):
    arm.knobs(operation_seconds=0.6)
    started = time.time()
    assert wait_op(arm, put(arm, "eastus", "eastus").headers["azure-asyncoperation"]) == "Succeeded"
    assert 0.5 <= time.time() - started < 3


def test_sync_seconds_knob_keeps_replica_syncing_then_ready(arm):
    arm.knobs(operation_seconds=0, sync_seconds=0.5)
    put(arm, "eastus", "eastus")
    assert call(arm, "GET", REG + "/replications/eastus").json["properties"]["status"]["displayStatus"] == "Syncing"
    time.sleep(0.6)
    assert call(arm, "GET", REG + "/replications/eastus").json["properties"]["status"]["displayStatus"] == "Ready"


def test_stuck_regions_never_leave_syncing(arm):
    arm.knobs(operation_seconds=0, sync_seconds=0, stuck_regions=["eastus"])
    put(arm, "eastus", "eastus")
    time.sleep(0.1)
    assert call(arm, "GET", REG + "/replications/eastus").json["properties"]["status"]["displayStatus"] == "Syncing"


def test_fail_regions_end_failed_with_arm_error(arm):
    arm.knobs(operation_seconds=0.1, fail_regions=["eastus"])
    url = put(arm, "eastus", "eastus").headers["azure-asyncoperation"]
    assert wait_op(arm, url) == "Failed"
    body = call(arm, "GET", url).json
    assert body["error"]["code"] == "ReplicationFailed" and "eastus" in body["error"]["message"]
    assert call(arm, "GET", REG + "/replications/eastus").json["properties"]["provisioningState"] == "Failed"


def test_retry_after_knob_is_sent_on_lro_answers(arm):
    arm.knobs(retry_after=2)
    resp = put(arm, "eastus", "eastus")
    assert resp.headers["retry-after"] == "2"


def test_latency_knob_delays_every_request(arm):
    arm.knobs(latency_ms=300)
    started = time.time()
    call(arm, "GET", REG)
    assert time.time() - started >= 0.3


def test_delete_is_202_with_location_polls_then_200(arm):
    arm.knobs(operation_seconds=0)
    put(arm, "eastus", "eastus")
    arm.knobs(operation_seconds=0.3)
    resp = call(arm, "DELETE", REG + "/replications/eastus")
    assert resp.status == 202 and resp.raw == b""
    location = resp.headers["location"]
    assert "/providers/Microsoft.ContainerRegistry/locations/eastus/operationResults/replications-" in location
    poll = call(arm, "GET", location)
    assert poll.status == 202 and poll.headers["location"]
    time.sleep(0.35)
    assert call(arm, "GET", location).status == 200
    assert call(arm, "GET", REG + "/replications/eastus").status == 404
    assert call(arm, "DELETE", REG + "/replications/eastus").status == 204


def test_patch_changes_only_tags_and_routing(arm):
    arm.knobs(operation_seconds=0)
    put(arm, "eastus", "eastus")
    arm.knobs(operation_seconds=0.2)
    resp = call(arm, "PATCH", REG + "/replications/eastus", {"tags": {"a": "b"},
                                                             "properties": {"regionEndpointEnabled": False}})
    assert resp.status == 201 and resp.json["properties"]["provisioningState"] == "Updating"
    assert wait_op(arm, resp.headers["azure-asyncoperation"]) == "Succeeded"
    body = call(arm, "GET", REG + "/replications/eastus").json
    assert body["tags"] == {"a": "b"} and body["properties"]["regionEndpointEnabled"] is False


def test_errors_have_arm_bodies(arm):
    assert call(arm, "GET", REG + "/replications/nothere").json["error"]["code"] == "ResourceNotFound"
    missing = call(arm, "GET", registry_path(reg="nosuchreg") + "/replications")
    assert missing.status == 404 and missing.json["error"]["code"] == "ParentResourceNotFound"
    assert call(arm, "GET", registry_path(rg="nosuch-rg")).json["error"]["code"] == "ResourceGroupNotFound"
    bad = put(arm, "atlantis", "atlantis")
    assert bad.status == 400 and bad.json["error"]["code"] == "LocationNotAvailableForResourceType"
    arm.knobs(operation_seconds=5)
    put(arm, "eastus", "eastus")
    assert put(arm, "eastus", "eastus").status == 409


def test_list_pages_with_next_link(arm):
    arm.knobs(operation_seconds=0, page_size=2)
    for region in ("eastus", "japaneast", "westeurope"):
        put(arm, region, region)
    first = call(arm, "GET", REG + "/replications").json
    assert len(first["value"]) == 2 and first["nextLink"].startswith(arm.url.rstrip("/"))
    names = [r["name"] for r in first["value"]]
    link = first["nextLink"]
    while link:
        page = call(arm, "GET", link).json
        names += [r["name"] for r in page["value"]]
        link = page.get("nextLink")
    assert sorted(names) == ["eastus", "japaneast", "westeurope", "westus"]


def test_resources_list_pages_and_bulk_registries(arm):
    arm.reset(extra_registries=2000)
    path = "/subscriptions/{}/resources?$filter=resourceType%20eq%20%27Microsoft.ContainerRegistry%2Fregistries%27" \
           "&api-version=2024-11-01".format(SUBSCRIPTION_ID)
    first = call(arm, "GET", path).json
    assert len(first["value"]) == 1000 and "nextLink" in first
    assert first["value"][0]["sku"]["name"] and first["value"][0]["location"]


def test_locations_are_realistic(arm):
    names = [r["name"] for r in call(arm, "GET", "/subscriptions/{}/locations".format(SUBSCRIPTION_ID)).json["value"]]
    assert {"japaneast", "eastus", "westeurope"} <= set(names)


@pytest.mark.parametrize("status", [429, 500, 503, 403])
def test_injected_status_faults_fire_the_given_number_of_times(arm, status):
    arm.fault(status=status, method="GET", path="/replications$", times=2, retry_after=1)
    for _ in range(2):
        resp = call(arm, "GET", REG + "/replications")
        assert resp.status == status and resp.json["error"]["code"]
        assert resp.headers["retry-after"] == "1"
    assert call(arm, "GET", REG + "/replications").status == 200


def test_injected_drop_closes_the_connection_without_answer(arm):
    arm.fault(status=0, method="GET", path="/replications$")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
        call(arm, "GET", REG + "/replications")
    assert call(arm, "GET", REG + "/replications").status == 200


def test_fault_skip_lets_first_requests_through(arm):
    arm.fault(status=503, method="GET", path="/replications$", skip=1)
    assert call(arm, "GET", REG + "/replications").status == 200
    assert call(arm, "GET", REG + "/replications").status == 503


def test_request_log_records_method_path_status(arm):
    arm.emulator.clear_log()
    call(arm, "GET", REG)
    entry = arm.requests()[-1]
    assert entry["method"] == "GET" and entry["path"] == REG and entry["status"] == 200 and entry["seconds"] >= 0


def test_serves_only_loopback_over_tls(tmp_path):
    with running_emulator(workdir=str(tmp_path)) as running:
        assert running.server.server_address[0] == "127.0.0.1"
        assert running.url.startswith("https://127.0.0.1:")
        with pytest.raises(ssl.SSLError):  # not trusted without the emulator's certificate
            conn = http.client.HTTPSConnection("127.0.0.1", running.server.server_address[1],
                                               context=ssl.create_default_context(), timeout=5)
            conn.request("GET", "/metadata/endpoints")


def test_token_lifetime_knob_expires_tokens(arm):
    arm.knobs(token_lifetime=1)
    form = "grant_type=client_credentials&client_id={}&client_secret={}&scope={}.default".format(
        CLIENT_ID, CLIENT_SECRET, arm.url)
    resp = call(arm, "POST", "/{}/oauth2/v2.0/token".format(TENANT_ID) + "?x=1", token=None,
                headers={"Content-Type": "application/x-www-form-urlencoded"}, raw_body=form.encode())
    token = resp.json["access_token"]
    assert resp.json["expires_in"] == 1
    assert call(arm, "GET", REG, token=token).status == 200
    time.sleep(1.5)
    assert call(arm, "GET", REG, token=token).status == 401


def test_token_endpoint_rejects_wrong_secret(arm):
    form = "grant_type=client_credentials&client_id={}&client_secret=wrong&scope=x".format(CLIENT_ID)
    resp = call(arm, "POST", "/{}/oauth2/v2.0/token?x=1".format(TENANT_ID), token=None, raw_body=form.encode())
    assert resp.status == 401 and resp.json["error"] == "invalid_client"


def test_serve_from_the_shell_prints_env_and_takes_admin_calls(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--dir", str(tmp_path),
                             "--knob", "operation_seconds=3"], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        env = {}
        while "EMULATOR_SUBSCRIPTION_ID" not in env:
            line = proc.stdout.readline()
            assert line, "emulator exited early"
            key, _, value = line.strip()[len("export "):].partition("=")
            env[key] = value.strip("'")
        assert env["EMULATOR_URL"].startswith("https://127.0.0.1:")
        assert os.path.exists(env["REQUESTS_CA_BUNDLE"])
        knobs = admin(env["EMULATOR_URL"], env["REQUESTS_CA_BUNDLE"], "knobs", method="GET")
        assert knobs["operation_seconds"] == 3
        admin(env["EMULATOR_URL"], env["REQUESTS_CA_BUNDLE"], "faults", {"status": 503, "path": "x"})
        assert admin(env["EMULATOR_URL"], env["REQUESTS_CA_BUNDLE"], "requests", method="GET") == {"value": []}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=10) is not None  # SIGTERM ends it cleanly
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# --- the real service's quirks (issue 13) --------------------------------------------------------------
def done(emu, resp, seconds=10):
    return wait_op(emu, resp.headers["azure-asyncoperation"], seconds)


def test_quick_writes_are_still_lros_unless_synchronous_is_asked(arm):
    arm.knobs(operation_seconds=0)
    resp = put(arm, "eastus", "eastus")
    assert resp.status == 201 and resp.json["properties"]["provisioningState"] == "Creating"
    assert call(arm, "GET", resp.headers["azure-asyncoperation"]).json == {"status": "Succeeded"}
    patched = call(arm, "PATCH", REG + "/replications/eastus", {"tags": {"a": "b"}})
    assert patched.status == 201 and "azure-asyncoperation" in patched.headers
    assert call(arm, "DELETE", REG + "/replications/eastus").status == 202
    arm.knobs(synchronous_writes=True)
    resp = put(arm, "japaneast", "japaneast")
    assert resp.status == 200 and resp.json["properties"]["provisioningState"] == "Succeeded"
    assert "azure-asyncoperation" not in resp.headers


def test_recreate_failure_window_fails_a_create_right_after_a_delete(arm):
    arm.knobs(operation_seconds=0, recreate_failure_seconds=0.5)
    assert done(arm, put(arm, "eastus", "eastus")) == "Succeeded"  # never deleted: not affected
    call(arm, "DELETE", REG + "/replications/eastus")
    assert call(arm, "GET", REG + "/replications/eastus").status == 404
    failed = put(arm, "eastus", "eastus")
    assert failed.status == 201 and done(arm, failed) == "Failed"
    error = call(arm, "GET", failed.headers["azure-asyncoperation"]).json["error"]
    assert error["code"] == "ReplicationFailed" and "retry later" not in error["message"].lower()
    time.sleep(0.6)
    assert done(arm, put(arm, "eastus", "eastus")) == "Succeeded"  # a PUT on the Failed replica, later


def test_transient_failures_end_failed_with_a_service_fault_the_given_number_of_times(arm):
    arm.knobs(operation_seconds=0, transient_failures={"eastus": 1})
    first = put(arm, "eastus", "eastus")
    assert done(arm, first) == "Failed"
    assert call(arm, "GET", first.headers["azure-asyncoperation"]).json["error"]["code"] == "InternalServerError"
    assert done(arm, put(arm, "eastus", "eastus")) == "Succeeded"
    assert done(arm, put(arm, "japaneast", "japaneast")) == "Succeeded"  # other regions unaffected


def test_list_lag_shows_an_older_view_while_get_is_current(arm):
    arm.knobs(operation_seconds=0, list_lag_seconds=0.6)
    done(arm, put(arm, "eastus", "eastus"))
    assert call(arm, "GET", REG + "/replications").json["value"] == []  # not listed yet
    assert call(arm, "GET", REG + "/replications/eastus").status == 200
    time.sleep(0.7)
    assert {r["name"] for r in call(arm, "GET", REG + "/replications").json["value"]} == {"eastus", "westus"}
    call(arm, "DELETE", REG + "/replications/eastus")
    call(arm, "GET", REG)  # time moves on a request
    assert call(arm, "GET", REG + "/replications/eastus").status == 404
    assert "eastus" in {r["name"] for r in call(arm, "GET", REG + "/replications").json["value"]}


def test_registry_conflicts_answer_409_while_another_replica_operation_runs(arm):
    arm.knobs(operation_seconds=0.4, registry_conflicts=True)
    assert put(arm, "eastus", "eastus").status == 201
    busy = put(arm, "japaneast", "japaneast")
    assert busy.status == 409 and busy.json["error"]["code"] == "AnotherOperationInProgress"
    time.sleep(0.5)
    assert put(arm, "japaneast", "japaneast").status == 201


def test_resources_query_lags_behind_a_sku_change(arm):
    arm.knobs(resources_lag_seconds=30)
    path = "/subscriptions/{}/resources?$filter=resourceType%20eq%20%27Microsoft.ContainerRegistry%2Fregistries%27" \
           "&api-version=2024-11-01".format(SUBSCRIPTION_ID)
    standard = registry_path(reg="demostandard")
    resp = call(arm, "PATCH", standard, {"sku": {"name": "Premium"}})
    assert resp.status == 200 and resp.json["sku"]["name"] == "Premium"
    assert call(arm, "GET", standard).json["sku"]["name"] == "Premium"
    listed = {r["name"]: r["sku"]["name"] for r in call(arm, "GET", path).json["value"]}
    assert listed["demostandard"] == "Standard"


def test_fault_delay_holds_a_request_then_answers(arm):
    arm.fault(status=200, method="GET", path="/registries/demopremium$", delay=0.4)
    started = time.time()
    assert call(arm, "GET", REG).status == 200
    assert time.time() - started >= 0.4


def test_home_replica_name_can_differ_from_the_region(arm):
    admin(arm.url, arm.cert_path, "registries", {"group": "demo-rg", "name": "customhome", "location": "westus",
                                                 "home_replica_name": "primary"})
    base = registry_path(reg="customhome")
    call(arm, "PUT", base + "/replications/eastus", {"location": "eastus"})
    listed = {r["name"]: r["location"] for r in call(arm, "GET", base + "/replications").json["value"]}
    assert listed == {"primary": "westus", "eastus": "eastus"}


# --- api-version, as ARM checks it (issue 19, item 14) ------------------------------------------------------
def test_a_registry_route_refuses_an_unknown_api_version_like_arm(arm):
    resp = call(arm, "GET", REG + "?api-version=2099-01-01")
    assert resp.status == 400 and resp.json["error"]["code"] == "NoRegisteredProviderFound"
    message = resp.json["error"]["message"]
    assert message.startswith("No registered resource provider found for location 'westus' and API version "
                              "'2099-01-01' for type 'registries'. The supported api-versions are '2020-11-01-preview, ")
    for version in ("2025-03-01-preview", "2026-01-01-preview", "2026-09-01-preview", "2026-11-01"):
        assert version in message
    resp = call(arm, "GET", REG + "/replications?api-version=2017-03-01")
    assert resp.status == 400 and "for type 'registries/replications'" in resp.json["error"]["message"]


def test_the_versions_arm_serves_are_those_real_answers_list(arm):
    """api-supported-versions of the recorded replication answers (2026-09-10): 2024-01-01-preview,
    2025-09-01-preview, 2026-03-01-preview and 2026-11-01 served; 2017-10-01, 2019-05-01 and 2019-12-01-preview not."""
    for version in ("2024-01-01-preview", "2025-09-01-preview", "2026-03-01-preview", "2026-11-01"):
        assert call(arm, "GET", REG + "/replications?api-version=" + version).status == 200, version
        assert call(arm, "GET", REG + "?api-version=" + version).status == 200, version
    for version in ("2017-03-01", "2017-10-01", "2019-05-01", "2019-12-01-preview"):
        assert call(arm, "GET", REG + "/replications?api-version=" + version).status == 400, version


def test_retired_versions_are_refused_and_left_out_of_the_list_for_every_type_or_one(arm):
    arm.knobs(retired_api_versions=["2026-03-01-preview", "registries=2026-09-01-preview"])
    refused = call(arm, "GET", REG + "?api-version=2026-09-01-preview")
    assert refused.status == 400 and refused.json["error"]["code"] == "NoRegisteredProviderFound"
    listed = refused.json["error"]["message"].split("supported api-versions are '")[1].split("'")[0].split(", ")
    assert "2026-09-01-preview" not in listed and "2026-03-01-preview" not in listed and "2026-11-01" in listed
    assert call(arm, "GET", REG + "/replications?api-version=2026-09-01-preview").status == 200  # registries only
    assert call(arm, "GET", REG + "/replications?api-version=2026-03-01-preview").status == 400  # every type


def test_arms_own_routes_refuse_an_unknown_api_version_and_a_missing_one(arm):
    resp = call(arm, "GET", "/subscriptions?api-version=2026-09-01-preview")
    assert resp.status == 400 and resp.json["error"]["code"] == "InvalidApiVersionParameter"
    assert resp.json["error"]["message"].startswith("The api-version '2026-09-01-preview' is invalid. The "
                                                    "supported versions are '2025-04-01,")
    for path in ("/subscriptions?api-version=2022-12-01", "/subscriptions/{}/locations?api-version=2022-12-01",
                 "/subscriptions/{}/resources?api-version=2024-11-01", "/tenants?api-version=2022-12-01"):
        assert call(arm, "GET", path.format(SUBSCRIPTION_ID)).status == 200, path
    resp = call(arm, "GET", REG + "?foo=bar")
    assert resp.status == 400 and resp.json["error"]["code"] == "MissingApiVersionParameter"
    policy = "/subscriptions/{}/providers/Microsoft.Authorization/acquirePolicyToken".format(SUBSCRIPTION_ID)
    assert call(arm, "POST", policy + "?api-version=2025-11-01", {"operation": {}}).status == 200
    assert call(arm, "POST", policy + "?api-version=2026-09-01-preview", {"operation": {}}).status == 400


def test_each_version_has_the_registry_properties_the_spec_gives_it(arm):
    """regionalEndpoints*, endpointProtocol: the 2026 previews only (2026-11-01: no source says; the knob adds it);
    roleAssignmentMode: from 2025-03-01-preview on and in 2025-11-01 (not 2025-04-01)."""
    call(arm, "PATCH", REG + "?api-version=2026-09-01-preview", {"properties": {"regionalEndpoints": "Enabled"}})
    for version, regional, role in (("2025-11-01", False, True), ("2025-12-01-preview", False, True),
                                    ("2025-03-01-preview", False, True), ("2025-04-01", False, False),
                                    ("2024-11-01-preview", False, False), ("2026-01-01-preview", True, True),
                                    ("2026-03-01-preview", True, True), ("2026-09-01-preview", True, True),
                                    ("2026-11-01", False, True)):
        properties = call(arm, "GET", REG + "?api-version=" + version).json["properties"]
        for name in ("regionalEndpoints", "regionalEndpointHostNames", "endpointProtocol"):
            assert (name in properties) is regional, (version, name)
        assert ("roleAssignmentMode" in properties) is role, version
    arm.knobs(regional_endpoint_versions=["2026-11-01"])
    assert "regionalEndpoints" in call(arm, "GET", REG + "?api-version=2026-11-01").json["properties"]
    # an older version does not know the property: a PATCH with it changes nothing
    call(arm, "PATCH", REG + "?api-version=2025-11-01", {"properties": {"regionalEndpoints": "Disabled"}})
    assert call(arm, "GET", REG).json["properties"]["regionalEndpoints"] == "Enabled"


def test_operation_urls_carry_the_api_version_of_the_request(arm):
    resp = call(arm, "PUT", REG + "/replications/eastus?api-version=2025-03-01-preview", {"location": "eastus"})
    assert "api-version=2025-03-01-preview" in resp.headers["azure-asyncoperation"]
    assert call(arm, "GET", resp.headers["azure-asyncoperation"]).status == 200
    wait_op(arm, resp.headers["azure-asyncoperation"])
    resp = call(arm, "DELETE", REG + "/replications/eastus?api-version=2026-01-01-preview")
    assert "api-version=2026-01-01-preview" in resp.headers["location"]


def test_the_extensions_own_api_versions_are_ones_the_service_knows():
    # what the extension sends outside its SDK: a wrong one fails here (and the e2e tests), not in Azure
    from azext_acr_replication.arm.api_versions import REGIONAL_ENDPOINT_VERSIONS
    from azext_acr_replication.arm.lookup import RESOURCES_API_VERSION
    from emulator.arm import api_versions
    for version in REGIONAL_ENDPOINT_VERSIONS:  # status reads regionalEndpointHostNames with one of them
        assert version in api_versions.REGISTRY_VERSIONS and api_versions.has_regional_endpoints(version)
    assert RESOURCES_API_VERSION in api_versions.ARM_VERSIONS


def test_az_with_a_wrong_api_version_fails_as_against_azure(az, emu):
    result = az(["rest", "--method", "get", "--url", emu.url + REG.lstrip("/") + "?api-version=2099-01-01"],
                expect=1)
    assert "NoRegisteredProviderFound" in result.stderr and "The supported api-versions are" in result.stderr


def test_every_answer_to_a_read_says_how_many_reads_are_left_as_arm_does(arm):
    # as recorded: x-ms-ratelimit-remaining-subscription-global-reads 16499 after the first read, and no other
    # read header
    first = call(arm, "GET", REG)
    assert first.headers["x-ms-ratelimit-remaining-subscription-global-reads"] == "16499"
    assert "x-ms-ratelimit-remaining-subscription-reads" not in first.headers
    missing = call(arm, "GET", REG + "/replications/nosuchreplica")
    assert missing.status == 404 and int(missing.headers["x-ms-ratelimit-remaining-subscription-global-reads"]) <= 16499
    assert "x-ms-ratelimit-remaining-tenant-reads" in call(arm, "GET", "/subscriptions").headers  # tenant level
    written = put(arm, "eastus", "eastus")
    assert written.status == 201 and "x-ms-ratelimit-remaining-subscription-global-reads" not in written.headers


def test_an_empty_read_bucket_answers_429_with_retry_after_until_it_refills(arm):
    arm.knobs(arm_read_bucket=3, arm_read_refill_per_second=0.5)
    lefts = [call(arm, "GET", REG).headers["x-ms-ratelimit-remaining-subscription-global-reads"] for _ in range(3)]
    assert lefts == ["2", "1", "0"]
    throttled = call(arm, "GET", REG)
    assert throttled.status == 429 and throttled.json["error"]["code"] == "SubscriptionRequestsThrottled"
    assert "Number of 'read' requests for subscription" in throttled.json["error"]["message"]
    assert throttled.headers["retry-after"] == "2" and throttled.headers[
        "x-ms-ratelimit-remaining-subscription-global-reads"] == "0"
    assert put(arm, "eastus", "eastus").status == 201  # writes have a bucket of their own
    time.sleep(2.1)
    assert call(arm, "GET", REG).status == 200
    # another subscription has its own bucket
    assert call(arm, "GET", "/subscriptions/00000000-0000-0000-0000-00000000e002/resourceGroups/team-rg/providers/"
                "Microsoft.ContainerRegistry/registries/teampremium").status == 200


# --- answers the spec allows that the recordings do not show (knobs, off by default) ----------------------------
def test_a_tags_only_patch_and_a_put_of_an_existing_replica_can_answer_200_at_once(arm):
    arm.knobs(operation_seconds=0)
    done(arm, put(arm, "eastus", "eastus"))
    assert call(arm, "PATCH", REG + "/replications/eastus", {"tags": {"a": "b"}}).status == 201  # the recordings'
    arm.knobs(synchronous_tag_patch=True, synchronous_put_existing=True, operation_seconds=30)
    patched = call(arm, "PATCH", REG + "/replications/eastus", {"tags": {"a": "c"}})
    assert patched.status == 200 and "azure-asyncoperation" not in patched.headers
    assert patched.json["properties"]["provisioningState"] == "Succeeded" and patched.json["tags"] == {"a": "c"}
    again = put(arm, "eastus", "eastus")
    assert again.status == 200 and again.json["properties"]["provisioningState"] == "Succeeded"
    created = put(arm, "japaneast", "japaneast")
    assert created.status == 201  # a new replica: an LRO whatever the knobs
    routed = call(arm, "PATCH", REG + "/replications/eastus", {"properties": {"regionEndpointEnabled": False}})
    assert routed.status == 201  # routing: an LRO, as recorded


def test_canceled_regions_end_canceled(arm):
    arm.knobs(operation_seconds=0, canceled_regions=["eastus"])
    resp = put(arm, "eastus", "eastus")
    assert done(arm, resp) == "Canceled"
    assert call(arm, "GET", REG + "/replications/eastus").json["properties"]["provisioningState"] == "Canceled"


def test_provisioning_display_status_while_creating_and_updating(arm):
    arm.knobs(operation_seconds=0.5, provisioning_display_status=True)
    resp = put(arm, "eastus", "eastus")
    assert resp.json["properties"]["status"]["displayStatus"] == "Provisioning"
    status = call(arm, "GET", REG + "/replications/eastus").json["properties"]["status"]
    assert status == {"displayStatus": "Provisioning", "message": "The replication is provisioning.",
                      "timestamp": status["timestamp"]}
    done(arm, resp)
    assert call(arm, "GET", REG + "/replications/eastus").json["properties"]["status"]["displayStatus"] == "Ready"


def test_a_delete_can_point_at_operation_statuses_which_answer_200_deleting_until_done(arm):
    arm.knobs(operation_seconds=0)
    done(arm, put(arm, "eastus", "eastus"))
    arm.knobs(operation_seconds=0.6, delete_status_url="operationStatuses")
    resp = call(arm, "DELETE", REG + "/replications/eastus")
    location = resp.headers["location"]
    assert resp.status == 202 and "/replications/eastus/operationStatuses/replications-" in location
    polled = call(arm, "GET", location)
    assert polled.status == 200 and polled.json == {"status": "Deleting"} and "location" not in polled.headers
    time.sleep(0.7)
    assert call(arm, "GET", location).json == {"status": "Succeeded"}
    assert call(arm, "GET", REG + "/replications/eastus").status == 404
