"""What az logs in with: the cloud metadata (no token needed; every endpoint the emulator itself), the token
endpoint (client credentials; a wrong secret refused as Entra ID refuses it; token_lifetime), and ARM refusing a
missing, malformed or expired token with ARM's 401 body."""
import time

import pytest

from emulator.state import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from tests.helpers import REGISTRY_PATH, call

pytestmark = pytest.mark.e2e


def test_metadata_needs_no_token_and_points_at_itself(arm):
    resp = call(arm, "GET", "/metadata/endpoints?api-version=2022-09-01", token=None)
    assert resp.status == 200
    assert resp.json["resourceManager"].startswith("https://127.0.0.1:")
    assert resp.json["authentication"]["loginEndpoint"].startswith("https://127.0.0.1:")


def test_arm_without_valid_token_is_401_with_arm_error_body(arm):
    for token in (None, "not.a.jwt", arm.token(now=time.time() - 7200)):
        resp = call(arm, "GET", REGISTRY_PATH, token=token)
        assert resp.status == 401
        assert resp.json["error"]["code"] == "InvalidAuthenticationToken"


def test_token_lifetime_knob_expires_tokens(arm):
    arm.knobs(token_lifetime=1)
    form = "grant_type=client_credentials&client_id={}&client_secret={}&scope={}.default".format(
        CLIENT_ID, CLIENT_SECRET, arm.url)
    resp = call(arm, "POST", "/{}/oauth2/v2.0/token".format(TENANT_ID) + "?x=1", token=None,
                headers={"Content-Type": "application/x-www-form-urlencoded"}, raw_body=form.encode())
    issued = time.monotonic()
    token = resp.json["access_token"]
    assert resp.json["expires_in"] == 1
    assert call(arm, "GET", REGISTRY_PATH, token=token).status == 200
    time.sleep(max(0.0, issued + 1.2 - time.monotonic()))
    assert call(arm, "GET", REGISTRY_PATH, token=token).status == 401


def test_token_endpoint_rejects_wrong_secret(arm):
    form = "grant_type=client_credentials&client_id={}&client_secret=wrong&scope=x".format(CLIENT_ID)
    resp = call(arm, "POST", "/{}/oauth2/v2.0/token?x=1".format(TENANT_ID), token=None, raw_body=form.encode())
    assert resp.status == 401 and resp.json["error"] == "invalid_client"
