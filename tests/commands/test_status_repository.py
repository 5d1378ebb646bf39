"""`az acr replication status --repository`, through the real az and the emulator's registry data plane: every tag
of a repository in every region (missing tags, tags with different digests, a repository a region does not hold
yet), the exit codes and the result printed whatever the verdict, --wait until every region has every tag (tags
pushed while it waits too), deletes that reach regions late, untagged manifests left out, every valid repository
name, and a region that is down or slow. Small data: the 1,000-repository case is the benchmark's
(bench/content.py)."""
import json
import time

import pytest

from emulator.state.images import OCI_INDEX
from tests.helpers import REG, errors, listings, overlap, region, repo

pytestmark = pytest.mark.e2e


def test_repository_with_every_tag_in_every_region_exits_0(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    pushed = {tag: emu.push("demopremium", "app", tag)["digest"] for tag in ("v1", "v2", "latest")}
    emu.push("demopremium", "team/api", "1.0")
    result = az("acr replication status {} --repository app team/api".format(REG)).json
    assert result["complete"] is True and result["registry"] == "demopremium"
    app = repo(result, "app")
    assert app["inEveryRegion"] is True and app["missing"] == [] and app["skew"] == []
    assert app["tags"] == {tag: {r: digest for r in ("westus", "eastus", "japaneast")} for tag, digest in pushed.items()}
    assert repo(result, "team/api")["inEveryRegion"] is True
    table = az("acr replication status {} --repository app team/api -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["TAG", "REGION", "STATE", "DIGEST"]
    assert [line.split()[:4] for line in table[2:]] == [["app", "3", "regions", "3"], ["team/api", "3", "regions", "1"]]


def test_repository_with_missing_and_skewed_tags_prints_the_result_then_exits_1(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v2", lag_seconds={"japaneast": 600})
    old = emu.push("demopremium", "app", "v1", lag_seconds={"eastus": 600})  # re-pushed: eastus keeps the old one
    result = az("acr replication status {} --repository app".format(REG), expect=1)
    app = repo(result.json, "app")
    assert result.json["complete"] is False and app["inEveryRegion"] is False
    assert app["missing"] == [{"tag": "v2", "regions": ["japaneast"]}]
    assert [s["tag"] for s in app["skew"]] == ["v1"] and app["skew"][0]["digests"]["westus"] == old["digest"]
    assert {r["region"]: r["state"] for r in app["regions"]} == {
        "westus": "digest differs", "eastus": "digest differs", "japaneast": "tags missing"}
    assert errors(result) == ["ERROR: Not the same in every region yet: app: v2 missing in japaneast; v1 with "
                              "different digests (v1: westus: {}; eastus: {}; japaneast: {})."
                              .format(old["digest"][:19], app["skew"][0]["digests"]["eastus"][:19], old["digest"][:19])]
    table = az("acr replication status {} --repository app -o table".format(REG), expect=1).stdout.splitlines()
    rows = [line.split()[:3] for line in table[2:]]
    assert ["app:v2", "japaneast", "missing"] in rows and ["app:v1", "eastus", "digest"] in rows
    assert table[-1].split()[:4] == ["app", "3", "regions", "2"]  # the summary row


def test_repository_in_no_region_exits_3_at_once_even_with_wait(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    result = az("acr replication status {} --repository nosuch --wait --timeout 60".format(REG), expect=3)
    assert result.seconds < 20
    assert errors(result) == ["ERROR: Not found in any region of 'demopremium': nosuch. Check the repository name "
                              "('az acr repository list -n demopremium')."]
    assert {r["state"] for r in repo(result.json, "nosuch")["regions"]} == {"no repository"}


def test_status_checks_every_repository_given_and_one_in_no_region_exits_3(az, emu):
    """--repository given more than once checks every value, in the order given."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    result = az("acr replication status {} --repository other --repository app".format(REG), expect=3)
    assert [r["repository"] for r in result.json["repositories"]] == ["other", "app"]
    assert "Not found in any region of 'demopremium': other." in result.stderr


def test_repository_with_a_new_repository_missing_in_one_region(az, emu):
    """A repository that one region does not hold yet: every tag missing there, state 'no repository'."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --repository app".format(REG), expect=1).json
    app = repo(result, "app")
    assert app["missing"] == [{"tag": "v1", "regions": ["eastus"]}]
    assert region(app, "eastus")["state"] == "no repository"


def test_tags_pushed_and_moved_just_before_the_command_are_judged(az, emu):
    """A tag pushed a moment before the command began is judged, whatever the sub-second part of its time and the
    whole seconds of the registry's Date: a new tag not yet in japaneast, a re-pushed one eastus still has the old
    digest of."""
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push("demopremium", "app", "t1")
    old = emu.push("demopremium", "app", "t2")
    emu.push("demopremium", "app", "t3", lag_seconds={"japaneast": 600})
    new = emu.push("demopremium", "app", "t2", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --repository app".format(REG), expect=1)
    app = repo(result.json, "app")
    assert app["changedWhileReading"] == [] and app["inEveryRegion"] is False
    assert app["missing"] == [{"tag": "t3", "regions": ["japaneast"]}]
    digests = {"westus": new["digest"], "eastus": old["digest"], "japaneast": new["digest"]}
    assert app["skew"] == [{"tag": "t2", "digests": digests}]


# --- --wait ---------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_repository_wait_returns_when_every_region_has_every_tag(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v2", lag_seconds={"japaneast": 4, "eastus": 2})
    result = az("acr replication status {} --repository app --wait --timeout 120".format(REG))
    assert result.json["complete"] is True and result.json["timedOut"] is False
    assert result.json["waitedSeconds"] >= 1  # japaneast had v2 4 s after the push; az starts within 2 s


@pytest.mark.slow
def test_repository_wait_also_waits_for_a_tag_pushed_while_it_waits(az, emu):
    """--wait judges every tag, those pushed meanwhile too: a CI step gating on a push waits for it. westus's
    first answer is held while v2 is pushed there: set aside (as without --wait), the command would return with
    v1 alike everywhere and v2 not yet in eastus."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.fault(status=200, method="GET", path="/acr/v1/app/_tags", host="westus", delay=3)
    emu.clear_log()
    proc = az.start("acr replication status {} --repository app --wait --timeout 60".format(REG))
    deadline = time.monotonic() + 30
    while not [e for e in listings(emu, host="eastus") if e["status"] == 200]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    pushed = emu.push("demopremium", "app", "v2", lag_seconds={"eastus": 3})
    out, err = proc.communicate(timeout=90)
    returned = time.time()
    assert proc.returncode == 0, err
    app = repo(json.loads(out), "app")
    assert app["changedWhileReading"] == [] and sorted(app["tags"]["v2"]) == ["eastus", "westus"]
    assert returned >= pushed["at"] + 3


# --- deletes, untagged manifests ----------------------------------------------------------------------------------
def test_deletes_reach_regions_late(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v2")
    deleted = emu.delete_tag("demopremium", "app", "v2", lag_seconds={"eastus": 3})
    first = az("acr replication status {} --repository app".format(REG), expect=None)
    time.sleep(max(0, deleted["at"] + 3 + 0.5 - time.time()))  # the delete has reached eastus
    second = az("acr replication status {} --repository app".format(REG))
    assert first.code == 1 and repo(first.json, "app")["missing"] == [{"tag": "v2", "regions": ["westus"]}]
    assert second.json["complete"] is True and list(repo(second.json, "app")["tags"]) == ["v1"]


def test_a_manifest_deleted_at_home_takes_its_tags_and_reaches_a_replica_late(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    pushed = emu.push("demopremium", "app", "v2")
    emu.delete_manifest("demopremium", "app", pushed["digest"], lag_seconds={"eastus": 600})
    result = az("acr replication status {} --repository app".format(REG), expect=1).json
    assert sorted(repo(result, "app")["tags"]) == ["v1", "v2"]
    assert repo(result, "app")["missing"] == [{"tag": "v2", "regions": ["westus"]}]


def test_untagged_manifests_are_not_compared(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "multi", media_type=OCI_INDEX)       # brings two untagged manifests
    emu.push("demopremium", "app", None, lag_seconds={"eastus": 600})   # an untagged manifest, not in eastus yet
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v1")  # the first v1 is now untagged
    result = az("acr replication status {} --repository app".format(REG)).json
    assert result["complete"] is True and sorted(repo(result, "app")["tags"]) == ["multi", "v1"]
    assert az("acr replication status {} --all-repositories".format(REG)).json["complete"] is True


# --- repository names ---------------------------------------------------------------------------------------------
def test_a_repository_the_catalog_lists_with_a_dot_in_its_first_component_can_be_checked(az, emu):
    """ACR repository names may hold '.' in any component (OCI name grammar; e.g. an import named
    docker.io/library/nginx). --all-repositories reports such a repository as missing somewhere, and the natural
    next step, --repository with that very name, checks it: --repository takes a repository of this registry (its
    own login server stripped), not a docker image reference naming another registry."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "docker.io/library/nginx", "v1", lag_seconds={"eastus": 600})
    catalog = az("acr replication status {} --all-repositories".format(REG), expect=1).json
    assert region(catalog, "eastus")["differences"][0]["repository"] == "docker.io/library/nginx"
    result = az("acr replication status {} --repository docker.io/library/nginx".format(REG), expect=None)
    assert result.code == 1, result
    assert repo(result.json, "docker.io/library/nginx")["missing"] == [{"tag": "v1", "regions": ["eastus"]}]


@pytest.mark.parametrize("name", ["a__b", "a--b"])
def test_the_emulator_serves_listings_of_every_valid_repository_name(az, emu, name):
    """The OCI name grammar (and ACR) allow '__' and runs of '-' between components, and the client accepts them:
    the emulator serves such a repository's _tags and manifests as any other (not a 404 the client would read as
    'no such repository')."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", name, "v1")
    result = az("acr replication status {} --repository {}".format(REG, name), expect=None)
    assert result.code == 0, result
    assert list(repo(result.json, name)["tags"]) == ["v1"]
    assert az("acr replication status {} --image {}:v1".format(REG, name), expect=None).code == 0


# --- a region down or slow ------------------------------------------------------------------------------------------
def test_a_down_region_is_reported_for_itself_by_status_repository(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push("demopremium", "app", "v1")
    emu.knobs(down_endpoints=["demopremium.japaneast.geo.azurecr.io"])
    result = az("acr replication status {} --repository app".format(REG), expect=1)
    app = repo(result.json, "app")
    assert region(app, "japaneast")["state"] == "unreachable" and region(app, "eastus")["state"] == "present"
    assert result.seconds < 20 and "unreachable in japaneast" in errors(result)[0]


@pytest.mark.slow
def test_a_slow_region_that_answers_every_listing_is_not_reported_unreachable(az, emu):
    """A region that answers every request (3 s each, well within the 8 s read timeout) is not unreachable, though
    11 repositories read one after another would take it over the 30 s a region has for a round: its listings run
    in parallel within a bound (4 at once, as --all-repositories reads), about 9 s here."""
    emu.replicated("demopremium", "eastus")
    names = ["r{:02d}".format(i) for i in range(11)]
    for name in names:
        emu.push("demopremium", name, "v1")
    emu.fault(status=200, method="GET", path="/_tags", host="eastus", delay=3, times=100)
    emu.clear_log()
    result = az("acr replication status {} --repository {}".format(REG, " ".join(names)), expect=None)
    assert "unreachable" not in result.stderr
    assert result.code == 0, result
    east = [e for e in listings(emu) if "eastus" in e["host"]]
    assert overlap(east) >= 2  # listings of one region run in parallel (within a bound)
