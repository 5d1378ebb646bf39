"""The api-versions each ARM route accepts, and ARM's answers to any other (so a client that sends a
wrong version fails a test here as it would fail against Azure).

Sources: ARM's own error bodies as seen in real traffic (azure-cli, azure-sdk-for-go, AzGovViz and ansible
issue threads) and the folders of azure-rest-api-specs
(specification/containerregistry/resource-manager/Microsoft.ContainerRegistry/Registry/{stable,preview}/*,
specification/resources/resource-manager/Microsoft.Resources/resources/stable/*).

- ARM's own routes (subscriptions, tenants, locations, the resources query) answer an unknown version
  with 400 InvalidApiVersionParameter: "The api-version 'X' is invalid. The supported versions are '...'."
- A resource provider's types answer 400 NoRegisteredProviderFound: "No registered resource provider
  found for location 'L' and API version 'X' for type 'T'. The supported api-versions are '...'. The
  supported locations are '...'."
- No api-version at all: 400 MissingApiVersionParameter.
"""
from ..state.arm import ArmError
from ..state.regions import REGION_NAMES

# Microsoft.Resources (ARM's own routes): the list ARM sent in 2024, newest first, plus the stable
# versions published since (2024-11-01 is what azure-cli 2.75-2.91 use for the resources query)
ARM_VERSIONS = (
    "2025-04-01", "2025-03-01", "2024-11-01", "2024-08-01", "2024-07-01", "2024-06-01-preview", "2024-03-01",
    "2023-07-01", "2023-07-01-preview", "2023-03-01-preview", "2022-12-01", "2022-11-01-preview", "2022-09-01",
    "2022-06-01", "2022-05-01", "2022-03-01-preview", "2022-01-01", "2021-04-01", "2021-01-01", "2020-10-01",
    "2020-09-01", "2020-08-01", "2020-07-01", "2020-06-01", "2020-05-01", "2020-01-01", "2019-11-01",
    "2019-10-01", "2019-09-01", "2019-08-01", "2019-07-01", "2019-06-01", "2019-05-10", "2019-05-01",
    "2019-03-01", "2018-11-01", "2018-09-01", "2018-08-01", "2018-07-01", "2018-06-01", "2018-05-01",
    "2018-02-01", "2018-01-01", "2017-12-01", "2017-08-01", "2017-06-01", "2017-05-10", "2017-05-01",
    "2017-03-01", "2016-09-01", "2016-07-01", "2016-06-01", "2016-02-01", "2015-11-01", "2015-01-01",
    "2014-04-01-preview", "2014-04-01", "2014-01-01", "2013-03-01", "2014-02-26", "2014-04")

# Microsoft.ContainerRegistry registries and replications: the api-supported-versions header of real replication
# answers (../shared/reference/recordings/test_acr_create_replication.yaml, PUT of 2026-09-10), oldest first as ARM
# sends them. azure-cli 2.75 sends 2025-03-01-preview, 2.86 2026-01-01-preview, 2.91 2026-09-01-preview.
REGISTRY_VERSIONS = (
    "2020-11-01-preview", "2021-06-01-preview", "2021-08-01-preview", "2021-09-01", "2021-12-01-preview",
    "2022-02-01-preview", "2022-12-01", "2023-01-01-preview", "2023-06-01-preview", "2023-07-01",
    "2023-08-01-preview", "2023-11-01-preview", "2024-01-01-preview", "2024-11-01-preview", "2025-03-01-preview",
    "2025-04-01", "2025-05-01-preview", "2025-06-01-preview", "2025-09-01-preview", "2025-11-01",
    "2025-12-01-preview", "2026-01-01-preview", "2026-03-01-preview", "2026-09-01-preview", "2026-11-01")
REPLICATION_VERSIONS = REGISTRY_VERSIONS

# Which registry properties each version has (azure-rest-api-specs Registry: the TypeSpec's @added, the swagger
# and examples of each version, the generated SDK models of azure-mgmt-containerregistry 10.3.0-15.0.0):
# regionalEndpoints, regionalEndpointHostNames and endpointProtocol are @added(vLatestPreview): present in
# 2026-01-01-preview, 2026-03-01-preview and 2026-09-01-preview, absent from every stable version up to 2025-11-01.
# No source settles 2026-11-01 (no swagger or example yet): the knob regional_endpoint_versions can add it.
REGIONAL_ENDPOINT_VERSIONS = ("2026-01-01-preview", "2026-03-01-preview", "2026-09-01-preview")
# roleAssignmentMode: from 2025-03-01-preview on, and in the stable 2025-11-01 (not in 2025-04-01)
ROLE_ASSIGNMENT_MODE_SINCE = "2025-03-01-preview"
# anonymousPullEnabled: every preview from 2020-11-01-preview on, and the stables from 2025-04-01 on
ANONYMOUS_PULL_STABLE_SINCE = "2025-04-01"

# Microsoft.Authorization/acquirePolicyToken (azure-cli 2.86 sends 2025-03-01, 2.91 2025-11-01)
POLICY_TOKEN_VERSIONS = ("2025-03-01", "2025-11-01")


def version_of(query):
    return (query.get("api-version") or [None])[0]


def check_arm(query):
    """For ARM's own routes; returns the version."""
    version = version_of(query)
    _require(version)
    if version not in ARM_VERSIONS:
        raise ArmError(400, "InvalidApiVersionParameter",
                       "The api-version '{}' is invalid. The supported versions are '{}'.".format(
                           version, ",".join(ARM_VERSIONS)))
    return version


def retired_for(resource_type, retired):
    """Of the knob retired_api_versions' entries ('2026-09-01-preview': every type; 'registries=2026-09-01-preview':
    that type only), the versions retired for resource_type."""
    found = set()
    for entry in retired or ():
        kind, _, version = entry.rpartition("=")
        if not kind or kind == resource_type:
            found.add(version)
    return found


def check_provider(query, resource_type, supported, location="westus", retired=()):
    """For a resource provider's type (e.g. 'registries', 'registries/replications'); returns the version.
    retired: versions ARM no longer serves (the knob retired_api_versions), refused and left out of the list."""
    version = version_of(query)
    _require(version)
    gone = retired_for(resource_type, retired)
    supported = [v for v in supported if v not in gone]
    if version not in supported:
        raise ArmError(400, "NoRegisteredProviderFound",
                       "No registered resource provider found for location '{}' and API version '{}' for type "
                       "'{}'. The supported api-versions are '{}'. The supported locations are '{}'.".format(
                           location, version, resource_type, ", ".join(supported), ", ".join(REGION_NAMES)))
    return version


def has_regional_endpoints(version, also=()):
    """Whether a version's registry has regionalEndpoints, regionalEndpointHostNames and endpointProtocol
    (also: more versions that have them, the knob regional_endpoint_versions)."""
    return version in REGIONAL_ENDPOINT_VERSIONS or version in also


def has_role_assignment_mode(version):
    return version >= ROLE_ASSIGNMENT_MODE_SINCE and version != "2025-04-01"


def has_anonymous_pull(version):
    return version.endswith("-preview") or version >= ANONYMOUS_PULL_STABLE_SINCE


def _require(version):
    if not version:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
