"""`status --image` checks the whole artifact in every region, through the real az: every platform of a multi-arch
image, its referrers (signatures, SBOMs) as the home region lists them, with --blobs every config and layer blob;
--platform and --referrers choose; --wait waits for the last part."""
import json
import time

import pytest

pytestmark = pytest.mark.e2e

REG = "-r demopremium"
SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
SBOM = "application/spdx+json"


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("ERROR")]


def region(result, name, image=0):
    return next(r for r in result["images"][image]["regions"] if r["region"] == name)


def test_a_multi_arch_image_signed_and_with_an_sbom_everywhere_exits_0(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    pushed = emu.push_index("demopremium", "app", "1.0")
    signature = emu.attach("demopremium", "app", pushed["digest"], SIGNATURE)
    sbom = emu.attach("demopremium", "app", pushed["children"]["linux/arm64"], SBOM)
    result = az("acr replication status {} --image app:1.0".format(REG)).json
    assert result["complete"] is True and result["images"][0]["inEveryRegion"] is True
    artifact = result["images"][0]["artifact"]
    assert artifact["digest"] == pushed["digest"] and artifact["platforms"] == pushed["children"]
    assert {(r["digest"], r["artifactType"], r["subject"]) for r in artifact["referrers"]} == {
        (signature, SIGNATURE, pushed["digest"]), (sbom, SBOM, pushed["children"]["linux/arm64"])}
    assert {r["state"] for r in result["images"][0]["regions"]} == {"present"}
    assert region(result, "eastus")["parts"] == {"present": 5, "total": 5}
    assert region(result, "eastus")["missing"] == {"platforms": [], "referrers": {}, "blobs": []}


def test_a_platform_missing_in_one_region_is_incomplete_there(az, emu):
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push_index("demopremium", "app", "1.0", platform_lag_seconds={"linux/arm64": {"japaneast": 600}})
    result = az("acr replication status {} --image app:1.0".format(REG), expect=1)
    japaneast = region(result.json, "japaneast")
    assert japaneast["state"] == "incomplete" and japaneast["missing"]["platforms"] == ["linux/arm64"]
    assert region(result.json, "eastus")["state"] == "present"
    assert errors(result) == ["ERROR: Not in every region yet: app:1.0: incomplete (linux/arm64) in japaneast."]
    table = az("acr replication status {} --image app:1.0 -o table".format(REG), expect=1).stdout.splitlines()
    assert table[0].split() == ["IMAGE", "REGION", "STATE", "DIGEST", "ARRIVED", "AFTER", "MISSING"]
    assert [line.split()[1:3] + line.split()[4:] for line in table[2:] if "japaneast" in line] == [
        ["japaneast", "incomplete", "linux/arm64"]]


def test_a_signature_missing_in_one_region_is_incomplete_there(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push_index("demopremium", "app", "1.0")
    signature = emu.attach("demopremium", "app", pushed["digest"], SIGNATURE, lag_seconds={"eastus": 600})
    result = az("acr replication status {} --image app:1.0".format(REG), expect=1)
    assert region(result.json, "eastus")["missing"]["referrers"] == {SIGNATURE: [signature]}
    assert "incomplete (1 signature) in eastus" in result.stderr
    # --referrers none: the image itself is there, and that is all that is asked
    assert az("acr replication status {} --image app:1.0 --referrers none".format(REG)).json["complete"] is True


def test_referrers_signatures_leaves_an_sbom_out(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push("demopremium", "app", "1.0")
    emu.attach("demopremium", "app", pushed["digest"], SIGNATURE)
    emu.attach("demopremium", "app", pushed["digest"], SBOM, lag_seconds={"eastus": 600})
    assert az("acr replication status {} --image app:1.0".format(REG), expect=1).json["complete"] is False
    result = az("acr replication status {} --image app:1.0 --referrers signatures".format(REG)).json
    assert [r["artifactType"] for r in result["images"][0]["artifact"]["referrers"]] == [SIGNATURE]


def test_without_the_referrers_api_the_tag_schema_is_read_and_checked_everywhere(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push_index("demopremium", "app", "1.0")
    signature = emu.attach("demopremium", "app", pushed["digest"], SIGNATURE, scheme="tag-schema",
                           lag_seconds={"eastus": 600})
    emu.knobs(no_referrers_api=["westus", "eastus"])
    result = az("acr replication status {} --image app:1.0".format(REG), expect=1).json
    assert [r["digest"] for r in result["images"][0]["artifact"]["referrers"]] == [signature]
    missing = region(result, "eastus")["missing"]["referrers"]
    assert missing[SIGNATURE] == [signature] and "referrers index" in missing  # the sha256-<hex> tag too
    asked = [e["path"] for e in emu.dataplane_requests() if "westus" in e["host"]]
    assert "/v2/app/manifests/sha256-" + pushed["digest"][7:] in asked


def test_cosigns_signature_tag_is_checked_in_every_region(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push("demopremium", "app", "1.0")
    signature = emu.attach("demopremium", "app", pushed["digest"], SIGNATURE, scheme="cosign-tag",
                           lag_seconds={"eastus": 600})
    result = az("acr replication status {} --image app:1.0".format(REG), expect=1).json
    assert result["images"][0]["artifact"]["referrers"] == [
        {"digest": signature, "artifactType": SIGNATURE, "subject": pushed["digest"]}]
    assert region(result, "eastus")["missing"]["referrers"] == {SIGNATURE: [signature]}


def test_cosigns_signature_of_a_platform_manifest_is_checked_in_every_region(az, emu):
    """`cosign sign --recursive` tags each platform manifest's signature too (sha256-<platform digest>.sig)."""
    emu.replicated("demopremium", "eastus")
    pushed = emu.push_index("demopremium", "app", "1.0")
    arm64 = pushed["children"]["linux/arm64"]
    signature = emu.attach("demopremium", "app", arm64, SIGNATURE, scheme="cosign-tag", lag_seconds={"eastus": 600})
    result = az("acr replication status {} --image app:1.0".format(REG), expect=1).json
    assert {"digest": signature, "artifactType": SIGNATURE, "subject": arm64} in result["images"][0]["artifact"][
        "referrers"]
    assert region(result, "eastus")["missing"]["referrers"] == {SIGNATURE: [signature]}


def test_a_region_holding_a_single_arch_manifest_under_the_multi_arch_tag_is_reported(az, emu):
    """The retagged manifest list one ACR region served as a single-arch manifest (docker/buildx issue 1660)."""
    emu.replicated("demopremium", "eastus", "japaneast")
    emu.push_index("demopremium", "app", "1.0")
    emu.push("demopremium", "app", "1.0", first_region="eastus", lag_seconds={"westus": 600, "japaneast": 600})
    result = az("acr replication status {} --image app:1.0".format(REG), expect=1)
    eastus = region(result.json, "eastus")
    assert eastus["state"] == "digest differs"
    assert eastus["detail"] == ("resolves to a single-platform image manifest where the home region has an OCI image "
                                "index of linux/amd64, linux/arm64")
    assert "eastus resolves to a single-platform image manifest" in result.stderr


def test_platform_limits_the_check_and_a_platform_the_index_lacks_exits_3(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push_index("demopremium", "app", "1.0", platform_lag_seconds={"linux/arm64": {"eastus": 600}})
    result = az("acr replication status {} --image app:1.0 --platform linux/amd64".format(REG)).json
    assert result["complete"] is True and list(result["images"][0]["artifact"]["platforms"]) == ["linux/amd64"]
    lacking = az("acr replication status {} --image app:1.0 --platform linux/amd64,linux/s390x".format(REG),
                 expect=3)
    assert errors(lacking) == ["ERROR: app:1.0 has no linux/s390x: its index has linux/amd64, linux/arm64. Check "
                               "--platform."]
    assert "--platform goes with --image" in az("acr replication status {} --platform linux/amd64".format(REG),
                                                expect=2).stderr
    assert "not a platform" in az("acr replication status {} --image app:1.0 --platform linux".format(REG),
                                  expect=2).stderr
    assert "needs at least one" in az(["acr", "replication", "status", "-r", "demopremium", "--image", "app:1.0",
                                       "--platform", ","], expect=2).stderr
    arm64 = az("acr replication status {} --image app:1.0 --platform linux/arm64/v8".format(REG), expect=1).json
    assert list(arm64["images"][0]["artifact"]["platforms"]) == ["linux/arm64"]  # arm64's default variant is v8


def test_blobs_are_checked_with_blobs_only_and_never_fetched_from_storage(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push_index("demopremium", "app", "1.0", blob_lag_seconds={"eastus": 600})
    assert az("acr replication status {} --image app:1.0".format(REG)).json["complete"] is True
    result = az("acr replication status {} --image app:1.0 --blobs".format(REG), expect=1).json
    assert result["images"][0]["artifact"]["blobs"] == 6  # 2 platforms x (config + 2 layers)
    assert len(region(result, "eastus")["missing"]["blobs"]) == 6
    assert region(result, "westus")["state"] == "present"
    assert emu.leaks() == []  # the 307s to storage were not followed


@pytest.mark.slow
def test_wait_learns_parts_that_reach_the_home_region_during_the_wait(az, emu):
    """A platform manifest reaches the home region after the index: its blobs are only known then, and the wait
    looks again before saying every region has everything."""
    emu.replicated("demopremium", "eastus")
    emu.push_index("demopremium", "app", "1.0", first_region="eastus",
                   platform_lag_seconds={"linux/arm64": {"westus": 3}})
    result = az("acr replication status {} --image app:1.0 --blobs --wait --timeout 30".format(REG)).json
    assert result["complete"] is True and result["images"][0]["artifact"]["blobs"] == 6


@pytest.mark.slow
def test_the_tag_schemas_index_moving_ahead_in_a_region_is_not_missing_there(az, emu):
    """The sha256-<digest> index moves with every referrer pushed; a region whose index is newer than the home
    region's holds it (the referrers in it are checked by digest), so --wait does not run to its timeout."""
    emu.replicated("demopremium", "eastus")
    emu.knobs(no_referrers_api=["westus", "eastus"])
    pushed = emu.push_index("demopremium", "app", "1.0")
    emu.attach("demopremium", "app", pushed["digest"], SIGNATURE, scheme="tag-schema")
    emu.attach("demopremium", "app", pushed["digest"], SBOM, scheme="tag-schema", first_region="eastus",
               lag_seconds={"westus": 4})
    started = time.monotonic()
    result = az("acr replication status {} --image app:1.0 --wait --timeout 20".format(REG)).json
    assert result["complete"] is True and time.monotonic() - started < 15


def test_wait_returns_when_the_last_part_arrives(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push_index("demopremium", "app", "1.0", platform_lag_seconds={"linux/arm64": {"eastus": 4}})
    emu.attach("demopremium", "app", pushed["digest"], SIGNATURE, lag_seconds={"eastus": 6})
    began = time.monotonic()
    result = az("acr replication status {} --image app:1.0 --wait --timeout 60".format(REG))
    assert result.json["complete"] is True and result.json["timedOut"] is False
    assert time.monotonic() - began >= 5  # not before the signature reached eastus
    arrived = region(result.json, "eastus")["arrivedAfterSeconds"]
    assert arrived is not None and arrived >= 4


def test_wait_times_out_naming_the_part_still_missing(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push_index("demopremium", "app", "1.0", platform_lag_seconds={"linux/arm64": {"eastus": 600}})
    result = az("acr replication status {} --image app:1.0 --wait --timeout 3".format(REG), expect=1)
    assert json.loads(result.stdout)["timedOut"] is True
    assert errors(result)[0].startswith("ERROR: Timed out after ") and \
        errors(result)[0].endswith("Not in every region yet: app:1.0: incomplete (linux/arm64) in eastus.")


def test_repository_manifests_compares_untagged_manifests_too(az, emu):
    emu.replicated("demopremium", "eastus")
    pushed = emu.push_index("demopremium", "app", "1.0", platform_lag_seconds={"linux/arm64": {"eastus": 600}})
    assert az("acr replication status {} --repository app".format(REG)).json["complete"] is True  # tags alike
    result = az("acr replication status {} --repository app --manifests".format(REG), expect=1)
    app = result.json["repositories"][0]
    assert app["missingManifests"] == [{"digest": pushed["children"]["linux/arm64"],
                                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                        "regions": ["eastus"]}]
    assert {r["region"]: r["state"] for r in app["regions"]} == {"westus": "present", "eastus": "manifests missing"}
    assert "1 untagged or tagged manifest missing in eastus" in result.stderr


def test_help_shows_the_whole_artifact_options_with_examples(az):
    text = " ".join(az("acr replication status --help").stdout.split())
    for words in ("--platform", "--referrers", "--blobs", "--manifests", "incomplete"):
        assert words in text, words
