"""Which api-version `status` reads a registry with (arm/api_versions.py), without az or HTTP: the installed SDK's
where it can carry regional endpoints, else the newest known to; after ARM refuses a version, the newest it lists
that has them, chosen once per command; one clear error when none has them."""
import types

import pytest

from azext_acr_replication.arm.api_versions import (NoVersionWithRegionalEndpoints, RegistryReader, candidates,
                                                    first_choice, supported_versions)

pytestmark = pytest.mark.unit

WITH = {"name": "r", "properties": {"regionalEndpoints": "Enabled", "regionalEndpointHostNames": []}}
WITHOUT = {"name": "r", "properties": {"loginServer": "r.azurecr.io"}}


class Refused(Exception):
    """What azure-core raises for ARM's 400: status_code, and a response whose json() is the ARM error."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.status_code = status
        self.response = types.SimpleNamespace(json=lambda: {"error": {"code": code, "message": message}})


def provider_refusal(version, supported):
    return Refused("NoRegisteredProviderFound",
                   "No registered resource provider found for location 'westus' and API version '{}' for type "
                   "'registries'. The supported api-versions are '{}'. The supported locations are 'westus, eastus'."
                   .format(version, ", ".join(supported)))


class Arm:
    """get(version) over a table: version -> body, or refused (every version not in `served`)."""

    def __init__(self, served):
        self.served = served
        self.asked = []

    def __call__(self, version):
        self.asked.append(version)
        if version not in self.served:
            raise provider_refusal(version, list(self.served))
        return self.served[version]


def test_refusals_list_the_versions_arm_supports():
    error = provider_refusal("2026-09-01-preview", ["2025-11-01", "2026-03-01-preview"])
    assert supported_versions(error) == ["2025-11-01", "2026-03-01-preview"]
    arm_route = Refused("InvalidApiVersionParameter", "The api-version 'x' is invalid. The supported versions are "
                        "'2025-04-01,2024-11-01'.")
    assert supported_versions(arm_route) == ["2025-04-01", "2024-11-01"]
    assert supported_versions(Refused("ResourceNotFound", "The Resource ... was not found.", 404)) is None
    assert supported_versions(Refused("InvalidRequestContent", "Bad.")) is None
    assert supported_versions(ValueError("no response")) is None


def test_the_sdks_version_is_used_where_it_can_carry_regional_endpoints():
    assert first_choice("2026-09-01-preview") == "2026-09-01-preview"  # azure-cli 2.91
    assert first_choice("2026-11-01") == "2026-11-01"  # a later SDK: its answer decides
    assert first_choice("2025-03-01-preview") == "2026-09-01-preview"  # azure-cli 2.75: predates them
    assert first_choice(None) == "2026-09-01-preview"


def test_candidates_are_the_versions_that_may_carry_regional_endpoints_newest_first():
    supported = ["2025-11-01", "2026-01-01-preview", "2026-03-01-preview", "2026-11-01", "2027-02-01-preview"]
    assert candidates(supported) == ["2027-02-01-preview", "2026-11-01", "2026-03-01-preview", "2026-01-01-preview"]
    assert candidates(supported, tried=["2027-02-01-preview"])[0] == "2026-11-01"
    assert candidates(["2026-03-01", "2026-03-01-preview"]) == ["2026-03-01-preview", "2026-03-01"]  # same date: known
    assert candidates(["2025-11-01", "2025-12-01-preview", "2024-11-01-preview"]) == []


def test_one_read_when_the_sdks_version_has_them_and_the_choice_is_kept():
    arm = Arm({"2026-09-01-preview": WITH})
    reader = RegistryReader(arm, sdk_version="2026-09-01-preview")
    assert reader.read() == WITH and reader.read() == WITH
    assert arm.asked == ["2026-09-01-preview", "2026-09-01-preview"] and reader.version == "2026-09-01-preview"


def test_a_refused_version_gives_way_to_the_newest_supported_one_that_has_them_once_per_command():
    said = []
    arm = Arm({"2025-11-01": WITHOUT, "2026-01-01-preview": WITH, "2026-03-01-preview": WITH})
    reader = RegistryReader(arm, sdk_version="2025-03-01-preview", debug=lambda text, *args: said.append(text % args))
    assert reader.read() == WITH
    assert arm.asked == ["2026-09-01-preview", "2026-03-01-preview"]
    assert reader.read() == WITH and arm.asked[-1] == "2026-03-01-preview"  # the choice is kept: no second refusal
    assert said[0].startswith("ARM refused api-version 2026-09-01-preview for the registry read; it supports ")
    assert said[-1] == "registry read with api-version 2026-03-01-preview (tried 2026-09-01-preview first)"


def test_an_unknown_newer_version_is_kept_only_if_its_answer_has_them():
    arm = Arm({"2025-11-01": WITHOUT, "2026-11-01": WITH})
    assert RegistryReader(arm, sdk_version="2026-09-01-preview").read() == WITH
    assert arm.asked == ["2026-09-01-preview", "2026-11-01"]
    lacking = Arm({"2025-11-01": WITHOUT, "2026-11-01": WITHOUT})
    with pytest.raises(NoVersionWithRegionalEndpoints) as raised:
        RegistryReader(lacking, sdk_version="2026-09-01-preview").read()
    assert raised.value.tried == ["2026-09-01-preview", "2026-11-01"] and raised.value.body == WITHOUT
    assert "ARM offers 2025-11-01, 2026-11-01" in str(raised.value)


def test_an_sdk_version_whose_answer_lacks_them_gives_way_to_the_known_carriers():
    arm = Arm({"2026-11-01": WITHOUT, "2026-09-01-preview": WITH})
    assert RegistryReader(arm, sdk_version="2026-11-01").read() == WITH
    assert arm.asked == ["2026-11-01", "2026-09-01-preview"]


def test_no_version_at_all_is_one_error_naming_what_was_tried():
    arm = Arm({"2024-11-01-preview": WITHOUT})
    with pytest.raises(NoVersionWithRegionalEndpoints, match=r"tried 2026-09-01-preview\)\. ARM offers 2024-11-01"):
        RegistryReader(arm).read()

    def broken(version):
        raise Refused("AuthorizationFailed", "no", 403)
    with pytest.raises(Refused):  # anything but a refused version is the caller's to report
        RegistryReader(broken).read()
