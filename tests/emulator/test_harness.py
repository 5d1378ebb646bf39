"""How tests, the demo and the benchmark drive the emulator: `python -m emulator serve` (prints the shell
environment, takes admin calls, ends on SIGTERM), running_emulator() serving on loopback over TLS only, the admin
actions over HTTP (POST /_emulator/...), the request logs (ARM's and the data plane's apart) and the harness
handle's methods that tests use instead of the emulator's internals."""
import http.client
import os
import signal
import ssl
import subprocess
import sys
import time

import pytest

from azext_acr_replication.images.endpoint import jwt_claims
from emulator.harness import admin, running_emulator
from emulator.state import CLIENT_ID
from tests.helpers import REGISTRY_AUDIENCE, REGISTRY_PATH, call, registry_path, registry_session, registry_token

pytestmark = pytest.mark.e2e

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_serve_from_the_shell_prints_env_and_takes_admin_calls(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--dir", str(tmp_path),
                             "--knob", "operation_seconds=3"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
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


def test_serves_only_loopback_over_tls(tmp_path):
    with running_emulator(workdir=str(tmp_path)) as running:
        assert running.server.server_address[0] == "127.0.0.1"
        assert running.url.startswith("https://127.0.0.1:")
        with pytest.raises(ssl.SSLError):  # not trusted without the emulator's certificate
            conn = http.client.HTTPSConnection("127.0.0.1", running.server.server_address[1],
                                               context=ssl.create_default_context(), timeout=5)
            conn.request("GET", "/metadata/endpoints")


def test_push_from_the_admin_endpoint(arm):
    pushed = admin(arm.url, arm.cert_path, "push", {"registry": "demopremium", "repository": "app", "tag": "1.0",
                                                    "digest": "sha256:" + "a" * 64})
    assert pushed["digest"] == "sha256:" + "a" * 64 and pushed["first_region"] == "westus"


def test_the_seed_is_quick_and_admin_actions_work_over_http(arm):
    arm.set_registry("demopremium", regional_endpoints=True)
    started = time.monotonic()
    assert admin(arm.url, arm.cert_path, "seed", {"registry": "demopremium", "repositories": 200, "tags": 20}) == {
        "registry": "demopremium", "pushed": 4000}
    assert time.monotonic() - started < 10
    assert admin(arm.url, arm.cert_path, "delete_tag", {"registry": "demopremium", "repository": "repo000",
                                                        "tag": "v1"})["tag"] == "v1"
    http = registry_session(arm)
    host = "demopremium.westus.geo.azurecr.io"
    answer = http.get("https://{}/acr/v1/_catalog?n=1000".format(host), headers={
        "Authorization": "Bearer " + registry_token(arm, http, host, "registry:catalog:*")})
    assert len(answer.json()["repositories"]) == 200 and "Link" not in answer.headers


def test_admin_adds_registries_and_replicas_and_sets_a_registry_over_http(arm):
    admin(arm.url, arm.cert_path, "registries", {"group": "demo-rg", "name": "otherpremium", "location": "eastus"})
    names = admin(arm.url, arm.cert_path, "replicas", {"registry": "otherpremium", "locations": ["japaneast"],
                                                       "tags": {"team": "a"}})
    assert names == {"names": ["japaneast"]}
    admin(arm.url, arm.cert_path, "registry", {"registry": "otherpremium", "regional_endpoints": True})
    base = registry_path(reg="otherpremium")
    listed = {r["name"]: r for r in call(arm, "GET", base + "/replications").json["value"]}
    assert set(listed) == {"eastus", "japaneast"} and listed["japaneast"]["tags"] == {"team": "a"}
    assert listed["japaneast"]["properties"]["provisioningState"] == "Succeeded"
    assert call(arm, "GET", base).json["properties"]["regionalEndpoints"] == "Enabled"


def test_request_log_records_method_path_status(arm):
    arm.clear_log()
    call(arm, "GET", REGISTRY_PATH)
    entry = arm.requests()[-1]
    assert entry["method"] == "GET" and entry["path"] == REGISTRY_PATH
    assert entry["status"] == 200 and entry["seconds"] >= 0


def test_data_plane_requests_are_logged_with_host(arm):
    arm.push("demopremium", "hello", "v1")
    http = registry_session(arm)
    http.get("https://demopremium.azurecr.io/v2/")
    log = arm.dataplane_requests()
    assert log[-1]["host"] == "demopremium.azurecr.io" and log[-1]["path"] == "/v2/" and log[-1]["status"] == 401
    assert arm.requests() == [e for e in arm.requests() if "host" not in e]  # ARM log stays ARM only


def test_the_handle_issues_tokens_and_lists_those_handed_out(arm):
    """emu.token() is what the identity endpoint would issue (for ARM unless another audience is given; expired when
    issued long ago); emu.issued_tokens() has every token handed out, AAD's and the registry's."""
    assert call(arm, "GET", REGISTRY_PATH, token=arm.token()).status == 200
    assert call(arm, "GET", REGISTRY_PATH, token=arm.token(now=time.time() - 7200)).status == 401
    assert jwt_claims(arm.token(REGISTRY_AUDIENCE))["aud"] == REGISTRY_AUDIENCE
    http = registry_session(arm)
    access = registry_token(arm, http, "demopremium.azurecr.io")
    assert access in arm.issued_tokens() and arm.token(client_id=CLIENT_ID) in arm.issued_tokens()


def test_the_handle_adds_and_moves_registries_and_knows_when_replicas_were_provisioned(arm):
    arm.add_registry("other-rg", "extrapremium", location="eastus")
    assert call(arm, "GET", registry_path(rg="other-rg", reg="extrapremium")).status == 200
    arm.move_registry("extrapremium", "moved-rg")
    assert call(arm, "GET", registry_path(rg="other-rg", reg="extrapremium")).status == 404
    assert call(arm, "GET", registry_path(rg="moved-rg", reg="extrapremium")).json["location"] == "eastus"
    arm.add_replicas("demopremium", "japaneast")
    assert arm.provisioned_at("demopremium", "japaneast") is not None


def test_the_handle_reads_knobs_faults_and_policy_requests(arm):
    assert arm.knobs(operation_seconds=0)["operation_seconds"] == 0 and arm.knobs()["operation_seconds"] == 0
    arm.fault(status=503, method="GET", path="/replications$", times=2)
    assert arm.faults_left() == [2]
    call(arm, "GET", REGISTRY_PATH + "/replications")
    assert arm.faults_left() == [1]
    assert arm.policy_requests() == []
    policy = "/subscriptions/{}/providers/Microsoft.Authorization/acquirePolicyToken?api-version=2025-11-01".format(
        registry_path().split("/")[2])
    assert call(arm, "POST", policy, {"operation": {"httpMethod": "PUT"}, "changeReference": "CR-1"}).status == 200
    assert [p["changeReference"] for p in arm.policy_requests()] == ["CR-1"]
