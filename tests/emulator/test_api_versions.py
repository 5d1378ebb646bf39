"""api-versions as ARM checks them: a registry route refuses a version it does not serve (400
NoRegisteredProviderFound, listing those it does), ARM's own routes theirs (InvalidApiVersionParameter), a missing
one is refused; each version carries the registry properties the spec gives it; retired versions (knob); operation
URLs keep the request's version; and the versions the extension sends outside its SDK are ones the service knows."""
import pytest

from emulator.state import SUBSCRIPTION_ID
from tests.helpers import REGISTRY_PATH, call, operation_end

# no module mark: one test here reads only the code (unit), the others talk to the emulator (e2e)


@pytest.mark.e2e
def test_a_registry_route_refuses_an_unknown_api_version_like_arm(arm):
    resp = call(arm, "GET", REGISTRY_PATH + "?api-version=2099-01-01")
    assert resp.status == 400 and resp.json["error"]["code"] == "NoRegisteredProviderFound"
    message = resp.json["error"]["message"]
    assert message.startswith("No registered resource provider found for location 'westus' and API version "
                              "'2099-01-01' for type 'registries'. The supported api-versions are '2020-11-01-preview, ")
    for version in ("2025-03-01-preview", "2026-01-01-preview", "2026-09-01-preview", "2026-11-01"):
        assert version in message
    resp = call(arm, "GET", REGISTRY_PATH + "/replications?api-version=2017-03-01")
    assert resp.status == 400 and "for type 'registries/replications'" in resp.json["error"]["message"]


@pytest.mark.e2e
def test_the_versions_arm_serves_are_those_real_answers_list(arm):
    """api-supported-versions of the recorded replication answers (2026-09-10): 2024-01-01-preview,
    2025-09-01-preview, 2026-03-01-preview and 2026-11-01 served; 2017-10-01, 2019-05-01 and 2019-12-01-preview not."""
    for version in ("2024-01-01-preview", "2025-09-01-preview", "2026-03-01-preview", "2026-11-01"):
        assert call(arm, "GET", REGISTRY_PATH + "/replications?api-version=" + version).status == 200, version
        assert call(arm, "GET", REGISTRY_PATH + "?api-version=" + version).status == 200, version
    for version in ("2017-03-01", "2017-10-01", "2019-05-01", "2019-12-01-preview"):
        assert call(arm, "GET", REGISTRY_PATH + "/replications?api-version=" + version).status == 400, version


@pytest.mark.e2e
def test_retired_versions_are_refused_and_left_out_of_the_list_for_every_type_or_one(arm):
    arm.knobs(retired_api_versions=["2026-03-01-preview", "registries=2026-09-01-preview"])
    refused = call(arm, "GET", REGISTRY_PATH + "?api-version=2026-09-01-preview")
    assert refused.status == 400 and refused.json["error"]["code"] == "NoRegisteredProviderFound"
    listed = refused.json["error"]["message"].split("supported api-versions are '")[1].split("'")[0].split(", ")
    assert "2026-09-01-preview" not in listed and "2026-03-01-preview" not in listed and "2026-11-01" in listed
    replications = REGISTRY_PATH + "/replications?api-version=2026-09-01-preview"
    assert call(arm, "GET", replications).status == 200  # registries only
    assert call(arm, "GET", REGISTRY_PATH + "/replications?api-version=2026-03-01-preview").status == 400  # every type


@pytest.mark.e2e
def test_arms_own_routes_refuse_an_unknown_api_version_and_a_missing_one(arm):
    resp = call(arm, "GET", "/subscriptions?api-version=2026-09-01-preview")
    assert resp.status == 400 and resp.json["error"]["code"] == "InvalidApiVersionParameter"
    assert resp.json["error"]["message"].startswith("The api-version '2026-09-01-preview' is invalid. The "
                                                    "supported versions are '2025-04-01,")
    for path in ("/subscriptions?api-version=2022-12-01", "/subscriptions/{}/locations?api-version=2022-12-01",
                 "/subscriptions/{}/resources?api-version=2024-11-01", "/tenants?api-version=2022-12-01"):
        assert call(arm, "GET", path.format(SUBSCRIPTION_ID)).status == 200, path
    resp = call(arm, "GET", REGISTRY_PATH + "?foo=bar")
    assert resp.status == 400 and resp.json["error"]["code"] == "MissingApiVersionParameter"
    policy = "/subscriptions/{}/providers/Microsoft.Authorization/acquirePolicyToken".format(SUBSCRIPTION_ID)
    assert call(arm, "POST", policy + "?api-version=2025-11-01", {"operation": {}}).status == 200
    assert call(arm, "POST", policy + "?api-version=2026-09-01-preview", {"operation": {}}).status == 400


@pytest.mark.e2e
def test_each_version_has_the_registry_properties_the_spec_gives_it(arm):
    """regionalEndpoints*, endpointProtocol: the 2026 previews only (2026-11-01: no source says; the knob adds it);
    roleAssignmentMode: from 2025-03-01-preview on and in 2025-11-01 (not 2025-04-01)."""
    call(arm, "PATCH", REGISTRY_PATH + "?api-version=2026-09-01-preview",
         {"properties": {"regionalEndpoints": "Enabled"}})
    for version, regional, role in (("2025-11-01", False, True), ("2025-12-01-preview", False, True),
                                    ("2025-03-01-preview", False, True), ("2025-04-01", False, False),
                                    ("2024-11-01-preview", False, False), ("2026-01-01-preview", True, True),
                                    ("2026-03-01-preview", True, True), ("2026-09-01-preview", True, True),
                                    ("2026-11-01", False, True)):
        properties = call(arm, "GET", REGISTRY_PATH + "?api-version=" + version).json["properties"]
        for name in ("regionalEndpoints", "regionalEndpointHostNames", "endpointProtocol"):
            assert (name in properties) is regional, (version, name)
        assert ("roleAssignmentMode" in properties) is role, version
    arm.knobs(regional_endpoint_versions=["2026-11-01"])
    assert "regionalEndpoints" in call(arm, "GET", REGISTRY_PATH + "?api-version=2026-11-01").json["properties"]
    # an older version does not know the property: a PATCH with it changes nothing
    call(arm, "PATCH", REGISTRY_PATH + "?api-version=2025-11-01", {"properties": {"regionalEndpoints": "Disabled"}})
    assert call(arm, "GET", REGISTRY_PATH).json["properties"]["regionalEndpoints"] == "Enabled"


@pytest.mark.e2e
def test_operation_urls_carry_the_api_version_of_the_request(arm):
    resp = call(arm, "PUT", REGISTRY_PATH + "/replications/eastus?api-version=2025-03-01-preview",
                {"location": "eastus"})
    assert "api-version=2025-03-01-preview" in resp.headers["azure-asyncoperation"]
    assert call(arm, "GET", resp.headers["azure-asyncoperation"]).status == 200
    operation_end(arm, resp.headers["azure-asyncoperation"])
    resp = call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus?api-version=2026-01-01-preview")
    assert "api-version=2026-01-01-preview" in resp.headers["location"]


@pytest.mark.unit
def test_the_extensions_own_api_versions_are_ones_the_service_knows():
    # what the extension sends outside its SDK: a wrong one fails here (and the e2e tests), not in Azure
    from azext_acr_replication.arm.api_versions import REGIONAL_ENDPOINT_VERSIONS
    from azext_acr_replication.arm.lookup import RESOURCES_API_VERSION
    from emulator.arm import api_versions
    for version in REGIONAL_ENDPOINT_VERSIONS:  # status reads regionalEndpointHostNames with one of them
        assert version in api_versions.REGISTRY_VERSIONS and api_versions.has_regional_endpoints(version)
    assert RESOURCES_API_VERSION in api_versions.ARM_VERSIONS


@pytest.mark.e2e
def test_az_with_a_wrong_api_version_fails_as_against_azure(az, emu):
    result = az(["rest", "--method", "get", "--url", emu.url + REGISTRY_PATH.lstrip("/") + "?api-version=2099-01-01"],
                expect=1)
    assert "NoRegisteredProviderFound" in result.stderr and "The supported api-versions are" in result.stderr
