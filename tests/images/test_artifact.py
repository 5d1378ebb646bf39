"""images/artifact.py: what --platform values name."""
import pytest

from azext_acr_replication.images.artifact import _matches, parse_platforms

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("wanted, platform, matches", [
    ("linux/arm64", "linux/arm64", True),
    ("linux/arm64", "linux/arm64/v8", True),
    ("linux/arm64/v8", "linux/arm64", True),  # arm64 without a variant is v8, as containerd and docker take it
    ("linux/arm", "linux/arm/v7", True),
    ("linux/arm/v7", "linux/arm/v6", False),
    ("linux/arm64/v9", "linux/arm64", False),
    ("linux/amd64", "linux/arm64", False),
])
def test_a_platform_names_its_variants_and_arm64_is_v8_by_default(wanted, platform, matches):
    assert _matches(wanted, platform) is matches


def test_platforms_are_lowercase_in_order_without_repeats_and_empty_values_ignored():
    assert parse_platforms(["Linux/AMD64,linux/arm64", "linux/amd64", ","]) == ["linux/amd64", "linux/arm64"]
    with pytest.raises(ValueError, match="is not a platform"):
        parse_platforms(["linux"])


def test_missing_referrers_are_named_by_kind():
    from azext_acr_replication.images.artifact import missing_text
    missing = {"platforms": ["linux/arm64"], "blobs": [], "referrers": {
        "application/vnd.dev.cosign.artifact.sig.v1+json": ["sha256:a", "sha256:b"], "application/spdx+json": ["x"],
        "application/vnd.in-toto+json": ["y"], "application/vnd.example.thing": ["z"]}}
    assert missing_text(missing) == "linux/arm64; 2 signatures; 1 SBOM; 1 attestation; 1 application/vnd.example.thing"
