"""The emulator's listings (issue 17): /acr/v1/_catalog and /acr/v1/{repo}/_tags per region, paged with n,
last and a relative Link; scopes enforced as ACR does (401 naming the scope); tag deletes and pushes that
reach regions late; untagged manifests not listed; a new replica receiving existing content progressively
over its sync time; a bulk seed; a token service that reads one scope only (knob)."""
import time

import pytest

from emulator.state import CLIENT_ID
from tests.armclient import call, registry_path
from tests.test_emulator_dataplane import session

HOST = "demopremium.{}.geo.azurecr.io"


@pytest.fixture
def arm(emu):
    emu.reset()
    emu.knobs(operation_seconds=0)
    assert call(emu, "PATCH", registry_path(), {"properties": {"regionalEndpoints": "Enabled"}}).status == 200
    return emu


def token_for(emu, http, host, *scopes):
    aad = emu.emulator.tokens.issue("https://containerregistry.azure.net", CLIENT_ID)
    refresh = http.post("https://{}/oauth2/exchange".format(host), data={
        "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": aad})
    token = http.post("https://{}/oauth2/token".format(host), data={
        "grant_type": "refresh_token", "service": "demopremium.azurecr.io", "scope": list(scopes),
        "refresh_token": refresh.json()["refresh_token"]})
    return token.json()["access_token"]


def replicate(emu, region):
    call(emu, "PUT", registry_path() + "/replications/" + region, {"location": region})
    call(emu, "GET", registry_path())


def pages(emu, http, region, path, key, n=None, **scopes):
    """Every page of a listing, following Link; [(items, Link)]."""
    host = HOST.format(region)
    token = token_for(emu, http, host, "registry:catalog:*", *scopes.get("extra", []))
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
    found = pages(arm, session(arm), "westus", "/acr/v1/_catalog", "repositories", n=2)
    assert [names for names, _ in found] == [["repo0", "repo1"], ["repo2", "repo3"], ["repo4"]]
    assert found[0][1] == '</acr/v1/_catalog?last=repo1&n=2&orderby=>; rel="next"' and found[-1][1] is None


def test_tags_page_with_the_repository_percent_encoded_in_link_and_acr_fields(arm):
    for tag in ("b", "a", "c"):
        arm.push("demopremium", "team/api", tag)
    http = session(arm)
    token = token_for(arm, http, HOST.format("westus"), "repository:team/api:metadata_read")
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
    http = session(arm)
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
    http = session(arm)
    host = HOST.format("westus")
    anonymous = http.get("https://" + host + path)
    assert anonymous.status_code == 401 and 'scope="{}"'.format(scope) in anonymous.headers["WWW-Authenticate"]
    assert "error=" not in anonymous.headers["WWW-Authenticate"]
    pull = token_for(arm, http, host, "repository:app:pull")
    refused = http.get("https://" + host + path, headers={"Authorization": "Bearer " + pull})
    assert refused.status_code == 401 and 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    kind, name, action = scope.split(":")
    assert refused.json()["errors"][0]["detail"] == [{"Type": kind, "Name": name, "Action": action}]
    assert http.get("https://" + host + path, headers={"Authorization": "Bearer x.y.z"}).headers[
        "WWW-Authenticate"].endswith('error="invalid_token"')
    granted = token_for(arm, http, host, scope)
    assert http.get("https://" + host + path, headers={"Authorization": "Bearer " + granted}).status_code == 200


def test_several_scopes_in_one_token_and_the_one_scope_knob(arm):
    from azext_acr_replication.images.endpoint import jwt_claims
    http = session(arm)
    host = HOST.format("westus")
    both = jwt_claims(token_for(arm, http, host, "registry:catalog:*", "repository:a:metadata_read"))["access"]
    assert [(a["type"], a["name"], a["actions"]) for a in both] == [
        ("registry", "catalog", ["*"]), ("repository", "a", ["metadata_read"])]
    arm.knobs(token_multi_scope=False)
    one = jwt_claims(token_for(arm, http, host, "registry:catalog:*", "repository:a:metadata_read"))["access"]
    assert [a["name"] for a in one] == ["catalog"]


def test_pushes_and_deletes_reach_regions_late_and_untagged_manifests_are_not_tags(arm):
    replicate(arm, "eastus")
    arm.push("demopremium", "app", "v1")
    arm.push("demopremium", "app", "v2", lag_seconds={"eastus": 2})
    arm.push("demopremium", "app", None)  # untagged
    arm.delete_tag("demopremium", "app", "v1", lag_seconds={"eastus": 2})
    http = session(arm)

    def tag_names(region):
        found = pages(arm, http, region, "/acr/v1/app/_tags", "tags", extra=["repository:app:metadata_read"])
        return [t["name"] for names, _ in found for t in names]
    assert tag_names("westus") == ["v2"] and tag_names("eastus") == ["v1"]
    time.sleep(2.2)
    assert tag_names("eastus") == ["v2"]


def test_a_new_replica_receives_existing_content_progressively_over_its_sync_time(arm):
    arm.seed("demopremium", 30, 4)
    arm.knobs(sync_seconds=6)
    replicate(arm, "eastus")
    http = session(arm)
    host = HOST.format("eastus")
    scopes = ["repository:repo{:02d}:metadata_read".format(i) for i in range(30)]
    token = token_for(arm, http, host, *scopes)
    counts, started = [], time.monotonic()
    while time.monotonic() - started < 7.5:
        total = 0
        for i in range(30):
            answer = http.get("https://{}/acr/v1/repo{:02d}/_tags".format(host, i),
                              headers={"Authorization": "Bearer " + token})
            total += len(answer.json()["tags"]) if answer.status_code == 200 else 0
        counts.append((time.monotonic() - started, total))
        time.sleep(0.5)
    assert counts == sorted(counts, key=lambda c: c[1])  # only grows
    middle = [total for when, total in counts if 2.5 <= when <= 3.5]
    assert middle and all(25 <= total <= 95 for total in middle)  # about half of 120 half-way through
    assert counts[-1][1] == 120


def test_the_seed_is_quick_and_admin_actions_work_over_http(arm):
    from emulator.harness import admin
    started = time.monotonic()
    assert admin(arm.url, arm.cert_path, "seed", {"registry": "demopremium", "repositories": 200, "tags": 20}) == {
        "registry": "demopremium", "pushed": 4000}
    assert time.monotonic() - started < 10
    assert admin(arm.url, arm.cert_path, "delete_tag", {"registry": "demopremium", "repository": "repo000",
                                                        "tag": "v1"})["tag"] == "v1"
    found = pages(arm, session(arm), "westus", "/acr/v1/_catalog", "repositories", n=1000)
    assert len(found[0][0]) == 200
