"""Unit tests of the data-plane client (images/endpoint.py) against a fake registry and a fake clock: tokens
renewed as they expire or are refused, the granted actions read from the access token, throttling, digests
without Docker-Content-Digest; and the host names of every cloud (validators, image references, regional
endpoints)."""
import base64
import hashlib
import json
import threading
from types import SimpleNamespace

import pytest

from azext_acr_replication._validators import validate_registry_name
from azext_acr_replication.images.endpoint import (RETRY_AFTER_CAP, AadToken, DataPlaneError, EndpointClient,
                                                   Endpoints, Token, _retry_policy, granted_actions, jwt_claims)
from azext_acr_replication.images.refs import parse_image
from azext_acr_replication.replicas.status import regional_endpoints

DIGEST = "sha256:" + "a" * 64


def jwt(**claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return part({"alg": "HS256"}) + "." + part(claims) + ".c2lnbmF0dXJl"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Response:
    def __init__(self, status, headers=None, body=None, content=b""):
        self.status_code, self.headers, self._body, self.content, self.reason = status, headers or {}, body, content, ""

    def json(self):
        return self._body


class Registry:
    """ACR's token flow over a fake clock: tokens carry exp; what it grants and answers can be changed."""

    def __init__(self, clock, manifests=None, pull=True, refresh_life=100, access_life=50):
        self.clock, self.manifests = clock, manifests or {"/v2/hello/manifests/v1": (DIGEST, b"{}")}
        self.pull, self.refresh_life, self.access_life = pull, refresh_life, access_life
        self.calls, self.script = [], {}  # script: path -> [responses to give first]
        self.digest_header = True

    def send_request(self, request, **_):
        path = request.url.split("azurecr.io", 1)[1]
        self.calls.append((request.method, path))
        if self.script.get(path):
            return self.script[path].pop(0)
        now = self.clock()
        if path == "/v2/":
            return Response(401, {"WWW-Authenticate": 'Bearer realm="https://myreg.azurecr.io/oauth2/token",'
                                                      'service="myreg.azurecr.io"'})
        if path == "/oauth2/exchange":
            return Response(200, body={"refresh_token": jwt(exp=now + self.refresh_life)})
        if path == "/oauth2/token":
            actions = ["pull"] if self.pull else []
            return Response(200, body={"access_token": jwt(exp=now + self.access_life, access=[
                {"type": "repository", "name": "hello", "actions": actions}])})
        token = request.headers.get("Authorization", "")[len("Bearer "):]
        if not token or jwt_claims(token).get("exp", 0) < now:
            return Response(401)
        found = self.manifests.get(path)
        if not found:
            return Response(404)
        return Response(200, {"Docker-Content-Digest": found[0]} if self.digest_header else {}, content=found[1])


def client(registry, clock, aad_calls=None):
    aad_calls = [] if aad_calls is None else aad_calls

    def acquire():
        aad_calls.append(clock())
        return "AAD-%d" % len(aad_calls), "tenant", clock() + 30
    return EndpointClient("myreg.westus.geo.azurecr.io", AadToken(acquire, clock=clock), pipeline=registry,
                          identity="ci-app", registry="myreg", clock=clock)


def test_tokens_are_renewed_as_they_expire_without_a_401():
    clock = Clock()
    registry = Registry(clock)
    aad_calls = []
    endpoint = client(registry, clock, aad_calls)
    assert endpoint.manifest_digest("hello", "v1") == DIGEST
    assert registry.calls == [("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"),
                              ("HEAD", "/v2/hello/manifests/v1")]
    clock.now += 45  # the access token (50 s) is about to expire: renewed before it is used
    registry.calls.clear()
    endpoint.manifest_digest("hello", "v1")
    assert registry.calls == [("POST", "/oauth2/token"), ("HEAD", "/v2/hello/manifests/v1")]
    clock.now += 50  # the refresh token (100 s) too, and the AAD token (30 s) long ago: all three again
    registry.calls.clear()
    endpoint.manifest_digest("hello", "v1")
    assert registry.calls == [("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"),
                              ("HEAD", "/v2/hello/manifests/v1")]
    assert len(aad_calls) == 2


def test_refused_tokens_are_renewed_once_each():
    clock = Clock()
    registry = Registry(clock)
    endpoint = client(registry, clock)
    endpoint.manifest_digest("hello", "v1")
    registry.calls.clear()
    registry.script = {"/v2/hello/manifests/v1": [Response(401)], "/oauth2/token": [Response(401)],
                       "/oauth2/exchange": [Response(401)]}
    assert endpoint.manifest_digest("hello", "v1") == DIGEST
    # HEAD refused -> new access token: refresh token refused -> exchange: AAD token refused -> new AAD token
    assert registry.calls == [("HEAD", "/v2/hello/manifests/v1"), ("POST", "/oauth2/token"),
                              ("POST", "/oauth2/exchange"), ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"),
                              ("HEAD", "/v2/hello/manifests/v1")]


def test_a_token_without_pull_is_a_denial_naming_identity_repository_registry_and_roles():
    clock = Clock()
    registry = Registry(clock, pull=False)
    with pytest.raises(DataPlaneError) as raised:
        client(registry, clock).manifest_digest("hello", "v1")
    assert raised.value.kind == "denied"
    assert str(raised.value) == ("ci-app may not pull hello in myreg: needs AcrPull, or 'Container Registry "
                                 "Repository Reader' on registries with ABAC repository permissions")
    assert ("HEAD", "/v2/hello/manifests/v1") not in registry.calls


def test_throttling_beyond_the_retries_is_handed_on_with_retry_after():
    clock = Clock()
    registry = Registry(clock)
    registry.script = {"/oauth2/exchange": [Response(429, {"Retry-After": "30"})]}
    with pytest.raises(DataPlaneError) as raised:
        client(registry, clock).manifest_digest("hello", "v1")
    assert raised.value.kind == "throttled" and raised.value.retry_after == 30
    assert "token" in str(raised.value) and "AAD" not in str(raised.value)


def test_digest_without_the_header_is_confirmed_or_computed():
    clock = Clock()
    body = b'{"schemaVersion":2}'
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    registry = Registry(clock, manifests={"/v2/hello/manifests/v1": (digest, body),
                                          "/v2/hello/manifests/" + digest: (digest, body)})
    registry.digest_header = False
    endpoint = client(registry, clock)
    assert endpoint.manifest_digest("hello", digest) == digest
    assert endpoint.manifest_digest("hello", "v1") == digest
    assert registry.calls[-2:] == [("HEAD", "/v2/hello/manifests/v1"), ("GET", "/v2/hello/manifests/v1")]


def test_granted_actions_read_either_case_and_no_claim_means_unknown():
    assert granted_actions(jwt(access=[{"Type": "repository", "Name": "app", "Actions": ["pull"]}]), "app") == {"pull"}
    assert granted_actions(jwt(access=[{"type": "repository", "name": "app", "actions": []}]), "app") == set()
    assert granted_actions(jwt(access=[{"type": "repository", "name": "other", "actions": ["*"]}]), "app") == set()
    assert granted_actions(jwt(sub="x"), "app") is None
    assert granted_actions("not-a-jwt", "app") is None and jwt_claims(None) == {} and jwt_claims("a.!!!.c") == {}


def test_token_freshness_leaves_a_margin_of_a_quarter_of_its_life_at_most_a_minute():
    assert Token(jwt(exp=1008), now=1000).renew_at == 1006
    assert Token(jwt(exp=4600), now=1000).renew_at == 4540
    assert Token("opaque", now=1000).fresh(10 ** 9)  # no expiry known: kept until refused
    assert not Token("opaque", now=1000, expires_on=1004).fresh(1003.5)


def test_the_aad_token_is_acquired_once_for_all_endpoints_and_again_when_it_expires():
    clock, calls = Clock(), []

    def acquire():
        calls.append(1)
        return "AAD", "tenant", clock() + 8
    aad = AadToken(acquire, clock=clock)
    threads = [threading.Thread(target=aad) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    clock.now += 7
    aad()
    assert len(calls) == 2
    aad(renew=True)
    assert len(calls) == 3


def test_endpoints_make_one_client_per_host():
    endpoints = Endpoints(lambda renew=False: ("AAD", "t"), identity="me", registry="myreg")
    assert endpoints.client("myreg.westus.geo.azurecr.io") is endpoints.client("myreg.westus.geo.azurecr.io")
    assert endpoints.client("myreg.westus.geo.azurecr.io") is not endpoints.client("myreg.eastus.geo.azurecr.io")


def _attempt(method, status, headers=None, history=0):
    response = SimpleNamespace(http_request=SimpleNamespace(method=method),
                               http_response=SimpleNamespace(status_code=status, headers=headers or {}))
    policy = _retry_policy(retry_total=6, retry_status=6, retry_backoff_factor=0.5, retry_backoff_max=4)
    settings = policy.configure_retries({})
    settings["history"] = [None] * history
    return policy, settings, response


def test_token_posts_are_retried_on_429_with_backoff_from_the_first_retry():
    policy, settings, response = _attempt("POST", 429)
    assert policy.is_retry(settings, response)
    assert policy.get_backoff_time(settings) == 0.5  # azure-core alone: 0, i.e. at once
    settings["history"] = [None] * 4
    assert policy.get_backoff_time(settings) == 4


def test_a_retry_after_beyond_the_cap_is_not_slept_through():
    policy, settings, response = _attempt("POST", 429, {"Retry-After": str(RETRY_AFTER_CAP + 1)})
    assert not policy.is_retry(settings, response)
    policy, settings, response = _attempt("HEAD", 429, {"Retry-After": "2"})
    assert policy.is_retry(settings, response)


# --- host names of every cloud ----------------------------------------------------------------------------------
def _cmd(suffix):
    return SimpleNamespace(cli_ctx=SimpleNamespace(cloud=SimpleNamespace(
        suffixes=SimpleNamespace(acr_login_server_endpoint=suffix))))


@pytest.mark.parametrize("value, suffix, expected", [
    ("myreg", ".azurecr.io", "myreg"),
    ("myreg.azurecr.io", ".azurecr.io", "myreg"),
    ("myreg-e6cxh7aqdzhqa5cj.azurecr.io", ".azurecr.io", "myreg"),
    ("myreg.azurecr.cn", ".azurecr.cn", "myreg"),
    ("myreg-abc123.azurecr.us", ".azurecr.us", "myreg"),
])
def test_registry_name_from_a_login_server_of_the_clouds_suffix(value, suffix, expected):
    namespace = SimpleNamespace(registry_name=value)
    validate_registry_name(_cmd(suffix), namespace)
    assert namespace.registry_name == expected


def test_a_login_server_of_any_cloud_names_the_registry():
    # issue 19 item 8: names with any cloud's login-server suffix are accepted, whatever cloud az is in
    namespace = SimpleNamespace(registry_name="myreg.azurecr.cn")
    validate_registry_name(_cmd(".azurecr.io"), namespace)
    assert namespace.registry_name == "myreg"


@pytest.mark.parametrize("text, login_server", [
    ("myreg-e6cxh7aqdzhqa5cj.azurecr.io/team/app:1", "myreg.azurecr.io"),
    ("myreg.azurecr.cn/team/app:1", "myreg.azurecr.cn"),
])
def test_image_references_with_the_registrys_own_host_name(text, login_server):
    image = parse_image(text, login_server)
    assert (image.repository, image.reference) == ("team/app", "1")


def test_image_reference_of_another_registry_is_refused():
    with pytest.raises(ValueError, match="another registry"):
        parse_image("myregother.azurecr.io/app:1", "myreg.azurecr.io")


def test_regional_endpoints_of_every_cloud_and_with_dnl_hashes():
    hosts = ["myreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io", "myreg.chinanorth3.geo.azurecr.cn",
             "MyReg.usgovvirginia.geo.azurecr.us"]
    assert regional_endpoints({"properties": {"regionalEndpointHostNames": hosts}}) == {
        "westus": "myreg-e6cxh7aqdzhqa5cj.westus.geo.azurecr.io", "chinanorth3": "myreg.chinanorth3.geo.azurecr.cn",
        "usgovvirginia": "myreg.usgovvirginia.geo.azurecr.us"}


def test_an_image_named_like_a_host_is_found_behind_the_registrys_own_host_name():
    image = parse_image("myreg.azurecr.io/docker.io/library/nginx:1.27", "myreg.azurecr.io")
    assert (image.repository, image.reference) == ("docker.io/library/nginx", "1.27")
    with pytest.raises(ValueError, match="with this registry's login server in front"):
        parse_image("docker.io/library/nginx:1.27", "myreg.azurecr.io")
