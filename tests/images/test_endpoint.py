"""images/endpoint.py against a fake registry (tests.helpers.FakeAcr) on a fake clock: the token flow (a challenge,
one exchange, one token, then a request per image), tokens renewed as they expire or are refused, the actions an
access token grants, throttling, digests without Docker-Content-Digest; the listings (Link paging on one host), one
token request for many scopes (and one per request for a service that grants one), and refusals that name the role
the identity needs per the registry's roleAssignmentMode."""
import hashlib
import threading
from types import SimpleNamespace

import pytest

from azext_acr_replication.images.endpoint import (CATALOG_SCOPE, RETRY_AFTER_CAP, SCOPES_PER_TOKEN, AadToken,
                                                   DataPlaneError, EndpointClient, Endpoints, Token, _retry_policy,
                                                   covers, granted_actions, jwt_claims, parse_challenge,
                                                   repository_scope)
from tests.helpers import DIGEST, OTHER_DIGEST, FakeAcr, FakeClock, FakeResponse, endpoint_client, jwt

pytestmark = pytest.mark.unit

HOST = "myreg.westus.geo.azurecr.io"
HELLO = "/v2/hello/manifests/v1"


def expiring(clock, manifests=None, pull=True):
    """A registry on clock whose refresh tokens live 100 s and access tokens 50 s; pull=False: no pull granted."""
    return FakeAcr(manifests or {HELLO: (DIGEST, b"{}")}, clock=clock, refresh_life=100, access_life=50,
                   granted=None if pull else set())


def listing_calls(acr):
    return [(host, path, query) for method, host, path, query in acr.sent if path.startswith("/acr/")]


# --- the token flow ------------------------------------------------------------------------------------------------
def plain_endpoint(manifests):
    """An EndpointClient whose AAD token is a plain callable (as the command's is), counting its calls."""
    fake = FakeAcr(manifests)
    aad_calls = []

    def aad(renew=False):
        aad_calls.append(1)
        return "AAD", "tenant"
    return EndpointClient(HOST, aad, pipeline=fake, clock=fake.clock), fake, aad_calls


def test_challenge_exchange_token_once_then_one_head_per_image():
    client, fake, aad_calls = plain_endpoint({HELLO: DIGEST, "/v2/hello/manifests/v2": OTHER_DIGEST})
    assert client.manifest_digest("hello", "v1") == DIGEST
    assert client.manifest_digest("hello", "v2") == OTHER_DIGEST
    assert client.manifest_digest("hello", "v3") is None
    assert fake.calls == [("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"),
                          ("HEAD", "/v2/hello/manifests/v1"), ("HEAD", "/v2/hello/manifests/v2"),
                          ("HEAD", "/v2/hello/manifests/v3")]
    assert aad_calls == [1]


def test_an_expired_access_token_is_renewed_once():
    client, fake, _ = plain_endpoint({HELLO: DIGEST})
    client.manifest_digest("hello", "v1")
    fake.script = {HELLO: [FakeResponse(401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})]}
    assert client.manifest_digest("hello", "v1") == DIGEST
    assert fake.calls[-3:] == [("HEAD", HELLO), ("POST", "/oauth2/token"), ("HEAD", HELLO)]


def test_parse_challenge():
    assert parse_challenge('Bearer realm="https://r/oauth2/token",service="s",scope="repository:a:pull"') == {
        "realm": "https://r/oauth2/token", "service": "s", "scope": "repository:a:pull"}
    assert parse_challenge("Basic realm=x") == {} and parse_challenge(None) == {}


def test_tokens_are_renewed_as_they_expire_without_a_401():
    clock = FakeClock(1000)
    registry = expiring(clock)
    aad_calls = []
    endpoint = endpoint_client(registry, aad_calls=aad_calls)
    assert endpoint.manifest_digest("hello", "v1") == DIGEST
    assert registry.calls == [("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"),
                              ("HEAD", HELLO)]
    clock.now += 45  # the access token (50 s) is about to expire: renewed before it is used
    registry.calls.clear()
    endpoint.manifest_digest("hello", "v1")
    assert registry.calls == [("POST", "/oauth2/token"), ("HEAD", HELLO)]
    clock.now += 50  # the refresh token (100 s) too, and the AAD token (30 s) long ago: all three again
    registry.calls.clear()
    endpoint.manifest_digest("hello", "v1")
    assert registry.calls == [("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"), ("HEAD", HELLO)]
    assert len(aad_calls) == 2


def test_refused_tokens_are_renewed_once_each():
    registry = expiring(FakeClock(1000))
    endpoint = endpoint_client(registry)
    endpoint.manifest_digest("hello", "v1")
    registry.calls.clear()
    registry.script = {HELLO: [FakeResponse(401)], "/oauth2/token": [FakeResponse(401)],
                       "/oauth2/exchange": [FakeResponse(401)]}
    assert endpoint.manifest_digest("hello", "v1") == DIGEST
    # HEAD refused -> new access token: refresh token refused -> exchange: AAD token refused -> new AAD token
    assert registry.calls == [("HEAD", HELLO), ("POST", "/oauth2/token"), ("POST", "/oauth2/exchange"),
                              ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token"), ("HEAD", HELLO)]


def test_a_token_without_pull_is_a_denial_naming_identity_repository_registry_and_roles():
    registry = expiring(FakeClock(1000), pull=False)
    with pytest.raises(DataPlaneError) as raised:
        endpoint_client(registry).manifest_digest("hello", "v1")
    assert raised.value.kind == "denied"
    assert str(raised.value) == ("ci-app may not pull hello in myreg: needs AcrPull, or 'Container Registry "
                                 "Repository Reader' on registries with ABAC repository permissions")
    assert ("HEAD", HELLO) not in registry.calls


def test_throttling_beyond_the_retries_is_handed_on_with_retry_after():
    registry = expiring(FakeClock(1000))
    registry.script = {"/oauth2/exchange": [FakeResponse(429, {"Retry-After": "30"})]}
    with pytest.raises(DataPlaneError) as raised:
        endpoint_client(registry).manifest_digest("hello", "v1")
    assert raised.value.kind == "throttled" and raised.value.retry_after == 30
    assert "token" in str(raised.value) and "AAD" not in str(raised.value)


def test_digest_without_the_header_is_confirmed_or_computed():
    body = b'{"schemaVersion":2}'
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    registry = expiring(FakeClock(1000), manifests={HELLO: (digest, body), "/v2/hello/manifests/" + digest: (digest,
                                                                                                             body)})
    registry.digest_header = False
    endpoint = endpoint_client(registry)
    assert endpoint.manifest_digest("hello", digest) == digest
    assert endpoint.manifest_digest("hello", "v1") == digest
    assert registry.calls[-2:] == [("HEAD", HELLO), ("GET", HELLO)]


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
    clock, calls = FakeClock(1000), []

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


# --- azure-core's retries of token requests ----------------------------------------------------------------------
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


# --- listings: Link paging on one host ------------------------------------------------------------------------------
@pytest.mark.parametrize("short", [False, True], ids=["full-pages", "short-pages"])
def test_catalog_and_tags_follow_link_until_absent_never_stopping_on_a_short_page(short):
    registry = FakeAcr(repositories={"a": ["v1"], "b": ["v1"], "c": ["v1"], "team/api": ["v%d" % i for i in range(5)]},
                       page=2, short=short)
    endpoint = endpoint_client(registry)
    names = [name for page, _ in endpoint.catalog() for name in page]
    assert names == ["a", "b", "c", "team/api"]
    listed = endpoint.tags("team/api")
    assert sorted(listed.entries) == ["v0", "v1", "v2", "v3", "v4"]
    assert listed.read_at == 1618442113.0
    calls = listing_calls(registry)
    assert calls[0] == (HOST, "/acr/v1/_catalog", "n=1000")
    assert all(host == HOST for host, _, _ in calls)
    pages = [c for c in calls if c[1].endswith("_tags")]
    assert len(pages) == (5 if short else 3)  # Link followed, however short the pages
    assert pages[1][1] == "/acr/v1/team%2Fapi/_tags"  # the Link's path as the registry wrote it


def test_an_absolute_link_to_another_replica_stays_on_this_host():
    registry = FakeAcr(repositories={"a": [], "b": [], "c": []}, page=1, absolute_links=True)
    assert [n for page, _ in endpoint_client(registry).catalog() for n in page] == ["a", "b", "c"]
    assert {host for host, _, _ in listing_calls(registry)} == {HOST}


def test_a_link_that_does_not_advance_is_an_error_not_a_loop():
    registry = FakeAcr(repositories={"a": []})
    link = {"Link": '</acr/v1/_catalog?last=a&n=1000&orderby=>; rel="next"'}
    registry.script["/acr/v1/_catalog"] = [FakeResponse(200, link, {"repositories": ["a"]}),
                                           FakeResponse(200, link, {"repositories": ["b"]})]
    with pytest.raises(DataPlaneError, match="same next page twice"):
        list(endpoint_client(registry).catalog())


def test_a_catalog_out_of_lexical_order_is_an_error():
    registry = FakeAcr(repositories={})
    registry.script["/acr/v1/_catalog"] = [FakeResponse(200, {}, {"repositories": ["b", "a"]})]
    with pytest.raises(DataPlaneError, match="out of lexical order"):
        list(endpoint_client(registry).catalog())


def test_a_repository_the_region_does_not_hold_is_none():
    assert endpoint_client(FakeAcr(repositories={"a": ["v1"]})).tags("nosuch") is None


def test_a_long_retry_after_on_a_listing_is_waited_within_bounds():
    registry = FakeAcr(repositories={"a": ["v1"]})
    slept = []
    endpoint = endpoint_client(registry)
    endpoint._sleep = slept.append  # pylint: disable=protected-access
    registry.script["/acr/v1/a/_tags"] = [FakeResponse(429, {"Retry-After": "20"})]
    assert endpoint.tags("a") is not None and slept == [20.0]
    registry.script["/acr/v1/a/_tags"] = [FakeResponse(429, {"Retry-After": "600"})]
    with pytest.raises(DataPlaneError) as raised:
        endpoint.tags("a")
    assert raised.value.kind == "throttled" and raised.value.retry_after == 600


# --- scopes: one token request for many ---------------------------------------------------------------------------
def test_one_token_request_covers_every_wanted_scope():
    names = ["repo%02d" % i for i in range(10)]
    registry = FakeAcr(repositories={n: ["v1"] for n in names})
    endpoint = endpoint_client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in names])
    for name in names:
        assert endpoint.tags(name) is not None
    assert len(registry.token_scopes) == 1 and len(registry.token_scopes[0]) == 10
    assert registry.token_scopes[0][0] == "repository:repo00:metadata_read"


def test_forgotten_scopes_are_neither_kept_nor_asked_for():
    registry = FakeAcr(repositories={"a": ["v1"], "b": ["v1"], "c": ["v1"]})
    endpoint = endpoint_client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in "abc"])
    endpoint.tags("a")
    endpoint.forget([repository_scope(n, "metadata_read") for n in "ab"])
    assert sorted(endpoint._access) == ["repository:c:metadata_read"]  # pylint: disable=protected-access
    endpoint.tags("b")  # asked for again, alone: nobody wants a any more
    assert registry.token_scopes[-1] == ["repository:b:metadata_read"]


def test_scopes_are_asked_for_in_batches():
    names = ["repo%03d" % i for i in range(SCOPES_PER_TOKEN + 5)]
    registry = FakeAcr(repositories={n: ["v1"] for n in names})
    endpoint = endpoint_client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in names])
    for name in names:
        endpoint.tags(name)
    assert [len(s) for s in registry.token_scopes] == [SCOPES_PER_TOKEN, 5]


def test_a_service_that_grants_one_scope_per_request_gets_one_per_request():
    names = ["a", "b", "c", "d"]
    registry = FakeAcr(repositories={n: ["v1"] for n in names}, multi_scope=False)
    endpoint = endpoint_client(registry)
    endpoint.want([repository_scope(n, "metadata_read") for n in names])
    assert all(endpoint.tags(n) is not None for n in names)
    # asked for all four; granted the first only; b, c, d alone, and from then on alone (none left here)
    assert [len(s) for s in registry.token_scopes] == [4, 1, 1, 1]
    assert endpoint._multi_scope is False  # pylint: disable=protected-access


def test_covers_reads_every_action_of_the_scope():
    token = jwt(access=[{"type": "registry", "name": "catalog", "actions": ["*"]},
                        {"type": "repository", "name": "app", "actions": ["pull"]}])
    assert covers(token, CATALOG_SCOPE) and covers(token, "repository:app:pull")
    assert not covers(token, "repository:app:pull,metadata_read") and not covers(token, "repository:x:pull")
    assert covers("opaque", "repository:x:pull")  # a token that does not say is taken at its word


# --- refusals name the role ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, expected", [
    ("LegacyRegistryPermissions", "ci-app may not list the repositories of myreg: needs AcrPull on the registry"),
    ("AbacRepositoryPermissions", "ci-app may not list the repositories of myreg: needs 'Container Registry "
                                  "Repository Catalog Lister' on the registry (the registry uses ABAC repository "
                                  "permissions, where AcrPull is not honoured)"),
    (None, "ci-app may not list the repositories of myreg: needs AcrPull, or 'Container Registry Repository Catalog "
           "Lister' on registries with ABAC repository permissions"),
])
def test_no_catalog_permission_is_one_line_naming_the_role(mode, expected):
    registry = FakeAcr(repositories={"a": ["v1"]}, granted=set())
    with pytest.raises(DataPlaneError) as raised:
        list(endpoint_client(registry, role_mode=mode).catalog())
    assert raised.value.kind == "denied" and str(raised.value) == expected
    assert not listing_calls(registry)  # refused before asking


@pytest.mark.parametrize("mode, role", [("LegacyRegistryPermissions", "needs AcrPull on the registry"),
                                        ("AbacRepositoryPermissions", "'Container Registry Repository Reader'")])
def test_no_metadata_read_on_one_repository_is_one_line_naming_the_role(mode, role):
    registry = FakeAcr(repositories={"a": ["v1"], "b": ["v1"]}, granted={("a", "metadata_read")})
    endpoint = endpoint_client(registry, role_mode=mode)
    endpoint.want([repository_scope("a", "metadata_read"), repository_scope("b", "metadata_read")])
    assert endpoint.tags("a") is not None
    with pytest.raises(DataPlaneError) as raised:
        endpoint.tags("b")
    assert str(raised.value).startswith("ci-app may not read the tags of b in myreg: ") and role in str(raised.value)
    assert [len(s) for s in registry.token_scopes] == [2, 1]  # b asked for alone once more, then refused
    with pytest.raises(DataPlaneError):
        endpoint.tags("b")
    assert len(registry.token_scopes) == 2  # the refusal is remembered


def test_a_listing_refused_despite_the_token_names_the_role():
    registry = FakeAcr(repositories={"a": ["v1"]})
    refused = FakeResponse(401, {"WWW-Authenticate": 'Bearer realm="x",service="y",scope="repository:a:metadata_read"'})
    registry.script["/acr/v1/a/_tags"] = [refused, refused]
    with pytest.raises(DataPlaneError) as raised:
        endpoint_client(registry, role_mode="LegacyRegistryPermissions").tags("a")
    assert raised.value.kind == "denied" and "needs AcrPull" in str(raised.value)
