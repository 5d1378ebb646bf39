"""Issue 17 through the real az: what each region holds. `status --repository` (every tag of a repository
in every region), `status --all-repositories` (every region's catalog against the home region's, and how far
a new replica has got), on ACR's paged listings; one token request for many repositories (for `--image`
too); refusals naming the role; throttling and unreachable regions. Small data: the 1,000-repository case
is the benchmark's (bench/content.py)."""
import json
import time
from collections import Counter

import pytest

from emulator.state import CLIENT_ID
from emulator.state.images import OCI_INDEX
from tests.armclient import call, registry_path

REG = "-r demopremium"


def regions(az, emu, *names, registry="demopremium", **knobs):
    emu.knobs(operation_seconds=0, **knobs)
    if names:
        az("acr replication create -r {} -l {} -o none".format(registry, " ".join(names)))
    assert call(emu, "PATCH", registry_path(reg=registry), {"properties": {"regionalEndpoints": "Enabled"}}).status == 200


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("ERROR")]


def listings(emu, kind="_tags", host=""):
    return [e for e in emu.dataplane_requests() if e["path"].endswith(kind) and host in e["host"]]


def per_host(emu, path):
    return Counter(e["host"].split(".")[1] for e in emu.dataplane_requests() if e["path"] == path)


def repo(result, name):
    return next(r for r in result["repositories"] if r["repository"] == name)


def region(result, name):
    return next(r for r in result["regions"] if r["region"] == name)


# --- status --repository ---------------------------------------------------------------------------------------
def test_repository_with_every_tag_in_every_region_exits_0(az, emu):
    regions(az, emu, "eastus", "japaneast")
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
    regions(az, emu, "eastus", "japaneast")
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
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    result = az("acr replication status {} --repository nosuch --wait --timeout 60".format(REG), expect=3)
    assert result.seconds < 20
    assert errors(result) == ["ERROR: Not found in any region of 'demopremium': nosuch. Check the repository name "
                              "('az acr repository list -n demopremium')."]
    assert {r["state"] for r in repo(result.json, "nosuch")["regions"]} == {"no repository"}


def test_repository_wait_returns_when_every_region_has_every_tag(az, emu):
    regions(az, emu, "eastus", "japaneast")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v2", lag_seconds={"japaneast": 6, "eastus": 3})
    result = az("acr replication status {} --repository app --wait --timeout 120".format(REG))
    assert result.json["complete"] is True and result.json["timedOut"] is False
    assert result.json["waitedSeconds"] >= 3


def test_repository_wait_also_waits_for_a_tag_pushed_while_it_waits(az, emu):
    """--wait judges every tag, those pushed meanwhile too: a CI step gating on a push waits for it. westus's
    first answer is held while v2 is pushed there: set aside (as without --wait), the command would return with
    v1 alike everywhere and v2 not yet in eastus."""
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    emu.fault(status=200, method="GET", path="/acr/v1/app/_tags", host="westus", delay=3)
    emu.emulator.clear_log()
    proc = az.popen("acr replication status {} --repository app --wait --timeout 60".format(REG))
    deadline = time.monotonic() + 30
    while not [e for e in listings(emu, host="eastus") if e["status"] == 200]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    pushed = emu.push("demopremium", "app", "v2", lag_seconds={"eastus": 5})
    out, err = proc.communicate(timeout=90)
    returned = time.time()
    assert proc.returncode == 0, err
    app = repo(json.loads(out), "app")
    assert app["changedWhileReading"] == [] and sorted(app["tags"]["v2"]) == ["eastus", "westus"]
    assert returned >= pushed["at"] + 5


def test_repository_with_a_new_repository_missing_in_one_region(az, emu):
    """A repository that one region does not hold yet: every tag missing there, state 'no repository'."""
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --repository app".format(REG), expect=1).json
    app = repo(result, "app")
    assert app["missing"] == [{"tag": "v1", "regions": ["eastus"]}]
    assert region(app, "eastus")["state"] == "no repository"


# --- paging ----------------------------------------------------------------------------------------------------------
def test_listings_follow_link_on_the_same_host_through_short_pages(az, emu):
    regions(az, emu, "eastus", listing_page_max=4, listing_short_pages=True)
    for tag in range(9):
        emu.push("demopremium", "team/api", "t{}".format(tag))
    for name in ("a", "b", "c", "d", "e"):
        emu.push("demopremium", name, "v1")
    result = az("acr replication status {} --repository team/api".format(REG)).json
    assert len(repo(result, "team/api")["tags"]) == 9 and result["complete"] is True
    pages = listings(emu, host="eastus")
    assert len(pages) == 5  # 2 a page (half of the 4 the server allows): Link followed, short pages or not
    assert pages[0]["query"] == "n=1000" and all(p["host"] == "demopremium.eastus.geo.azurecr.io" for p in pages)
    assert pages[1]["query"] == "last=t1&n=1000&orderby="
    emu.emulator.clear_log()
    result = az("acr replication status {} --all-repositories".format(REG)).json
    assert result["complete"] is True and result["repositoriesAtHome"] == 6 and result["tagsAtHome"] == 14
    assert per_host(emu, "/acr/v1/_catalog") == {"westus": 3, "eastus": 3}  # 6 repositories, 2 a page


# --- status --all-repositories -------------------------------------------------------------------------------------
def test_all_repositories_alike_everywhere_exits_0_with_a_row_per_region(az, emu):
    regions(az, emu, "eastus", "japaneast")
    emu.seed("demopremium", 6, 3)
    result = az("acr replication status {} --all-repositories".format(REG)).json
    assert result["complete"] is True and result["homeRegion"] == "westus"
    assert (result["repositoriesAtHome"], result["tagsAtHome"]) == (6, 18)
    east = region(result, "eastus")
    assert (east["state"], east["repositories"], east["tags"], east["missing"], east["extra"], east["skewed"]) == \
        ("same", 6, 18, {"repositories": 0, "tags": 0}, {"repositories": 0, "tags": 0}, 0)
    assert east["progress"] == {"tagsPresent": 18, "tagsAtHome": 18, "percent": 100.0, "tagsPerMinute": None,
                                "secondsLeft": None}
    table = az("acr replication status {} --all-repositories -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["REGION", "REPLICA", "STATE", "REPOSITORIES", "TAGS", "MISSING", "EXTRA", "SKEWED",
                                "PROGRESS"]
    assert table[2].split()[:4] == ["westus", "(home)", "Ready", "home"]


def test_all_repositories_missing_extra_and_skewed_per_region(az, emu):
    regions(az, emu, "eastus", "japaneast")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "old")
    emu.push("demopremium", "late", "v1", lag_seconds={"japaneast": 600})  # a repository not in japaneast yet
    emu.push("demopremium", "app", "v2")
    emu.push("demopremium", "app", "v2", lag_seconds={"eastus": 600})  # re-pushed: eastus has the old digest
    emu.delete_tag("demopremium", "app", "old", lag_seconds={"eastus": 600})  # a delete that has not reached eastus
    result = az("acr replication status {} --all-repositories".format(REG), expect=1)
    east, japan = region(result.json, "eastus"), region(result.json, "japaneast")
    assert (east["missing"]["tags"], east["extra"]["tags"], east["skewed"]) == (0, 1, 1)
    assert east["differences"] == [{"repository": "app", "repositoryMissing": False, "repositoryExtra": False,
                                    "missing": [], "extra": ["old"], "skewed": ["v2"], "tagsNotShown": 0}]
    assert japan["missing"] == {"repositories": 1, "tags": 1} and japan["differences"][0]["repositoryMissing"]
    assert result.json["tagsAtHome"] == 3  # app:v1, app:v2, late:v1 (app:old deleted at home)
    assert errors(result) == ["ERROR: Not the same as the home region (westus) yet: eastus: 1 extra (deleted at "
                              "home), 1 with another digest; japaneast: 1 tags missing (1 repositories)."]


def test_deletes_reach_regions_late(az, emu):
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v2")
    emu.delete_tag("demopremium", "app", "v2", lag_seconds={"eastus": 4})
    first = az("acr replication status {} --repository app".format(REG), expect=None)
    time.sleep(max(0, 5 - first.seconds))
    second = az("acr replication status {} --repository app".format(REG))
    assert first.code == 1 and repo(first.json, "app")["missing"] == [{"tag": "v2", "regions": ["westus"]}]
    assert second.json["complete"] is True and list(repo(second.json, "app")["tags"]) == ["v1"]


def test_untagged_manifests_are_not_compared(az, emu):
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "multi", media_type=OCI_INDEX)       # brings two untagged manifests
    emu.push("demopremium", "app", None, lag_seconds={"eastus": 600})   # an untagged manifest, not in eastus yet
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "app", "v1")  # the first v1 is now untagged
    result = az("acr replication status {} --repository app".format(REG)).json
    assert result["complete"] is True and sorted(repo(result, "app")["tags"]) == ["multi", "v1"]
    assert az("acr replication status {} --all-repositories".format(REG)).json["complete"] is True


@pytest.mark.parametrize("option", ["--repository app", "--all-repositories"])
def test_tags_pushed_while_the_command_reads_are_set_aside_and_never_judged_a_yes(az, emu, option):
    """westus is held 4 s while the other regions answer; a tag pushed meanwhile reaches westus's answer but
    not the others': judged, it would be missing there; set aside, the command says it changed while reading, and
    as it did not judge it, the answer is not a yes (exit 1)."""
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    emu.fault(status=200, method="GET", path="/acr/v1/app/_tags", host="westus", delay=5)
    emu.emulator.clear_log()
    proc = az.popen("acr replication status {} {}".format(REG, option))
    deadline = time.monotonic() + 30
    while not [e for e in listings(emu, host="eastus") if "app" in e["path"] and e["status"] == 200]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    # the command began before eastus answered, and judges what was pushed up to a second after it began (the
    # registry's Date is whole seconds): 1.5 s after eastus's answer, a push is surely after that
    time.sleep(1.5)
    emu.push("demopremium", "app", "new", lag_seconds={"eastus": 600})
    out, err = proc.communicate(timeout=60)
    result = json.loads(out)
    assert proc.returncode == 1, err
    assert result["complete"] is False
    if option == "--repository app":
        assert repo(result, "app")["changedWhileReading"] == ["new"] and repo(result, "app")["missing"] == []
        assert repo(result, "app")["inEveryRegion"] is False
        assert "app: new pushed or moved while the command read it, not judged" in err
    else:
        assert region(result, "eastus")["changedWhileReading"] == 1 and region(result, "eastus")["state"] == "same"
        assert "eastus: 1 tags pushed or moved while the command read them, not judged" in err


def test_tags_pushed_and_moved_just_before_the_command_are_judged(az, emu):
    """A tag pushed a moment before the command began is judged, whatever the sub-second part of its time and the
    whole seconds of the registry's Date: a new tag not yet in japaneast, a re-pushed one eastus still has the old
    digest of."""
    regions(az, emu, "eastus", "japaneast")
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


# --- permissions ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, role", [
    ("LegacyRegistryPermissions", "needs AcrPull on the registry"),
    ("AbacRepositoryPermissions", "needs 'Container Registry Repository Catalog Lister' on the registry (the registry "
                                  "uses ABAC repository permissions, where AcrPull is not honoured)")])
def test_no_catalog_permission_is_one_line_naming_the_role(az, emu, mode, role):
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    assert call(emu, "PATCH", registry_path(), {"properties": {"roleAssignmentMode": mode}}).status == 200
    emu.knobs(grants={"demopremium": ["pull", "metadata_read"]})
    result = az("acr replication status {} --all-repositories".format(REG), expect=1)
    assert errors(result) == ["ERROR: {} may not list the repositories of demopremium: {}".format(CLIENT_ID, role)]
    assert "Traceback" not in result.stderr
    assert not listings(emu, "_catalog")  # refused from the token's claim, before asking


@pytest.mark.parametrize("mode, role", [
    ("LegacyRegistryPermissions", "needs AcrPull on the registry"),
    ("AbacRepositoryPermissions", "needs 'Container Registry Repository Reader' on the registry or the repository")])
def test_no_permission_on_tags_is_one_line_naming_the_role(az, emu, mode, role):
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    assert call(emu, "PATCH", registry_path(), {"properties": {"roleAssignmentMode": mode}}).status == 200
    emu.knobs(grants={"demopremium": ["pull", "catalog"]})  # pull is not enough for tags
    result = az("acr replication status {} --repository app --wait --timeout 60".format(REG), expect=1)
    assert result.seconds < 30  # waiting would not change it
    line = "{} may not read the tags of app in demopremium: {}".format(CLIENT_ID, role)
    assert len(errors(result)) == 1 and line in errors(result)[0]
    assert "waiting will not change that" in errors(result)[0]


def test_the_emulator_refuses_a_listing_the_token_does_not_cover(az, emu):
    """The registry side: a token without metadata_read gets 401 with a challenge naming the scope."""
    regions(az, emu)
    emu.push("demopremium", "app", "v1")
    emu.knobs(grants={"demopremium": ["pull", "catalog"]})
    az("acr replication status {} --image app:v1".format(REG))  # a pull token: fine for the manifest
    from tests.test_emulator_content import token_for, session
    http = session(emu)
    token = token_for(emu, http, "demopremium.westus.geo.azurecr.io", "repository:app:pull")
    answer = http.get("https://demopremium.westus.geo.azurecr.io/acr/v1/app/_tags",
                      headers={"Authorization": "Bearer " + token})
    assert answer.status_code == 401
    assert 'scope="repository:app:metadata_read",error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


# --- tokens: one request for many repositories ---------------------------------------------------------------------
def test_one_token_request_per_endpoint_covers_every_repository(az, emu):
    regions(az, emu, "eastus")
    names = ["app{}".format(i) for i in range(6)]
    for name in names:
        emu.push("demopremium", name, "v1")
    az("acr replication status {} --repository {}".format(REG, " ".join(names)))
    assert per_host(emu, "/oauth2/token") == {"westus": 1, "eastus": 1}
    emu.emulator.clear_log()
    az("acr replication status {} --image {}".format(REG, " ".join(n + ":v1" for n in names)))
    assert per_host(emu, "/oauth2/token") == {"westus": 1, "eastus": 1}
    requests = len(emu.dataplane_requests())
    assert requests / (2.0 * len(names)) <= 1.5  # GET /v2/, exchange, token, then one HEAD per image


def test_a_token_service_that_reads_one_scope_is_asked_one_scope_at_a_time(az, emu):
    regions(az, emu, token_multi_scope=False)
    for name in ("a", "b", "c"):
        emu.push("demopremium", name, "v1")
    result = az("acr replication status {} --image a:v1 b:v1 c:v1".format(REG))
    assert result.json["complete"] is True
    assert per_host(emu, "/oauth2/token") == {"westus": 3}  # asked for 3, granted 1; then b and c alone


# --- throttling, unreachable regions --------------------------------------------------------------------------------
def test_throttled_listings_wait_as_retry_after_says(az, emu):
    regions(az, emu, "eastus")
    emu.seed("demopremium", 3, 2)
    emu.fault(status=429, method="GET", path="/acr/v1/_catalog", host="eastus", times=1, retry_after=2)
    emu.fault(status=429, method="GET", path="/acr/v1/repo1/_tags", host="westus", times=2, retry_after=1)
    result = az("acr replication status {} --all-repositories".format(REG))
    assert result.json["complete"] is True
    catalog = listings(emu, "_catalog", "eastus")
    assert [e["status"] for e in catalog] == [429, 200] and catalog[1]["start"] - catalog[0]["start"] >= 1.9
    tags = [e for e in listings(emu, host="westus") if "repo1" in e["path"]]
    assert [e["status"] for e in tags] == [429, 429, 200] and tags[2]["start"] - tags[0]["start"] >= 1.9


@pytest.mark.parametrize("fault", ["down", "hanging"])
def test_an_unreachable_region_does_not_hold_up_the_others(az, emu, fault):
    regions(az, emu, "eastus", "japaneast")
    emu.seed("demopremium", 4, 2)
    if fault == "down":
        emu.knobs(down_endpoints=["demopremium.japaneast.geo.azurecr.io"])
    else:
        emu.fault(status=200, method="GET", path="/acr/v1/_catalog", host="japaneast", delay=120, times=5)
    started = time.monotonic()
    result = az("acr replication status {} --all-repositories".format(REG), expect=1)
    assert time.monotonic() - started < (15 if fault == "down" else 40)
    assert region(result.json, "japaneast")["state"] == "unreachable"
    assert region(result.json, "eastus")["state"] == "same" and region(result.json, "eastus")["tags"] == 8
    assert "japaneast: unreachable" in errors(result)[0]


def test_a_down_region_is_reported_for_itself_by_status_repository(az, emu):
    regions(az, emu, "eastus", "japaneast")
    emu.push("demopremium", "app", "v1")
    emu.knobs(down_endpoints=["demopremium.japaneast.geo.azurecr.io"])
    result = az("acr replication status {} --repository app".format(REG), expect=1)
    app = repo(result.json, "app")
    assert region(app, "japaneast")["state"] == "unreachable" and region(app, "eastus")["state"] == "present"
    assert result.seconds < 20 and "unreachable in japaneast" in errors(result)[0]


def overlap(entries):
    """The most requests of entries in flight at one moment (from the emulator's log: start, seconds)."""
    edges = sorted([(e["start"], 1) for e in entries] + [(e["start"] + e["seconds"], -1) for e in entries])
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


def test_tag_listings_run_in_parallel_within_bounds_per_region(az, emu):
    regions(az, emu, "eastus", "japaneast")
    emu.seed("demopremium", 40, 1)
    emu.knobs(latency_ms=150)
    assert az("acr replication status {} --all-repositories".format(REG)).json["complete"] is True
    tags = listings(emu)
    per_region = {host: overlap([e for e in tags if e["host"] == host]) for host in {e["host"] for e in tags}}
    assert len(per_region) == 3 and all(2 <= peak <= 4 for peak in per_region.values()), per_region
    assert overlap(tags) <= 32


# --- a new replica: progress ------------------------------------------------------------------------------------------
def test_a_new_replica_shows_how_far_it_has_got_and_wait_gives_rate_and_time_left(az, emu):
    regions(az, emu)
    emu.seed("demopremium", 12, 5)
    emu.knobs(sync_seconds=14)
    az("acr replication create {} -l eastus -o none".format(REG))
    first = az("acr replication status {} --all-repositories".format(REG), expect=1).json
    east = region(first, "eastus")
    assert east["replicaStatus"] == "Syncing" and east["state"] == "differs"
    assert east["progress"]["tagsAtHome"] == 60 and 0 <= east["progress"]["tagsPresent"] < 60
    time.sleep(3)
    result = az("acr replication status {} --all-repositories --wait --timeout 90 --verbose".format(REG))
    assert result.json["complete"] is True and region(result.json, "eastus")["progress"]["percent"] == 100.0
    rounds = [line for line in result.stderr.splitlines() if line.startswith("INFO: eastus:")]
    assert len(rounds) >= 2 and any("tags/min" in line and " left)" in line for line in rounds), result.stderr
    percents = [float(line.split("(")[1].split("%")[0]) for line in rounds]
    assert percents == sorted(percents) and percents[0] >= east["progress"]["percent"]


def test_a_progress_line_shows_on_a_terminal_while_it_reads(az, emu):
    regions(az, emu, "eastus")
    emu.seed("demopremium", 40, 2)
    emu.knobs(latency_ms=60)
    code, printed = az.on_terminal("acr replication status {} --all-repositories -o none".format(REG))
    assert code == 0 and "read " in printed and " repositories" in printed and "eastus 100.0%" in printed


def test_all_repositories_wait_follows_a_replica_being_created(az, emu):
    regions(az, emu)
    emu.seed("demopremium", 3, 2)
    emu.knobs(operation_seconds=4)
    az("acr replication create {} -l eastus --no-wait".format(REG))
    result = az("acr replication status {} --all-repositories --wait --timeout 60".format(REG))
    assert result.json["complete"] is True and region(result.json, "eastus")["state"] == "same"
    assert result.json["waitedSeconds"] >= 2


def test_all_repositories_wait_times_out_naming_what_is_missing(az, emu):
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --all-repositories --wait --timeout 6".format(REG), expect=1)
    assert result.json["timedOut"] is True and result.seconds < 20
    assert errors(result)[0].startswith("ERROR: Timed out after ")
    assert "eastus: 1 tags missing (1 repositories)" in errors(result)[0]


# --- arguments ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    ("--repository app:v1", "--repository 'app:v1' names an image"),
    ("--repository App", "a repository is lowercase"),
    ("--image app:v1 --repository app", "give one of --image, --repository and --all-repositories"),
    ("--repository app --all-repositories", "give one of --image, --repository and --all-repositories"),
    ("--all-repositories --timeout 5", "--timeout is how long --wait waits"),
])
def test_bad_arguments_are_usage_errors_before_any_call(az, emu, args, message):
    result = az("acr replication status {} {}".format(REG, args), expect=2)
    assert message in result.stderr and not emu.requests()


def test_regional_endpoints_off_is_one_line_saying_how_to_enable_them(az, emu):
    result = az("acr replication status {} --all-repositories".format(REG), expect=1)
    assert "Regional endpoints are disabled on registry 'demopremium', so a replica cannot be asked on its own which " \
           "repositories it holds." in result.stderr
    assert "az acr update -n demopremium --regional-endpoints enabled" in result.stderr


def test_no_token_shows_in_any_output(az, emu):
    regions(az, emu, "eastus")
    emu.seed("demopremium", 2, 2)
    results = [az("acr replication status {} --all-repositories --debug".format(REG)),
               az("acr replication status {} --repository repo0 --debug".format(REG))]
    text = "\n".join(r.stdout + r.stderr for r in results)
    for token in emu.emulator.tokens.issued:
        assert token not in text and token.split(".")[2] not in text


def test_help_has_examples_for_repositories_and_catalog(az):
    text = az("acr replication status --help").stdout
    assert "--repository" in text and "--all-repositories" in text
    assert "az acr replication status -r myregistry --repository app team/api -o table" in text
    assert "az acr replication status -r myregistry --all-repositories --wait" in text
    assert "Untagged manifests" in text or "untagged manifests" in text
    assert "changedWhileReading" in text


# --- review of issue 17 -----------------------------------------------------------------------------------------------
def test_a_repository_the_catalog_lists_with_a_dot_in_its_first_component_can_be_checked(az, emu):
    """ACR repository names may hold '.' in any component (OCI name grammar; e.g. an import named
    docker.io/library/nginx). --all-repositories reports such a repository as missing somewhere, and the natural
    next step, --repository with that very name, is refused as 'another registry' (exit 2). --repository takes a
    repository of THIS registry (the own login server is already stripped), not a docker image reference."""
    regions(az, emu, "eastus")
    emu.push("demopremium", "docker.io/library/nginx", "v1", lag_seconds={"eastus": 600})
    catalog = az("acr replication status {} --all-repositories".format(REG), expect=1).json
    assert region(catalog, "eastus")["differences"][0]["repository"] == "docker.io/library/nginx"
    result = az("acr replication status {} --repository docker.io/library/nginx".format(REG), expect=None)
    assert result.code == 1, result
    assert repo(result.json, "docker.io/library/nginx")["missing"] == [{"tag": "v1", "regions": ["eastus"]}]


def test_a_slow_region_that_answers_every_listing_is_not_reported_unreachable(az, emu):
    """--repository reads a region's repositories one after another (1 listing in flight per region), and a
    region whose round takes over 30 s is called 'unreachable (no answer within 30 s)' although it answered
    every request (3 s each, well within the 8 s read timeout). The issue asks for bounded concurrency per
    region (as --all-repositories has: 4), and a region that answers is not unreachable."""
    regions(az, emu, "eastus")
    names = ["r{:02d}".format(i) for i in range(11)]
    for name in names:
        emu.push("demopremium", name, "v1")
    emu.fault(status=200, method="GET", path="/_tags", host="eastus", delay=3, times=100)
    emu.emulator.clear_log()
    result = az("acr replication status {} --repository {}".format(REG, " ".join(names)), expect=None)
    assert "unreachable" not in result.stderr
    assert result.code == 0, result
    east = [e for e in listings(emu) if "eastus" in e["host"]]
    assert overlap(east) >= 2  # listings of one region run in parallel (within a bound)


def test_all_repositories_wait_ends_at_once_when_a_repository_may_not_be_read(az, emu):
    """ABAC registries scope Repository Reader to repositories (the documented use of ABAC conditions). With
    the catalog readable and one repository not, --all-repositories --wait cannot ever match: it should end at
    once saying waiting will not change that (as --repository --wait and --image --wait do for a missing
    permission), not wait out --timeout (default 3600 s) and then say 'Timed out'."""
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "secret", "v1")
    assert call(emu, "PATCH", registry_path(),
                {"properties": {"roleAssignmentMode": "AbacRepositoryPermissions"}}).status == 200
    emu.knobs(grants={"demopremium": ["catalog"], "demopremium/app": ["pull", "metadata_read"]})
    result = az("acr replication status {} --all-repositories --wait --timeout 40".format(REG), expect=1)
    assert result.seconds < 25, result
    assert result.json["timedOut"] is False
    assert "waiting will not change that" in errors(result)[0]
    assert "may not read the tags of secret" in errors(result)[0]


@pytest.mark.parametrize("name", ["a__b", "a--b"])
def test_the_emulator_serves_listings_of_every_valid_repository_name(az, emu, name):
    """The OCI name grammar (and ACR) allow '__' and runs of '-' between components; the client accepts them.
    The emulator stores and catalogs such a repository but answers its _tags (and manifests) with 404
    NOT_FOUND 'The emulator does not serve ...' (its path regex allows one separator only), which the client
    reads as 'no such repository': exit 3 'Not found in any region'."""
    regions(az, emu, "eastus")
    emu.push("demopremium", name, "v1")
    result = az("acr replication status {} --repository {}".format(REG, name), expect=None)
    assert result.code == 0, result
    assert list(repo(result.json, name)["tags"]) == ["v1"]
    assert az("acr replication status {} --image {}:v1".format(REG, name), expect=None).code == 0


def test_the_emulator_can_delete_a_repository_at_home_that_reaches_a_replica_late(az, emu):
    """The issue's 'extra (deleted at home, still there)' for repositories, and 'deletes that reach regions
    late': the emulator can only untag (the manifest stays, so the repository stays in every catalog). ACR also
    deletes manifests (`az acr repository delete --image`, which removes every tag on it) and whole repositories
    (`az acr repository delete --repository`), and replicas see those late too. The emulator has no way to do
    either, so a repository deleted at home and still in a replica cannot be produced."""
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "old", "v1")
    emu.delete_repository("demopremium", "old", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --all-repositories".format(REG), expect=1).json
    assert result["repositoriesAtHome"] == 1
    assert region(result, "eastus")["extra"] == {"repositories": 1, "tags": 1}


def test_a_manifest_deleted_at_home_takes_its_tags_and_reaches_a_replica_late(az, emu):
    regions(az, emu, "eastus")
    emu.push("demopremium", "app", "v1")
    pushed = emu.push("demopremium", "app", "v2")
    emu.delete_manifest("demopremium", "app", pushed["digest"], lag_seconds={"eastus": 600})
    result = az("acr replication status {} --repository app".format(REG), expect=1).json
    assert sorted(repo(result, "app")["tags"]) == ["v1", "v2"]
    assert repo(result, "app")["missing"] == [{"tag": "v2", "regions": ["westus"]}]
