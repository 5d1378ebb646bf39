"""The emulator's registry data plane: regional endpoints in the registry resource, the proxy that
serves *.azurecr.io (and refuses everything else), the OAuth2 challenge flow, manifests, pushes that
spread with a lag, and data-plane faults."""
import json
import time

import pytest
import requests

from emulator.harness import admin
from emulator.state import CLIENT_ID
from tests.armclient import call, registry_path

ACCEPT = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.docker.distribution.manifest.v2+json"])


@pytest.fixture
def arm(emu):
    emu.reset()
    return emu


def session(emu):
    http = requests.Session()
    http.trust_env = False
    http.proxies = {"https": emu.proxy_url}
    http.verify = emu.cert_path
    return http


def enable_regional_endpoints(emu, reg="demopremium"):
    resp = call(emu, "PATCH", registry_path(reg=reg), {"properties": {"regionalEndpoints": "Enabled"}})
    assert resp.status == 200
    return resp.json


def replicate(emu, *regions):
    emu.knobs(operation_seconds=0)
    for region in regions:
        call(emu, "PUT", registry_path() + "/replications/" + region, {"location": region})
    call(emu, "GET", registry_path())  # time moves on a request: the creates finish


def access_token(emu, http, host, repository="hello"):
    aad = emu.emulator.tokens.issue("https://containerregistry.azure.net", CLIENT_ID)
    refresh = http.post("https://{}/oauth2/exchange".format(host), data={
        "grant_type": "access_token", "service": "demopremium.azurecr.io", "tenant": "t", "access_token": aad})
    assert refresh.status_code == 200
    token = http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": "demopremium.azurecr.io",
        "scope": "repository:{}:pull".format(repository), "refresh_token": refresh.json()["refresh_token"]})
    assert token.status_code == 200
    return token.json()["access_token"]


def head(emu, http, host, ref="hello:v1", token=None):
    repository, _, reference = ref.partition(":")
    headers = {"Accept": ACCEPT}
    if token:
        headers["Authorization"] = "Bearer " + token
    return http.head("https://{}/v2/{}/manifests/{}".format(host, repository, reference), headers=headers)


def test_regional_endpoints_in_the_registry_resource_follow_replicas(arm):
    body = call(arm, "GET", registry_path()).json["properties"]
    assert body["regionalEndpoints"] == "Disabled" and body["regionalEndpointHostNames"] == []
    assert enable_regional_endpoints(arm)["properties"]["regionalEndpointHostNames"] == \
        ["demopremium.westus.geo.azurecr.io"]
    replicate(arm, "eastus")
    hosts = call(arm, "GET", registry_path()).json["properties"]["regionalEndpointHostNames"]
    assert hosts == ["demopremium.westus.geo.azurecr.io", "demopremium.eastus.geo.azurecr.io"]
    call(arm, "DELETE", registry_path() + "/replications/eastus")
    time.sleep(1.1)
    hosts = call(arm, "GET", registry_path()).json["properties"]["regionalEndpointHostNames"]
    assert hosts == ["demopremium.westus.geo.azurecr.io"]


def test_challenge_exchange_token_and_head_like_acr(arm):
    enable_regional_endpoints(arm)
    pushed = arm.push("demopremium", "hello", "v1")
    http = session(arm)
    host = "demopremium.westus.geo.azurecr.io"
    challenge = http.get("https://{}/v2/".format(host))
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"] == \
        'Bearer realm="https://{}/oauth2/token",service="demopremium.azurecr.io"'.format(host)
    assert head(arm, http, host).status_code == 401
    token = access_token(arm, http, host)
    found = head(arm, http, host, token=token)
    assert found.status_code == 200 and found.headers["Docker-Content-Digest"] == pushed["digest"]
    by_digest = http.head("https://{}/v2/hello/manifests/{}".format(host, pushed["digest"]),
                          headers={"Accept": ACCEPT, "Authorization": "Bearer " + token})
    assert by_digest.status_code == 200
    other_repo = head(arm, http, host, "other:v1", token=token)
    assert other_repo.status_code == 401 and 'scope="repository:other:pull"' in \
        other_repo.headers["WWW-Authenticate"]


def test_unknown_tag_and_repository_are_404_with_registry_error_codes(arm):
    enable_regional_endpoints(arm)
    arm.push("demopremium", "hello", "v1")
    http = session(arm)
    host = "demopremium.westus.geo.azurecr.io"
    token = access_token(arm, http, host)
    resp = http.get("https://{}/v2/hello/manifests/v2".format(host),
                    headers={"Accept": ACCEPT, "Authorization": "Bearer " + token})
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    token = access_token(arm, http, host, "nothere")
    resp = http.get("https://{}/v2/nothere/manifests/v1".format(host),
                    headers={"Accept": ACCEPT, "Authorization": "Bearer " + token})
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "NAME_UNKNOWN"


def test_push_spreads_with_a_lag_and_a_repush_can_disagree_for_a_while(arm):
    replicate(arm, "eastus", "japaneast")
    enable_regional_endpoints(arm)
    http = session(arm)
    hosts = {r: "demopremium.{}.geo.azurecr.io".format(r) for r in ("westus", "eastus", "japaneast")}
    tokens = {r: access_token(arm, http, h) for r, h in hosts.items()}  # before the push: its lag is what counts
    pushed = time.monotonic()
    first = arm.push("demopremium", "hello", "v1", lag_seconds={"eastus": 0, "japaneast": 4})
    assert head(arm, http, hosts["westus"], token=tokens["westus"]).status_code == 200
    assert head(arm, http, hosts["eastus"], token=tokens["eastus"]).status_code == 200
    assert head(arm, http, hosts["japaneast"], token=tokens["japaneast"]).status_code == 404
    while head(arm, http, hosts["japaneast"], token=tokens["japaneast"]).status_code == 404:
        assert time.monotonic() - pushed < 20
        time.sleep(0.2)
    assert time.monotonic() - pushed >= 3.9  # not before its lag
    second = arm.push("demopremium", "hello", "v1", lag_seconds={"eastus": 0, "japaneast": 30})
    digests = {r: head(arm, http, h, token=tokens[r]).headers["Docker-Content-Digest"] for r, h in hosts.items()}
    assert digests == {"westus": second["digest"], "eastus": second["digest"], "japaneast": first["digest"]}


def test_replica_created_later_gets_the_images_after_its_lag(arm):
    enable_regional_endpoints(arm)
    arm.push("demopremium", "hello", "v1")
    arm.knobs(replication_lag_seconds=0.4)
    replicate(arm, "uksouth")
    http = session(arm)
    host = "demopremium.uksouth.geo.azurecr.io"
    token = access_token(arm, http, host)
    assert head(arm, http, host, token=token).status_code == 404
    time.sleep(0.5)
    assert head(arm, http, host, token=token).status_code == 200


def test_global_endpoint_serves_and_disabled_regional_endpoints_do_not_resolve(arm):
    arm.push("demopremium", "hello", "v1")
    http = session(arm)
    token = access_token(arm, http, "demopremium.azurecr.io")
    assert head(arm, http, "demopremium.azurecr.io", token=token).status_code == 200
    with pytest.raises(requests.exceptions.ProxyError):
        http.get("https://demopremium.westus.geo.azurecr.io/v2/")  # regional endpoints are disabled


def test_push_from_the_admin_endpoint(arm):
    pushed = admin(arm.url, arm.cert_path, "push", {"registry": "demopremium", "repository": "app", "tag": "1.0",
                                                    "digest": "sha256:" + "a" * 64})
    assert pushed["digest"] == "sha256:" + "a" * 64 and pushed["first_region"] == "westus"


def test_accept_without_oci_types_does_not_find_an_oci_manifest(arm):
    arm.push("demopremium", "hello", "v1")
    http = session(arm)
    token = access_token(arm, http, "demopremium.azurecr.io")
    resp = http.head("https://demopremium.azurecr.io/v2/hello/manifests/v1",
                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json",
                              "Authorization": "Bearer " + token})
    assert resp.status_code == 404


def test_exchange_rejects_a_bad_aad_token_and_token_rejects_a_bad_refresh_token(arm):
    http = session(arm)
    bad = http.post("https://demopremium.azurecr.io/oauth2/exchange", data={
        "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": "not.a.token"})
    assert bad.status_code == 401
    bad = http.post("https://demopremium.azurecr.io/oauth2/token", data={
        "grant_type": "refresh_token", "service": "demopremium.azurecr.io", "scope": "repository:x:pull",
        "refresh_token": "not.a.token"})
    assert bad.status_code == 401


def test_data_plane_faults_by_host_and_endpoint_down(arm):
    replicate(arm, "eastus")
    enable_regional_endpoints(arm)
    arm.push("demopremium", "hello", "v1")
    http = session(arm)
    arm.fault(status=403, method="POST", path="/oauth2/token", host="eastus")
    token = access_token(arm, http, "demopremium.westus.geo.azurecr.io")  # other hosts unaffected
    with pytest.raises(AssertionError):
        access_token(arm, http, "demopremium.eastus.geo.azurecr.io")
    arm.fault(status=429, method="HEAD", path="/manifests/", retry_after=2, host="westus")
    throttled = head(arm, http, "demopremium.westus.geo.azurecr.io", token=token)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    arm.knobs(down_endpoints=["demopremium.eastus.geo.azurecr.io"])
    with pytest.raises(requests.exceptions.ConnectionError):  # the open tunnel is cut
        http.get("https://demopremium.eastus.geo.azurecr.io/v2/")
    with pytest.raises(requests.exceptions.ProxyError):  # a new one is refused
        session(arm).get("https://demopremium.eastus.geo.azurecr.io/v2/")


def test_proxy_refuses_and_records_other_hosts(arm):
    http = session(arm)
    with pytest.raises(requests.exceptions.ProxyError):
        http.get("https://example.com/")
    assert arm.leaks() == ["CONNECT example.com:443"]
    arm.emulator.leak_log.clear()  # expected here; anywhere else a leak fails the session


def test_data_plane_requests_are_logged_with_host(arm):
    arm.push("demopremium", "hello", "v1")
    http = session(arm)
    http.get("https://demopremium.azurecr.io/v2/")
    log = arm.dataplane_requests()
    assert log[-1]["host"] == "demopremium.azurecr.io" and log[-1]["path"] == "/v2/" and log[-1]["status"] == 401
    assert arm.requests() == [e for e in arm.requests() if "host" not in e]  # ARM log stays ARM only


# --- as strict as the service (issue 19) ----------------------------------------------------------------------
def claims(token):
    from azext_acr_replication.images.endpoint import jwt_claims
    return jwt_claims(token)


def test_token_service_grants_only_what_the_identity_has_and_still_answers_200(arm):
    arm.push("demopremium", "hello", "v1")
    arm.knobs(grants={"demopremium": ["pull"], "demopremium/hello": ["metadata_read"]})
    http = session(arm)
    token = access_token(arm, http, "demopremium.azurecr.io")  # asserts the 200
    assert claims(token)["access"] == [{"type": "repository", "name": "hello", "actions": []}]
    refused = head(arm, http, "demopremium.azurecr.io", token=token)
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    other = access_token(arm, http, "demopremium.azurecr.io", repository="other")
    assert claims(other)["access"] == [{"type": "repository", "name": "other", "actions": ["pull"]}]
    arm.knobs(grants={})
    assert claims(access_token(arm, http, "demopremium.azurecr.io"))["access"][0]["actions"] == ["pull"]


def test_refresh_and_access_tokens_have_their_own_lifetimes(arm):
    http = session(arm)
    host = "demopremium.azurecr.io"
    aad = arm.emulator.tokens.issue("https://containerregistry.azure.net", CLIENT_ID)
    refresh = http.post("https://{}/oauth2/exchange".format(host), data={
        "grant_type": "access_token", "service": host, "access_token": aad}).json()["refresh_token"]
    access = access_token(arm, http, host)
    assert claims(refresh)["exp"] - claims(refresh)["iat"] == 11700
    assert claims(access)["exp"] - claims(access)["iat"] == 4500
    arm.knobs(acr_refresh_token_lifetime=1, acr_access_token_lifetime=0.5)
    refresh = http.post("https://{}/oauth2/exchange".format(host), data={
        "grant_type": "access_token", "service": host, "access_token": aad}).json()["refresh_token"]
    token = http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": host, "scope": "repository:hello:pull", "refresh_token": refresh})
    arm.push("demopremium", "hello", "v1")
    access = token.json()["access_token"]
    assert head(arm, http, host, token=access).status_code == 200
    time.sleep(0.6)
    assert head(arm, http, host, token=access).status_code == 401  # the access token expired
    assert http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": host, "scope": "repository:hello:pull",
        "refresh_token": refresh}).status_code == 200  # the refresh token has not yet
    time.sleep(0.5)
    assert http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": host, "scope": "repository:hello:pull",
        "refresh_token": refresh}).status_code == 401


@pytest.mark.parametrize("retry_after", [None, 3])
def test_token_requests_beyond_the_rate_are_throttled(arm, retry_after):
    arm.knobs(token_requests_per_second=0.5, token_burst=2, token_retry_after=retry_after)
    http = session(arm)
    aad = arm.emulator.tokens.issue("https://containerregistry.azure.net", CLIENT_ID)
    answers = [http.post("https://demopremium.azurecr.io/oauth2/exchange", data={
        "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": aad}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["errors"][0]["code"] == "TOOMANYREQUESTS"
    assert answers[2].headers.get("Retry-After") == (None if retry_after is None else "3")
    time.sleep(2.1)  # one more request's worth refilled
    assert http.post("https://demopremium.azurecr.io/oauth2/exchange", data={
        "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": aad}).status_code == 200


def test_every_manifest_type_is_stored_and_served_only_when_accepted(arm):
    from emulator.state.images import DOCKER_LIST, DOCKER_MANIFEST, OCI_ARTIFACT, OCI_INDEX, OCI_MANIFEST
    import hashlib
    http = session(arm)
    token = access_token(arm, http, "demopremium.azurecr.io")
    url = "https://demopremium.azurecr.io/v2/hello/manifests/"
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
                assert http.head(url + child["digest"], headers={
                    "Accept": ACCEPT, "Authorization": "Bearer " + token}).status_code == 200
    refused = http.get(url + "index", headers={"Accept": OCI_MANIFEST, "Authorization": "Bearer " + token})
    assert refused.json()["errors"][0]["message"] == "OCI index found, but accept header does not support OCI indexes"


def test_a_schema_1_manifest_is_served_signed_with_the_digest_of_its_payload(arm):
    """docker/libtrust: the digest covers the payload before the signatures plus formatTail, not the bytes served;
    only to a client whose Accept names the type, as every manifest type."""
    import base64
    import hashlib
    from emulator.state.images import OCI_MANIFEST, SCHEMA1_SIGNED
    http = session(arm)
    token = access_token(arm, http, "demopremium.azurecr.io", repository="legacy")
    url = "https://demopremium.azurecr.io/v2/legacy/manifests/v1"
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
    http = session(arm)
    found = head(arm, http, "demopremium.azurecr.io", token=access_token(arm, http, "demopremium.azurecr.io"))
    assert found.status_code == 200 and "Docker-Content-Digest" not in found.headers


def test_domain_name_label_hash_and_sovereign_suffix_host_names(arm):
    arm.emulator.state.add_registry("demo-rg", "dnlreg", "Premium", "westus", dnl_hash="e6cxh7aqdzhqa5cj")
    enable_regional_endpoints(arm, "dnlreg")
    body = call(arm, "GET", registry_path(reg="dnlreg")).json["properties"]
    assert body["loginServer"] == "dnlreg-e6cxh7aqdzhqa5cj.azurecr.io"
    assert body["regionalEndpointHostNames"] == ["dnlreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io"]
    http = session(arm)
    challenge = http.get("https://dnlreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io/v2/")
    assert 'service="dnlreg-e6cxh7aqdzhqa5cj.azurecr.io"' in challenge.headers["WWW-Authenticate"]
    with pytest.raises(requests.exceptions.ProxyError):  # the name without the hash does not resolve
        session(arm).get("https://dnlreg.westus.geo.azurecr.io/v2/")
    arm.knobs(acr_login_server_suffix="azurecr.cn")
    assert call(arm, "GET", "/metadata/endpoints?api-version=2022-09-01").json["suffixes"]["acrLoginServer"] == \
        "azurecr.cn"
    assert call(arm, "GET", registry_path()).json["properties"]["loginServer"] == "demopremium.azurecr.cn"
    assert http.get("https://demopremium.azurecr.cn/v2/").status_code == 401
    with pytest.raises(requests.exceptions.ProxyError):  # another cloud's names do not resolve
        session(arm).get("https://demopremium.azurecr.io/v2/")
    assert arm.leaks() == []  # registry names of any cloud are not leaks


def test_tls_inspection_presents_a_certificate_of_a_foreign_ca(arm):
    arm.knobs(tls_inspection=True)
    with pytest.raises(requests.exceptions.SSLError):
        session(arm).get("https://demopremium.azurecr.io/v2/")
    http = session(arm)
    http.verify = arm.foreign_ca_path
    assert http.get("https://demopremium.azurecr.io/v2/").status_code == 401
