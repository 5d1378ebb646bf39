"""`az acr replication status --all-repositories`, through the real az and the emulator's registry data plane: every
region's catalog against the home region's (missing, extra, skewed tags and repositories), how far a new replica has
got (and with --wait its rate and the time left), --wait following a replica being created or timing out, tag
listings in parallel within bounds, regions down or hanging, and regional endpoints being off. Small data: the
1,000-repository case is the benchmark's (bench/content.py)."""
import time

import pytest

from tests.helpers import REG, errors, listings, overlap, region

pytestmark = pytest.mark.e2e


def test_all_repositories_alike_everywhere_exits_0_with_a_row_per_region(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
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
    emu.replicated("demopremium", "eastus", "japaneast")
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


def test_the_emulator_can_delete_a_repository_at_home_that_reaches_a_replica_late(az, emu):
    """A repository deleted at home and still in a replica (`az acr repository delete --repository`, which
    replicas see late as they see every delete) is an extra repository there."""
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.push("demopremium", "old", "v1")
    emu.delete_repository("demopremium", "old", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --all-repositories".format(REG), expect=1).json
    assert result["repositoriesAtHome"] == 1
    assert region(result, "eastus")["extra"] == {"repositories": 1, "tags": 1}


def test_regional_endpoints_off_is_one_line_saying_how_to_enable_them(az, emu):
    result = az("acr replication status {} --all-repositories".format(REG), expect=1)
    assert "Regional endpoints are disabled on registry 'demopremium', so a replica cannot be asked on its own which " \
           "repositories it holds." in result.stderr
    assert "az acr update -n demopremium --regional-endpoints enabled" in result.stderr


def test_tag_listings_run_in_parallel_within_bounds_per_region(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.seed("demopremium", 40, 1)
    emu.knobs(latency_ms=150)
    assert az("acr replication status {} --all-repositories".format(REG)).json["complete"] is True
    tags = listings(emu)
    per_region = {host: overlap([e for e in tags if e["host"] == host]) for host in {e["host"] for e in tags}}
    assert len(per_region) == 3 and all(2 <= peak <= 4 for peak in per_region.values()), per_region
    assert overlap(tags) <= 32


# --- a new replica: progress, and --wait ------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_new_replica_shows_how_far_it_has_got_and_wait_gives_rate_and_time_left(az, emu):
    """In real time, a replica receiving 60 tags over 10 s (the rate and time left themselves, on given times:
    test_rate_and_time_left_of_a_steady_sync, test_progress_of_a_region_with_and_without_a_rate)."""
    emu.replicated("demopremium")
    emu.seed("demopremium", 12, 5)
    emu.knobs(sync_seconds=10)
    emu.add_replicas("demopremium", "eastus", syncing=True)
    first = az("acr replication status {} --all-repositories".format(REG), expect=1).json
    east = region(first, "eastus")
    assert east["replicaStatus"] == "Syncing" and east["state"] == "differs"
    assert east["progress"]["tagsAtHome"] == 60 and 0 <= east["progress"]["tagsPresent"] < 60
    result = az("acr replication status {} --all-repositories --wait --timeout 90 --verbose".format(REG))
    assert result.json["complete"] is True and region(result.json, "eastus")["progress"]["percent"] == 100.0
    rounds = [line for line in result.stderr.splitlines() if line.startswith("INFO: eastus:")]
    assert len(rounds) >= 2 and any("tags/min" in line and " left)" in line for line in rounds), result.stderr
    percents = [float(line.split("(")[1].split("%")[0]) for line in rounds]
    assert percents == sorted(percents) and percents[0] >= east["progress"]["percent"]


def test_a_progress_line_shows_on_a_terminal_while_it_reads(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.seed("demopremium", 40, 2)
    emu.knobs(latency_ms=60)
    code, printed = az.on_terminal("acr replication status {} --all-repositories -o none".format(REG))
    assert code == 0 and "read " in printed and " repositories" in printed and "eastus 100.0%" in printed


@pytest.mark.slow
def test_all_repositories_wait_follows_a_replica_being_created(az, emu):
    emu.replicated("demopremium")
    emu.seed("demopremium", 3, 2)
    emu.knobs(operation_seconds=4)
    emu.add_replicas("demopremium", "eastus", state="Creating")
    result = az("acr replication status {} --all-repositories --wait --timeout 60".format(REG))
    assert result.json["complete"] is True and region(result.json, "eastus")["state"] == "same"
    assert result.json["waitedSeconds"] >= 2  # eastus was provisioned 4 s after it was added; az starts within 2 s


def test_all_repositories_wait_times_out_naming_what_is_missing(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --all-repositories --wait --timeout 3".format(REG), expect=1)
    assert result.json["timedOut"] is True and result.seconds < 20
    assert errors(result)[0].startswith("ERROR: Timed out after ")
    assert "eastus: 1 tags missing (1 repositories)" in errors(result)[0]


# --- regions down or hanging --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["down", pytest.param("hanging", marks=pytest.mark.slow)])
def test_an_unreachable_region_does_not_hold_up_the_others(az, emu, fault):
    """A hanging region takes the endpoint's real read timeout and retries (as for --image: test_a_hanging_region_
    does_not_delay_the_others_beyond_the_read_timeout); here the catalog read drops it and compares the others."""
    emu.replicated("demopremium", "eastus", "japaneast")
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
