"""The emulator's registry API inside the proxy's tunnel, as ACR answers: the OAuth2 challenge, exchange and token
flow (grants per identity, refresh and access tokens with their own lifetimes, bad tokens refused), manifests by tag
and digest served only to a client whose Accept names their type (OCI, Docker, indexes and lists with their
children, artifacts, signed schema 1), registry error codes, and the digest header (knob: omitted)."""
import base64
import hashlib
import json
import time

import pytest

from azext_acr_replication.images.endpoint import jwt_claims
from emulator.state.images import DOCKER_LIST, DOCKER_MANIFEST, OCI_ARTIFACT, OCI_INDEX, OCI_MANIFEST, SCHEMA1_SIGNED
from tests.helpers import MANIFEST_TYPES, head_manifest, refresh_token, registry_session, registry_token

pytestmark = pytest.mark.e2e

GLOBAL = "demopremium.azurecr.io"
WESTUS = "demopremium.westus.geo.azurecr.io"


def test_challenge_exchange_token_and_head_like_acr(arm):
    arm.set_registry("demopremium", regional_endpoints=True)
    pushed = arm.push("demopremium", "hello", "v1")
    http = registry_session(arm)
    challenge = http.get("https://{}/v2/".format(WESTUS))
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"] == \
        'Bearer realm="https://{}/oauth2/token",service="demopremium.azurecr.io"'.format(WESTUS)
    assert head_manifest(http, WESTUS).status_code == 401
    token = registry_token(arm, http, WESTUS)
    found = head_manifest(http, WESTUS, token=token)
    assert found.status_code == 200 and found.headers["Docker-Content-Digest"] == pushed["digest"]
    assert head_manifest(http, WESTUS, "hello@" + pushed["digest"], token=token).status_code == 200
    other_repo = head_manifest(http, WESTUS, "other:v1", token=token)
    assert other_repo.status_code == 401 and 'scope="repository:other:pull"' in \
        other_repo.headers["WWW-Authenticate"]


def test_unknown_tag_and_repository_are_404_with_registry_error_codes(arm):
    arm.set_registry("demopremium", regional_endpoints=True)
    arm.push("demopremium", "hello", "v1")
    http = registry_session(arm)
    token = registry_token(arm, http, WESTUS)
    resp = http.get("https://{}/v2/hello/manifests/v2".format(WESTUS),
                    headers={"Accept": MANIFEST_TYPES, "Authorization": "Bearer " + token})
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    token = registry_token(arm, http, WESTUS, "repository:nothere:pull")
    resp = http.get("https://{}/v2/nothere/manifests/v1".format(WESTUS),
                    headers={"Accept": MANIFEST_TYPES, "Authorization": "Bearer " + token})
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "NAME_UNKNOWN"


def test_accept_without_oci_types_does_not_find_an_oci_manifest(arm):
    arm.push("demopremium", "hello", "v1")
    http = registry_session(arm)
    token = registry_token(arm, http, GLOBAL)
    resp = head_manifest(http, GLOBAL, token=token, accept="application/vnd.docker.distribution.manifest.v2+json")
    assert resp.status_code == 404


def test_exchange_rejects_a_bad_aad_token_and_token_rejects_a_bad_refresh_token(arm):
    http = registry_session(arm)
    bad = http.post("https://{}/oauth2/exchange".format(GLOBAL), data={
        "grant_type": "access_token", "service": GLOBAL, "access_token": "not.a.token"})
    assert bad.status_code == 401
    bad = http.post("https://{}/oauth2/token".format(GLOBAL), data={
        "grant_type": "refresh_token", "service": GLOBAL, "scope": "repository:x:pull",
        "refresh_token": "not.a.token"})
    assert bad.status_code == 401


def test_token_service_grants_only_what_the_identity_has_and_still_answers_200(arm):
    arm.push("demopremium", "hello", "v1")
    arm.knobs(grants={"demopremium": ["pull"], "demopremium/hello": ["metadata_read"]})
    http = registry_session(arm)
    token = registry_token(arm, http, GLOBAL)  # asserts the 200
    assert jwt_claims(token)["access"] == [{"type": "repository", "name": "hello", "actions": []}]
    refused = head_manifest(http, GLOBAL, token=token)
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    other = registry_token(arm, http, GLOBAL, "repository:other:pull")
    assert jwt_claims(other)["access"] == [{"type": "repository", "name": "other", "actions": ["pull"]}]
    arm.knobs(grants={})
    assert jwt_claims(registry_token(arm, http, GLOBAL))["access"][0]["actions"] == ["pull"]


def test_refresh_and_access_tokens_have_their_own_lifetimes(arm):
    http = registry_session(arm)

    def access(refresh):
        return http.post("https://{}/oauth2/token".format(GLOBAL), data={
            "grant_type": "refresh_token", "service": GLOBAL, "scope": "repository:hello:pull",
            "refresh_token": refresh})
    refresh = refresh_token(arm, http, GLOBAL)
    assert jwt_claims(refresh)["exp"] - jwt_claims(refresh)["iat"] == 11700
    token = access(refresh).json()["access_token"]
    assert jwt_claims(token)["exp"] - jwt_claims(token)["iat"] == 4500
    arm.knobs(acr_refresh_token_lifetime=1.5, acr_access_token_lifetime=0.5)
    refresh = refresh_token(arm, http, GLOBAL)
    refreshed = time.monotonic()
    token = access(refresh).json()["access_token"]
    granted = time.monotonic()
    arm.push("demopremium", "hello", "v1")
    assert head_manifest(http, GLOBAL, token=token).status_code == 200
    time.sleep(max(0.0, granted + 0.6 - time.monotonic()))
    assert head_manifest(http, GLOBAL, token=token).status_code == 401  # the access token expired
    assert time.monotonic() - refreshed < 1.4, "too slow to see the refresh token still valid"
    assert access(refresh).status_code == 200  # the refresh token has not yet
    time.sleep(max(0.0, refreshed + 1.6 - time.monotonic()))
    assert access(refresh).status_code == 401


def test_every_manifest_type_is_stored_and_served_only_when_accepted(arm):
    http = registry_session(arm)
    token = registry_token(arm, http, GLOBAL)
    url = "https://{}/v2/hello/manifests/".format(GLOBAL)
    for tag, media_type in (("oci", OCI_MANIFEST), ("docker", DOCKER_MANIFEST), ("index", OCI_INDEX),
                            ("list", DOCKER_LIST), ("sbom", OCI_ARTIFACT)):
        pushed = arm.push("demopremium", "hello", tag, media_type=media_type)
        got = http.get(url + tag, headers={"Accept": media_type, "Authorization": "Bearer " + token})
        assert got.status_code == 200 and got.headers["Content-Type"] == media_type
        assert got.json()["mediaType"] == media_type
        assert got.headers["Docker-Content-Digest"] == pushed["digest"] == \
            "sha256:" + hashlib.sha256(got.content).hexdigest()
        others = ", ".join(t for t in (OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_LIST, OCI_ARTIFACT)
                           if t != media_type)
        refused = http.get(url + tag, headers={"Accept": others, "Authorization": "Bearer " + token})
        assert refused.status_code == 404 and refused.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
        if media_type in (OCI_INDEX, DOCKER_LIST):
            for child in got.json()["manifests"]:  # the per-platform manifests came with it
                assert head_manifest(http, GLOBAL, "hello@" + child["digest"], token=token).status_code == 200
    refused = http.get(url + "index", headers={"Accept": OCI_MANIFEST, "Authorization": "Bearer " + token})
    assert refused.json()["errors"][0]["message"] == "OCI index found, but accept header does not support OCI indexes"


def test_a_schema_1_manifest_is_served_signed_with_the_digest_of_its_payload(arm):
    """docker/libtrust: the digest covers the payload before the signatures plus formatTail, not the bytes served;
    only to a client whose Accept names the type, as every manifest type."""
    http = registry_session(arm)
    token = registry_token(arm, http, GLOBAL, "repository:legacy:pull")
    url = "https://{}/v2/legacy/manifests/v1".format(GLOBAL)
    pushed = arm.push("demopremium", "legacy", "v1", media_type=SCHEMA1_SIGNED)
    got = http.get(url, headers={"Accept": SCHEMA1_SIGNED, "Authorization": "Bearer " + token})
    assert got.status_code == 200 and got.headers["Content-Type"] == SCHEMA1_SIGNED
    manifest = got.json()
    assert manifest["schemaVersion"] == 1 and manifest["name"] == "legacy" and manifest["tag"] == "v1"
    protected = json.loads(base64.urlsafe_b64decode(manifest["signatures"][0]["protected"] + "=="))
    payload = got.content[:protected["formatLength"]] + base64.urlsafe_b64decode(protected["formatTail"] + "==")
    assert got.headers["Docker-Content-Digest"] == pushed["digest"] == "sha256:" + hashlib.sha256(payload).hexdigest()
    assert pushed["digest"] != "sha256:" + hashlib.sha256(got.content).hexdigest()
    refused = http.get(url, headers={"Accept": OCI_MANIFEST, "Authorization": "Bearer " + token})
    assert refused.status_code == 404 and refused.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"


def test_digest_header_can_be_omitted(arm):
    arm.push("demopremium", "hello", "v1")
    arm.knobs(omit_digest_header=True)
    http = registry_session(arm)
    found = head_manifest(http, GLOBAL, token=registry_token(arm, http, GLOBAL))
    assert found.status_code == 200 and "Docker-Content-Digest" not in found.headers
