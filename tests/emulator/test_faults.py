"""Injected faults (emu.fault, POST /_emulator/faults) on both fronts: a status the given number of times after
`skip` requests, a dropped connection, a held request, faults by data-plane host; and the knobs that make every
request slow (latency_ms) or an endpoint unreachable (down_endpoints)."""
import http.client
import ssl
import time

import pytest
import requests

from tests.helpers import REGISTRY_PATH, call, head_manifest, registry_session, registry_token

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("status", [429, 500, 503, 403])
def test_injected_status_faults_fire_the_given_number_of_times(arm, status):
    arm.fault(status=status, method="GET", path="/replications$", times=2, retry_after=1)
    for _ in range(2):
        resp = call(arm, "GET", REGISTRY_PATH + "/replications")
        assert resp.status == status and resp.json["error"]["code"]
        assert resp.headers["retry-after"] == "1"
    assert call(arm, "GET", REGISTRY_PATH + "/replications").status == 200
    assert arm.faults_left() == [0]


def test_injected_drop_closes_the_connection_without_answer(arm):
    arm.fault(status=0, method="GET", path="/replications$")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
        call(arm, "GET", REGISTRY_PATH + "/replications")
    assert call(arm, "GET", REGISTRY_PATH + "/replications").status == 200


def test_fault_skip_lets_first_requests_through(arm):
    arm.fault(status=503, method="GET", path="/replications$", skip=1)
    assert call(arm, "GET", REGISTRY_PATH + "/replications").status == 200
    assert call(arm, "GET", REGISTRY_PATH + "/replications").status == 503


def test_fault_delay_holds_a_request_then_answers(arm):
    arm.fault(status=200, method="GET", path="/registries/demopremium$", delay=0.4)
    started = time.time()
    assert call(arm, "GET", REGISTRY_PATH).status == 200
    assert time.time() - started >= 0.4


def test_latency_knob_delays_every_request(arm):
    arm.knobs(latency_ms=300)
    started = time.time()
    call(arm, "GET", REGISTRY_PATH)
    assert time.time() - started >= 0.3


def test_data_plane_faults_by_host_and_endpoint_down(arm):
    arm.replicated("demopremium", "eastus")
    arm.push("demopremium", "hello", "v1")
    http = registry_session(arm)
    arm.fault(status=403, method="POST", path="/oauth2/token", host="eastus")
    token = registry_token(arm, http, "demopremium.westus.geo.azurecr.io")  # other hosts unaffected
    with pytest.raises(AssertionError):
        registry_token(arm, http, "demopremium.eastus.geo.azurecr.io")
    arm.fault(status=429, method="HEAD", path="/manifests/", retry_after=2, host="westus")
    throttled = head_manifest(http, "demopremium.westus.geo.azurecr.io", token=token)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    arm.knobs(down_endpoints=["demopremium.eastus.geo.azurecr.io"])
    with pytest.raises(requests.exceptions.ConnectionError):  # the open tunnel is cut
        http.get("https://demopremium.eastus.geo.azurecr.io/v2/")
    with pytest.raises(requests.exceptions.ProxyError):  # a new one is refused
        registry_session(arm).get("https://demopremium.eastus.geo.azurecr.io/v2/")
