"""The emulator's whole artifacts: multi-arch indexes and their platform manifests, referrers (the OCI 1.1 referrers
API, the referrers tag schema, cosign's tags), blobs (307 to storage where a region holds them, 404 BLOB_UNKNOWN
where not) and ACR's manifest listing, each reaching regions with its own lag."""
import urllib.parse

import pytest
import requests

from emulator.harness import admin

pytestmark = pytest.mark.e2e

INDEX = "application/vnd.oci.image.index.v1+json"
IMAGE = "application/vnd.oci.image.manifest.v1+json"
ACCEPT = ", ".join([INDEX, IMAGE, "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.docker.distribution.manifest.v2+json"])
SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
SBOM = "application/spdx+json"
WEST, EAST = "demopremium.westus.geo.azurecr.io", "demopremium.eastus.geo.azurecr.io"


@pytest.fixture
def arm_with_eastus(emu):
    """The emulator, reset, with an eastus replica of demopremium."""
    emu.reset()
    emu.replicated("demopremium", "eastus")
    return emu


class Registry:
    """The data plane of one host as a client sees it: a token for repository 'app' (pull and metadata_read)."""

    def __init__(self, emu, host, repository="app"):
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.proxies = {"https": emu.proxy_url}
        self.http.verify = emu.cert_path
        self.host = host
        aad = emu.token("https://containerregistry.azure.net")
        refresh = self.http.post("https://{}/oauth2/exchange".format(host), data={
            "grant_type": "access_token", "service": "demopremium.azurecr.io", "access_token": aad})
        token = self.http.post("https://{}/oauth2/token".format(host), data=[
            ("grant_type", "refresh_token"), ("service", "demopremium.azurecr.io"),
            ("scope", "repository:{}:pull".format(repository)),
            ("scope", "repository:{}:metadata_read".format(repository)),
            ("refresh_token", refresh.json()["refresh_token"])])
        self.headers = {"Authorization": "Bearer " + token.json()["access_token"]}

    def get(self, path, method="GET", **headers):
        return self.http.request(method, "https://{}{}".format(self.host, path), allow_redirects=False,
                                 headers=dict(self.headers, **headers))

    def manifest(self, reference, method="GET"):
        return self.get("/v2/app/manifests/" + reference, method, Accept=ACCEPT)


def test_an_index_and_its_platform_manifests_with_config_and_layers(arm_with_eastus):
    pushed = arm_with_eastus.push_index("demopremium", "app", "1.0")
    assert sorted(pushed["children"]) == ["linux/amd64", "linux/arm64"]
    west = Registry(arm_with_eastus, WEST)
    index = west.manifest("1.0")
    assert index.headers["Content-Type"] == INDEX and index.headers["Docker-Content-Digest"] == pushed["digest"]
    listed = {m["platform"]["os"] + "/" + m["platform"]["architecture"]: m["digest"] for m in index.json()["manifests"]}
    assert listed == pushed["children"]
    child = west.manifest(pushed["children"]["linux/arm64"]).json()
    assert child["mediaType"] == IMAGE and child["config"]["digest"].startswith("sha256:") and len(child["layers"]) == 2


def test_one_platform_can_reach_a_region_after_the_index(arm_with_eastus):
    pushed = arm_with_eastus.push_index("demopremium", "app", "1.0",
                                        platform_lag_seconds={"linux/arm64": {"eastus": 600}})
    east = Registry(arm_with_eastus, EAST)
    assert east.manifest("1.0", "HEAD").status_code == 200
    assert east.manifest(pushed["children"]["linux/amd64"], "HEAD").status_code == 200
    assert east.manifest(pushed["children"]["linux/arm64"], "HEAD").status_code == 404


def test_the_referrers_api_lists_what_each_region_holds_filtered_and_paged(arm_with_eastus):
    pushed = arm_with_eastus.push_index("demopremium", "app", "1.0")
    signature = arm_with_eastus.attach("demopremium", "app", pushed["digest"], SIGNATURE)
    sbom = arm_with_eastus.attach("demopremium", "app", pushed["digest"], SBOM, lag_seconds={"eastus": 600})
    west, east = Registry(arm_with_eastus, WEST), Registry(arm_with_eastus, EAST)
    listed = west.get("/v2/app/referrers/" + pushed["digest"])
    assert listed.status_code == 200 and listed.headers["Content-Type"] == INDEX
    listed_types = [(m["digest"], m["artifactType"]) for m in listed.json()["manifests"]]
    assert listed_types == [(signature, SIGNATURE), (sbom, SBOM)]
    assert "OCI-Filters-Applied" not in listed.headers
    assert [m["digest"] for m in east.get("/v2/app/referrers/" + pushed["digest"]).json()["manifests"]] == [signature]
    filtered = west.get("/v2/app/referrers/{}?artifactType={}".format(pushed["digest"], urllib.parse.quote(SBOM)))
    assert filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert [m["digest"] for m in filtered.json()["manifests"]] == [sbom]
    referrer = west.manifest(signature).json()
    assert referrer["subject"]["digest"] == pushed["digest"] and referrer["artifactType"] == SIGNATURE
    arm_with_eastus.knobs(referrers_page_size=1)
    first = west.get("/v2/app/referrers/" + pushed["digest"])
    assert len(first.json()["manifests"]) == 1 and 'rel="next"' in first.headers["Link"]
    following = first.headers["Link"].split(">")[0].lstrip("<")
    assert [m["digest"] for m in west.get(following).json()["manifests"]] == [sbom]
    assert west.get("/v2/app/referrers/sha256:" + "0" * 64).json()["manifests"] == []


def test_a_region_without_the_referrers_api_answers_404_and_the_tag_schema_holds_the_index(arm_with_eastus):
    pushed = arm_with_eastus.push_index("demopremium", "app", "1.0")
    signature = arm_with_eastus.attach("demopremium", "app", pushed["digest"], SIGNATURE, scheme="tag-schema")
    sbom = arm_with_eastus.attach("demopremium", "app", pushed["digest"], SBOM, scheme="tag-schema")
    arm_with_eastus.knobs(no_referrers_api=["eastus"])
    east = Registry(arm_with_eastus, EAST)
    refused = east.get("/v2/app/referrers/" + pushed["digest"])
    assert refused.status_code == 404 and refused.json()["errors"][0]["code"] != "NAME_UNKNOWN"
    index = east.manifest("sha256-" + pushed["digest"][7:])
    assert index.headers["Content-Type"] == INDEX
    assert [m["digest"] for m in index.json()["manifests"]] == [signature, sbom]


def test_cosigns_tag_scheme_tags_a_signature_without_subject(arm_with_eastus):
    pushed = arm_with_eastus.push("demopremium", "app", "1.0")
    signature = arm_with_eastus.attach("demopremium", "app", pushed["digest"], SIGNATURE, scheme="cosign-tag")
    tagged = Registry(arm_with_eastus, WEST).manifest("sha256-{}.sig".format(pushed["digest"][7:]))
    assert tagged.headers["Docker-Content-Digest"] == signature and "subject" not in tagged.json()


def test_blobs_redirect_to_storage_where_held_and_are_unknown_elsewhere(arm_with_eastus):
    pushed = arm_with_eastus.push_index("demopremium", "app", "1.0", blob_lag_seconds={"eastus": 600})
    west, east = Registry(arm_with_eastus, WEST), Registry(arm_with_eastus, EAST)
    child = west.manifest(pushed["children"]["linux/amd64"]).json()
    for blob in [child["config"]["digest"]] + [layer["digest"] for layer in child["layers"]]:
        held = west.get("/v2/app/blobs/" + blob, "HEAD")
        assert held.status_code == 307 and held.headers["Docker-Content-Digest"] == blob
        assert ".blob.core.windows.net/" in held.headers["Location"]  # never followed: the proxy would refuse it
        assert east.get("/v2/app/blobs/" + blob, "HEAD").status_code == 404
        missing = east.get("/v2/app/blobs/" + blob)
        assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "BLOB_UNKNOWN"
    arm_with_eastus.knobs(blob_answer=200)
    assert west.get("/v2/app/blobs/" + child["config"]["digest"], "HEAD").status_code == 200
    assert arm_with_eastus.leaks() == []


def test_the_manifest_listing_holds_untagged_manifests_paged_by_digest(arm_with_eastus):
    pushed = arm_with_eastus.push_index("demopremium", "app", "1.0")
    signature = arm_with_eastus.attach("demopremium", "app", pushed["digest"], SIGNATURE, lag_seconds={"eastus": 600})
    west, east = Registry(arm_with_eastus, WEST), Registry(arm_with_eastus, EAST)
    entries = west.get("/acr/v1/app/_manifests").json()["manifests"]
    assert [e["digest"] for e in entries] == sorted([pushed["digest"], signature] + list(pushed["children"].values()))
    by_digest = {e["digest"]: e for e in entries}
    assert by_digest[pushed["digest"]]["tags"] == ["1.0"] and by_digest[pushed["digest"]]["mediaType"] == INDEX
    arm64 = by_digest[pushed["children"]["linux/arm64"]]
    assert (arm64["os"], arm64["architecture"]) == ("linux", "arm64") and "tags" not in arm64
    assert signature not in [e["digest"] for e in east.get("/acr/v1/app/_manifests").json()["manifests"]]
    arm_with_eastus.knobs(listing_page_max=2)
    first = west.get("/acr/v1/app/_manifests?n=2")
    assert len(first.json()["manifests"]) == 2 and "last=" in first.headers["Link"]


def test_push_index_and_attach_over_http(arm_with_eastus):
    url, cert = arm_with_eastus.url, arm_with_eastus.cert_path
    pushed = admin(url, cert, "push_index", {"registry": "demopremium", "repository": "app",
                                             "tag": "2.0", "platforms": ["linux/amd64"]})
    assert list(pushed["children"]) == ["linux/amd64"]
    attached = admin(url, cert, "attach", {"registry": "demopremium", "repository": "app",
                                           "subject_digest": pushed["digest"], "artifact_type": SBOM})
    listed = Registry(arm_with_eastus, WEST).get("/v2/app/referrers/" + pushed["digest"]).json()["manifests"]
    assert [m["digest"] for m in listed] == [attached["digest"]]
