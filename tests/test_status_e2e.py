"""`az acr replication status` (issue 10): replicas, and whether images reached every region, through the
real az and the emulator's registry data plane. Each test is a row of the README's Reliability table."""
import json
import time

import pytest

from tests.armclient import call, registry_path

REG = "-r demopremium"


def enable_regional_endpoints(az):
    """What `az acr update -n demopremium --regional-endpoints enabled` does (azure-cli 2.75 lacks the flag)."""
    body = {"properties": {"regionalEndpoints": "Enabled"}}
    assert call(az.running, "PATCH", registry_path(), body).status == 200


def replicas(az, emu, *regions, **knobs):
    emu.knobs(operation_seconds=0, **knobs)
    az("acr replication create {} -l {}".format(REG, " ".join(regions)))


def by_region(result, image=0):
    return {r["region"]: r for r in result["images"][image]["regions"]}


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("ERROR")]


# --- without --image: ARM only ----------------------------------------------------------------------------
def test_status_without_image_is_one_row_per_replica(az, emu):
    replicas(az, emu, "eastus", sync_seconds=60)
    az("acr replication update -n eastus {} --global-endpoint-routing false".format(REG))
    emu.emulator.clear_log()
    rows = {r["name"]: r for r in az("acr replication status {}".format(REG)).json}
    assert set(rows) == {"westus", "eastus"}
    assert rows["westus"]["home"] is True and rows["eastus"]["home"] is False
    assert rows["eastus"]["status"] == "Syncing" and rows["eastus"]["statusAgeSeconds"] >= 0
    assert rows["eastus"]["statusTimestamp"].endswith("Z")
    assert rows["eastus"]["globalEndpointRouting"] is False and rows["eastus"]["regionalEndpoint"] is None
    assert emu.dataplane_requests() == []  # cheap: ARM only
    assert [e["method"] for e in emu.requests()] == ["GET", "GET"]  # registry + replications (group cached)
    table = az("acr replication status {} -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["NAME", "LOCATION", "PROVISIONING", "STATE", "STATUS", "FOR", "GLOBAL", "ROUTING",
                                "REGIONAL", "ENDPOINT"]
    assert any(line.startswith("westus (home)") for line in table)


def test_status_without_geo_replicas_shows_the_home_region(az, emu):
    enable_regional_endpoints(az)
    rows = az("acr replication status {}".format(REG)).json
    assert [(r["name"], r["home"], r["regionalEndpoint"]) for r in rows] == [
        ("westus", True, "demopremium.westus.geo.azurecr.io")]


def test_builtin_acr_update_and_show_see_regional_endpoints(builtin_az, emu):
    if "--regional-endpoints" not in builtin_az("acr update --help").stdout:
        pytest.skip("this azure-cli has no --regional-endpoints (added after 2.75)")
    builtin_az("acr update -n demopremium --regional-endpoints enabled -o none")
    shown = builtin_az("acr show -n demopremium").json
    assert shown["regionalEndpoints"] == "Enabled"
    assert shown["regionalEndpointHostNames"] == ["demopremium.westus.geo.azurecr.io"]


# --- with --image -------------------------------------------------------------------------------------------
def test_image_in_every_region_exits_0_with_digests(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    pushed = emu.push("demopremium", "hello", "v1")
    result = az("acr replication status {} --image hello:v1".format(REG)).json
    assert result["complete"] is True
    assert {r: (v["state"], v["digest"]) for r, v in by_region(result).items()} == {
        region: ("present", pushed["digest"]) for region in ("westus", "eastus", "japaneast")}
    table = az("acr replication status {} --image hello:v1 -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["IMAGE", "REGION", "STATE", "DIGEST", "ARRIVED", "AFTER"]


def test_wait_returns_when_the_last_region_has_the_image(az, emu):
    replicas(az, emu, "eastus", "japaneast", "uksouth")
    enable_regional_endpoints(az)
    # lags well above az's start-up time (about 1 s, 3-4 s on a loaded machine): the order is the lags'
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 5, "japaneast": 8, "uksouth": 11})
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 60".format(REG))
    wall = time.monotonic() - started
    regions = by_region(result.json)
    assert all(r["state"] == "present" for r in regions.values())
    arrived = {name: r["arrivedAfterSeconds"] for name, r in regions.items()}
    assert arrived["westus"] < arrived["eastus"] < arrived["japaneast"] < arrived["uksouth"]
    assert 6 <= arrived["uksouth"] <= 11 + 2
    assert wall < 11 + 5  # returns soon after the last region has it


def test_wait_times_out_naming_the_regions_without_it(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 0, "japaneast": 600})
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 3".format(REG), expect=1)
    assert time.monotonic() - started < 3 + 8
    assert "Timed out after 3 s" in result.stderr and "hello:v1: missing in japaneast" in result.stderr
    assert len(errors(result)) == 1 and "Traceback" not in result.stderr


def test_not_yet_everywhere_exits_1_with_one_line(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 600, "japaneast": 600})
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert errors(result) == ["ERROR: Not in every region yet: hello:v1: missing in eastus, japaneast."]
    # the result is printed all the same (issue 19): CI scripts parse it
    assert result.json["complete"] is False
    assert {r: v["state"] for r, v in by_region(result.json).items()} == {
        "westus": "present", "eastus": "missing", "japaneast": "missing"}


def test_an_incomplete_result_is_printed_as_asked_then_exit_1(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 600})
    table = az("acr replication status {} --image hello:v1 -o table".format(REG), expect=1)
    rows = [line.split()[:3] for line in table.stdout.splitlines()[2:]]
    assert rows == [["hello:v1", "westus", "present"], ["hello:v1", "eastus", "missing"]]
    assert errors(table) == ["ERROR: Not in every region yet: hello:v1: missing in eastus."]
    lacking = az(["acr", "replication", "status", "-r", "demopremium", "--image", "hello:v1", "--query",
                  "images[].regions[?state!='present'].region[]", "-o", "tsv"], expect=1)
    assert lacking.stdout.split() == ["eastus"]
    assert az("acr replication status {} --image hello:v1 -o none".format(REG), expect=1).stdout == ""


def test_tag_skew_is_reported_and_waited_out(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    first = emu.push("demopremium", "hello", "v1")
    time.sleep(0.1)
    second = emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 0, "japaneast": 8})
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert "hello:v1: 2 digests" in result.stderr
    assert first["digest"][:19] in result.stderr and second["digest"][:19] in result.stderr
    waited = az("acr replication status {} --image hello:v1 --wait --timeout 30".format(REG)).json
    assert waited["images"][0]["digests"] == [second["digest"]]


def test_replica_being_created_is_reported_as_such(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.knobs(operation_seconds=60)
    az("acr replication create {} -l japaneast --no-wait".format(REG))
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert "replica creating in japaneast" in result.stderr and "missing" not in errors(result)[0]


def test_regional_endpoints_disabled_says_how_to_enable(az, emu):
    replicas(az, emu, "eastus")
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert "az acr update -n demopremium --regional-endpoints enabled" in result.stderr
    assert emu.dataplane_requests() == []
    az("acr replication status {}".format(REG))  # without --image it still works


def test_image_in_no_region_exits_3(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v9 --wait --timeout 60".format(REG), expect=3)
    assert time.monotonic() - started < 15  # not worth waiting for: a typo, or not pushed
    assert errors(result) == ["ERROR: Not found in any region of 'demopremium': hello:v9. Check the repository "
                              "and tag (or push the image first)."]
    assert {r["state"] for r in by_region(result.json).values()} == {"missing"}  # printed all the same


@pytest.mark.parametrize("image", ["Hello:v1", "hello@sha256:abc", "hello:-bad", "other.azurecr.io/x/y:1"])
def test_bad_image_reference_is_a_usage_error(az, emu, image):
    result = az(["acr", "replication", "status", "-r", "demopremium", "--image", image], expect=2)
    assert "--image" in result.stderr and "Traceback" not in result.stderr
    assert emu.requests() == [] and emu.dataplane_requests() == []


def test_login_server_prefix_and_digest_references_are_accepted(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    pushed = emu.push("demopremium", "hello", "v1")
    result = az("acr replication status {} --image demopremium.azurecr.io/hello:v1 hello@{} "
                "demopremium.azurecr.io/hello:v1@{}".format(REG, pushed["digest"], pushed["digest"])).json
    assert [i["image"] for i in result["images"]] == ["hello:v1", "hello@" + pushed["digest"],
                                                      "hello:v1@" + pushed["digest"]]  # as docker pull takes it
    assert result["complete"] is True


# --- the data plane misbehaving ------------------------------------------------------------------------------
def test_one_region_down_is_reported_for_that_region_only(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.knobs(down_endpoints=["demopremium.japaneast.geo.azurecr.io"])
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert time.monotonic() - started < 20
    assert "unreachable in japaneast" in errors(result)[0]
    assert "westus: " not in result.stderr and "eastus: hello:v1" not in result.stderr


def test_a_hanging_region_does_not_delay_the_others_beyond_the_read_timeout(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=200, method="HEAD", path="/manifests/", host="japaneast", delay=40, times=10)
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert time.monotonic() - started < 30  # connect 4 s + read 8 s, bounded retries; not 40 s
    assert "japaneast: hello:v1 unreachable" in result.stderr


@pytest.mark.parametrize("status, path, says", [
    (401, "/oauth2/exchange", "az login"),
    (403, "/oauth2/token", "AcrPull"),
])
def test_token_service_refusals_say_what_to_do(az, emu, status, path, says):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=status, method="POST", path=path, host="eastus", times=10)
    result = az("acr replication status {} --image hello:v1".format(REG), expect=1)
    assert says in result.stderr and "Traceback" not in result.stderr
    assert "error in eastus" in errors(result)[0]


def test_throttling_with_retry_after_is_honoured(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=429, method="HEAD", path="/manifests/", host="eastus", retry_after=2, times=1)
    assert az("acr replication status {} --image hello:v1".format(REG)).json["complete"] is True
    heads = [e["start"] for e in emu.dataplane_requests() if e["method"] == "HEAD" and "eastus" in e["host"]]
    assert len(heads) == 2 and heads[1] - heads[0] >= 1.9


def test_503_and_a_dropped_connection_are_retried(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=503, method="HEAD", path="/manifests/", host="eastus", times=1)
    emu.fault(status=0, method="HEAD", path="/manifests/", host="westus", times=1)
    assert az("acr replication status {} --image hello:v1".format(REG)).json["complete"] is True


def test_tokens_are_fetched_once_per_endpoint_and_reused(az, emu):
    replicas(az, emu, "eastus", "japaneast")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.push("demopremium", "hello", "v2")
    emu.emulator.clear_log()
    az("acr replication status {} --image hello:v1 hello:v2".format(REG))
    log = emu.dataplane_requests()
    for host in ("westus", "eastus", "japaneast"):
        calls = sorted((e["method"], e["path"]) for e in log if ".{}.".format(host) in e["host"])
        assert calls == [("GET", "/v2/"), ("HEAD", "/v2/hello/manifests/v1"), ("HEAD", "/v2/hello/manifests/v2"),
                         ("POST", "/oauth2/exchange"), ("POST", "/oauth2/token")]
    accepts = {e["accept"] for e in log if e["method"] == "HEAD"}
    assert len(accepts) == 1
    accept = accepts.pop()
    assert all(t in accept for t in (
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json"))


def test_routing_off_replicas_are_still_checked(az, emu):
    replicas(az, emu, "eastus")
    az("acr replication update -n eastus {} --global-endpoint-routing false".format(REG))
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    assert by_region(az("acr replication status {} --image hello:v1".format(REG)).json)["eastus"]["state"] == \
        "present"


def test_no_token_of_any_kind_in_debug_output(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    result = az("acr replication status {} --image hello:v1 --debug".format(REG))
    text = result.stdout + result.stderr
    assert "/oauth2/exchange" in text  # the calls are logged ...
    tokens = emu.emulator.tokens.issued
    assert len(tokens) >= 3  # AAD, refresh and access tokens were handed out
    for token in tokens:
        assert token not in text and token.split(".")[2] not in text  # ... their tokens are not


# --- --wait follows the registry while it waits (issue 19) ------------------------------------------------------
def provisioned_at(emu, region):
    """When the emulator's replica in `region` was provisioned: with no replication lag, when an image
    pushed before reached it."""
    return emu.emulator.state.registry_by_name("demopremium").replicas[region].provisioned_at


def test_wait_follows_a_replica_being_created_and_returns_soon_after_the_image_reaches_it(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.knobs(operation_seconds=5)  # the reproduction: a 5 s create, a 60 s timeout
    az("acr replication create {} -l japaneast --no-wait".format(REG))
    emu.push("demopremium", "hello", "v1")
    started = time.time()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 60".format(REG))
    ended = time.time()
    reached = provisioned_at(emu, "japaneast")
    assert started < reached - 1  # the replica was still being created when the wait began
    assert {r: v["state"] for r, v in by_region(result.json).items()} == {
        "westus": "present", "eastus": "present", "japaneast": "present"}
    seen = min(e["start"] for e in emu.dataplane_requests()
               if e["method"] == "HEAD" and ".japaneast." in e["host"] and e["status"] == 200)
    print("image reached japaneast -> seen there {:.2f} s, az returned {:.2f} s".format(
        seen - reached, ended - reached))
    assert seen - reached <= 1.5  # followed every 1 s, then the endpoint's token flow (4 requests)
    # the goal is 2 s (az's exit included; 1.1-1.5 s measured here); 0.5 s more for a loaded machine
    assert ended - reached <= 2 + 0.5
    gets = [e for e in emu.requests() if e["method"] == "GET" and e["path"].endswith("/replications/japaneast")]
    assert 1 <= len(gets) <= 8  # followed by GET every 1 s (fewer when az starts slowly); not hammered


def test_wait_finds_a_replica_created_after_it_began_within_the_relist_period(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 24})  # keeps the wait going
    proc = az.popen("acr replication status {} --image hello:v1 --wait --timeout 90".format(REG))
    deadline = time.monotonic() + 30
    while not any(e["method"] == "HEAD" for e in emu.dataplane_requests()) and time.monotonic() < deadline:
        time.sleep(0.1)  # the wait has begun
    emu.knobs(operation_seconds=2)
    az("acr replication create {} -l japaneast --no-wait".format(REG))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    regions = by_region(json.loads(stdout))
    assert regions["japaneast"]["state"] == "present" and regions["eastus"]["state"] == "present"
    reached = provisioned_at(emu, "japaneast")
    noticed = min(e["start"] for e in emu.dataplane_requests()
                  if e["method"] == "HEAD" and ".japaneast." in e["host"] and e["status"] == 200)
    print("image reached the later replica -> first seen there: {:.2f} s".format(noticed - reached))
    assert noticed - reached <= 12 + 2  # within the re-list period (12 s)
    lists = [e for e in emu.requests() if e["method"] == "GET" and e["path"].endswith("/replications")]
    assert 2 <= len(lists) <= 6  # the first list, a re-list every 12 s, one before saying done


def test_wait_sees_a_replica_being_created_when_the_list_lags(az, emu):
    """create --no-wait, push, status --image --wait while ARM's replica list lags behind (the list shows
    replicas as they were, the GETs are current): the registry already names the new replica's regional
    endpoint, so the command waits for it instead of saying 'in every region' before japaneast has the image."""
    emu.knobs(operation_seconds=0, list_lag_seconds=8)
    az("acr replication create -r demopremium -l eastus -o none")
    enable_regional_endpoints(az)
    time.sleep(9)  # eastus is in the (lagging) list by now
    emu.knobs(operation_seconds=3)
    az("acr replication create -r demopremium -l japaneast --no-wait")
    emu.push("demopremium", "app", "1", lag_seconds={"japaneast": 5, "eastus": 1})
    result = az("acr replication status -r demopremium --image app:1 --wait --timeout 60")
    regions = {r["region"]: r["state"] for r in result.json["images"][0]["regions"]}
    assert regions == {"westus": "present", "eastus": "present", "japaneast": "present"}, regions


def test_without_wait_a_replica_the_list_does_not_show_yet_is_reported(az, emu):
    emu.knobs(operation_seconds=0, list_lag_seconds=30)
    enable_regional_endpoints(az)
    az("acr replication create -r demopremium -l eastus -o none")
    emu.push("demopremium", "app", "1", lag_seconds={"eastus": 60})
    result = az("acr replication status -r demopremium --image app:1", expect=1)
    regions = {r["region"]: r["state"] for r in result.json["images"][0]["regions"]}
    assert regions == {"westus": "present", "eastus": "missing"}, regions


def test_wait_honours_retry_after_while_following_a_replica_being_created(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.knobs(operation_seconds=8)  # still being created when the wait begins, on a loaded machine too
    az("acr replication create {} -l japaneast --no-wait".format(REG))
    emu.push("demopremium", "hello", "v1")
    emu.fault(status=429, method="GET", path="/replications/japaneast$", retry_after=3, times=1)
    result = az("acr replication status {} --image hello:v1 --wait --timeout 60".format(REG))
    assert by_region(result.json)["japaneast"]["state"] == "present"
    gets = [e["start"] for e in emu.requests() if e["method"] == "GET" and e["path"].endswith("/japaneast")]
    assert gets[1] - gets[0] >= 2.9  # the throttled GET is tried again when ARM said, not before


def test_a_hanging_arm_read_of_one_replica_delays_no_other_region(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.knobs(operation_seconds=120)
    az("acr replication create {} -l japaneast --no-wait".format(REG))
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 4})
    emu.fault(status=200, method="GET", path="/replications/japaneast$", delay=40, times=5)
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 10".format(REG), expect=1)
    assert time.monotonic() - started < 10 + 6  # the deadline holds though japaneast's GET hangs
    regions = by_region(result.json)
    assert regions["eastus"]["state"] == "present" and regions["eastus"]["arrivedAfterSeconds"] <= 4 + 2
    assert regions["japaneast"]["state"] == "replica creating"
    assert errors(result)[0].startswith("ERROR: Timed out after 10 s. Not in every region yet: hello:v1: replica "
                                        "creating in japaneast")


def test_wait_ends_early_when_a_replica_being_created_fails(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1")
    emu.knobs(operation_seconds=3, fail_regions=["japaneast"])
    az("acr replication create {} -l japaneast --no-wait".format(REG))
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 60".format(REG), expect=1)
    assert time.monotonic() - started < 3 + 8  # not the 60 s timeout
    assert errors(result) == [
        "ERROR: Not in every region, and waiting will not change that: hello:v1: replica failed in japaneast. "
        "japaneast: the replica failed; create it again with 'az acr replication create -r demopremium -l "
        "japaneast'."]
    assert by_region(result.json)["japaneast"]["state"] == "replica failed"


def test_wait_ends_early_when_a_firewall_refuses_the_missing_region(az, emu):
    replicas(az, emu, "eastus")
    enable_regional_endpoints(az)
    emu.push("demopremium", "hello", "v1", lag_seconds={"eastus": 600})
    emu.fault(status=403, host=r"\.eastus\.", times=1000)
    started = time.monotonic()
    result = az("acr replication status {} --image hello:v1 --wait --timeout 60".format(REG), expect=1)
    assert time.monotonic() - started < 10
    line = errors(result)[0]
    assert len(errors(result)) == 1 and "waiting will not change that: hello:v1: error in eastus" in line
    assert "403" in line and "firewall" in line
    assert by_region(result.json)["eastus"]["state"] == "error"


# --- status --wait / --timeout without --image ------------------------------------------------------------------
def test_status_wait_without_image_waits_until_every_replica_is_ready(az, emu):
    replicas(az, emu, "eastus", sync_seconds=5)
    started = time.monotonic()
    rows = az("acr replication status {} --wait --timeout 60".format(REG)).json
    assert time.monotonic() - started >= 3
    assert {r["name"]: r["status"] for r in rows} == {"westus": "Ready", "eastus": "Ready"}


def test_status_wait_without_image_times_out_printing_the_rows(az, emu):
    replicas(az, emu, "eastus", stuck_regions=["eastus"])
    result = az("acr replication status {} --wait --timeout 3".format(REG), expect=1)
    assert {r["name"]: r["status"] for r in result.json} == {"westus": "Ready", "eastus": "Syncing"}
    assert len(errors(result)) == 1 and errors(result)[0].startswith("ERROR: Timed out after 3 s")
    assert "eastus (Syncing)" in errors(result)[0]


@pytest.mark.parametrize("args", ["--timeout 30", "--image hello:v1 --timeout 30"])
def test_timeout_without_wait_is_a_usage_error(az, emu, args):
    result = az("acr replication status {} {}".format(REG, args), expect=2)
    assert "--timeout is how long --wait waits" in result.stderr and "Traceback" not in result.stderr
    assert emu.requests() == []


# --- the api-version of the registry read -------------------------------------------------------------------------
PREVIEWS = ["registries=2026-09-01-preview", "registries=2026-03-01-preview", "registries=2026-01-01-preview"]


def test_a_retired_registry_version_gives_way_to_the_newest_one_arm_lists_with_regional_endpoints(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.knobs(retired_api_versions=["registries=2026-09-01-preview"])
    result = az("acr replication status {} -g demo-rg --image app:v1 --debug".format(REG))
    assert result.json["complete"] is True
    assert "ARM refused api-version 2026-09-01-preview for the registry read" in result.stderr
    # newest first: 2026-11-01 answers without them (one read), then the newest preview that has them
    assert "api-version 2026-11-01 has no regional endpoints in its answer" in result.stderr
    assert ("registry read with api-version 2026-03-01-preview (tried 2026-09-01-preview, 2026-11-01 first)"
            in result.stderr)
    reads = [e["query"] for e in emu.requests() if e["path"].endswith("/registries/demopremium")]
    assert reads == ["api-version=2026-09-01-preview", "api-version=2026-11-01",
                     "api-version=2026-03-01-preview"]  # chosen once


def test_a_stable_version_is_used_when_its_answer_has_regional_endpoints(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.knobs(retired_api_versions=PREVIEWS, regional_endpoint_versions=["2026-11-01"])
    assert az("acr replication status {} -g demo-rg --image app:v1".format(REG)).json["complete"] is True


def test_no_version_with_regional_endpoints_is_one_line_and_status_still_shows_the_replicas(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.knobs(retired_api_versions=PREVIEWS)
    result = az("acr replication status {} -g demo-rg --image app:v1".format(REG), expect=1)
    assert errors(result) == ["ERROR: No api-version this registry can be read with has its regional endpoints "
                              "(tried 2026-09-01-preview, 2026-11-01). ARM offers " + ", ".join(
                                  v for v in ("2020-11-01-preview", "2021-06-01-preview", "2021-08-01-preview",
                                              "2021-09-01", "2021-12-01-preview", "2022-02-01-preview", "2022-12-01",
                                              "2023-01-01-preview", "2023-06-01-preview", "2023-07-01",
                                              "2023-08-01-preview", "2023-11-01-preview", "2024-01-01-preview",
                                              "2024-11-01-preview", "2025-03-01-preview", "2025-04-01",
                                              "2025-05-01-preview", "2025-06-01-preview", "2025-09-01-preview",
                                              "2025-11-01", "2025-12-01-preview", "2026-11-01")) +
                              ". `status --image` asks each replica at its regional endpoint, which this cloud does "
                              "not offer yet; 'az acr replication status' without it still shows the replicas."]
    rows = az("acr replication status {} -g demo-rg".format(REG))
    assert [r["location"] for r in rows.json] == ["westus", "eastus"]
    assert all(r["regionalEndpoint"] is None for r in rows.json)
    assert "The REGIONAL ENDPOINT column is left empty." in rows.stderr
