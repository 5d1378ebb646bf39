"""`status` where ARM refuses the installed SDK's api-version (retired, or a cloud that lags): the registry, its
replicas and their regional endpoints are read with a version ARM serves."""
import pytest

from tests.helpers import REG

pytestmark = pytest.mark.e2e


def test_status_reads_replicas_with_a_served_version_when_the_sdks_is_retired_for_every_type(az, emu):
    emu.replicated("demopremium", "eastus")
    emu.push("demopremium", "app", "v1")
    emu.clear_log()
    az("acr replication list {} -o none".format(REG))  # the registry's group remembered (no registry GET needed)
    # the installed SDK's version (2026-09-01-preview on azure-cli 2.91, older on 2.75), as its list sent it
    sdk = next(e["query"].split("api-version=")[1].split("&")[0] for e in emu.requests()
               if e["path"].endswith("/replications"))
    emu.knobs(retired_api_versions=[sdk])
    rows = az("acr replication status {}".format(REG)).json
    assert [(r["location"], r["regionalEndpoint"]) for r in rows] == [
        ("westus", "demopremium.westus.geo.azurecr.io"), ("eastus", "demopremium.eastus.geo.azurecr.io")]
    result = az("acr replication status {} --image app:v1 --debug".format(REG))
    assert result.json["complete"] is True
    assert "ARM refused the SDK's api-version for replications; reading them with " in result.stderr
    assert az("acr replication list {}".format(REG), expect=1)  # the other commands use the SDK's, as the built-in
