"""The emulator's listings as ACR serves them, per region: /acr/v1/_catalog and /acr/v1/{repository}/_tags, paged
with n, last and a relative Link (a default page size, a cap, short pages: knobs), with ACR's fields; each needs its
scope (401 naming it), and one token can carry several scopes (the knob token_multi_scope: only the first)."""
import pytest

from azext_acr_replication.images.endpoint import jwt_claims
from tests.helpers import registry_session, registry_token

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("regional_endpoints")]

HOST = "demopremium.{}.geo.azurecr.io"


@pytest.fixture
def regional_endpoints(arm):
    """demopremium's regional endpoints on (the listings here are read from demopremium.<region>.geo.azurecr.io)."""
    arm.set_registry("demopremium", regional_endpoints=True)


def pages(emu, http, region, path, key, n=None, extra=()):
    """Every page of a listing, following Link; [(items, Link)]."""
    host = HOST.format(region)
    token = registry_token(emu, http, host, "registry:catalog:*", *extra)
    url, found = path + ("?n={}".format(n) if n else ""), []
    while url:
        answer = http.get("https://" + host + url, headers={"Authorization": "Bearer " + token})
        assert answer.status_code == 200, answer.text
        link = answer.headers.get("Link")
        found.append((answer.json()[key], link))
        url = link[1:link.index(">")] if link else None
    return found


def test_catalog_pages_with_n_last_and_a_relative_link(arm):
    arm.seed("demopremium", 5, 1)
    found = pages(arm, registry_session(arm), "westus", "/acr/v1/_catalog", "repositories", n=2)
    assert [names for names, _ in found] == [["repo0", "repo1"], ["repo2", "repo3"], ["repo4"]]
    assert found[0][1] == '</acr/v1/_catalog?last=repo1&n=2&orderby=>; rel="next"' and found[-1][1] is None


def test_tags_page_with_the_repository_percent_encoded_in_link_and_acr_fields(arm):
    for tag in ("b", "a", "c"):
        arm.push("demopremium", "team/api", tag)
    http = registry_session(arm)
    token = registry_token(arm, http, HOST.format("westus"), "repository:team/api:metadata_read")
    answer = http.get("https://{}/acr/v1/team/api/_tags?n=2".format(HOST.format("westus")),
                      headers={"Authorization": "Bearer " + token})
    body = answer.json()
    assert [t["name"] for t in body["tags"]] == ["a", "b"] and body["imageName"] == "team/api"
    assert answer.headers["Link"] == '</acr/v1/team%2Fapi/_tags?last=b&n=2&orderby=>; rel="next"'
    first = body["tags"][0]
    assert set(first) == {"name", "digest", "createdTime", "lastUpdateTime", "signed", "changeableAttributes"}
    assert first["lastUpdateTime"].endswith("Z") and len(first["lastUpdateTime"].split(".")[1]) == 8  # 7 digits + Z
    following = http.get("https://{}{}".format(HOST.format("westus"), answer.headers["Link"][1:].split(">")[0]),
                         headers={"Authorization": "Bearer " + token})
    assert [t["name"] for t in following.json()["tags"]] == ["c"] and "Link" not in following.headers


def test_page_size_defaults_caps_and_short_pages(arm):
    arm.seed("demopremium", 1, 7)
    arm.knobs(listing_page_size=3, listing_page_max=5)
    http = registry_session(arm)
    kwargs = {"extra": ["repository:repo0:metadata_read"]}
    assert [len(t) for t, _ in pages(arm, http, "westus", "/acr/v1/repo0/_tags", "tags", **kwargs)] == [3, 3, 1]
    assert [len(t) for t, _ in pages(arm, http, "westus", "/acr/v1/repo0/_tags", "tags", n=100, **kwargs)] == [5, 2]
    arm.knobs(listing_short_pages=True)
    found = pages(arm, http, "westus", "/acr/v1/repo0/_tags", "tags", n=4, **kwargs)
    assert [len(t) for t, _ in found] == [2, 2, 2, 1] and all(link for _, link in found[:-1])


@pytest.mark.parametrize("path, scope", [("/acr/v1/_catalog", "registry:catalog:*"),
                                         ("/acr/v1/app/_tags", "repository:app:metadata_read")])
def test_listings_need_their_scope_and_401_names_it(arm, path, scope):
    arm.push("demopremium", "app", "v1")
    http = registry_session(arm)
    host = HOST.format("westus")
    anonymous = http.get("https://" + host + path)
    assert anonymous.status_code == 401 and 'scope="{}"'.format(scope) in anonymous.headers["WWW-Authenticate"]
    assert "error=" not in anonymous.headers["WWW-Authenticate"]
    pull = registry_token(arm, http, host, "repository:app:pull")
    refused = http.get("https://" + host + path, headers={"Authorization": "Bearer " + pull})
    assert refused.status_code == 401 and 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    kind, name, action = scope.split(":")
    assert refused.json()["errors"][0]["detail"] == [{"Type": kind, "Name": name, "Action": action}]
    assert http.get("https://" + host + path, headers={"Authorization": "Bearer x.y.z"}).headers[
        "WWW-Authenticate"].endswith('error="invalid_token"')
    granted = registry_token(arm, http, host, scope)
    assert http.get("https://" + host + path, headers={"Authorization": "Bearer " + granted}).status_code == 200


def test_several_scopes_in_one_token_and_the_one_scope_knob(arm):
    http = registry_session(arm)
    host = HOST.format("westus")
    both = jwt_claims(registry_token(arm, http, host, "registry:catalog:*", "repository:a:metadata_read"))["access"]
    assert [(a["type"], a["name"], a["actions"]) for a in both] == [
        ("registry", "catalog", ["*"]), ("repository", "a", ["metadata_read"])]
    arm.knobs(token_multi_scope=False)
    one = jwt_claims(registry_token(arm, http, host, "registry:catalog:*", "repository:a:metadata_read"))["access"]
    assert [a["name"] for a in one] == ["catalog"]
