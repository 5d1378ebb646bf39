"""images/artifacts.py: the whole artifact in every region, over fake endpoints (what ArtifactProbe uses of an
EndpointClient): an index of two platforms with a signature, a part missing in one region (the problem line names
region and part), --platform, --referrers none/signatures/all, and a home region without the referrers API (the
referrers tag schema)."""
import hashlib

import pytest

from azext_acr_replication.images import artifacts
from azext_acr_replication.images.artifact import referrers_tag
from azext_acr_replication.images.endpoint import Manifest, NoReferrersApi
from azext_acr_replication.images.poller import Board
from azext_acr_replication.images.refs import parse_image
from tests.helpers import targets

pytestmark = pytest.mark.unit

INDEX = "application/vnd.oci.image.index.v1+json"
IMAGE = "application/vnd.oci.image.manifest.v1+json"
SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
SBOM = "application/spdx+json"


def digest(name):
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


AMD, ARM, SIG, SBOM_DIGEST = digest("amd64"), digest("arm64"), digest("sig"), digest("sbom")
LAYER = digest("layer-arm64")
MANIFESTS = {
    AMD: (IMAGE, {"config": {"digest": digest("cfg-amd64")}, "layers": [{"digest": digest("layer-amd64")}]}),
    ARM: (IMAGE, {"config": {"digest": digest("cfg-arm64")}, "layers": [{"digest": LAYER}]}),
    SIG: (IMAGE, {"artifactType": SIGNATURE}), SBOM_DIGEST: (IMAGE, {"artifactType": SBOM})}
INDEX_BODY = {"manifests": [{"digest": AMD, "mediaType": IMAGE, "platform": {"os": "linux", "architecture": "amd64"}},
                            {"digest": ARM, "mediaType": IMAGE, "platform": {"os": "linux", "architecture": "arm64"}}]}
TOP = digest("index")
MANIFESTS[TOP] = (INDEX, INDEX_BODY)
REFERRERS = [(TOP, {"digest": SIG, "artifactType": SIGNATURE}), (ARM, {"digest": SBOM_DIGEST, "artifactType": SBOM})]
BLOBS = {b["digest"] for _, body in MANIFESTS.values() for b in [body.get("config") or {}] + body.get("layers", [])
         if b}


class FakeRegion:
    """One region's endpoint of repository app (tag 1.0 -> the index): every manifest, referrer and blob above but
    those in `lacking`; referrers_api False answers NoReferrersApi, and then the referrers tag schema's index is
    there instead."""

    def __init__(self, host, lacking=(), referrers_api=True, tags=None):
        self.host, self.lacking, self.referrers_api = host, set(lacking), referrers_api
        self.manifests = {d: m for d, m in MANIFESTS.items() if d not in self.lacking}
        self.tags = dict(tags or {"1.0": TOP})
        if not referrers_api:
            for subject in (TOP, ARM):
                body = {"manifests": [r for s, r in REFERRERS if s == subject]}
                index = digest("referrers of " + subject)
                self.manifests[index] = (INDEX, body)
                if referrers_tag(subject) not in self.lacking:
                    self.tags[referrers_tag(subject)] = index
        self.calls = []

    def _resolve(self, reference):
        found = self.tags.get(reference, reference)
        return found if found in self.manifests else None

    def manifest(self, repository, reference):
        self.calls.append(("GET", reference))
        found = self._resolve(reference)
        return Manifest(found, *self.manifests[found]) if found else None

    def head_manifest(self, repository, reference):
        self.calls.append(("HEAD", reference))
        found = self._resolve(reference)
        return (found, self.manifests[found][0]) if found else None

    def referrers(self, repository, subject):
        self.calls.append(("referrers", subject))
        if not self.referrers_api:
            raise NoReferrersApi(self.host)
        return [r for s, r in REFERRERS if s == subject and r["digest"] in self.manifests]

    def has_blob(self, repository, blob):
        self.calls.append(("blob", blob))
        return blob in BLOBS and blob not in self.lacking


def ask(regions, image="app:1.0", **options):
    """(probe, board, JSON report): every region asked once, the home region (westus, the first) first."""
    found = targets(*regions)
    clients = {f"myreg.{r}.geo.azurecr.io": client for r, client in regions.items()}
    probe = artifacts.ArtifactProbe([parse_image(image)], clients.__getitem__, found[0], **options)
    board = Board(found, probe.items)
    for target in found:
        for item in probe.items:
            board.record(target, item, probe.check(target, item), 0.0)
    return probe, board, artifacts.report("myreg", board, probe)


def regions(**lacking):
    found = {"westus": FakeRegion("myreg.westus.geo.azurecr.io")}
    found.update({r: FakeRegion(f"myreg.{r}.geo.azurecr.io", what) for r, what in lacking.items()})
    return found


def by_region(result):
    return {r["region"]: r for r in result["images"][0]["regions"]}


def test_an_index_with_two_platforms_and_a_signature_one_platform_missing_in_one_region():
    probe, board, result = ask(regions(eastus=(), japaneast=(ARM,)))
    seen = by_region(result)
    assert result["images"][0]["artifact"]["platforms"] == {"linux/amd64": AMD, "linux/arm64": ARM}
    assert {r["digest"] for r in result["images"][0]["artifact"]["referrers"]} == {SIG, SBOM_DIGEST}
    assert seen["eastus"]["state"] == "present" and seen["eastus"]["parts"] == {"present": 5, "total": 5}
    assert seen["japaneast"]["state"] == "incomplete" and seen["japaneast"]["missing"]["platforms"] == ["linux/arm64"]
    assert not result["complete"]
    assert artifacts.problem_line(result) == "app:1.0: incomplete (linux/arm64) in japaneast"
    assert artifacts.judged("myreg", board, probe, result) == (
        "Not in every region yet: app:1.0: incomplete (linux/arm64) in japaneast.", 1)


def test_the_artifact_is_read_once_in_the_home_region_and_parts_found_are_not_asked_again():
    found = regions(eastus=())
    probe, board, _ = ask(found)
    assert [c for c in found["eastus"].calls if c[0] in ("GET", "referrers")] == []
    eastus = targets("eastus")[0]
    before = len(found["eastus"].calls)
    probe.check(eastus, probe.items[0])
    assert found["eastus"].calls[before:] == [("HEAD", "1.0")]  # content is immutable: a part found stays found


def test_the_home_region_is_not_asked_again_for_the_referrers_it_listed():
    """What the referrers API (or the tag schema, or cosign's tags) listed in a region is there: no HEAD of it."""
    found = regions(eastus=())
    ask(found)
    heads = [c[1] for c in found["westus"].calls if c[0] == "HEAD"]
    assert SIG not in heads and SBOM_DIGEST not in heads
    assert AMD in heads  # an index's children are not known to be there: asked
    assert SIG in [c[1] for c in found["eastus"].calls if c[0] == "HEAD"]


def test_platform_narrows_what_every_region_must_hold():
    _, _, result = ask(regions(japaneast=(ARM, SBOM_DIGEST)), platforms=["linux/amd64"])
    assert by_region(result)["japaneast"]["state"] == "present" and result["complete"]
    assert result["images"][0]["artifact"]["platforms"] == {"linux/amd64": AMD}
    probe, board, result = ask(regions(japaneast=()), platforms=["linux/s390x"])
    assert artifacts.judged("myreg", board, probe, result) == (
        "app:1.0 has no linux/s390x: its index has linux/amd64, linux/arm64. Check --platform.", 3)


@pytest.mark.parametrize("choice, lacking, state, missing", [
    ("none", (SIG, SBOM_DIGEST), "present", {}),
    ("signatures", (SBOM_DIGEST,), "present", {}),
    ("signatures", (SIG,), "incomplete", {SIGNATURE: [SIG]}),
    ("all", (SBOM_DIGEST,), "incomplete", {SBOM: [SBOM_DIGEST]})])
def test_referrers_chooses_which_referrers_every_region_must_hold(choice, lacking, state, missing):
    _, _, result = ask(regions(eastus=lacking), referrers=choice)
    eastus = by_region(result)["eastus"]
    assert eastus["state"] == state and eastus["missing"]["referrers"] == missing
    if choice == "signatures" and state == "incomplete":
        assert artifacts.problem_line(result) == "app:1.0: incomplete (1 signature) in eastus"


def test_a_home_region_without_the_referrers_api_reads_the_referrers_tag_schema():
    found = {"westus": FakeRegion("myreg.westus.geo.azurecr.io", referrers_api=False),
             "eastus": FakeRegion("myreg.eastus.geo.azurecr.io", referrers_api=False),
             "japaneast": FakeRegion("myreg.japaneast.geo.azurecr.io", (referrers_tag(TOP),), referrers_api=False)}
    _, _, result = ask(found)
    assert {r["digest"] for r in result["images"][0]["artifact"]["referrers"]} == {SIG, SBOM_DIGEST}
    seen = by_region(result)
    assert seen["eastus"]["state"] == "present"
    assert seen["japaneast"]["state"] == "incomplete" and list(seen["japaneast"]["missing"]["referrers"]) == [
        "referrers index"]


def test_blobs_are_parts_when_asked():
    _, _, result = ask(regions(eastus=(LAYER,)), blobs=True)
    assert by_region(result)["eastus"]["missing"]["blobs"] == [LAYER]
    assert artifacts.problem_line(result) == "app:1.0: incomplete (1 blob) in eastus"
    _, _, result = ask(regions(eastus=(LAYER,)))
    assert result["complete"]


def test_a_tag_resolving_to_another_kind_of_manifest_is_skew_naming_both():
    found = regions()
    found["eastus"] = FakeRegion("myreg.eastus.geo.azurecr.io", tags={"1.0": AMD})
    _, _, result = ask(found)
    assert {r["state"] for r in result["images"][0]["regions"]} == {"digest differs"}
    assert artifacts.problem_line(result) == (
        f"app:1.0: 2 digests ({min(AMD, TOP)[:19]} in {'eastus' if AMD < TOP else 'westus'}; "
        f"{max(AMD, TOP)[:19]} in {'westus' if AMD < TOP else 'eastus'}); eastus resolves to a single-platform "
        "image manifest where the home region has an OCI image index of linux/amd64, linux/arm64")
