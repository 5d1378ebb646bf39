import json
import pytest
pytestmark = pytest.mark.e2e
from tests.helpers import REG, errors, warnings


def test_smoke(az, emu):
    emu.replicated("demopremium", "eastus", "westeurope")
    r = az("acr replication probe {} -o json".format(REG), expect=None)
    print(r)
    r = az("acr replication probe {} -o table".format(REG), expect=None)
    print(r.stdout)
    emu.knobs(down_regions=["eastus"], degraded_regions={"westeurope": {"latency_ms": 2500, "error_rate": 0.5}})
    r = az("acr replication probe {} -o table".format(REG), expect=None)
    print(r.stdout, r.stderr, r.seconds)
    emu.knobs(down_regions=[], degraded_regions={})
    r = az("acr replication drain {} -n eastus --reason INC-1".format(REG), expect=None)
    print(r)
    r = az("acr replication status {} -o table".format(REG), expect=None)
    print(r.stdout)
    r = az("acr replication drain {} -n westeurope --reason INC-2 --min-routed 2".format(REG), expect=None)
    print(r)
    r = az("acr replication sync {} -l eastus westeurope --global-endpoint-routing true --dry-run -o table".format(REG), expect=None)
    print(r.stdout, r.stderr)
    r = az("acr replication undrain {} -n eastus -o table".format(REG), expect=None)
    print(r.stdout, r.stderr)
    assert 0
