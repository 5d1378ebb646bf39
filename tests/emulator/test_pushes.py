"""How content reaches each region of a registry in the emulator, as geo-replication spreads it: a push (or a tag
delete) is in its first region at once and elsewhere after its lag, so a re-push can disagree between regions for a
while; untagged manifests are no tags; a replica created later gets what was pushed before after the knob
replication_lag_seconds, and existing content progressively over its sync time."""
import time

import pytest

from tests.helpers import head_manifest, registry_session, registry_token

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HOST = "demopremium.{}.geo.azurecr.io"


def tag_names(emu, http, region, repository):
    """Every tag of the repository that region's listing shows (all pages)."""
    host = HOST.format(region)
    token = registry_token(emu, http, host, "repository:{}:metadata_read".format(repository))
    url, names = "/acr/v1/{}/_tags".format(repository), []
    while url:
        answer = http.get("https://" + host + url, headers={"Authorization": "Bearer " + token})
        assert answer.status_code == 200, answer.text
        names += [t["name"] for t in answer.json()["tags"]]
        link = answer.headers.get("Link")
        url = link[1:link.index(">")] if link else None
    return names


def test_push_spreads_with_a_lag_and_a_repush_can_disagree_for_a_while(arm):
    arm.replicated("demopremium", "eastus", "japaneast")
    http = registry_session(arm)
    hosts = {r: HOST.format(r) for r in ("westus", "eastus", "japaneast")}
    tokens = {r: registry_token(arm, http, h) for r, h in hosts.items()}  # before the push: its lag is what counts
    pushed = time.monotonic()
    first = arm.push("demopremium", "hello", "v1", lag_seconds={"eastus": 0, "japaneast": 2})
    assert head_manifest(http, hosts["westus"], token=tokens["westus"]).status_code == 200
    assert head_manifest(http, hosts["eastus"], token=tokens["eastus"]).status_code == 200
    assert head_manifest(http, hosts["japaneast"], token=tokens["japaneast"]).status_code == 404
    while head_manifest(http, hosts["japaneast"], token=tokens["japaneast"]).status_code == 404:
        assert time.monotonic() - pushed < 20
        time.sleep(0.1)
    assert time.monotonic() - pushed >= 1.9  # not before its lag
    second = arm.push("demopremium", "hello", "v1", lag_seconds={"eastus": 0, "japaneast": 30})
    digests = {r: head_manifest(http, h, token=tokens[r]).headers["Docker-Content-Digest"] for r, h in hosts.items()}
    assert digests == {"westus": second["digest"], "eastus": second["digest"], "japaneast": first["digest"]}


def test_replica_created_later_gets_the_images_after_its_lag(arm):
    arm.set_registry("demopremium", regional_endpoints=True)
    arm.push("demopremium", "hello", "v1")
    arm.knobs(replication_lag_seconds=0.4)
    arm.add_replicas("demopremium", "uksouth")
    created = time.monotonic()
    http = registry_session(arm)
    host = HOST.format("uksouth")
    token = registry_token(arm, http, host)
    assert head_manifest(http, host, token=token).status_code == 404
    time.sleep(max(0.0, created + 0.5 - time.monotonic()))
    assert head_manifest(http, host, token=token).status_code == 200


def test_pushes_and_deletes_reach_regions_late_and_untagged_manifests_are_not_tags(arm):
    arm.replicated("demopremium", "eastus")
    arm.push("demopremium", "app", "v1")
    started = time.monotonic()
    arm.push("demopremium", "app", "v2", lag_seconds={"eastus": 1.5})
    arm.push("demopremium", "app", None)  # untagged
    arm.delete_tag("demopremium", "app", "v1", lag_seconds={"eastus": 1.5})
    http = registry_session(arm)
    assert tag_names(arm, http, "westus", "app") == ["v2"] and tag_names(arm, http, "eastus", "app") == ["v1"]
    time.sleep(max(0.0, started + 1.6 - time.monotonic()))
    assert tag_names(arm, http, "eastus", "app") == ["v2"]


def test_a_new_replica_receives_existing_content_progressively_over_its_sync_time(arm):
    """10 repositories x 12 tags, a 6 s sync: the count the new region lists only grows, is about half in the
    middle and complete at the end. A sample reads every repository's tags (10 requests); whichever samples fall
    wholly between 1.5 s and 4.5 s are the middle ones (at least one does while a sample takes under 1.3 s)."""
    arm.set_registry("demopremium", regional_endpoints=True)
    arm.seed("demopremium", 10, 12)
    arm.knobs(sync_seconds=6)
    arm.add_replicas("demopremium", "eastus", syncing=True)
    started = time.monotonic()
    http = registry_session(arm)
    host = HOST.format("eastus")
    token = registry_token(arm, http, host, *["repository:repo{}:metadata_read".format(i) for i in range(10)])

    def sample():
        began = time.monotonic() - started
        total = 0
        for i in range(10):
            answer = http.get("https://{}/acr/v1/repo{}/_tags".format(host, i),
                              headers={"Authorization": "Bearer " + token})
            total += len(answer.json()["tags"]) if answer.status_code == 200 else 0
        return began, time.monotonic() - started, total
    counts = []
    while time.monotonic() - started < 5.5:
        counts.append(sample())
        time.sleep(0.1)
    time.sleep(max(0.0, started + 6.1 - time.monotonic()))
    counts.append(sample())
    assert [total for _, _, total in counts] == sorted(total for _, _, total in counts), counts  # only grows
    middle = [total for began, ended, total in counts if began >= 1.5 and ended <= 4.5]
    assert middle and all(25 <= total <= 100 for total in middle), counts  # 28 at 1.5 s, 95 at 4.5 s
    assert counts[-1][2] == 120
