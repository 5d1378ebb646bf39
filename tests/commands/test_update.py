"""`az acr replication update` through the real az: tags and routing, --no-wait, the generic --set the built-in
offers, and settings only a create can give (zone redundancy, location) explained instead of sent."""
import pytest

from tests.helpers import REG

pytestmark = pytest.mark.e2e


def test_update_tags_and_routing(az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0.2)
    updated = az("acr replication update -n eastus {} --tags k=v --global-endpoint-routing false".format(REG)).json
    assert updated["tags"] == {"k": "v"} and updated["regionEndpointEnabled"] is False
    assert az("acr replication update -n eastus {} --no-wait".format(REG)).stdout.strip() == ""


@pytest.mark.parametrize("flag", ["--zone-redundancy Enabled", "--location eastus2"])
def test_update_of_create_only_settings_explains(az, emu, flag):
    emu.add_replicas("demopremium", "eastus")
    result = az("acr replication update -n eastus {} {}".format(REG, flag), expect=1)
    assert "cannot be changed" in result.stderr and "delete" in result.stderr.lower()
    assert emu.writes() == []


def test_update_accepts_generic_set_like_the_builtin(az, builtin_az, emu):
    emu.add_replicas("demopremium", "eastus")
    emu.knobs(operation_seconds=0)
    ours = az("acr replication update -n eastus {} --set regionEndpointEnabled=false tags.team=a".format(REG)).json
    assert ours["regionEndpointEnabled"] is False and ours["tags"] == {"team": "a"}
    theirs = builtin_az("acr replication update -n eastus {} --set regionEndpointEnabled=true".format(REG)).json
    assert theirs["regionEndpointEnabled"] is True
