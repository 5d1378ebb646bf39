"""The emulator's ARM front as ARM-FACTS.md describes Azure's: the replication routes, their long-running-operation
answers (201 + Azure-AsyncOperation for PUT and PATCH, 202 + Location for DELETE), ARM's error bodies, paging with
nextLink, the subscription's resources and locations, and the registry resource's regional endpoints."""
import time

import pytest

from emulator.state import SUBSCRIPTION_ID
from tests.helpers import REGISTRY_PATH, call, lro_end, operation_end, put_replica, registry_path

pytestmark = pytest.mark.e2e

RESOURCES = "/subscriptions/{}/resources?$filter=resourceType%20eq%20%27Microsoft.ContainerRegistry%2Fregistries%27" \
            "&api-version=2024-11-01".format(SUBSCRIPTION_ID)


def test_list_is_empty_until_first_geo_replica_then_includes_home(arm):
    assert call(arm, "GET", REGISTRY_PATH + "/replications").json == {"value": []}
    assert put_replica(arm, "japaneast", "japaneast").status == 201
    names = {r["name"]: r for r in call(arm, "GET", REGISTRY_PATH + "/replications").json["value"]}
    assert set(names) == {"japaneast", "westus"}
    assert names["westus"]["systemData"]["createdByType"] == "Application"


def test_put_is_201_with_async_operation_creating_then_succeeded(arm):
    arm.knobs(operation_seconds=0.3)
    resp = put_replica(arm, "japaneast", "japaneast")
    assert resp.status == 201
    assert resp.json["properties"]["provisioningState"] == "Creating"
    assert "retry-after" not in resp.headers
    url = resp.headers["azure-asyncoperation"]
    assert "/replications/japaneast/operationStatuses/replications-" in url
    assert call(arm, "GET", url).json == {"status": "Creating"}
    assert operation_end(arm, url) == "Succeeded"
    body = call(arm, "GET", REGISTRY_PATH + "/replications/japaneast").json
    assert body["properties"]["provisioningState"] == "Succeeded"
    assert body["properties"]["status"]["displayStatus"] == "Ready"
    assert put_replica(arm, "japaneast", "japaneast").status in (200, 201)  # create-or-update does not fail


def test_quick_writes_are_still_lros_unless_synchronous_is_asked(arm):
    arm.knobs(operation_seconds=0)
    resp = put_replica(arm, "eastus", "eastus")
    assert resp.status == 201 and resp.json["properties"]["provisioningState"] == "Creating"
    assert call(arm, "GET", resp.headers["azure-asyncoperation"]).json == {"status": "Succeeded"}
    patched = call(arm, "PATCH", REGISTRY_PATH + "/replications/eastus", {"tags": {"a": "b"}})
    assert patched.status == 201 and "azure-asyncoperation" in patched.headers
    assert call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus").status == 202
    arm.knobs(synchronous_writes=True)
    resp = put_replica(arm, "japaneast", "japaneast")
    assert resp.status == 200 and resp.json["properties"]["provisioningState"] == "Succeeded"
    assert "azure-asyncoperation" not in resp.headers


def test_delete_is_202_with_location_polls_then_200(arm):
    arm.add_replicas("demopremium", "eastus")
    arm.knobs(operation_seconds=0.3)
    resp = call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus")
    assert resp.status == 202 and resp.raw == b""
    location = resp.headers["location"]
    assert "/providers/Microsoft.ContainerRegistry/locations/eastus/operationResults/replications-" in location
    poll = call(arm, "GET", location)
    assert poll.status == 202 and poll.headers["location"]
    time.sleep(0.35)
    assert call(arm, "GET", location).status == 200
    assert call(arm, "GET", REGISTRY_PATH + "/replications/eastus").status == 404
    assert call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus").status == 204


def test_patch_changes_only_tags_and_routing(arm):
    arm.add_replicas("demopremium", "eastus")
    arm.knobs(operation_seconds=0.2)
    resp = call(arm, "PATCH", REGISTRY_PATH + "/replications/eastus",
                {"tags": {"a": "b"}, "properties": {"regionEndpointEnabled": False}})
    assert resp.status == 201 and resp.json["properties"]["provisioningState"] == "Updating"
    assert lro_end(arm, resp) == "Succeeded"
    body = call(arm, "GET", REGISTRY_PATH + "/replications/eastus").json
    assert body["tags"] == {"a": "b"} and body["properties"]["regionEndpointEnabled"] is False


def test_errors_have_arm_bodies(arm):
    assert call(arm, "GET", REGISTRY_PATH + "/replications/nothere").json["error"]["code"] == "ResourceNotFound"
    missing = call(arm, "GET", registry_path(reg="nosuchreg") + "/replications")
    assert missing.status == 404 and missing.json["error"]["code"] == "ParentResourceNotFound"
    assert call(arm, "GET", registry_path(rg="nosuch-rg")).json["error"]["code"] == "ResourceGroupNotFound"
    bad = put_replica(arm, "atlantis", "atlantis")
    assert bad.status == 400 and bad.json["error"]["code"] == "LocationNotAvailableForResourceType"
    arm.knobs(operation_seconds=5)
    put_replica(arm, "eastus", "eastus")
    assert put_replica(arm, "eastus", "eastus").status == 409


def test_list_pages_with_next_link(arm):
    arm.add_replicas("demopremium", "eastus", "japaneast", "westeurope")
    arm.knobs(page_size=2)
    first = call(arm, "GET", REGISTRY_PATH + "/replications").json
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
    first = call(arm, "GET", RESOURCES).json
    assert len(first["value"]) == 1000 and "nextLink" in first
    assert first["value"][0]["sku"]["name"] and first["value"][0]["location"]


def test_locations_are_realistic(arm):
    names = [r["name"] for r in call(arm, "GET", "/subscriptions/{}/locations".format(SUBSCRIPTION_ID)).json["value"]]
    assert {"japaneast", "eastus", "westeurope"} <= set(names)


def test_home_replica_name_can_differ_from_the_region(arm):
    arm.add_registry("demo-rg", "customhome", location="westus", home_replica_name="primary")
    base = registry_path(reg="customhome")
    call(arm, "PUT", base + "/replications/eastus", {"location": "eastus"})
    listed = {r["name"]: r["location"] for r in call(arm, "GET", base + "/replications").json["value"]}
    assert listed == {"primary": "westus", "eastus": "eastus"}


def test_list_lag_shows_an_older_view_while_get_is_current(arm):
    arm.knobs(operation_seconds=0, list_lag_seconds=0.6)
    lro_end(arm, put_replica(arm, "eastus", "eastus"))
    created = time.monotonic()
    assert call(arm, "GET", REGISTRY_PATH + "/replications").json["value"] == []  # not listed yet
    assert call(arm, "GET", REGISTRY_PATH + "/replications/eastus").status == 200
    time.sleep(max(0.0, created + 0.7 - time.monotonic()))
    assert {r["name"] for r in call(arm, "GET", REGISTRY_PATH + "/replications").json["value"]} == {"eastus", "westus"}
    call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus")
    call(arm, "GET", REGISTRY_PATH)  # time moves on a request
    assert call(arm, "GET", REGISTRY_PATH + "/replications/eastus").status == 404
    assert "eastus" in {r["name"] for r in call(arm, "GET", REGISTRY_PATH + "/replications").json["value"]}


def test_resources_query_lags_behind_a_sku_change(arm):
    arm.knobs(resources_lag_seconds=30)
    standard = registry_path(reg="demostandard")
    resp = call(arm, "PATCH", standard, {"sku": {"name": "Premium"}})
    assert resp.status == 200 and resp.json["sku"]["name"] == "Premium"
    assert call(arm, "GET", standard).json["sku"]["name"] == "Premium"
    listed = {r["name"]: r["sku"]["name"] for r in call(arm, "GET", RESOURCES).json["value"]}
    assert listed["demostandard"] == "Standard"
