"""`az acr replication list` and `show` through the real az: output formats, what a missing registry or replica
says (and its exit code), and the registry's resource group: one request when -g is given, otherwise looked up
once, remembered, and looked up again when the remembered group has gone stale."""
import pytest

from tests.helpers import REG

pytestmark = pytest.mark.e2e


def test_missing_registry_names_the_subscription(az, builtin_az):
    # exit 1 as the built-in (its lookup raises a CLIError), whose scripts may test for it; 3 stays for show
    assert builtin_az("acr replication list -r nosuchregistry", expect=None).code == 1
    result = az("acr replication list -r nosuchregistry", expect=1)
    assert "nosuchregistry" in result.stderr and "Emulated Subscription" in result.stderr


def test_show_missing_replication_exits_3(az):
    result = az("acr replication show -n nothere {}".format(REG), expect=3)
    assert "nothere" in result.stderr


def test_show_list_and_output_formats(az, emu):
    emu.add_replicas("demopremium", "eastus")
    assert az("acr replication show -n eastus {} --query location -o tsv".format(REG)).stdout.strip() == "eastus"
    assert "name: eastus" in az("acr replication show -n eastus {} -o yaml".format(REG)).stdout
    table = az("acr replication list {} -o table".format(REG)).stdout.splitlines()
    assert table[0].split() == ["NAME", "LOCATION", "PROVISIONING", "STATE", "STATUS", "REGION", "ENDPOINT",
                                "ENABLED", "ZONE", "REDUNDANCY"]
    assert any(line.split()[:2] == ["eastus", "eastus"] for line in table[2:])
    names = az("acr replication list {} --query [].name -o tsv".format(REG)).stdout.split()
    assert sorted(names) == ["eastus", "westus"]


def test_group_given_list_is_one_arm_request(az, emu):
    az("acr replication list {} -g demo-rg".format(REG))
    assert [e["path"].rsplit("/", 1)[-1] for e in emu.requests()] == ["replications"]


def test_group_lookup_is_cached_and_dropped_on_404(az, emu):
    az("acr replication list {}".format(REG))
    assert len(emu.requests()) == 2  # resources query + list
    emu.clear_log()
    az("acr replication list {}".format(REG))
    assert len(emu.requests()) == 1  # group remembered
    # the registry "moves" to another group: the cached group 404s, is dropped, and the lookup runs again
    emu.move_registry("demopremium", "prod-rg")
    emu.clear_log()
    assert az("acr replication list {}".format(REG)).json == []
    assert [e["status"] for e in emu.requests()] == [404, 200, 200]
    emu.clear_log()
    az("acr replication list {}".format(REG))
    assert len(emu.requests()) == 1
