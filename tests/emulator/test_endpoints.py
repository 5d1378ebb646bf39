"""A registry's host names, in its ARM resource and on the proxy: regional endpoints that follow the replicas (and
do not resolve while disabled), the global endpoint, a domain name label hash, and another cloud's suffix (the knob
acr_login_server_suffix, in /metadata/endpoints too)."""
import pytest
import requests

from tests.helpers import REGISTRY_PATH, call, head_manifest, registry_path, registry_session, registry_token

pytestmark = pytest.mark.e2e


def test_regional_endpoints_in_the_registry_resource_follow_replicas(arm):
    body = call(arm, "GET", REGISTRY_PATH).json["properties"]
    assert body["regionalEndpoints"] == "Disabled" and body["regionalEndpointHostNames"] == []
    enabled = call(arm, "PATCH", REGISTRY_PATH, {"properties": {"regionalEndpoints": "Enabled"}})
    assert enabled.status == 200
    assert enabled.json["properties"]["regionalEndpointHostNames"] == ["demopremium.westus.geo.azurecr.io"]
    arm.add_replicas("demopremium", "eastus")
    hosts = call(arm, "GET", REGISTRY_PATH).json["properties"]["regionalEndpointHostNames"]
    assert hosts == ["demopremium.westus.geo.azurecr.io", "demopremium.eastus.geo.azurecr.io"]
    arm.knobs(operation_seconds=0)
    call(arm, "DELETE", REGISTRY_PATH + "/replications/eastus")
    call(arm, "GET", REGISTRY_PATH)  # time moves on a request: the delete ends
    hosts = call(arm, "GET", REGISTRY_PATH).json["properties"]["regionalEndpointHostNames"]
    assert hosts == ["demopremium.westus.geo.azurecr.io"]


def test_global_endpoint_serves_and_disabled_regional_endpoints_do_not_resolve(arm):
    arm.push("demopremium", "hello", "v1")
    http = registry_session(arm)
    token = registry_token(arm, http, "demopremium.azurecr.io")
    assert head_manifest(http, "demopremium.azurecr.io", token=token).status_code == 200
    with pytest.raises(requests.exceptions.ProxyError):
        http.get("https://demopremium.westus.geo.azurecr.io/v2/")  # regional endpoints are disabled


def test_domain_name_label_hash_and_sovereign_suffix_host_names(arm):
    arm.add_registry("demo-rg", "dnlreg", "Premium", "westus", dnl_hash="e6cxh7aqdzhqa5cj")
    arm.set_registry("dnlreg", regional_endpoints=True)
    body = call(arm, "GET", registry_path(reg="dnlreg")).json["properties"]
    assert body["loginServer"] == "dnlreg-e6cxh7aqdzhqa5cj.azurecr.io"
    assert body["regionalEndpointHostNames"] == ["dnlreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io"]
    http = registry_session(arm)
    challenge = http.get("https://dnlreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io/v2/")
    assert 'service="dnlreg-e6cxh7aqdzhqa5cj.azurecr.io"' in challenge.headers["WWW-Authenticate"]
    with pytest.raises(requests.exceptions.ProxyError):  # the name without the hash does not resolve
        registry_session(arm).get("https://dnlreg.westus.geo.azurecr.io/v2/")
    arm.knobs(acr_login_server_suffix="azurecr.cn")
    assert call(arm, "GET", "/metadata/endpoints?api-version=2022-09-01").json["suffixes"]["acrLoginServer"] == \
        "azurecr.cn"
    assert call(arm, "GET", REGISTRY_PATH).json["properties"]["loginServer"] == "demopremium.azurecr.cn"
    assert http.get("https://demopremium.azurecr.cn/v2/").status_code == 401
    with pytest.raises(requests.exceptions.ProxyError):  # another cloud's names do not resolve
        registry_session(arm).get("https://demopremium.azurecr.io/v2/")
    assert arm.leaks() == []  # registry names of any cloud are not leaks
